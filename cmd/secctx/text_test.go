package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/secctx/secctx/expect"
	"github.com/secctx/secctx/probe"
)

// fill sets every field of v that its JSON form carries (recursively) to a
// distinct non-zero value, and returns how many leaves it set.
func fill(t *testing.T, v reflect.Value, n *int) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		fill(t, v.Elem(), n)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			sf := v.Type().Field(i)
			if !sf.IsExported() || sf.Tag.Get("json") == "-" {
				continue
			}
			fill(t, v.Field(i), n)
		}
	case reflect.Slice:
		e := reflect.New(v.Type().Elem()).Elem()
		fill(t, e, n)
		v.Set(reflect.Append(reflect.MakeSlice(v.Type(), 0, 1), e))
	case reflect.Map:
		*n++
		k := reflect.New(v.Type().Key()).Elem()
		k.SetString(fmt.Sprintf("key%d", *n))
		e := reflect.New(v.Type().Elem()).Elem()
		fill(t, e, n)
		m := reflect.MakeMap(v.Type())
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Bool:
		*n++
		v.SetBool(true)
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint8:
		*n++
		if v.CanInt() {
			v.SetInt(int64(1000 + *n))
		} else {
			v.SetUint(uint64(1 + *n%5))
		}
	case reflect.Uint64:
		*n++
		v.SetUint(1 << uint(*n%40))
	case reflect.String:
		*n++
		v.SetString(fmt.Sprintf("value%d", *n))
	default:
		t.Fatalf("fill: a field of kind %s (%s); teach the test", v.Kind(), v.Type())
	}
}

// scalars lists every scalar of a JSON document, as text.
func scalars(t *testing.T, b []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out []string
	for {
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		switch v := tok.(type) {
		case string:
			out = append(out, v)
		case json.Number:
			out = append(out, v.String())
		}
	}
}

// TestTextShowsEveryField: `probe -o text` and `expect -o text` are derived
// from the JSON form; with every field of the types set, every key and value
// of the JSON form appears in the text.
func TestTextShowsEveryField(t *testing.T) {
	t.Parallel()
	for _, v := range []any{&probe.State{}, &expect.Expected{}} {
		n := 0
		fill(t, reflect.ValueOf(v), &n)
		if n < 20 {
			t.Fatalf("%T: only %d fields set", v, n)
		}
		var text bytes.Buffer
		if err := writeFields(&text, v); err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range scalars(t, b) {
			if !strings.Contains(text.String(), s) {
				t.Errorf("%T: the text lacks %q:\n%s", v, s, text.String())
			}
		}
	}
}

package userdb

import (
	"reflect"
	"testing"
)

func TestParsePasswd(t *testing.T) {
	t.Parallel()
	in := "root:x:0:0:root:/root:/bin/sh\n" +
		"# comment\n" +
		"\n" +
		"+nisuser::::::\n" +
		"app:x:1000:3000:App user:/home/app:/sbin/nologin\n" +
		"short:x:5\n" +
		"bad:x:notanumber:1:::\n" +
		":x:7:7:::\n" +
		"big:x:4294967294:4294967294:::\n" +
		"toobig:x:4294967296:1:::\n" +
		"noshell:x:8:8"
	want := []Account{
		{"root", 0, 0},
		{"app", 1000, 3000},
		{"big", 4294967294, 4294967294},
		{"noshell", 8, 8},
	}
	if got := ParsePasswd(in); !reflect.DeepEqual(got, want) {
		t.Errorf("ParsePasswd = %+v; want %+v", got, want)
	}
}

func TestParseGroup(t *testing.T) {
	t.Parallel()
	in := "root:x:0:root\n" +
		"app:x:3000:\n" +
		"extra:x:4000:app,other\n" +
		"wheel:x:10:root, app,\n" +
		"nomembers:x:11\n" +
		"bad:x:ten:app\n" +
		"# x:x:1:app\n"
	want := []GroupEntry{
		{"root", 0, []string{"root"}},
		{"app", 3000, nil},
		{"extra", 4000, []string{"app", "other"}},
		{"wheel", 10, []string{"root", "app"}},
		{"nomembers", 11, nil},
	}
	got := ParseGroup(in)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseGroup = %+v; want %+v", got, want)
	}

}

func TestLookupUID(t *testing.T) {
	t.Parallel()
	accts := []Account{{"root", 0, 0}, {"app", 1000, 3000}, {"app2", 1000, 1}}
	for _, tc := range []struct {
		uid  int64
		want Account
		ok   bool
	}{
		{0, Account{"root", 0, 0}, true},
		{1000, Account{"app", 1000, 3000}, true}, // first match, like getpwuid
		{65534, Account{}, false},
	} {
		got, ok := LookupUID(accts, tc.uid)
		if ok != tc.ok || got != tc.want {
			t.Errorf("LookupUID(%d) = %+v, %v; want %+v, %v", tc.uid, got, ok, tc.want, tc.ok)
		}
	}
}

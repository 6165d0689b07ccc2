package probe

import (
	"reflect"
	"testing"
)

func TestParseIDMap(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		in       string
		want     IDMap
		identity bool
		ok       bool
	}{
		{"initial namespace", "         0          0 4294967295\n", IDMap{{0, 0, 4294967295}}, true, true},
		{"userns", "         0       1000      65536\n", IDMap{{0, 1000, 65536}}, false, true},
		{"two ranges", "0 1000 1\n1 100000 65536\n", IDMap{{0, 1000, 1}, {1, 100000, 65536}}, false, true},
		{"not written yet", "", IDMap{}, false, true},
		{"two fields", "0 0\n", nil, false, false},
		{"four fields", "0 0 1 2\n", nil, false, false},
		{"negative", "-1 0 1\n", nil, false, false},
		{"text", "root 0 1\n", nil, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseIDMap(tc.in)
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v; want ok=%v", err, tc.ok)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v; want %v", got, tc.want)
			}
			if got.IsIdentity() != tc.identity {
				t.Errorf("IsIdentity = %v", got.IsIdentity())
			}
		})
	}
}

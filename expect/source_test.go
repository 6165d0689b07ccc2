package expect

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/secctx/secctx/manifest"
)

// TestSourceText: the JSON form of a source is the text secctx has always
// printed; packages compare Kind, people read this.
func TestSourceText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		src  Source
		want string
	}{
		{Source{Kind: FromContainer}, `"container"`},
		{Source{Kind: FromPod}, `"pod"`},
		{Source{Kind: FromRuntime}, `"runtime default"`},
		{Source{Kind: FromPrivileged}, `"privileged"`},
		{Source{Kind: FromAnnotation, Annotation: "k8s.aliyun.com/eci-host-sysctls"}, `"annotation k8s.aliyun.com/eci-host-sysctls"`},
		{Source{}, `"unknown"`},
	} {
		b, err := json.Marshal(tc.src)
		if err != nil || string(b) != tc.want {
			t.Errorf("json.Marshal(%+v) = %s, %v; want %s", tc.src, b, err, tc.want)
		}
	}
}

func TestGIDDerivation(t *testing.T) {
	t.Parallel()
	i64 := func(v int64) *int64 { return &v }
	for _, tc := range []struct {
		e    Expected
		want string
	}{
		{Expected{GID: i64(5), GIDSource: GIDFromRunAsGroup}, "gid 5 from runAsGroup"},
		{Expected{UID: i64(4), GID: i64(100), GIDSource: GIDFromPasswd, GIDAccount: "sync"}, `gid 100: uid 4 is "sync" in the image's /etc/passwd`},
		{Expected{UID: i64(1000), GID: i64(0), GIDSource: GIDNotInPasswd}, "gid 0: uid 1000 is not in the image's /etc/passwd and runAsGroup is unset"},
		{Expected{GIDSource: GIDImageUser}, "gid not derivable: the image's USER applies, group included"},
		{Expected{GIDSource: GIDFromImageUser}, "gid of the process's uid in the image's /etc/passwd, else 0 (the runtime drops the group of the image's USER)"},
		{Expected{UID: i64(1), GIDSource: GIDPasswdUnreadable}, "gid not derivable: the image's /etc/passwd could not be read"},
		{Expected{}, "resolved from the spec"},
	} {
		if got := tc.e.GIDDerivation(); got != tc.want {
			t.Errorf("GIDDerivation(%v) = %q, want %q", tc.e.GIDSource, got, tc.want)
		}
	}
}

// TestHostSysctls: the ECI annotation is read as encoding/json reads it
// into a list of {name, value}: keys without regard to case, other keys
// ignored, a value of another type an error.
func TestHostSysctls(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want string // name=value,...; "error" for an error
	}{
		{`[{"name":"kernel.msgmax","value":"65536"}]`, "kernel.msgmax=65536"},
		{`[{"Name":"a","VALUE":"1","other":5},{"name":"b"}]`, "a=1,b="},
		{`[{"name":"a","Name":"b","value":"1"}]`, "b=1"},
		{`[null,{"name":null,"value":"2"}]`, "=,=2"},
		{`null`, ""},
		{`[{"name":"a","value":1}]`, "error"},
		{`{"name":"a"}`, "error"},
		{`["a"]`, "error"},
		{`[{"name":"a"`, "error"},
		{`[] x`, "error"},
	} {
		list, err := ParseHostSysctls(tc.in)
		got := "error"
		if err == nil {
			var parts []string
			for _, s := range list {
				parts = append(parts, s.Name+"="+s.Value)
			}
			got = strings.Join(parts, ",")
		}
		if got != tc.want {
			t.Errorf("ParseHostSysctls(%s) = %q (%v), want %q", tc.in, got, err, tc.want)
		}
		// The reference: encoding/json into the same type.
		var ref []manifest.Sysctl
		if refErr := json.Unmarshal([]byte(tc.in), &ref); (refErr != nil) != (err != nil) || err == nil && !reflect.DeepEqual(ref, list) {
			t.Errorf("ParseHostSysctls(%s) = %+v, %v; encoding/json gives %+v, %v", tc.in, list, err, ref, refErr)
		}
	}
}

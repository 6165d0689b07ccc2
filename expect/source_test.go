package expect

import (
	"encoding/json"
	"testing"
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
		{Expected{GIDSource: GIDImageUser}, "gid not derivable: the image's USER applies"},
		{Expected{UID: i64(1), GIDSource: GIDPasswdUnreadable}, "gid not derivable: the image's /etc/passwd could not be read"},
		{Expected{}, "resolved from the spec"},
	} {
		if got := tc.e.GIDDerivation(); got != tc.want {
			t.Errorf("GIDDerivation(%v) = %q, want %q", tc.e.GIDSource, got, tc.want)
		}
	}
}

package verify

import (
	"encoding/json"
	"io"
	"testing"

	"github.com/secctx/secctx/expect"
	"github.com/secctx/secctx/manifest"
	"github.com/secctx/secctx/probe"
	"github.com/secctx/secctx/report"
)

const demoPod = `
apiVersion: v1
kind: Pod
metadata: {name: demo}
spec:
  securityContext:
    runAsUser: 1000
    runAsGroup: 3000
    fsGroup: 2000
    supplementalGroups: [4000]
    sysctls: [{name: net.core.somaxconn, value: "1024"}]
  containers:
  - name: app
    securityContext:
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      capabilities: {drop: [ALL], add: [NET_ADMIN]}
`

func newVerifier(tb testing.TB, procRoot string) *Verifier {
	tb.Helper()
	ws, err := manifest.Decode("demo.yaml", []byte(demoPod))
	if err != nil {
		tb.Fatal(err)
	}
	prof, err := expect.LookupProfile("containerd")
	if err != nil {
		tb.Fatal(err)
	}
	v, err := New(ws[0], "", prof, report.SpecRef{Source: "file:demo.yaml"}, probe.NewFS(procRoot))
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

func TestRequestPlannedOnce(t *testing.T) {
	t.Parallel()
	v := newVerifier(t, "/proc")
	req := v.Request()
	want := map[string]bool{"net.core.somaxconn": true, "net.ipv4.ip_unprivileged_port_start": true, "net.ipv4.ping_group_range": true}
	if len(req.Sysctls) != len(want) {
		t.Fatalf("sysctls = %v", req.Sysctls)
	}
	for _, s := range req.Sysctls {
		if !want[s] {
			t.Errorf("unexpected sysctl %q", s)
		}
	}
	if len(req.Paths) == 0 {
		t.Error("no masked paths planned")
	}
}

func TestBlindProcessIsAnError(t *testing.T) {
	t.Parallel()
	v := newVerifier(t, t.TempDir()) // an empty proc root: nothing to read
	_, err := v.Verify(0)
	if _, ok := err.(*BlindError); !ok {
		t.Fatalf("err = %v, want *BlindError", err)
	}
}

// BenchmarkVerifyCycle measures one full in-process cycle on the real
// /proc/self: observe, resolve, compare, and encode the JSON report.
func BenchmarkVerifyCycle(b *testing.B) {
	v := newVerifier(b, "/proc")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		r, err := v.Verify(0)
		if err != nil {
			b.Fatal(err)
		}
		if err := json.NewEncoder(io.Discard).Encode(r); err != nil {
			b.Fatal(err)
		}
	}
}

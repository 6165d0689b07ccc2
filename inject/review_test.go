package inject

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// reviewBody is an AdmissionReview for a pod, as the API server sends it.
func reviewBody(t *testing.T, kind string, obj any) []byte {
	t.Helper()
	raw, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{UID: "u-1", Kind: metav1.GroupVersionKind{Version: "v1", Kind: kind},
			Operation: admissionv1.Create, Object: runtime.RawExtension{Raw: raw}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReview(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		body       []byte
		failClosed bool
		err        bool
		allowed    bool
		outcome    Outcome
		patched    bool
	}{
		{"pod", reviewBody(t, "Pod", appPod()), false, false, true, OutcomeInjected, true},
		{"not a pod, fail open", reviewBody(t, "Secret", map[string]string{}), false, false, true, OutcomeError, false},
		{"not a pod, fail closed", reviewBody(t, "Secret", map[string]string{}), true, false, false, OutcomeError, false},
		{"malformed", []byte("{"), false, true, false, OutcomeError, false},
		{"no request", []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}`), false, true, false, OutcomeError, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, res, err := Review(tc.body, opts, tc.failClosed)
			if (err != nil) != tc.err || res.Outcome != tc.outcome {
				t.Fatalf("err %v outcome %v, want error %v outcome %v", err, res.Outcome, tc.err, tc.outcome)
			}
			if err != nil {
				return
			}
			r := out.Response
			if r.UID != "u-1" || r.Allowed != tc.allowed || (len(r.Patch) > 0) != tc.patched || out.Kind != "AdmissionReview" {
				t.Fatalf("response %+v", r)
			}
			if tc.patched && (r.PatchType == nil || *r.PatchType != admissionv1.PatchTypeJSONPatch) {
				t.Errorf("patch type %v", r.PatchType)
			}
			if !tc.allowed && (r.Result == nil || !strings.Contains(r.Result.Message, "not a Pod")) {
				t.Errorf("denial %+v", r.Result)
			}
			if tc.outcome == OutcomeError && tc.allowed && len(r.Warnings) != 1 {
				t.Errorf("warnings %v", r.Warnings)
			}
		})
	}
}

// The in-container binary links neither this package nor k8s.io/api.
func TestNotInSecctx(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", "../cmd/secctx").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps gave %d packages", len(deps))
	}
	for _, d := range deps {
		if strings.HasSuffix(d, "/inject") || strings.HasPrefix(d, "k8s.io/api/") {
			t.Errorf("cmd/secctx depends on %s", d)
		}
	}
}

package inject

import (
	"encoding/json"
	"fmt"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// MaxReview bounds an AdmissionReview body: the API server's own request
// limit is 3 MiB, and a pod is far smaller.
const MaxReview = 3 << 20

// Review answers an AdmissionReview (admission.k8s.io/v1). A body that is
// not a review with a request is an error (the server's 400). A request
// the injector cannot handle is admitted unpatched with the error in the
// response's warnings, unless failClosed (failurePolicy Fail chosen on
// purpose), which denies it; a pod it skips gets the Skipped annotation.
func Review(body []byte, o Options, failClosed bool) (*admissionv1.AdmissionReview, Result, error) {
	var in admissionv1.AdmissionReview
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, Result{Outcome: OutcomeError}, fmt.Errorf("not an AdmissionReview: %w", err)
	}
	if in.Request == nil {
		return nil, Result{Outcome: OutcomeError}, fmt.Errorf("an AdmissionReview without a request")
	}
	out := &admissionv1.AdmissionReview{TypeMeta: in.TypeMeta,
		Response: &admissionv1.AdmissionResponse{UID: in.Request.UID, Allowed: true}}
	res, err := review(in.Request, o)
	if err != nil {
		res.Outcome = OutcomeError
		if failClosed {
			out.Response.Allowed = false
			out.Response.Result = &metav1.Status{Status: metav1.StatusFailure, Message: "secctx injector: " + err.Error()}
		} else {
			out.Response.Warnings = []string{"secctx injector: admitted without the sidecar: " + err.Error()}
		}
		return out, res, nil
	}
	if len(res.Patch) > 0 {
		patch, err := json.Marshal(res.Patch)
		if err != nil {
			return nil, Result{Outcome: OutcomeError}, err
		}
		pt := admissionv1.PatchTypeJSONPatch
		out.Response.Patch, out.Response.PatchType = patch, &pt
	}
	return out, res, nil
}

func review(req *admissionv1.AdmissionRequest, o Options) (Result, error) {
	if req.Kind.Kind != "Pod" || req.Kind.Group != "" {
		return Result{}, fmt.Errorf("a %s, not a Pod", req.Kind.String())
	}
	var pod corev1.Pod
	if err := json.Unmarshal(req.Object.Raw, &pod); err != nil {
		return Result{}, fmt.Errorf("the pod does not decode: %w", err)
	}
	return Pod(&pod, o)
}

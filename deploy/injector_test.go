package deploy

import (
	"os"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"sigs.k8s.io/yaml"

	"github.com/secctx/secctx/inject"
)

// TestInjectorWebhook holds deploy/injector/webhook.yaml to what the docs
// promise: opt-in namespaces, opted-out pods never sent, fail open,
// re-invoked after later webhooks, no side effects, pods only.
func TestInjectorWebhook(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("injector/webhook.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg admissionregistrationv1.MutatingWebhookConfiguration
	if err := yaml.UnmarshalStrict(b, &cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Webhooks) != 1 {
		t.Fatalf("%d webhooks, want 1", len(cfg.Webhooks))
	}
	w := cfg.Webhooks[0]
	for _, c := range []struct {
		what      string
		ok        bool
		got, want any
	}{
		{"failurePolicy", w.FailurePolicy != nil && *w.FailurePolicy == admissionregistrationv1.Ignore, w.FailurePolicy, admissionregistrationv1.Ignore},
		{"reinvocationPolicy", w.ReinvocationPolicy != nil && *w.ReinvocationPolicy == admissionregistrationv1.IfNeededReinvocationPolicy, w.ReinvocationPolicy, admissionregistrationv1.IfNeededReinvocationPolicy},
		{"sideEffects", w.SideEffects != nil && *w.SideEffects == admissionregistrationv1.SideEffectClassNone, w.SideEffects, admissionregistrationv1.SideEffectClassNone},
		{"namespaceSelector", w.NamespaceSelector != nil && len(w.NamespaceSelector.MatchLabels) == 1 && w.NamespaceSelector.MatchLabels[inject.OptOut] == "enabled", w.NamespaceSelector, inject.OptOut + "=enabled"},
		{"objectSelector", w.ObjectSelector != nil && len(w.ObjectSelector.MatchExpressions) == 1 &&
			w.ObjectSelector.MatchExpressions[0].Key == inject.OptOut && w.ObjectSelector.MatchExpressions[0].Operator == "NotIn" &&
			len(w.ObjectSelector.MatchExpressions[0].Values) == 1 && w.ObjectSelector.MatchExpressions[0].Values[0] == "false", w.ObjectSelector, inject.OptOut + " NotIn [false]"},
		{"clientConfig", w.ClientConfig.Service != nil && w.ClientConfig.Service.Path != nil && *w.ClientConfig.Service.Path == "/mutate", w.ClientConfig, "service path /mutate"},
		{"rules", len(w.Rules) == 1 && len(w.Rules[0].Resources) == 1 && w.Rules[0].Resources[0] == "pods" && len(w.Rules[0].Operations) == 1 && w.Rules[0].Operations[0] == admissionregistrationv1.Create, w.Rules, "CREATE pods"},
	} {
		if !c.ok {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
}

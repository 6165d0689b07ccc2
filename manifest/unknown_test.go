package manifest

import (
	"reflect"
	"strings"
	"testing"
)

func TestEditDistance(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"runAsUser", "runAsUser", 0},
		{"runAsUser", "runAsUsr", 1},   // dropped
		{"runAsUser", "runAsUserr", 1}, // added
		{"runAsUser", "runAsUsar", 1},  // changed
		{"runAsUser", "runAsUesr", 1},  // swapped neighbours
		{"name", "nmae", 1},
		{"procMount", "procMnt", 2},
		{"add", "", 3},
		{"", "", 0},
		{"privileged", "x", 9}, // over two apart in length: the length difference
	} {
		if got := EditDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("EditDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := EditDistance(tc.b, tc.a); got != tc.want {
			t.Errorf("EditDistance(%q, %q) = %d, want %d", tc.b, tc.a, got, tc.want)
		}
	}
}

func TestMisspelt(t *testing.T) {
	t.Parallel()
	ctr, pod := reflect.TypeOf(SecurityContext{}), reflect.TypeOf(PodSecurityContext{})
	for _, tc := range []struct {
		key    string
		parent reflect.Type
		want   string // "" for a field of a newer Kubernetes
	}{
		{"RUNASUSER", ctr, `"runAsUser"`},
		{"runAsUsr", ctr, `"runAsUser"`},
		{"procMnt", ctr, `"procMount"`},
		{"privilegd", ctr, `"privileged"`},
		{"fsGroup", ctr, "pod's securityContext"},
		{"capabilities", pod, "a container's securityContext"},
		{"typo", reflect.TypeOf(SeccompProfile{}), `"type"`},
		{"rol", reflect.TypeOf(SELinuxOptions{}), `"role"`},
		// Two edits from a short name is another word.
		{"ad", reflect.TypeOf(Capabilities{}), `"add"`},
		{"futureIsolation", ctr, ""},
		{"userNamespace", pod, ""},
		{"x", reflect.TypeOf(SELinuxOptions{}), ""},
		{"ty", reflect.TypeOf(SeccompProfile{}), ""},
		{strings.Repeat("a", maxKeyLen+1), ctr, "not a Kubernetes field name"},
		{"run\x1b[31mAs", ctr, "not a Kubernetes field name"},
		{"future-field", ctr, "not a Kubernetes field name"},
		{"FutureField", ctr, "not a Kubernetes field name"},
		{"", ctr, "not a Kubernetes field name"},
		{"future2Field", ctr, ""},
	} {
		got := misspelt(tc.key, tc.parent)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("misspelt(%q, %s) = %q, want %q", tc.key, tc.parent, got, tc.want)
		}
	}
}

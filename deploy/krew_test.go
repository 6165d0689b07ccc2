package deploy

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// krewPlugin mirrors krew's Plugin (krew.googlecontainertools.github.com/
// v1alpha2, the index's format): decoding strictly into it refuses a field
// krew does not know.
type krewPlugin struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   metav1.ObjectMeta `json:"metadata"`
	Spec       struct {
		Version          string         `json:"version"`
		ShortDescription string         `json:"shortDescription"`
		Description      string         `json:"description"`
		Caveats          string         `json:"caveats"`
		Homepage         string         `json:"homepage"`
		Platforms        []krewPlatform `json:"platforms"`
	} `json:"spec"`
}

type krewPlatform struct {
	URI      string                `json:"uri"`
	Sha256   string                `json:"sha256"`
	Files    []krewFile            `json:"files"`
	Selector *metav1.LabelSelector `json:"selector"`
	Bin      string                `json:"bin"`
}

type krewFile struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// TestKrewManifest holds deploy/krew/secctx.yaml to krew's validation
// rules: the API version and kind, a name matching the file, a semantic
// version with its v, a short description, and per platform an https URI
// of this version's archive, a sha256, a selector on os and arch that no
// other platform's overlaps, a relative bin among the installed files.
func TestKrewManifest(t *testing.T) {
	t.Parallel()
	path := filepath.Join(root(t), "deploy", "krew", "secctx.yaml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var p krewPlugin
	if err := yaml.UnmarshalStrict(b, &p); err != nil {
		t.Fatalf("%s is not a krew Plugin: %v", path, err)
	}
	semver := regexp.MustCompile(`^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)
	sha := regexp.MustCompile(`^[0-9a-f]{64}$`)
	checks := []struct {
		what string
		ok   bool
	}{
		{"apiVersion krew.googlecontainertools.github.com/v1alpha2", p.APIVersion == "krew.googlecontainertools.github.com/v1alpha2"},
		{"kind Plugin", p.Kind == "Plugin"},
		{"metadata.name is the file's name", p.Metadata.Name == strings.TrimSuffix(filepath.Base(path), ".yaml")},
		{"a plugin name krew accepts", regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`).MatchString(p.Metadata.Name)},
		{"spec.version is vMAJOR.MINOR.PATCH", semver.MatchString(p.Spec.Version)},
		{"a short description of at most 50 characters", p.Spec.ShortDescription != "" && len(p.Spec.ShortDescription) <= 50},
		{"a homepage", strings.HasPrefix(p.Spec.Homepage, "https://")},
		{"platforms", len(p.Spec.Platforms) > 0},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("krew: %s", c.what)
		}
	}
	seen := map[string]bool{}
	for i, pl := range p.Spec.Platforms {
		u, err := url.Parse(pl.URI)
		if err != nil || u.Scheme != "https" || !strings.Contains(pl.URI, "/"+p.Spec.Version+"/") {
			t.Errorf("platform %d: uri %q is not an https URI of release %s", i, pl.URI, p.Spec.Version)
		}
		if !sha.MatchString(pl.Sha256) {
			t.Errorf("platform %d: sha256 %q is not 64 lowercase hex digits", i, pl.Sha256)
		}
		if pl.Selector == nil || pl.Selector.MatchLabels["os"] == "" || pl.Selector.MatchLabels["arch"] == "" {
			t.Errorf("platform %d: the selector must name os and arch", i)
			continue
		}
		if _, err := metav1.LabelSelectorAsSelector(pl.Selector); err != nil {
			t.Errorf("platform %d: selector: %v", i, err)
		}
		key := pl.Selector.MatchLabels["os"] + "/" + pl.Selector.MatchLabels["arch"]
		if seen[key] {
			t.Errorf("platform %d: %s overlaps an earlier platform", i, key)
		}
		seen[key] = true
		// scripts/release.sh zips the Windows archives and gzips the others.
		ext := ".tar.gz"
		if pl.Selector.MatchLabels["os"] == "windows" {
			ext = ".zip"
		}
		if !strings.HasSuffix(pl.URI, "_"+strings.ReplaceAll(key, "/", "_")+ext) {
			t.Errorf("platform %d: uri %q is not the %s archive (%s)", i, pl.URI, key, ext)
		}
		if pl.Bin == "" || filepath.IsAbs(pl.Bin) || strings.Contains(pl.Bin, "..") {
			t.Errorf("platform %d: bin %q must be a relative path", i, pl.Bin)
		}
		installed := map[string]bool{}
		for _, f := range pl.Files {
			if f.From == "" || f.To == "" || filepath.IsAbs(f.To) || strings.Contains(f.To, "..") {
				t.Errorf("platform %d: file %+v", i, f)
			}
			installed[f.From] = true
		}
		if !installed[pl.Bin] {
			t.Errorf("platform %d: bin %q is not among the installed files", i, pl.Bin)
		}
		// --exec streams the Linux secctx binary: every archive carries it.
		if !installed["secctx"] {
			t.Errorf("platform %d (%s): the archive must install secctx beside the plugin", i, key)
		}
	}
	// The release's platforms (scripts/release.sh): kubectl runs on all six.
	for _, goos := range []string{"linux", "darwin", "windows"} {
		for _, arch := range []string{"amd64", "arm64"} {
			if !seen[goos+"/"+arch] {
				t.Errorf("krew: no platform %s/%s", goos, arch)
			}
		}
	}
}

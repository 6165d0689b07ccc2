package release

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/secctx/secctx/e2e/e2eutil"
	"sigs.k8s.io/yaml"
)

// checkKrew: the manifest the release wrote into the tree is the one in
// dist/, of this version, with one platform per plugin archive whose sha256
// is the archive's.
func checkKrew(t *testing.T, repo string, sums map[string]string) {
	inTree, err := os.ReadFile(filepath.Join(repo, "deploy", "krew", "secctx.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	inDist, err := os.ReadFile(filepath.Join(repo, "dist", "secctx.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if string(inTree) != string(inDist) {
		t.Errorf("deploy/krew/secctx.yaml is not dist/secctx.yaml")
	}
	var m struct {
		Spec struct {
			Version   string `json:"version"`
			Platforms []struct {
				URI      string `json:"uri"`
				Sha256   string `json:"sha256"`
				Bin      string `json:"bin"`
				Selector struct {
					MatchLabels map[string]string `json:"matchLabels"`
				} `json:"selector"`
			} `json:"platforms"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(inTree, &m); err != nil {
		t.Fatal(err)
	}
	if m.Spec.Version != version {
		t.Errorf("krew version %q, want %q", m.Spec.Version, version)
	}
	var got []string
	for _, p := range m.Spec.Platforms {
		name := p.URI[strings.LastIndex(p.URI, "/")+1:]
		if sums[name] == "" || p.Sha256 != sums[name] {
			t.Errorf("krew %s: sha256 %s, the archive's is %q", name, p.Sha256, sums[name])
		}
		plat := p.Selector.MatchLabels["os"] + "/" + p.Selector.MatchLabels["arch"]
		if !strings.HasSuffix(name, "_"+strings.ReplaceAll(plat, "/", "_")+filepath.Ext(name)) && !strings.Contains(name, "_"+strings.ReplaceAll(plat, "/", "_")+".") {
			t.Errorf("krew %s: selector %s", name, plat)
		}
		got = append(got, plat)
	}
	sort.Strings(got)
	want := "darwin/amd64 darwin/arm64 linux/amd64 linux/arm64 windows/amd64 windows/arm64"
	if strings.Join(got, " ") != want {
		t.Errorf("krew platforms %v, want %s", got, want)
	}
}

// entry is a file of an archive.
type entry struct {
	mode    os.FileMode
	uid     int
	modTime time.Time
	data    []byte
}

// readArchive reads a .tar.gz or .zip into its entries by name.
func readArchive(t *testing.T, p string) map[string]entry {
	t.Helper()
	out := map[string]entry{}
	if strings.HasSuffix(p, ".zip") {
		z, err := zip.OpenReader(p)
		if err != nil {
			t.Fatal(err)
		}
		defer z.Close()
		for _, f := range z.File {
			r, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(r)
			r.Close()
			if err != nil {
				t.Fatal(err)
			}
			out[f.Name] = entry{mode: f.Mode(), modTime: f.Modified, data: b}
		}
		return out
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out[h.Name] = entry{mode: h.FileInfo().Mode(), uid: h.Uid + h.Gid, modTime: h.ModTime, data: b}
	}
}

// binaryPlatform is the GOOS/GOARCH of an executable, "static" or
// "dynamic" for an ELF one.
func binaryPlatform(t *testing.T, p string) string {
	t.Helper()
	if f, err := elf.Open(p); err == nil {
		defer f.Close()
		arch := map[elf.Machine]string{elf.EM_X86_64: "amd64", elf.EM_AARCH64: "arm64"}[f.Machine]
		link := "static"
		for _, prog := range f.Progs {
			if prog.Type == elf.PT_INTERP {
				link = "dynamic"
			}
		}
		return "linux/" + arch + " " + link
	}
	if f, err := macho.Open(p); err == nil {
		defer f.Close()
		return "darwin/" + map[macho.Cpu]string{macho.CpuAmd64: "amd64", macho.CpuArm64: "arm64"}[f.Cpu]
	}
	if f, err := pe.Open(p); err == nil {
		defer f.Close()
		return "windows/" + map[uint16]string{pe.IMAGE_FILE_MACHINE_AMD64: "amd64", pe.IMAGE_FILE_MACHINE_ARM64: "arm64"}[f.Machine]
	}
	return "unknown"
}

// checkArchives: each archive holds its binaries, for its platform, and
// LICENSE, owned by 0, dated at the commit; the Linux amd64 binaries print
// the version, the commit and the Go version.
func checkArchives(t *testing.T, tmp, dist, commit string) {
	when, err := strconv.ParseInt(strings.TrimSpace(run(t, filepath.Dir(dist), nil, "git", "log", "-1", "--format=%ct")), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range archives {
		if !strings.HasPrefix(name, "secctx_") && !strings.HasPrefix(name, "kubectl-secctx_") {
			continue
		}
		plat := strings.TrimSuffix(strings.TrimSuffix(name[strings.Index(name, version)+len(version)+1:], ".tar.gz"), ".zip")
		goos, arch, _ := strings.Cut(plat, "_")
		want := map[string]string{"LICENSE": "", "secctx": "linux/" + arch + " static"}
		if strings.HasPrefix(name, "kubectl-secctx_") {
			exe := "kubectl-secctx"
			if goos == "windows" {
				exe += ".exe"
			}
			want[exe] = goos + "/" + arch
			if goos == "linux" {
				want[exe] += " static"
			}
		}
		files := readArchive(t, filepath.Join(dist, name))
		if len(files) != len(want) {
			t.Errorf("%s holds %d files, want %v", name, len(files), want)
		}
		dir := filepath.Join(tmp, "x", name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for f, platform := range want {
			e, ok := files[f]
			if !ok {
				t.Errorf("%s lacks %s", name, f)
				continue
			}
			// A zip's DOS time counts in steps of 2 seconds.
			if d := e.modTime.Unix() - when; e.uid != 0 || d < 0 || d > 1 || (d == 1 && !strings.HasSuffix(name, ".zip")) {
				t.Errorf("%s: %s owned by %d, dated %v; want 0 and the commit's %v", name, f, e.uid, e.modTime.UTC(), time.Unix(when, 0).UTC())
			}
			p := filepath.Join(dir, f)
			if err := os.WriteFile(p, e.data, 0o755); err != nil {
				t.Fatal(err)
			}
			if f == "LICENSE" {
				if !strings.Contains(string(e.data), "Apache License\n                           Version 2.0") || len(e.data) < 10000 {
					t.Errorf("%s: LICENSE is not the Apache-2.0 text", name)
				}
				continue
			}
			if e.mode.Perm() != 0o755 {
				t.Errorf("%s: %s mode %v", name, f, e.mode)
			}
			if got := binaryPlatform(t, p); got != platform {
				t.Errorf("%s: %s is %q, want %q", name, f, got, platform)
			}
			if goos == "linux" && arch == runtime.GOARCH {
				out := run(t, dir, nil, p, "version")
				for _, w := range []string{version, commit, runtime.Version()} {
					if !strings.Contains(out, w) {
						t.Errorf("%s: %s version: %q lacks %q", name, f, out, w)
					}
				}
			}
		}
	}
}

// ociLayout reads an OCI image archive's blobs by digest and its index.
func ociLayout(t *testing.T, p string) (map[string][]byte, []byte) {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	blobs := map[string][]byte{}
	var index []byte
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return blobs, index
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case h.Name == "index.json":
			index = b
		case strings.HasPrefix(h.Name, "blobs/sha256/") && h.Typeflag == tar.TypeReg:
			blobs["sha256:"+strings.TrimPrefix(h.Name, "blobs/sha256/")] = b
		}
	}
}

// ociIndex is an OCI image index or manifest, the fields the test reads.
type ociIndex struct {
	MediaType string `json:"mediaType"`
	Manifests []struct {
		MediaType   string                             `json:"mediaType"`
		Digest      string                             `json:"digest"`
		Platform    *struct{ OS, Architecture string } `json:"platform"`
		Annotations map[string]string                  `json:"annotations"`
	} `json:"manifests"`
	Config struct {
		Digest string `json:"digest"`
	} `json:"config"`
	Layers []struct {
		Digest string `json:"digest"`
	} `json:"layers"`
}

// layerFile is the content of name in a layer blob (a tar, gzipped or not).
func layerFile(t *testing.T, blob []byte, name string) []byte {
	t.Helper()
	var r io.Reader = bytes.NewReader(blob)
	if len(blob) > 2 && blob[0] == 0x1f && blob[1] == 0x8b {
		gz, err := gzip.NewReader(r)
		if err != nil {
			t.Fatal(err)
		}
		r = gz
	}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err != nil {
			return nil
		}
		if strings.TrimPrefix(h.Name, "./") == name {
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
}

// decode unmarshals b into v, failing the test.
func decode(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%v: %.200s", err, b)
	}
}

// imagePlatforms lists the os/arch of every image an OCI archive holds,
// following a nested index, and the name it is stored under.
func imagePlatforms(t *testing.T, tmp, p string) ([]string, string) {
	t.Helper()
	blobs, raw := ociLayout(t, p)
	var idx ociIndex
	decode(t, raw, &idx)
	if len(idx.Manifests) != 1 {
		t.Fatalf("%s: index.json names %d entries, want 1", p, len(idx.Manifests))
	}
	name := idx.Manifests[0].Annotations["io.containerd.image.name"]
	descs := idx.Manifests
	if descs[0].MediaType == "application/vnd.oci.image.index.v1+json" {
		var nested ociIndex
		decode(t, blobs[descs[0].Digest], &nested)
		descs = nested.Manifests
	}
	var plats []string
	for _, d := range descs {
		var m ociIndex
		decode(t, blobs[d.Digest], &m)
		var cfg struct{ OS, Architecture string }
		decode(t, blobs[m.Config.Digest], &cfg)
		if d.Platform == nil || d.Platform.OS != cfg.OS || d.Platform.Architecture != cfg.Architecture {
			t.Errorf("%s: descriptor platform %+v, config %+v", p, d.Platform, cfg)
		}
		plats = append(plats, cfg.OS+"/"+cfg.Architecture)
		// The binary is the image's architecture: cross-compiled, not the
		// build machine's.
		var bin []byte
		for _, l := range m.Layers {
			if b := layerFile(t, blobs[l.Digest], "secctx"); b != nil {
				bin = b
			}
		}
		f := filepath.Join(tmp, "image-secctx")
		if err := os.WriteFile(f, bin, 0o755); err != nil {
			t.Fatal(err)
		}
		if got, want := binaryPlatform(t, f), cfg.OS+"/"+cfg.Architecture+" static"; got != want {
			t.Errorf("%s: the %s image's /secctx is %q", p, want, got)
		}
	}
	return plats, name
}

// checkImage: each per-architecture archive holds its architecture's image,
// the index both, under ghcr.io/secctx/secctx:VERSION; the amd64 archive
// imports into containerd (podman where containerd is missing) and the
// image's secctx prints the version and the commit.
func checkImage(t *testing.T, tmp, dist, commit string) {
	ref := "ghcr.io/secctx/secctx:" + version
	for file, want := range map[string]string{
		"secctx-image_" + version + "_linux_amd64.oci.tar": "linux/amd64",
		"secctx-image_" + version + "_linux_arm64.oci.tar": "linux/arm64",
		"secctx-image_" + version + ".oci.tar":             "linux/amd64 linux/arm64",
	} {
		plats, name := imagePlatforms(t, tmp, filepath.Join(dist, file))
		if strings.Join(plats, " ") != want || name != ref {
			t.Errorf("%s holds %v as %q, want %s as %s", file, plats, name, want, ref)
		}
	}
	archive := filepath.Join(dist, "secctx-image_"+version+"_linux_amd64.oci.tar")
	var out string
	if _, err := exec.LookPath("containerd"); err == nil && os.Geteuid() == 0 {
		out = runInContainerd(t, tmp, archive, ref)
	} else if e2eutil.Required() && os.Geteuid() == 0 {
		t.Fatalf("containerd is not installed (SECCTX_E2E_REQUIRED=1)")
	} else {
		t.Log("no containerd (or not root): podman load and run")
		loaded := run(t, tmp, nil, "podman", "load", "-q", "-i", archive)
		t.Cleanup(func() { _ = exec.Command("podman", "rmi", "-f", ref).Run() })
		out = run(t, tmp, nil, "podman", "run", "--rm", "--network=none", ref, "version")
		t.Logf("podman load: %s", strings.TrimSpace(loaded))
	}
	for _, w := range []string{version, commit, "linux/amd64"} {
		if !strings.Contains(out, w) {
			t.Errorf("the image's secctx version: %q lacks %q", out, w)
		}
	}
}

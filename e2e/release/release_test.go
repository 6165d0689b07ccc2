package release

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/secctx/secctx/e2e/e2eutil"
)

// version is the release the test cuts.
const version = "v0.0.1"

// archives are every file a release writes besides SHA256SUMS.
var archives = []string{
	"secctx_" + version + "_linux_amd64.tar.gz",
	"secctx_" + version + "_linux_arm64.tar.gz",
	"kubectl-secctx_" + version + "_linux_amd64.tar.gz",
	"kubectl-secctx_" + version + "_linux_arm64.tar.gz",
	"kubectl-secctx_" + version + "_darwin_amd64.tar.gz",
	"kubectl-secctx_" + version + "_darwin_arm64.tar.gz",
	"kubectl-secctx_" + version + "_windows_amd64.zip",
	"kubectl-secctx_" + version + "_windows_arm64.zip",
	"secctx-image_" + version + "_linux_amd64.oci.tar",
	"secctx-image_" + version + "_linux_arm64.oci.tar",
	"secctx-image_" + version + ".oci.tar",
	"secctx.yaml",
}

// run runs name in dir and returns its stdout, failing the test on error.
func run(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, tail(errb.String(), 4000))
	}
	return out.String()
}

// tail is the end of s, at most n bytes.
func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// cleanRepo makes a git repository in dir of the tree's files as they are
// (tracked and untracked, not ignored: no bin/, dist/ or caches), committed
// at HEAD's time, and returns that commit.
func cleanRepo(t *testing.T, top, dir string) string {
	t.Helper()
	files := strings.Split(strings.TrimRight(run(t, top, nil, "git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"), "\x00"), "\x00")
	for _, f := range files {
		src := filepath.Join(top, f)
		st, err := os.Lstat(src)
		if os.IsNotExist(err) {
			continue // deleted in the work tree
		}
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if st.Mode()&os.ModeSymlink != 0 {
			target, err := os.Readlink(src)
			if err == nil {
				err = os.Symlink(target, dst)
			}
			if err != nil {
				t.Fatal(err)
			}
			continue
		}
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, st.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	when := strings.TrimSpace(run(t, top, nil, "git", "log", "-1", "--format=%ct"))
	env := []string{"GIT_AUTHOR_DATE=@" + when, "GIT_COMMITTER_DATE=@" + when}
	git := []string{"-c", "user.name=release test", "-c", "user.email=release@test", "-c", "commit.gpgsign=false"}
	run(t, dir, nil, "git", "init", "-q")
	run(t, dir, nil, "git", "add", "-A")
	run(t, dir, env, "git", append(git, "commit", "-q", "-m", "release test")...)
	return strings.TrimSpace(run(t, dir, nil, "git", "rev-parse", "HEAD"))
}

// sha256File is the hex sha256 of a file.
func sha256File(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestRelease cuts a release on a clean clone of the tree, then again on a
// clone of that clone, and holds both to the contract of docs/release.md.
func TestRelease(t *testing.T) {
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		e2eutil.SkipOrFail(t, "the release is built and its amd64 image run on linux/amd64")
	}
	for _, tool := range []string{"git", "go", "make", "podman", "tar", "gzip", "zip", "unzip", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			e2eutil.SkipOrFail(t, "make release needs "+tool)
		}
	}
	top := strings.TrimSpace(run(t, ".", nil, "git", "rev-parse", "--show-toplevel"))
	tmp := t.TempDir()
	a, b := filepath.Join(tmp, "a"), filepath.Join(tmp, "b")
	if err := os.Mkdir(a, 0o755); err != nil {
		t.Fatal(err)
	}
	commit := cleanRepo(t, top, a)
	run(t, tmp, nil, "git", "clone", "-q", a, b)

	times := map[string]time.Duration{}
	for _, dir := range []string{a, b} {
		start := time.Now()
		run(t, dir, nil, "make", "--no-print-directory", "release", "VERSION="+version)
		times[dir] = time.Since(start)
	}
	t.Logf("make release: %v on the clean clone, %v on the second", times[a].Round(time.Second), times[b].Round(time.Second))
	dist := filepath.Join(a, "dist")

	// Every archive, in SHA256SUMS with its sum, the same in both builds.
	sums := map[string]string{}
	sumsA, err := os.ReadFile(filepath.Join(dist, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(sumsA)), "\n") {
		sum, name, ok := strings.Cut(line, "  ")
		if !ok {
			t.Fatalf("SHA256SUMS line %q", line)
		}
		sums[name] = sum
	}
	for _, f := range archives {
		if sums[f] == "" {
			t.Errorf("SHA256SUMS lacks %s", f)
		} else if got := sha256File(t, filepath.Join(dist, f)); got != sums[f] {
			t.Errorf("%s: sha256 %s, SHA256SUMS says %s", f, got, sums[f])
		}
	}
	if len(sums) != len(archives) {
		t.Errorf("SHA256SUMS lists %d files, want the %d of a release:\n%s", len(sums), len(archives), sumsA)
	}
	sumsB, err := os.ReadFile(filepath.Join(b, "dist", "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sumsA, sumsB) {
		t.Errorf("the second build differs:\n%s\nvs\n%s", sumsA, sumsB)
	}

	t.Run("krew", func(t *testing.T) { checkKrew(t, a, sums) })
	t.Run("archives", func(t *testing.T) { checkArchives(t, tmp, dist, commit) })
	t.Run("image", func(t *testing.T) { checkImage(t, tmp, dist, commit) })
}

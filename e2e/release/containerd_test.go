package release

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runInContainerd starts a containerd of its own (root, state and socket
// under tmp, the CRI plugin off, so it shares nothing with a node another
// test runs), imports archive into the namespace secctx-release with the
// native snapshotter, runs ref's /secctx version with `ctr run --rm` and
// returns what it printed.
func runInContainerd(t *testing.T, tmp, archive, ref string) string {
	t.Helper()
	dir := filepath.Join(tmp, "containerd")
	state := filepath.Join("/run", fmt.Sprintf("secctx-release-%d", os.Getpid()))
	sock := filepath.Join(state, "containerd.sock")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "config.toml")
	body := fmt.Sprintf("version = 2\nroot = %q\nstate = %q\ndisabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n[grpc]\n  address = %q\n",
		filepath.Join(dir, "root"), state, sock)
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(dir, "containerd.log"))
	if err != nil {
		t.Fatal(err)
	}
	d := exec.Command("containerd", "--config", conf)
	d.Stdout, d.Stderr = logf, logf
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = d.Process.Kill()
		_ = d.Wait()
		logf.Close()
		_ = os.RemoveAll(state)
	})
	ctr := func(args ...string) (string, error) {
		out, err := exec.Command("ctr", append([]string{"--address", sock, "--namespace", "secctx-release"}, args...)...).CombinedOutput()
		return string(out), err
	}
	for start := time.Now(); ; time.Sleep(200 * time.Millisecond) {
		if _, err := ctr("version"); err == nil {
			break
		}
		if time.Since(start) > 30*time.Second {
			b, _ := os.ReadFile(filepath.Join(dir, "containerd.log"))
			t.Fatalf("containerd did not answer on %s in 30s:\n%s", sock, tail(string(b), 3000))
		}
	}
	if out, err := ctr("images", "import", "--snapshotter", "native", archive); err != nil {
		t.Fatalf("ctr images import %s: %v\n%s", archive, err, out)
	}
	if out, err := ctr("images", "ls", "-q"); err != nil || !strings.Contains(out, ref) {
		t.Fatalf("ctr images ls: %v; %q does not list %s", err, out, ref)
	}
	out, err := ctr("run", "--rm", "--snapshotter", "native", ref, fmt.Sprintf("secctx-release-%d", os.Getpid()), "/secctx", "version")
	if err != nil {
		t.Fatalf("ctr run %s /secctx version: %v\n%s", ref, err, out)
	}
	t.Logf("ctr run %s /secctx version: %s", ref, strings.TrimSpace(out))
	return out
}

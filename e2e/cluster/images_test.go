package cluster

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/secctx/secctx/e2e/e2eutil"
)

// The app images, written as OCI archives (scripts/kube/oci-image.sh: no
// registry is reachable), and the secctx image `make image` built, exported
// with podman save.
const (
	// appImage: busybox-static, the test apps (/idchanger, /mutate), and an
	// /etc/passwd where uid 1000 is "app" in gid 1000.
	appImage = "localhost/secctx-cluster/app:1"
	// noShellImage holds /idchanger alone: no sh to exec into.
	noShellImage = "localhost/secctx-cluster/noshell:1"
	// appUserImage is appImage with USER 1000:1000: a pod that declares no
	// uid runs as it, which only the kubelet's status can tell.
	appUserImage = "localhost/secctx-cluster/appuser:1"
)

const (
	passwd = "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n"
	group  = "root:x:0:\napp:x:1000:\nnogroup:x:65534:\n"
)

// buildImages writes the app images and exports the secctx image; it
// returns the archives to import.
func buildImages(dir string) ([]string, error) {
	bin := filepath.Join(dir, "bin")
	app := filepath.Join(dir, "rootfs-app")
	err := e2eutil.Rootfs{
		Busybox: "/bin/busybox",
		Applets: []string{"sh", "sleep", "cat", "ls", "id", "mkdir", "chmod", "rm"},
		Bins:    map[string]string{"idchanger": filepath.Join(bin, "idchanger"), "mutate": filepath.Join(bin, "mutate")},
		Files:   e2eutil.ImageFiles{Passwd: passwd, Group: group},
	}.Write(app)
	if err != nil {
		return nil, err
	}
	noShell := filepath.Join(dir, "rootfs-noshell")
	if err := os.MkdirAll(noShell, 0o755); err != nil {
		return nil, err
	}
	if err := e2eutil.CopyFile(filepath.Join(bin, "idchanger"), filepath.Join(noShell, "idchanger"), 0o755); err != nil {
		return nil, err
	}
	var archives []string
	for _, im := range []struct{ ref, root, user string }{{appImage, app, ""}, {noShellImage, noShell, ""}, {appUserImage, app, "1000:1000"}} {
		out := filepath.Join(dir, filepath.Base(im.ref)+".tar")
		cmd := exec.Command("bash", filepath.Join(repoRoot, "scripts", "kube", "oci-image.sh"),
			"--name", im.ref, "--rootfs", im.root, "--out", out, "--env", `["PATH=/bin"]`, "--user", im.user)
		if b, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("%s: %v\n%s", im.ref, err, b)
		}
		archives = append(archives, out)
	}
	// The sidecar image of `make image`, as podman stores it.
	out := filepath.Join(dir, "secctx-image.tar")
	cmd := exec.Command("podman", "save", "-o", out, secctxImage)
	cmd.Env = append(os.Environ(), "CONTAINERS_CONF="+filepath.Join(repoRoot, "scripts", "containers.conf"))
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("podman save %s (run make image first): %v\n%s", secctxImage, err, b)
	}
	return append(archives, out), nil
}

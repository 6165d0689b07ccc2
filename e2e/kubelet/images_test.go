package kubelet

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/secctx/secctx/e2e/e2eutil"
)

// The test images: busybox-static, secctx and the mutate helper, with an
// /etc/passwd and /etc/group of their own. No registry is reachable, so each
// is written as an OCI archive (scripts/kube/oci-image.sh) and imported into
// the node's containerd.

// testImage is one image of the tier.
type testImage struct {
	Ref   string
	Files e2eutil.ImageFiles
	// User is the image config's USER ("" = root).
	User string
}

var testImages = []testImage{
	{Ref: "localhost/secctx-kube/busybox:1", Files: e2eutil.BusyboxFiles},
	{Ref: "localhost/secctx-kube/app:1", Files: e2eutil.AppFiles},
	// USER uid:gid with no /etc/passwd entry for the uid.
	{Ref: "localhost/secctx-kube/user999:1", Files: e2eutil.BusyboxFiles, User: "999:999"},
	// USER uid:gid where /etc/passwd gives the uid another gid.
	{Ref: "localhost/secctx-kube/user1000:1", Files: e2eutil.AppFiles, User: "1000:999"},
}

func imageByRef(ref string) (testImage, bool) {
	for _, im := range testImages {
		if im.Ref == ref {
			return im, true
		}
	}
	return testImage{}, false
}

// buildImages writes one OCI archive per test image into dir.
func buildImages(dir string) ([]string, error) {
	var out []string
	for i, im := range testImages {
		root := filepath.Join(dir, fmt.Sprintf("rootfs-%d", i))
		if err := makeRootfs(root, im.Files); err != nil {
			return nil, err
		}
		archive := filepath.Join(dir, fmt.Sprintf("image-%d.tar", i))
		cmd := exec.Command("bash", filepath.Join(repoRoot, "scripts", "kube", "oci-image.sh"),
			"--name", im.Ref, "--rootfs", root, "--out", archive, "--user", im.User,
			"--env", `["PATH=/bin"]`)
		if b, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("%s: %v\n%s", im.Ref, err, b)
		}
		if err := os.RemoveAll(root); err != nil {
			return nil, err
		}
		out = append(out, archive)
	}
	return out, nil
}

// makeRootfs writes a test image's tree: busybox, secctx and mutate, with
// the image's /etc/passwd and /etc/group.
func makeRootfs(root string, files e2eutil.ImageFiles) error {
	return e2eutil.Rootfs{
		Busybox: busyboxPath,
		Applets: []string{"sh", "id", "cat", "ls", "sleep", "grep", "touch"},
		Bins:    map[string]string{"secctx": secctxBin, "mutate": mutateBin},
		Dirs:    []string{"etc/secctx", "data"},
		Files:   files,
	}.Write(root)
}

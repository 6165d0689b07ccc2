package kubelet

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

// The test images: busybox-static, secctx and the mutate helper, with an
// /etc/passwd and /etc/group of their own. No registry is reachable, so each
// is written as an OCI archive (scripts/kube/oci-image.sh) and imported into
// the node's containerd.

// imageFiles are the parts of an image the runtime reads: /etc/passwd and
// /etc/group.
type imageFiles struct {
	Passwd string `json:"passwd"`
	Group  string `json:"group"`
}

var (
	// busyboxFiles are shaped like the busybox image critest and
	// containerd's golden tests use: root is a member of wheel.
	busyboxFiles = imageFiles{
		Passwd: "root:x:0:0:root:/root:/bin/sh\n" +
			"daemon:x:1:1:daemon:/usr/sbin:/bin/false\n" +
			"nobody:x:65534:65534:nobody:/home:/bin/false\n",
		Group: "root:x:0:\n" +
			"daemon:x:1:\n" +
			"wheel:x:10:root\n" +
			"nogroup:x:65534:\n",
	}
	// appFiles are the upstream e2e "test-image-predefined-group": uid 1000
	// in gid 1000, listed as a member of gid 50000.
	appFiles = imageFiles{
		Passwd: "root:x:0:0:root:/root:/bin/sh\n" +
			"app:x:1000:1000::/home/app:/bin/sh\n",
		Group: "root:x:0:\n" +
			"app:x:1000:\n" +
			"extra:x:50000:app\n",
	}
)

// testImage is one image of the tier.
type testImage struct {
	Ref   string
	Files imageFiles
	// User is the image config's USER ("" = root).
	User string
}

var testImages = []testImage{
	{Ref: "localhost/secctx-kube/busybox:1", Files: busyboxFiles},
	{Ref: "localhost/secctx-kube/app:1", Files: appFiles},
	// USER uid:gid with no /etc/passwd entry for the uid.
	{Ref: "localhost/secctx-kube/user999:1", Files: busyboxFiles, User: "999:999"},
	// USER uid:gid where /etc/passwd gives the uid another gid.
	{Ref: "localhost/secctx-kube/user1000:1", Files: appFiles, User: "1000:999"},
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

func makeRootfs(root string, files imageFiles) error {
	for _, d := range []string{"bin", "etc/secctx", "proc", "sys", "dev", "data"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Join(root, "tmp"), 0o1777); err != nil {
		return err
	}
	if err := os.Chmod(filepath.Join(root, "tmp"), 0o1777); err != nil {
		return err
	}
	for src, dst := range map[string]string{busyboxPath: "bin/busybox", secctxBin: "secctx", mutateBin: "mutate"} {
		if err := copyFile(src, filepath.Join(root, dst), 0o755); err != nil {
			return err
		}
	}
	for _, l := range []string{"sh", "id", "cat", "ls", "sleep", "grep", "touch"} {
		if err := os.Symlink("busybox", filepath.Join(root, "bin", l)); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(root, "etc", "passwd"), []byte(files.Passwd), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(root, "etc", "group"), []byte(files.Group), 0o644)
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

package e2eutil

import (
	"os"
	"path/filepath"
)

// Rootfs is the tree of a test image: a static busybox with some of its
// applets, static binaries, and the image's /etc/passwd and /etc/group.
type Rootfs struct {
	// Busybox is the static busybox copied to /bin/busybox.
	Busybox string
	// Applets are linked to busybox in /bin.
	Applets []string
	// Bins maps a path in the tree to the binary copied there (mode 0755).
	Bins map[string]string
	// Dirs are made besides bin, etc, proc, sys, dev and tmp (1777).
	Dirs []string
	// Files are /etc/passwd and /etc/group; an empty one is not written.
	Files ImageFiles
}

// Write makes the tree under root.
func (r Rootfs) Write(root string) error {
	for _, d := range append([]string{"bin", "etc", "proc", "sys", "dev"}, r.Dirs...) {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return err
		}
	}
	// /tmp as in an image: world-writable and sticky. Go's FileMode has
	// the sticky bit as os.ModeSticky (0o1777 would be 0o777); MkdirAll
	// honours the umask, hence the Chmod.
	tmp := filepath.Join(root, "tmp")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return err
	}
	if err := os.Chmod(tmp, os.ModeSticky|0o777); err != nil {
		return err
	}
	if err := CopyFile(r.Busybox, filepath.Join(root, "bin", "busybox"), 0o755); err != nil {
		return err
	}
	for _, l := range r.Applets {
		if err := os.Symlink("busybox", filepath.Join(root, "bin", l)); err != nil {
			return err
		}
	}
	for dst, src := range r.Bins {
		if err := CopyFile(src, filepath.Join(root, dst), 0o755); err != nil {
			return err
		}
	}
	for name, content := range map[string]string{"passwd": r.Files.Passwd, "group": r.Files.Group} {
		if content == "" {
			continue
		}
		if err := os.WriteFile(filepath.Join(root, "etc", name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

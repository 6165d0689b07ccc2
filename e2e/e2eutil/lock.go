package e2eutil

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// NodeLockPath is the lock every user of this machine's single node takes
// (scripts/kube/node.sh and cluster.sh take it too when run by hand);
// $SECCTX_NODE_LOCK overrides it, for the scripts as for the tiers.
func NodeLockPath() string {
	if p := os.Getenv("SECCTX_NODE_LOCK"); p != "" {
		return p
	}
	return "/run/lock/secctx-node.lock"
}

// LockNode takes the node lock exclusively, waiting for it (and saying so
// on stderr, prefixed with tier) while another run holds it, and records
// holder (such as "go test ./e2e/kubelet") in it. Closing the file
// releases it.
func LockNode(tier, holder string) (*os.File, error) {
	path := NodeLockPath()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		held, _ := os.ReadFile(path)
		fmt.Fprintf(os.Stderr, "%s: waiting for the node lock %s (one node at a time on this machine), held by: %s\n",
			tier, path, strings.TrimSpace(string(held)))
		start := time.Now()
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		fmt.Fprintf(os.Stderr, "%s: got the node lock after %s\n", tier, time.Since(start).Round(time.Second))
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("locking %s: %v", path, err)
	}
	if err := f.Truncate(0); err == nil {
		fmt.Fprintf(f, "pid %d: %s (the %s, since %s)\n", os.Getpid(), holder, tier, time.Now().UTC().Format(time.RFC3339))
	}
	return f, nil
}

// Package probetest starts real processes in a given state for the tests
// of the packages that observe them. It is imported by test files only.
package probetest

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// NGroupsMax is the kernel's NGROUPS_MAX: the most supplementary groups a
// process can hold (include/uapi/linux/limits.h).
const NGroupsMax = 65536

// MostGroups returns NGroupsMax gids of 10 digits each, the widest a
// Groups line prints, within the int32 range the Kubernetes API allows.
func MostGroups() []uint32 {
	gids := make([]uint32, NGroupsMax)
	for i := range gids {
		gids[i] = 2000000000 + uint32(i)
	}
	return gids
}

// StartWithGroups starts a process (sleep) running as root with the
// supplementary groups gids, waits until its status file shows them, and
// returns its pid; the process is killed when tb ends. It skips tb unless
// the caller is root, which alone can set them, and the kernel allows as
// many groups.
func StartWithGroups(tb testing.TB, gids []uint32) int {
	tb.Helper()
	if os.Geteuid() != 0 {
		tb.Skip("setting supplementary groups needs root")
	}
	b, err := os.ReadFile("/proc/sys/kernel/ngroups_max")
	if err != nil {
		tb.Fatal(err)
	}
	if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err != nil || n < len(gids) {
		tb.Fatalf("ngroups_max %q: fewer than the %d groups asked for", b, len(gids))
	}
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		tb.Skip("no sleep command")
	}
	cmd := exec.Command(sleep, "600")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 0, Gid: 0, Groups: gids}}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	// Until the child has called setgroups, its status shows ours.
	status := "/proc/" + strconv.Itoa(cmd.Process.Pid) + "/status"
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		b, err := os.ReadFile(status)
		if err != nil {
			tb.Fatal(err)
		}
		for _, l := range strings.Split(string(b), "\n") {
			if g, ok := strings.CutPrefix(l, "Groups:"); ok && len(strings.Fields(g)) == len(gids) {
				return cmd.Process.Pid
			}
		}
	}
	tb.Fatalf("pid %d does not show its %d groups", cmd.Process.Pid, len(gids))
	return 0
}

// Command mutate is the kubelet tier's app that changes its own security
// state after start, so that a watching sidecar must report the change:
//
//	mutate [-wait-for COMM] [-after DURATION] MODE [ARG]
//
// It waits until a process named COMM is visible (the watching sidecar, in
// the pod's shared PID namespace; default secctx), then sleeps -after
// (default 4s: several of the sidecar's cycles see the state the runtime
// gave the app), applies MODE to every thread of the process, prints what it
// did on stderr and sleeps until killed. Modes:
//
//	setuid UID        setuid(UID)
//	drop CAP          remove CAP from the bounding, effective and permitted sets
//	ambient CAP       raise CAP into the inheritable and ambient sets
//	nnp               set no_new_privs
//	seccomp           install an allow-everything seccomp filter (needs no_new_privs)
//
// Every change is made on all threads (AllThreadsSyscall, hence CGO_ENABLED=0),
// so /proc/PID/status shows it whichever thread the kernel reports.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// capNames are the kernel's capability numbers.
var capNames = []string{
	"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
	"SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
	"IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
	"SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD",
	"LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG",
	"WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
}

func capNumber(name string) (uintptr, error) {
	name = strings.TrimPrefix(strings.ToUpper(name), "CAP_")
	for i, n := range capNames {
		if n == name {
			return uintptr(i), nil
		}
	}
	return 0, fmt.Errorf("unknown capability %q", name)
}

// allThreads runs a raw system call on every thread and fails on an errno.
func allThreads(what string, trap, a1, a2, a3 uintptr) error {
	if _, _, errno := syscall.AllThreadsSyscall(trap, a1, a2, a3); errno != 0 {
		return fmt.Errorf("%s: %v", what, errno)
	}
	return nil
}

// capsets reads the calling thread's effective, permitted and inheritable sets.
func capsets() (hdr unix.CapUserHeader, data [2]unix.CapUserData, err error) {
	hdr.Version = unix.LINUX_CAPABILITY_VERSION_3
	err = unix.Capget(&hdr, &data[0])
	return hdr, data, err
}

func setCaps(hdr *unix.CapUserHeader, data *[2]unix.CapUserData) error {
	return allThreads("capset", unix.SYS_CAPSET, uintptr(unsafe.Pointer(hdr)), uintptr(unsafe.Pointer(&data[0])), 0)
}

func drop(c uintptr) error {
	if err := allThreads("PR_CAPBSET_DROP", unix.SYS_PRCTL, unix.PR_CAPBSET_DROP, c, 0); err != nil {
		return err
	}
	hdr, data, err := capsets()
	if err != nil {
		return err
	}
	mask := ^uint32(1 << (c % 32))
	data[c/32].Effective &= mask
	data[c/32].Permitted &= mask
	data[c/32].Inheritable &= mask
	return setCaps(&hdr, &data)
}

func ambient(c uintptr) error {
	hdr, data, err := capsets()
	if err != nil {
		return err
	}
	data[c/32].Inheritable |= 1 << (c % 32)
	if err := setCaps(&hdr, &data); err != nil {
		return err
	}
	return allThreads("PR_CAP_AMBIENT_RAISE", unix.SYS_PRCTL, unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_RAISE, c)
}

func seccompAllowAll() error {
	prog := []unix.SockFilter{{Code: unix.BPF_RET | unix.BPF_K, K: unix.SECCOMP_RET_ALLOW}}
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	// TSYNC puts the filter on every thread of the process.
	_, _, errno := syscall.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(&fprog)))
	if errno != 0 {
		return fmt.Errorf("seccomp(SET_MODE_FILTER, TSYNC): %v", errno)
	}
	return nil
}

func run(mode, arg string) error {
	switch mode {
	case "setuid":
		uid, err := strconv.Atoi(arg)
		if err != nil {
			return fmt.Errorf("setuid: %v", err)
		}
		return syscall.Setuid(uid) // all threads since Go 1.16
	case "drop", "ambient":
		c, err := capNumber(arg)
		if err != nil {
			return err
		}
		if mode == "drop" {
			return drop(c)
		}
		return ambient(c)
	case "nnp":
		return allThreads("PR_SET_NO_NEW_PRIVS", unix.SYS_PRCTL, unix.PR_SET_NO_NEW_PRIVS, 1, 0)
	case "seccomp":
		return seccompAllowAll()
	}
	return fmt.Errorf("unknown mode %q", mode)
}

// waitFor polls /proc until a process named comm exists.
func waitFor(comm string) {
	for {
		matches, _ := filepath.Glob("/proc/[0-9]*/comm")
		for _, m := range matches {
			if b, err := os.ReadFile(m); err == nil && strings.TrimSpace(string(b)) == comm {
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func main() {
	peer := flag.String("wait-for", "secctx", "wait until a process with this name runs (empty: do not wait)")
	after := flag.Duration("after", 4*time.Second, "then wait this long before the change")
	flag.Parse()
	if flag.NArg() < 1 {
		fmt.Fprintln(os.Stderr, "usage: mutate [-after D] setuid UID | drop CAP | ambient CAP | nnp | seccomp")
		os.Exit(2)
	}
	mode, arg := flag.Arg(0), flag.Arg(1)
	if *peer != "" {
		waitFor(*peer)
		fmt.Fprintf(os.Stderr, "mutate: %s runs\n", *peer)
	}
	time.Sleep(*after)
	if err := run(mode, arg); err != nil {
		fmt.Fprintln(os.Stderr, "mutate:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "mutate: %s %s done\n", mode, arg)
	for {
		time.Sleep(time.Hour)
	}
}

package main

import (
	"io"
	"os"

	"github.com/spf13/pflag"

	"github.com/secctx/secctx/probe"
)

var expectCommand = &command{
	name:    "expect",
	usage:   "[flags]",
	summary: "print the state a spec should give a container, resolved offline",
	long: `Print the security state a container should have, resolved from the spec as
the kubelet and the runtime (--profile) would, without looking at any
process: the uid, gid and groups, each capability set, no_new_privs,
seccomp, AppArmor, SELinux, the masked and read-only paths, the sysctls,
hostUsers, where each value comes from, and the resolver's rules that
applied. This is what verify compares a process with.

The image's /etc/passwd and /etc/group decide the primary gid and the
groups when the spec leaves them to the image: give an unpacked image with
--image-root, or they count as unknown.`,
	example: `  # A Deployment's container under CRI-O
  secctx expect --spec deploy.yaml -c web --profile crio

  # With the image's user database
  secctx expect --spec pod.yaml --image-root ./rootfs -o yaml`,
	exits: exitsPrint,
	flags: func(fs *pflag.FlagSet, o *options) {
		o.outputFlag(fs, formatText, documentFormats, "output format")
		o.specFlags(fs)
		fs.StringVar(&o.imageRoot, "image-root", "", "an unpacked image whose etc/passwd and etc/group resolve the primary gid and groups")
		fs.StringVar(&o.procRoot, "proc", probe.DefaultProcRoot, "proc filesystem whose sys/kernel/cap_last_cap sets the number of capabilities")
		o.logFlags(fs, "warn", "text")
		files(fs, annotDirs, "image-root", "proc")
	},
	run: runExpect,
}

// runExpect prints the expected state resolved from the spec, offline: the
// image's user database comes from --image-root, read by the probe's own
// reader, and cap_last_cap from the proc root.
func runExpect(c *call) int {
	_, v, err := c.o.verifier(c.env.stdin)
	if err != nil {
		return c.fail(exitUsage, err)
	}
	fs := probe.NewFS(c.o.procRoot)
	st := &probe.State{Pod: fs.ObservePod(probe.Request{})}
	if c.o.imageRoot != "" {
		if fi, err := os.Stat(c.o.imageRoot); err != nil || !fi.IsDir() {
			return c.usage(usagef("--image-root %q: not a directory", c.o.imageRoot))
		}
		st.Container = fs.ObserveImage(c.o.imageRoot)
		for _, it := range []probe.Item{probe.ItemPasswd, probe.ItemGroupFile} {
			if re := st.Container.Unread.Missing(it); re != nil && re.Reason != probe.ReasonAbsent {
				return c.usage(usagef("--image-root: %v", re))
			}
		}
	} else {
		st.Container.Unread = probe.Unread{
			probe.ItemPasswd:    {Path: "etc/passwd", Reason: "not given (use --image-root)"},
			probe.ItemGroupFile: {Path: "etc/group", Reason: "not given (use --image-root)"},
		}
	}
	exp, err := v.Expected(st)
	if err != nil {
		return c.fail(exitUsage, err)
	}
	if err := c.writeDocument(c.env.stdout, exp, func(w io.Writer) error { return writeFields(w, exp) }); err != nil {
		return c.fail(exitUsage, err)
	}
	return exitOK
}

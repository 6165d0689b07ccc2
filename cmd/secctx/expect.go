package main

import (
	"flag"
	"io"

	"github.com/rs/zerolog"

	"github.com/secctx/secctx/probe"
)

func expectFlags(fs *flag.FlagSet, o *options) {
	o.processFlags(fs)
	fs.StringVar(&o.imageRoot, "image-root", "", "an unpacked image root whose etc/passwd and etc/group resolve the primary gid and groups")
}

// runExpect prints the expected state resolved from the spec, offline: the
// image's user database comes from --image-root, read by the probe's own
// reader, and cap_last_cap from the proc root.
func runExpect(o *options, e *env, log zerolog.Logger) (int, error) {
	_, v, err := o.verifier(e.stdin)
	if err != nil {
		return exitUsage, err
	}
	fs := probe.NewFS(o.procRoot)
	st := &probe.State{Pod: fs.ObservePod(probe.Request{})}
	if o.imageRoot != "" {
		st.Container = fs.ObserveImage(o.imageRoot)
		for _, it := range []probe.Item{probe.ItemPasswd, probe.ItemGroupFile} {
			if re := st.Container.Unread.Missing(it); re != nil && re.Reason != probe.ReasonAbsent {
				return exitUsage, &usageError{"--image-root: " + re.Error()}
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
		return exitUsage, err
	}
	return exitOK, write(o, e.stdout, exp, func(w io.Writer) error { return writeFields(w, exp) })
}

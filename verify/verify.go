// Package verify is the pipeline every command uses, from the spec's source
// to a Verifier (see Pipeline), and the one verification cycle every
// command runs, for the processes of one container (cycle.go): observe
// them, resolve the container's expectation, compare in the three scopes
// of the state, and assemble the report; verifying one process is that
// cycle with one pid. What depends only on the spec (which sysctls and
// paths to read, plan.go) is worked out once, when the Verifier is made,
// not on every cycle.
package verify

import (
	"fmt"
	"time"

	"github.com/secctx/secctx/expect"
	"github.com/secctx/secctx/manifest"
	"github.com/secctx/secctx/probe"
	"github.com/secctx/secctx/report"
	"github.com/secctx/secctx/waiver"
)

// Verifier verifies processes of one container against one spec.
type Verifier struct {
	workload  *manifest.Workload
	container string
	profile   *expect.Profile
	source    report.SpecRef
	fs        probe.FS
	request   probe.Request
	// pre is the expectation resolved without the image's users or the
	// pod's facts, which New plans the reads with.
	pre *expect.Expected
	// node is what the user knows of the node (Pipeline.Node).
	node expect.Node
	// waivers are the spec's (Spec.Waivers); every expectation carries
	// them, and the reports apply them.
	waivers waiver.Set
	// Now is the clock for report times; tests replace it.
	Now func() time.Time
}

// New prepares a Verifier; the container must exist in the workload.
func New(wl *manifest.Workload, container string, prof *expect.Profile, src report.SpecRef, fs probe.FS) (*Verifier, error) {
	v := &Verifier{workload: wl, container: container, profile: prof, source: src, fs: fs, Now: time.Now}
	// The request (sysctl names, masked paths) does not depend on the
	// image's users, so a resolution without them is enough to plan reads.
	pre, err := v.Expected(nil)
	if err != nil {
		return nil, err
	}
	v.container, v.pre = pre.Container, pre
	v.request = requestFor(pre)
	v.request.Paths = expandPatterns(v.request.Paths, fs)
	return v, nil
}

// Request returns what each cycle reads beyond the fixed items.
func (v *Verifier) Request() probe.Request { return v.request }

// Container returns the name of the container verified.
func (v *Verifier) Container() string { return v.container }

// BlindError is returned when a process's state cannot be observed at all.
type BlindError struct {
	PID int
	Why *probe.ReadError
}

// Error says which process could not be observed, and why.
func (e *BlindError) Error() string {
	pid := "self"
	if e.PID != 0 {
		pid = fmt.Sprint(e.PID)
	}
	return fmt.Sprintf("cannot observe pid %s: %v", pid, e.Why)
}

// NotFoundError is returned when the processes to verify are not found,
// or the process named is not the container's: verifying another would
// report the state of another.
type NotFoundError struct {
	// Selector is what was asked for.
	Selector Selector
	// Why says what was found instead.
	Why string
}

// Error says what was not found, and why.
func (e *NotFoundError) Error() string {
	switch e.Selector.Kind {
	case SelectSelf:
		return "secctx is not the container's process: " + e.Why
	case SelectPID:
		return fmt.Sprintf("pid %d is not the container's process: %s", e.Selector.PID, e.Why)
	}
	return fmt.Sprintf("found no process for target %s: %s", e.Selector, e.Why)
}

// Observe reads the state of pid (0: the calling process).
func (v *Verifier) Observe(pid int) *probe.State { return v.fs.Observe(pid, v.request) }

// Expected resolves the expectation for st (nil: without image or kernel
// facts).
func (v *Verifier) Expected(st *probe.State) (*expect.Expected, error) {
	in := expect.Input{Workload: v.workload, Container: v.container, Profile: v.profile, LastCap: 40, Node: v.node}
	if st != nil {
		if st.Missing(probe.ItemLastCap) == nil {
			in.LastCap = st.LastCap
		}
		in.Image = ImageOf(&st.Container)
	}
	exp, err := expect.Resolve(in)
	if err == nil {
		exp.Waivers = v.waivers
	}
	return exp, err
}

// ImageOf turns what the probe read of the container's /etc/passwd and
// /etc/group into the resolver's input; an absent file is a known answer
// (no entries), an unreadable one is not.
func ImageOf(c *probe.Container) expect.Image {
	known := func(item probe.Item) bool {
		why := c.Unread.Missing(item)
		return why == nil || why.Reason == probe.ReasonAbsent
	}
	return expect.Image{Passwd: c.Passwd, Group: c.Group, PasswdReadable: known(probe.ItemPasswd), GroupReadable: known(probe.ItemGroupFile)}
}

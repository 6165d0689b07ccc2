// Package watch runs secctx as a sidecar: it verifies the processes of one
// or more containers on an interval, logs a JSON line when their state
// changes (and a heartbeat), reloads the spec when its file changes, and
// serves health, the last report and Prometheus metrics.
package watch

import (
	"fmt"
	"strings"

	"github.com/secctx/secctx/verify"
)

// Selector kinds (see verify.Selector).
const (
	SelectSelf        = verify.SelectSelf
	SelectPID         = verify.SelectPID
	SelectComm        = verify.SelectComm
	SelectExe         = verify.SelectExe
	SelectOthers      = verify.SelectOthers
	SelectContainerID = verify.SelectContainerID
)

// Selector picks the processes of a container; verify and watch take the
// same selectors.
type Selector = verify.Selector

// Target is a container of the spec and how to find its processes.
type Target struct {
	// Container is the container name in the spec; "" for the default.
	Container string
	Selector  Selector
}

// String renders the target as --target spells it.
func (t Target) String() string {
	if t.Container == "" {
		return t.Selector.String()
	}
	return t.Container + "=" + t.Selector.String()
}

// ParseTarget parses "SELECTOR" or "CONTAINER=SELECTOR" (see
// verify.ParseSelector).
func ParseTarget(s string) (Target, error) {
	var t Target
	sel := s
	// CONTAINER=SELECTOR: an "=" before any ":" (a container name has no
	// ":", a selector value such as exe:/opt/a=1/bin may hold "=").
	if eq, colon := strings.IndexByte(s, '='), strings.IndexByte(s, ':'); eq >= 0 && (colon < 0 || eq < colon) {
		if eq == 0 {
			return t, fmt.Errorf("target %q: empty container name", s)
		}
		t.Container, sel = s[:eq], s[eq+1:]
	}
	parsed, err := verify.ParseSelector(sel)
	if err != nil {
		return t, fmt.Errorf("target %q: %v", s, err)
	}
	t.Selector = parsed
	return t, nil
}

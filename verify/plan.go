package verify

import (
	"path/filepath"
	"strings"

	"github.com/secctx/secctx/expect"
	"github.com/secctx/secctx/probe"
)

// requestFor plans what a cycle reads for exp beyond the fixed items: its
// sysctls (pod items) and the masked, read-only and unmasked paths
// (container items). A path may be a pattern (path.Match), which
// expandPatterns turns into paths before any read.
func requestFor(exp *expect.Expected) probe.Request {
	req := probe.Request{}
	for _, s := range exp.Sysctls {
		req.Sysctls = append(req.Sysctls, s.Name)
	}
	req.Paths = append(req.Paths, exp.MaskedPaths...)
	req.Paths = append(req.Paths, exp.ReadonlyPaths...)
	for _, p := range exp.NodeMaskedPaths {
		req.Paths = append(req.Paths, p.Path)
	}
	req.Paths = append(req.Paths, exp.UnmaskedPaths...)
	return req
}

// expandPatterns replaces each path pattern (the per-CPU
// /sys/devices/system/cpu/cpu*/thermal_throttle) by the paths it matches.
// They are kernel files, the same in every container of the node, so this
// process's own view answers; a fixture proc root has no /sys of its own,
// and its patterns match nothing.
func expandPatterns(paths []string, fs probe.FS) []string {
	var out []string
	for _, p := range paths {
		if !strings.ContainsAny(p, "*?[") {
			out = append(out, p)
			continue
		}
		if fs.ProcRoot != "" && fs.ProcRoot != probe.DefaultProcRoot {
			continue
		}
		matches, _ := filepath.Glob(p)
		out = append(out, matches...)
	}
	return out
}

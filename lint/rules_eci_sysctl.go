package lint

import (
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/secctx/secctx/expect"
	"github.com/secctx/secctx/manifest"
	"github.com/secctx/secctx/sysctl"
)

// The ECI sysctl rules: which sysctls ECI applies (seed 001's list), the
// host sysctls annotation, and vm.min_free_kbytes against the pod's
// memory.

// eciSysctlSupported reports whether seed 001 lists a (normalised) sysctl.
func eciSysctlSupported(n string) bool {
	switch {
	case n == "net.ipv4.tcp_syncookies":
		return false
	case n == "kernel.sem", n == "vm.min_free_kbytes":
		return true
	}
	for _, p := range []string{"kernel.shm", "kernel.msg", "fs.mqueue.", "net."} {
		if strings.HasPrefix(n, p) {
			return true
		}
	}
	return false
}

func ruleECISysctls(p *pod) {
	unsupported, unlisted := ruleByID("eci-sysctl-unsupported"), ruleByID("eci-sysctl-unlisted")
	for i, s := range p.psc.Sysctls {
		field := p.specField(fmt.Sprintf("securityContext.sysctls[%d]", i))
		n := sysctl.NormalizeName(s.Name)
		switch {
		case n == "net.ipv4.tcp_syncookies":
			p.add(unsupported, nil, field+".name", overrides{},
				"ECI excludes net.ipv4.tcp_syncookies from the net.* sysctls it applies (Kubernetes counts it safe): the pod keeps the default value.")
		case !eciSysctlSupported(n):
			p.add(unsupported, nil, field+".name", overrides{},
				"ECI applies only kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*, net.* and vm.min_free_kbytes: %s is not set (it needs the k8s.aliyun.com/eci-host-sysctls annotation and an approved ticket).", s.Name)
		case n == "kernel.shm_rmid_forced" || n == "net.ipv4.ip_local_port_range":
			p.add(unlisted, nil, field+".name", overrides{},
				"Seed 001 includes %s in its sysctl groups, but seed 000 lists it neither among SecurityContext.Sysctl's safe values nor among HostSecurityContext.Sysctl's: whether ECI sets it is not clear.", n)
		case n == "vm.min_free_kbytes":
			checkMinFreeKbytes(p, field, s.Value)
		}
	}
}

// checkMinFreeKbytes applies the 20% bound to the pod's memory.
func checkMinFreeKbytes(p *pod, field, value string) {
	kb, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
	if err != nil || kb < 0 {
		return // the kernel refuses it; not an ECI rule
	}
	mem, detail := p.memory()
	if mem == nil {
		p.add(ruleByID("eci-min-free-kbytes-no-memory"), nil, field+".value", overrides{},
			"vm.min_free_kbytes is %d KiB, but no container sets resources.limits.memory or requests.memory: its bound of 20%% of the pod's memory cannot be checked.", kb)
		return
	}
	// 5 * kb * 1024 > mem  <=>  kb KiB > 20% of mem.
	lhs := new(big.Int).Mul(big.NewInt(kb), big.NewInt(5*1024))
	if lhs.Cmp(mem) <= 0 {
		return
	}
	limit := new(big.Int).Div(mem, big.NewInt(5*1024))
	p.add(ruleByID("eci-min-free-kbytes"), nil, field+".value", overrides{},
		"vm.min_free_kbytes is %d KiB, above 20%% of the pod's memory (%s: at most %s KiB): ECI recommends staying below it, more can starve the instance.", kb, detail, limit)
}

// memory is the pod's memory as the scheduler counts it: the sum of the
// app containers' limits (else requests), or the largest init
// container's, whichever is more; nil when no container sets either.
func (p *pod) memory() (*big.Int, string) {
	sum, maxInit := new(big.Int), new(big.Int)
	var none []string
	found := false
	for _, c := range p.ctrs {
		if c.kind == manifest.KindEphemeralContainer {
			continue
		}
		v, ok := c.c.Resources.Limits["memory"]
		if !ok {
			v, ok = c.c.Resources.Requests["memory"]
		}
		q, err := v.Value()
		if !ok || err != nil {
			if c.kind == manifest.KindContainer {
				none = append(none, c.c.Name)
			}
			continue
		}
		found = true
		if c.kind == manifest.KindInitContainer {
			if q.Cmp(maxInit) > 0 {
				maxInit = q
			}
			continue
		}
		sum.Add(sum, q)
	}
	if !found {
		return nil, ""
	}
	mem := sum
	if maxInit.Cmp(sum) > 0 {
		mem = maxInit
	}
	detail := fmt.Sprintf("%s bytes from the containers' memory limits or requests", mem)
	if len(none) > 0 {
		detail += fmt.Sprintf(", not counting %s, which set%s neither", strings.Join(none, ", "), plural(len(none) == 1, "s", ""))
	}
	return mem, detail
}

// eciHostExcluded are excluded from HostSecurityContext.Sysctl (seed 000).
var eciHostExcluded = []string{"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
	"net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start"}

func ruleECIHostSysctls(p *pod) {
	key := p.opts.Profile.HostSysctlsAnnotation
	if key == "" {
		return
	}
	v, ok := p.w.Annotations[key]
	if !ok {
		return
	}
	field := p.annotationField(key)
	list, err := expect.ParseHostSysctls(v)
	if err != nil {
		p.add(ruleByID("eci-host-sysctls-malformed"), nil, field, overrides{},
			"The annotation %s is not a JSON list of {name, value} (%v): ECI sets none of its sysctls, and secctx verify expects none.", key, err)
		return
	}
	applied := 0
	for i, s := range list {
		n := sysctl.NormalizeName(s.Name)
		switch {
		case s.Name == "" || !manifest.ValidSysctlName(s.Name):
			p.add(ruleByID("eci-host-sysctls-malformed"), nil, field, overrides{verify: PredictDepends},
				"Entry %d of the annotation %s names %q, which is not a sysctl name: ECI cannot set it.", i, key, s.Name)
		case slices.Contains(eciHostExcluded, n):
			p.add(ruleByID("eci-host-sysctl-excluded"), nil, field, overrides{},
				"ECI excludes %s from the host sysctls it sets (entry %d of %s): it keeps its default value.", n, i, key)
		default:
			applied++
		}
	}
	if applied > 0 {
		p.add(ruleByID("eci-host-sysctls-ticket"), nil, field, overrides{},
			"The annotation %s sets %d host sysctl%s only if an approved ticket enables them, and only when the pod is created: editing it later has no effect.", key, applied, plural(applied == 1, "", "s"))
	}
}

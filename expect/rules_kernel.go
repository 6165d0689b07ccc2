package expect

import (
	"encoding/json"
	"errors"
	"io"
	sigsjson "sigs.k8s.io/json"
	"strings"

	"github.com/secctx/secctx/manifest"
)

// resolveSeccomp: container profile, else pod profile, else (podman only)
// the legacy annotations, else the profile's default; privileged containers
// run unconfined.
func resolveSeccomp(r *resolution) {
	s := Seccomp{}
	switch {
	case r.exp.Privileged:
		s = Seccomp{Type: "Unconfined", Source: Source{Kind: FromPrivileged}}
	case r.ctr.SecurityContext != nil && r.ctr.SecurityContext.SeccompProfile != nil:
		s = seccompFrom(r.ctr.SecurityContext.SeccompProfile, Source{Kind: FromContainer})
	case r.pod.SeccompProfile != nil:
		s = seccompFrom(r.pod.SeccompProfile, Source{Kind: FromPod})
	default:
		if p, ok := r.legacySeccompAnnotation(); ok {
			s = p
		} else {
			s = Seccomp{Type: r.in.Profile.DefaultSeccomp, Source: Source{Kind: FromRuntime}}
		}
	}
	s.Mode = 2
	if s.Type == "Unconfined" {
		s.Mode = 0
	}
	r.exp.Seccomp = s
	r.note("seccomp %s from %s: Seccomp mode %d", s.Type, s.Source, s.Mode)
}

func seccompFrom(p *manifest.SeccompProfile, source Source) Seccomp {
	s := Seccomp{Type: p.Type, Source: source}
	if p.LocalhostProfile != nil {
		s.LocalhostProfile = *p.LocalhostProfile
	}
	return s
}

func (r *resolution) legacySeccompAnnotation() (Seccomp, bool) {
	if !r.in.Profile.LegacySeccompAnnotations {
		return Seccomp{}, false
	}
	a := r.in.Workload.Annotations
	for _, key := range []string{"container.seccomp.security.alpha.kubernetes.io/" + r.ctr.Name, "seccomp.security.alpha.kubernetes.io/pod"} {
		v, ok := a[key]
		if !ok {
			continue
		}
		src := Source{Kind: FromAnnotation, Annotation: key}
		switch {
		case v == "unconfined":
			return Seccomp{Type: "Unconfined", Source: src}, true
		case strings.HasPrefix(v, "localhost/"):
			return Seccomp{Type: "Localhost", LocalhostProfile: strings.TrimPrefix(v, "localhost/"), Source: src}, true
		default:
			return Seccomp{Type: "RuntimeDefault", Source: src}, true
		}
	}
	return Seccomp{}, false
}

// resolveAppArmor: container field, else pod field, else the beta
// annotation, else the runtime's default profile (the kubelet sends nothing
// and the runtime applies its own). Privileged containers skip the default
// but a Localhost profile still applies (containerd).
func resolveAppArmor(r *resolution) {
	var p *manifest.AppArmorProfile
	var src Source
	key := "container.apparmor.security.beta.kubernetes.io/" + r.ctr.Name
	annotation, hasAnnotation := r.in.Workload.Annotations[key]
	// The kubelet's order (GetProfile): the container field, then the
	// container's annotation (static pods may not have had it synced to
	// the field), then the pod field.
	switch {
	case r.ctr.SecurityContext != nil && r.ctr.SecurityContext.AppArmorProfile != nil:
		p, src = r.ctr.SecurityContext.AppArmorProfile, Source{Kind: FromContainer}
	case hasAnnotation:
		src = Source{Kind: FromAnnotation, Annotation: key}
		switch {
		case annotation == "unconfined":
			p = &manifest.AppArmorProfile{Type: "Unconfined"}
		case strings.HasPrefix(annotation, "localhost/"):
			name := strings.TrimPrefix(annotation, "localhost/")
			p = &manifest.AppArmorProfile{Type: "Localhost", LocalhostProfile: &name}
		default:
			p = &manifest.AppArmorProfile{Type: "RuntimeDefault"}
		}
	case r.pod.AppArmorProfile != nil:
		p, src = r.pod.AppArmorProfile, Source{Kind: FromPod}
	}
	a := AppArmor{Type: "RuntimeDefault", Source: Source{Kind: FromRuntime}}
	if p != nil {
		a = AppArmor{Type: p.Type, Declared: true, Source: src}
	}
	switch a.Type {
	case "Localhost":
		a.Profile = *p.LocalhostProfile
	case "Unconfined":
		a.Profile = "unconfined"
	default:
		if r.exp.Privileged {
			a = AppArmor{Type: "Unconfined", Profile: "unconfined", Declared: a.Declared, Source: Source{Kind: FromPrivileged}}
		} else {
			a.Profile = r.in.Profile.AppArmorDefault
			a.ProfilePrefix = r.in.Profile.AppArmorPrefix
		}
	}
	r.exp.AppArmor = a
}

// resolveSELinux: the container's seLinuxOptions, else the pod's.
func resolveSELinux(r *resolution) {
	if o := r.sc.SELinuxOptions; o != nil && (*o != manifest.SELinuxOptions{}) {
		c := *o
		r.exp.SELinux = &c
	}
}

// resolveSysctls: the pod's sysctls, set on the sandbox and seen through
// the shared namespaces, plus what the runtime injects (containerd enables
// unprivileged ports and ICMP in non-host-network pods) and, on ECI, the
// host sysctls annotation. A declared value overrides an injected one.
func resolveSysctls(r *resolution) {
	byName := map[string]ExpectedSysctl{}
	var order []string
	put := func(name, value string, source Source) {
		n := manifest.NormalizeSysctlName(name)
		if _, ok := byName[n]; !ok {
			order = append(order, n)
		}
		byName[n] = ExpectedSysctl{Name: n, Value: manifest.NormalizeSysctlValue(value), Source: source}
	}
	if r.in.Profile.InjectsUnprivilegedSysctls && !r.in.Workload.Spec.HostNetwork {
		put("net.ipv4.ip_unprivileged_port_start", "0", Source{Kind: FromRuntime})
		if hu := r.in.Workload.Spec.HostUsers; hu == nil || *hu {
			put("net.ipv4.ping_group_range", "0 2147483647", Source{Kind: FromRuntime})
		}
		r.note("%s injects unprivileged-port and ICMP sysctls in a non-host-network pod", r.in.Profile.Name)
	}
	if !r.in.Workload.Spec.HostNetwork {
		for _, s := range r.in.Profile.DefaultSysctls {
			put(s.Name, s.Value, Source{Kind: FromRuntime})
		}
	}
	for _, s := range r.pod.Sysctls {
		put(s.Name, s.Value, Source{Kind: FromPod})
	}
	if key := r.in.Profile.HostSysctlsAnnotation; key != "" {
		if v, ok := r.in.Workload.Annotations[key]; ok {
			list, err := hostSysctls(v)
			if err != nil {
				r.note("annotation %s is not a JSON list of {name, value}: ignored", key)
			} else {
				for _, s := range list {
					if s.Name != "" {
						put(s.Name, s.Value, Source{Kind: FromAnnotation, Annotation: key})
					}
				}
			}
		}
	}
	for _, n := range order {
		r.exp.Sysctls = append(r.exp.Sysctls, byName[n])
	}
}

// resolveHostUsers: hostUsers false asks for a user namespace of the pod's
// own; unset or true keeps the host's.
func resolveHostUsers(r *resolution) {
	hu := r.in.Workload.Spec.HostUsers
	r.exp.HostUsers = hu == nil || *hu
	if !r.exp.HostUsers {
		r.note("hostUsers false: a user namespace with a non-identity uid_map")
	}
}

// hostSysctls parses a JSON list of {name, value} the way encoding/json
// decodes it into []manifest.Sysctl (keys matched without regard to case,
// the last one winning, other keys ignored), with the one JSON decoder the
// binary links.
func hostSysctls(v string) ([]manifest.Sysctl, error) {
	bad := errors.New("not a JSON list of {name, value}")
	dec := sigsjson.NewDecoderCaseSensitivePreserveInts(strings.NewReader(v))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	var out []manifest.Sysctl
	switch tok {
	case nil: // null
	case json.Delim('['):
		for dec.More() {
			if tok, err = dec.Token(); err != nil {
				return nil, err
			}
			var s manifest.Sysctl
			switch tok {
			case nil:
			case json.Delim('{'):
				for dec.More() {
					key, err := dec.Token()
					if err != nil {
						return nil, err
					}
					var raw json.RawMessage
					if err := dec.Decode(&raw); err != nil {
						return nil, err
					}
					var dst *string
					switch k, _ := key.(string); {
					case strings.EqualFold(k, "name"):
						dst = &s.Name
					case strings.EqualFold(k, "value"):
						dst = &s.Value
					default:
						continue
					}
					if string(raw) != "null" {
						if err := sigsjson.UnmarshalCaseSensitivePreserveInts(raw, dst); err != nil {
							return nil, err
						}
					}
				}
				if _, err := dec.Token(); err != nil { // '}'
					return nil, err
				}
			default:
				return nil, bad
			}
			out = append(out, s)
		}
		if _, err := dec.Token(); err != nil { // ']'
			return nil, err
		}
	default:
		return nil, bad
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, bad // something after the list
	}
	return out, nil
}

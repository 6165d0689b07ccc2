package expect

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	sigsjson "sigs.k8s.io/json"

	"github.com/secctx/secctx/manifest"
	"github.com/secctx/secctx/sysctl"
)

// resolveSeccomp: container profile, else pod profile, else (podman only)
// the legacy annotations, else the default; privileged containers run
// unconfined. Under the kubelet an undeclared profile is what its
// seccompDefault says (getSeccompProfile: RuntimeDefault when on,
// Unconfined when off, its default): both are legitimate unless the node
// is known (Input.Node). CRI-O also applies an OCI-artifact profile named
// by a seccomp-profile.kubernetes.cri-o.io annotation when the kubelet
// sends no profile or Unconfined.
func resolveSeccomp(r *resolution) {
	prof := r.in.Profile
	var s Seccomp
	var outcomes []Outcome[int]
	switch {
	case r.exp.Privileged:
		s = Seccomp{Type: manifest.SeccompProfileTypeUnconfined, Source: Source{Kind: FromPrivileged}}
		if w := prof.PrivilegedSeccompFilter; w != "" {
			outcomes = []Outcome[int]{
				{Value: 0, When: "privileged containers run unconfined (" + prof.Name + "'s default)"},
				{Value: 2, When: w},
			}
		}
	case r.ctr.SecurityContext != nil && r.ctr.SecurityContext.SeccompProfile != nil:
		s = seccompFrom(r.ctr.SecurityContext.SeccompProfile, Source{Kind: FromContainer})
	case r.pod.SeccompProfile != nil:
		s = seccompFrom(r.pod.SeccompProfile, Source{Kind: FromPod})
	default:
		if p, ok := r.legacySeccompAnnotation(); ok {
			s = p
		} else {
			s, outcomes = r.defaultSeccomp()
		}
	}
	if s.Type == manifest.SeccompProfileTypeUnconfined && !r.exp.Privileged {
		if p, ok := r.seccompArtifactAnnotation(); ok {
			s, outcomes = p, nil
		}
	}
	s.Mode = seccompMode(s.Type)
	s.Outcomes = outcomes
	r.exp.Seccomp = s
	if len(outcomes) > 0 {
		r.note("seccomp from %s, as the node decides: Seccomp mode %s", s.Source, outcomeList(outcomes))
	} else {
		r.note("seccomp %s from %s: Seccomp mode %d", s.Type, s.Source, s.Mode)
	}
}

func seccompMode(typ manifest.SeccompProfileType) int {
	if typ == manifest.SeccompProfileTypeUnconfined {
		return 0
	}
	return 2
}

// defaultSeccomp is the profile of a container that declares none.
func (r *resolution) defaultSeccomp() (Seccomp, []Outcome[int]) {
	prof := r.in.Profile
	src := Source{Kind: FromRuntime}
	if !prof.Kubelet {
		return Seccomp{Type: prof.DefaultSeccomp, Source: src}, nil
	}
	artifact := ""
	if prof.SeccompArtifactAnnotation != "" {
		artifact = "the image names an OCI-artifact seccomp profile in a " + prof.SeccompArtifactAnnotation + " annotation (CRI-O 1.30 or later)"
	}
	sd := r.in.Node.SeccompDefault
	switch {
	case sd != nil && *sd:
		r.note("the kubelet's seccompDefault is on (given): it sends RuntimeDefault")
		return Seccomp{Type: manifest.SeccompProfileTypeRuntimeDefault, Source: src}, nil
	case sd != nil:
		r.note("the kubelet's seccompDefault is off (given): it sends Unconfined")
		if artifact == "" {
			return Seccomp{Type: manifest.SeccompProfileTypeUnconfined, Source: src}, nil
		}
		return Seccomp{Type: manifest.SeccompProfileTypeUnconfined, Source: src}, []Outcome[int]{
			{Value: 0, When: "the kubelet's seccompDefault is off (given)"},
			{Value: 2, When: artifact},
		}
	}
	on := "the kubelet's seccompDefault is on: it sends RuntimeDefault"
	if artifact != "" {
		on += "; or " + artifact
	}
	return Seccomp{Type: prof.DefaultSeccomp, Source: src}, []Outcome[int]{
		{Value: 0, When: "the kubelet's seccompDefault is off (its default): it sends Unconfined"},
		{Value: 2, When: on},
	}
}

// seccompArtifactAnnotation finds a CRI-O OCI-artifact seccomp profile
// named for the container or the pod (internal/config/seccomp Setup).
func (r *resolution) seccompArtifactAnnotation() (Seccomp, bool) {
	prefix := r.in.Profile.SeccompArtifactAnnotation
	if prefix == "" {
		return Seccomp{}, false
	}
	for _, key := range []string{prefix + "/" + r.ctr.Name, prefix + "/POD"} {
		if v, ok := r.in.Workload.Annotations[key]; ok && v != "" {
			return Seccomp{Type: manifest.SeccompProfileTypeLocalhost, LocalhostProfile: v, Source: Source{Kind: FromAnnotation, Annotation: key}}, true
		}
	}
	return Seccomp{}, false
}

func outcomeList[T any](os []Outcome[T]) string {
	parts := make([]string, len(os))
	for i, o := range os {
		parts[i] = fmt.Sprintf("%v when %s", o.Value, o.When)
	}
	return strings.Join(parts, "; ")
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
			return Seccomp{Type: manifest.SeccompProfileTypeUnconfined, Source: src}, true
		case strings.HasPrefix(v, "localhost/"):
			return Seccomp{Type: manifest.SeccompProfileTypeLocalhost, LocalhostProfile: strings.TrimPrefix(v, "localhost/"), Source: src}, true
		default:
			return Seccomp{Type: manifest.SeccompProfileTypeRuntimeDefault, Source: src}, true
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
	// An absent or invalid value is ignored (getProfileFromPodAnnotations).
	annotated := appArmorAnnotation(r.in.Workload.Annotations[key])
	// The kubelet's order (GetProfile): the container field, then the
	// container's annotation (static pods may not have had it synced to
	// the field), then the pod field.
	switch {
	case r.ctr.SecurityContext != nil && r.ctr.SecurityContext.AppArmorProfile != nil:
		p, src = r.ctr.SecurityContext.AppArmorProfile, Source{Kind: FromContainer}
	case annotated != nil:
		p, src = annotated, Source{Kind: FromAnnotation, Annotation: key}
	case r.pod.AppArmorProfile != nil:
		p, src = r.pod.AppArmorProfile, Source{Kind: FromPod}
	}
	a := AppArmor{Type: manifest.AppArmorProfileTypeRuntimeDefault, Source: Source{Kind: FromRuntime}}
	if p != nil {
		a = AppArmor{Type: p.Type, Declared: true, Source: src}
	}
	switch a.Type {
	case manifest.AppArmorProfileTypeLocalhost:
		if r.exp.Privileged && r.in.Profile.PrivilegedAppArmorNone {
			// CRI-O specSetApparmorProfile runs only for unprivileged
			// containers.
			a = AppArmor{Type: manifest.AppArmorProfileTypeUnconfined, Profile: "unconfined", Declared: true, Source: Source{Kind: FromPrivileged}}
			r.note("privileged: %s applies no AppArmor profile, not even the declared Localhost one", r.in.Profile.Name)
			break
		}
		a.Profile = *p.LocalhostProfile
	case manifest.AppArmorProfileTypeUnconfined:
		a.Profile = "unconfined"
	default:
		if r.exp.Privileged {
			a = AppArmor{Type: manifest.AppArmorProfileTypeUnconfined, Profile: "unconfined", Declared: a.Declared, Source: Source{Kind: FromPrivileged}}
		} else {
			a.Profile = r.in.Profile.AppArmorDefault
			a.ProfilePrefix = r.in.Profile.AppArmorPrefix
		}
	}
	r.exp.AppArmor = a
}

// appArmorAnnotation reads the beta annotation's value as the kubelet does:
// nil for a value it does not know (and for "", an absent annotation).
func appArmorAnnotation(v string) *manifest.AppArmorProfile {
	switch {
	case v == "unconfined":
		return &manifest.AppArmorProfile{Type: manifest.AppArmorProfileTypeUnconfined}
	case v == "runtime/default":
		return &manifest.AppArmorProfile{Type: manifest.AppArmorProfileTypeRuntimeDefault}
	case strings.HasPrefix(v, "localhost/"):
		name := strings.TrimPrefix(v, "localhost/")
		return &manifest.AppArmorProfile{Type: manifest.AppArmorProfileTypeLocalhost, LocalhostProfile: &name}
	}
	return nil
}

// resolveSELinux: the container's seLinuxOptions, else the pod's.
func resolveSELinux(r *resolution) {
	if o := r.sc.SELinuxOptions; o != nil && (*o != manifest.SELinuxOptions{}) {
		c := *o
		r.exp.SELinux = &c
	}
}

// resolveSysctls: the pod's sysctls, set on the sandbox and seen through
// the shared namespaces, plus what the runtime sets in a pod network
// namespace of the pod's own (containerd's unprivileged ports and ICMP,
// by version; podman's containers.conf) and, on ECI, the host sysctls
// annotation. A declared value overrides a runtime's, exactly.
func resolveSysctls(r *resolution) {
	byName := map[string]ExpectedSysctl{}
	var order []string
	put := func(name, value string, source Source, outcomes []Outcome[string]) {
		n := sysctl.NormalizeName(name)
		if _, ok := byName[n]; !ok {
			order = append(order, n)
		}
		byName[n] = ExpectedSysctl{Name: n, Value: sysctl.NormalizeValue(value), Source: source, Outcomes: outcomes}
	}
	spec := r.in.Workload.Spec
	userns := spec.HostUsers != nil && !*spec.HostUsers
	if !spec.HostNetwork {
		for _, rs := range r.in.Profile.Sysctls {
			if rs.NotInUserNS && userns {
				continue
			}
			var outcomes []Outcome[string]
			if len(rs.Outcomes) > 1 {
				outcomes = make([]Outcome[string], len(rs.Outcomes))
				for i, o := range rs.Outcomes {
					outcomes[i] = Outcome[string]{Value: sysctl.NormalizeValue(o.Value), When: o.When}
				}
				r.note("%s in a pod network namespace: %s", rs.Name, outcomeList(outcomes))
			} else {
				r.note("%s sets %s=%s in a pod network namespace (%s)", r.in.Profile.Name, rs.Name, rs.Outcomes[0].Value, rs.Outcomes[0].When)
			}
			put(rs.Name, rs.Outcomes[0].Value, Source{Kind: FromRuntime}, outcomes)
		}
	}
	for _, s := range r.pod.Sysctls {
		put(s.Name, s.Value, Source{Kind: FromPod}, nil)
	}
	if key := r.in.Profile.HostSysctlsAnnotation; key != "" {
		if v, ok := r.in.Workload.Annotations[key]; ok {
			list, err := ParseHostSysctls(v)
			if err != nil {
				r.note("annotation %s is not a JSON list of {name, value}: ignored", key)
			} else {
				for _, s := range list {
					if s.Name != "" {
						put(s.Name, s.Value, Source{Kind: FromAnnotation, Annotation: key}, nil)
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

// ParseHostSysctls parses the value of a profile's HostSysctlsAnnotation,
// a JSON list of {name, value}, the way encoding/json decodes it into
// []manifest.Sysctl (keys matched without regard to case, the last one
// winning, other keys ignored), with the one JSON decoder the binary links.
// secctx lint calls it too, so that it predicts exactly the sysctls the
// resolver will expect.
func ParseHostSysctls(v string) ([]manifest.Sysctl, error) {
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

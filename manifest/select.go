package manifest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Select picks the workload named by sel ("name", "Kind/name" or
// "namespace/Kind/name", kind matched without regard to case); with an empty
// sel the stream must hold exactly one workload.
func Select(ws []*Workload, sel string) (*Workload, error) {
	if len(ws) == 0 {
		return nil, errors.New("no workload")
	}
	src := ws[0].Source
	if sel == "" {
		if len(ws) == 1 {
			return ws[0], nil
		}
		return nil, &Error{Source: src, Msg: fmt.Sprintf("holds %d workloads (%s): choose one with --workload KIND/NAME", len(ws), workloadIDs(ws))}
	}
	// NAME, KIND/NAME or NAMESPACE/KIND/NAME.
	var ns, kind, name string
	parts := strings.Split(sel, "/")
	if slices.Contains(parts, "") {
		// "/", "Pod/", "/web": an empty part would match anything.
		return nil, &Error{Source: src, Field: "--workload", Msg: fmt.Sprintf("%q: want NAME, KIND/NAME or NAMESPACE/KIND/NAME", sel)}
	}
	switch len(parts) {
	case 1:
		name = parts[0]
	case 2:
		kind, name = parts[0], parts[1]
	case 3:
		ns, kind, name = parts[0], parts[1], parts[2]
	default:
		return nil, &Error{Source: src, Field: "--workload", Msg: fmt.Sprintf("%q: want NAME, KIND/NAME or NAMESPACE/KIND/NAME", sel)}
	}
	var found []*Workload
	for _, w := range ws {
		if w.Name == name && (kind == "" || strings.EqualFold(w.Kind, kind)) && (ns == "" || w.Namespace == ns) {
			found = append(found, w)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return nil, &Error{Source: src, Field: "--workload", Msg: fmt.Sprintf("no workload %q (found %s)", sel, workloadIDs(ws))}
	}
	return nil, &Error{Source: src, Field: "--workload", Msg: fmt.Sprintf("%q matches %d workloads (%s): give KIND/NAME or NAMESPACE/KIND/NAME", sel, len(found), workloadIDs(found))}
}

func workloadIDs(ws []*Workload) string {
	ids := make([]string, len(ws))
	for i, w := range ws {
		ids[i] = w.ID()
		if w.Namespace != "" {
			ids[i] = w.Namespace + "/" + ids[i]
		}
	}
	return strings.Join(ids, ", ")
}

// FindContainer returns the named container of w, searching containers,
// then init and ephemeral containers. With an empty name, w must have
// exactly one (regular) container.
func (w *Workload) FindContainer(name string) (*Container, ContainerKind, error) {
	if name == "" {
		if len(w.Spec.Containers) == 1 {
			return &w.Spec.Containers[0], KindContainer, nil
		}
		return nil, "", &Error{Source: w.Source, Object: w.ID(), Field: "--container",
			Msg: fmt.Sprintf("has %d containers (%s): choose one with --container or SECCTX_CONTAINER", len(w.Spec.Containers), containerNames(w))}
	}
	for _, l := range w.Spec.ContainerLists() {
		for i := range l.Items {
			if l.Items[i].Name == name {
				return &l.Items[i], l.Kind, nil
			}
		}
	}
	return nil, "", &Error{Source: w.Source, Object: w.ID(), Field: "--container", Msg: fmt.Sprintf("no container %q (found %s)", name, containerNames(w))}
}

func containerNames(w *Workload) string {
	suffix := map[ContainerKind]string{KindInitContainer: " (init)", KindEphemeralContainer: " (ephemeral)"}
	var names []string
	for _, l := range w.Spec.ContainerLists() {
		for _, c := range l.Items {
			names = append(names, c.Name+suffix[l.Kind])
		}
	}
	return strings.Join(names, ", ")
}

package probe

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// notCompared are the fields of Process that are not state a per-process
// check compares: who the process is, and why items could not be read
// (a process with unread items is compared on its own).
var notCompared = map[string]bool{"PID": true, "Comm": true, "Unread": true}

// changeLeaves calls f with every leaf field of v (recursing into structs),
// named by its Go path.
func changeLeaves(t *testing.T, v reflect.Value, path string, f func(path string, leaf reflect.Value)) {
	for i := 0; i < v.NumField(); i++ {
		sf := v.Type().Field(i)
		p := path + "." + sf.Name
		if path == "" {
			p = sf.Name
			if notCompared[sf.Name] {
				continue
			}
		}
		fv := v.Field(i)
		if fv.Kind() == reflect.Struct {
			changeLeaves(t, fv, p, f)
			continue
		}
		f(p, fv)
	}
}

// change sets leaf to a value different from its current one.
func change(t *testing.T, path string, leaf reflect.Value) {
	switch leaf.Kind() {
	case reflect.Bool:
		leaf.SetBool(!leaf.Bool())
	case reflect.Int, reflect.Int64, reflect.Int32:
		leaf.SetInt(leaf.Int() + 1)
	case reflect.Uint64, reflect.Uint32, reflect.Uint:
		leaf.SetUint(leaf.Uint() + 1)
	case reflect.String:
		leaf.SetString(leaf.String() + "x")
	case reflect.Slice:
		n := reflect.Append(leaf, reflect.Zero(leaf.Type().Elem()))
		leaf.Set(n)
	default:
		t.Fatalf("%s: a field of kind %s; teach this test to change it, and Process.Key to cover it", path, leaf.Kind())
	}
}

func sampleProcess() Process {
	return Process{PID: 7, Comm: "app",
		Status: Status{Caps: Capabilities{Bounding: 0xa80425fb}, UID: IDs{1000, 1000, 1000, 1000}, GID: IDs{3000, 3000, 3000, 3000},
			NoNewPrivs: true, Seccomp: 2, SeccompFilters: 1, LSM: ClassifyLabel("cri-containerd.apparmor.d (enforce)")},
		Groups: []int64{3000, 4000}}
}

// TestProcessKeyCoversEveryField sets each field of Process in turn and
// requires the key to change: a field added to Process that the key misses
// would make the watcher compare two different processes as one.
func TestProcessKeyCoversEveryField(t *testing.T) {
	t.Parallel()
	base := sampleProcess()
	baseKey, ok := base.Key()
	if !ok {
		t.Fatal("a fully read process has no key")
	}
	leaves := 0
	changeLeaves(t, reflect.ValueOf(&base).Elem(), "", func(path string, _ reflect.Value) {
		leaves++
		p := sampleProcess()
		var target reflect.Value
		changeLeaves(t, reflect.ValueOf(&p).Elem(), "", func(q string, leaf reflect.Value) {
			if q == path {
				target = leaf
			}
		})
		change(t, path, target)
		if k, ok := p.Key(); !ok || k == baseKey {
			t.Errorf("changing %s leaves the key unchanged", path)
		}
	})
	if leaves < 20 {
		t.Errorf("only %d fields walked", leaves)
	}

	other := sampleProcess()
	other.PID, other.Comm = 8, "worker"
	if k, _ := other.Key(); k != baseKey {
		t.Error("pid and comm change the key")
	}
	other.Unread.set(ItemLSM, &ReadError{Path: "/proc/8/attr/current", Reason: ReasonPermission})
	if _, ok := other.Key(); ok {
		t.Error("a process with an unread item has a key")
	}
}

// TestStateJSON: the parts of a State encode as one object with one
// "unread" map, as a single process's state reads.
func TestStateJSON(t *testing.T) {
	t.Parallel()
	st := &State{Process: sampleProcess()}
	st.Process.Unread.set(ItemLSM, &ReadError{Path: "a", Reason: ReasonPermission})
	st.Container.Unread.set(ItemMounts, &ReadError{Path: "b", Reason: ReasonAbsent})
	st.Pod.Unread.set(SysctlItem("kernel.x"), &ReadError{Path: "c", Reason: ReasonAbsent})
	st.Pod.LastCap = 40
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"pid", "comm", "capabilities", "capLastCap", "uid", "gid", "groups", "noNewPrivs",
		"seccomp", "seccompFilters", "lsm", "mounts", "unread"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, b)
		}
	}
	for _, k := range []string{"lsm", "mounts", "sysctl:kernel.x"} {
		if !strings.Contains(string(m["unread"]), `"`+k+`"`) {
			t.Errorf("unread lacks %s: %s", k, m["unread"])
		}
	}
}

// TestItemParts: each item the readers record unread is recorded in the
// part Item.Part names, and Items lists every item of a fixed name.
func TestItemParts(t *testing.T) {
	t.Parallel()
	st := NewFS("testdata/no-such-root").Observe(7, Request{Sysctls: []string{"kernel.msgmax"}, Paths: []string{"/proc/kcore"}})
	seen := map[Item]bool{}
	for part, u := range map[Part]Unread{PartProcess: st.Process.Unread, PartContainer: st.Container.Unread, PartPod: st.Pod.Unread} {
		for it := range u {
			seen[it] = true
			if got, ok := it.Part(); !ok || got != part {
				t.Errorf("%s is recorded in the %s part, but Part says %s (%v)", it, part, got, ok)
			}
		}
	}
	for _, it := range Items() {
		if !seen[it] {
			t.Errorf("%s is listed but nothing records it unread on a missing proc root", it)
		}
		delete(seen, it)
	}
	delete(seen, SysctlItem("kernel.msgmax"))
	for it := range seen {
		t.Errorf("%s is recorded unread but not listed in Items", it)
	}
	if _, ok := Item("nothing").Part(); ok {
		t.Error(`Item("nothing").Part() is ok`)
	}
}

// TestSetUnread: a state marked unread with SetUnread is the state the
// reader gives when it cannot read the item: each status item as parsed
// from a status file without its lines, recorded in its part.
func TestSetUnread(t *testing.T) {
	t.Parallel()
	why := &ReadError{Path: "/proc/7/status", Reason: ReasonMalformed, Detail: "x"}
	for _, tc := range []struct {
		item Item
		drop []string // the lines whose absence makes the reader leave item unread
	}{
		{ItemCaps, []string{"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"}},
		{ItemIDs, []string{"Uid"}},
		{ItemGroups, []string{"Groups"}},
		{ItemNoNewPrivs, []string{"NoNewPrivs"}},
		{ItemSeccomp, []string{"Seccomp", "Seccomp_filters"}},
	} {
		t.Run(string(tc.item), func(t *testing.T) {
			var full, dropped Process
			parseStatus(&full, "status", statusWith(nil))
			parseStatus(&dropped, "status", statusWith(tc.drop))
			s := &State{Process: full}
			s.SetUnread(tc.item, why)
			if s.Process.Unread[tc.item] != why || len(s.Container.Unread)+len(s.Pod.Unread) != 0 {
				t.Errorf("unread %v %v %v", s.Process.Unread, s.Container.Unread, s.Pod.Unread)
			}
			got, want := s.Process, dropped
			got.Unread, want.Unread = nil, nil
			if !reflect.DeepEqual(got, want) {
				t.Errorf("SetUnread leaves\n%+v\nthe reader\n%+v", got, want)
			}
		})
	}
	s := &State{Pod: Pod{LastCap: 40, Sysctls: map[string]string{"kernel.msgmax": "8192"}},
		Container: Container{Mounts: Mounts{RootReadOnly: true, Paths: map[string]PathState{"/proc/kcore": {Exists: true, Masked: true}}}}}
	s.SetUnread(SysctlItem("kernel.msgmax"), why)
	s.SetUnread(PathItem("/proc/kcore"), why)
	if _, has := s.Sysctls["kernel.msgmax"]; has || s.Pod.Unread[SysctlItem("kernel.msgmax")] != why {
		t.Errorf("sysctl still there or not unread: %+v", s.Pod)
	}
	if s.Mounts.Paths["/proc/kcore"].Exists || s.Container.Unread[PathItem("/proc/kcore")] != why || !s.Mounts.RootReadOnly {
		t.Errorf("path: %+v", s.Container)
	}
	s.SetUnread(ItemMounts, why)
	s.SetUnread(ItemLastCap, why)
	if s.Mounts.RootReadOnly || s.LastCap != 0 {
		t.Errorf("mounts or cap_last_cap not zeroed: %+v", s)
	}
	s = &State{Process: Process{PID: 7, Comm: "app", Status: Status{Seccomp: 2, UID: IDs{1, 1, 1, 1}}, Groups: []int64{1}}}
	s.SetUnread(ItemStatus, why)
	for _, it := range statusItems {
		if s.Process.Unread[it] != why {
			t.Errorf("status unread but %s is not", it)
		}
	}
	if s.Status != (Status{}) || s.Groups != nil || s.PID != 7 || s.Comm != "app" {
		t.Errorf("status unread leaves %+v", s.Process)
	}
}

package probe

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/secctx/secctx/probe/probetest"
)

// manyGroups returns n gids of 10 digits each, the widest a Groups line
// prints.
func manyGroups(n int) []int64 {
	gs := make([]int64, n)
	for i := range gs {
		gs[i] = 2000000000 + int64(i)
	}
	return gs
}

// groupsLine is the Groups line of gs as the kernel prints it: each gid
// followed by a space.
func groupsLine(gs []int64) string {
	var b strings.Builder
	b.Grow(len("Groups:\t") + 11*len(gs))
	b.WriteString("Groups:\t")
	for _, g := range gs {
		b.WriteString(strconv.FormatInt(g, 10))
		b.WriteByte(' ')
	}
	return b.String()
}

// statusTree writes a proc tree whose pid 7 has the given status file and
// returns its root.
func statusTree(t testing.TB, status string) string {
	t.Helper()
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "7"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "7", "status"), []byte(status), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

// TestStatusBounds: a status file with many groups is read whole up to
// the bounds; what a bound cuts is unread with the reason, and the rest is
// still read.
func TestStatusBounds(t *testing.T) {
	t.Parallel()
	max := manyGroups(probetest.NGroupsMax)
	over := manyGroups(MaxStatusLine/11 + 1) // a Groups line past the line bound
	var full Process
	parseStatus(&full, "status", statusWith(nil))
	for _, tc := range []struct {
		name   string
		status string
		groups []int64
		unread map[Item]string // item -> a substring of the detail
	}{
		{"65,536 groups of 10 digits", statusWith([]string{"Groups"}) + groupsLine(max) + "\n", max, nil},
		{"65,536 groups before the capability lines",
			strings.Replace(statusWith(nil), "Groups:\t3000 4000 ", groupsLine(max), 1), max, nil},
		{"a Groups line past the line bound, the lines after it read",
			strings.Replace(statusWith(nil), "Groups:\t3000 4000 ", groupsLine(over), 1), nil,
			map[Item]string{ItemGroups: "Groups line over the 786432-byte limit"}},
		{"the file cut inside the Groups line",
			strings.Replace(statusWith(nil), "Groups:\t3000 4000 ",
				"Filler:\t"+strings.Repeat("x", MaxStatusRead-600<<10)+"\n"+groupsLine(max), 1), nil,
			map[Item]string{ItemGroups: "Groups line cut at the file's 1048576-byte limit", ItemCaps: "over the 1048576-byte limit, before its CapInh line",
				ItemNoNewPrivs: "before its NoNewPrivs line", ItemSeccomp: "before its Seccomp line"}},
		{"nothing recognisable within the bound", strings.Repeat("x", MaxStatusRead+1) + "\n" + statusWith(nil), nil,
			map[Item]string{ItemStatus: "over the 1048576-byte limit", ItemIDs: "over the 1048576-byte limit",
				ItemCaps: "over the 1048576-byte limit", ItemGroups: "over the 1048576-byte limit",
				ItemNoNewPrivs: "over the 1048576-byte limit", ItemSeccomp: "over the 1048576-byte limit"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := NewFS(statusTree(t, tc.status)).ObserveProcess(7)
			if !slices.Equal(p.Groups, tc.groups) {
				t.Errorf("%d groups, want %d", len(p.Groups), len(tc.groups))
			}
			got := map[Item]string{}
			for it, re := range p.Unread {
				if it == ItemLSM {
					continue // the tree has no attr files
				}
				got[it] = re.Detail
				if re.Reason != ReasonUnreadable || !strings.Contains(re.Detail, tc.unread[it]) {
					t.Errorf("%s unread: %s, want %s", it, re, tc.unread[it])
				}
			}
			for it := range tc.unread {
				if _, ok := got[it]; !ok {
					t.Errorf("%s read, want it unread (%s)", it, tc.unread[it])
				}
			}
			// Every item that is read has the value of the complete file.
			want := full
			for it := range p.Unread {
				if it != ItemLSM {
					clearStatusItem(&want, it)
				}
			}
			got2, want2 := p.Status, want.Status
			got2.LSM = LSM{}
			if p.Unread[ItemStatus] == nil && (!reflect.DeepEqual(got2, want2) || p.Comm != "app") {
				t.Errorf("status %+v, want %+v", got2, want2)
			}
		})
	}
}

// TestObserveProcessWithMostGroups: a real process holding the most
// supplementary groups the kernel allows is observed whole. It runs as
// root, which alone can set them.
func TestObserveProcessWithMostGroups(t *testing.T) {
	t.Parallel()
	gids := probetest.MostGroups()
	pid := probetest.StartWithGroups(t, gids)
	p := NewFS("").ObserveProcess(pid)
	want := make([]int64, len(gids))
	for i, g := range gids {
		want[i] = int64(g)
	}
	if !slices.Equal(p.Groups, want) {
		t.Fatalf("%d groups observed, want %d (unread %v)", len(p.Groups), len(want), p.Unread)
	}
	for _, it := range statusItems {
		if re := p.Unread[it]; re != nil {
			t.Errorf("%s unread: %s", it, re)
		}
	}
	if !p.UID.All(0) || !p.GID.All(0) || p.Caps.Bounding == 0 {
		t.Errorf("ids %+v %+v, bounding %s", p.UID, p.GID, p.Caps.Bounding)
	}
}

// BenchmarkReadStatus measures reading and parsing a status file: a
// typical one, and one with 65,536 groups of 10 digits (a 720,904-byte
// Groups line), from a file and from a live process (as root).
func BenchmarkReadStatus(b *testing.B) {
	most := statusWith([]string{"Groups"}) + groupsLine(manyGroups(probetest.NGroupsMax)) + "\n"
	for _, bc := range []struct {
		name, status string
		groups       int
	}{
		{"typical", statusWith(nil), 2},
		{"65536-groups", most, probetest.NGroupsMax},
	} {
		b.Run(bc.name, func(b *testing.B) {
			fs := NewFS(statusTree(b, bc.status))
			b.SetBytes(int64(len(bc.status)))
			b.ReportAllocs()
			for b.Loop() {
				var p Process
				fs.readStatus(7, &p)
				if len(p.Groups) != bc.groups {
					b.Fatalf("%d groups", len(p.Groups))
				}
			}
		})
	}
	b.Run("65536-groups-live", func(b *testing.B) {
		pid := probetest.StartWithGroups(b, probetest.MostGroups())
		fs := NewFS("")
		b.ReportAllocs()
		for b.Loop() {
			var p Process
			fs.readStatus(pid, &p)
			if len(p.Groups) != probetest.NGroupsMax {
				b.Fatalf("%d groups, unread %v", len(p.Groups), p.Unread)
			}
		}
	})
}

package probe

import (
	"reflect"
	"strings"
	"testing"

	"github.com/moby/sys/mountinfo"
)

func parseMountinfo(t *testing.T, s string) []*mountinfo.Info {
	t.Helper()
	infos, err := mountinfo.GetMountsFromReader(strings.NewReader(s), nil)
	if err != nil {
		t.Fatal(err)
	}
	return infos
}

func TestBuildMounts(t *testing.T) {
	t.Parallel()
	const (
		root   = "1 0 0:1 / / rw,relatime - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w\n"
		rootRO = "1 0 0:1 / / ro,relatime - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w\n"
		proc   = "2 1 0:2 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n"
		dev    = "3 1 0:3 / /dev rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755\n"
	)
	for _, tc := range []struct {
		name  string
		table string
		paths []string
		want  Mounts
	}{
		{"rw root", root + proc, nil, Mounts{}},
		{"ro root per mount", rootRO + proc, nil, Mounts{RootReadOnly: true}},
		{"ro root per superblock", "1 0 0:1 / / rw - ext4 /dev/sda1 ro\n", nil, Mounts{RootReadOnly: true}},
		{"root overmounted read-only", root + rootRO, nil, Mounts{RootReadOnly: true}},
		{"ro option is not a prefix match", "1 0 0:1 / / rw,rootcontext=x - ext4 /dev/sda1 rw,errors=remount-ro\n", nil, Mounts{}},
		{"masked directory: read-only tmpfs",
			root + proc + "4 2 0:4 / /proc/acpi ro,relatime - tmpfs tmpfs ro,inode64\n",
			[]string{"/proc/acpi"},
			Mounts{Paths: map[string]PathState{"/proc/acpi": {Masked: true, ReadOnly: true}}}},
		{"masked file: /dev/null from the container's tmpfs /dev",
			root + proc + dev + "5 2 0:3 /null /proc/kcore rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755\n",
			[]string{"/proc/kcore"},
			Mounts{Paths: map[string]PathState{"/proc/kcore": {Masked: true}}}},
		{"masked file: /dev/null from host devtmpfs",
			root + proc + "5 2 0:6 /null /proc/keys rw,nosuid - devtmpfs udev rw,size=4010288k,mode=755\n",
			[]string{"/proc/keys"},
			Mounts{Paths: map[string]PathState{"/proc/keys": {Masked: true}}}},
		{"rw tmpfs is not a mask",
			root + "6 1 0:7 / /scratch rw - tmpfs tmpfs rw\n",
			[]string{"/scratch"},
			Mounts{Paths: map[string]PathState{"/scratch": {}}, Volumes: []Volume{{"/scratch", "tmpfs", false}}}},
		{"unmasked path on rw proc",
			root + proc,
			[]string{"/proc/kcore", "/proc/sys"},
			Mounts{Paths: map[string]PathState{"/proc/kcore": {}, "/proc/sys": {}}}},
		{"read-only via ancestor",
			root + proc + "7 2 0:2 /sys /proc/sys ro,nosuid - proc proc rw\n",
			[]string{"/proc/sys/kernel/hostname", "/proc/sys", "/proc/sysrq-trigger"},
			Mounts{Paths: map[string]PathState{
				"/proc/sys/kernel/hostname": {ReadOnly: true},
				"/proc/sys":                 {ReadOnly: true},
				"/proc/sysrq-trigger":       {},
			}}},
		{"unclean request path keeps its key",
			rootRO,
			[]string{"proc//sys/"},
			Mounts{RootReadOnly: true, Paths: map[string]PathState{"proc//sys/": {ReadOnly: true}}}},
		{"mask removed by a later mount",
			root + proc + "4 2 0:4 / /proc/acpi ro - tmpfs tmpfs ro\n" + "8 4 0:2 /acpi /proc/acpi rw - proc proc rw\n",
			[]string{"/proc/acpi"},
			Mounts{Paths: map[string]PathState{"/proc/acpi": {}}}},
		{"volumes sorted, kernel mounts and duplicates left out",
			root + proc + dev +
				"9 1 8:1 /vol/b /data/b ro - ext4 /dev/sda1 rw\n" +
				"10 1 8:1 /vol/a /data/a rw - ext4 /dev/sda1 rw\n" +
				"11 3 0:9 / /dev/shm rw - tmpfs shm rw\n" +
				"12 1 0:10 / /sys ro - sysfs sysfs ro\n" +
				"13 1 0:11 / /system rw - tmpfs tmpfs rw\n" +
				"14 1 0:12 / /data/a ro - tmpfs tmpfs ro\n" +
				"15 1 0:13 / /my\\040vol rw - nfs4 srv:/x rw\n",
			nil,
			Mounts{Volumes: []Volume{
				{"/data/a", "tmpfs", true},
				{"/data/b", "ext4", true},
				{"/my vol", "nfs4", false},
				{"/system", "tmpfs", false},
			}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := buildMounts(parseMountinfo(t, tc.table), tc.paths)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestHasOption(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		opts string
		want bool
	}{
		{"ro", true},
		{"rw,ro", true},
		{"ro,relatime", true},
		{"rw,errors=remount-ro", false},
		{"", false},
		{"rootcontext=ro", false},
	} {
		if got := hasOption(tc.opts, "ro"); got != tc.want {
			t.Errorf("hasOption(%q) = %v", tc.opts, got)
		}
	}
}

func mountinfoFromString(s string) ([]*mountinfo.Info, error) {
	return mountinfo.GetMountsFromReader(strings.NewReader(s), nil)
}

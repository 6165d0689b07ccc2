package caps

import (
	"errors"
	"strconv"
)

// kernelNames spells, without the cap_ prefix, the capabilities numbered in
// uapi/linux/capabilities.h as of libcap v1.2.78 (cap.NamedCount, 41), in
// bit order. It names capabilities where libcap does not build (the kubectl
// plugin on macOS and Windows, names_other.go); on Linux libcap's own table
// is used and TestTableIsLibcaps holds this one equal to it.
var kernelNames = [...]string{
	"chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill",
	"setgid", "setuid", "setpcap", "linux_immutable", "net_bind_service",
	"net_broadcast", "net_admin", "net_raw", "ipc_lock", "ipc_owner",
	"sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct",
	"sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time",
	"sys_tty_config", "mknod", "lease", "audit_write", "audit_control",
	"setfcap", "mac_override", "mac_admin", "syslog", "wake_alarm",
	"block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore",
}

// tableLowerName spells capability number v as libcap's cap.Value.String
// does: "cap_net_admin", or the number for one newer than the table.
func tableLowerName(v int) string {
	if v >= 0 && v < len(kernelNames) {
		return "cap_" + kernelNames[v]
	}
	return strconv.Itoa(v)
}

// tableFromLowerName is the number of a lower-case prefixed name, as
// libcap's cap.FromName finds it for a named capability.
func tableFromLowerName(name string) (int, error) {
	for v, n := range kernelNames {
		if "cap_"+n == name {
			return v, nil
		}
	}
	return 0, errors.New("unknown capability name")
}

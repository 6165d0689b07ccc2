package probe

import "strings"

// Names of LSM.Name.
const (
	LSMAppArmor = "apparmor"
	LSMSELinux  = "selinux"
)

// readLSM reads the process's LSM label into st.LSM.
//
// attr/apparmor/current (kernel >= 5.1) is read first because with stacked
// LSMs attr/current belongs to whichever major LSM came first. When it is
// absent, empty or refused, attr/current answers.
func (fs FS) readLSM(pid int, st *Process) {
	b, re := fs.readPid(pid, "attr/apparmor/current")
	switch {
	case re == nil:
		if label := trimLabel(b); label != "" {
			st.LSM = parseAppArmorLabel(label)
			return
		}
	case re.Detail == detailPidGone || (re.Reason != ReasonAbsent && re.Reason != ReasonNotSupported):
		st.Unread.set(ItemLSM, re)
		return
	}

	b, re = fs.readPid(pid, "attr/current")
	switch {
	case re == nil:
		st.LSM = ClassifyLabel(trimLabel(b))
	case re.Reason == ReasonNotSupported:
		// EINVAL: no loaded LSM labels processes. That is an answer.
		st.LSM = LSM{}
	case re.Reason == ReasonAbsent && re.Detail != detailPidGone:
		// No attr directory: a kernel built without CONFIG_SECURITY.
		st.LSM = LSM{}
	default:
		st.Unread.set(ItemLSM, re)
	}
}

// trimLabel removes the trailing NUL (SELinux) or newline (AppArmor) the
// kernel appends to a label.
func trimLabel(b string) string {
	return strings.TrimRight(b, "\x00\n")
}

// ClassifyLabel names the LSM a label read from /proc/PID/attr/current
// belongs to. A SELinux context is "user:role:type[:level]" without spaces;
// an AppArmor label is "unconfined" or "PROFILE (MODE)". Any other label
// (e.g. Smack) keeps Label with an empty Name.
func ClassifyLabel(label string) LSM {
	switch {
	case label == "":
		return LSM{}
	case label == "unconfined" || isAppArmorModeLabel(label):
		return parseAppArmorLabel(label)
	case !strings.ContainsAny(label, " \t") && strings.Count(label, ":") >= 2:
		// user:role:type is the shortest context; MLS/MCS policies add
		// ":level" (which may itself hold colons, "s0-s0:c0.c1023").
		return LSM{Name: LSMSELinux, Label: label}
	default:
		return LSM{Label: label}
	}
}

// isAppArmorModeLabel reports whether label has the "PROFILE (MODE)" shape.
func isAppArmorModeLabel(label string) bool {
	i := strings.LastIndex(label, " (")
	return i > 0 && strings.HasSuffix(label, ")") && i+2 < len(label)-1
}

// parseAppArmorLabel splits an AppArmor label into profile and mode.
func parseAppArmorLabel(label string) LSM {
	l := LSM{Name: LSMAppArmor, Label: label, Profile: label}
	if isAppArmorModeLabel(label) {
		i := strings.LastIndex(label, " (")
		l.Profile = label[:i]
		l.Mode = label[i+2 : len(label)-1]
	}
	return l
}

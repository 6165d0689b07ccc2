package probe

import "github.com/secctx/secctx/userdb"

// readEtcFiles reads the image's /etc/passwd and /etc/group through the
// process's root. Minimal images often have neither; that is recorded as
// "absent" and the checks that need them say so.
func (fs FS) readEtcFiles(pid int, st *State) {
	if b, re := fs.readPid(pid, "root/etc/passwd"); re != nil {
		st.setUnread(ItemPasswd, re)
	} else {
		st.Passwd = userdb.ParsePasswd(b)
	}
	if b, re := fs.readPid(pid, "root/etc/group"); re != nil {
		st.setUnread(ItemGroupFile, re)
	} else {
		st.Group = userdb.ParseGroup(b)
	}
}

package probe

import "github.com/secctx/secctx/userdb"

// readUserDB reads the image's etc/passwd and etc/group below root: a
// process's /proc/PID/root, or an unpacked image. Minimal images often have
// neither; that is recorded as "absent" and the checks that need them say
// so.
func (fs FS) readUserDB(root string, c *Container) {
	if b, re := readFile(root+"/etc/passwd", MaxTableRead); re != nil {
		c.Unread.set(ItemPasswd, re)
	} else {
		c.Passwd = userdb.ParsePasswd(b)
	}
	if b, re := readFile(root+"/etc/group", MaxTableRead); re != nil {
		c.Unread.set(ItemGroupFile, re)
	} else {
		c.Group = userdb.ParseGroup(b)
	}
}

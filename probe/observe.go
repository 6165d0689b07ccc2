package probe

// Observe reads the security state of process pid (0 for the calling
// process) from the proc filesystem at fs.ProcRoot. It never fails as a
// whole: whatever cannot be read is recorded in State.Unread and left zero.
//
// Each file is read once. PID is pid, or for pid 0 the pid the status file
// gives (empty when status is unreadable).
func (fs FS) Observe(pid int, req Request) *State {
	st := fs.ObserveProcess(pid)
	fs.ObserveContainer(pid, req, st)
	fs.ObservePod(req, st)
	return st
}

// Observe reads the security state of process pid (0 for the calling
// process) from /proc. See FS.Observe.
func Observe(pid int, req Request) *State {
	return NewFS(DefaultProcRoot).Observe(pid, req)
}

// Blind reports whether the status file could not be read at all, so that
// nothing about the process (capabilities, ids, no_new_privs, seccomp) is
// known. The CLI exits 3 in that case rather than report every check as
// unknown.
func (s *State) Blind() bool {
	return s == nil || s.Missing(ItemStatus) != nil
}

// setUnread records why item could not be read.
func (s *State) setUnread(item string, re *ReadError) {
	if s.Unread == nil {
		s.Unread = make(map[string]*ReadError)
	}
	s.Unread[item] = re
}

package probe

// Observe reads the security state of process pid (0 for the calling
// process) from the proc filesystem at fs.ProcRoot. It never fails as a
// whole: whatever cannot be read is recorded in the Unread map of its part
// and left zero.
//
// Each file is read once. PID is pid, or for pid 0 the pid the status file
// gives (empty when status is unreadable).
func (fs FS) Observe(pid int, req Request) *State {
	return &State{Process: fs.ObserveProcess(pid), Container: fs.ObserveContainer(pid, req), Pod: fs.ObservePod(req)}
}

// Observe reads the security state of process pid (0 for the calling
// process) from /proc. See FS.Observe.
func Observe(pid int, req Request) *State {
	return NewFS(DefaultProcRoot).Observe(pid, req)
}

// Command idchanger is the e2e suite's app that changes identity after
// start: it runs as root, waits, then calls setuid (all threads), the way a
// daemon drops to a service user, so a watching sidecar must report it.
package main

import (
	"os"
	"syscall"
	"time"
)

func main() {
	time.Sleep(3 * time.Second)
	if err := syscall.Setuid(1234); err != nil {
		os.Exit(1)
	}
	time.Sleep(time.Hour)
}

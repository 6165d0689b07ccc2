// Command secctx verifies, from inside a container, that the process really
// has the security state its Kubernetes securityContext declares, and
// reports the drift.
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

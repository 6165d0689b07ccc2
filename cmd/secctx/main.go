// Command secctx verifies, from inside a container, that the process really
// has the security state its Kubernetes securityContext declares, and
// reports the drift.
//
// The commands are a table (commands.go), one file each, in the manner of
// the go command: a command declares its flags and runs with the parsed
// options; every command that reads a spec goes through verify.Pipeline.
package main

import (
	"os"

	"github.com/secctx/secctx/manifest"
)

func main() {
	manifest.Version = version // what an unknown field is "not known to"
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

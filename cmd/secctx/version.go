package main

import "fmt"

// runVersion prints the version.
func runVersion(args []string, e *env) int {
	fmt.Fprintf(e.stdout, "secctx %s\n", version)
	return exitOK
}

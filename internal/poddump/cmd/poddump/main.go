// Command poddump writes a List of n pods as `kubectl get pods -A -o yaml`
// (or -o json) prints it, for the lint scale benchmark.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/secctx/secctx/internal/poddump"
)

func main() {
	n := flag.Int("n", 50000, "the number of pods")
	format := flag.String("o", "yaml", "yaml or json")
	flag.Parse()
	if *format != "yaml" && *format != "json" {
		fmt.Fprintln(os.Stderr, "poddump: -o: want yaml or json")
		os.Exit(2)
	}
	if err := poddump.Write(os.Stdout, *n, *format == "json"); err != nil {
		fmt.Fprintln(os.Stderr, "poddump:", err)
		os.Exit(1)
	}
}

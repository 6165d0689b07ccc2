package main

import (
	"fmt"
	"io"
	"runtime"

	"github.com/spf13/pflag"
)

var versionCommand = &command{
	name:    "version",
	usage:   "[flags]",
	summary: "print the version",
	long:    "Print secctx's version, commit, Go version and platform.",
	exits:   exitsPrint,
	flags: func(fs *pflag.FlagSet, o *options) {
		o.outputFlag(fs, formatText, documentFormats, "output format")
	},
	run: runVersion,
}

// versionInfo is what version prints.
type versionInfo struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

// runVersion prints the version.
func runVersion(c *call) int {
	v := versionInfo{Version: version, Commit: commit, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	err := c.writeDocument(c.env.stdout, v, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "secctx %s (commit %s, %s, %s)\n", v.Version, v.Commit, v.GoVersion, v.Platform)
		return err
	})
	if err != nil {
		return c.fail(exitUsage, err)
	}
	return exitOK
}

package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"

	"github.com/secctx/secctx/lint"
	"github.com/secctx/secctx/waiver"
)

// waiverOptions are --skip and --waivers.
type waiverOptions struct {
	skip []string
	file string
}

// waiverFlags registers --skip and --waivers; what names the findings
// they accept.
func (o *options) waiverFlags(fs *pflag.FlagSet, what string) {
	fs.StringSliceVar(&o.waiver.skip, "skip", nil, "waive the "+what+" of these ids, comma-separated or repeated: reported as skipped, never failing (docs/waivers.md)")
	fs.StringVar(&o.waiver.file, "waivers", o.getenv("SECCTX_WAIVERS"), "waiver file: waivers: a list of {id, reason, workload, container} (env SECCTX_WAIVERS; docs/waivers.md)")
	files(fs, annotFiles, "waivers")
}

// checkSkip checks --skip with the other flags: an unknown id is a usage
// error.
func (o *options) checkSkip() error {
	for _, v := range o.waiver.skip {
		if _, err := waiver.ParseSkip(v, lint.WaiverCatalog()); err != nil {
			return usagef("--skip %q: %v", v, err)
		}
	}
	return nil
}

// waivers are the waivers of the file, then of --skip (checked with the
// flags). An unknown id in the file is bad input naming the file and
// field.
func (o *options) waivers() (waiver.Set, error) {
	cat := lint.WaiverCatalog()
	var out waiver.Set
	if o.waiver.file != "" {
		data, err := readBounded(o.waiver.file, int64(waiver.MaxFileBytes))
		if err != nil {
			return nil, fmt.Errorf("--waivers: %v", err)
		}
		s, err := waiver.ParseFile(o.waiver.file, data, cat)
		if err != nil {
			return nil, err
		}
		out = append(out, s...)
	}
	for _, v := range o.waiver.skip {
		s, err := waiver.ParseSkip(v, cat)
		if err != nil {
			return nil, usagef("--skip %q: %v", v, err)
		}
		out = append(out, s...)
	}
	return out, nil
}

// readBounded reads a file of at most limit bytes.
func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: over %d bytes", path, limit)
	}
	return data, nil
}

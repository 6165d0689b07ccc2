package lint

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/secctx/secctx/report"
)

// Format is a report format of Output.
type Format int

// Formats.
const (
	// FormatText is WriteText's, escaped for the terminal.
	FormatText Format = iota
	// FormatJSON is WriteJSON's.
	FormatJSON
	// FormatYAML is the JSON report as YAML (report.WriteYAML).
	FormatYAML
	// FormatSARIF is WriteSARIF's.
	FormatSARIF
)

// spoolMemory is what a spool holds in memory before it moves to a
// temporary file.
var spoolMemory = 1 << 20

// Output renders a run part by part (RunEach's emit is its Add) into a
// spool: memory up to spoolMemory, then an unlinked temporary file. The
// report reaches the writer only in Write, after the whole input was
// read, so that bad input still leaves nothing on stdout; its bytes are
// those of WriteText, WriteJSON, report.WriteYAML and WriteSARIF for the
// same report, but memory stays bounded for any number of workloads.
type Output struct {
	format              Format
	profile, pssVersion string
	version             string // secctx's, for SARIF
	sum                 Summary
	used                map[string]string // rule id: source (text)
	index               map[string]int    // SARIF rule index
	// text's groups, JSON's and YAML's workloads, SARIF's findings; and
	// JSON's and YAML's findings, SARIF's violations.
	a, b spool
}

// NewOutput starts a report in format for profile and Pod Security
// Standards version pss (1.pss); version is secctx's.
func NewOutput(format Format, profile string, pss int, version string) *Output {
	o := &Output{format: format, profile: profile, pssVersion: "1." + strconv.Itoa(pss), version: version, used: map[string]string{}}
	o.sum.add(nil, nil)
	if format == FormatSARIF {
		_, o.index = sarifRunOf(profile, o.pssVersion, version)
	}
	return o
}

// Add renders the workloads and findings of one part.
func (o *Output) Add(ws []Workload, fs []Finding) error {
	o.sum.add(ws, fs)
	switch o.format {
	case FormatText:
		usedRules(o.used, fs)
		var b bytes.Buffer
		bw := bufio.NewWriter(&b)
		writeGroups(bw, &Report{Workloads: ws, Findings: fs})
		bw.Flush()
		_, err := o.a.WriteString(report.EscapeLines(b.String()))
		return err
	case FormatSARIF:
		for _, f := range fs {
			if err := o.a.line(findingResult(f, o.index)); err != nil {
				return err
			}
		}
		for _, w := range ws {
			for _, r := range violationResults(w, o.index) {
				if err := o.b.line(r); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, w := range ws {
		if err := o.a.line(w); err != nil {
			return err
		}
	}
	for _, f := range fs {
		if err := o.b.line(f); err != nil {
			return err
		}
	}
	return nil
}

// Summary is the summary of what was added.
func (o *Output) Summary() Summary { return o.sum }

// Failing reports whether a finding added is at or above failOn.
func (o *Output) Failing(failOn report.Severity) bool {
	return o.sum.HighestSeverity != "" && o.sum.HighestSeverity.Rank() >= failOn.Rank()
}

// Write writes the report.
func (o *Output) Write(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var err error
	switch o.format {
	case FormatText:
		if err = o.a.copyTo(bw); err == nil {
			var b bytes.Buffer
			tw := bufio.NewWriter(&b)
			writeTextTail(tw, o.used, o.sum, o.profile, o.pssVersion)
			tw.Flush()
			_, err = bw.WriteString(report.EscapeLines(b.String()))
		}
	case FormatJSON:
		var head []byte
		if head, err = json.MarshalIndent(o.report(), "", "  "); err == nil {
			err = writeJSONArrays(bw, append(head, '\n'), map[string][]*spool{"workloads": {&o.a}, "findings": {&o.b}})
		}
	case FormatSARIF:
		run, _ := sarifRunOf(o.profile, o.pssVersion, o.version)
		var head []byte
		if head, err = json.MarshalIndent(sarifLog{Schema: SARIFSchema, Version: "2.1.0", Runs: []sarifRun{run}}, "", "  "); err == nil {
			err = writeJSONArrays(bw, append(head, '\n'), map[string][]*spool{"results": {&o.a, &o.b}})
		}
	case FormatYAML:
		err = o.writeYAML(bw)
	}
	if err != nil {
		return err
	}
	return bw.Flush()
}

// Close removes the spool's file.
func (o *Output) Close() error {
	o.a.close()
	o.b.close()
	return nil
}

// report is the JSON report without its workloads and findings.
func (o *Output) report() *Report {
	return &Report{APIVersion: APIVersion, Kind: Kind, Profile: o.profile, PodSecurityVersion: o.pssVersion,
		Summary: o.sum, Workloads: []Workload{}, Findings: []Finding{}}
}

// writeJSONArrays writes the indented document head with each empty
// array `"key": []` of arrays filled from the spools' lines, indented as
// json.MarshalIndent indents them.
func writeJSONArrays(w *bufio.Writer, head []byte, arrays map[string][]*spool) error {
	for len(head) > 0 {
		at, key := -1, ""
		for k := range arrays {
			if i := bytes.Index(head, []byte(strconv.Quote(k)+": []")); i >= 0 && (at < 0 || i < at) {
				at, key = i, k
			}
		}
		if at < 0 {
			_, err := w.Write(head)
			return err
		}
		open := at + len(strconv.Quote(key)) + 2
		w.Write(head[:open])
		indent := string(head[bytes.LastIndexByte(head[:at], '\n')+1 : at])
		n := 0
		for _, sp := range arrays[key] {
			err := sp.eachLine(func(line []byte) error {
				if n == 0 {
					w.WriteString("[\n")
				} else {
					w.WriteString(",\n")
				}
				n++
				var b bytes.Buffer
				if err := json.Indent(&b, line, indent+"  ", "  "); err != nil {
					return err
				}
				w.WriteString(indent + "  ")
				_, err := w.Write(b.Bytes())
				return err
			})
			if err != nil {
				return err
			}
		}
		if n == 0 {
			w.WriteString("[]")
		} else {
			w.WriteString("\n" + indent + "]")
		}
		head = head[open+2:]
	}
	return nil
}

// writeYAML writes the JSON report as report.WriteYAML does, its
// sequences an entry at a time.
func (o *Output) writeYAML(w *bufio.Writer) error {
	var head bytes.Buffer
	if err := report.WriteYAML(&head, o.report()); err != nil {
		return err
	}
	text := head.String()
	for _, k := range []struct {
		key string
		sp  *spool
	}{{"workloads", &o.a}, {"findings", &o.b}} {
		i := strings.Index("\n"+text, "\n"+k.key+": []\n")
		if i < 0 {
			return fmt.Errorf("lint: no %s in the YAML report", k.key)
		}
		w.WriteString(text[:i])
		text = text[i+len(k.key)+5:]
		if k.sp.n == 0 {
			w.WriteString(k.key + ": []\n")
			continue
		}
		w.WriteString(k.key + ":\n")
		err := k.sp.eachLine(func(line []byte) error {
			return report.WriteYAML(w, []json.RawMessage{line})
		})
		if err != nil {
			return err
		}
	}
	_, err := w.WriteString(text)
	return err
}

// spool is an append-only list of lines: in memory, then in an unlinked
// temporary file.
type spool struct {
	mem bytes.Buffer
	f   *os.File
	w   *bufio.Writer
	n   int // lines
}

// line appends v as one line of compact JSON.
func (s *spool) line(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	s.n++
	_, err = s.WriteString(string(append(b, '\n')))
	return err
}

// WriteString appends text.
func (s *spool) WriteString(text string) (int, error) {
	if s.f == nil && s.mem.Len()+len(text) > spoolMemory {
		f, err := os.CreateTemp("", "secctx-lint-*")
		if err != nil {
			return 0, fmt.Errorf("lint: spool: %v", err)
		}
		os.Remove(f.Name()) // unlinked: it goes with the process
		s.f, s.w = f, bufio.NewWriterSize(f, 64<<10)
		if _, err := s.w.Write(s.mem.Bytes()); err != nil {
			return 0, fmt.Errorf("lint: spool: %v", err)
		}
		s.mem = bytes.Buffer{}
	}
	if s.w != nil {
		return s.w.WriteString(text)
	}
	return s.mem.WriteString(text)
}

// reader reads the spool from its start.
func (s *spool) reader() (io.Reader, error) {
	if s.f == nil {
		return bytes.NewReader(s.mem.Bytes()), nil
	}
	if err := s.w.Flush(); err != nil {
		return nil, fmt.Errorf("lint: spool: %v", err)
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("lint: spool: %v", err)
	}
	return bufio.NewReaderSize(s.f, 64<<10), nil
}

func (s *spool) copyTo(w io.Writer) error {
	r, err := s.reader()
	if err == nil {
		_, err = io.Copy(w, r)
	}
	return err
}

// eachLine calls fn with each line, without its newline.
func (s *spool) eachLine(fn func([]byte) error) error {
	r, err := s.reader()
	if err != nil {
		return err
	}
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 1 {
			if err := fn(line[:len(line)-1]); err != nil {
				return err
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("lint: spool: %v", err)
		}
	}
}

func (s *spool) close() {
	if s.f != nil {
		s.f.Close()
		s.f, s.w = nil, nil
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/rs/zerolog"
	sigsjson "sigs.k8s.io/json"
)

// newJSONLogger writes diagnostics as JSON lines, for log pipelines.
func newJSONLogger(w io.Writer, level string) zerolog.Logger {
	lvl, err := zerolog.ParseLevel(level)
	if err != nil || level == "" {
		lvl = zerolog.InfoLevel
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger()
}

// newLogger writes diagnostics as text lines: "secctx: error: MESSAGE".
func newLogger(w io.Writer, level string) zerolog.Logger {
	lvl, err := zerolog.ParseLevel(level)
	if err != nil || level == "" {
		lvl = zerolog.WarnLevel
	}
	return zerolog.New(textWriter{w}).Level(lvl)
}

// textWriter turns zerolog's JSON events into one text line each: "secctx:
// LEVEL:", the message (escaped, see report.Escape), then the other fields as key=value, sorted, the
// error first, the time left out; a string that holds blanks, quotes or
// non-ASCII is quoted. This is the line zerolog's ConsoleWriter writes
// without colour; the ConsoleWriter itself is not used because it decodes
// events with a second JSON decoder that would be linked only for it.
type textWriter struct{ out io.Writer }

func (w textWriter) Write(p []byte) (int, error) {
	var evt map[string]json.RawMessage
	if err := sigsjson.UnmarshalCaseSensitivePreserveInts(p, &evt); err != nil {
		return 0, err
	}
	var b bytes.Buffer
	b.WriteString("secctx: " + strings.ToLower(rawString(evt[zerolog.LevelFieldName])) + ":")
	if msg := rawString(evt[zerolog.MessageFieldName]); msg != "" {
		// One line, and nothing a terminal would act on.
		b.WriteString(" " + escape(msg))
	}
	var fields []string
	for k := range evt {
		switch k {
		case zerolog.LevelFieldName, zerolog.TimestampFieldName, zerolog.MessageFieldName, zerolog.CallerFieldName:
			continue
		}
		fields = append(fields, k)
	}
	sort.Slice(fields, func(i, j int) bool {
		if (fields[i] == zerolog.ErrorFieldName) != (fields[j] == zerolog.ErrorFieldName) {
			return fields[i] == zerolog.ErrorFieldName
		}
		return fields[i] < fields[j]
	})
	for _, k := range fields {
		b.WriteString(" " + k + "=" + fieldValue(evt[k]))
	}
	b.WriteByte('\n')
	if _, err := b.WriteTo(w.out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// rawString is the string a JSON value holds, or its text.
func rawString(raw json.RawMessage) string {
	var s string
	if sigsjson.UnmarshalCaseSensitivePreserveInts(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// fieldValue renders a field's value: a string as is (quoted when it
// needs to be), anything else as its JSON text.
func fieldValue(raw json.RawMessage) string {
	var s string
	if len(raw) == 0 || raw[0] != '"' || sigsjson.UnmarshalCaseSensitivePreserveInts(raw, &s) != nil {
		return string(raw)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == ' ' || c == '\\' || c == '"' {
			return strconv.Quote(s)
		}
	}
	return s
}

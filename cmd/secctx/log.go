package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/rs/zerolog"
)

// newJSONLogger writes diagnostics as JSON lines, for log pipelines.
func newJSONLogger(w io.Writer, level string) zerolog.Logger {
	lvl, err := zerolog.ParseLevel(level)
	if err != nil || level == "" {
		lvl = zerolog.InfoLevel
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger()
}

func newLogger(w io.Writer, level string) zerolog.Logger {
	lvl, err := zerolog.ParseLevel(level)
	if err != nil || level == "" {
		lvl = zerolog.WarnLevel
	}
	cw := zerolog.ConsoleWriter{Out: w, NoColor: true, PartsOrder: []string{zerolog.LevelFieldName, zerolog.MessageFieldName},
		FormatLevel: func(i any) string { return "secctx: " + strings.ToLower(fmt.Sprint(i)) + ":" }}
	return zerolog.New(cw).Level(lvl)
}

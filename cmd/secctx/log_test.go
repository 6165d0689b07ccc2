package main

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

func TestTextLogger(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		log  func(l zerolog.Logger)
		want string
	}{
		{"message", func(l zerolog.Logger) { l.Error().Msg("pod.yaml: spec is empty") }, "secctx: error: pod.yaml: spec is empty\n"},
		{"fields sorted, error first, strings quoted when needed", func(l zerolog.Logger) {
			l.Warn().Str("spec", "/etc/pod.yaml").Err(errors.New("bad thing")).Str("b", "x y").Int("n", 3).Msg("new spec rejected")
		}, `secctx: warn: new spec rejected error="bad thing" b="x y" n=3 spec=/etc/pod.yaml` + "\n"},
		{"durations and booleans as their JSON text", func(l zerolog.Logger) {
			l.Warn().Dur("interval", time.Minute).Bool("ok", true).Msg("watching")
		}, "secctx: warn: watching interval=60000 ok=true\n"},
		{"no message", func(l zerolog.Logger) { l.Error().Str("k", "v").Send() }, "secctx: error: k=v\n"},
		{"a message is one line with nothing a terminal acts on", func(l zerolog.Logger) {
			l.Error().Msg("pod.yaml: bad \x1b[31mname\nsecctx: all clear")
		}, `secctx: error: pod.yaml: bad \x1b[31mname\nsecctx: all clear` + "\n"},
		{"below the level", func(l zerolog.Logger) { l.Info().Msg("hidden") }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			tc.log(newLogger(&b, "warn"))
			if b.String() != tc.want {
				t.Errorf("got  %q\nwant %q", b.String(), tc.want)
			}
		})
	}
}

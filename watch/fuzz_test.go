package watch

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// FuzzReadRequest: the request parser on arbitrary bytes never panics,
// never reads past its bound, and what it accepts is a request the server
// can route: a token method, a path in origin form without query or
// control characters.
func FuzzReadRequest(f *testing.F) {
	for _, s := range []string{
		"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
		"HEAD /metrics?x=1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
		"GET http://a:1/readyz HTTP/1.1\r\nHost: a:1\r\nContent-Length: 00\r\n\r\n",
		"POST /report HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		"\r\nGET / HTTP/1.1\nHost: x\n\n",
		"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	const max = 512
	f.Fuzz(func(t *testing.T, b []byte) {
		cr := &countReader{r: bytes.NewReader(b)}
		br := bufio.NewReaderSize(cr, 256)
		req, err := readRequest(br, max)
		consumed := cr.n - br.Buffered()
		if consumed > max+256 {
			t.Fatalf("read %d bytes for a head bounded at %d", consumed, max)
		}
		if err != nil {
			if !errors.Is(err, errBadRequest) && !errors.Is(err, io.EOF) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if !isToken(req.method) || !strings.HasPrefix(req.path, "/") || strings.ContainsAny(req.path, "?# \t\r\n") {
			t.Fatalf("accepted %+v", req)
		}
		if req.http10 && req.keepAlive && !bytes.Contains(bytes.ToLower(b), []byte("keep-alive")) {
			t.Fatalf("HTTP/1.0 kept alive without asking: %+v", req)
		}
		if !req.http10 && !bytes.Contains(bytes.ToLower(b), []byte("host:")) {
			t.Fatalf("HTTP/1.1 request without Host accepted: %q", b)
		}
	})
}

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n int
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// FuzzParseTarget: --target syntax on arbitrary text never panics, and
// what it accepts renders back to a value it parses to the same target.
func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"self", "others", "pid:12", "comm:nginx", "exe:/opt/a=1/bin", "app=comm:x", "=self", "pid:-1", "app=pid:0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := ParseTarget(s)
		if err != nil {
			return
		}
		back, err := ParseTarget(tg.String())
		if err != nil || back != tg {
			t.Fatalf("ParseTarget(%q) = %+v, renders %q, parses back to %+v, %v", s, tg, tg.String(), back, err)
		}
	})
}

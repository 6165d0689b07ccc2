package watch

// The HTTP/1.1 message syntax the server speaks (RFC 9112): reading a
// request head, answering with a response.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// request is the part of a request head the server looks at.
type request struct {
	method, path string
	// http10 is true for an HTTP/1.0 request.
	http10    bool
	keepAlive bool
	hasBody   bool
}

var errBadRequest = errors.New("bad request")

// readRequest reads a request line and header fields, at most max bytes,
// as RFC 9112 has a server read them: the target in origin form or
// absolute form (a proxy's), Host required in HTTP/1.1 and never repeated,
// no whitespace between a field name and its colon, no line folding, a
// Content-Length of digits only (repeated only with the same value).
func readRequest(br *bufio.Reader, max int) (request, error) {
	var req request
	n := 0
	line := func() (string, error) {
		b, err := br.ReadSlice('\n')
		n += len(b)
		if errors.Is(err, bufio.ErrBufferFull) || n > max {
			return "", errBadRequest
		}
		if err != nil {
			if n > 0 && errors.Is(err, io.EOF) {
				return "", errBadRequest // a head cut short
			}
			return "", err
		}
		b = b[:len(b)-1]
		if len(b) > 0 && b[len(b)-1] == '\r' {
			b = b[:len(b)-1]
		}
		return string(b), nil
	}
	first, err := line()
	for err == nil && first == "" {
		// RFC 9112 2.2: empty lines before the request line are ignored.
		first, err = line()
	}
	if err != nil {
		return req, err
	}
	parts := strings.Split(first, " ")
	if len(parts) != 3 || !isToken(parts[0]) {
		return req, errBadRequest
	}
	req.method = parts[0]
	target, ok := originForm(parts[1])
	if !ok {
		return req, errBadRequest
	}
	req.path = target
	switch parts[2] {
	case "HTTP/1.1":
		req.keepAlive = true
	case "HTTP/1.0":
		req.http10 = true
	default:
		return req, errBadRequest
	}
	hosts := 0
	contentLength := ""
	for {
		h, err := line()
		if err != nil {
			return req, err
		}
		if h == "" {
			break
		}
		name, value, ok := strings.Cut(h, ":")
		if !ok || !isToken(name) {
			// Also a folded line (starting with a blank) and a name
			// followed by whitespace before the colon.
			return req, errBadRequest
		}
		value = strings.Trim(value, " \t")
		switch strings.ToLower(name) {
		case "host":
			hosts++
			if strings.ContainsAny(value, " \t/?#@") {
				return req, errBadRequest
			}
		case "connection":
			for _, opt := range strings.Split(value, ",") {
				switch strings.ToLower(strings.Trim(opt, " \t")) {
				case "close":
					req.keepAlive = false
				case "keep-alive":
					if req.http10 {
						req.keepAlive = true
					}
				}
			}
		case "content-length":
			// 1*DIGIT, leading zeros allowed; a repeat must agree.
			v := strings.TrimLeft(value, "0")
			if value == "" || strings.Trim(value, "0123456789") != "" || (contentLength != "" && v != contentLength) {
				return req, errBadRequest
			}
			contentLength = v
			if v != "" {
				req.hasBody = true
			}
		case "transfer-encoding":
			req.hasBody = true
		}
	}
	if hosts > 1 || (hosts == 0 && !req.http10) {
		return req, errBadRequest
	}
	if req.hasBody && req.http10 && contentLength == "" {
		return req, errBadRequest // HTTP/1.0 has no chunked body
	}
	return req, nil
}

// originForm returns the path of a request target given in origin form
// ("/metrics?x") or absolute form ("http://host:9102/metrics"), without
// its query; ok is false for anything else.
func originForm(target string) (string, bool) {
	if i := strings.Index(target, "://"); i > 0 && !strings.HasPrefix(target, "/") {
		scheme := strings.ToLower(target[:i])
		if scheme != "http" && scheme != "https" {
			return "", false
		}
		rest := target[i+3:]
		j := strings.IndexAny(rest, "/?")
		switch {
		case j < 0:
			target = "/"
		case rest[j] == '?':
			target = "/" + rest[j:]
		default:
			target = rest[j:]
		}
		if j == 0 {
			return "", false // no authority
		}
	}
	if !strings.HasPrefix(target, "/") {
		return "", false
	}
	if i := strings.IndexAny(target, "?#"); i >= 0 {
		target = target[:i]
	}
	for i := 0; i < len(target); i++ {
		if c := target[i]; c <= ' ' || c == 0x7f {
			return "", false
		}
	}
	return target, true
}

// isToken reports whether s is an RFC 9110 token (a method or field name).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// Response is what an endpoint answers.
type Response struct {
	Status      int
	ContentType string
	Allow       string
	Body        []byte
}

var statusText = map[int]string{200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 503: "Service Unavailable"}

// dateFormat is the IMF-fixdate of RFC 9110 5.6.7.
const dateFormat = "Mon, 02 Jan 2006 15:04:05 GMT"

// write renders the response to req at time now.
func (r Response) write(b *bytes.Buffer, now time.Time, req request) {
	fmt.Fprintf(b, "HTTP/1.1 %d %s\r\n", r.Status, statusText[r.Status])
	b.WriteString("Date: ")
	b.WriteString(now.UTC().Format(dateFormat))
	b.WriteString("\r\n")
	fmt.Fprintf(b, "Content-Type: %s\r\nContent-Length: %d\r\n", r.ContentType, len(r.Body))
	b.WriteString("Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n")
	if r.Allow != "" {
		fmt.Fprintf(b, "Allow: %s\r\n", r.Allow)
	}
	switch {
	case !req.keepAlive:
		b.WriteString("Connection: close\r\n")
	case req.http10:
		// An HTTP/1.0 client keeps the connection only when told so.
		b.WriteString("Connection: keep-alive\r\n")
	}
	b.WriteString("\r\n")
	if req.method != "HEAD" {
		b.Write(r.Body)
	}
}

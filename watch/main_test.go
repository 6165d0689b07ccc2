package watch_test

import (
	"context"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"
)

// TestMain runs the tests, or, in a child the siege test starts, the
// attackers: in a process of their own, as real attackers are, so that
// their goroutines do not starve the probe's.
func TestMain(m *testing.M) {
	if addr := os.Getenv("SECCTX_TEST_SIEGE_ADDR"); addr != "" {
		siege(addr)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// siege holds $SECCTX_TEST_SIEGE_IDLE connections that send nothing and
// $SECCTX_TEST_SIEGE_SLOW that send a head that never ends, reopening each
// as soon as the server closes it, for $SECCTX_TEST_SIEGE_SECONDS, on
// loopback only.
func siege(addr string) {
	if host, _, err := net.SplitHostPort(addr); err != nil || !net.ParseIP(host).IsLoopback() {
		os.Exit(2)
	}
	n := func(key string) int { v, _ := strconv.Atoi(os.Getenv(key)); return v }
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(n("SECCTX_TEST_SIEGE_SECONDS"))*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	attacker := func(slow bool) {
		defer wg.Done()
		for ctx.Err() == nil {
			d := net.Dialer{Timeout: time.Second}
			c, err := d.DialContext(ctx, "tcp", addr)
			if err != nil {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			stop := context.AfterFunc(ctx, func() { c.Close() })
			if slow {
				_, _ = io.WriteString(c, "GET /metrics HTTP/1.1\r\nHost: x\r\n")
				for ctx.Err() == nil {
					if _, err := io.WriteString(c, "X-A: b\r\n"); err != nil {
						break
					}
					time.Sleep(100 * time.Millisecond)
				}
			} else {
				_, _ = io.Copy(io.Discard, c) // until the server closes it
			}
			stop()
			c.Close()
		}
	}
	for i := 0; i < n("SECCTX_TEST_SIEGE_IDLE")+n("SECCTX_TEST_SIEGE_SLOW"); i++ {
		wg.Add(1)
		go attacker(i >= n("SECCTX_TEST_SIEGE_IDLE"))
	}
	wg.Wait()
}

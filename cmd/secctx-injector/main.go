// Command secctx-injector is the secctx admission injector: a mutating
// admission webhook that adds the secctx sidecar to the pods of namespaces
// that opt in (docs/injector.md). It links k8s.io/api, unlike cmd/secctx.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/secctx/secctx/inject"
)

// config is the command line.
type config struct {
	listen     string
	certFile   string
	keyFile    string
	selfSigned string
	hosts      []string
	failClosed bool
	opts       inject.Options
}

func parse(args []string, stderr io.Writer) (*config, error) {
	c := &config{}
	fs := pflag.NewFlagSet("secctx-injector", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	var sidecar, mode string
	fs.StringVar(&c.listen, "listen", ":8443", "address of the HTTPS server (/mutate, /healthz, /metrics)")
	fs.StringVar(&c.certFile, "tls-cert-file", "", "serving certificate (PEM; cert-manager's tls.crt)")
	fs.StringVar(&c.keyFile, "tls-key-file", "", "its private key (PEM; cert-manager's tls.key)")
	fs.StringVar(&c.selfSigned, "self-signed", "", "generate a CA and a serving certificate into this directory (ca.crt, tls.crt, tls.key), reuse them when present, and print the CA bundle for the webhook's caBundle")
	fs.StringSliceVar(&c.hosts, "host", []string{"secctx-injector.secctx-system.svc"}, "the serving certificate's DNS names or IP addresses (with --self-signed)")
	fs.StringVar(&c.opts.Image, "image", "", "the secctx image the sidecar runs (required)")
	fs.StringVar((*string)(&c.opts.PullPolicy), "image-pull-policy", "", "the injected containers' imagePullPolicy: Always, IfNotPresent or Never (default: the API server's, Always for a :latest tag)")
	fs.StringVar(&sidecar, "sidecar", "native", "native (an init container with restartPolicy Always, Kubernetes 1.29 and later) or classic (one more container)")
	fs.StringVar(&mode, "mode", "sidecar", "sidecar (shared PID namespace) or exec (wrap each app's explicit command in secctx exec, for ECI)")
	fs.StringVar(&c.opts.CopyImage, "copy-image", "", "exec mode: the image whose `cp` copies /secctx into the pod (default --image)")
	fs.BoolVar(&c.failClosed, "fail-closed", false, "deny a pod the injector cannot handle (with failurePolicy Fail); default admit it without the sidecar")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var err error
	if c.opts.Sidecar, err = inject.ParseSidecar(sidecar); err != nil {
		return nil, err
	}
	if c.opts.Mode, err = inject.ParseMode(mode); err != nil {
		return nil, err
	}
	if err := c.opts.Check(); err != nil {
		return nil, err
	}
	if (c.selfSigned != "") == (c.certFile != "" || c.keyFile != "") || (c.selfSigned == "" && (c.certFile == "" || c.keyFile == "")) {
		return nil, errors.New("give either --tls-cert-file and --tls-key-file, or --self-signed DIR")
	}
	return c, nil
}

func main() {
	c, err := parse(os.Args[1:], os.Stderr)
	if errors.Is(err, pflag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "secctx-injector:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := run(ctx, c, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "secctx-injector:", err)
		os.Exit(1)
	}
}

// run serves until ctx is done.
func run(ctx context.Context, c *config, stdout io.Writer) error {
	certFile, keyFile := c.certFile, c.keyFile
	if c.selfSigned != "" {
		ca, err := selfSigned(c.selfSigned, c.hosts, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "caBundle: %s\n", ca)
		certFile, keyFile = c.selfSigned+"/tls.crt", c.selfSigned+"/tls.key"
	}
	cert, err := newReloader(certFile, keyFile)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.listen)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           newServer(c.opts, c.failClosed).mux(),
		TLSConfig:         &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: cert.get},
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
	}()
	if err := srv.ServeTLS(ln, "", ""); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

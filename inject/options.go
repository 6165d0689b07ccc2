// Package inject computes the JSONPatch the secctx admission injector
// returns for a pod: the secctx sidecar (a native sidecar, an init container
// with restartPolicy Always, or a classic one), the pod's own manifest
// embedded in the sidecar's $SECCTX_SPEC, and on a platform that cannot
// share the PID namespace (ECI) the app's explicit command wrapped in
// `secctx exec`. It is pure logic: no server, no API access. It links
// k8s.io/api and must never be imported by cmd/secctx.
package inject

import (
	"errors"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Annotations and labels the injector reads and writes.
const (
	// OptOut opts a pod out, as a label (which the webhook's objectSelector
	// matches, so the API server does not even call the injector) or an
	// annotation, with the value "false".
	OptOut = "secctx.io/inject"
	// Injected marks an injected pod; its value is the mode.
	Injected = "secctx.io/injected"
	// Skipped says why a pod was admitted without the sidecar.
	Skipped = "secctx.io/injection-skipped"
	// Unwrapped lists, in exec mode, the containers whose command could not
	// be wrapped (no explicit command); in sidecar mode, the app containers
	// the sidecar cannot tell apart from the others (no absolute command
	// path to select their processes by).
	Unwrapped = "secctx.io/unverified-containers"
)

// Names of what the injector adds to a pod.
const (
	// SidecarName is the injected container's name.
	SidecarName = "secctx"
	// CopierName is, in exec mode, the init container that copies the
	// binary into the shared volume.
	CopierName = "secctx-bin"
	// BinVolume is the emptyDir volume the binary is copied into.
	BinVolume = "secctx-bin"
	// BinDir is where BinVolume is mounted.
	BinDir = "/secctx-bin"
	// BinPath is the copied binary.
	BinPath = BinDir + "/secctx"
	// MetricsPort is the sidecar's --listen port.
	MetricsPort = 9102
	// SidecarUID is the injected containers' uid and gid (distroless's
	// nonroot).
	SidecarUID = 65532
)

// envSpec and envContainer are the environment variables `secctx` reads
// for the inline manifest and the container's name (manifest.EnvSpec; the
// --container flag's variable). They are spelled here rather than
// imported: manifest is the in-container binary's package, and this one
// must not pull k8s.io/api into it, nor it into this one.
const (
	envSpec      = "SECCTX_SPEC"
	envContainer = "SECCTX_CONTAINER"
)

// MaxEnvSpec bounds the embedded manifest: the kernel refuses, at execve,
// an environment string longer than MAX_ARG_STRLEN (32 pages: 128 KiB,
// the terminating NUL included), and "SECCTX_SPEC=" counts.
const MaxEnvSpec = 128<<10 - len(envSpec+"=") - 1

// Sidecar is how the sidecar is added.
type Sidecar int

// The sidecar kinds.
const (
	// Native: an init container with restartPolicy Always (Kubernetes
	// 1.29 and later enable it by default), started before the app, not
	// blocking a Job's completion.
	Native Sidecar = iota
	// Classic: one more entry of containers, for clusters where some
	// kubelet is older than 1.29 or has the SidecarContainers gate off.
	Classic
)

// sidecarNames are the --sidecar values, by Sidecar.
var sidecarNames = []string{Native: "native", Classic: "classic"}

// String is the --sidecar value.
func (s Sidecar) String() string { return sidecarNames[s] }

// ParseSidecar reads a --sidecar value.
func ParseSidecar(v string) (Sidecar, error) { return parseEnum[Sidecar]("--sidecar", v, sidecarNames) }

// Mode is how the pod is verified.
type Mode int

// The modes.
const (
	// SidecarMode: a sidecar in a shared PID namespace watches the app.
	SidecarMode Mode = iota
	// ExecMode: for a platform that cannot share the PID namespace (ECI),
	// each app container's explicit command runs under `secctx exec`,
	// which verifies the process, then hands over to the command.
	ExecMode
)

// modeNames are the --mode values, by Mode.
var modeNames = []string{SidecarMode: "sidecar", ExecMode: "exec"}

// String is the --mode value.
func (m Mode) String() string { return modeNames[m] }

// ParseMode reads a --mode value.
func ParseMode(v string) (Mode, error) { return parseEnum[Mode]("--mode", v, modeNames) }

// parseEnum reads the value of flag among names (indexed by value); an
// unknown one is an error naming the flag and the values it takes.
func parseEnum[T ~int](flag, v string, names []string) (T, error) {
	for i, n := range names {
		if v == n {
			return T(i), nil
		}
	}
	return 0, fmt.Errorf("%s %q: want %s", flag, v, strings.Join(names, " or "))
}

// Options configure the injection.
type Options struct {
	// Image is the secctx image (its binary at /secctx).
	Image string
	// Sidecar is the sidecar's kind (sidecar mode).
	Sidecar Sidecar
	// Mode is sidecar or exec.
	Mode Mode
	// PullPolicy is the injected containers' imagePullPolicy; empty leaves
	// the API server's default (Always for a :latest tag).
	PullPolicy corev1.PullPolicy
	// CopyImage is, in exec mode, the image of the init container that
	// copies the binary: it must hold /secctx and a `cp` in its PATH (the
	// published secctx image is scratch, without one). Empty: Image.
	CopyImage string
}

// Check reports options that cannot work.
func (o Options) Check() error {
	if o.Image == "" {
		return errors.New("no image: --image is required")
	}
	switch o.PullPolicy {
	case "", corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever:
	default:
		return fmt.Errorf("--image-pull-policy %q: want Always, IfNotPresent or Never", o.PullPolicy)
	}
	return nil
}

func (o Options) copyImage() string {
	if o.CopyImage != "" {
		return o.CopyImage
	}
	return o.Image
}

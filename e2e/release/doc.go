// Package release tests `make release` (scripts/release.sh): on a clean
// clone of the tree, every archive is built, twice with the same bytes; the
// macOS and Windows plugins are built (not run); the krew manifest's sums
// are those of the archives; the amd64 image archive imports into
// containerd (else podman) and runs. `make test-release` runs it, and
// `make test` through it; it takes minutes (docs/release.md).
package release

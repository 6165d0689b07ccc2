# secctx: two commands matter, `make demo` (the main job, for real, under
# podman) and `make test` (every test, including the end-to-end suites in real
# runc and podman containers and under a real kubelet and containerd). Both
# install what they need.

GO        ?= go
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
BIN       := bin/secctx
LDFLAGS   := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)
# 7 MiB: the budget for the stripped static binary.
MAX_BYTES := 7340032

export CGO_ENABLED := 0

.PHONY: all build demo test deps unit e2e kube-build kube-build-all kubelet-e2e cluster-deps cluster-e2e plugin injector lint size bench image clean

all: build

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/secctx

demo: build
	BIN=$(BIN) bash scripts/demo.sh

deps:
	bash scripts/install-deps.sh

# The kubelet and cluster tiers run apart from the parallel run of the other
# packages, one after the other: each brings up its own containerd and
# kubelet (holding the node lock), and the runc and podman tiers run
# containers too.
# Every run happens even when an earlier one fails; make fails if any did.
test: deps tools lint build size image kube-build cluster-deps
	@status=0; \
	$(MAKE) --no-print-directory test-release || status=1; \
	SECCTX_E2E_REQUIRED=1 SECCTX_BIN=$(CURDIR)/$(BIN) SECCTX_IMAGE=$(IMAGE) $(GO) test -count=1 $$($(GO) list ./... | grep -v -e '/e2e/kubelet$$' -e '/e2e/cluster$$' -e '/e2e/release$$') || status=1; \
	SECCTX_E2E_REQUIRED=1 SECCTX_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 -timeout 45m -v ./e2e/kubelet/ || status=1; \
	SECCTX_E2E_REQUIRED=1 SECCTX_BIN=$(CURDIR)/$(BIN) SECCTX_IMAGE=$(IMAGE) $(GO) test -count=1 -timeout 20m -v ./e2e/cluster/ || status=1; \
	exit $$status

unit:
	$(GO) test -count=1 $$($(GO) list ./... | grep -v /e2e)

e2e: deps build image
	SECCTX_E2E_REQUIRED=1 SECCTX_BIN=$(CURDIR)/$(BIN) SECCTX_IMAGE=$(IMAGE) $(GO) test -count=1 -v ./e2e/

# The kubelet tier's upstream binaries (kubelet, crictl, containerd 2.2 and
# runc 1.3), built into $SECCTX_CACHE (default /var/cache/secctx) and reused;
# the first build takes 7 to 11 minutes on 2 cores (docs/testing.md).
kube-build: deps
	bash scripts/kube/build.sh tier

# The same, plus kube-apiserver and kubectl (from the kubelet's build cache).
kube-build-all: deps
	bash scripts/kube/build.sh all

# The kubelet tier alone: static pods under a standalone kubelet, six node
# configurations, secctx verifying each pod against its own manifest.
kubelet-e2e: deps build kube-build
	SECCTX_E2E_REQUIRED=1 SECCTX_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 -timeout 45m -v ./e2e/kubelet/

# The kubectl plugin, with the secctx binary beside it (what --exec streams).
plugin: build
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/kubectl-secctx ./cmd/kubectl-secctx

# The admission injector (docs/injector.md), a static binary of its own: it
# links k8s.io/api, which the in-container secctx never does.
injector:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/secctx-injector ./cmd/secctx-injector

# The cluster tier's upstream pieces: etcd (Debian's etcd-server, unpacked
# into $SECCTX_CACHE) and kube-apiserver and kubectl (build.sh all), reused
# when present.
cluster-deps: deps
	bash scripts/kube/cluster.sh deps

# The cluster tier alone: kubectl secctx against pods of a loopback
# single-node cluster (etcd, kube-apiserver, kubelet, containerd 1.6).
cluster-e2e: deps build image cluster-deps
	SECCTX_E2E_REQUIRED=1 SECCTX_BIN=$(CURDIR)/$(BIN) SECCTX_IMAGE=$(IMAGE) $(GO) test -count=1 -timeout 20m -v ./e2e/cluster/

# gofmt, go vet, no non-test Go file over 450 lines, and no domain value
# (manifest/values.go) written as a literal outside manifest (CONTRIBUTING.md).
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go') 2>/dev/null); \
	if [ -n "$$out" ]; then echo "gofmt would change: $$out" >&2; exit 1; fi
	$(GO) vet ./...
	@long=$$(for f in $$(git ls-files '*.go' | grep -v '_test\.go$$'); do \
		[ $$(wc -l <"$$f") -le 450 ] || echo "$$f"; done); \
	if [ -n "$$long" ]; then echo "over 450 lines, split by concern: $$long" >&2; exit 1; fi
	$(GO) run ./scripts/domainlit

# The binary must be static and within budget.
size: build
	@bytes=$$(stat -c %s $(BIN)); \
	echo "$(BIN): $$bytes bytes (budget $(MAX_BYTES))"; \
	[ $$bytes -le $(MAX_BYTES) ] || { echo "binary over budget" >&2; exit 1; }
	@if command -v file >/dev/null; then file $(BIN) | grep -q 'statically linked' || { echo "binary is not static" >&2; exit 1; }; fi

# kustomize and kube-score, which the deploy/ tests run, built from the Go
# module proxy into ${SECCTX_CACHE:-/var/cache/secctx} (scripts/tools.sh).
.PHONY: tools test-deploy
tools:
	bash scripts/tools.sh

# The deploy kit alone: manifests (kustomize, Pod Security, kube-score, ECI
# fields) and the monitoring kit (promtool, the metrics a real sidecar serves).
test-deploy: deps tools build
	SECCTX_E2E_REQUIRED=1 SECCTX_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 ./deploy/

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./probe/ ./report/ ./manifest/ ./expect/ ./cmd/...

# The sidecar image, built with podman from local files only: the builder
# stage uses a local image made from this machine's Go toolchain.
IMAGE ?= localhost/secctx:latest
image: deps
	bash scripts/builder-image.sh localhost/secctx-builder:go
	CONTAINERS_CONF=$(CURDIR)/scripts/containers.conf podman build -q \
		--build-arg BUILDER_IMAGE=localhost/secctx-builder:go --build-arg VERSION=$(VERSION) --build-arg COMMIT=$(COMMIT) \
		--build-arg BUILDPLATFORM=linux/$$($(GO) env GOHOSTARCH) \
		--build-arg TARGETOS=linux --build-arg TARGETARCH=$$($(GO) env GOHOSTARCH) \
		-t $(IMAGE) -f Dockerfile .

# Every release artifact, reproducibly, into dist/ (docs/release.md):
# make release VERSION=v0.1.0.
.PHONY: release test-release
release:
	bash scripts/release.sh $(VERSION) dist

# make release on a clean copy of the tree, twice, comparing the sums; the
# krew manifest against the archives; the amd64 image run under containerd.
test-release:
	SECCTX_E2E_REQUIRED=1 $(GO) test -count=1 -timeout 30m -v ./e2e/release/

clean:
	rm -rf bin dist

# secctx sidecar image: the static binary alone on scratch, non-root.
#
# The builder is substitutable: BUILDER_IMAGE defaults to the official Go
# image; where no registry is reachable, `make image` first makes a local
# builder from this machine's Go toolchain and module cache
# (scripts/builder-image.sh) and passes it here.
#
# The build stage runs on the build machine's platform and cross-compiles
# for the target's (podman build --platform linux/arm64 needs no emulation:
# the final stage runs nothing).
ARG BUILDER_IMAGE=docker.io/library/golang:1.26-bookworm

FROM --platform=$BUILDPLATFORM ${BUILDER_IMAGE} AS build
WORKDIR /src
ENV CGO_ENABLED=0
COPY . .
ARG TARGETOS
ARG TARGETARCH
ARG VERSION=dev
ARG COMMIT=unknown
RUN GOOS=${TARGETOS} GOARCH=${TARGETARCH} go build -trimpath -buildvcs=false \
	-ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" -o /out/secctx ./cmd/secctx

FROM scratch
ARG VERSION=dev
ARG COMMIT=unknown
LABEL org.opencontainers.image.title="secctx" \
      org.opencontainers.image.description="In-container verifier of Kubernetes securityContext: reports drift between the declared and the effective security state" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${COMMIT}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/secctx/secctx"
COPY --from=build /out/secctx /secctx
USER 65532:65532
ENTRYPOINT ["/secctx"]
CMD ["watch"]

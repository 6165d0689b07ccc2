# secctx sidecar image: the static binary alone on scratch, non-root.
#
# The builder is substitutable: BUILDER_IMAGE defaults to the official Go
# image; where no registry is reachable, `make image` first makes a local
# builder from this machine's Go toolchain and module cache
# (scripts/builder-image.sh) and passes it here.
ARG BUILDER_IMAGE=docker.io/library/golang:1.26-bookworm

FROM ${BUILDER_IMAGE} AS build
WORKDIR /src
ENV CGO_ENABLED=0
COPY . .
ARG VERSION=dev
RUN go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/secctx ./cmd/secctx

FROM scratch
ARG VERSION=dev
LABEL org.opencontainers.image.title="secctx" \
      org.opencontainers.image.description="In-container verifier of Kubernetes securityContext: reports drift between the declared and the effective security state" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/secctx/secctx"
COPY --from=build /out/secctx /secctx
USER 65532:65532
ENTRYPOINT ["/secctx"]
CMD ["watch"]

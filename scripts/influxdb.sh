#!/usr/bin/env bash
# The real InfluxDB OSS 1.8.10 the store tests run against (DESIGN §4, research/influxdb.md).
#
#   scripts/influxdb.sh build   build influxd once per machine (Go module proxy), print its path
#   scripts/influxdb.sh path    print where the binary is (or would be) without building
#
# 1.8.10 serves the 2.x API the client speaks (/api/v2/write, /api/v2/query, /health) and is pure
# Go, so `go install` builds it; 1.9+ and 2.x need a Rust toolchain and crates. The binary is
# cached under ${XDG_CACHE_HOME:-$HOME/.cache}/tidewatch/influxdb-1.8.10/bin; `build` is a no-op
# when it is there. The path is the last (only) line on stdout; progress goes to stderr.
set -euo pipefail

version=1.8.10
bin_dir="${XDG_CACHE_HOME:-$HOME/.cache}/tidewatch/influxdb-$version/bin"
binary="$bin_dir/influxd"

die() {
  echo "influxdb.sh: ERROR: $*" >&2
  exit 1
}

build() {
  if [ -x "$binary" ]; then
    echo "$binary"
    return
  fi
  command -v go >/dev/null 2>&1 \
    || die "Go is not installed: it is needed once to build InfluxDB $version for the store tests (https://go.dev/dl/, or Debian's golang-go)"
  echo "influxdb.sh: building influxd $version into $bin_dir (a few minutes, once per machine)" >&2
  mkdir -p "$bin_dir"
  GOBIN="$bin_dir" go install -ldflags "-X main.version=$version" \
    "github.com/influxdata/influxdb/cmd/influxd@v$version" >&2 \
    || die "go install github.com/influxdata/influxdb/cmd/influxd@v$version failed (see above); Go 1.19 or newer and access to the Go module proxy are needed"
  [ -x "$binary" ] || die "go install finished but $binary is missing"
  echo "$binary"
}

case "${1:-}" in
  build) build ;;
  path) echo "$binary" ;;
  *) die "usage: $0 build|path" ;;
esac

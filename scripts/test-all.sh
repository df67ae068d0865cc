#!/usr/bin/env bash
# Runs every test from a fresh clone: installs what the tests need (Debian packages, gpsd's
# reference decoder and its real AIS/Beidou captures, a real InfluxDB 1.8.10 built with Go, npm
# packages), builds, then runs vitest.
# Fails loudly at the first step that cannot be done.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }
die() { printf 'test-all: %s\n' "$*" >&2; exit 1; }

command -v node >/dev/null || die "node is not installed (Node 20 or newer is required)"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' \
  || die "Node $(node --version) is too old: Tidewatch needs Node 20 or newer"

step "gpsd reference decoder and captures"
GPSD_SRC="$(bash scripts/fetch-gpsd-src.sh)" || die "could not install gpsd-clients or fetch gpsd's source package"
export GPSD_SRC
command -v gpsdecode >/dev/null || die "gpsdecode is missing after installing gpsd-clients"
echo "GPSD_SRC=$GPSD_SRC"

step "chromium and a Chinese font for the map's browser tests (Debian packages)"
missing_pkgs=()
for pkg in chromium fonts-wqy-microhei; do dpkg -s "$pkg" >/dev/null 2>&1 || missing_pkgs+=("$pkg"); done
if [ "${#missing_pkgs[@]}" -gt 0 ]; then
  SUDO=(); [ "$(id -u)" -eq 0 ] || SUDO=(sudo)
  "${SUDO[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing_pkgs[@]}" \
    || die "could not install ${missing_pkgs[*]} (root or passwordless sudo on Debian/Ubuntu is needed)"
fi
[ -x /usr/bin/chromium ] || die "/usr/bin/chromium is missing after installing chromium"

step "InfluxDB 1.8.10 for the store tests (built once per machine; needs Go)"
if [ -z "${INFLUXD_BIN:-}" ]; then
  INFLUXD_BIN="$(bash scripts/influxdb.sh build)" || die "could not build InfluxDB 1.8.10 (see above)"
fi
[ -x "$INFLUXD_BIN" ] || die "INFLUXD_BIN=$INFLUXD_BIN is not an executable influxd"
export INFLUXD_BIN
echo "INFLUXD_BIN=$INFLUXD_BIN"

step "npm packages (prepare builds the project)"
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi

step "type check (sources and tests)"
npm run --silent typecheck

step "tests"
report="$(mktemp)"
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
# One plain closing line that any CI reads: "N passed, N failed".
node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""))' "$report" || true
rm -f "$report"
exit "$status"

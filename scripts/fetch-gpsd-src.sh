#!/usr/bin/env bash
# Fetch gpsd's Debian source package into <repo>/.cache/gpsd-src/ and make sure `gpsdecode` is installed.
#
# gpsd's test/ directory holds real AIS captures (test/sample.aivdm, test/daemon/ais-nmea.log, …) that
# `npm run bench` and the tests decode, and `gpsdecode` (package gpsd-clients) is the end-to-end peer the
# bench times `tidewatch decode` against.
#
# Idempotent: when the tree and gpsdecode are already there it touches nothing (no apt at all). Otherwise
# it enables deb-src in the Debian sources if needed (then apt-get update), installs gpsd-clients and
# dpkg-dev (needed by `apt-get source`) if missing, and runs `apt-get source gpsd` in .cache/gpsd-src/.
#
# Prints the path of the unpacked source tree as the last (only) line on stdout; everything else goes to
# stderr. Exits non-zero with a message saying what failed.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$repo/.cache/gpsd-src"

log() { echo "fetch-gpsd-src: $*" >&2; }
die() {
  echo "fetch-gpsd-src: ERROR: $*" >&2
  exit 1
}
trap 'die "command failed (line $LINENO): $BASH_COMMAND"' ERR

find_tree() {
  [ -d "$dest" ] || return 0
  find "$dest" -mindepth 1 -maxdepth 1 -type d -name 'gpsd-*' | sort -V | tail -n 1
}

tree_ok() { [ -n "$1" ] && [ -f "$1/test/sample.aivdm" ]; }

tree="$(find_tree)"
if tree_ok "$tree" && command -v gpsdecode >/dev/null 2>&1; then
  echo "$tree"
  exit 0
fi

# From here on apt is needed.
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || die "not root and no sudo: cannot run apt-get (run this script as root once)"
  SUDO=(sudo)
fi
command -v apt-get >/dev/null 2>&1 || die "apt-get not found: this script needs a Debian/Ubuntu machine"
export DEBIAN_FRONTEND=noninteractive

need_update=0

# 1. deb-src must be enabled for `apt-get source`.
has_deb_src() {
  grep -qsE '^[[:space:]]*Types:.*\bdeb-src\b' /etc/apt/sources.list.d/*.sources 2>/dev/null && return 0
  grep -qsE '^[[:space:]]*deb-src[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null && return 0
  return 1
}
if ! has_deb_src; then
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    log "enabling deb-src in /etc/apt/sources.list.d/debian.sources"
    "${SUDO[@]}" sed -i -E 's/^Types:[[:space:]]*deb[[:space:]]*$/Types: deb deb-src/' /etc/apt/sources.list.d/debian.sources
  elif [ -f /etc/apt/sources.list ] && grep -qE '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list; then
    log "adding deb-src lines to /etc/apt/sources.list"
    grep -E '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list | sed -E 's/^([[:space:]]*)deb([[:space:]])/\1deb-src\2/' |
      "${SUDO[@]}" tee -a /etc/apt/sources.list >/dev/null
  fi
  has_deb_src || die "could not enable deb-src: add 'deb-src' to the Types: line of your Debian sources"
  need_update=1
fi

# apt-get source needs the Sources index; a fresh machine may have no lists at all.
if ! compgen -G '/var/lib/apt/lists/*_Sources*' >/dev/null; then need_update=1; fi

missing=()
command -v gpsdecode >/dev/null 2>&1 || missing+=(gpsd-clients)
command -v dpkg-source >/dev/null 2>&1 || missing+=(dpkg-dev)
command -v xz >/dev/null 2>&1 || missing+=(xz-utils)
if [ "${#missing[@]}" -gt 0 ]; then need_update=1; fi

if [ "$need_update" -eq 1 ]; then
  log "apt-get update"
  "${SUDO[@]}" apt-get update -qq >&2 || die "apt-get update failed"
fi

if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]}"
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 ||
    die "apt-get install ${missing[*]} failed"
fi
command -v gpsdecode >/dev/null 2>&1 || die "gpsdecode still not on PATH after installing gpsd-clients"

# 2. The source tree.
tree="$(find_tree)"
if ! tree_ok "$tree"; then
  mkdir -p "$dest"
  log "apt-get source gpsd into $dest"
  (cd "$dest" && apt-get source -qq gpsd >&2) || die "apt-get source gpsd failed (is deb-src enabled and apt-get update done?)"
  tree="$(find_tree)"
  tree_ok "$tree" || die "apt-get source gpsd ran but no gpsd-*/test/sample.aivdm under $dest"
fi

echo "$tree"

#!/usr/bin/env bash
# Download a Debian source package (without unpacking or building it).
#
#   scripts/debian-source.sh DEST SUITE PACKAGE
#
# Leaves the source package's files (.dsc, orig tarball, debian tarball) in
# DEST/SUITE/ and prints the path of the upstream tarball (PACKAGE_*.orig.tar.*).
# Already downloaded files are reused, so DEST works as a cache.
#
# Like scripts/debian-bullseye.sh, apt runs with a private source list and
# private state under DEST (scripts/lib/debian-apt.sh): the machine's apt
# configuration is read (for the mirror URI) and never changed. No host name
# is written here. Exit status 3 means the mirror does not serve SUITE.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/debian-apt.sh"

dest=${1:?usage: $0 DEST SUITE PACKAGE}
suite=${2:?usage: $0 DEST SUITE PACKAGE}
package=${3:?usage: $0 DEST SUITE PACKAGE}

mkdir -p "$dest/$suite"
dest=$(cd "$dest" && pwd)
out="$dest/$suite"

orig() { ls "$out/${package}"_*.orig.tar.* 2>/dev/null | head -n 1; }
if [ -n "$(orig)" ] && [ -e "$out/.complete-$package" ]; then
  orig
  exit 0
fi

state="$out/apt"
debian_apt_setup "$state" "$suite" deb-src

if [ ! -s "$state/updated" ]; then
  if ! apt-get "${apt_opts[@]}" -qq update 2>"$state/update.err" || grep -q "does not have a Release file\|404" "$state/update.err"; then
    echo "debian-source.sh: the mirror does not serve suite '$suite':" >&2
    cat "$state/update.err" >&2
    exit 3
  fi
  date >"$state/updated"
fi

(cd "$out" && apt-get "${apt_opts[@]}" -qq --download-only source "$package" >/dev/null)
[ -n "$(orig)" ] || { echo "debian-source.sh: no upstream tarball for $package in $suite" >&2; exit 2; }
touch "$out/.complete-$package"
orig

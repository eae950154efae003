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
# private state under DEST: the machine's apt configuration is read (for the
# mirror URI) and never changed. No host name is written here. Exit status 3
# means the mirror does not serve SUITE.
set -euo pipefail

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

mirror_uri() {
  local f uri
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -e "$f" ] || continue
    uri=$(awk '/^URIs:/ {u=$2} /^Suites:/ && u != "" && $0 !~ /security/ {print u; exit}' "$f")
    [ -n "$uri" ] && { echo "$uri"; return; }
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -e "$f" ] || continue
    uri=$(awk '$1 == "deb" && $0 !~ /security/ {for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' "$f")
    [ -n "$uri" ] && { echo "$uri"; return; }
  done
  return 1
}

uri=$(mirror_uri) || { echo "debian-source.sh: no Debian mirror URI found in /etc/apt" >&2; exit 2; }
state="$out/apt"
mkdir -p "$state/lists/partial" "$state/cache/archives/partial"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
echo "deb-src [signed-by=$keyring] $uri $suite main" >"$state/sources.list"
touch "$state/status"

apt_opts=(
  -o "Dir::Etc::SourceList=$state/sources.list"
  -o "Dir::Etc::SourceParts=/dev/null"
  -o "Dir::State::Lists=$state/lists"
  -o "Dir::State::Status=$state/status"
  -o "Dir::Cache=$state/cache"
  -o "Debug::NoLocking=1"
  -o "APT::Sandbox::User=root"
)

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

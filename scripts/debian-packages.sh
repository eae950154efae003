#!/usr/bin/env bash
# Fetch Debian packages of one suite by name and unpack them into a sysroot.
#
#   scripts/debian-packages.sh SUITE DEST [PACKAGE...]
#
# SUITE is a Debian release name (bullseye, trixie, ...). scripts/debian-bullseye.sh
# is this script for bullseye.
# DEST/debs holds the downloaded .deb files, DEST/sysroot the unpacked tree.
# Default packages: libc6 libc6-dev linux-libc-dev (for bullseye: a glibc 2.31 + Linux 5.10
# headers sysroot). Extra names (zlib1g, zlib1g-dev, linux-image-amd64, ...) are
# fetched too; a metapackage such as linux-image-amd64 is followed to the
# package it depends on.
#
# apt is pointed at a private source list and private state under DEST/apt
# (scripts/lib/debian-apt.sh), so the machine's own apt configuration is read
# (for the mirror URI) but never changed. No host name is written here.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/debian-apt.sh"

suite=${1:?usage: $0 SUITE DEST [PACKAGE...]}
dest=${2:?usage: $0 SUITE DEST [PACKAGE...]}
shift 2
packages=("$@")
[ ${#packages[@]} -gt 0 ] || packages=(libc6 libc6-dev linux-libc-dev)

mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
state="$dest/apt"
mkdir -p "$dest/debs" "$dest/sysroot"

debian_apt_setup "$state" "$suite"

if [ ! -s "$state/updated" ]; then
  apt-get "${apt_opts[@]}" -qq update
  date >"$state/updated"
fi

resolve() {
  # A metapackage (linux-image-amd64) depends on the real one; follow one level.
  local name=$1 dep
  case "$name" in
    linux-image-amd64)
      dep=$(apt-cache "${apt_opts[@]}" depends "$name" | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
      echo "${dep:-$name}"
      ;;
    *) echo "$name" ;;
  esac
}

cd "$dest/debs"
for p in "${packages[@]}"; do
  real=$(resolve "$p")
  if ! ls "${real}"_*.deb >/dev/null 2>&1; then
    apt-get "${apt_opts[@]}" -qq download "$real"
  fi
  deb=$(ls "${real}"_*.deb | head -n 1)
  dpkg-deb -x "$deb" "$dest/sysroot"
  echo "$real $(dpkg-deb -f "$deb" Version)"
done >"$dest/packages.txt"

# Absolute symlinks (libz.so -> /lib/x86_64-linux-gnu/libz.so.1.2.11,
# lib64/ld-linux-x86-64.so.2 -> /lib/...) would point into the host; make them
# relative so the sysroot is self-contained for the linker and for chroot.
find "$dest/sysroot" -type l | while read -r link; do
  target=$(readlink "$link")
  case "$target" in
    /*) ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$dest/sysroot$target")" "$link" ;;
  esac
done

# Flags for the host gcc to compile and link against this sysroot: gcc's
# built-in multiarch search path would otherwise find the host's crt1.o and
# libc.so before the sysroot's.
multiarch=x86_64-linux-gnu
s="$dest/sysroot"
echo "--sysroot=$s -B$s/usr/lib/$multiarch/ -L$s/lib/$multiarch -L$s/usr/lib/$multiarch" >"$dest/cflags"
cat "$dest/packages.txt"

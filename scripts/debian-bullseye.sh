#!/usr/bin/env bash
# Fetch Debian 11 (bullseye) packages by name and unpack them into a sysroot:
# scripts/debian-packages.sh for bullseye.
#
#   scripts/debian-bullseye.sh DEST [PACKAGE...]
#
# Default packages: libc6 libc6-dev linux-libc-dev (a glibc 2.31 + Linux 5.10
# headers sysroot).
exec "$(dirname "${BASH_SOURCE[0]}")/debian-packages.sh" bullseye "$@"

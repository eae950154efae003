#!/usr/bin/env bash
# Installs the Debian packages the tests need, where any is missing.
# Runs apt-get as root (directly, or through sudo when available).
#
# Installs with --no-install-recommends, so every package a test needs is
# listed here, also those that are only recommended by another (checked on a
# fresh Debian 12 root by scripts/fresh-check.sh).
set -euo pipefail

packages=(
  gcc g++ make            # fixtures compiled at test time
  binutils                # readelf/objdump: peers in benchmarks, and test oracles
  gcc-aarch64-linux-gnu   # aarch64 fixtures for the syscall analysis
  libc6-dev-arm64-cross   # ... their C library and arm64 UAPI headers (only a Recommends of the compiler)
  nix-bin                 # Nix lib tests and evaluation tests
  qemu-system-x86         # the real-kernel harness (compat verify)
  busybox-static cpio     # the harness's initramfs
  patchelf                # compat bundle rewrites ELF through it
  dpkg-dev                # apt-get source: glibc patch checks
  python3                 # tests/nix: reading evaluation reports
  xz-utils ca-certificates
  jq                      # tests/profiles/check-debian.sh reads the profiles
  debootstrap             # scripts/with-current-nix.sh: a Debian 13 root with Nix 2.26
  openssh-server openssh-client  # tests/remote: a builder reached over ssh on loopback
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
echo "install-deps: installing ${missing[*]}" >&2
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

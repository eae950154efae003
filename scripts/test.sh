#!/usr/bin/env bash
# Runs every test of the project: Rust units and integration tests (ELF
# fixtures compiled here, a real Debian 11 sysroot and loader), the Nix lib
# tests, and the real-kernel harness. Installs what it needs first.
#
# Environment:
#   COMPAT_CACHE     where downloaded Debian packages go (default ~/.cache/compat)
#   COMPAT_NIXPKGS   a nixpkgs-derived tree for evaluation tests (skipped when unset)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

export COMPAT_CACHE=${COMPAT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/compat}
export COMPAT_BULLSEYE=${COMPAT_BULLSEYE:-$COMPAT_CACHE/bullseye}
scripts/debian-bullseye.sh "$COMPAT_BULLSEYE" \
  libc6 libc6-dev linux-libc-dev libstdc++6 libgcc-s1 zlib1g zlib1g-dev linux-image-amd64 >/dev/null

# A nixpkgs-derived tree placed at $COMPAT_CACHE/nixpkgs (by whoever owns the
# machine: none can be fetched by the suite) serves when COMPAT_NIXPKGS is unset.
if [ -z "${COMPAT_NIXPKGS:-}" ] && [ -f "$COMPAT_CACHE/nixpkgs/pkgs/stdenv/linux/default.nix" ]; then
  export COMPAT_NIXPKGS=$COMPAT_CACHE/nixpkgs
  echo "test.sh: using the nixpkgs tree at $COMPAT_NIXPKGS" >&2
fi
if [ -z "${COMPAT_NIXPKGS:-}" ]; then
  echo "test.sh: COMPAT_NIXPKGS is unset: evaluation tests against a real nixpkgs tree and the real-build ladder will SKIP" >&2
fi

echo "== cargo fmt / clippy"
cargo fmt --all --check
cargo clippy --all-targets -- -D warnings

echo "== profiles against real Debian packages"
tests/profiles/check-debian.sh

echo "== cargo test"
cargo test --workspace

echo "== nix (lib tests; evaluation against COMPAT_NIXPKGS when set; glibc patches against Debian sources)"
tests/nix/run.sh

echo "== nix tests again under current Nix (Debian 13's 2.26, empty store)"
scripts/with-current-nix.sh tests/nix/run.sh

echo "== a signed binary cache: sign, publish to file://, substitute into an empty store; untrusted and tampered refused"
tests/cache/signed-cache.sh

echo "== real-kernel harness: compat scan vs Debian 11's 5.10 kernel under qemu"
cargo test --test kernel_harness -- --ignored --nocapture

echo "== real-build ladder: glibc 2.31 and programs built by Nix with GCC 14.2 / binutils 2.44 / make 4.4.1, proven on Debian 11"
cargo test --test real_build -- --ignored --nocapture --test-threads 1

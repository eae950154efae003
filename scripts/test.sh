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

if [ -z "${COMPAT_NIXPKGS:-}" ]; then
  echo "test.sh: COMPAT_NIXPKGS is unset: evaluation tests against a real nixpkgs tree will SKIP" >&2
fi

echo "== cargo fmt / clippy"
cargo fmt --all --check
cargo clippy --all-targets -- -D warnings

echo "== profiles against real Debian packages"
tests/profiles/check-debian.sh

echo "== the CLI builds with Debian 13's rustc 1.85 (rust-version)"
scripts/msrv-check.sh

echo "== cargo test"
cargo test --workspace

echo "== nix (lib tests; evaluation against COMPAT_NIXPKGS when set; glibc patches against Debian sources)"
tests/nix/run.sh

echo "== real-kernel harness: compat scan vs Debian 11's 5.10 kernel under qemu"
cargo test --test kernel_harness -- --ignored --nocapture

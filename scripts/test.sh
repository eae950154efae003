#!/usr/bin/env bash
# Runs every test of the project: Rust units and integration tests (ELF
# fixtures compiled here, a real Debian 11 sysroot and loader), the Nix
# tests (under Debian 12's Nix 2.8 and Debian 13's 2.26), the signed-cache
# and remote-builder tests, the real-kernel harness and the real-build
# ladder. Installs what it needs first.
#
# Every step runs, even after one fails, so one failure does not hide the
# state of the others. A summary closes the output; its last line is
# "N passed, N failed" (steps). Exits non-zero when any step failed.
#
# Environment:
#   COMPAT_CACHE     where downloaded Debian packages go (default ~/.cache/compat)
#   COMPAT_NIXPKGS   a nixpkgs-derived tree for evaluation tests; when unset,
#                    $COMPAT_CACHE/nixpkgs is used if it exists, else those
#                    tests SKIP
set -uo pipefail
cd "$(dirname "$0")/.."

export COMPAT_CACHE=${COMPAT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/compat}
export COMPAT_BULLSEYE=${COMPAT_BULLSEYE:-$COMPAT_CACHE/bullseye}

passed=()
failed=()
# step NAME COMMAND...: runs COMMAND under a "== NAME" header, times it and
# records whether it passed.
step() {
  local name=$1 start=$SECONDS
  shift
  echo "== $name"
  if "$@"; then passed+=("$name"); else failed+=("$name"); fi
  echo "== $name: $((SECONDS - start)) s"
}

fetch_bullseye() {
  scripts/debian-bullseye.sh "$COMPAT_BULLSEYE" \
    libc6 libc6-dev linux-libc-dev libstdc++6 libgcc-s1 zlib1g zlib1g-dev linux-image-amd64 >/dev/null
}

if [ -z "${COMPAT_NIXPKGS:-}" ] && [ -d "$COMPAT_CACHE/nixpkgs" ]; then
  export COMPAT_NIXPKGS=$COMPAT_CACHE/nixpkgs
  echo "test.sh: COMPAT_NIXPKGS is unset: using the nixpkgs tree in $COMPAT_NIXPKGS" >&2
elif [ -z "${COMPAT_NIXPKGS:-}" ]; then
  echo "test.sh: COMPAT_NIXPKGS is unset and $COMPAT_CACHE/nixpkgs does not exist: evaluation tests against a real nixpkgs tree and the real-build ladder will SKIP" >&2
fi

# The steps, in order. Adding one is adding a line.
step "install Debian packages" scripts/install-deps.sh
step "Debian 11 sysroot and kernel" fetch_bullseye
step "cargo fmt" cargo fmt --all --check
step "cargo clippy" cargo clippy --all-targets -- -D warnings
step "profiles against real Debian packages" tests/profiles/check-debian.sh
step "the CLI builds with Debian 13's rustc 1.85 (MSRV), offline from vendored crates" scripts/msrv-check.sh
step "cargo test" cargo test --workspace --no-fail-fast
step "nix (lib tests; evaluation against COMPAT_NIXPKGS when set; glibc patches against Debian sources)" tests/nix/run.sh
step "nix tests again under current Nix (Debian 13's 2.26, empty store)" scripts/with-current-nix.sh tests/nix/run.sh
step "a signed binary cache: substitution into an empty store; untrusted and tampered refused" tests/cache/signed-cache.sh
step "a remote builder over ssh on loopback: built there with --max-jobs 0 here, identical to a local build" tests/remote/ssh-builder.sh
step "real-kernel harness: compat scan vs Debian 11's 5.10 kernel under qemu" \
  cargo test --test it kernel_harness:: -- --ignored --nocapture
step "real-build ladder: glibc 2.31 and programs built by Nix with GCC 14.2 / binutils 2.44 / make 4.4.1, proven on Debian 11" \
  cargo test --test it real_build:: -- --ignored --nocapture --test-threads 1

echo "== summary"
for name in "${passed[@]}"; do echo "ok   $name"; done
for name in "${failed[@]}"; do echo "FAIL $name"; done
echo "${#passed[@]} passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]

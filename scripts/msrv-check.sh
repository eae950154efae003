#!/usr/bin/env bash
# Builds the CLI with Debian 13's own rustc and cargo (1.85, the workspace's
# rust-version), offline, from the crates Cargo.lock pins.
#
#   scripts/msrv-check.sh
#
# Debian 13's rustc, cargo, standard library and the shared libraries they
# load are fetched by package name with apt (private state, see
# scripts/lib/debian-apt.sh) into $COMPAT_CACHE/msrv and unpacked there. They
# need a newer glibc than an older host has, so each runs through the unpacked
# glibc's own loader (`ld.so --library-path`, which child processes such as
# the linker do not inherit). The locked crates are vendored into
# $COMPAT_CACHE/msrv/vendor (outside the repository) and the crate is built with --offline --locked.
#
# Prints SKIP and exits 0 only when the Debian packages cannot be reached;
# any build failure exits non-zero. About 50 s on a cold cache (downloads
# included), 3 s warm.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/debian-apt.sh

suite=trixie
cache=${COMPAT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/compat}/msrv
root="$cache/root"
mkdir -p "$cache/debs" "$root"

# rustc, cargo and the standard library, without recursing into their
# compiler-driver dependencies (gcc, binutils: the host's are used)...
tools=(rustc cargo libstd-rust-dev)
# ...and the libraries they load, with everything those depend on.
libs=(libstd-rust-1.85 libgit2-1.9 libcurl4t64 libssh2-1t64 libssl3t64 libsqlite3-0 zlib1g libc6)

debian_apt_setup "$cache/apt" "$suite" || { echo "msrv-check: SKIP: no Debian mirror configured"; exit 0; }
if [ ! -s "$cache/apt/updated" ]; then
  if ! apt-get "${apt_opts[@]}" -qq update || ! apt-cache "${apt_opts[@]}" show rustc >/dev/null 2>&1; then
    echo "msrv-check: SKIP: Debian $suite packages are unreachable"
    exit 0
  fi
  date >"$cache/apt/updated"
fi

if [ ! -x "$root/usr/bin/rustc" ]; then
  mapfile -t closure < <(apt-cache "${apt_opts[@]}" depends --recurse --no-recommends --no-suggests \
    --no-conflicts --no-breaks --no-replaces --no-enhances "${libs[@]}" | grep -v '^[ <]' | sort -u)
  (
    cd "$cache/debs"
    apt-get "${apt_opts[@]}" -qq download "${tools[@]}" "${closure[@]}"
  ) || { echo "msrv-check: SKIP: could not download Debian $suite's rustc packages"; exit 0; }
  for deb in "$cache"/debs/*.deb; do
    dpkg-deb -x "$deb" "$root"
  done
fi

loader="$root/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
libpath="$root/usr/lib/x86_64-linux-gnu:$root/lib/x86_64-linux-gnu:$root/usr/lib"
bin="$cache/bin"
mkdir -p "$bin"
# rustc finds its sysroot from its own path, which is the loader's here: name it.
cat >"$bin/rustc" <<EOF
#!/bin/sh
exec "$loader" --library-path "$libpath" "$root/usr/bin/rustc" --sysroot "$root/usr" "\$@"
EOF
cat >"$bin/cargo" <<EOF
#!/bin/sh
exec "$loader" --library-path "$libpath" "$root/usr/bin/cargo" "\$@"
EOF
chmod +x "$bin/rustc" "$bin/cargo"

echo "msrv-check: $("$bin/rustc" --version), $("$bin/cargo" --version)"

# A fixed place, so a second run reuses the build; refreshed every run.
vendor="$cache/vendor"
cargo vendor --locked --quiet "$vendor" >/dev/null

export CARGO_HOME="$cache/cargo-home" RUSTC="$bin/rustc"
export CARGO_TARGET_DIR="$cache/target"
unset RUSTC_WRAPPER RUSTFLAGS
"$bin/cargo" build --offline --locked -p compat \
  --config "source.crates-io.replace-with='vendored'" \
  --config "source.vendored.directory='$vendor'"
echo "msrv-check: compat builds with $("$bin/rustc" --version)"

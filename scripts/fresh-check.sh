#!/usr/bin/env bash
# Runs .ci/run as CI would, but in a fresh Debian 12 (bookworm) root, so a
# missing install step cannot hide behind what this machine already has.
#
#   scripts/fresh-check.sh [--nixpkgs DIR] [--keep] [--root DIR]
#
# The root is debootstrap's minbase plus what a new machine of this kind has
# (gcc/g++/make, git, python3, curl, ca-certificates, xz-utils; root user, no
# sudo), with no /nix. The machine's Rust toolchain is bind-mounted read-only
# (cargo's registry cache is the root's own, filled from crates.io); /proc,
# /sys and /dev are the machine's. The checkout is a fresh git clone of this
# repository's HEAD: uncommitted changes are not part of the check.
#
# It runs .ci/run once, in a pristine root: without COMPAT_NIXPKGS, or with
# --nixpkgs DIR, with DIR bind-mounted read-only and exported as
# COMPAT_NIXPKGS (a change is checked both ways: two invocations). It prints
# the time of each phase and the closing lines of the run, and exits with
# the run's status (2 for its own usage errors and setup failures).
#
#   --nixpkgs DIR  run with this nixpkgs-derived tree as COMPAT_NIXPKGS
#   --keep         keep the root for inspection instead of deleting it
#   --root DIR     where the root goes (default: $TMPDIR/compat-fresh-check/root);
#                  a stale root left there by an interrupted run is cleaned first
#
# Needs root (debootstrap, mounts) and debootstrap. The Debian mirror is the
# one the machine's apt uses. The pristine root is cached as a tarball under
# $COMPAT_CACHE/fresh-check (default ~/.cache/compat/fresh-check), so only the
# first run downloads it. Logs of the runs go next to the root.
#
# Never deletes through a mount: before removing the root, everything mounted
# under it is unmounted, and if anything is still mounted it refuses.
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
die() { echo "fresh-check: $*" >&2; exit 2; }

nixpkgs=
keep=false
root=
while [ $# -gt 0 ]; do
  case "$1" in
    --nixpkgs) [ $# -ge 2 ] || die "--nixpkgs needs a directory"; nixpkgs=$2; shift 2 ;;
    --keep) keep=true; shift ;;
    --root) [ $# -ge 2 ] || die "--root needs a directory"; root=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib/debian-apt.sh
source "$repo/scripts/lib/debian-apt.sh"

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap and mounts)"
command -v debootstrap >/dev/null || die "debootstrap is missing (apt-get install debootstrap)"
if [ -n "$nixpkgs" ]; then
  [ -d "$nixpkgs" ] || die "--nixpkgs $nixpkgs is not a directory"
  nixpkgs=$(cd "$nixpkgs" && pwd)
fi
mirror=$(debian_mirror_uri) || die "no Debian mirror URI found in /etc/apt"

work=${TMPDIR:-/tmp}/compat-fresh-check
root=${root:-$work/root}
mkdir -p "$(dirname "$root")"
root=$(cd "$(dirname "$root")" && pwd)/$(basename "$root")
case "$root" in / | //) die "--root / is not allowed" ;; esac
logs=$(dirname "$root")
cache=${COMPAT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/compat}/fresh-check
suite=bookworm
include=gcc,g++,make,git,python3,curl,ca-certificates,xz-utils
pristine=$cache/$suite-minbase-$(echo "$include" | sha256sum | cut -c1-12).tar

# phase NAME: prints how long the previous phase took, then NAME.
phase_name=
phase_start=$SECONDS
phase() {
  [ -z "$phase_name" ] || echo "fresh-check: $phase_name: $((SECONDS - phase_start)) s"
  phase_name=$1
  phase_start=$SECONDS
  [ -z "$phase_name" ] || echo "fresh-check: -- $phase_name"
}

# mounts_under DIR: the mount points at or under DIR, deepest first.
mounts_under() {
  local dir=$1
  # Field 5 of mountinfo is the mount point, with spaces etc. octal-escaped.
  awk -v d="$dir" '$5 == d || index($5, d "/") == 1 {print $5}' /proc/self/mountinfo |
    awk '{print length($0) "\t" $0}' | sort -rn | cut -f2- | uniq
}

# unmount_all DIR: unmounts everything at or under DIR (lazily when busy).
unmount_all() {
  local dir=$1 m tries
  for tries in 1 2 3; do
    [ -n "$(mounts_under "$dir")" ] || return 0
    while IFS= read -r m; do
      m=$(printf '%b' "${m//\\/\\0}")
      umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done < <(mounts_under "$dir")
  done
  [ -z "$(mounts_under "$dir")" ]
}

# remove_dir DIR: unmounts everything under DIR, then deletes it; refuses
# while anything is still mounted there.
remove_dir() {
  local dir=$1
  [ -e "$dir" ] || return 0
  if ! unmount_all "$dir"; then
    echo "fresh-check: still mounted under $dir, NOT deleting it:" >&2
    mounts_under "$dir" >&2
    return 1
  fi
  rm -rf --one-file-system "$dir"
}

# stop_run: ends a .ci/run still going (its whole process group), so
# nothing keeps the root's mounts busy.
run_pid=
stop_run() {
  [ -n "$run_pid" ] || return 0
  kill -TERM -- "-$run_pid" 2>/dev/null || return 0
  local i
  for i in $(seq 20); do
    kill -0 -- "-$run_pid" 2>/dev/null || return 0
    sleep 0.5
  done
  kill -KILL -- "-$run_pid" 2>/dev/null || true
  sleep 1
}

# remove_root: remove_dir of the root, but only of one this script made (it
# holds the marker file) or an empty dir: --root pointing at a directory of
# the user's is refused, not wiped.
marker=.compat-fresh-check-root
remove_root() {
  [ -e "$root" ] || return 0
  if [ ! -e "$root/$marker" ] && [ -n "$(ls -A "$root")" ]; then
    echo "fresh-check: $root is not a root made by fresh-check (no $marker): NOT deleting it" >&2
    return 1
  fi
  remove_dir "$root"
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop_run
  if $keep && [ -d "$root" ]; then
    unmount_all "$root" || echo "fresh-check: could not unmount everything under $root" >&2
    echo "fresh-check: kept $root"
  else
    remove_root || status=1
  fi
  remove_dir "$logs/pristine.tmp" || status=1
  exit "$status"
}
trap cleanup EXIT
trap 'echo "fresh-check: interrupted" >&2; exit 130' INT TERM

# make_pristine: the cached tarball of a freshly debootstrapped root.
make_pristine() {
  [ -f "$pristine" ] && return 0
  local tmp=$logs/pristine.tmp
  mkdir -p "$cache"
  remove_dir "$tmp" || die "cannot clean $tmp"
  debootstrap --variant=minbase --include="$include" "$suite" "$tmp" "$mirror" >"$logs/debootstrap.log" 2>&1 ||
    { tail -n 20 "$logs/debootstrap.log" >&2; die "debootstrap failed (log: $logs/debootstrap.log)"; }
  rm -rf "$tmp"/var/cache/apt/archives/*.deb
  tar --numeric-owner -C "$tmp" -cf "$pristine.part" .
  mv "$pristine.part" "$pristine"
  remove_dir "$tmp"
}

# unpack_root: a pristine root at $root, a mount point of its own (unshare
# --root, used by the bundle tests, needs one).
unpack_root() {
  remove_root || die "cannot clean the stale root $root"
  mkdir -p "$root"
  touch "$root/$marker"
  tar --numeric-owner -C "$root" -xf "$pristine"
  bind "$root" "$root"
}

# bind SRC DEST: a private bind mount, so nothing mounted under DEST
# propagates back to SRC (with shared propagation, a tmpfs on the root's
# /dev/shm would otherwise cover the machine's).
bind() {
  mount --bind "$1" "$2"
  mount --make-private "$2"
}

# Rust toolchain: rustup's home and cargo's bin dir, or the dir holding cargo.
rustup_home=$(rustup show home 2>/dev/null || true)
cargo_bin=$(command -v cargo) || die "cargo not found on PATH"
cargo_bin=$(dirname "$cargo_bin")
if [ -z "$rustup_home" ] || [ ! -d "$rustup_home" ]; then
  rustup_home=
  cargo_bin=$(dirname "$(readlink -f "$cargo_bin/cargo")")
fi

# bind_ro SRC DEST: SRC bind-mounted read-only at DEST inside the root.
bind_ro() {
  mkdir -p "$root$2"
  bind "$1" "$root$2"
  mount -o remount,bind,ro "$root$2"
}

# mount_all: what the runs need inside the root.
mount_all() {
  mount -t proc proc "$root/proc"
  bind_ro /sys /sys
  # /dev: the machine's (the harness boots qemu, which needs /dev/null,
  # /dev/urandom, ptys for script(1), and /dev/shm).
  bind /dev "$root/dev"
  bind /dev/pts "$root/dev/pts"
  [ -d /dev/shm ] && mount -t tmpfs -o mode=1777 shm "$root/dev/shm"
  chmod 1777 "$root/tmp"
  if [ -n "$rustup_home" ]; then bind_ro "$rustup_home" /opt/rustup; fi
  bind_ro "$cargo_bin" /opt/cargo-bin
  [ -z "$nixpkgs" ] || bind_ro "$nixpkgs" /opt/nixpkgs
  # The machine's network setup: its resolver, and its TLS trust (a machine
  # behind an intercepting proxy trusts the proxy's CA; a new one would too).
  cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
  [ ! -f /etc/ssl/certs/ca-certificates.crt ] || cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
}

# clone: HEAD of this repository, fresh, at /root/compat in the root.
head=$(git -C "$repo" rev-parse HEAD)
clone() {
  git clone -q --no-checkout --no-hardlinks "$repo" "$root/root/compat"
  git -C "$root/root/compat" checkout -q --detach "$head"
}

# run_ci LABEL [NIXPKGS]: .ci/run in the root, as CI runs it; prints its
# closing lines; returns its status.
run_ci() {
  local label=$1 with_nixpkgs=${2:-} log=$logs/run-$1.log status
  local env=(HOME=/root USER=root LANG=C.UTF-8 TERM=dumb CI=true
    PATH=/opt/cargo-bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
    CARGO_HOME=/root/.cargo)
  [ -z "$rustup_home" ] || env+=(RUSTUP_HOME=/opt/rustup)
  [ -z "$with_nixpkgs" ] || env+=(COMPAT_NIXPKGS=/opt/nixpkgs)
  # The root becomes / of a mount namespace of its own (pivot_root, not
  # chroot: Nix re-enters its mount namespace before running git, which
  # resets a chroot's root to the namespace's). In a session of its own,
  # waited for in the background: an interrupt reaches the trap at once,
  # which ends the whole run (stop_run).
  setsid unshare --mount --propagation private /bin/sh -c '
    cd "$1" && mkdir -p .host && pivot_root . .host && shift &&
      exec chroot . /bin/sh -c "umount -l /.host && rmdir /.host && exec \"\$@\"" sh "$@"' \
    sh "$root" /usr/bin/env -i "${env[@]}" /bin/bash -c 'cd /root/compat && exec bash .ci/run' >"$log" 2>&1 &
  run_pid=$!
  wait "$run_pid" && status=0 || status=$?
  run_pid=
  echo "fresh-check: $label: .ci/run exited $status (log: $log); its closing lines:"
  grep -E '^(test result:|FAIL|[0-9]+ passed, [0-9]+ failed)' "$log" | tail -n 25 | sed 's/^/  /'
  tail -n 1 "$log" | sed 's/^/  last line: /'
  return "$status"
}

# one_run LABEL [NIXPKGS]: a pristine root, mounts, clone, .ci/run.
one_run() {
  local status
  phase "$1: unpack pristine root"
  unpack_root
  phase "$1: mounts and clone"
  mount_all
  clone
  phase "$1: .ci/run"
  run_ci "$@" && status=0 || status=$?
  phase ""
  return "$status"
}

# The whole run is in main, and "main; exit" is one line: bash has parsed
# everything it runs before the run starts, so editing this file during a
# run (a checkout changing under it) cannot change what the run does.
main() {
  total=$SECONDS
  if ! git -C "$repo" diff --quiet HEAD 2>/dev/null; then
    echo "fresh-check: uncommitted changes are not part of the check (it runs HEAD $head)" >&2
  fi
  phase "pristine root ($pristine)"
  make_pristine
  if [ -n "$nixpkgs" ]; then label=nixpkgs; else label=plain; fi
  one_run "$label" "$nixpkgs" && status=0 || status=$?
  echo "fresh-check: total $((SECONDS - total)) s"
  if [ "$status" -ne 0 ]; then
    echo "fresh-check: FAILED ($label): .ci/run exited $status"
    exit 1
  fi
  echo "fresh-check: ok ($label)"
}
main; exit

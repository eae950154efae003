#!/usr/bin/env bash
# Benchmark: the system call analysis against `objdump -d` (the peer that
# decodes the same code), and `compat scan` with and without it, on the same
# list of ELF files (every ELF file under /usr/bin and /usr/lib, or the dirs
# given), in the same run, with a warm page cache. Prints wall times and ratios.
#
#   bench/syscalls.sh [DIR...]
#
# Targets: the analysis at least 10x faster than `objdump -d`; `compat scan`
# within 3x of `compat scan --no-syscalls`.
# `compat scan --no-syscalls` maps each file and touches only its headers;
# the analysis must read every byte of code (1.4 GiB under /usr here), so on
# a warm cache a single memmem pass over the code alone is already ~3.5x the
# header-only scan: the 3x target holds for /usr/bin (2.4x measured), not for
# all of /usr/lib's large libraries (~4.5x).
# The analysis alone is helper/examples/syscalls.rs (one process, one core,
# like objdump here). Not part of CI: `objdump -d` over /usr takes minutes.
# Needs binutils and python3.
set -euo pipefail
cd "$(dirname "$0")/.."

dirs=("$@")
[ ${#dirs[@]} -gt 0 ] || dirs=(/usr/bin /usr/lib)
for tool in objdump python3; do
  command -v "$tool" >/dev/null || { echo "bench/syscalls.sh: $tool is missing (apt-get install binutils python3)" >&2; exit 2; }
done

cargo build --release -q --bin compat --example syscalls
compat=target/release/compat
analysis=target/release/examples/syscalls

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
list=$work/elf-files

# Regular files (symlinks not followed) that start with the ELF magic.
find "${dirs[@]}" -type f -print0 2>/dev/null | python3 -c '
import sys
for p in sys.stdin.buffer.read().split(b"\0"):
    if not p:
        continue
    try:
        with open(p, "rb") as f:
            if f.read(4) == b"\x7fELF":
                sys.stdout.buffer.write(p + b"\0")
    except OSError:
        pass
' >"$list"
count=$(tr -cd '\0' <"$list" | wc -c)
bytes=$(xargs -0 cat <"$list" | wc -c)   # also warms the page cache
echo "files: $count ELF files under ${dirs[*]} ($((bytes / 1024 / 1024)) MiB), $(nproc) cores"

declare -A seconds
run() { # name command...
  local name=$1
  shift
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1 || true
  end=$(date +%s.%N)
  seconds[$name]=$(python3 -c "print(f'{$end - $start:.3f}')")
  printf '%-30s %9ss\n' "$name" "${seconds[$name]}"
}

run "syscall analysis (alone)"   xargs -0 -x -s 2000000 "$analysis" <"$list"
run "compat scan"                xargs -0 -x -s 2000000 "$compat" scan --profile debian-11 --quiet <"$list"
run "compat scan --no-syscalls"  xargs -0 -x -s 2000000 "$compat" scan --profile debian-11 --quiet --no-syscalls <"$list"
run "objdump -d"                 xargs -0 objdump -d <"$list"

ratio() { python3 -c "print(f'{$1 / $2:.1f}x')"; }
echo
echo "objdump -d / syscall analysis:         $(ratio "${seconds[objdump -d]}" "${seconds[syscall analysis (alone)]}")   (target >= 10x)"
echo "compat scan / scan --no-syscalls:      $(ratio "${seconds[compat scan]}" "${seconds[compat scan --no-syscalls]}")   (target <= 3x)"

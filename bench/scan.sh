#!/usr/bin/env bash
# Benchmark: `compat scan` against peer tools on the same list of ELF files
# (every ELF file under /usr/bin and /usr/lib, or the dirs given), in the
# same run, with a warm page cache. Prints wall times and ratios.
#
#   bench/scan.sh [DIR...]
#
# Peers: `readelf -V --wide` and `objdump -T` (binutils) through xargs, and
# `scanelf` (pax-utils: NEEDED, interpreter, RPATH, SONAME; it reads less).
# Targets: compat at least 10x faster than the readelf loop, within 2x of scanelf.
# Not part of CI: it is heavy. Needs binutils, pax-utils, python3.
set -euo pipefail
cd "$(dirname "$0")/.."

dirs=("$@")
[ ${#dirs[@]} -gt 0 ] || dirs=(/usr/bin /usr/lib)
for tool in readelf objdump scanelf python3; do
  command -v "$tool" >/dev/null || { echo "bench/scan.sh: $tool is missing (apt-get install binutils pax-utils python3)" >&2; exit 2; }
done

cargo build --release -q
compat=target/release/compat

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
  printf '%-28s %8ss\n' "$name" "${seconds[$name]}"
}

# compat reads the list itself (one process, all cores); peers go through xargs.
run "compat scan"                xargs -0 -x -s 2000000 "$compat" scan --profile debian-11 --quiet <"$list"
run "compat scan --no-syscalls"  xargs -0 -x -s 2000000 "$compat" scan --profile debian-11 --quiet --no-syscalls <"$list"
run "readelf -V --wide"          xargs -0 readelf -V --wide <"$list"
run "objdump -T"                 xargs -0 objdump -T <"$list"
run "scanelf"                    xargs -0 scanelf -q -B -F '%F %n %i %r %S' <"$list"

ratio() { python3 -c "print(f'{$1 / $2:.1f}x')"; }
echo
echo "readelf / compat scan:               $(ratio "${seconds[readelf -V --wide]}" "${seconds[compat scan]}")   (target >= 10x)"
echo "readelf / compat scan --no-syscalls: $(ratio "${seconds[readelf -V --wide]}" "${seconds[compat scan --no-syscalls]}")"
echo "objdump / compat scan:               $(ratio "${seconds[objdump -T]}" "${seconds[compat scan]}")"
echo "compat scan / scanelf:               $(ratio "${seconds[compat scan]}" "${seconds[scanelf]}")   (target <= 2x)"
echo "compat scan --no-syscalls / scanelf: $(ratio "${seconds[compat scan --no-syscalls]}" "${seconds[scanelf]}")"

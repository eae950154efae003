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
source bench/lib.sh

dirs=("$@")
[ ${#dirs[@]} -gt 0 ] || dirs=(/usr/bin /usr/lib)
for tool in readelf objdump scanelf python3; do
  command -v "$tool" >/dev/null || { echo "bench/scan.sh: $tool is missing (apt-get install binutils pax-utils python3)" >&2; exit 2; }
done

cargo build --release -q
compat=target/release/compat

bench_elf_list "${dirs[@]}"

# compat reads the list itself (one process, all cores); peers go through xargs.
bench_time "compat scan"                xargs -0 -x -s 2000000 "$compat" scan --profile debian-11 --quiet <"$list"
bench_time "compat scan --no-syscalls"  xargs -0 -x -s 2000000 "$compat" scan --profile debian-11 --quiet --no-syscalls <"$list"
bench_time "readelf -V --wide"          xargs -0 readelf -V --wide <"$list"
bench_time "objdump -T"                 xargs -0 objdump -T <"$list"
bench_time "scanelf"                    xargs -0 scanelf -q -B -F '%F %n %i %r %S' <"$list"

echo
echo "readelf / compat scan:               $(bench_ratio "${seconds[readelf -V --wide]}" "${seconds[compat scan]}")   (target >= 10x)"
echo "readelf / compat scan --no-syscalls: $(bench_ratio "${seconds[readelf -V --wide]}" "${seconds[compat scan --no-syscalls]}")"
echo "objdump / compat scan:               $(bench_ratio "${seconds[objdump -T]}" "${seconds[compat scan]}")"
echo "compat scan / scanelf:               $(bench_ratio "${seconds[compat scan]}" "${seconds[scanelf]}")   (target <= 2x)"
echo "compat scan --no-syscalls / scanelf: $(bench_ratio "${seconds[compat scan --no-syscalls]}" "${seconds[scanelf]}")"

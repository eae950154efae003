# Sourced by the benchmarks in bench/ (bash only): the list of ELF files they
# all measure, and timing a command on it.
#
#   source bench/lib.sh
#   bench_elf_list DIR...            # sets $list; prints the "files:" line
#   bench_time "NAME" COMMAND...     # sets seconds[NAME]; prints a row (format: $bench_row)
#   bench_ratio "${seconds[A]}" "${seconds[B]}"

# A row of bench_time: name and seconds (a benchmark may widen the columns).
bench_row='%-28s %8ss\n'
declare -A seconds

# bench_elf_list DIR...: writes to $list (in a temp dir removed on exit) the
# regular files (symlinks not followed) under DIR... that start with the ELF
# magic, NUL-separated; reads them all once, which also warms the page cache,
# and prints how many there are.
bench_elf_list() {
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  list=$work/elf-files
  find "$@" -type f -print0 2>/dev/null | python3 -c '
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
  local count bytes
  count=$(tr -cd '\0' <"$list" | wc -c)
  bytes=$(xargs -0 cat <"$list" | wc -c)
  echo "files: $count ELF files under $* ($((bytes / 1024 / 1024)) MiB), $(nproc) cores"
}

# bench_time NAME COMMAND...: runs COMMAND (output discarded, failure
# ignored), keeps its wall time in seconds[NAME] and prints it.
bench_time() {
  local name=$1
  shift
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1 || true
  end=$(date +%s.%N)
  seconds[$name]=$(python3 -c "print(f'{$end - $start:.3f}')")
  # shellcheck disable=SC2059 # the format is bench_row
  printf "$bench_row" "$name" "${seconds[$name]}"
}

# bench_ratio A B: A / B to one decimal, as "N.Nx".
bench_ratio() { python3 -c "print(f'{$1 / $2:.1f}x')"; }

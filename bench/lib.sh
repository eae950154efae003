# Sourced by the benchmarks in bench/ (bash only): the list of ELF files they
# all measure, and timing a command on it.
#
#   source bench/lib.sh
#   bench_elf_list DIR...            # sets $list; prints the "files:" line
#   bench_time "NAME" COMMAND...     # sets seconds[NAME], peak[NAME]; prints a row (format: $bench_row_format)
#   bench_rounds ROUNDS FUNCTION     # FUNCTION's bench_time calls taken in turn, ROUNDS times; then the rows
#   bench_ratio "${seconds[A]}" "${seconds[B]}"

# A row of bench_time: name, seconds and peak MiB (a benchmark may widen the columns).
bench_row_format='%-40s %8ss %6s MiB\n'
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
  files_count=$count
  echo "files: $count ELF files under $* ($((bytes / 1024 / 1024)) MiB), $(nproc) cores"
}

# bench_time NAME COMMAND...: runs COMMAND $bench_runs times (default 3;
# output discarded, failure ignored), keeps the best wall time in seconds
# in seconds[NAME] and the peak resident memory of that run in MiB in
# peak[NAME] (when GNU time is at /usr/bin/time), and prints them. The
# machines this runs on are shared: the best of a few runs is the figure
# least disturbed by other jobs. Called again for the same NAME, it keeps
# the better figure of the two (see bench_rounds).
bench_runs=${bench_runs:-3}
declare -A peak
bench_order=()
bench_time() {
  local name=$1
  shift
  local start end best="" best_peak="" t p run input=$work/stdin
  # Every run reads the same standard input (the list, for xargs).
  cat >"$input"
  for run in $(seq "$bench_runs"); do
    start=$(date +%s.%N)
    if [ -x /usr/bin/time ]; then
      /usr/bin/time -f %M -o "$work/peak" "$@" <"$input" >/dev/null 2>&1 || true
      p=$(tail -1 "$work/peak" 2>/dev/null)
    else
      "$@" <"$input" >/dev/null 2>&1 || true
      p=""
    fi
    end=$(date +%s.%N)
    t=$(python3 -c "print(f'{$end - $start:.3f}')")
    if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $t < $best else 1)"; then
      best=$t best_peak=$p
    fi
  done
  best_peak=$([ -n "$best_peak" ] && [ "$best_peak" -eq "$best_peak" ] 2>/dev/null && echo $((best_peak / 1024)) || echo "?")
  if [ -z "${seconds[$name]:-}" ]; then
    bench_order+=("$name")
  fi
  if [ -z "${seconds[$name]:-}" ] || python3 -c "import sys; sys.exit(0 if $best < ${seconds[$name]} else 1)"; then
    seconds[$name]=$best
    peak[$name]=$best_peak
  fi
  [ -n "${bench_deferred:-}" ] || bench_row "$name"
}

# bench_row NAME: prints the row of a measured NAME.
bench_row() {
  # shellcheck disable=SC2059 # the format is bench_row_format
  printf "$bench_row_format" "$1" "${seconds[$1]}" "${peak[$1]}"
}

# bench_rounds ROUNDS FUNCTION: calls FUNCTION (a list of bench_time calls)
# ROUNDS times, each command once a round, and then prints every row with
# its best round. The machines drift by a fifth or more from minute to
# minute: taking the commands in turn gives each the same minutes, so
# ratios between them are not the drift's.
bench_rounds() {
  local rounds=$1 function=$2 saved=$bench_runs name
  bench_runs=1 bench_deferred=1
  for _ in $(seq "$rounds"); do
    "$function"
  done
  bench_runs=$saved bench_deferred=""
  for name in "${bench_order[@]}"; do
    bench_row "$name"
  done
}

# bench_ratio A B: A / B to one decimal, as "N.Nx"; B may be 0.
bench_ratio() { python3 -c "print(f'{$1 / max($2, 0.001):.1f}x')"; }

# bench_rate N SECONDS: N / SECONDS as a whole number.
bench_rate() { python3 -c "print(round($1 / max($2, 0.001)))"; }

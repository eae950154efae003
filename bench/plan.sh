#!/usr/bin/env bash
# Times `compat plan` of a package in a nixpkgs tree against doing the same
# by hand with Nix's own tools in the same run (nix-instantiate, then
# nix-store -q --requisites), and prints the ratio. Target: bash under 2 s.
#
#   COMPAT_NIXPKGS=/path/to/nixpkgs bench/plan.sh [ATTR] [RUNS]
#
# COMPAT_BIN picks the compat binary (default: target/release/compat, built when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

tree=${COMPAT_NIXPKGS:?set COMPAT_NIXPKGS to a nixpkgs tree}
attr=${1:-bash}
runs=${2:-5}
bin=${COMPAT_BIN:-target/release/compat}
[ -x "$bin" ] || cargo build --release --quiet
export NIX_CONFIG=${NIX_CONFIG:-$'sandbox = false\nsubstituters ='}

now() { date +%s.%N; }
best() { sort -n | head -1; }

peer_times=() compat_times=()
for _ in $(seq "$runs"); do
  t0=$(now)
  drv=$(nix-instantiate "$tree" --attr "$attr" 2>/dev/null)
  nix-store --query --requisites "$drv" >/dev/null
  t1=$(now)
  "$bin" plan --nixpkgs "$tree" "$attr" --profile debian-10 --json >/dev/null
  t2=$(now)
  peer_times+=("$(awk "BEGIN { print $t1 - $t0 }")")
  compat_times+=("$(awk "BEGIN { print $t2 - $t1 }")")
done
peer=$(printf '%s\n' "${peer_times[@]}" | best)
ours=$(printf '%s\n' "${compat_times[@]}" | best)
printf 'plan %s, best of %d runs\n' "$attr" "$runs"
printf '  nix-instantiate + nix-store -q --requisites: %.2f s\n' "$peer"
printf '  compat plan (same two calls + reading the .drv files + rules): %.2f s\n' "$ours"
awk -v a="$ours" -v b="$peer" 'BEGIN { printf "  ratio compat/peer: %.2f\n", a / b }'

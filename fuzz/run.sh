#!/usr/bin/env bash
# Fuzzes compat's ELF parser path (fuzz_targets/elf_parse.rs) with cargo-fuzz
# and libFuzzer for SECONDS (default 300). Not part of CI.
#
#   fuzz/run.sh [SECONDS]
#
# cargo-fuzz wants nightly flags; on a stable toolchain RUSTC_BOOTSTRAP=1
# enables them. The corpus is seeded with small ELF files of this machine.
# Crashes land in fuzz/artifacts/elf_parse/ (rerun one with
# `cargo fuzz run elf_parse FILE`).
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-300}

command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

corpus=corpus/elf_parse
mkdir -p "$corpus"
if [ -z "$(ls -A "$corpus")" ]; then
  find /usr/bin /usr/lib -maxdepth 2 -type f -size -200k 2>/dev/null | head -2000 | while read -r f; do
    [ "$(head -c4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] && cp "$f" "$corpus/$(basename "$f")"
  done || true
  echo "fuzz/run.sh: seeded $(ls "$corpus" | wc -l) ELF files" >&2
fi

export RUSTC_BOOTSTRAP=1
exec cargo fuzz run --release elf_parse "$corpus" -- \
  -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=262144 -timeout=10

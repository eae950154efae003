#!/usr/bin/env bash
# A signed binary cache, proven offline: what one store built is signed with
# a key made by `nix key generate-secret`, copied to a file:// cache, and
# substituted into a second, empty store with nothing built (--max-jobs 0)
# -- only while the cache's public key is trusted and its files untouched.
# `compat plan --cache` against that cache must count what Nix's dry run
# counts (COMPAT_BIN names the compat binary; default target/debug/compat).
# README's "Sharing builds" section shows the same setup for a team.
#
#   tests/cache/signed-cache.sh
#
# The closure is compat's real-build ladder (glibc 2.31 and GNU hello on it)
# when scripts/real-build.sh has built it (COMPAT_NIXPKGS set), else two small
# derivations made here. Prints "ok"/"FAIL" lines and "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
export NIX_CONFIG=$'sandbox = false\nsubstituters =\nbuild-users-group =\nexperimental-features = nix-command flakes'
export NIX_PATH=

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok   cache: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL cache: $*"; }

work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

# 1. What to share.
if [ -n "${COMPAT_NIXPKGS:-}" ] && paths=$(scripts/real-build.sh --json 2>"$work/real-build.err"); then
  top=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["programs"]["hello"])' "$paths")
  what="the real-build ladder's hello on glibc 2.31"
  # The same arguments real-build.sh gives ladder.nix (its files and sources directories).
  cache_root=${COMPAT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/compat}
  top_expr="(import $PWD/tests/real-build/ladder.nix { nixpkgs = $COMPAT_NIXPKGS; files = $cache_root/debian-bootstrap-files-trixie; sources = $cache_root/real-build/sources; }).programs.hello"
else
  busybox=$(command -v busybox || echo /bin/busybox)
  cat >"$work/small.nix" <<EOF
let
  sh = builtins.path { path = $(dirname "$busybox"); name = "busybox-dir"; filter = p: t: baseNameOf p == "busybox"; };
  mk = name: script: derivation {
    inherit name;
    system = builtins.currentSystem;
    builder = "\${sh}/busybox";
    args = [ "sh" "-c" script ];
    PATH = "\${sh}";
  };
  dep = mk "compat-cache-dep" "busybox mkdir \$out && busybox echo dependency > \$out/data";
in
mk "compat-cache-top" "busybox mkdir \$out && busybox echo \${dep}/data > \$out/ref"
EOF
  top=$(nix-build --no-out-link "$work/small.nix" 2>"$work/build.err") || { fail "building the small derivations: $(cat "$work/build.err")"; top=; }
  what="two small derivations"
  top_expr="import $work/small.nix"
fi
[ -n "$top" ] || { echo "cache: $passed passed, $failed failed"; exit 1; }
closure=$(nix-store -qR "$top")
count=$(wc -l <<<"$closure")
echo "     sharing $what: $count store paths"

# 2. Sign and publish.
nix key generate-secret --key-name compat-test-1 >"$work/secret"
nix key convert-secret-to-public <"$work/secret" >"$work/public"
nix key generate-secret --key-name compat-test-other | nix key convert-secret-to-public >"$work/other-public"
cache="file://$work/cache?compression=none"
if nix store sign --key-file "$work/secret" --recursive "$top" 2>"$work/sign.err" &&
  nix copy --to "$cache" "$top" 2>"$work/copy.err"; then
  pass "signed with a generated key and copied to a file:// cache ($(ls "$work/cache"/*.narinfo | wc -l) narinfo files)"
else
  fail "sign/copy: $(cat "$work/sign.err" "$work/copy.err")"
fi
grep -q "^Sig: compat-test-1:" "$work/cache/$(basename "$top" | cut -d- -f1).narinfo" &&
  pass "the narinfo carries the signature" || fail "no compat-test-1 signature in the narinfo"

# substitute STORE KEY: realise the closure's top in a new local store from
# the cache only, building nothing.
substitute() {
  nix-store --store "$work/$1" --realise "$top" --max-jobs 0 \
    --option substituters "$cache" --option trusted-public-keys "$(cat "$2")" >"$work/$1.out" 2>&1
}

# 3. A second, empty store gets everything from the cache.
if substitute store-trusted "$work/public"; then
  got=$(nix-store --store "$work/store-trusted" -qR "$top" 2>/dev/null | wc -l)
  if [ "$got" = "$count" ] && nix-store --store "$work/store-trusted" --verify-path $closure 2>/dev/null; then
    pass "an empty store substitutes all $count paths with --max-jobs 0 and verifies them"
  else
    fail "the second store has $got of $count paths, or they do not verify"
  fi
else
  fail "substitution with the trusted key: $(tail -n 5 "$work/store-trusted.out")"
fi

# 4. The same with another key trusted: refused.
if substitute store-untrusted "$work/other-public"; then
  fail "substituted although the cache's key is not trusted"
else
  pass "refused when the cache's key is not trusted ($(grep -o 'lacks a valid signature\|cannot build\|not signed' "$work/store-untrusted.out" | head -n 1))"
fi

# 5. compat plan --cache against this cache, in a new empty store (--store):
# its counts must be Nix's own (nix-store --realise --dry-run with the cache
# as the only substituter). Once with the whole cache, once with the top's
# narinfo left out (a hard-linked copy), so the top and what builds it must
# be built.
compat=${COMPAT_BIN:-target/debug/compat}
[ -x "$compat" ] || cargo build --quiet 2>"$work/cargo.err" || fail "building compat: $(tail -n 3 "$work/cargo.err")"
printf '{ }: { top = %s; }\n' "$top_expr" >"$work/plan.nix"
# dry_counts STORE DRV CACHE: "BUILD FETCH" as nix-store --realise --dry-run lists them.
dry_counts() {
  nix-store --store "$1" --realise --dry-run "$2" --option substituters "$3" 2>&1 | awk '
    /will be built/ { s = "b"; next } /will be fetched/ { s = "f"; next } /^  / { n[s]++; next } { s = "" }
    END { printf "%d %d\n", n["b"], n["f"] }'
}
# plan_check LABEL CACHE: compat plan vs Nix in a fresh store.
plan_check() {
  local store="$work/plan-store-$1" start=$SECONDS json drv mine theirs
  if json=$("$compat" plan --store "$store" -f "$work/plan.nix" top --cache "$2" --json 2>"$work/plan-$1.err"); then
    drv=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["drvPath"])' <<<"$json")
    mine=$(python3 -c 'import json, sys; a = json.load(sys.stdin)["availability"]; print(a["build"], a["fetch"])' <<<"$json")
    theirs=$(dry_counts "$store" "$drv" "$2")
    if [ "$mine" = "$theirs" ]; then
      pass "compat plan --cache ($1): $mine (build, fetch), as nix-store --realise --dry-run says; $((SECONDS - start)) s"
    else
      fail "compat plan --cache ($1) says $mine (build, fetch), nix-store --realise --dry-run $theirs"
    fi
  else
    fail "compat plan --cache ($1): $(tail -n 5 "$work/plan-$1.err")"
  fi
}
plan_check "whole cache" "$cache"
cp -al "$work/cache" "$work/cache-without-top"
rm -f "$work/cache-without-top/$(basename "$top" | cut -d- -f1).narinfo"
plan_check "top left out" "file://$work/cache-without-top?compression=none"

# 6. A tampered entry: one byte of a file's contents inside the top's NAR
# changed (the archive stays well-formed). Refused.
nar=$(sed -n 's/^URL: //p' "$work/cache/$(basename "$top" | cut -d- -f1).narinfo")
chmod -R u+w "$work/cache"
python3 - "$work/cache/$nar" <<'PY'
import sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
# A NAR file entry: the string "contents" (length-prefixed), its size, its bytes.
at = data.rindex(b"contents") + len(b"contents") + 8
data[at] ^= 0x20
open(path, "wb").write(data)
PY
if substitute store-tampered "$work/public"; then
  fail "substituted a tampered NAR"
else
  pass "refused a tampered NAR: $(grep -o "hash mismatch[^;]*\|NAR hash[^;]*\|error: .*" "$work/store-tampered.out" | head -n 1)"
fi

echo "cache: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

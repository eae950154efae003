#!/usr/bin/env bash
# Tests of compat's Nix side. Prints "N passed, N failed" and exits non-zero
# on any failure.
#
#   tests/nix/run.sh
#
# 1. Pure lib tests (tests/nix/lib-tests.nix), the one-way layering of lib/
#    over overlays/, and the error messages of bad input (unknown
#    glibc/kernel/profile, broken profile files).
# 2. With COMPAT_NIXPKGS (a nixpkgs-derived tree, e.g. auxolotl/core): the
#    flake's outputs evaluated against that tree, and the derivation graphs of
#    bash, coreutils and openssl in every set, for both strategies. Skipped,
#    with a message, when COMPAT_NIXPKGS is unset.
# 3. The glibc patches against real glibc sources (tests/nix/glibc-patches.sh),
#    when it exists.
set -uo pipefail
cd "$(dirname "$0")/../.."
# No build users: as root, Nix would use the group nixbld, which a machine
# without nix-setup-systemd lacks (a fresh store then warns on stderr, where
# it spoils the JSON read from 2>&1).
export NIX_CONFIG=$'sandbox = false\nbuild-users-group =\nsubstituters =\nexperimental-features = nix-command flakes'
export NIX_PATH=

passed=0
failed=0
# Nix's stderr (traces, warnings) goes here, apart from the JSON on stdout.
errs=$(mktemp)
trap 'rm -f "$errs"' EXIT
pass() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }

# --- 1. pure lib tests -------------------------------------------------------
if out=$(nix-instantiate --eval --strict --json tests/nix/lib-tests.nix 2>"$errs"); then
  while IFS=$'\t' read -r ok name detail; do
    if [ "$ok" = true ]; then pass "lib: $name"; else fail "lib: $name: $detail"; fi
  done < <(python3 -c '
import json, sys
for r in json.loads(sys.argv[1]):
    print("true" if r["ok"] else "false", r["name"], "got %s, expected %s" % (json.dumps(r["got"]), json.dumps(r["expected"])), sep="\t")
' "$out")
else
  fail "lib: tests/nix/lib-tests.nix does not evaluate: $(cat "$errs")"
fi

# One-way layers: lib/ publishes and applies the overlays, so nothing under
# overlays/ names a path outside it (the version table it reads is its own
# supported.nix), and lib/ reaches only down, into overlays/ and profiles/.
# Comment lines are left out; each hit is reported as file:line:text.
code_lines() { grep -rnE --include='*.nix' "$1" "$2" | grep -vE '^[^:]+:[0-9]+:[[:space:]]*#'; }
if up=$(code_lines '\.\./' overlays); then
  fail "layers: overlays/ names paths outside itself: $up"
else
  pass "layers: nothing under overlays/ names a path outside it"
fi
if up=$(code_lines '\.\./' lib | grep -E '\.\./' | grep -vE '\.\./(overlays|profiles)([/,;) ]|$)'); then
  fail "layers: lib/ names paths other than ../overlays and ../profiles: $up"
else
  pass "layers: lib/ reaches only into overlays/ and profiles/"
fi

# expect_error NAME EXPR SUBSTRING...: EXPR must fail, its message holding each SUBSTRING.
expect_error() {
  local name=$1 expr=$2 msg
  shift 2
  if msg=$(nix-instantiate --eval --strict --read-write-mode -E "$expr" 2>&1); then
    fail "error: $name: evaluated instead of failing: $msg"
    return
  fi
  for want in "$@"; do
    if ! grep -qF -- "$want" <<<"$msg"; then
      fail "error: $name: message lacks '$want': $msg"
      return
    fi
  done
  pass "error: $name"
}
lib='import ./lib { }'
expect_error "unknown glibc lists supported ones" "($lib).resolveTarget { glibc = \"2.17\"; }" \
  'unsupported glibc version "2.17"' 'supported: 2.28, 2.31, 2.35'
expect_error "glibc given as a number" "($lib).resolveTarget { glibc = 2.31; }" \
  'unsupported glibc version of type float' 'supported: 2.28, 2.31, 2.35'
expect_error "unknown kernel lists supported ones" "($lib).resolveTarget { glibc = \"2.31\"; kernel = \"3.10\"; }" \
  'unsupported kernel version "3.10"' 'supported: 4.18, 4.19, 5.4, 5.10, 5.15'
expect_error "unknown profile lists known ones" "($lib).resolveTarget { profile = \"solaris-2\"; }" \
  'unknown profile "solaris-2"' 'known profiles:' 'debian-11'
expect_error "no target asked for" "($lib).resolveTarget { }" 'say which target'
expect_error "profile with wrong name" "(import ./lib/readProfiles.nix ./tests/nix/fixtures/profiles-bad).wrong-name" \
  'wrong-name.json' 'differs from the file name'
expect_error "profile without kernel" "(import ./lib/readProfiles.nix ./tests/nix/fixtures/profiles-bad).no-kernel" \
  'no-kernel.json' 'missing or non-string field(s): kernel'
expect_error "unknown strategy" "(import ./lib { nixpkgs = /nonexistent; }).mkCompatPkgs { system = \"x86_64-linux\"; glibc = \"2.31\"; strategy = \"fast\"; }" \
  'unknown strategy "fast"' 'bootstrap, leaf'
fakeSet="(import ./lib { nixpkgs = ./tests/nix/fixtures/fake-nixpkgs; }).mkCompatPkgs { system = \"x86_64-linux\"; glibc = \"2.31\";"
expect_error "a sub-set for another system is refused" \
  "($fakeSet }).stdenvStages { localSystem = { system = \"i686-linux\"; config = \"i686-unknown-linux-gnu\"; libc = \"glibc\"; }; }" \
  'a package set for i686-linux (such as pkgsi686Linux)' 'is not a compat set' 'mkCompatPkgs { system = "i686-linux"'
expect_error "config.replaceStdenv is refused" "($fakeSet config.replaceStdenv = x: x; }).stdenvStages" \
  'config.replaceStdenv' 'pass your changes as overlays'
expect_error "no bootstrap files for the system" "($lib).bootstrapFilesFor { system = \"riscv64-linux\"; glibc = \"2.31\"; bootstrapFiles = null; }" \
  'no bootstrap files with a glibc not newer than 2.31 are known for riscv64-linux'
expect_error "Debian 11's bootstrap files refused for glibc 2.28" \
  "($lib).bootstrapFilesFor { system = \"x86_64-linux\"; glibc = \"2.28\"; bootstrapFiles = \"debian-11\"; }" \
  'bootstrapFiles = "debian-11" carry glibc 2.31, newer than the target'"'"'s 2.28'
expect_error "unknown bootstrap files named" \
  "($lib).bootstrapFilesFor { system = \"x86_64-linux\"; glibc = \"2.31\"; bootstrapFiles = \"debian-12\"; }" \
  'bootstrapFiles must be null (the default), "debian-11", "nixpkgs-2020", "nixpkgs" or' 'got "debian-12"'
expect_error "bootstrapFiles refused with the leaf strategy" \
  "($fakeSet strategy = \"leaf\"; bootstrapFiles = \"debian-11\"; }).stdenvStages" \
  'bootstrapFiles is for strategy = "bootstrap" only'

# expect_trace NAME EXPR SUBSTRING...: EXPR evaluates, and Nix's stderr (its
# traces) holds each SUBSTRING.
expect_trace() {
  local name=$1 expr=$2 msg
  shift 2
  if ! nix-instantiate --eval --strict -E "$expr" >/dev/null 2>"$errs"; then
    fail "trace: $name: does not evaluate: $(cat "$errs")"
    return
  fi
  msg=$(cat "$errs")
  for want in "$@"; do
    if ! grep -qF -- "$want" <<<"$msg"; then
      fail "trace: $name: stderr lacks '$want': $msg"
      return
    fi
  done
  pass "trace: $name"
}
# Evaluating a set's stdenv stages says which bootstrap files it starts
# from and what is proven for them (the fake tree's stages are its arguments).
stagesOf() { echo "builtins.length (($fakeBase glibc = \"$1\"; }).stdenvStages { localSystem = { system = \"x86_64-linux\"; config = \"x86_64-unknown-linux-gnu\"; libc = \"glibc\"; }; })"; }
fakeBase="(import ./lib { nixpkgs = ./tests/nix/fixtures/fake-nixpkgs; }).mkCompatPkgs { system = \"x86_64-linux\";"
expect_trace "glibc 2.31 starts from Debian 11's files, saying what is proven" "$(stagesOf 2.31)" \
  'trace: compat: glibc 2.31 on x86_64-linux, strategy "bootstrap": bootstrap files "debian-11" (the default: the best proven)' \
  "Proven here: nixpkgs' bootstrap-stage1 built from them compiles, links and runs a C program against glibc 2.31" \
  'the later stages are not proven' \
  'nix-store --add-fixed sha256 ./boot/bootstrap-tools.tar.xz' 'nix-store --add-fixed --recursive sha256 ./boot/busybox'
expect_trace "glibc 2.28 starts from the 2020 tarball, saying nothing is proven" "$(stagesOf 2.28)" \
  'trace: compat: glibc 2.28 on x86_64-linux, strategy "bootstrap": bootstrap files "nixpkgs-2020" (the default: the only known files whose glibc (2.27) is not newer than 2.28)' \
  'Proven here: nothing: no stage of current nixpkgs has been built from it here'

# --- 2. against a real nixpkgs tree -------------------------------------------
if [ -z "${COMPAT_NIXPKGS:-}" ]; then
  echo "SKIP nixpkgs evaluation tests: COMPAT_NIXPKGS is unset (point it at a nixpkgs-derived tree, e.g. a checkout of github:auxolotl/core)"
else
  tree=$COMPAT_NIXPKGS
  # The flake's outputs function, called with the tree as its nixpkgs input.
  # The tree stands in for the flake input: its path and its lib, which a
  # flake input exposes as an output.
  flake="(import ./flake.nix).outputs { self = { outPath = ./.; }; nixpkgs = { outPath = \"$tree\"; lib = import \"$tree/lib\"; }; }"
  # --read-write-mode throughout: the tree imports files from paths it adds
  # to the store while evaluating; read-only (the default of --eval under
  # Nix 2.8) fails on an empty store with "path '/nix/store/...' is not valid".
  if out=$(nix-instantiate --eval --strict --json --read-write-mode -E "let f = $flake; s = f.legacyPackages.x86_64-linux.compat; in {
        sets = builtins.attrNames s;
        checks = builtins.attrNames f.checks.x86_64-linux;
        overlays = builtins.attrNames f.overlays;
        lib = f.lib ? mkCompatStdenv && f.lib ? mkCompatPkgs && f.lib ? profiles;
        app = f.apps.x86_64-linux.default.type;
        helper = f.packages.x86_64-linux.default.pname;
        stdenvLibc = (f.lib.mkCompatStdenv { system = \"x86_64-linux\"; glibc = \"2.31\"; kernel = \"5.10\"; }).cc.libc.version;
        perSystemLibc = (f.legacyPackages.x86_64-linux.lib.mkCompatStdenv { glibc = \"2.31\"; kernel = \"5.10\"; }).cc.libc.version;
        stdenvPkgs = (f.lib.mkCompatStdenv { system = \"x86_64-linux\"; profile = \"debian-11\"; }).compatPkgs.compatTarget.set;
        extended = let s = (f.legacyPackages.x86_64-linux.lib.mkCompatPkgs { glibc = \"2.31\"; }).extend (final: prev: { }); in [ (s.compatTarget.set or null) s.stdenv.cc.libc.version ];
        appended = let s = (f.legacyPackages.x86_64-linux.lib.mkCompatPkgs { profile = \"rhel-8\"; strategy = \"leaf\"; }).appendOverlays [ (final: prev: { }) ]; in [ (s.compatTarget.set or null) (s.compatTarget.strategy or null) ];
        hydra = builtins.mapAttrs (job: systems: builtins.mapAttrs (system: drv: drv.drvPath) systems) f.hydraJobs;
        scan228 = f.checks.x86_64-linux.glibc228-scan.buildCommand;
        scan235 = f.checks.x86_64-linux.glibc235-scan.buildCommand;
      }" 2>"$errs"); then
    python3 - "$out" <<'PY' && pass "flake: outputs" || fail "flake: outputs: $out"
import json, sys
o = json.loads(sys.argv[1])
for s in ["glibc228", "glibc231", "glibc235", "debian-11"]:
    assert s in o["sets"], s
for c in ["lib-tests", "glibc228-scan", "glibc231-scan", "glibc235-scan"]:
    assert c in o["checks"], c
assert o["overlays"] == ["glibc228", "glibc231", "glibc235"], o["overlays"]
assert o["lib"] and o["app"] == "app" and o["helper"] == "compat"
assert o["stdenvLibc"] == "2.31", o["stdenvLibc"]
assert o["perSystemLibc"] == "2.31", o["perSystemLibc"]
# Hydra's jobs: hydraJobs.<job>.<system>, per set its packages and its scan.
for s in ["glibc228", "glibc231", "glibc235"]:
    for job in [s + "-bash", s + "-coreutils", s + "-openssl", s + "-scan"]:
        assert list(o["hydra"][job]) == ["x86_64-linux"], (job, o["hydra"].get(job))
        assert o["hydra"][job]["x86_64-linux"].endswith(".drv"), job
assert o["hydra"]["glibc231-bash"]["x86_64-linux"] != o["hydra"]["glibc235-bash"]["x86_64-linux"]
assert o["stdenvPkgs"] == "glibc231", o["stdenvPkgs"]
# compatTarget comes from an overlay: sets made with extend/appendOverlays
# keep it (and stay compat sets).
assert o["extended"] == ["glibc231", "2.31"], o["extended"]
assert o["appended"] == ["glibc228", "leaf"], o["appended"]
# The scan checks judge each set against its matching profile.
assert "compat scan --profile debian-10 " in o["scan228"], o["scan228"]
assert "compat scan --profile ubuntu-22.04 " in o["scan235"], o["scan235"]
assert "-bash-" in o["scan228"] and "-openssl-" in o["scan235"]
PY
  else
    fail "flake: outputs do not evaluate: $(cat "$errs")"
  fi
  # Evaluating the sets printed which bootstrap files each starts from.
  if grep -qF 'trace: compat: glibc 2.31 on x86_64-linux, strategy "bootstrap": bootstrap files "debian-11" (the default: the best proven)' "$errs" &&
    grep -qF 'trace: compat: glibc 2.28 on x86_64-linux, strategy "bootstrap": bootstrap files "nixpkgs-2020"' "$errs"; then
    pass "flake: evaluation traces the bootstrap files of glibc228 and glibc231"
  else
    fail "flake: no bootstrap-files trace: $(cat "$errs")"
  fi

  # Sub-sets of a compat set made by nixpkgs itself fail with compat's message.
  for sub in pkgsi686Linux.hello pkgsStatic.hello pkgsMusl.hello pkgsCross.aarch64-multiplatform.hello; do
    expect_error "real tree: $sub of a compat set is refused" \
      "((import ./lib { nixpkgs = $tree; }).mkCompatPkgs { system = \"x86_64-linux\"; glibc = \"2.31\"; }).$sub.drvPath" \
      'inside a compat set for x86_64-linux is not a compat set'
  done

  # Nix's own schema checks of the flake, with the tree as its nixpkgs input
  # (evaluation only: building needs network). Nix 2.8's `flake check
  # --no-build` evaluates read-only, so on an empty store it cannot add the
  # paths the tree imports from; `nix eval` of the derivations first writes
  # them (and is a no-op on a store that has them).
  override=(--no-write-lock-file --override-input nixpkgs "path:$tree")
  if ! out=$(nix eval "${override[@]}" .#checks.x86_64-linux --apply 'c: builtins.mapAttrs (n: v: v.drvPath) c' 2>&1) ||
    ! out=$(nix eval "${override[@]}" .#packages.x86_64-linux --apply 'p: builtins.mapAttrs (n: v: v.drvPath) p' 2>&1); then
    fail "flake: checks and packages do not evaluate: $out"
  elif out=$(nix flake check --no-build "${override[@]}" 2>&1); then
    pass "flake: nix flake check --no-build"
  else
    fail "flake: nix flake check --no-build: $out"
  fi

  # The CLI's source is what cargo reads and no more: every file the crate
  # embeds (include_str! in helper/src, profiles/*.json through build.rs) is
  # in it, and README, tests and the Nix library are not, so editing them
  # does not rebuild the CLI.
  if src=$(nix-instantiate --eval --read-write-mode -E "let f = $flake; in \"\${f.packages.x86_64-linux.default.src}\"" 2>"$errs"); then
    src=${src//\"/}
    missing=()
    for f in Cargo.toml Cargo.lock helper/Cargo.toml helper/build.rs helper/src/main.rs profiles/*.json; do
      [ -f "$src/$f" ] || missing+=("$f")
    done
    while IFS=: read -r file rel; do
      embedded=$(realpath -m --relative-to=. "$(dirname "$file")/$rel")
      [ -f "$src/$embedded" ] || missing+=("$embedded (include_str! in $file)")
    done < <(grep -rEo 'include_(str|bytes)!\("[^"]+"\)' helper/src | sed -E 's/include_(str|bytes)!\("([^"]+)"\)/\2/')
    extra=()
    for f in README.md flake.nix lib overlays tests helper/tests profiles/README.md data/syscalls/README.md; do
      [ -e "$src/$f" ] && extra+=("$f")
    done
    if [ ${#missing[@]} -eq 0 ] && [ ${#extra[@]} -eq 0 ]; then
      pass "flake: the CLI's source holds what cargo reads and nothing else checked"
    else
      fail "flake: the CLI's source $src lacks [${missing[*]}], holds [${extra[*]}]"
    fi
  else
    fail "flake: the CLI's source does not evaluate: $(cat "$errs")"
  fi

  # Every set of legacyPackages (glibc228/231/235 and one per usable
  # profile): bash instantiates, and its libc and headers are the target's.
  if out=$(nix-instantiate --eval --strict --json --read-write-mode -E "let f = $flake; in
        builtins.mapAttrs (name: set: {
          inherit (set.compatTarget) glibc kernel;
          libc = set.stdenv.cc.libc.version;
          headers = set.linuxHeaders.version;
          bash = set.bash.drvPath;
        }) f.legacyPackages.x86_64-linux.compat" 2>"$errs"); then
    while IFS= read -r line; do
      case "$line" in
        ok*) pass "${line#ok   }" ;;
        *) fail "${line#FAIL }" ;;
      esac
    done < <(python3 - "$out" <<'PY'
import json, sys
for name, s in sorted(json.loads(sys.argv[1]).items()):
    good = s["libc"] == s["glibc"] and s["headers"] == s["kernel"] and s["bash"].endswith(".drv")
    print(("ok   " if good else "FAIL ") + f"set {name}: glibc {s['libc']}, linux-headers {s['headers']}"
          + ("" if good else f" (target {s['glibc']}/{s['kernel']})"))
PY
)
  else
    fail "sets: legacyPackages do not evaluate: $(cat "$errs")"
  fi

  for strategy in bootstrap leaf; do
    start=$(date +%s)
    # --read-write-mode: write the .drv files, so their closures can be queried.
    if ! report=$(nix-instantiate --eval --strict --json --read-write-mode tests/nix/graph.nix --arg nixpkgs "$tree" --argstr strategy "$strategy" \
      --arg packages '[ "bash" "coreutils" "openssl" "xz" ]' 2>"$errs"); then
      fail "graph/$strategy: does not evaluate: $(cat "$errs")"
      continue
    fi
    checked=$(python3 tests/nix/check-graph.py "$strategy" "$report" 2>&1)
    status=$?
    while IFS= read -r line; do
      case "$line" in
        ok*) pass "${line#ok   }" ;;
        FAIL*) fail "${line#FAIL }" ;;
      esac
    done <<<"$checked"
    [ "$status" -eq 0 ] || fail "graph/$strategy: checker failed: $checked"
    echo "     graph/$strategy: $(($(date +%s) - start)) s"
  done
  # Control: the same checks, given nixpkgs' own bash as if it were the
  # glibc231 set's, must fail (so they can).
  control=$(nix-instantiate --eval --strict --json --read-write-mode -E "
    let p = import $tree { localSystem.system = \"x86_64-linux\"; overlays = [ ]; config = { }; }; in [ {
      set = \"glibc231\"; glibc = \"2.31\"; kernel = \"5.10\";
      libcVersion = p.stdenv.cc.libc.version;
      localesVersion = p.glibcLocales.version; localesDrv = p.glibcLocales.drvPath;
      packages = [ { name = \"bash\"; drv = p.bash.drvPath; libcVersion = p.bash.stdenv.cc.libc.version; runtimeLibcVersion = null; } ];
    } ]" 2>&1)
  rejected=$(python3 tests/nix/check-graph.py bootstrap "$control" 2>&1 | grep -c '^FAIL')
  if [ "$rejected" -ge 5 ]; then
    pass "graph control: the checks reject nixpkgs' own bash ($rejected failures)"
  else
    fail "graph control: only $rejected checks failed on nixpkgs' own bash: $control"
  fi

  # compat's default bootstrap files for glibc 2.31, assembled from Debian
  # 11's binaries, are what the script makes (byte for byte: the hashes
  # pinned in lib/bootstrapFiles.nix) and seed nixpkgs' own bootstrap-stage1
  # stdenv, which builds a C program offline. Added to the store the way
  # the trace tells a user to; no bootstrapFiles passed.
  start=$(date +%s)
  files=${COMPAT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/compat}/debian-bootstrap-files
  if ! made=$(scripts/debian-bootstrap-files.sh "$files" 2>&1); then
    if [ "${CI:-}" = true ]; then
      fail "debian-bootstrap: cannot assemble bootstrap files: $made"
    else
      echo "SKIP debian-bootstrap: cannot assemble bootstrap files (Debian packages unreachable?): $(tail -n 2 <<<"$made")"
    fi
  elif ! added=$(nix-store --add-fixed sha256 "$files/bootstrap-tools.tar.xz" 2>&1 &&
    nix-store --add-fixed --recursive sha256 "$files/busybox" 2>&1); then
    fail "debian-bootstrap: cannot add the files to the store: $added"
  elif ! wanted=$(nix-instantiate --eval --strict --json -E '
      let c = (import ./lib { }).bootstrapChoice { system = "x86_64-linux"; glibc = "2.31"; bootstrapFiles = null; };
      in [ c.files.bootstrapTools.outPath (dirOf c.files.busybox) ]' 2>"$errs"); then
    fail "debian-bootstrap: the default bootstrap files do not evaluate: $(cat "$errs")"
  elif [ "$wanted" != "[\"$(head -n 1 <<<"$added")\",\"$(tail -n 1 <<<"$added")\"]" ]; then
    fail "debian-bootstrap: the script's files are not the pinned default (lib/bootstrapFiles.nix): made $(tr '\n' ' ' <<<"$added"), pinned $wanted"
  elif ! out=$(nix-build --no-out-link tests/nix/debian-bootstrap.nix --arg nixpkgs "$tree" 2>&1); then
    fail "debian-bootstrap: stage1 build failed: $(tail -n 20 <<<"$out")"
  else
    pass "debian-bootstrap: the script's files are the pinned default, byte for byte"
    result=$(tail -n 1 <<<"$out")
    prog=$result/bin/hello
    said=$("$prog" proof 2>&1) && [ "$said" = "proof: glibc 2.31" ] &&
      pass "debian-bootstrap: program built by stage1 runs on Debian 11's glibc ($said)" ||
      fail "debian-bootstrap: program output: $said"
    interp=$(readelf -l "$prog" | sed -n 's/.*interpreter: \(.*\)]/\1/p')
    case "$interp" in
      /nix/store/*-bootstrap-stage0-glibc-bootstrapFiles/lib/ld-linux-x86-64.so.2)
        pass "debian-bootstrap: interpreter is the bootstrap files' loader" ;;
      *) fail "debian-bootstrap: interpreter $interp" ;;
    esac
    newest=$(readelf -V "$prog" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -n 1)
    [ "$(printf '%s\n' "$newest" 2.31 | sort -V | tail -n 1)" = 2.31 ] &&
      pass "debian-bootstrap: needs glibc $newest <= 2.31" ||
      fail "debian-bootstrap: needs glibc $newest"
    loader=$(readlink -f "$interp")
    debian_loader=$(find "$files/debian/sysroot/lib/x86_64-linux-gnu" -name 'ld-2.31.so' | head -n 1)
    cmp -s "$loader" "$debian_loader" &&
      pass "debian-bootstrap: the loader is Debian 11's ld-2.31.so, byte for byte" ||
      fail "debian-bootstrap: loader $loader differs from $debian_loader"
  fi
  echo "     debian-bootstrap: $(($(date +%s) - start)) s"
fi

# --- 3. glibc patches against real sources -------------------------------------
if [ -x tests/nix/glibc-patches.sh ]; then
  while IFS= read -r line; do
    case "$line" in
      ok*) pass "${line#ok   }" ;;
      FAIL*) fail "${line#FAIL }" ;;
      *) echo "$line" ;;
    esac
  done < <(tests/nix/glibc-patches.sh 2>&1)
fi

echo "nix: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# The real-build ladder (tests/real-build/ladder.nix): compat's glibc and
# Linux headers, the leaf strategy's compiler wrapper and programs on them,
# built by Nix, offline, with nixos-25.05's toolchain versions (Debian 13's
# GCC 14.2, binutils 2.44 and GNU make 4.4.1).
#
#   scripts/real-build.sh [--json] [--glibc 2.31 --kernel 5.10]
#
# Needs a nixpkgs-derived tree in COMPAT_NIXPKGS (the stdenv stages and the
# glibc and kernel-headers expressions come from it) and Nix (as root, or a
# user who can build). Everything else is fetched by package name from the
# Debian mirror this machine's apt uses, into $COMPAT_CACHE/real-build, so a
# second run is offline; Nix keeps what it built (GC roots in
# $COMPAT_CACHE/real-build/gcroots), so a second run builds nothing.
#
# Prints the store paths it built; with --json as
#   {"glibc": P, "glibcDev": P, "linuxHeaders": P, "cc": P,
#    "programs": {"memfd-secret": P, "hello": P, "zlib-demo": P, "bash": P},
#    "control": {"memfd-secret": P}}
# where `cc` is the compiler wrapper (its bin/cc compiles and links against
# the target glibc and headers) and each program path holds bin/<name>.
# Progress goes to stderr.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)

json=no
glibc=2.31
kernel=5.10
while [ $# -gt 0 ]; do
  case "$1" in
    --json) json=yes ;;
    --glibc) glibc=${2:?--glibc needs a version}; shift ;;
    --kernel) kernel=${2:?--kernel needs a version}; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "real-build.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
# The ladder's sources are Debian's: bullseye carries glibc 2.31 and Linux 5.10.
if [ "$glibc" != 2.31 ] || [ "$kernel" != 5.10 ]; then
  echo "real-build.sh: only glibc 2.31 with Linux 5.10 can be built here (the Debian mirror serves no other glibc release compat supports)" >&2
  exit 2
fi
tree=${COMPAT_NIXPKGS:?real-build.sh: set COMPAT_NIXPKGS to a nixpkgs-derived tree}
[ -f "$tree/pkgs/stdenv/linux/default.nix" ] || { echo "real-build.sh: $tree is not a nixpkgs tree (no pkgs/stdenv/linux)" >&2; exit 2; }
command -v nix-build >/dev/null || { echo "real-build.sh: nix-build not found (scripts/install-deps.sh installs Nix)" >&2; exit 2; }

cache=${COMPAT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/compat}
work="$cache/real-build"
mkdir -p "$work"
say() { echo "real-build: $*" >&2; }

# 1. Bootstrap files from Debian 13's binaries.
say "bootstrap files from Debian 13 (trixie)"
files="$cache/debian-bootstrap-files-trixie"
"$here/debian-bootstrap-files.sh" --suite trixie "$files" >/dev/null

# 2. Sources, under the fixed names ladder.nix reads.
src="$work/sources"
mkdir -p "$src"
debsrc="$cache/debian-src"
fetch_src() { "$here/debian-source.sh" "$debsrc" bullseye "$1"; }
# place NAME FILE: hard link (or copy) FILE into the source dir as NAME, so
# Nix copies a file, not a link.
place() { [ "$2" -ef "$src/$1" ] || ln -f "$2" "$src/$1" 2>/dev/null || cp "$2" "$src/$1"; }

say "sources from Debian 11 (bullseye)"
glibc_orig=$(fetch_src glibc)
linux_orig=$(fetch_src linux)
hello_orig=$(fetch_src hello)
zlib_orig=$(fetch_src zlib)
bash_orig=$(fetch_src bash)
place hello.tar.gz "$hello_orig"
place zlib.tar.gz "$zlib_orig"
place bash.tar.xz "$bash_orig"
version_of() { basename "$1" | sed -E 's/^[^_]+_([0-9.]+)[.+~a-z]*\.orig\.tar\..*/\1/; s/\.dfsg$//; s/\.$//'; }
printf '{"hello": "%s", "zlib": "%s", "bash": "%s", "linux": "%s"}\n' \
  "$(version_of "$hello_orig")" "$(version_of "$zlib_orig")" "$(version_of "$bash_orig")" "$(version_of "$linux_orig")" \
  >"$src/versions.json.new"
mv "$src/versions.json.new" "$src/versions.json"

# Debian's glibc tarball has no manual/ (removed for licence reasons), and
# the build needs manual/errno.texi for errlist.c. Debian's own packaging
# patch for that (local-remove-manual.diff, from the same source package)
# makes the tree buildable; a user's build fetches the upstream tarball,
# which has the manual. The result is packed reproducibly, so its store
# path stays the same from run to run.
if [ ! -s "$src/glibc.tar" ] || [ "$src/glibc.tar" -ot "$glibc_orig" ]; then
  say "glibc source: Debian's tarball with Debian's manual-removal patch"
  tmp=$(mktemp -d "$work/glibc-src.XXXXXX")
  tar -C "$tmp" -xf "$glibc_orig"
  debian_tar=$(ls "$(dirname "$glibc_orig")"/glibc_*.debian.tar.xz | head -n 1)
  tar -C "$tmp" -xf "$debian_tar" debian/patches/all/local-remove-manual.diff
  (cd "$tmp/glibc-$glibc" && patch -p1 -s <"$tmp/debian/patches/all/local-remove-manual.diff")
  tar -C "$tmp" --sort=name --mtime=@1 --owner=0 --group=0 --numeric-owner -cf "$src/glibc.tar.new" "glibc-$glibc"
  mv "$src/glibc.tar.new" "$src/glibc.tar"
  rm -rf "$tmp"
fi

# Debian's Linux tarball leaves out drivers it cannot distribute (the nvidia
# and riva framebuffer drivers), but the Makefiles above them still name
# their directories, so `make mrproper` (the first step of nixpkgs'
# makeLinuxHeaders) stops. Each such directory gets an empty Makefile; a
# user's build fetches the upstream tarball, which has them.
if [ ! -s "$src/linux.tar.gz" ] || [ "$src/linux.tar.gz" -ot "$linux_orig" ]; then
  say "Linux source: Debian's tarball with its removed driver directories stubbed"
  tmp=$(mktemp -d "$work/linux-src.XXXXXX")
  tar -C "$tmp" -xf "$linux_orig"
  ltree=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d | head -n 1)
  python3 - "$ltree" <<'PY'
import os, re, sys
top = sys.argv[1]
# obj-y += dir/, obj-$(CONFIG_X) += dir/, subdir-y := dir/ ...
entry = re.compile(r"^\s*(?:obj|subdir)-[^\s:+]*\s*[:+]?=\s*(.*)$")
for root, _, files in os.walk(top):
    for name in files:
        if name not in ("Makefile", "Kbuild"):
            continue
        with open(os.path.join(root, name), errors="replace") as f:
            text = f.read().replace("\\\n", " ")
        for line in text.splitlines():
            m = entry.match(line)
            for word in (m.group(1).split() if m else []):
                d = os.path.normpath(os.path.join(root, word))
                if word.endswith("/") and "$" not in word and not os.path.isdir(d):
                    os.makedirs(d)
                    with open(os.path.join(d, "Makefile"), "w") as out:
                        out.write("# Left out of Debian's tarball; stubbed for make mrproper.\n")
                    print("stubbed", os.path.relpath(d, top), file=sys.stderr)
PY
  tar -C "$tmp" --sort=name --mtime=@1 --owner=0 --group=0 --numeric-owner -cf - "$(basename "$ltree")" | gzip -1 -n >"$src/linux.tar.gz.new"
  mv "$src/linux.tar.gz.new" "$src/linux.tar.gz"
  rm -rf "$tmp"
fi

# config.guess / config.sub (gnu-config) and libidn2, as Debian ships them.
say "gnu-config and libidn2 from Debian"
data="$work/debian-data"
"$here/debian-packages.sh" trixie "$data/trixie" autotools-dev >/dev/null
"$here/debian-packages.sh" bullseye "$data/bullseye" libidn2-0 libunistring2 >/dev/null
mkdir -p "$src/gnu-config" "$src/libidn2"
cp "$data/trixie/sysroot/usr/share/misc/config.guess" "$data/trixie/sysroot/usr/share/misc/config.sub" "$src/gnu-config/"
cp -P "$data/bullseye/sysroot/usr/lib/x86_64-linux-gnu/"{libidn2.so.0*,libunistring.so.2*} "$src/libidn2/"

# 3. Build. Nix as root without a daemon, in Nix's build sandbox (as users'
# builds run: nothing outside the inputs is visible, the store is
# read-only), with the static busybox as the sandbox's /bin/sh like
# nixpkgs' Nix (Debian's sets no sandbox shell), and no substituters: the
# ladder's fetchurl refuses every URL it does not serve from $src.
busybox=$(command -v busybox || echo /bin/busybox)
[ -x "$busybox" ] || { echo "real-build.sh: a static busybox is needed for the sandbox's /bin/sh (busybox-static)" >&2; exit 2; }
export NIX_CONFIG="sandbox = true
sandbox-paths = /bin/sh=$busybox
substituters =
build-users-group =
experimental-features = nix-command flakes"
export NIX_PATH=
attrs=(glibc glibcDev linuxHeaders cc programs.memfd-secret programs.hello programs.zlib-demo programs.bash control.memfd-secret)
args=(--arg nixpkgs "$tree" --arg files "$files" --arg sources "$src" --argstr glibc "$glibc" --argstr kernel "$kernel")
mkdir -p "$work/gcroots"
start=$(date +%s)
say "building ${attrs[*]} (first run: about 20 minutes on 2 cores; later runs reuse the store)"
build_args=()
for a in "${attrs[@]}"; do build_args+=(-A "$a"); done
nix-build "$top/tests/real-build/ladder.nix" "${args[@]}" "${build_args[@]}" \
  --keep-going --cores 0 --max-jobs 2 -o "$work/gcroots/result" >"$work/build.out" 2>"$work/build.log" || {
  echo "real-build.sh: the build failed; the last lines of $work/build.log:" >&2
  tail -n 40 "$work/build.log" >&2
  exit 1
}
say "built in $(($(date +%s) - start)) s"

paths=$(nix-instantiate --eval --strict --json "$top/tests/real-build/ladder.nix" "${args[@]}" -A outPaths)
if [ "$json" = yes ]; then
  echo "$paths"
else
  python3 -c '
import json, sys
d = json.loads(sys.argv[1])
for k, v in d.items():
    if isinstance(v, dict):
        for n, p in v.items():
            print(f"{k}.{n}\t{p}")
    else:
        print(f"{k}\t{v}")
' "$paths"
fi

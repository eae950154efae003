#!/usr/bin/env bash
# Assemble nixpkgs-style bootstrap files from the binaries of one Debian release.
#
#   scripts/debian-bootstrap-files.sh [--suite SUITE] DEST
#
# SUITE is bullseye (Debian 11: glibc 2.31, GCC 10; the default) or trixie
# (Debian 13: glibc 2.41, GCC 14.2, binutils 2.44 and GNU make 4.4.1, the
# toolchain versions of nixos-25.05's stdenv).
#
# Writes DEST/bootstrap-tools.tar.xz and DEST/busybox/busybox, the two files
# of `bootstrapFiles = { bootstrapTools = ./bootstrap-tools.tar.xz;
# busybox = "${./busybox}/busybox"; }` (see the note on busybox below), for
# compat.lib.mkCompatPkgs on x86_64-linux. With bullseye their glibc is 2.31,
# so they can seed a bootstrap for any target glibc >= 2.31 (glibc231,
# glibc235, debian-11, ubuntu-*).
#
# Besides what nixpkgs' own bootstrap tools hold, the tarball carries the
# build tools a glibc and Linux-headers build runs, under names of their own
# so they never shadow anything on a stage's PATH: bin/debian-python3 (its
# standard library in lib/python3.X, found relative to the program),
# bin/debian-perl (modules in lib/perl-base), bin/debian-bison (data in
# share/bison), bin/debian-flex and bin/debian-m4. The real-build ladder
# (tests/nix/real-build.nix) wraps them as test-only stand-ins for nixpkgs'
# python3Minimal, perl, bison, flex and gnum4.
#
# The tarball has the layout nixpkgs' unpack step (pkgs/stdenv/linux/
# bootstrap-tools/scripts/unpack-bootstrap-tools.sh) expects: ELF programs in
# bin/ (it sets their interpreter to lib/ld-*.so.2), glibc and every library
# the programs need flat in lib/, GCC's files in lib/gcc/<triple>/<version>/
# with its programs in libexec/gcc/<triple>/<version>/, and glibc's and
# Linux's headers in include-glibc/. Linker scripts (libc.so, ...) name their
# libraries without directories, so they resolve through -L. Every library
# a program in bin/ or libexec/ needs must be in lib/: the script checks it.
#
# Known limit: Debian's GCC also searches /usr/include and /usr/local/include.
# Inside Nix's build sandbox those do not exist; without the sandbox the
# host's headers would be found before glibc's. To keep that from happening
# silently, those two strings are overwritten (same length) in the compiler
# proper (cc1, cc1plus), so it searches directories that do not exist.
#
# Packages come from the Debian mirror configured on this machine, through
# scripts/debian-packages.sh (private apt state; the machine's apt setup is
# only read). DEST/debian keeps the downloads, so a second run is offline.
#
# Reproducible: the tarball is packed by the release's own tar and xz (names
# sorted, owners, times and write bits fixed), so the same Debian packages
# give the same bytes on any machine. compat.lib's default bootstrap files
# for glibc 2.31 and newer are the bullseye ones, pinned by hash in
# lib/bootstrapFiles.nix: add them to the Nix store with
#   nix-store --add-fixed sha256 DEST/bootstrap-tools.tar.xz
#   nix-store --add-fixed --recursive sha256 DEST/busybox
set -euo pipefail
export LC_ALL=C
umask 022

suite=bullseye
if [ "${1:-}" = --suite ]; then
  suite=${2:?usage: $0 [--suite bullseye|trixie] DEST}
  shift 2
fi
dest=${1:?usage: $0 [--suite bullseye|trixie] DEST}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
here=$(cd "$(dirname "$0")" && pwd)

# Packages common to both releases, then each release's compiler, libraries
# and build tools (names differ: Debian 13 split GCC's programs into
# per-architecture packages and renamed libraries in the 64-bit time_t move).
packages=(
  libc6 libc6-dev linux-libc-dev libcrypt1 libcrypt-dev
  libgcc-s1 libstdc++6 libgmp10 libmpfr6 libmpc3 libzstd1 zlib1g
  binutils binutils-x86-64-linux-gnu binutils-common libbinutils libctf0 libctf-nobfd0
  coreutils libacl1 libattr1 libselinux1 libpcre2-8-0
  bash libtinfo6 grep sed gawk
  tar gzip bzip2 libbz2-1.0 findutils diffutils make patch patchelf
  busybox-static
  # Packs the tarball (below); its programs stay out of bin/.
  xz-utils
)
case "$suite" in
  bullseye)
    gccver=10
    packages+=(gcc-10 cpp-10 g++-10 libgcc-10-dev libstdc++-10-dev libisl23 libpcre3 libreadline8 libsigsegv2 liblzma5)
    extra_tools=no
    ;;
  trixie)
    gccver=14
    packages+=(
      gcc-14 cpp-14 g++-14 gcc-14-x86-64-linux-gnu cpp-14-x86-64-linux-gnu g++-14-x86-64-linux-gnu
      libgcc-14-dev libstdc++-14-dev libisl23 libsframe1 libjansson4 libreadline8t64 libsigsegv2
      libssl3t64 libcap2
      # Build tools of glibc and Linux headers (see above).
      python3.13-minimal libpython3.13-minimal libpython3.13-stdlib libexpat1 libffi8 liblzma5
      perl-base bison m4 flex
    )
    extra_tools=yes
    ;;
  *)
    echo "debian-bootstrap-files.sh: unknown suite '$suite' (bullseye or trixie)" >&2
    exit 2
    ;;
esac
# A finished earlier run of this same script is reused.
stamp="$(sha256sum "$0" | cut -d' ' -f1) $suite"
if [ -s "$dest/bootstrap-tools.tar.xz" ] && [ -x "$dest/busybox/busybox" ] &&
  [ "$(cat "$dest/.stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "$dest/bootstrap-tools.tar.xz"
  echo "$dest/busybox/busybox"
  exit 0
fi
rm -f "$dest/.stamp"

"$here/debian-packages.sh" "$suite" "$dest/debian" "${packages[@]}" >"$dest/packages.txt"

root="$dest/debian/sysroot"
triple=x86_64-linux-gnu
tree="$dest/tree"
rm -rf "$tree"
mkdir -p "$tree/bin" "$tree/lib" "$tree/libexec/gcc/$triple/$gccver" "$tree/lib/gcc/$triple" "$tree/include-glibc"

# copy_real SRC DST: copy the file a path resolves to (Debian links many
# programs through alternatives and version-suffixed names).
copy_real() { cp -L --preserve=mode "$1" "$2"; }

# Programs. Names the unpack step creates itself (sh, bunzip2, gunzip,
# egrep, fgrep, xz) are left out: it would fail to create them over ours.
for p in "$root"/bin/* "$root"/usr/bin/*; do
  name=$(basename "$p")
  case "$name" in
    sh | bunzip2 | gunzip | egrep | fgrep | xz | busybox) continue ;;
    # xz-utils packs the tarball; the unpack step makes its own xz.
    unxz | xzcat | lzma | unlzma | lzcat | lzmainfo) continue ;;
    # Duplicates under triple- or version-suffixed names, LTO and gprofng tools.
    "$triple"-* | *-"$gccver" | lto-dump* | gp-* | gprofng*) continue ;;
    # The build tools go in under names of their own (below).
    # Login records: Debian 13 reads them through libsystemd; no build needs them.
    pinky | users | who) continue ;;
    python3* | perl* | bison | yacc | bison.yacc | flex | flex++ | lex | m4) continue ;;
  esac
  # Only ELF programs: the unpack step patchelfs everything in bin/.
  [ "$(head -c 4 "$p" 2>/dev/null | od -An -c | tr -d ' \n')" = '177ELF' ] || continue
  [ -e "$tree/bin/$name" ] || copy_real "$p" "$tree/bin/$name"
done
# GCC's drivers: in /usr/bin up to Debian 12, in GCC's libexec directory
# since Debian 13.
gcclibexec="$root/usr/libexec/gcc/$triple/$gccver"
for tool in gcc g++ cpp gcc-ar gcc-nm gcc-ranlib; do
  if [ -e "$gcclibexec/$triple-$tool-$gccver" ]; then
    copy_real "$gcclibexec/$triple-$tool-$gccver" "$tree/bin/$tool"
  else
    copy_real "$root/usr/bin/$triple-$tool-$gccver" "$tree/bin/$tool"
  fi
done
ln -sf g++ "$tree/bin/c++"
for tool in as ld ld.bfd ar nm objcopy objdump ranlib readelf size strings strip addr2line c++filt elfedit gprof; do
  copy_real "$root/usr/bin/$triple-$tool" "$tree/bin/$tool"
done
ln -sf gawk "$tree/bin/awk"

# Libraries, flat in lib/.
for dir in "$root/lib/$triple" "$root/usr/lib/$triple"; do
  for f in "$dir"/*; do
    [ -d "$f" ] && continue
    cp -P --preserve=mode "$f" "$tree/lib/" 2>/dev/null || true
  done
done
# Static archives are not needed to bootstrap (shared linking only), except
# the small *_nonshared.a parts of the shared glibc.
find "$tree/lib" -maxdepth 1 -name '*.a' ! -name '*_nonshared.a' -delete
# Symlinks made relative by debian-bullseye.sh point into the sysroot's
# multiarch directories; point them at the flat copies instead.
for link in "$tree"/lib/*; do
  [ -L "$link" ] || continue
  ln -sfn "$(basename "$(readlink "$link")")" "$link"
done
# The loader: a link to ld-<version>.so up to glibc 2.33 (copied above with
# the libraries), a file of its own since.
if [ -L "$root/lib/$triple/ld-linux-x86-64.so.2" ]; then
  ln -sfn "$(basename "$(readlink -f "$root/lib/$triple/ld-linux-x86-64.so.2")")" "$tree/lib/ld-linux-x86-64.so.2"
fi
[ -f "$tree/lib/ld-linux-x86-64.so.2" ] || { echo "debian-bootstrap-files.sh: no loader in the $suite packages" >&2; exit 1; }
# nixpkgs' unpack step patches lib/librt-*.so by name, a file glibc has no
# longer shipped since 2.34 (librt.so.1 is a stub now); an unmatched name
# fails the step, so the stub is also given that name.
if ! ls "$tree"/lib/librt-*.so >/dev/null 2>&1 && [ -f "$tree/lib/librt.so.1" ]; then
  cp "$tree/lib/librt.so.1" "$tree/lib/librt-stub.so"
fi
# Linker scripts: drop directories from the names they list.
for f in "$tree"/lib/*.so; do
  [ -L "$f" ] && continue
  if head -c 200 "$f" | grep -q "GNU ld script"; then
    sed -i -E 's@/[^ ()]*/@@g' "$f"
  fi
done

# GCC: its private files; programs go to libexec (patched there by the unpack
# step) with links back where the driver looks for them.
gcclib="$tree/lib/gcc/$triple/$gccver"
cp -a "$root/usr/lib/gcc/$triple/$gccver" "$gcclib"
rm -f "$gcclib"/libstdc++.a "$gcclib"/libstdc++fs.a "$gcclib"/libsupc++.a
for f in "$gcclib"/*; do
  [ -f "$f" ] && [ ! -L "$f" ] || continue
  case "$(basename "$f")" in
    liblto_plugin.so*) continue ;;
    lto1) rm "$f" && continue ;; # LTO is not needed to bootstrap
  esac
  if [ "$(head -c 4 "$f" | od -An -c | tr -d ' \n')" = '177ELF' ] && [ -x "$f" ]; then
    mv "$f" "$tree/libexec/gcc/$triple/$gccver/"
    ln -s "../../../../libexec/gcc/$triple/$gccver/$(basename "$f")" "$f"
  fi
done
for f in "$gcclib"/*.so; do
  [ -L "$f" ] && ln -sfn "$(basename "$(readlink "$f")")" "$f"
  if [ ! -L "$f" ] && head -c 200 "$f" | grep -q "GNU ld script"; then
    sed -i -E 's@/[^ ()]*/@@g' "$f"
  fi
done
# Debian 13 keeps the compiler proper in /usr/libexec (the drivers, already
# copied to bin/, are left out).
if [ -d "$gcclibexec" ]; then
  for f in "$gcclibexec"/*; do
    case "$(basename "$f")" in "$triple"-* | lto-dump* | lto1) continue ;; esac
    [ -f "$f" ] && copy_real "$f" "$tree/libexec/gcc/$triple/$gccver/"
  done
fi
for prog in cc1 cc1plus; do
  f="$tree/libexec/gcc/$triple/$gccver/$prog"
  [ -f "$f" ] || continue
  size=$(stat -c %s "$f")
  # Same lengths: /usr/local/include (18) and /usr/include (12).
  perl -pi -e 's@/usr/local/include@/nonexistent/inclu@g; s@/usr/include@/nonexist/in@g' "$f"
  [ "$(stat -c %s "$f")" = "$size" ] || { echo "debian-bootstrap-files.sh: $prog changed size" >&2; exit 1; }
done

# Debian's GCC links position-independent executables unless told -no-pie
# (it is configured with --enable-default-pie); nixpkgs' GCC does not, and
# nixpkgs' compiler wrapper asks for -pie where hardening wants it. glibc's
# build relies on that: for its programs it picks crtbegin.o or crtbeginS.o
# by what it found the compiler's default to be, and Debian 13's driver,
# run through nixpkgs' wrapper, then links crtbegin.o into a PIE, which
# binutils refuses. A specs file in GCC's directory (which the driver reads
# in place of its built-in specs) links PIE only when asked, as nixpkgs'
# GCC does.
if "$tree/lib/ld-linux-x86-64.so.2" --library-path "$tree/lib" "$tree/bin/gcc" -dumpspecs >"$gcclib/specs.default" &&
  grep -q '!no-pie:-pie' "$gcclib/specs.default"; then
  sed -e 's/%{static|shared|r:;!no-pie:-pie}/%{static|shared|r:;pie:-pie}/' \
    -e 's/!no-pie:Scrt1.o%s/pie:Scrt1.o%s/' \
    -e 's/shared|static-pie|!no-pie:crtbeginS.o%s/shared|static-pie|pie:crtbeginS.o%s/' \
    -e 's/shared|static-pie|!no-pie:crtendS.o%s/shared|static-pie|pie:crtendS.o%s/' \
    "$gcclib/specs.default" >"$gcclib/specs"
  if grep -q '!no-pie' "$gcclib/specs"; then
    echo "debian-bootstrap-files.sh: GCC's specs still default to PIE:" >&2
    grep -o '[^ ]*!no-pie[^ ]*' "$gcclib/specs" >&2
    exit 1
  fi
fi
rm -f "$gcclib/specs.default"

# Headers: glibc's and Linux's, multiarch directory merged in, links resolved
# (Debian 13 links asm/ into /usr/lib/linux/uapi).
cp -rL --preserve=mode "$root/usr/include/." "$tree/include-glibc/"
cp -rL --preserve=mode "$root/usr/include/$triple/." "$tree/include-glibc/"
# Debian 13 ships every architecture's asm/ directory; keep only the merged one.
rm -rf "${tree:?}"/include-glibc/*-linux-gnu*

# nixpkgs' unpack step sets every program's interpreter and RPATH with the
# tarball's own patchelf. Debian 13's (0.18.0) does that to its gawk in a way
# that makes it crash at start; Debian 12's (0.14.3, which runs on Debian
# 13's libraries) does not, so the trixie tarball carries that one.
if [ "$suite" = trixie ]; then
  "$here/debian-packages.sh" bookworm "$dest/debian-bookworm" patchelf >>"$dest/packages.txt"
  copy_real "$dest/debian-bookworm/sysroot/usr/bin/patchelf" "$tree/bin/patchelf"
fi

# Build tools, under names of their own, with the data they find relative to
# themselves (python) or through variables their stand-ins set (perl, bison,
# flex, m4; see the header).
if [ "$extra_tools" = yes ]; then
  py=$(cd "$root/usr/bin" && ls python3.[0-9]* | grep -E '^python3\.[0-9]+$' | sort -V | tail -n 1)
  copy_real "$root/usr/bin/$py" "$tree/bin/debian-python3"
  cp -a "$root/usr/lib/$py" "$tree/lib/$py"
  copy_real "$root/usr/bin/perl" "$tree/bin/debian-perl"
  cp -a "$root/usr/lib/$triple/perl-base" "$tree/lib/perl-base"
  copy_real "$root/usr/bin/bison" "$tree/bin/debian-bison"
  mkdir -p "$tree/share"
  cp -a "$root/usr/share/bison" "$tree/share/bison"
  copy_real "$root/usr/bin/flex" "$tree/bin/debian-flex"
  copy_real "$root/usr/bin/m4" "$tree/bin/debian-m4"
fi

# Every library a program needs must be in the tarball: the unpack step
# points them all at lib/ (and GCC's directory, for libstdc++).
missing=$(
  for f in "$tree"/bin/* "$tree"/libexec/gcc/"$triple"/"$gccver"/*; do
    [ -f "$f" ] && [ ! -L "$f" ] || continue
    readelf -d "$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | while read -r lib; do
      [ -e "$tree/lib/$lib" ] || [ -e "$gcclib/$lib" ] || echo "$(basename "$f") needs $lib"
    done
  done
)
if [ -n "$missing" ]; then
  echo "debian-bootstrap-files.sh: libraries missing from the $suite tarball:" >&2
  echo "$missing" >&2
  exit 1
fi

# Packed by the release's own GNU tar and xz, run through its own loader, so
# the bytes depend on the Debian packages alone, not on this machine's tools,
# umask, clock or file system order (compat.lib pins the bullseye tarball by
# its hash).
debian() { "$tree/lib/ld-linux-x86-64.so.2" --library-path "$tree/lib" "$@"; }
debian "$tree/bin/tar" --sort=name --format=gnu --numeric-owner --owner=0 --group=0 \
  --mtime=@1 --mode=go-w --hard-dereference -C "$tree" -cf - . |
  debian "$root/usr/bin/xz" -T1 -1 >"$dest/bootstrap-tools.tar.xz"
# Busybox picks the applet from the name it is run by, and accepts
# "busybox" followed by the applet. As a file of its own in the store its name
# would be "<hash>-busybox", which Debian's busybox does not understand (the
# one of nixpkgs is patched for it); in a directory of its own it keeps its
# name: pass busybox = "${./busybox}/busybox".
rm -rf "$dest/busybox"
mkdir -p "$dest/busybox"
cp "$( [ -e "$root/bin/busybox" ] && echo "$root/bin/busybox" || echo "$root/usr/bin/busybox")" "$dest/busybox/busybox"
chmod +x "$dest/busybox/busybox"
echo "$stamp" >"$dest/.stamp"
echo "$dest/bootstrap-tools.tar.xz"
echo "$dest/busybox/busybox"

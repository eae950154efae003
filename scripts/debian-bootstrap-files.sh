#!/usr/bin/env bash
# Assemble nixpkgs-style bootstrap files from Debian 11 (bullseye) binaries.
#
#   scripts/debian-bootstrap-files.sh DEST
#
# Writes DEST/bootstrap-tools.tar.xz and DEST/busybox/busybox, the two files
# of `bootstrapFiles = { bootstrapTools = ./bootstrap-tools.tar.xz;
# busybox = "${./busybox}/busybox"; }` (see the note on busybox below), for
# compat.lib.mkCompatPkgs on x86_64-linux. Their glibc is Debian 11's 2.31, so
# they can seed a bootstrap for any target glibc >= 2.31 (glibc231,
# glibc235, debian-11, ubuntu-*); their compiler is Debian's GCC 10.
#
# The tarball has the layout nixpkgs' unpack step (pkgs/stdenv/linux/
# bootstrap-tools/scripts/unpack-bootstrap-tools.sh) expects: ELF programs in
# bin/ (it sets their interpreter to lib/ld-*.so.2), glibc and every library
# the programs need flat in lib/, GCC's files in lib/gcc/<triple>/<version>/
# with its programs in libexec/gcc/<triple>/<version>/, and glibc's and
# Linux's headers in include-glibc/. Linker scripts (libc.so, ...) name their
# libraries without directories, so they resolve through -L.
#
# Known limit: Debian's GCC also searches /usr/include and /usr/local/include.
# Inside Nix's build sandbox those do not exist; without the sandbox the
# host's headers would be found before glibc's. To keep that from happening
# silently, those two strings are overwritten (same length) in the compiler
# proper (cc1, cc1plus), so it searches directories that do not exist.
#
# Packages come from the Debian mirror configured on this machine, through
# scripts/debian-bullseye.sh (private apt state; the machine's apt setup is
# only read). DEST/debian keeps the downloads, so a second run is offline.
set -euo pipefail

dest=${1:?usage: $0 DEST}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
here=$(cd "$(dirname "$0")" && pwd)

packages=(
  libc6 libc6-dev linux-libc-dev libcrypt1 libcrypt-dev
  gcc-10 cpp-10 g++-10 libgcc-10-dev libstdc++-10-dev libgcc-s1 libstdc++6
  libgmp10 libmpfr6 libmpc3 libisl23 libzstd1 zlib1g
  binutils binutils-x86-64-linux-gnu binutils-common libbinutils libctf0 libctf-nobfd0
  coreutils libacl1 libattr1 libselinux1 libpcre2-8-0 libpcre3
  bash libtinfo6 grep sed gawk libreadline8 libsigsegv2 libmpfr6
  tar gzip bzip2 libbz2-1.0 findutils diffutils make patch patchelf
  busybox-static
)
# A finished earlier run of this same script is reused.
stamp="$(sha256sum "$0" | cut -d' ' -f1)"
if [ -s "$dest/bootstrap-tools.tar.xz" ] && [ -x "$dest/busybox/busybox" ] &&
  [ "$(cat "$dest/.stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "$dest/bootstrap-tools.tar.xz"
  echo "$dest/busybox/busybox"
  exit 0
fi
rm -f "$dest/.stamp"

"$here/debian-bullseye.sh" "$dest/debian" "${packages[@]}" >"$dest/packages.txt"

root="$dest/debian/sysroot"
triple=x86_64-linux-gnu
gccver=10
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
    # Duplicates under triple- or version-suffixed names, and LTO tools.
    "$triple"-* | *-"$gccver" | lto-dump*) continue ;;
  esac
  # Only ELF programs: the unpack step patchelfs everything in bin/.
  [ "$(head -c 4 "$p" 2>/dev/null | od -An -c | tr -d ' \n')" = '177ELF' ] || continue
  [ -e "$tree/bin/$name" ] || copy_real "$p" "$tree/bin/$name"
done
for tool in gcc g++ cpp gcc-ar gcc-nm gcc-ranlib; do
  copy_real "$root/usr/bin/$triple-$tool-$gccver" "$tree/bin/$tool"
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
cp -P "$root/lib64/ld-linux-x86-64.so.2" "$tree/lib/ld-linux-x86-64.so.2" 2>/dev/null || true
ln -sfn "$(basename "$(readlink -f "$root/lib/$triple/ld-linux-x86-64.so.2")")" "$tree/lib/ld-linux-x86-64.so.2"
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
for prog in cc1 cc1plus; do
  f="$tree/libexec/gcc/$triple/$gccver/$prog"
  [ -f "$f" ] || continue
  size=$(stat -c %s "$f")
  # Same lengths: /usr/local/include (18) and /usr/include (12).
  perl -pi -e 's@/usr/local/include@/nonexistent/inclu@g; s@/usr/include@/nonexist/in@g' "$f"
  [ "$(stat -c %s "$f")" = "$size" ] || { echo "debian-bootstrap-files.sh: $prog changed size" >&2; exit 1; }
done

# Headers: glibc's and Linux's, multiarch directory merged in.
cp -a "$root/usr/include/." "$tree/include-glibc/"
cp -a "$root/usr/include/$triple/." "$tree/include-glibc/"
rm -rf "${tree:?}/include-glibc/$triple"

tar -C "$tree" -cf - . | xz -T2 -1 >"$dest/bootstrap-tools.tar.xz"
# Busybox picks the applet from the name it is run by, and accepts
# "busybox" followed by the applet. As a file of its own in the store its name
# would be "<hash>-busybox", which Debian's busybox does not understand (the
# one of nixpkgs is patched for it); in a directory of its own it keeps its
# name: pass busybox = "${./busybox}/busybox".
rm -rf "$dest/busybox"
mkdir -p "$dest/busybox"
cp "$root/bin/busybox" "$dest/busybox/busybox"
chmod +x "$dest/busybox/busybox"
echo "$stamp" >"$dest/.stamp"
echo "$dest/bootstrap-tools.tar.xz"
echo "$dest/busybox/busybox"

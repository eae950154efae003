#!/usr/bin/env bash
# Checks compat's glibc overlays against real glibc source trees: the
# upstream tarballs inside Debian's source packages (glibc_X.orig.tar.xz),
# fetched with apt-get source by scripts/debian-source.sh and cached under
# $COMPAT_CACHE/debian-src.
#
#   tests/nix/glibc-patches.sh
#
# Per version (see `sourceCheck` in overlays/supported.nix):
#   2.31  bullseye's glibc 2.31: the exact release.
#   2.35  bookworm's glibc 2.36: the nearest release the mirror serves (no
#         Debian suite carried 2.35); a check of context lines only.
#   2.28  none: buster, the suite with 2.28, is no longer on the mirror.
# What is checked on each tree:
#   - every patch of overlays/glibc/<version>/ applies in order with no fuzz
#     (and, on the exact release, at the exact line numbers);
#   - the line the overlay's postPatch rewrites (LIBIDN2_SONAME) and the file
#     it appends to (nscd/Makefile) exist;
#   - every --enable/--disable/--with option the overlay passes is one the
#     release's configure knows (with COMPAT_NIXPKGS: all of glibc's flags as
#     evaluated from that tree);
#   - the kernel floors in overlays/supported.nix match arch_minimum_kernel;
#   - C.UTF-8: the release has a C locale source exactly when the overlay
#     assumes it (glibc >= 2.35);
#   - both locale install targets nixpkgs' postInstall has called exist;
#   - glibcLocales (overlays/glibc.nix builds it serially): nixpkgs' preBuild
#     finds the localedef line it rewrites, each locale's localedef writes
#     the archive itself (no --no-archive, no closing step), and Makeconfig
#     sets inst_complocaledir over the environment's.
# Prints "ok"/"FAIL"/"SKIP" lines. A source that cannot be fetched is a SKIP
# locally and a FAIL under CI=true.
set -uo pipefail
cd "$(dirname "$0")/../.."
export NIX_CONFIG=$'sandbox = false\nsubstituters =\nbuild-users-group =\nexperimental-features = nix-command flakes'
export NIX_PATH=

cache=${COMPAT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/compat}/debian-src
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

ok() { echo "ok   glibc-patches: $*"; }
bad() { echo "FAIL glibc-patches: $*"; }
missing() {
  if [ "${CI:-}" = true ]; then bad "$*"; else echo "SKIP glibc-patches: $*"; fi
}

# The configure flags compat's glibc gets: from a real nixpkgs tree when one
# is given, else only those the overlay itself adds.
flags_for() {
  local version=$1
  if [ -n "${COMPAT_NIXPKGS:-}" ]; then
    nix-instantiate --eval --strict --json --read-write-mode -E "
      (import ./lib { nixpkgs = $COMPAT_NIXPKGS; }).mkCompatPkgs { system = \"x86_64-linux\"; glibc = \"$version\"; }
      " -A glibc.configureFlags 2>/dev/null | python3 -c 'import json, sys; print("\n".join(json.load(sys.stdin)))'
  else
    printf '%s\n' --enable-kernel=5.10.0 --disable-werror --enable-cet --disable-cet --disable-crypt
  fi
}

check_tree() { # VERSION TREE EXACT(yes/no)
  local version=$1 tree=$2 exact=$3 label patch out
  label="$version on $(basename "$tree")"
  # The tree was unpacked for this check alone: patch it in place.
  ln -sfn "$tree" "$work/patched"
  for patch in overlays/glibc/"$version"/*.patch; do
    if ! out=$(cd "$work/patched" && patch -p1 -F0 -N --no-backup-if-mismatch <"$OLDPWD/$patch" 2>&1 | tr "\n" " "; exit "${PIPESTATUS[0]}"); then
      bad "$label: $(basename "$patch") does not apply: $out"
    elif [ "$exact" = yes ] && grep -q "offset" <<<"$out"; then
      bad "$label: $(basename "$patch") applies only at an offset: $out"
    else
      ok "$label: $(basename "$patch") applies"
    fi
  done
  if [ "$(grep -c '^#define LIBIDN2_SONAME "libidn2.so.0"$' "$work/patched/inet/idna.c" 2>/dev/null)" = 1 ]; then
    ok "$label: postPatch finds the LIBIDN2_SONAME line"
  else
    bad "$label: postPatch's LIBIDN2_SONAME line is not in inet/idna.c"
  fi
  if [ -f "$work/patched/nscd/Makefile" ]; then ok "$label: nscd/Makefile exists"; else bad "$label: no nscd/Makefile"; fi

  local opts flag name
  opts=$(sed -n "/^ac_user_opts='/,/^'/p" "$work/patched/configure")
  while IFS= read -r flag; do
    case "$flag" in
      --enable-* | --disable-* | --with-* | --without-*) ;;
      *) continue ;;
    esac
    name=${flag%%=*}
    name=${name#--}
    name=$(sed -E 's/^(enable|disable)-/enable_/; s/^(with|without)-/with_/; s/-/_/g' <<<"$name")
    # --enable-add-ons is accepted and ignored by every release since 2.26.
    [ "$name" = enable_add_ons ] && continue
    if grep -qx "$name" <<<"$opts"; then ok "$label: configure knows $flag"; else bad "$label: configure does not know $flag"; fi
  done < <(flags_for "$version")

  local x86 arm
  x86=$(sed -n 's/.*arch_minimum_kernel=\([0-9.]*\).*/\1/p' "$work/patched/sysdeps/unix/sysv/linux/configure" | head -n 1)
  arm=$(sed -n 's/^arch_minimum_kernel=\([0-9.]*\)/\1/p' "$work/patched/sysdeps/unix/sysv/linux/aarch64/configure" | head -n 1)
  if [ "$exact" = yes ]; then
    local want
    want=$(nix-instantiate --eval --strict --json -E "let g = (import ./overlays/supported.nix).glibc.\"$version\".minKernel; in \"\${g.x86_64}.0 \${g.aarch64}.0\"" | tr -d '"')
    if [ "$want" = "$x86 $arm" ]; then ok "$label: kernel floors $want match the source"; else bad "$label: kernel floors: lib says $want, source says $x86 $arm"; fi
  fi

  # nixpkgs' postInstall installs C.UTF-8 with `make localedata/install-locale-files`
  # (since late 2024) or `localedata/install-locales` (before); the overlay
  # keeps the first from 2.29 on and turns it into the second before.
  local target
  for target in install-locales install-locale-files; do
    if grep -q "^$target:" "$work/patched/localedata/Makefile"; then
      ok "$label: localedata/Makefile has the $target target postInstall may call"
    else
      bad "$label: localedata/Makefile has no $target target"
    fi
  done

  # What nixpkgs' parallel glibcLocales needs its own two patches for, and
  # why the overlay builds it serially instead.
  local mk="$work/patched/localedata/Makefile"
  if grep -qF '$(rtld-prefix) $(common-objpfx)locale/localedef' "$mk"; then
    ok "$label: glibcLocales' preBuild finds the localedef line it rewrites"
  else
    bad "$label: localedata/Makefile lacks the localedef line glibcLocales' preBuild rewrites"
  fi
  local recipe closing
  recipe=$(grep -A1 -F '$(INSTALL-SUPPORTED-LOCALE-ARCHIVE): install-locales-dir' "$mk" | sed -n 2p)
  closing=$(grep -A1 '^install-locale-archive:' "$mk" | sed -n 2p)
  if [ -n "$recipe" ] && ! grep -q -- '--no-archive' <<<"$recipe" && [ "${closing:0:1}" != $'\t' ]; then
    ok "$label: each locale's localedef adds to the archive itself (so glibcLocales must build serially)"
  else
    bad "$label: the archive rule is not as the overlay assumes: '$recipe' / '$closing'"
  fi
  if grep -qx 'inst_complocaledir = $(install_root)$(complocaledir)' "$work/patched/Makeconfig"; then
    ok "$label: Makeconfig sets inst_complocaledir over the environment's"
  else
    bad "$label: Makeconfig's inst_complocaledir is not a plain assignment"
  fi

  local has_c=no assumes=no
  [ -f "$work/patched/localedata/locales/C" ] && has_c=yes
  [ "$(printf '%s\n' "$version" 2.35 | sort -V | head -n 1)" = 2.35 ] && assumes=yes
  if [ "$exact" = no ]; then
    # The nearest newer release must have it whenever the target is assumed to.
    [ "$assumes" = no ] || [ "$has_c" = yes ] && ok "$label: C locale source present as assumed" || bad "$label: no C locale source"
  elif [ "$has_c" = "$assumes" ]; then
    ok "$label: C locale source present=$has_c, as the overlay assumes"
  else
    bad "$label: C locale source present=$has_c, but the overlay assumes $assumes"
  fi
  rm -f "$work/patched"
}

for spec in "2.31 bullseye yes" "2.35 bookworm no" "2.28 - no"; do
  read -r version suite exact <<<"$spec"
  if [ "$suite" = - ]; then
    echo "SKIP glibc-patches: $version: no real source reachable (buster is archived); its patches carry context from 2.31"
    continue
  fi
  if ! orig=$(scripts/debian-source.sh "$cache" "$suite" glibc 2>"$work/fetch.err"); then
    missing "$version: cannot fetch glibc source from $suite: $(tail -n 3 "$work/fetch.err")"
    continue
  fi
  rm -rf "$work/src"
  mkdir -p "$work/src"
  # Only the files the checks read: the patches' targets and a few more.
  top=$(tar -tf "$orig" | head -n 1)
  top=${top%%/*}
  files=$(sed -n 's|^+++ b/||p' overlays/glibc/"$version"/*.patch | sort -u)
  files="$files configure inet/idna.c nscd/Makefile sysdeps/unix/sysv/linux/configure
    sysdeps/unix/sysv/linux/aarch64/configure localedata/locales/C localedata/Makefile Makeconfig"
  # shellcheck disable=SC2086 # one word per file
  tar -xf "$orig" -C "$work/src" --ignore-failed-read $(printf "$top/%s " $files) 2>/dev/null
  tree="$work/src/$top"
  [ -d "$tree" ] || { bad "$version: $orig has no $top/"; continue; }
  check_tree "$version" "$tree" "$exact"
done

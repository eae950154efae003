#!/usr/bin/env bash
# Checks the Debian profiles against the real Debian packages.
#
#   tests/profiles/check-debian.sh [PROFILES_DIR]
#
# For every Debian suite the machine's mirror serves, fetches libc6,
# libstdc++6, libgcc-s1, libcrypt1 and zlib1g (amd64) by package name with apt
# and reads the version nodes their libraries define (readelf -V). Then, for
# each profiles/debian-*.json:
#   glibc    == upstream version of the suite's libc6, and libc.so.6's newest
#               GLIBC_ node is not newer than it
#   GLIBCXX  == newest GLIBCXX_ node of libstdc++.so.6
#   CXXABI   == newest CXXABI_ node of libstdc++.so.6
#   GCC      == newest GCC_ node of libgcc_s.so.1
#   kernel   == major.minor of the kernel linux-image-amd64 depends on
#   systemLibs: each x86_64 soname is shipped by one of those packages, and
#               an Essential or Priority: required package depends on it
# And for every other profile whose sources.libstdcxx names "gcc N", where a
# checked suite ships libstdc++6 from that same gcc major: its three
# libstdc++/libgcc levels equal that suite's (e.g. ubuntu-22.04 vs bookworm).
#
# Downloads are cached under $COMPAT_CACHE/debian-suites (a few MB of .debs
# and the apt indexes per suite); a second run fetches nothing. A suite the
# mirror does not serve (buster is archived) is reported as SKIP.
# Prints "N passed, N failed" and exits 1 when any check failed.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/debian-apt.sh

for tool in apt-get apt-cache dpkg-deb readelf jq; do
  command -v "$tool" >/dev/null || { echo "check-debian.sh: needs $tool (scripts/install-deps.sh installs it)" >&2; exit 2; }
done

profiles=${1:-profiles}
cache=${COMPAT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/compat}/debian-suites
suites=(buster:debian-10 bullseye:debian-11 bookworm:debian-12 trixie:debian-13)
packages=(libc6 libstdc++6 libgcc-s1 libcrypt1 zlib1g)
# Besides the private apt state (debian_apt_opts): only the indexes needed.
index_opts=(
  -o Acquire::Languages=none -o Acquire::GzipIndexes=true
  -o Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false
)

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok    $*"; }
fail() { failed=$((failed + 1)); echo "FAIL  $*"; }
check() { # check LABEL EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then pass "$1 = $2"; else fail "$1: profile says '$2', packages say '$3'"; fi
}

# fetch SUITE: downloads and unpacks the packages; returns 3 when not served.
fetch() {
  local suite=$1 dir="$cache/$1"
  local -a apt_opts
  mkdir -p "$dir/debs"
  debian_apt_opts "$dir/apt"
  if [ ! -s "$dir/apt/updated" ]; then
    debian_apt_setup "$dir/apt" "$suite" || return 2
    if ! apt-get "${apt_opts[@]}" "${index_opts[@]}" -qq update >"$dir/apt/update.log" 2>&1 || grep -q '^E:' "$dir/apt/update.log"; then
      grep -q 'does not have a Release file' "$dir/apt/update.log" && return 3
      return 1
    fi
    date >"$dir/apt/updated"
  fi
  # (Runs in a `||` context, where set -e is off: every step checks itself.)
  local p deb
  for p in "${packages[@]}"; do
    deb=$(ls "$dir/debs/${p}"_*_amd64.deb 2>/dev/null | head -n 1)
    if [ -z "$deb" ]; then
      (cd "$dir/debs" && apt-get "${apt_opts[@]}" "${index_opts[@]}" -qq download "$p:amd64") || return 1
      deb=$(ls "$dir/debs/${p}"_*_amd64.deb 2>/dev/null | head -n 1)
      [ -n "$deb" ] || return 1
    fi
    if [ ! -e "$dir/unpacked/$p/.unpacked" ]; then
      mkdir -p "$dir/unpacked/$p" && dpkg-deb -x "$deb" "$dir/unpacked/$p" && touch "$dir/unpacked/$p/.unpacked" || return 1
    fi
  done
  # Which Essential or Priority: required packages depend on each fetched one
  # (those are on every installation, so their dependencies are too).
  if [ ! -s "$dir/base-dependents" ]; then
    apt-cache "${apt_opts[@]}" "${index_opts[@]}" dumpavail | awk -v wanted="${packages[*]}" '
      BEGIN { RS = ""; FS = "\n"; n = split(wanted, w, " ") }
      { pkg = ""; base = 0; deps = ""
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^Package: /) pkg = substr($i, 10)
          if ($i ~ /^Priority: required$/ || $i ~ /^Essential: yes$/) base = 1
          if ($i ~ /^(Pre-)?Depends: /) deps = deps ", " substr($i, index($i, ":") + 2)
        }
        if (!base) next
        gsub(/\([^)]*\)/, "", deps); gsub(/[ |]+/, ",", deps); gsub(/:[a-z0-9]+/, "", deps)
        for (k = 1; k <= n; k++) if (index(deps ",", "," w[k] ",")) print w[k], pkg }' |
      sort -u >"$dir/base-dependents"
  fi
  if [ ! -s "$dir/kernel" ]; then
    apt-cache "${apt_opts[@]}" "${index_opts[@]}" depends linux-image-amd64 |
      awk '/Depends: linux-image-[0-9]/ {sub("linux-image-", "", $2); print $2; exit}' >"$dir/kernel"
  fi
}

# Version nodes a shared library defines (its .gnu.version_d), family FAMILY.
defined_nodes() {
  readelf -V --wide "$1" |
    awk '/^Version definition section/ {d = 1; next} /^Version (needs|symbols) section/ {d = 0}
         d && /Rev:/ {for (i = 1; i <= NF; i++) if ($i == "Name:") print $(i + 1)}' |
    grep -E "^$2_[0-9][0-9.]*\$" | sed "s/^$2_//"
}
newest() { defined_nodes "$1" "$2" | sort -V | tail -n 1; }
find_lib() { find "$1" -name "$2" \( -type f -o -type l \) 2>/dev/null | head -n 1 || true; }

declare -A suite_levels # gcc major -> "GLIBCXX CXXABI GCC suite"

for entry in "${suites[@]}"; do
  suite=${entry%%:*}
  name=${entry#*:}
  file="$profiles/$name.json"
  if [ ! -e "$file" ]; then
    fail "$name: $file is missing"
    continue
  fi
  rc=0
  fetch "$suite" >/dev/null || rc=$?
  if [ $rc -eq 3 ]; then
    echo "SKIP  $name: the mirror does not serve suite $suite"
    continue
  elif [ $rc -ne 0 ]; then
    fail "$name: could not fetch ${packages[*]} from suite $suite"
    continue
  fi
  root="$cache/$suite/unpacked"
  libc=$(find_lib "$root/libc6" libc.so.6)
  libstdcxx=$(find_lib "$root/libstdc++6" 'libstdc++.so.6')
  libgcc=$(find_lib "$root/libgcc-s1" libgcc_s.so.1)
  for lib in "$libc" "$libstdcxx" "$libgcc"; do
    [ -n "$lib" ] || { fail "$name: a library is missing from the $suite packages"; continue 2; }
  done
  libc6_version=$(dpkg-deb -f "$(ls "$cache/$suite/debs"/libc6_*.deb | head -n 1)" Version)
  upstream=${libc6_version#*:}
  upstream=${upstream%%-*}
  gcc_major=$(dpkg-deb -f "$(ls "$cache/$suite/debs"/libstdc++6_*.deb | head -n 1)" Version | sed 's/^[0-9]*://; s/[.-].*//')

  check "$name glibc (libc6 $libc6_version)" "$(jq -r .glibc "$file")" "$upstream"
  node=$(newest "$libc" GLIBC)
  if [ "$(printf '%s\n%s\n' "$node" "$upstream" | sort -V | tail -n 1)" = "$upstream" ]; then
    pass "$name newest GLIBC_ node $node <= $upstream"
  else
    fail "$name newest GLIBC_ node $node is newer than glibc $upstream"
  fi
  glibcxx=$(newest "$libstdcxx" GLIBCXX)
  cxxabi=$(newest "$libstdcxx" CXXABI)
  gcc=$(newest "$libgcc" GCC)
  check "$name GLIBCXX (gcc $gcc_major)" "$(jq -r .libstdcxx.GLIBCXX "$file")" "$glibcxx"
  check "$name CXXABI (gcc $gcc_major)" "$(jq -r .libstdcxx.CXXABI "$file")" "$cxxabi"
  check "$name GCC (libgcc_s, x86_64)" "$(jq -r .libstdcxx.GCC "$file")" "$gcc"
  kernel=$(sed -E 's/^([0-9]+\.[0-9]+).*/\1/' "$cache/$suite/kernel")
  check "$name kernel (linux-image-amd64)" "$(jq -r .kernel "$file")" "$kernel"
  suite_levels[$gcc_major]="$glibcxx $cxxabi $gcc $suite"

  # systemLibs: each x86_64 soname is in one of the fetched packages, and an
  # Essential or Priority: required package depends on that package.
  while read -r soname; do
    case "$soname" in *aarch64*) continue ;; esac
    found=$(find_lib "$root" "$soname")
    if [ -z "$found" ]; then
      fail "$name systemLibs: $soname is in none of ${packages[*]} of $suite"
      continue
    fi
    pkg=${found#"$root/"}
    pkg=${pkg%%/*}
    dependents=$(awk -v p="$pkg" '$1 == p {print $2}' "$cache/$suite/base-dependents" | head -n 3 | tr '\n' ' ')
    if [ -n "$dependents" ]; then
      pass "$name systemLibs: $soname from $pkg, needed by base packages ${dependents% }"
    else
      fail "$name systemLibs: $soname comes from $pkg, which no Essential/required package depends on"
    fi
  done < <(jq -r '.systemLibs[]' "$file")
done

# Other profiles whose libstdc++ comes from a gcc major a checked suite ships.
for file in "$profiles"/*.json; do
  name=$(basename "$file" .json)
  case "$name" in debian-*) continue ;; esac
  major=$(jq -r '.sources.libstdcxx // ""' "$file" | grep -oE '\bgcc[- ]?[0-9]+' | head -n 1 | grep -oE '[0-9]+$' || true)
  [ -n "$major" ] && [ -n "${suite_levels[$major]:-}" ] || continue
  read -r glibcxx cxxabi gcc suite <<<"${suite_levels[$major]}"
  check "$name GLIBCXX (gcc $major, as $suite)" "$(jq -r .libstdcxx.GLIBCXX "$file")" "$glibcxx"
  check "$name CXXABI (gcc $major, as $suite)" "$(jq -r .libstdcxx.CXXABI "$file")" "$cxxabi"
  check "$name GCC (gcc $major, as $suite)" "$(jq -r .libstdcxx.GCC "$file")" "$gcc"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# Runs a command of this checkout with a current Nix: Debian 13's nix-bin
# (Nix 2.26), in a Debian 13 root made by debootstrap. Current nixpkgs needs
# Nix >= 2.18, which Debian 12 (Nix 2.8) does not have.
#
#   scripts/with-current-nix.sh COMMAND [ARG...]
#   scripts/with-current-nix.sh tests/nix/run.sh
#
# The root is made once and kept pristine as $COMPAT_CACHE/trixie-nix-root.tar
# (about 5 minutes, then seconds); each run unpacks a fresh copy, so its Nix
# store starts empty. The checkout is bind-mounted at the same path, and so
# are COMPAT_CACHE and COMPAT_NIXPKGS (read-only), inside a private mount
# namespace: every mount vanishes with the command, so removing the copy
# afterwards never reaches through a bind mount. Runs as root (debootstrap,
# chroot). The Debian mirror is the one this machine's apt uses.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
source "$here/lib/debian-apt.sh"

[ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARG...]" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "with-current-nix.sh: needs root (debootstrap, chroot)" >&2; exit 2; }
command -v debootstrap >/dev/null || { echo "with-current-nix.sh: debootstrap is missing (scripts/install-deps.sh installs it)" >&2; exit 2; }

cache=${COMPAT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/compat}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
pristine="$cache/trixie-nix-root.tar"
if [ ! -s "$pristine" ]; then
  uri=$(debian_mirror_uri) || { echo "with-current-nix.sh: no Debian mirror URI in /etc/apt" >&2; exit 2; }
  build=$(mktemp -d "$cache/trixie-nix-root.XXXXXX")
  echo "with-current-nix.sh: making a Debian 13 root with nix-bin (once)" >&2
  # libdbi-perl provides the virtual perl-dbdabi-94 that nix-bin's
  # libdbd-sqlite3-perl needs, which debootstrap does not resolve itself.
  debootstrap --variant=minbase \
    --include=nix-bin,libdbi-perl,python3,git,patch,xz-utils,ca-certificates,dpkg-dev,apt \
    trixie "$build" "$uri" >"$cache/trixie-nix-root.log" 2>&1 || {
    echo "with-current-nix.sh: debootstrap failed; see $cache/trixie-nix-root.log" >&2
    rm -rf "$build"
    exit 1
  }
  tar -C "$build" -cf "$pristine.new" .
  mv "$pristine.new" "$pristine"
  rm -rf "$build"
fi

root=$(mktemp -d "${TMPDIR:-/tmp}/compat-current-nix.XXXXXX")
trap 'rm -rf --one-file-system "$root"' EXIT
tar -C "$root" -xf "$pristine"

# Everything below happens in a mount namespace of its own.
export COMPAT_ROOT=$root COMPAT_TOP=$top COMPAT_CACHE=$cache
unshare --mount --fork bash -euo pipefail -c '
  bind() { mkdir -p "$COMPAT_ROOT$2"; mount --bind "$1" "$COMPAT_ROOT$2"; [ "${3:-}" = ro ] && mount -o remount,bind,ro "$COMPAT_ROOT$2"; true; }
  mount --make-rprivate /
  bind /proc /proc
  mkdir -p "$COMPAT_ROOT/dev"; mount --rbind /dev "$COMPAT_ROOT/dev"
  bind "$COMPAT_TOP" "$COMPAT_TOP"
  bind "$COMPAT_CACHE" "$COMPAT_CACHE"
  if [ -n "${COMPAT_NIXPKGS:-}" ]; then bind "$COMPAT_NIXPKGS" "$COMPAT_NIXPKGS" ro; fi
  cp /etc/resolv.conf "$COMPAT_ROOT/etc/resolv.conf" 2>/dev/null || true
  exec chroot "$COMPAT_ROOT" /usr/bin/env -C "$COMPAT_TOP" HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    COMPAT_CACHE="$COMPAT_CACHE" COMPAT_NIXPKGS="${COMPAT_NIXPKGS:-}" CI="${CI:-}" "$@"
' with-current-nix "$@"

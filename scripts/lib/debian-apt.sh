# Sourced by the scripts that fetch Debian packages with apt (bash only):
#
#   source scripts/lib/debian-apt.sh
#   debian_apt_setup STATE SUITE [deb-src]   # writes STATE/sources.list, sets apt_opts
#   apt-get "${apt_opts[@]}" -qq update
#
# apt runs with a private source list and private state under STATE, so the
# machine's own apt configuration is read (for the mirror URI) and never
# changed. The mirror is whatever URI the machine's Debian source already
# uses: no host name is written here. Messages name the calling script ($0).

# debian_mirror_uri: prints the URI of the machine's Debian mirror, from the
# first deb822 .sources stanza or one-line "deb" entry that is not -security;
# returns 1 when there is none.
debian_mirror_uri() {
  local f uri
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -e "$f" ] || continue
    uri=$(awk '/^URIs:/ {u=$2} /^Suites:/ && u != "" && $0 !~ /security/ {print u; exit}' "$f")
    [ -n "$uri" ] && { echo "$uri"; return; }
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -e "$f" ] || continue
    uri=$(awk '$1 == "deb" && $0 !~ /security/ {for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' "$f")
    [ -n "$uri" ] && { echo "$uri"; return; }
  done
  return 1
}

# debian_apt_opts STATE [deb-src]: sets the array apt_opts to the options
# that make apt-get and apt-cache use the private state under STATE. Binary
# packages (the default) are amd64's; source packages have no architecture.
debian_apt_opts() {
  local state=$1 kind=${2:-deb}
  apt_opts=(
    -o "Dir::Etc::SourceList=$state/sources.list"
    -o "Dir::Etc::SourceParts=/dev/null"
    -o "Dir::State::Lists=$state/lists"
    -o "Dir::State::Status=$state/status"
    -o "Dir::Cache=$state/cache"
  )
  [ "$kind" = deb-src ] || apt_opts+=(-o "APT::Architecture=amd64")
  apt_opts+=(
    -o "Debug::NoLocking=1"
    -o "APT::Sandbox::User=root"
  )
}

# debian_apt_setup STATE SUITE [deb-src]: finds the mirror, makes the private
# state dirs under STATE, points STATE/sources.list at SUITE's main component
# ("deb" lines, or "deb-src" for source packages) and sets apt_opts
# (debian_apt_opts). Returns 2, with a message, when no mirror is configured.
debian_apt_setup() {
  local state=$1 suite=$2 kind=${3:-deb} uri
  uri=$(debian_mirror_uri) || { echo "${0##*/}: no Debian mirror URI found in /etc/apt" >&2; return 2; }
  mkdir -p "$state/lists/partial" "$state/cache/archives/partial"
  echo "$kind [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $suite main" >"$state/sources.list"
  touch "$state/status"
  debian_apt_opts "$state" "$kind"
}

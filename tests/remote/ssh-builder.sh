#!/usr/bin/env bash
# A remote builder over ssh, proven on loopback: a derivation is built with
# `--builders ssh://...` and `--max-jobs 0` (so this machine cannot build it)
# by an sshd this script starts on 127.0.0.1, whose only command is
# `nix-store --serve --write` on a store of its own; then built again here,
# and the two results compared (same output path, same NAR hash).
#
#   tests/remote/ssh-builder.sh
#
# The derivation is a small program built with compat's stdenv (the
# real-build ladder's, glibc 2.31 and Linux 5.10 headers; tests/remote/
# probe.nix) when COMPAT_NIXPKGS is set and scripts/real-build.sh has built
# the ladder, else two small busybox derivations (tests/remote/small.nix).
# Either way a fresh nonce makes it new, so neither store has it.
#
# Everything lives in a temporary directory: the sshd's host key, the client
# key, authorized_keys with the forced command, the builder's store. The
# sshd listens on 127.0.0.1 only, on a free high port, and is stopped at the
# end, also on failure or interruption. The client runs ssh with -F /dev/null
# and the host key from the machines line, so neither the machine's ssh
# configuration nor ~/.ssh is read or written (checked). As root, sshd needs
# /run/sshd: it runs in a private mount namespace with its own tmpfs on
# /run, so the machine's /run is untouched.
#
# Prints "ok"/"FAIL" lines and "N passed, N failed"; "SKIP" and exit 0 when a
# prerequisite is missing.
set -uo pipefail
cd "$(dirname "$0")/../.."
top=$PWD

skip() {
  echo "SKIP remote: $*"
  exit 0
}
for tool in nix-build nix-instantiate nix-store nix ssh ssh-keygen python3; do
  command -v "$tool" >/dev/null || skip "\`$tool\` not found (scripts/install-deps.sh installs it)"
done
sshd=$(command -v sshd || echo /usr/sbin/sshd)
[ -x "$sshd" ] || skip "sshd not found (openssh-server; scripts/install-deps.sh installs it)"
busybox=$(command -v busybox || echo /bin/busybox)
[ -x "$busybox" ] || skip "a static busybox is needed (busybox-static; scripts/install-deps.sh installs it)"
if [ "$(id -u)" -eq 0 ]; then
  command -v unshare >/dev/null || skip "\`unshare\` not found: sshd as root needs its own /run/sshd"
  unshare --mount --propagation private true 2>/dev/null ||
    skip "cannot make a private mount namespace (unshare --mount), which sshd as root needs for its own /run/sshd"
fi

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok   remote: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL remote: $*"; }
finish() {
  echo "remote: $passed passed, $failed failed"
  [ "$failed" -eq 0 ] && exit 0
  exit 1
}

work=$(mktemp -d)
sshd_pid=
cleanup() {
  if [ -n "$sshd_pid" ]; then
    kill "$sshd_pid" 2>/dev/null
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$sshd_pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$sshd_pid" 2>/dev/null
  fi
  chmod -R u+w "$work" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# Nix as real-build.sh runs it: in the sandbox, the static busybox as its
# /bin/sh, nothing substituted.
nix_config="sandbox = true
sandbox-paths = /bin/sh=$busybox
substituters =
build-users-group =
experimental-features = nix-command flakes"
export NIX_CONFIG=$nix_config
export NIX_PATH=
system=$(nix-instantiate --eval --expr builtins.currentSystem | tr -d '"')
ssh_state() { if [ -e ~/.ssh ]; then ls -la --time-style=full-iso ~/.ssh 2>&1; else echo absent; fi; }
ssh_before=$(ssh_state)

# 1. What to build.
nonce=$(basename "$work")
cache=${COMPAT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/compat}
if [ -n "${COMPAT_NIXPKGS:-}" ] && scripts/real-build.sh >/dev/null 2>"$work/real-build.err"; then
  # The same arguments real-build.sh gives ladder.nix (its files and sources directories).
  drv=$(nix-instantiate tests/remote/probe.nix --arg nixpkgs "$COMPAT_NIXPKGS" \
    --arg files "$cache/debian-bootstrap-files-trixie" --arg sources "$cache/real-build/sources" \
    --argstr nonce "$nonce" 2>"$work/instantiate.err")
  what="a program built with compat's stdenv (the real-build ladder's: glibc 2.31, Linux 5.10 headers)"
else
  [ -n "${COMPAT_NIXPKGS:-}" ] && echo "     real-build.sh failed, so the small derivations: $(tail -n 3 "$work/real-build.err")"
  drv=$(nix-instantiate tests/remote/small.nix --arg busyboxDir "$(dirname "$busybox")" \
    --argstr nonce "$nonce" 2>"$work/instantiate.err")
  what="two small busybox derivations (no nixpkgs tree: COMPAT_NIXPKGS unset)"
fi
[ -n "$drv" ] || { fail "instantiating: $(cat "$work/instantiate.err")"; finish; }
echo "     building $what: $drv"
# The derivations that need building (this one, and in the small case its dependency).
to_build=$(nix-store --realise --dry-run "$drv" 2>&1 | sed -n 's|^  \(/nix/store/.*\.drv\)$|\1|p')
outputs=$(for d in $to_build; do nix-store --query --outputs "$d"; done)
[ -n "$outputs" ] || { fail "nothing to build for $drv (its outputs are already valid?)"; finish; }

# 2. The builder: keys, authorized_keys with the forced command, sshd.
ssh-keygen -q -t ed25519 -N '' -C compat-test-host -f "$work/host_key"
ssh-keygen -q -t ed25519 -N '' -C compat-test-client -f "$work/client_key"
ssh-keygen -q -t ed25519 -N '' -C compat-test-stranger -f "$work/stranger_key"
builder_store="$work/builder-store"
cat >"$work/serve.sh" <<EOF
#!/bin/sh
# The builder's only command: a Nix store serving builds, in $builder_store.
echo "serve \$(date +%s) \${SSH_ORIGINAL_COMMAND:-}" >>"$work/serve.log"
NIX_CONFIG='$nix_config'
export NIX_CONFIG
exec $(command -v nix-store) --serve --write --store "$builder_store"
EOF
chmod +x "$work/serve.sh"
: >"$work/serve.log"
echo "command=\"$work/serve.sh\",restrict $(cat "$work/client_key.pub")" >"$work/authorized_keys"
user=$(id -un)

start_sshd() {
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  cat >"$work/sshd_config" <<EOF
ListenAddress 127.0.0.1:$port
HostKey $work/host_key
AuthorizedKeysFile $work/authorized_keys
AuthenticationMethods publickey
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
AllowUsers $user
PidFile none
EOF
  : >"$work/sshd.log"
  if [ "$(id -u)" -eq 0 ]; then
    # The same process, exec'd: unshare -> sh -> sshd, so $! is sshd's pid.
    unshare --mount --propagation private sh -c \
      'mount -t tmpfs -o mode=755 compat-sshd-run /run && mkdir -m 755 /run/sshd && exec "$0" -D -e -f "$1"' \
      "$sshd" "$work/sshd_config" >>"$work/sshd.log" 2>&1 &
  else
    "$sshd" -D -e -f "$work/sshd_config" >>"$work/sshd.log" 2>&1 &
  fi
  sshd_pid=$!
  for _ in $(seq 50); do
    grep -q "Server listening on 127.0.0.1 port $port" "$work/sshd.log" && return 0
    kill -0 "$sshd_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill "$sshd_pid" 2>/dev/null
  sshd_pid=
  return 1
}
started=no
for _ in 1 2 3; do start_sshd && { started=yes; break; }; done
if [ "$started" = yes ]; then
  pass "sshd on 127.0.0.1:$port (pid $sshd_pid), keys and forced command in a temporary directory"
else
  fail "sshd did not start: $(tail -n 3 "$work/sshd.log")"
  finish
fi

export NIX_SSHOPTS="-p $port -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -o GlobalKnownHostsFile=/dev/null -o ConnectTimeout=10"
host_key=$(cut -d' ' -f1,2 "$work/host_key.pub" | base64 -w0)
# A machines line: URI, system, ssh key, max jobs, speed factor, supported
# and mandatory features, the builder's host key (base64).
machine() { echo "ssh://$user@127.0.0.1 $system $1 1 1 - - $host_key"; }

# 3. Build it there. --max-jobs 0: this machine may not build anything.
start=$SECONDS
if result=$(nix-build "$drv" --no-out-link --max-jobs 0 --builders "$(machine "$work/client_key")" 2>"$work/remote.err"); then
  remote_time=$((SECONDS - start))
  pass "built with --max-jobs 0 through the ssh builder in ${remote_time} s: $result"
else
  fail "the remote build failed: $(tail -n 8 "$work/remote.err")"
  finish
fi
grep -qF "building '$drv' on 'ssh://$user@127.0.0.1'" "$work/remote.err" &&
  pass "Nix's log says the build ran on ssh://$user@127.0.0.1" ||
  fail "no \"building '$drv' on 'ssh://...'\" in Nix's log: $(tail -n 5 "$work/remote.err")"
[ -s "$work/serve.log" ] && grep -q "Accepted publickey for $user from 127.0.0.1" "$work/sshd.log" &&
  pass "sshd accepted the client key and ran the forced command $(wc -l <"$work/serve.log") times" ||
  fail "sshd log or the forced command's log shows no session: $(tail -n 3 "$work/sshd.log")"

# path_info STORE PATH FIELD: a field of `nix path-info --json` ("" when absent).
path_info() {
  local store_args=()
  [ "$1" = here ] || store_args=(--store "$1")
  nix path-info "${store_args[@]}" --json "$2" 2>/dev/null |
    python3 -c 'import json, sys; d = json.load(sys.stdin); d = d[0] if isinstance(d, list) else next(iter(d.values())); print(d.get(sys.argv[1], ""))' "$3"
}
# Built there: the builder's store registered the output as built by itself
# ("ultimate"); this store holds it as copied, not built.
remote_hash=$(path_info "$builder_store" "$result" narHash)
remote_ultimate=$(path_info "$builder_store" "$result" ultimate)
local_ultimate=$(path_info here "$result" ultimate)
if [ "$remote_ultimate" = True ] && [ -z "$local_ultimate" ]; then
  pass "the builder's store built it (ultimate there, $remote_hash); this store only received it"
else
  fail "the builder's store does not say it built $result (ultimate there: '$remote_ultimate', here: '$local_ultimate')"
fi
echo "     the builder's store: $(find "$builder_store/nix/store" -mindepth 1 -maxdepth 1 ! -name '*.lock' | wc -l) store paths, $(du -sh "$builder_store" | cut -f1) (inputs copied there, outputs built there)"
if [ "$what" != "${what#a program}" ]; then
  interp=$(readelf -l "$result/bin/probe" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
  case "$interp" in
    */nix/store/*-2.31/lib/ld-linux-x86-64.so.2) pass "the program loads through compat's glibc 2.31: $interp" ;;
    *) fail "the program's interpreter is not compat's glibc 2.31: '$interp'" ;;
  esac
fi
[ "$(ssh_state)" = "$ssh_before" ] && pass "~/.ssh is as it was ($(head -c 40 <<<"$ssh_before" | head -n 1))" ||
  fail "~/.ssh changed during the run"

# 4. The same derivation built here: same output path, same NAR hash.
# shellcheck disable=SC2086
nix-store --delete $outputs >"$work/delete.out" 2>&1 || fail "cannot delete the remotely built outputs to rebuild them here: $(tail -n 3 "$work/delete.out")"
sessions=$(wc -l <"$work/serve.log")
start=$SECONDS
if local_result=$(nix-build "$drv" --no-out-link --builders '' 2>"$work/local.err"); then
  local_time=$((SECONDS - start))
  local_hash=$(path_info here "$local_result" narHash)
  if [ "$local_result" = "$result" ] && [ "$local_hash" = "$remote_hash" ] && [ "$(path_info here "$local_result" ultimate)" = True ]; then
    pass "built here in ${local_time} s: the same output path and NAR hash ($local_hash)"
  else
    fail "built here: $local_result $local_hash; there: $result $remote_hash"
  fi
  [ "$(wc -l <"$work/serve.log")" = "$sessions" ] || fail "the local build contacted the builder"
else
  fail "the local build failed: $(tail -n 8 "$work/local.err")"
fi

# 5. Control: a key the builder does not accept. With --max-jobs 0 nothing
# can build the (new) derivation, so the build must fail.
if [ -n "${COMPAT_NIXPKGS:-}" ] && [ "$what" != "${what#a program}" ]; then
  control=$(nix-instantiate tests/remote/probe.nix --arg nixpkgs "$COMPAT_NIXPKGS" \
    --arg files "$cache/debian-bootstrap-files-trixie" --arg sources "$cache/real-build/sources" \
    --argstr nonce "$nonce-control" 2>/dev/null)
else
  control=$(nix-instantiate tests/remote/small.nix --arg busyboxDir "$(dirname "$busybox")" \
    --argstr nonce "$nonce-control" 2>/dev/null)
fi
if nix-build "$control" --no-out-link --max-jobs 0 --builders "$(machine "$work/stranger_key")" >"$work/control.out" 2>&1; then
  fail "built with --max-jobs 0 and a key the builder refuses"
else
  pass "refused with a key the builder does not accept: $(grep -o "cannot build[^;]*\|Permission denied[^;]*\|unable to start[^;]*\|failed to start[^;]*" "$work/control.out" | head -n 1)"
fi

finish

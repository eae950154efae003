# mkCompatStdenv :: { compat } -> args -> stdenv
#
# The stdenv of mkCompatPkgs (same arguments), for use in your own
# derivations: `stdenv.mkDerivation` with it links against the target glibc.
# The whole package set it belongs to is reachable as `stdenv.compatPkgs`.
#
#   stdenv = compat.lib.mkCompatStdenv { system = "x86_64-linux"; glibc = "2.31"; kernel = "5.10"; };
{ compat }:
args:
let
  pkgs = compat.mkCompatPkgs args;
in
pkgs.stdenv // { compatPkgs = pkgs; }

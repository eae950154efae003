# A small program built with compat's stdenv: the real-build ladder's
# (tests/real-build/ladder.nix), whose compiler wrapper compiles against
# compat's glibc 2.31 and Linux 5.10 headers. What tests/remote/ssh-builder.sh
# builds remotely when COMPAT_NIXPKGS is set. `nonce` makes each run's
# derivation new, so neither store has it yet; its inputs (the stdenv) are
# the ladder's, already built by scripts/real-build.sh.
{
  nixpkgs,
  files,
  sources,
  nonce,
}:
let
  ladder = import ../real-build/ladder.nix { inherit nixpkgs files sources; };
in
ladder.stdenv.mkDerivation {
  pname = "compat-remote-probe";
  version = "1";
  src = ../real-build/programs/memfd_secret.c;
  inherit nonce;
  dontUnpack = true;
  buildPhase = ''
    runHook preBuild
    $CC -O2 -o probe $src
    runHook postBuild
  '';
  installPhase = ''
    runHook preInstall
    install -Dm755 probe $out/bin/probe
    runHook postInstall
  '';
}

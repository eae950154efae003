# A C program built offline by nixpkgs' own first stdenv stage
# (bootstrap-stage1: the bootstrap tools' GCC and glibc behind nixpkgs'
# compiler wrapper), seeded from compat's default bootstrap files for glibc
# 2.31: the ones scripts/debian-bootstrap-files.sh assembles from Debian 11
# binaries, pinned by hash in lib/bootstrapFiles.nix.
#
#   scripts/debian-bootstrap-files.sh <dir>
#   nix-store --add-fixed sha256 <dir>/bootstrap-tools.tar.xz
#   nix-store --add-fixed --recursive sha256 <dir>/busybox
#   nix-build tests/nix/debian-bootstrap.nix --arg nixpkgs <tree>
#
# No bootstrapFiles are passed: this proves what a user gets by default.
# Only the program's own derivation and the bootstrap plumbing below it are
# built: nothing is downloaded.
{
  nixpkgs,
  system ? "x86_64-linux",
}:
let
  compat = import ../../lib { inherit nixpkgs; };
  pkgs = compat.mkCompatPkgs {
    inherit system;
    glibc = "2.31";
    overlays = [
      # Stage1 runs gnu-config's hook, whose config.guess/config.sub come
      # from the network; the program below has no configure script.
      (final: prev: {
        gnu-config = prev.runCommand "gnu-config-offline" { } ''
          mkdir -p $out
          printf '#!/bin/sh\nexit 1\n' > $out/config.guess
          cp $out/config.guess $out/config.sub
        '';
      })
    ];
  };
  # Walk back through the stages to the one named bootstrap-stage1.
  find =
    stdenv: depth:
    if depth > 12 then
      throw "no bootstrap-stage1 stdenv found"
    else if stdenv.name == "bootstrap-stage1-stdenv-linux" then
      stdenv
    else
      find stdenv.__bootPackages.stdenv (depth + 1);
  stage1 = find pkgs.stdenv 0;
in
stage1.mkDerivation {
  name = "compat-debian-bootstrap-proof";
  src = ./fixtures/proof/hello.c;
  dontUnpack = true;
  buildPhase = ''
    $CC -O2 -o hello $src
  '';
  installPhase = ''
    mkdir -p $out/bin
    cp hello $out/bin/
  '';
  passthru = {
    inherit stage1;
  };
}

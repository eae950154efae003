# leafStage :: { target, compatOverlays } -> stdenv stage function
#
# The extra stdenv stage of the "leaf" strategy, appended after nixpkgs' own
# Linux bootstrap (which stays untouched, so its binary cache applies). From
# the final nixpkgs package set it builds (see leafToolchain):
#   1. the target's Linux headers and glibc, with nixpkgs' ordinary stdenv;
#   2. GCC once more, with a compiler wrapper that links against the target
#      glibc, so its runtime libraries (libgcc_s, libstdc++) need nothing
#      newer than the target;
#   3. a stdenv whose compiler is that GCC with the target glibc.
# The stage's package set is built with that stdenv and without nixpkgs'
# stdenv overrides, so packages the Linux bootstrap would forward into the
# final set (bash, xz, coreutils, ...) are rebuilt against the target glibc.
{ target, compatOverlays }:
prevStage:
let
  toolchain = import ./leafToolchain.nix {
    pkgs = prevStage;
    inherit target compatOverlays;
  };
  inherit (toolchain)
    headers
    glibc
    glibcOverlay
    gcc
    cc
    ;
in
{
  inherit (prevStage) config overlays;
  stdenv = prevStage.stdenv.override {
    inherit cc;
    allowedRequisites = null;
    overrides =
      self: super:
      let
        # Locales and the manual of the target's release, built in this
        # stage (their glibc input is the one above).
        sameRelease = glibcOverlay self super;
      in
      {
        inherit (sameRelease) glibcLocales glibcLocalesUtf8 glibcInfo;
        # Fetching is fixed-output: the previous stage's fetchers do.
        # Building curl in this stage would need bash, which needs sources
        # first.
        inherit (prevStage) fetchurl;
        inherit glibc;
        linuxHeaders = headers;
        gcc-unwrapped = gcc;
        gcc = cc;
      };
  };
}

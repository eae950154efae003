# leafToolchain :: { pkgs, target, compatOverlays } -> attrset
#
# The target's toolchain on top of a nixpkgs package set whose own stdenv
# stays as it is: what the "leaf" strategy's extra stage is made of (see
# leafStage), and what the real-build ladder builds piece by piece
# (tests/real-build). From `pkgs`, built with `pkgs.stdenv`:
#
#   headers   the target's Linux headers (overlays/linux-headers.nix)
#   glibc     the target's glibc (overlays/glibc.nix), pointed at `headers`
#   glibcOverlay  that overlay, for the locales of the same release
#   bintools  pkgs.stdenv's binutils, wrapped to link against `glibc`
#   ccFirst   pkgs.stdenv's compiler, wrapped to compile against `glibc` and
#             `headers` and link against `glibc`; its runtime libraries
#             (libgcc_s, libstdc++) are still the ones of pkgs.stdenv
#   gcc       GCC rebuilt by ccFirst, so its runtime libraries need nothing
#             newer than the target
#   cc        `gcc` wrapped like ccFirst: the compiler of the leaf stdenv
#
# Nothing is built until an attribute is used.
{
  pkgs,
  target,
  compatOverlays,
}:
let
  base = pkgs.stdenv;
  headers = (compatOverlays.linuxHeaders { version = target.kernel; } pkgs pkgs).linuxHeaders;
  glibcOverlay = compatOverlays.glibc {
    version = target.glibc;
    inherit (target) kernel;
    inherit headers;
  };
  # Built by the ordinary stdenv, not the one it becomes part of.
  glibc = (glibcOverlay pkgs (pkgs // { glibc = pkgs.glibc.override { stdenv = base; }; })).glibc;
  bintools = pkgs.wrapBintoolsWith {
    bintools = base.cc.bintools.bintools;
    libc = glibc;
  };
  ccFirst = pkgs.wrapCCWith {
    cc = base.cc.cc;
    inherit bintools;
    libc = glibc;
  };
  gcc = base.cc.cc.override { stdenv = pkgs.overrideCC base ccFirst; };
  cc = pkgs.wrapCCWith {
    cc = gcc;
    inherit bintools;
    libc = glibc;
  };
in
{
  inherit
    headers
    glibc
    glibcOverlay
    bintools
    ccFirst
    gcc
    cc
    ;
}

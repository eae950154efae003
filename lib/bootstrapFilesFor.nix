# bootstrapFilesFor :: { system, glibc, bootstrapFiles } -> attrset or null
#
# Chooses the bootstrap files (the seed `bootstrapTools` tarball and a static
# `busybox`, each a store path or <nix/fetchurl.nix> derivation) that the
# "bootstrap" strategy starts from; null means nixpkgs' own.
#
# nixpkgs' bootstrap tarballs of 2024 and later carry glibc 2.38 or newer.
# bootstrap-stage2 re-points the tarball's `ld` at the freshly built glibc, so
# a tarball whose glibc is newer than the target cannot be used: its tools
# need symbol versions the target glibc lacks. For such targets the default is
# the last x86_64 bootstrap tarball nixpkgs published before 2023 (built
# from nixos-19.09 and published in 2020: GCC 8.3, glibc 2.27, binutils
# 2.31, make 4.2.1). That tarball's tools building current
# nixpkgs' first stages is NOT verified here (it needs network); see the
# README for producing your own bootstrap files.
#
# `bootstrapFiles` as given by the caller:
#   null        the default described above
#   "nixpkgs"   nixpkgs' own bootstrap files, whatever their glibc
#   { bootstrapTools, busybox }  these files
{
  system,
  glibc,
  bootstrapFiles,
  # The oldest glibc found in nixpkgs' current bootstrap tarballs.
  nixpkgsBootstrapGlibc ? "2.38",
}:
let
  older = builtins.compareVersions glibc nixpkgsBootstrapGlibc < 0;
  known = {
    x86_64-linux = {
      busybox = import <nix/fetchurl.nix> {
        url = "http://tarballs.nixos.org/stdenv-linux/i686/4907fc9e8d0d82b28b3c56e3a478a2882f1d700f/busybox";
        sha256 = "ef4c1be6c7ae57e4f654efd90ae2d2e204d6769364c46469fa9ff3761195cba1";
        executable = true;
      };
      bootstrapTools = import <nix/fetchurl.nix> {
        url = "http://tarballs.nixos.org/stdenv-linux/x86_64/c5aabb0d603e2c1ea05f5a93b3be82437f5ebf31/bootstrap-tools.tar.xz";
        sha256 = "a5ce9c155ed09397614646c9717fc7cd94b1023d7b76b618d409e4fefd6e9d39";
      };
    };
  };
in
if bootstrapFiles == "nixpkgs" then
  null
else if bootstrapFiles != null then
  if builtins.isAttrs bootstrapFiles && bootstrapFiles ? bootstrapTools && bootstrapFiles ? busybox then
    bootstrapFiles
  else
    throw "compat: bootstrapFiles must be null, \"nixpkgs\" or { bootstrapTools = ...; busybox = ...; }"
else if !older then
  null
else if known ? ${system} then
  known.${system}
else
  throw "compat: no bootstrap files with a glibc older than ${glibc} are known for ${system}; pass bootstrapFiles = { bootstrapTools = ...; busybox = ...; } (see the README: \"Bootstrap files\")"

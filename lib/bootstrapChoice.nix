# bootstrapChoice :: { system, glibc, bootstrapFiles } -> choice
#
# Which bootstrap files (the seed `bootstrapTools` tarball and a static
# `busybox`) the "bootstrap" strategy starts from for a target glibc, and
# what is known about them. The result:
#
#   name      "debian-11", "nixpkgs-2020", "nixpkgs" or "own"
#   isDefault true when the caller left bootstrapFiles = null
#   files     { bootstrapTools, busybox } for nixpkgs' stdenv stages, or null
#             for nixpkgs' own
#   proven    the furthest stage built from them here ("bootstrap-stage1"),
#             or null
#   message   one paragraph saying which files, what is and is not proven,
#             and how to get them; mkCompatPkgs prints it as a trace
#
# A target glibc older than the files' cannot start from them:
# bootstrap-stage2 re-points the tarball's `ld` at the freshly built glibc,
# so their tools would need symbol versions the target glibc lacks.
#
# `bootstrapFiles` as given by the caller:
#   null            the default: of the known files (lib/bootstrapFiles.nix)
#                   that run on `system` and whose glibc is not newer than
#                   the target's, the best proven. nixpkgs' own come first
#                   where their glibc allows (2.38 or newer: no supported
#                   target), then "debian-11" (glibc 2.31: a stage proven
#                   here), then "nixpkgs-2020" (glibc 2.27: nothing proven)
#   "debian-11", "nixpkgs-2020"  those files, refused when their glibc is
#                   newer than the target's
#   "nixpkgs"       nixpkgs' own, whatever their glibc
#   { bootstrapTools, busybox }  these files
{
  system,
  glibc,
  bootstrapFiles,
  known ? import ./bootstrapFiles.nix,
  # The oldest glibc found in nixpkgs' current bootstrap tarballs.
  nixpkgsBootstrapGlibc ? "2.38",
}:
let
  notNewer = files: builtins.compareVersions known.${files}.glibc glibc <= 0;
  runsHere = files: builtins.elem system known.${files}.systems;
  target = "glibc ${glibc} on ${system}, strategy \"bootstrap\"";
  readme = "README, \"Bootstrap files\"";

  # A fixed-output derivation of files nothing can download: when the store
  # already holds them (added with `nix-store --add-fixed`), Nix uses them;
  # otherwise building it prints how to make them and fails.
  toBeAdded =
    {
      name,
      mode,
      sha256,
      howTo,
    }:
    derivation {
      inherit name system;
      builder = "/bin/sh";
      args = [
        "-c"
        "echo \"$message\" >&2; exit 1"
      ];
      message = "compat: ${name} is not in the Nix store and cannot be downloaded: ${howTo}";
      outputHashMode = mode;
      outputHashAlgo = "sha256";
      outputHash = sha256;
      preferLocalBuild = true;
    };

  filesOf = {
    debian-11 =
      let
        d = known.debian-11;
      in
      {
        bootstrapTools = toBeAdded {
          name = "bootstrap-tools.tar.xz";
          mode = "flat";
          sha256 = d.tarballSha256;
          howTo = d.obtain;
        };
        busybox = "${
          toBeAdded {
            name = "busybox";
            mode = "recursive";
            sha256 = d.busyboxDirSha256;
            howTo = d.obtain;
          }
        }/busybox";
      };
    nixpkgs-2020 =
      let
        d = known.nixpkgs-2020;
      in
      {
        busybox = import <nix/fetchurl.nix> {
          url = d.busyboxUrl;
          sha256 = d.busyboxSha256;
          executable = true;
        };
        bootstrapTools = import <nix/fetchurl.nix> {
          inherit (d) url sha256;
        };
      };
  };
  provenOf = {
    debian-11 = "bootstrap-stage1";
    nixpkgs-2020 = null;
  };

  # The default's ranking, best proven first.
  ranked = builtins.filter (files: runsHere files && notNewer files) [
    "debian-11"
    "nixpkgs-2020"
  ];
  nixpkgsFits = builtins.compareVersions glibc nixpkgsBootstrapGlibc >= 0;

  knownChoice =
    name: isDefault:
    let
      d = known.${name};
      why =
        if !isDefault then
          "chosen by the caller"
        else if provenOf.${name} != null then
          "the default: the best proven"
        else
          "the default: the only known files whose glibc (${d.glibc}) is not newer than ${glibc}";
    in
    {
      inherit name isDefault;
      files = filesOf.${name};
      proven = provenOf.${name};
      message =
        "compat: ${target}: bootstrap files \"${name}\" (${why}), ${d.what}. "
        + "Proven here: ${d.proven}. "
        + (if d.obtain == null then "Nix downloads them. " else "They cannot be downloaded: ${d.obtain}. ")
        + (
          if name == "debian-11" then
            "Other choices: ${readme}."
          else if runsHere "debian-11" && notNewer "debian-11" then
            "The better-proven \"debian-11\" files fit this target: leave bootstrapFiles = null (${readme})."
          else
            "The better-proven \"debian-11\" files carry glibc ${known.debian-11.glibc}; for glibc ${glibc} pass files of your own, bootstrapFiles = { bootstrapTools = ...; busybox = ...; } (${readme})."
        );
    };

  nixpkgsChoice = isDefault: {
    name = "nixpkgs";
    inherit isDefault;
    files = null;
    proven = null;
    message =
      "compat: ${target}: nixpkgs' own bootstrap files (${
        if isDefault then "the default" else "chosen by the caller"
      }, glibc ${nixpkgsBootstrapGlibc} or newer). "
      + (
        if nixpkgsFits then
          "Not newer than the target's: nixpkgs builds from them every day; nothing of compat's is proven with them here."
        else
          "Newer than the target's ${glibc}: bootstrap-stage2 re-links their tools against glibc ${glibc}, which is expected to fail; not proven either way here. See ${readme}."
      );
  };

  ownChoice = {
    name = "own";
    isDefault = false;
    files = bootstrapFiles;
    proven = null;
    message = "compat: ${target}: bootstrap files of your own (bootstrapFiles = { bootstrapTools; busybox; }); compat cannot tell what they hold: their glibc must not be newer than ${glibc}.";
  };

  choices = "null (the default), \"debian-11\", \"nixpkgs-2020\", \"nixpkgs\" or { bootstrapTools = ...; busybox = ...; }";
in
if bootstrapFiles == null then
  if nixpkgsFits then
    nixpkgsChoice true
  else if ranked != [ ] then
    knownChoice (builtins.head ranked) true
  else
    throw "compat: no bootstrap files with a glibc not newer than ${glibc} are known for ${system}; pass bootstrapFiles = { bootstrapTools = ...; busybox = ...; } (see the ${readme})"
else if bootstrapFiles == "nixpkgs" then
  nixpkgsChoice false
else if builtins.isString bootstrapFiles && known ? ${bootstrapFiles} then
  if !runsHere bootstrapFiles then
    throw "compat: bootstrapFiles = \"${bootstrapFiles}\" exist for ${builtins.concatStringsSep ", " known.${bootstrapFiles}.systems} only, not ${system}"
  else if !notNewer bootstrapFiles then
    throw "compat: bootstrapFiles = \"${bootstrapFiles}\" carry glibc ${known.${bootstrapFiles}.glibc}, newer than the target's ${glibc}: bootstrap-stage2 would re-link their tools against glibc ${glibc}. Leave bootstrapFiles = null for the default of this target, or pass files of your own (${readme})."
  else
    knownChoice bootstrapFiles false
else if builtins.isAttrs bootstrapFiles && bootstrapFiles ? bootstrapTools && bootstrapFiles ? busybox then
  ownChoice
else
  throw "compat: bootstrapFiles must be ${choices}; got ${
    if builtins.isString bootstrapFiles then "\"${bootstrapFiles}\"" else "a ${builtins.typeOf bootstrapFiles}"
  }"

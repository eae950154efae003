# mkCompatPkgs :: { compat } -> args -> package set
#
# A nixpkgs package set whose every package links against an older glibc and
# compiles against older Linux headers.
#
#   mkCompatPkgs {
#     system = "x86_64-linux";
#     glibc = "2.31";          # or profile = "debian-11";
#     kernel = "5.10";         # default: the profile's, or the glibc's pair
#     strategy = "bootstrap";  # or "leaf"
#   }
#
# Arguments:
#   system          the build = host system; default: the system of `pkgs`
#                   when given, else the current system where evaluation
#                   knows it (not in pure evaluation: flakes use
#                   compat.legacyPackages.<system>.lib instead)
#   pkgs            a nixpkgs package set of yours: its system and its
#                   nixpkgs source become the defaults of `system` and
#                   `nixpkgs`
#   profile, glibc, kernel  the target (see resolveTarget)
#   nixpkgs         the nixpkgs source tree (default: the flake's input)
#   overlays        applied after compat's own overlays, in every stage
#   config          nixpkgs config
#   strategy        "bootstrap": the whole Linux bootstrap is rebuilt on the
#                   target glibc (glibc and linuxHeaders overridden in every
#                   stage; nothing comes from the binary cache).
#                   "leaf": nixpkgs' bootstrap and its cache are kept; one
#                   extra stage rebuilds glibc and GCC's runtime for the
#                   target (see leafStage).
#   bootstrapFiles  "bootstrap" strategy only (refused with "leaf"): null for
#                   the target's best-proven default, "debian-11",
#                   "nixpkgs-2020", "nixpkgs" or { bootstrapTools, busybox };
#                   see bootstrapChoice. Which files are used, and what is
#                   proven for them, is printed as a trace when the stdenv
#                   stages are evaluated.
#   fixups          overlay from `compat fixups` for this target; default: the
#                   one of the target's profile in overlays/fixups/, if any
#
# The result has `compatTarget` = the resolved target (see resolveTarget)
# plus `strategy` and `fixups` (the profile whose fixups overlay was applied,
# "given", or null). It comes from an overlay, so sets made from this one
# with `extend` or `appendOverlays` have it too.
{ compat }:
{
  system ? null,
  pkgs ? null,
  profile ? null,
  glibc ? null,
  kernel ? null,
  nixpkgs ? if pkgs != null && pkgs ? path then pkgs.path else compat.nixpkgs,
  overlays ? [ ],
  config ? { },
  strategy ? "bootstrap",
  bootstrapFiles ? null,
  fixups ? null,
}@args:
let
  system' =
    if system != null then
      system
    else if pkgs != null then
      pkgs.stdenv.hostPlatform.system
    else if builtins ? currentSystem then
      builtins.currentSystem
    else
      throw "compat: mkCompatPkgs needs a system: pass system = \"x86_64-linux\" (or pkgs = a nixpkgs package set), or in a flake use compat.legacyPackages.<system>.lib.mkCompatPkgs / mkCompatStdenv";
  target = compat.resolveTarget { inherit profile glibc kernel; };
  source =
    if nixpkgs == null then
      throw "compat: mkCompatPkgs needs a nixpkgs tree: pass nixpkgs = <path>, or use the flake's lib"
    else
      nixpkgs;
  # Which fixups overlay applies: the caller's, else the one generated for
  # the target's profile (named, or matched by glibc and kernel), else none.
  fixupsName =
    if fixups != null then
      "given"
    else if target.profile != null && compat.overlays.fixups ? ${target.profile} then
      target.profile
    else
      null;
  fixupsOverlay =
    if fixups != null then
      fixups
    else if fixupsName != null then
      compat.overlays.fixups.${fixupsName}
    else
      (final: prev: { });
  targetOverlays = [
    (compat.overlays.linuxHeaders { version = target.kernel; })
    (compat.overlays.glibc {
      version = target.glibc;
      inherit (target) kernel;
    })
  ];
  userOverlays = [ fixupsOverlay ] ++ overlays;
  # The set's `compatTarget`, added by an overlay (the last one) rather than
  # by `set // { ... }`: pkgs.extend and appendOverlays import nixpkgs again
  # with the set's overlays, so an attribute merged onto the result would
  # be lost and one from an overlay is kept.
  targetAttrOverlay = final: prev: {
    compatTarget = target // {
      inherit strategy;
      fixups = fixupsName;
    };
  };
  choice = compat.bootstrapChoice {
    system = system';
    inherit bootstrapFiles;
    inherit (target) glibc;
  };
  # Both mid-2024 and current nixpkgs keep the Linux stages here and accept
  # `bootstrapFiles` as an argument (current nixpkgs also reads
  # config.replaceBootstrapFiles, which an explicit argument bypasses).
  #
  # nixpkgs calls the same stdenvStages again for the package sets it makes
  # inside this one (pkgsi686Linux, pkgsCross.*, pkgsStatic, pkgsMusl). Those
  # are not compat sets (another system, libc or linkage, and bootstrap
  # files for this system only): they fail at evaluation, saying so.
  #
  # `note`, when not null, is printed as a trace once the stages are made.
  linuxStages =
    note: extra: stageArgs:
    let
      local = stageArgs.localSystem;
      cross = stageArgs.crossSystem or local;
      subSet =
        if local.system != system' then
          "a package set for ${local.system} (such as pkgsi686Linux)"
        else if cross.config != local.config then
          "a cross-compiling package set for ${cross.config} (pkgsCross.*)"
        else if cross.isStatic or false then
          "a static package set (pkgsStatic)"
        else if (cross.libc or "glibc") != "glibc" then
          "a package set on ${cross.libc} (such as pkgsMusl)"
        else
          null;
    in
    if subSet != null then
      throw "compat: ${subSet} inside a compat set for ${system'} is not a compat set: compat rebuilds the ${system'} glibc stdenv only. Call mkCompatPkgs { system = \"${local.system}\"; ... } for another system; cross, static and musl builds are not supported."
    else
      (if note == null then (stages: stages) else builtins.trace note) (
        import (toString source + "/pkgs/stdenv/linux") (stageArgs // extra)
      );
  strategies = {
    bootstrap = {
      overlays = targetOverlays ++ userOverlays ++ [ targetAttrOverlay ];
      stdenvStages = linuxStages choice.message (
        if choice.files == null then { } else { bootstrapFiles = choice.files; }
      );
    };
    leaf = {
      overlays = userOverlays ++ [ targetAttrOverlay ];
      stdenvStages =
        stageArgs:
        linuxStages null { } stageArgs
        ++ [
          (compat.leafStage {
            inherit target;
            compatOverlays = compat.overlays;
          })
        ];
    };
  };
  chosen =
    if config ? replaceStdenv then
      throw "compat: config.replaceStdenv replaces the stdenv compat builds, so it cannot be honoured in a compat set; pass your changes as overlays instead"
    else if strategy == "leaf" && bootstrapFiles != null then
      throw "compat: bootstrapFiles is for strategy = \"bootstrap\" only; the leaf strategy keeps nixpkgs' own bootstrap (and its binary cache)"
    else
      strategies.${strategy} or (throw "compat: unknown strategy \"${toString strategy}\"; supported: bootstrap, leaf");
  # `chosen` first, so a bad strategy is reported before nixpkgs is read.
  set = builtins.seq chosen (
    import source {
      localSystem = {
        system = system';
      };
      inherit config;
      inherit (chosen) overlays stdenvStages;
    }
  );
in
set

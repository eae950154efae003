# The real-build ladder: compat's glibc, Linux headers and leaf compiler
# wrapper built for real by Nix, offline, with the toolchain versions of
# nixos-25.05's stdenv (GCC 14.2, binutils 2.44, GNU make 4.4.1), and
# programs built with them.
#
#   nix-build tests/real-build/ladder.nix --arg nixpkgs <tree> \
#     --arg files <bootstrap files> --arg sources <source dir> -A programs.hello
#
# scripts/real-build.sh prepares `files` (scripts/debian-bootstrap-files.sh
# --suite trixie: Debian 13's binaries) and `sources` (Debian's source
# packages), builds everything below and prints the store paths.
#
# How it is put together:
#   1. nixpkgs' own Linux stages up to bootstrap-stage1, seeded with the
#      Debian 13 bootstrap files: a stdenv whose compiler is Debian 13's GCC
#      14.2 and binutils 2.44 behind nixpkgs' wrapper, with its glibc (2.41).
#   2. One more stage with that same stdenv, minus stage1's override of
#      `glibc`, so `glibc` is nixpkgs' own expression again.
#   3. compat.leafToolchain on that package set: the target's Linux headers
#      and glibc exactly as compat's overlays make them, and the leaf
#      strategy's first compiler wrapper (ccFirst: the same GCC, compiling
#      against the target's headers and glibc and linking against them).
#   4. Programs built with a stdenv on ccFirst, and a control built with
#      the unmodified stdenv of step 2.
#
# Test-only substitutions (everything a user's build would download or
# build from nixpkgs' sources; README lists them):
#   - the sources compat's overlays fetch (glibc, Linux) are Debian's source
#     packages, served by a local `fetchurl` that refuses any other URL;
#   - python3Minimal, perl, bison, flex and gnum4 are Debian 13's programs
#     from the bootstrap files, behind small wrappers;
#   - libidn2 (glibc only records its path) is Debian 11's library;
#   - gnu-config's config.guess and config.sub are Debian's;
#   - runtimeShell, which nixpkgs' wrappers use, is the bootstrap files'
#     bash.
{
  nixpkgs,
  files,
  sources,
  system ? "x86_64-linux",
  glibc ? "2.31",
  kernel ? "5.10",
}:
let
  compat = import ../../lib { inherit nixpkgs; };
  # nixpkgs' lib is not imported a second time here: each place below uses
  # the instance the package set already made (a stage's `final.lib`, the
  # `lib` nixpkgs passes to stdenvStages, `pkgs.lib`). compat's own lib is
  # written with builtins only and holds no nixpkgs lib to lend.
  target = compat.resolveTarget { inherit glibc kernel; };
  versions = builtins.fromJSON (builtins.readFile (sources + "/versions.json"));

  bootstrapFiles = {
    bootstrapTools = files + "/bootstrap-tools.tar.xz";
    # In a directory of its own, so it runs under its own name.
    busybox = "${
      builtins.path {
        path = files + "/busybox";
        name = "debian-busybox";
      }
    }/busybox";
  };

  # The URLs compat's overlays fetch, served from Debian's sources.
  major = builtins.head (builtins.splitVersion kernel);
  localSources = {
    "mirror://gnu/glibc/glibc-${glibc}.tar.xz" = sources + "/glibc.tar";
    "mirror://kernel/linux/kernel/v${major}.x/linux-${kernel}.tar.xz" = sources + "/linux.tar.gz";
  };
  # Any other URL gives a derivation that fails when built: evaluation may
  # look at sources nothing builds (nixpkgs' own Linux headers, named in
  # glibc's configure flags before compat's overlay replaces them).
  fetchurl =
    args:
    let
      url = args.url or (builtins.head args.urls);
    in
    localSources.${url} or (derivation {
      inherit system;
      name = "offline-${baseNameOf url}";
      builder = bootstrapFiles.busybox;
      args = [
        "sh"
        "-c"
        "echo 'real-build: ${url} would be downloaded; the ladder builds offline' >&2; exit 1"
      ];
    });

  # Programs of the bootstrap files as nixpkgs packages (see
  # scripts/debian-bootstrap-files.sh for the debian-* names). Overridable,
  # because bootstrap-stage1 overrides perl's options.
  standIn =
    final: name: tools: env:
    let
      inherit (final) lib;
    in
    lib.makeOverridable (
      _:
      final.runCommand "${name}-debian-stand-in" { } (
        ''
          mkdir -p $out/bin
        ''
        + lib.concatMapStrings (tool: ''
          cat > $out/bin/${tool} <<EOF
          #!${final.stdenv.cc.cc}/bin/bash
          ${env}
          exec ${final.stdenv.cc.cc}/bin/debian-${name} "\$@"
          EOF
          chmod +x $out/bin/${tool}
        '') tools
      )
    ) { };

  testOnly =
    final: prev:
    let
      tools = final.stdenv.cc.cc;
    in
    {
      gnu-config = final.runCommand "gnu-config-debian" { } ''
        mkdir -p $out
        cp ${sources + "/gnu-config/config.guess"} $out/config.guess
        cp ${sources + "/gnu-config/config.sub"} $out/config.sub
      '';
      python3Minimal = standIn final "python3" [
        "python3"
        "python"
      ] "";
      perl = standIn final "perl" [ "perl" ] "export PERL5LIB=${tools}/lib/perl-base";
      bison = standIn final "bison" [
        "bison"
      ] "export BISON_PKGDATADIR=${tools}/share/bison M4=${tools}/bin/debian-m4";
      flex = standIn final "flex" [ "flex" ] "export M4=${tools}/bin/debian-m4";
      gnum4 = standIn final "m4" [ "m4" ] "";
      libidn2 = final.runCommand "libidn2-debian" { } ''
        mkdir -p $out/lib
        cp -P ${sources + "/libidn2"}/* $out/lib/
      '';
      runtimeShellPackage = tools // {
        shellPath = "/bin/bash";
      };
    };

  # bootstrap-stage1's stdenv once more, with its package overrides except
  # `glibc` (there: the bootstrap files' own), and the local fetchurl.
  plainStage =
    prevStage:
    assert prevStage.stdenv.name == "bootstrap-stage1-stdenv-linux";
    {
      inherit (prevStage) config overlays;
      stdenv = prevStage.stdenv.override {
        overrides =
          self: super:
          builtins.removeAttrs (prevStage.stdenv.overrides self super) [ "glibc" ] // { inherit fetchurl; };
      };
    };

  pkgs = import nixpkgs {
    localSystem = {
      inherit system;
    };
    config = { };
    overlays = [ testOnly ];
    stdenvStages =
      stageArgs:
      stageArgs.lib.take 3 (import (nixpkgs + "/pkgs/stdenv/linux") (stageArgs // { inherit bootstrapFiles; }))
      ++ [ plainStage ];
  };

  toolchain = compat.leafToolchain {
    inherit pkgs target;
    compatOverlays = compat.overlays;
  };
  targetStdenv = pkgs.overrideCC pkgs.stdenv toolchain.ccFirst;

  # One C file, compiled and linked by the stdenv's $CC.
  singleFile =
    stdenv: name: src: libs: extra:
    stdenv.mkDerivation (
      {
        pname = name;
        version = "1";
        inherit src;
        dontUnpack = true;
        buildPhase = ''
          runHook preBuild
          $CC -O2 -o ${name} $src ${libs}
          runHook postBuild
        '';
        installPhase = ''
          runHook preInstall
          install -Dm755 ${name} $out/bin/${name}
          runHook postInstall
        '';
      }
      // extra
    );

  zlib = targetStdenv.mkDerivation {
    pname = "zlib";
    version = versions.zlib;
    src = sources + "/zlib.tar.gz";
    # zlib's `make install` runs ldconfig, which here is glibc 2.31's (the
    # compiler wrapper puts it on PATH): it writes the cache of its own
    # prefix, glibc's store path, which a build outside the sandbox can
    # reach. Found when that store path failed to verify.
    makeFlags = [ "LDCONFIG=true" ];
  };

  programs = {
    memfd-secret = singleFile targetStdenv "memfd-secret" ./programs/memfd_secret.c "" { };
    zlib-demo = singleFile targetStdenv "zlib-demo" ./programs/zlib_demo.c "-lz" {
      buildInputs = [ zlib ];
    };
    hello = targetStdenv.mkDerivation {
      pname = "hello";
      version = versions.hello;
      src = sources + "/hello.tar.gz";
    };
    bash = targetStdenv.mkDerivation {
      pname = "bash";
      version = versions.bash;
      src = sources + "/bash.tar.xz";
      configureFlags = [
        "--without-bash-malloc"
        "--disable-nls"
      ];
      # bash 5.1's own termcap (used without ncurses) calls write() without
      # <unistd.h>: an error since GCC 14, not a matter of the target.
      env.NIX_CFLAGS_COMPILE = "-Wno-error=implicit-function-declaration";
    };
  };
  built = {
    inherit (toolchain) glibc;
    glibcDev = toolchain.glibc.dev;
    linuxHeaders = toolchain.headers;
    cc = toolchain.ccFirst;
    inherit programs;
    # The same memfd_secret source, built by the unmodified stdenv (Debian
    # 13's glibc 2.41 and Linux 6.12 headers).
    control.memfd-secret = singleFile pkgs.stdenv "memfd-secret" ./programs/memfd_secret.c "" { };
  };
in
built
// {
  stdenv = targetStdenv;
  inherit zlib pkgs toolchain;
  # The store paths of `built`, for `nix-instantiate --eval --json`.
  outPaths = builtins.mapAttrs (
    name: value: if pkgs.lib.isDerivation value then value.outPath else builtins.mapAttrs (_: p: p.outPath) value
  ) built;
}

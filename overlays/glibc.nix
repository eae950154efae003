# glibc of an older release, as an override of the current nixpkgs expression.
#
#   import ./glibc.nix { version = "2.31"; kernel = "5.10"; } :: overlay
#
# Replaces `glibc`, `glibcLocales`, `glibcLocalesUtf8` and `glibcInfo` (all
# built from nixpkgs' glibc common.nix) with the given release:
# - source, version and passthru.version / minorRelease of that release;
# - nixpkgs' patches are dropped, none of them is written for an old glibc,
#   and replaced by the ones re-authored for this release in ./glibc/<version>/;
# - postPatch rewritten for the old tree (nixpkgs' touches files that only
#   exist in newer releases);
# - `--enable-kernel` set to the target kernel, CET per ./supported.nix,
#   `--disable-werror` because current GCC warns where these releases did not
#   expect it, `--disable-crypt` as nixpkgs' libcrypt is libxcrypt;
# - locales: C.UTF-8 exists upstream only since glibc 2.35; older releases
#   install en_US.UTF-8 in its place;
# - glibcLocales builds serially (see `serialLocales`).
# Everything else (outputs such as `getent`, the `libgcc` passthru, the
# runtime rpath handling) comes from the current expression.
#
# The bootstrap applies this overlay in every stage; nixpkgs' stdenv stages
# override `glibc` in stage0/stage1 with the bootstrap tools' own, and the
# glibc built in bootstrap-stage2 is carried to the final set.
{
  version,
  kernel,
  # When set, glibc is also pointed at these Linux headers (the "leaf"
  # strategy, which retargets a glibc built outside this overlay's package
  # set). The "bootstrap" strategy leaves it null: there the set's own
  # `linuxHeaders` is already the target's.
  headers ? null,
  supported ? import ./supported.nix,
}:
final: prev:
let
  inherit (prev) lib;
  info = supported.glibc.${version};
  hasCUtf8 = lib.versionAtLeast version "2.35";
  # This release's patches live beside this file, in ./glibc/<version>/.
  patchDir = ./glibc + "/${version}";
  patchFiles = builtins.filter (name: lib.hasSuffix ".patch" name) (
    builtins.attrNames (builtins.readDir patchDir)
  );
  patches = map (name: patchDir + "/${name}") patchFiles;

  # nixpkgs builds C.UTF-8 into glibc and glibcLocales; before 2.35 there is
  # no C locale source to build it from.
  localeFix =
    script:
    if hasCUtf8 || script == null then
      script
    else
      builtins.replaceStrings [ "C.UTF-8/UTF-8" ] [ "en_US.UTF-8/UTF-8" ] script;

  # nixpkgs since late 2024 installs C.UTF-8 with `make
  # localedata/install-locale-files`, a target that exists since glibc 2.29;
  # older releases only have `localedata/install-locales` (into the locale
  # archive).
  installTargetFix =
    script:
    if script == null || lib.versionAtLeast version "2.29" then
      script
    else
      builtins.replaceStrings [ "localedata/install-locale-files" ] [ "localedata/install-locales" ] script;

  isManagedFlag =
    flag:
    lib.hasPrefix "--enable-kernel" flag
    || lib.hasPrefix "--enable-cet" flag
    || lib.hasPrefix "--disable-cet" flag
    || lib.hasPrefix "--enable-werror" flag
    || lib.hasPrefix "--disable-werror" flag
    || lib.hasPrefix "--enable-crypt" flag
    || lib.hasPrefix "--disable-crypt" flag
    # Not an option of these releases (checked on 2.31's and 2.36's
    # configure); fortify comes from the compiler flags.
    || flag == "--enable-fortify-source"
    # Static PIE is built by default since 2.34, whose configure dropped the
    # option (checked on 2.36's configure). Before 2.34 it is optional, and
    # configure's test for it links a PC32 relocation against an undefined
    # symbol with -pie, which binutils 2.44 refuses: with the flag,
    # configure stops ("linker support for static PIE needed"). Without it
    # these releases build no static-pie start files, which nixpkgs does
    # not use.
    || flag == "--enable-static-pie";

  retarget =
    pkg:
    (pkg.overrideAttrs withHeaders).overrideAttrs (
      old:
      {
        inherit version patches;
        src = final.fetchurl {
          url = "mirror://gnu/glibc/glibc-${version}.tar.xz";
          inherit (info) sha256;
        };
        postPatch = ''
          # nscd links libgcc statically, so it keeps no reference to the
          # compiler that built it.
          echo "LDFLAGS-nscd += -static-libgcc" >> nscd/Makefile
        ''
        + lib.optionalString (prev.stdenv.hostPlatform == prev.stdenv.buildPlatform) ''
          # glibc dlopens libidn2 by soname; point it at the Nix store.
          sed -i 's|^#define LIBIDN2_SONAME "libidn2.so.0"$|#define LIBIDN2_SONAME "${lib.getLib final.libidn2}/lib/libidn2.so.0"|' inet/idna.c
          grep -q '${lib.getLib final.libidn2}/lib/libidn2.so.0' inet/idna.c
        '';
        preBuild = localeFix (old.preBuild or null);
        postInstall = installTargetFix (localeFix (old.postInstall or null));
        passthru = (old.passthru or { }) // {
          inherit version;
          minorRelease = version;
          compatTarget = {
            glibc = version;
            inherit kernel;
          };
        };
      }
      // lib.optionalAttrs (old ? configureFlags) {
        configureFlags =
          builtins.filter (flag: !(isManagedFlag flag)) old.configureFlags
          ++ [
            enableKernel
            "--disable-werror"
            # These releases build their own libcrypt unless told not to;
            # nixpkgs' libcrypt is libxcrypt (glibc dropped it in 2.39).
            "--disable-crypt"
          ]
          ++ lib.optional prev.stdenv.hostPlatform.isx86_64 (
            if info.cet then "--enable-cet" else "--disable-cet"
          );
      }
    );

  # Points a glibc derivation at other Linux headers: the configure flag,
  # the variable its postInstall links them from, and the build input.
  withHeaders =
    old:
    lib.optionalAttrs (headers != null) (
      {
        configureFlags = map (
          flag: if lib.hasPrefix "--with-headers=" flag then "--with-headers=${headers}/include" else flag
        ) (old.configureFlags or [ ]);
        buildInputs = [ headers ] ++ builtins.filter (
          input: !(input ? pname && input.pname == "linux-headers")
        ) (old.buildInputs or [ ]);
      }
      # nixpkgs moved this variable into `env` in 2023; older trees have it
      # at the top level.
      // (
        if old ? env && old.env ? linuxHeaders then
          { env = old.env // { linuxHeaders = "${headers}"; }; }
        else
          { linuxHeaders = "${headers}"; }
      )
    );

  arch = prev.stdenv.hostPlatform.parsed.cpu.name;
  floor = info.minKernel.${arch} or "0";
  enableKernel =
    if builtins.compareVersions kernel floor >= 0 then
      "--enable-kernel=${kernel}.0"
    else
      throw "compat: glibc ${version} on ${arch} needs Linux ${floor} or newer; the target kernel is ${kernel}";

  orNull = pkg: if pkg == null then null else retarget pkg;

  # nixpkgs' glibcLocales builds its locales in parallel since late 2025
  # (read from nixpkgs master's glibc/locales.nix and common.nix). That
  # rests on two patches of nixpkgs' own to glibc's build, both dropped
  # here with the rest: one has every locale compiled into a directory of
  # its own and added to the archive in one step at the end, the other lets
  # the environment's `inst_complocaledir` name that directory. In these
  # releases (checked on 2.31's and 2.36's sources by
  # tests/nix/glibc-patches.sh) each `localedef` adds its locale to the
  # archive itself, and Makeconfig sets `inst_complocaledir` over the
  # environment's; so built in parallel, several localedef processes would
  # write one archive at once, which is the non-reproducible archive the
  # first patch was made to prevent. Built serially, as nixpkgs built them
  # before, each locale goes into the archive in turn; the exported
  # variable is then unused, and the archive's directory is the one
  # preBuild creates.
  serialLocales =
    pkg: if pkg == null then null else (retarget pkg).overrideAttrs (old: { enableParallelBuilding = false; });
in
{
  glibc = retarget prev.glibc;
  glibcLocales = serialLocales (prev.glibcLocales or null);
  glibcLocalesUtf8 = serialLocales (prev.glibcLocalesUtf8 or null);
  glibcInfo = orNull (prev.glibcInfo or null);
}

# Unit tests of the pure parts of lib/ (no nixpkgs needed).
#
#   nix-instantiate --eval --strict --json tests/nix/lib-tests.nix
#
# Evaluates to a list of { name, ok, got, expected }. `throws` tests pass
# when evaluating the expression fails (throw/assert); the messages of those
# failures are checked by tests/nix/run.sh, which can read stderr.
let
  compat = import ../../lib { };
  fixtures = import ../../lib { profilesDir = ./fixtures/profiles-good; };
  bad = import ../../lib/readProfiles.nix ./fixtures/profiles-bad;
  fake = import ../../lib { nixpkgs = ./fixtures/fake-nixpkgs; };
  fakeFixtures = import ../../lib {
    nixpkgs = ./fixtures/fake-nixpkgs;
    profilesDir = ./fixtures/profiles-good;
  };
  fakeArgs = args: fake.mkCompatPkgs ({ system = "x86_64-linux"; } // args);
  # What nixpkgs passes to stdenvStages for a native x86_64-linux set.
  x86_64 = {
    system = "x86_64-linux";
    config = "x86_64-unknown-linux-gnu";
    libc = "glibc";
  };
  nativeStageArgs = {
    lib = null;
    localSystem = x86_64;
    crossSystem = x86_64;
  };
  throws = expr: !(builtins.tryEval (builtins.deepSeq expr expr)).success;

  # The glibc overlay applied to a stand-in of nixpkgs' glibc: a derivation-
  # like set with overrideAttrs, the nixpkgs lib functions the overlay uses,
  # and the postInstall of late-2024 nixpkgs (nixos-25.05), which installs
  # C.UTF-8 with `make localedata/install-locale-files`.
  standInLib = rec {
    hasPrefix = p: s: builtins.substring 0 (builtins.stringLength p) s == p;
    hasSuffix =
      x: s:
      let
        n = builtins.stringLength s;
        m = builtins.stringLength x;
      in
      n >= m && builtins.substring (n - m) m s == x;
    versionAtLeast = a: b: builtins.compareVersions a b >= 0;
    optionalAttrs = c: a: if c then a else { };
    optionalString = c: s: if c then s else "";
    optional = c: x: if c then [ x ] else [ ];
    getLib = p: p;
  };
  standInGlibc =
    attrs:
    attrs
    // {
      overrideAttrs =
        f:
        let
          next = attrs // (if builtins.isFunction f then f attrs else f);
        in
        standInGlibc next;
    };
  # glibcLocales as nixpkgs master has it since late 2025 (read from its
  # glibc/locales.nix and common.nix): built in parallel, with the locale
  # directory exported for a patched Makeconfig to pick up.
  standInLocales = standInGlibc {
    pname = "glibc-locales";
    enableParallelBuilding = true;
    configureFlags = [ "--enable-kernel=3.10.0" ];
    preBuild = "export inst_complocaledir=\"$TMPDIR/\"/nix/store/glibc/lib/locale\nmkdir -p \"$inst_complocaledir\"\necho 'C.UTF-8/UTF-8 \\' >> ../glibc-2*/localedata/SUPPORTED\n";
  };
  glibcOverlayAll =
    version:
    let
      platform = {
        isx86_64 = true;
        parsed.cpu.name = "x86_64";
      };
      prev = {
        lib = standInLib;
        stdenv = {
          hostPlatform = platform;
          buildPlatform = platform;
        };
        glibc = standInGlibc {
          configureFlags = [
            "--enable-static-pie"
            "--enable-kernel=3.10.0"
            "--enable-cet"
          ];
          postInstall = "echo SUPPORTED-LOCALES=C.UTF-8/UTF-8 > ../glibc-2*/localedata/SUPPORTED\nmake -j4 localedata/install-locale-files\n";
        };
        glibcLocales = standInLocales;
        glibcLocalesUtf8 = standInLocales;
      };
      final = prev // {
        fetchurl = args: args.url;
        libidn2 = "/nix/store/libidn2";
      };
    in
    compat.overlays.glibc {
      inherit version;
      kernel = compat.supported.glibc.${version}.kernel;
    } final prev;
  glibcOverlayOn = version: (glibcOverlayAll version).glibc;

  # The default bootstrap files of a target, and what is said about them.
  defaultChoice =
    glibc:
    compat.bootstrapChoice {
      system = "x86_64-linux";
      inherit glibc;
      bootstrapFiles = null;
    };
  hasInfix =
    infix: s:
    let
      n = builtins.stringLength infix;
      go = i: i + n <= builtins.stringLength s && (builtins.substring i n s == infix || go (i + 1));
    in
    go 0;

  cases = {
    # nixpkgs' parallel glibcLocales rests on two glibc patches of its own
    # that the overlay drops; these releases must build it serially.
    glibcOverlayLocalesSerial = {
      expr = map (
        v:
        let
          o = glibcOverlayAll v;
        in
        [
          o.glibcLocales.enableParallelBuilding
          o.glibcLocalesUtf8.enableParallelBuilding
          o.glibcLocales.version
        ]
      ) compat.glibcVersions;
      expected = map (v: [
        false
        false
        v
      ]) compat.glibcVersions;
    };
    # The default bootstrap files per target: the best proven that fits.
    bootstrapDefaultPerTarget = {
      expr = map (v: {
        inherit (defaultChoice v) name isDefault proven;
      }) compat.glibcVersions;
      expected = [
        {
          name = "nixpkgs-2020";
          isDefault = true;
          proven = null;
        }
        {
          name = "debian-11";
          isDefault = true;
          proven = "bootstrap-stage1";
        }
        {
          name = "debian-11";
          isDefault = true;
          proven = "bootstrap-stage1";
        }
      ];
    };
    # Debian 11's files are pinned by hash, to be added to the store by the
    # user under the names the script writes.
    bootstrapDefaultDebianPinned = {
      expr =
        let
          files = (defaultChoice "2.31").files;
        in
        {
          tarball = {
            inherit (files.bootstrapTools) name outputHash outputHashMode;
          };
          busybox = builtins.match "/nix/store/[a-z0-9]{32}-busybox/busybox" files.busybox != null;
        };
      expected = {
        tarball = {
          name = "bootstrap-tools.tar.xz";
          outputHash = "3c2608ad8adeff6c58895d6ab3a1004c2842e779d5716bdc40ad209851583843";
          outputHashMode = "flat";
        };
        busybox = true;
      };
    };
    # What the trace says for each default.
    bootstrapDefaultMessages = {
      expr = [
        (map (infix: hasInfix infix (defaultChoice "2.31").message) [
          "compat: glibc 2.31 on x86_64-linux, strategy \"bootstrap\": bootstrap files \"debian-11\" (the default: the best proven)"
          "Proven here: nixpkgs' bootstrap-stage1 built from them compiles, links and runs a C program against glibc 2.31"
          "the later stages are not proven"
          "They cannot be downloaded: make them with `scripts/debian-bootstrap-files.sh ./boot`"
          "`nix-store --add-fixed sha256 ./boot/bootstrap-tools.tar.xz`"
          "`nix-store --add-fixed --recursive sha256 ./boot/busybox`"
        ])
        (map (infix: hasInfix infix (defaultChoice "2.28").message) [
          "compat: glibc 2.28 on x86_64-linux, strategy \"bootstrap\": bootstrap files \"nixpkgs-2020\" (the default: the only known files whose glibc (2.27) is not newer than 2.28)"
          "Proven here: nothing: no stage of current nixpkgs has been built from it here"
          "Nix downloads them."
          "pass files of your own"
        ])
      ];
      expected = [
        [ true true true true true true ]
        [ true true true true ]
      ];
    };
    bootstrapNamedChoices = {
      expr = map (
        files:
        (compat.bootstrapChoice {
          system = "x86_64-linux";
          glibc = "2.35";
          bootstrapFiles = files;
        }).name
      ) [ "nixpkgs-2020" "debian-11" "nixpkgs" { bootstrapTools = "t"; busybox = "b"; } ];
      expected = [ "nixpkgs-2020" "debian-11" "nixpkgs" "own" ];
    };
    # A caller's less-proven choice is named as such.
    bootstrapCallerChoiceMessages = {
      expr =
        let
          message =
            glibc: files:
            (compat.bootstrapChoice {
              system = "x86_64-linux";
              inherit glibc;
              bootstrapFiles = files;
            }).message;
        in
        [
          (hasInfix "(chosen by the caller)" (message "2.35" "nixpkgs-2020"))
          (hasInfix "The better-proven \"debian-11\" files fit this target: leave bootstrapFiles = null" (
            message "2.35" "nixpkgs-2020"
          ))
          (hasInfix "Newer than the target's 2.31: bootstrap-stage2 re-links their tools against glibc 2.31, which is expected to fail" (
            message "2.31" "nixpkgs"
          ))
          (hasInfix "compat cannot tell what they hold" (message "2.31" { bootstrapTools = "t"; busybox = "b"; }))
        ];
      expected = [ true true true true ];
    };
    bootstrapDebianRefusedForOlderGlibc = {
      expr = throws (compat.bootstrapFilesFor {
        system = "x86_64-linux";
        glibc = "2.28";
        bootstrapFiles = "debian-11";
      });
      expected = true;
    };
    bootstrapFilesRefusedWithLeaf = {
      expr = throws (fakeArgs {
        glibc = "2.31";
        strategy = "leaf";
        bootstrapFiles = "debian-11";
      }).stdenvStages;
      expected = true;
    };
    # The set's stages get the default files: Debian 11's for glibc 2.31.
    bootstrapStagesGetDebianFiles = {
      expr =
        let
          stages = (fakeArgs { glibc = "2.31"; }).stdenvStages nativeStageArgs;
        in
        (builtins.head stages).bootstrapFiles.bootstrapTools.outputHash or "?";
      expected = "3c2608ad8adeff6c58895d6ab3a1004c2842e779d5716bdc40ad209851583843";
    };
    # binutils 2.44 fails glibc < 2.34's configure test for static PIE.
    glibcOverlayDropsStaticPie = {
      expr = map (v: builtins.elem "--enable-static-pie" (glibcOverlayOn v).configureFlags) compat.glibcVersions;
      expected = [ false false false ];
    };
    # localedata/install-locale-files exists only since glibc 2.29.
    glibcOverlayInstallTarget = {
      expr = map (
        v:
        let
          script = (glibcOverlayOn v).postInstall;
        in
        {
          files = standInLib.hasSuffix "install-locale-files\n" script;
          archive = standInLib.hasSuffix "install-locales\n" script;
        }
      ) compat.glibcVersions;
      expected = [
        {
          files = false;
          archive = true;
        }
        {
          files = true;
          archive = false;
        }
        {
          files = true;
          archive = false;
        }
      ];
    };
    # GNU make >= 4.4 loops in stdio-common of glibc <= 2.31 without it.
    glibcOverlayMake44Patch = {
      expr = map (
        v: builtins.any (p: standInLib.hasSuffix "0005-errlist-deps-make-4.4.patch" (toString p)) (glibcOverlayOn v).patches
      ) compat.glibcVersions;
      expected = [ true true false ];
    };
    glibcVersionsSorted = {
      expr = compat.glibcVersions;
      expected = [ "2.28" "2.31" "2.35" ];
    };
    setNames = {
      expr = compat.setNames;
      expected = [ "glibc228" "glibc231" "glibc235" ];
    };
    setNameOf = {
      expr = compat.setName "2.35";
      expected = "glibc235";
    };
    checkGlibcAccepts = {
      expr = compat.checkGlibc "2.28";
      expected = "2.28";
    };
    checkGlibcRejectsUnknown = {
      expr = throws (compat.checkGlibc "2.17");
      expected = true;
    };
    checkGlibcRejectsNumber = {
      expr = throws (compat.checkGlibc 2.31);
      expected = true;
    };
    checkKernelRejectsUnknown = {
      expr = throws (compat.checkKernel "3.10");
      expected = true;
    };
    everyGlibcPairsWithSupportedKernel = {
      expr = builtins.all (v: compat.supported.kernel ? ${compat.supported.glibc.${v}.kernel}) compat.glibcVersions;
      expected = true;
    };
    # The overlay applies its release's patches from overlays/glibc/<version>/
    # (lib/ names no directory of the overlays).
    everyGlibcHasPatches = {
      expr = map (
        v:
        let
          patches = (glibcOverlayOn v).patches;
        in
        builtins.length patches > 0
        && builtins.all (p: baseNameOf (dirOf p) == v && baseNameOf (dirOf (dirOf p)) == "glibc") patches
      ) compat.glibcVersions;
      expected = [ true true true ];
    };
    realProfileDebian11 = {
      expr = {
        inherit (compat.profiles."debian-11") glibc kernel;
      };
      expected = {
        glibc = "2.31";
        kernel = "5.10";
      };
    };
    profilesSkipSubdirsAndOtherFiles = {
      expr = builtins.attrNames fixtures.profiles;
      expected = [ "alpha-1" "beta-2" "gamma-3" ];
    };
    badProfileFailsAlone = {
      expr = bad.fine.kernel;
      expected = "5.10";
    };
    badProfileWrongName = {
      expr = throws bad.wrong-name;
      expected = true;
    };
    badProfileMissingField = {
      expr = throws bad.no-kernel;
      expected = true;
    };
    missingProfilesDir = {
      expr = import ../../lib/readProfiles.nix ./fixtures/does-not-exist;
      expected = { };
    };
    resolveByGlibcDefaultsKernel = {
      expr = builtins.removeAttrs (compat.resolveTarget { glibc = "2.35"; }) [ "profile" ];
      expected = {
        glibc = "2.35";
        kernel = "5.15";
        set = "glibc235";
      };
    };
    resolveByProfile = {
      expr = compat.resolveTarget { profile = "debian-11"; };
      expected = {
        glibc = "2.31";
        kernel = "5.10";
        set = "glibc231";
        profile = "debian-11";
      };
    };
    resolveExplicitKernelWins = {
      expr = (compat.resolveTarget {
        profile = "debian-11";
        kernel = "5.4";
      }).kernel;
      expected = "5.4";
    };
    resolveMatchesFirstProfileByName = {
      expr = (fixtures.resolveTarget { glibc = "2.28"; }).profile;
      expected = "alpha-1";
    };
    resolveNoMatchingProfile = {
      expr = (fixtures.resolveTarget { glibc = "2.35"; }).profile;
      expected = null;
    };
    resolveUnknownProfile = {
      expr = throws (compat.resolveTarget { profile = "no-such-os"; });
      expected = true;
    };
    resolveProfileWithUnsupportedGlibc = {
      expr = throws (fixtures.resolveTarget { profile = "gamma-3"; });
      expected = true;
    };
    resolveNothingAsked = {
      expr = throws (compat.resolveTarget { });
      expected = true;
    };
    bootstrapFilesNixpkgs = {
      expr = compat.bootstrapFilesFor {
        system = "x86_64-linux";
        glibc = "2.31";
        bootstrapFiles = "nixpkgs";
      };
      expected = null;
    };
    bootstrapFilesExplicit = {
      expr = compat.bootstrapFilesFor {
        system = "x86_64-linux";
        glibc = "2.31";
        bootstrapFiles = {
          bootstrapTools = "t";
          busybox = "b";
        };
      };
      expected = {
        bootstrapTools = "t";
        busybox = "b";
      };
    };
    bootstrapFilesAutoOldGlibc = {
      expr =
        (compat.bootstrapFilesFor {
          system = "x86_64-linux";
          glibc = "2.28";
          bootstrapFiles = null;
        }) != null;
      expected = true;
    };
    bootstrapFilesAutoNewGlibc = {
      expr = compat.bootstrapFilesFor {
        system = "x86_64-linux";
        glibc = "2.39";
        bootstrapFiles = null;
      };
      expected = null;
    };
    bootstrapFilesUnknownSystem = {
      expr = throws (compat.bootstrapFilesFor {
        system = "riscv64-linux";
        glibc = "2.31";
        bootstrapFiles = null;
      });
      expected = true;
    };
    bootstrapFilesMalformed = {
      expr = throws (compat.bootstrapFilesFor {
        system = "x86_64-linux";
        glibc = "2.31";
        bootstrapFiles = { busybox = "b"; };
      });
      expected = true;
    };
    mkCompatPkgsNeedsNixpkgs = {
      expr = throws (compat.mkCompatPkgs {
        system = "x86_64-linux";
        glibc = "2.31";
      });
      expected = true;
    };
    fixupsOfMatchedProfile = {
      expr = (fakeArgs { glibc = "2.31"; }).compatTarget.fixups;
      expected = "debian-11";
    };
    fixupsOfNamedProfile = {
      expr = (fakeArgs { profile = "rhel-8"; }).compatTarget.fixups;
      expected = "rhel-8";
    };
    fixupsGiven = {
      expr = (fakeArgs {
        glibc = "2.31";
        fixups = final: prev: { };
      }).compatTarget.fixups;
      expected = "given";
    };
    fixupsNoneForUnmatchedTarget = {
      expr = (fakeArgs {
        glibc = "2.31";
        kernel = "5.15";
      }).compatTarget.fixups;
      expected = null;
    };
    bootstrapStrategyOverlays = {
      # linux headers, glibc, fixups, the caller's, then compatTarget's.
      expr = builtins.length (fakeArgs {
        glibc = "2.28";
        overlays = [ (final: prev: { }) ];
      }).overlays;
      expected = 5;
    };
    leafStrategyOverlays = {
      # leaf keeps nixpkgs' bootstrap: only fixups, the caller's overlays
      # and compatTarget's.
      expr = builtins.length (fakeArgs {
        glibc = "2.28";
        strategy = "leaf";
      }).overlays;
      expected = 2;
    };
    # compatTarget comes from an overlay, so a set made from a compat set
    # with `extend` (nixpkgs imports itself again with the overlays) still
    # has it, for both strategies; merged onto the result it was lost.
    compatTargetSurvivesExtend = {
      expr =
        map
          (
            strategy:
            let
              extended = (fakeArgs {
                glibc = "2.31";
                inherit strategy;
              }).extend
                (final: prev: { marker = true; });
            in
            [
              (extended.compatTarget.set or null)
              (extended.compatTarget.strategy or null)
              (extended.marker or false)
            ]
          )
          [
            "bootstrap"
            "leaf"
          ];
      expected = [
        [
          "glibc231"
          "bootstrap"
          true
        ]
        [
          "glibc231"
          "leaf"
          true
        ]
      ];
    };
    # The caller's overlays see it as final.compatTarget.
    compatTargetSeenByOverlays = {
      expr =
        (fakeArgs {
          profile = "rhel-8";
          overlays = [ (final: prev: { seen = final.compatTarget.glibc or null; }) ];
        }).seen or null;
      expected = "2.28";
    };
    bootstrapStagesGetOldBootstrapFiles = {
      expr =
        let
          stages = (fakeArgs { glibc = "2.28"; }).stdenvStages nativeStageArgs;
        in
        (builtins.head stages).bootstrapFiles.bootstrapTools.name or "?";
      expected = "bootstrap-tools.tar.xz";
    };
    leafStagesAddOne = {
      expr = builtins.length ((fakeArgs {
        glibc = "2.28";
        strategy = "leaf";
      }).stdenvStages nativeStageArgs);
      expected = 2;
    };
    # Sub-sets nixpkgs makes inside a compat set fail at evaluation.
    subSetsRefused = {
      expr =
        map
          (
            stageArgs:
            throws (
              (fakeArgs {
                glibc = "2.31";
                strategy = "bootstrap";
              }).stdenvStages
              stageArgs
            )
          )
          [
            nativeStageArgs
            (nativeStageArgs // { localSystem = x86_64 // { system = "i686-linux"; config = "i686-unknown-linux-gnu"; }; })
            (nativeStageArgs // { crossSystem = x86_64 // { config = "aarch64-unknown-linux-gnu"; }; })
            (nativeStageArgs // { crossSystem = x86_64 // { isStatic = true; }; })
            (nativeStageArgs // { crossSystem = x86_64 // { libc = "musl"; }; })
          ];
      expected = [ false true true true true ];
    };
    replaceStdenvRefused = {
      expr = throws (fakeArgs {
        glibc = "2.31";
        config.replaceStdenv = { pkgs }: pkgs.stdenv;
      }).stdenvStages;
      expected = true;
    };
    configPassedThrough = {
      expr = (fakeArgs {
        glibc = "2.35";
        config.allowUnfree = true;
      }).config;
      expected = {
        allowUnfree = true;
      };
    };
    matchProfileExact = {
      expr = fixtures.matchProfile {
        glibc = "2.28";
        kernel = "4.19";
      };
      expected = "alpha-1";
    };
    matchProfileNone = {
      expr = fixtures.matchProfile {
        glibc = "2.28";
        kernel = "4.18";
      };
      expected = null;
    };
    compatSetsNames = {
      # gamma-3 targets glibc 2.17, which compat does not support.
      expr = builtins.attrNames (fakeFixtures.compatSets { system = "x86_64-linux"; });
      expected = [ "alpha-1" "beta-2" "glibc228" "glibc231" "glibc235" ];
    };
    compatSetsTargets = {
      expr = map (s: s.compatTarget.set) (
        builtins.attrValues (fakeFixtures.compatSets { system = "x86_64-linux"; })
      );
      expected = [ "glibc228" "glibc228" "glibc228" "glibc231" "glibc235" ];
    };
    compatSetsPassArguments = {
      expr = (fakeFixtures.compatSets {
        system = "x86_64-linux";
        strategy = "leaf";
      }).glibc231.compatTarget.strategy;
      expected = "leaf";
    };
    # The pitch's call shape: no system given. A pkgs of the user's gives it
    # (and its nixpkgs source); else the current system, outside pure
    # evaluation.
    systemFromPkgs = {
      expr =
        let
          set = compat.mkCompatPkgs {
            glibc = "2.31";
            pkgs = {
              stdenv.hostPlatform.system = "aarch64-linux";
              path = ./fixtures/fake-nixpkgs;
            };
          };
        in
        [
          set.localSystem.system
          set.stdenv.name
        ];
      expected = [
        "aarch64-linux"
        "fake-stdenv"
      ];
    };
    # (In pure evaluation, as `nix flake check` runs these, there is no
    # current system: then it must refuse.)
    systemFromCurrentSystem = {
      expr =
        let
          r = builtins.tryEval
            (fake.mkCompatStdenv {
              glibc = "2.31";
              kernel = "5.10";
            }).compatPkgs.localSystem.system;
        in
        if r.success then r.value else "refused";
      expected = builtins.currentSystem or "refused";
    };
    mkCompatStdenvCarriesSet = {
      expr =
        let
          stdenv = fake.mkCompatStdenv {
            system = "x86_64-linux";
            glibc = "2.31";
          };
        in
        [
          stdenv.name
          stdenv.compatPkgs.compatTarget.set
        ];
      expected = [
        "fake-stdenv"
        "glibc231"
      ];
    };
    libAttributes = {
      expr = builtins.all (n: compat ? ${n}) [
        "profiles"
        "mkCompatPkgs"
        "mkCompatStdenv"
        "compatSets"
        "resolveTarget"
        "overlays"
        "supported"
      ];
      expected = true;
    };
    overlayNames = {
      expr = builtins.attrNames compat.overlays;
      expected = [ "fixups" "glibc" "linuxHeaders" ];
    };
  };
in
map (
  name:
  let
    case = cases.${name};
    result = builtins.tryEval (builtins.deepSeq case.expr case.expr);
    got = if result.success then result.value else "<evaluation failed>";
  in
  {
    inherit name got;
    inherit (case) expected;
    ok = result.success && got == case.expected;
  }
) (builtins.attrNames cases)

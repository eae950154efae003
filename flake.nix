{
  description = "compat: build nixpkgs packages that run on older Linux (glibc 2.28/2.31/2.35)";

  # A current nixpkgs release. There is no flake.lock in the repository yet
  # (it was written without network); the first `nix flake lock` or
  # `nix build` pins it. Override with `--override-input nixpkgs <flake>`.
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-25.05";

  outputs =
    { self, nixpkgs, ... }:
    let
      compat = import ./lib { inherit nixpkgs; };
      # The input's own lib (a flake input exposes it), not a second import
      # of its lib/ directory.
      nixLib = nixpkgs.lib;

      systems = [
        "x86_64-linux"
        "aarch64-linux"
      ];
      forSystems =
        f:
        builtins.listToAttrs (
          map (system: {
            name = system;
            value = f system;
          }) systems
        );

      # compat's target overlays composed into one plain overlay per set.
      setOverlay =
        version:
        nixLib.composeManyExtensions [
          (compat.overlays.linuxHeaders { version = compat.supported.glibc.${version}.kernel; })
          (compat.overlays.glibc {
            inherit version;
            inherit (compat.supported.glibc.${version}) kernel;
          })
        ];

      # What `cargo build` of the CLI reads, and no more: the manifests, the
      # lock, the crate's sources and build script, and the files it embeds
      # (profiles/*.json through build.rs, profiles/fixups/rules.json and
      # data/syscalls/*.tsv through include_str!). Editing the README, the
      # tests or the Nix library does not rebuild the CLI.
      helperFiles = nixLib.fileset.unions [
        ./Cargo.toml
        ./Cargo.lock
        ./helper/Cargo.toml
        ./helper/build.rs
        ./helper/src
        (nixLib.fileset.fileFilter (file: nixLib.hasSuffix ".json" file.name) ./profiles)
        (nixLib.fileset.fileFilter (file: nixLib.hasSuffix ".tsv" file.name) ./data/syscalls)
      ];
      # lib.fileset.toSource checks that its root is a directory by reading
      # the root's parent when Nix has no builtins.readFileType (before
      # 2.14), and the parent of a flake's source is the store, which pure
      # evaluation may not read. There the same files are taken with a
      # plain source filter.
      helperSrc =
        if builtins ? readFileType then
          nixLib.fileset.toSource {
            root = ./.;
            fileset = helperFiles;
          }
        else
          let
            files = map toString (nixLib.fileset.toList helperFiles);
          in
          nixLib.cleanSourceWith {
            name = "source";
            src = ./.;
            filter = path: type: builtins.any (file: file == path || nixLib.hasPrefix (path + "/") file) files;
          };

      helperFor =
        system:
        let
          pkgs = import nixpkgs { inherit system; };
          manifest = builtins.fromTOML (builtins.readFile ./helper/Cargo.toml);
        in
        pkgs.rustPlatform.buildRustPackage {
          pname = "compat";
          inherit (manifest.package) version;
          src = helperSrc;
          cargoLock.lockFile = ./Cargo.lock;
          # The test suite needs a Debian sysroot, qemu and a kernel image;
          # scripts/test.sh runs it.
          doCheck = false;
          meta = {
            description = manifest.package.description;
            mainProgram = "compat";
          };
        };
      helpers = forSystems helperFor;
      setsFor = system: compat.compatSets { inherit system; };
      checksFor =
        system:
        import ./checks {
          inherit compat system;
          pkgs = import nixpkgs { inherit system; };
          helper = helpers.${system};
          sets = setsFor system;
        };

      # Hydra's jobs (hydraJobs.<job>.<system>): per set, the packages the
      # checks build and the scan of them. x86_64-linux only, the system
      # compat has bootstrap files for.
      hydraJobs =
        let
          system = "x86_64-linux";
          sets = setsFor system;
          packagesOf = name: builtins.filter (p: sets.${name} ? ${p}) [ "bash" "coreutils" "hello" "openssl" ];
          jobsOf =
            name:
            map (p: {
              name = "${name}-${p}";
              value.${system} = sets.${name}.${p};
            }) (packagesOf name)
            ++ [
              {
                name = "${name}-scan";
                value.${system} = (checksFor system)."${name}-scan";
              }
            ];
        in
        builtins.listToAttrs (builtins.concatMap jobsOf compat.setNames);
    in
    {
      lib = compat;

      overlays = builtins.listToAttrs (
        map (version: {
          name = compat.setName version;
          value = setOverlay version;
        }) compat.glibcVersions
      );

      # Per system: the sets, and the functions of `lib` with the system
      # given, so `mkCompatStdenv { glibc = "2.31"; kernel = "5.10"; }`
      # works as written in pure (flake) evaluation.
      legacyPackages = forSystems (system: {
        compat = setsFor system;
        lib = {
          mkCompatPkgs = args: compat.mkCompatPkgs ({ inherit system; } // args);
          mkCompatStdenv = args: compat.mkCompatStdenv ({ inherit system; } // args);
        };
      });

      packages = forSystems (system: {
        default = helpers.${system};
        compat = helpers.${system};
      });

      apps = forSystems (system: {
        default = {
          type = "app";
          program = "${helpers.${system}}/bin/compat";
        };
      });

      checks = forSystems checksFor;

      inherit hydraJobs;
    };
}

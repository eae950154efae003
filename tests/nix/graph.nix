# What tests/nix/run.sh checks in the derivation graphs of compat sets built
# from a real nixpkgs tree.
#
#   nix-instantiate --eval --strict --json tests/nix/graph.nix --arg nixpkgs <tree> --argstr strategy bootstrap
#
# For each set and package: the .drv path (its closure is walked by run.sh),
# the glibc version the package's compiler links against, and for "leaf" the
# glibc that GCC's runtime libraries were rebuilt against.
{
  nixpkgs,
  strategy ? "bootstrap",
  system ? "x86_64-linux",
  packages ? [
    "bash"
    "coreutils"
    "openssl"
  ],
}:
let
  compat = import ../../lib { inherit nixpkgs; };
  one =
    set: version:
    let
      pkgs = compat.mkCompatPkgs {
        inherit system strategy;
        glibc = version;
      };
    in
    {
      inherit set;
      glibc = version;
      kernel = pkgs.compatTarget.kernel;
      libcVersion = pkgs.stdenv.cc.libc.version;
      localesVersion = pkgs.glibcLocales.version;
      # Which locale glibc's postInstall and glibcLocales' preBuild name.
      buildsCUtf8 = map (script: builtins.match ".*C\\.UTF-8/UTF-8.*" script != null) [
        pkgs.glibc.postInstall
        pkgs.glibcLocales.preBuild
      ];
      localesDrv = pkgs.glibcLocales.drvPath;
      localesParallel = pkgs.glibcLocales.enableParallelBuilding or false;
      # The bootstrap files the set starts from by default, and what pins
      # them (the tarball's hash or URL).
      bootstrapFiles =
        let
          choice = compat.bootstrapChoice {
            inherit system;
            glibc = version;
            bootstrapFiles = null;
          };
          known = (import ../../lib/bootstrapFiles.nix).${choice.name};
        in
        {
          inherit (choice) name;
          tarballSha256 = known.tarballSha256 or null;
          url = known.url or null;
        };
      packages = map (name: {
        inherit name;
        drv = pkgs.${name}.drvPath;
        libcVersion = pkgs.${name}.stdenv.cc.libc.version;
        runtimeLibcVersion =
          if strategy == "leaf" then pkgs.${name}.stdenv.cc.cc.stdenv.cc.libc.version else null;
      }) packages;
    }
    // (
      if strategy == "leaf" then
        {
          # Leaf keeps nixpkgs' own bootstrap: its final bash must differ.
          nixpkgsBash = (import nixpkgs { localSystem = { inherit system; }; overlays = [ ]; config = { }; }).bash.drvPath;
        }
      else
        { }
    );
in
map (version: one (compat.setName version) version) compat.glibcVersions

# The compat Nix library. One function a file, beside this one; this file
# only ties them together.
#
#   import ./lib { nixpkgs = <nixpkgs source tree or null>; }
#
# Everything but mkCompatPkgs / mkCompatStdenv / compatSets evaluates
# without nixpkgs.
{
  nixpkgs ? null,
  profilesDir ? ../profiles,
}:
let
  compat = {
    inherit nixpkgs;
    # The versions the overlays implement, kept beside them so that
    # overlays/ never imports lib/.
    supported = import ../overlays/supported.nix;
    profiles = import ./readProfiles.nix profilesDir;
    overlays = import ../overlays;

    glibcVersions = builtins.attrNames compat.supported.glibc;
    kernelVersions = builtins.sort (a: b: builtins.compareVersions a b < 0) (
      builtins.attrNames compat.supported.kernel
    );
    # The named sets: glibc228, glibc231, glibc235.
    setNames = map compat.setName compat.glibcVersions;

    setName = import ./setName.nix;
    checkVersion = import ./checkVersion.nix;
    checkGlibc = compat.checkVersion "glibc" compat.supported.glibc;
    checkKernel = compat.checkVersion "kernel" compat.supported.kernel;
    matchProfile = import ./matchProfile.nix compat.profiles;
    resolveTarget = import ./resolveTarget.nix { inherit (compat) supported profiles; };
    bootstrapChoice = import ./bootstrapChoice.nix;
    bootstrapFilesFor = import ./bootstrapFilesFor.nix;
    leafToolchain = import ./leafToolchain.nix;
    leafStage = import ./leafStage.nix;
    mkCompatPkgs = import ./mkCompatPkgs.nix { inherit compat; };
    mkCompatStdenv = import ./mkCompatStdenv.nix { inherit compat; };
    compatSets = import ./compatSets.nix { inherit compat; };
  };
in
compat

# compatSets :: { compat } -> { system, ... } -> { <set> = package set; }
#
# Every compat package set for a system, by name: one per supported glibc
# (glibc228, glibc231, glibc235, each with the kernel paired with it in
# overlays/supported.nix) and one per profile whose glibc and kernel compat
# supports (debian-11, ...). Extra arguments go to mkCompatPkgs. Sets are
# lazy: naming them costs nothing until one is used.
{ compat }:
args:
let
  byGlibc = map (version: {
    name = compat.setName version;
    value = compat.mkCompatPkgs (args // { glibc = version; });
  }) compat.glibcVersions;
  usable = builtins.filter (
    name:
    compat.supported.glibc ? ${compat.profiles.${name}.glibc}
    && compat.supported.kernel ? ${compat.profiles.${name}.kernel}
  ) (builtins.attrNames compat.profiles);
  byProfile = map (name: {
    inherit name;
    value = compat.mkCompatPkgs (args // { profile = name; });
  }) usable;
in
builtins.listToAttrs (byGlibc ++ byProfile)

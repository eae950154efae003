# resolveTarget :: { supported, profiles } -> { profile?, glibc?, kernel? } -> target
#
# Turns what a caller asked for into a checked target:
#   { glibc; kernel; set; profile; }
# - `profile` names a profile of profiles/ (unknown names fail, listing the
#   known ones); its glibc and kernel are the defaults.
# - `glibc` / `kernel` given explicitly win over the profile's. Without a
#   profile, `glibc` is required and `kernel` defaults to the kernel paired
#   with that glibc in overlays/supported.nix.
# - Both versions must be supported (see checkVersion).
# - The result's `profile` is the named profile, else the profile matching
#   both versions exactly (see matchProfile), else null.
#
# Example:
#   resolveTarget { ... } { glibc = "2.31"; }
#     =>  { glibc = "2.31"; kernel = "5.10"; set = "glibc231"; profile = "debian-11"; }
{ supported, profiles }:
{
  profile ? null,
  glibc ? null,
  kernel ? null,
}:
let
  checkVersion = import ./checkVersion.nix;
  known = builtins.concatStringsSep ", " (builtins.attrNames profiles);
  chosen =
    if profile == null then
      null
    else if profiles ? ${profile} then
      profiles.${profile}
    else
      throw "compat: unknown profile \"${toString profile}\"; known profiles: ${known}";
  glibcAsked =
    if glibc != null then
      glibc
    else if chosen != null then
      chosen.glibc
    else
      throw "compat: say which target to build for: glibc = \"2.31\" (and optionally kernel), or profile = \"debian-11\"";
  glibcVersion = checkVersion "glibc" supported.glibc glibcAsked;
  kernelAsked =
    if kernel != null then
      kernel
    else if chosen != null then
      chosen.kernel
    else
      supported.glibc.${glibcVersion}.kernel;
  kernelVersion = checkVersion "kernel" supported.kernel kernelAsked;
  versions = {
    glibc = glibcVersion;
    kernel = kernelVersion;
  };
in
versions
// {
  set = import ./setName.nix glibcVersion;
  profile = if profile != null then profile else import ./matchProfile.nix profiles versions;
}

# The flake's checks for one system.
#
# - lib-tests: the unit tests of tests/nix/lib-tests.nix, evaluated while the
#   check is evaluated (a failing test fails evaluation with its name).
# - <set>-scan (x86_64-linux only, where compat knows bootstrap files): builds
#   bash, coreutils, hello and openssl from the set and runs
#   `compat scan` against the set's target (its profile, else its glibc and
#   kernel) on them, with their closure as shipped libraries; any
#   incompatibility fails the check. These build a whole stdenv bootstrap:
#   they need network and hours.
{
  compat,
  system,
  pkgs,
  helper,
  sets,
}:
let
  results = import ../tests/nix/lib-tests.nix;
  failed = builtins.filter (r: !r.ok) results;
  libTests =
    if failed == [ ] then
      pkgs.runCommand "compat-lib-tests" { } ''
        echo "${toString (builtins.length results)} passed, 0 failed" > $out
      ''
    else
      throw "compat lib tests failed: ${builtins.concatStringsSep ", " (map (r: r.name) failed)}";

  scanCheck =
    name:
    let
      set = sets.${name};
      target = set.compatTarget;
      targetArgs =
        if target.profile != null then
          "--profile ${target.profile}"
        else
          "--glibc ${target.glibc} --kernel ${target.kernel}";
      # hello is absent from trimmed nixpkgs-derived trees; skip what a tree lacks.
      packages = map (n: set.${n}) (
        builtins.filter (n: set ? ${n}) [
          "bash"
          "coreutils"
          "hello"
          "openssl"
        ]
      );
      # closureInfo is in nixpkgs; trimmed trees such as auxolotl/core lack it.
      closureArgs =
        if pkgs ? closureInfo then
          "--closure-file ${pkgs.closureInfo { rootPaths = packages; }}/store-paths"
        else
          "";
    in
    # Libraries of the packages' closures (the target glibc, GCC's runtime,
    # ...) travel with them: scan judges those by their own version
    # definitions, and everything against the target.
    pkgs.runCommand "compat-${name}-scan" { nativeBuildInputs = [ helper ]; } ''
      compat scan ${targetArgs} ${closureArgs} \
        ${toString (map (p: "${p.out or p}") packages)} > $out || { cat $out; exit 1; }
      cat $out
    '';
in
{
  lib-tests = libTests;
}
// (
  if system == "x86_64-linux" then
    builtins.listToAttrs (
      map (name: {
        name = "${name}-scan";
        value = scanCheck name;
      }) compat.setNames
    )
  else
    { }
)

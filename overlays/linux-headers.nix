# Linux userspace headers of one kernel release, as `linuxHeaders`.
#
#   import ./linux-headers.nix { version = "5.10"; } :: overlay
#
# Built with nixpkgs' own `makeLinuxHeaders` from the release tarball; for
# trees older than Linux 5.3, which have no `make headers`, the headers are
# exported with `make headers_install` into the place the installPhase of
# makeLinuxHeaders copies them from (usr/include).
{
  version,
  supported ? import ./supported.nix,
}:
final: prev:
let
  info = supported.kernel.${version};
  major = builtins.head (builtins.splitVersion version);
  headers = prev.makeLinuxHeaders {
    inherit version;
    src = final.fetchurl {
      url = "mirror://kernel/linux/kernel/v${major}.x/linux-${version}.tar.xz";
      inherit (info) sha256;
    };
  };
in
{
  linuxHeaders =
    if info.target == "headers" then
      headers
    else
      headers.overrideAttrs (old: {
        buildPhase = ''
          runHook preBuild
          make mrproper $makeFlags
          make headers_install INSTALL_HDR_PATH="$PWD/usr" $makeFlags
          runHook postBuild
        '';
      });
}

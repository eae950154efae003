# The targets compat can build for: which glibc and Linux-header versions
# exist, where their sources come from and what each needs.
#
# Data only (no functions), and it imports nothing. It lives here, with the
# overlays that implement these versions (./glibc.nix, ./linux-headers.nix
# read it as their default `supported`); lib/ reads it from here and
# publishes it as `compat.supported`. So lib/ sits above overlays/ and
# nothing here imports lib/. Hashes are of the upstream release tarballs.
# `sourceCheck` records which real source tree the version's patches were
# checked against by checks/glibc-patches.sh (see the README).
{
  glibc = {
    "2.28" = {
      set = "glibc228";
      kernel = "4.19";
      sha256 = "b1900051afad76f7a4f73e71413df4826dce085ef8ddb785a945b66d7d513082";
      # glibc's own floor for --enable-kernel (arch_minimum_kernel), by
      # architecture; checked against the real 2.31 source by
      # tests/nix/glibc-patches.sh.
      minKernel = {
        x86_64 = "3.2";
        aarch64 = "3.7";
      };
      # Intel CET support exists since 2.28 but was still being fixed up; off.
      cet = false;
      sourceCheck = "none: no Debian suite served by the mirror carries 2.28 (buster is archived)";
    };
    "2.31" = {
      set = "glibc231";
      kernel = "5.10";
      sha256 = "9246fe44f68feeec8c666bb87973d590ce0137cca145df014c72ec95be9ffd17";
      minKernel = {
        x86_64 = "3.2";
        aarch64 = "3.7";
      };
      cet = false;
      sourceCheck = "bullseye glibc_2.31.orig.tar.xz";
    };
    "2.35" = {
      set = "glibc235";
      kernel = "5.15";
      sha256 = "5123732f6b67ccd319305efd399971d58592122bcc2a6518a1bd2510dd0cf52e";
      minKernel = {
        x86_64 = "3.2";
        aarch64 = "3.7";
      };
      cet = true;
      sourceCheck = "nearest only: bookworm glibc_2.36.orig.tar.xz (no served suite carries 2.35)";
    };
  };

  # Linux kernel releases whose userspace headers (`linuxHeaders`) compat
  # installs. `target` is the make target that exports them: `headers`
  # appeared in Linux 5.3; older trees only have `headers_install`.
  kernel = {
    "4.18" = {
      sha256 = "19d8bcf49ef530cd4e364a45b4a22fa70714b70349c8100e7308488e26f1eaf1";
      target = "headers_install";
    };
    "4.19" = {
      sha256 = "0c68f5655528aed4f99dae71a5b259edc93239fa899e2df79c055275c21749a1";
      target = "headers_install";
    };
    "5.4" = {
      sha256 = "bf338980b1670bca287f9994b7441c2361907635879169c64ae78364efc5f491";
      target = "headers";
    };
    "5.10" = {
      sha256 = "dcdf99e43e98330d925016985bfbc7b83c66d367b714b2de0cbbfcbf83d8ca43";
      target = "headers";
    };
    "5.15" = {
      sha256 = "57b2cf6991910e3b67a1b3490022e8a0674b6965c74c12da1e99d138d1991ee8";
      target = "headers";
    };
  };
}

# The bootstrap files compat knows, by name, with what each holds and what
# has been proven with it here. Data only; lib/bootstrapChoice.nix chooses
# among them (and the caller's own) and says why.
#
#   glibc     the glibc the files carry: a target glibc older than this
#             cannot start from them (bootstrap-stage2 re-links their tools
#             against the target glibc)
#   systems   where they run
#   what      what they are, in a sentence
#   proven    what has been built with them here, in a sentence
#   obtain    how a user gets them into the Nix store ("make them with
#             ..."), or null when Nix downloads them
# and the hashes (and URLs) bootstrapChoice makes the files from.
{
  # scripts/debian-bootstrap-files.sh (bullseye, the default suite). The
  # script packs the tarball reproducibly, so these hashes pin the bytes it
  # writes from Debian 11's packages. There is nothing to download them
  # from: the derivations below are fixed-output placeholders that build
  # nothing and print how to add the files (`nix-store --add-fixed`), after
  # which Nix finds them in the store by their hash.
  debian-11 = {
    glibc = "2.31";
    systems = [ "x86_64-linux" ];
    what = "assembled from Debian 11's binaries by scripts/debian-bootstrap-files.sh (glibc 2.31, GCC 10.2.1, binutils 2.35.2, GNU make 4.3, coreutils 8.32, bash 5.1)";
    proven = "nixpkgs' bootstrap-stage1 built from them compiles, links and runs a C program against glibc 2.31, with Debian 11's own loader (tests/nix/run.sh); the later stages are not proven (they need sources from the network)";
    obtain = "make them with `scripts/debian-bootstrap-files.sh ./boot` (compat's repository; apt and about 60 MB of Debian 11 packages), then `nix-store --add-fixed sha256 ./boot/bootstrap-tools.tar.xz` and `nix-store --add-fixed --recursive sha256 ./boot/busybox`";
    tarballSha256 = "3c2608ad8adeff6c58895d6ab3a1004c2842e779d5716bdc40ad209851583843";
    # Of the directory ./boot/busybox (NAR hash): Debian's busybox must run
    # under its own name, so it stays in a directory of its own.
    busyboxDirSha256 = "92fe84dfdf75d777a206388c871cde6696ccdb7109d161b2b75151466ab4dcd8";
  };

  # The last x86_64 bootstrap tarball nixpkgs published before 2023.
  nixpkgs-2020 = {
    glibc = "2.27";
    systems = [ "x86_64-linux" ];
    what = "nixpkgs' last x86_64 bootstrap tarball before 2023 (built from nixos-19.09, published in 2020: glibc 2.27, GCC 8.3, binutils 2.31, GNU make 4.2.1)";
    proven = "nothing: no stage of current nixpkgs has been built from it here (current nixpkgs passes GCC 8 flags it does not know, such as -fstrict-flex-arrays)";
    obtain = null;
    url = "http://tarballs.nixos.org/stdenv-linux/x86_64/c5aabb0d603e2c1ea05f5a93b3be82437f5ebf31/bootstrap-tools.tar.xz";
    sha256 = "a5ce9c155ed09397614646c9717fc7cd94b1023d7b76b618d409e4fefd6e9d39";
    busyboxUrl = "http://tarballs.nixos.org/stdenv-linux/i686/4907fc9e8d0d82b28b3c56e3a478a2882f1d700f/busybox";
    busyboxSha256 = "ef4c1be6c7ae57e4f654efd90ae2d2e204d6769364c46469fa9ff3761195cba1";
  };
}

# Two small derivations whose builder is a static busybox copied into the
# store: what tests/remote/ssh-builder.sh builds remotely when no nixpkgs
# tree is at hand (COMPAT_NIXPKGS unset). `nonce` makes each run's
# derivations new, so neither store has them yet.
{
  busyboxDir,
  nonce,
}:
let
  sh = builtins.path {
    path = busyboxDir;
    name = "busybox-dir";
    filter = p: _: baseNameOf p == "busybox";
  };
  mk =
    name: script:
    derivation {
      inherit name nonce;
      system = builtins.currentSystem;
      builder = "${sh}/busybox";
      args = [
        "sh"
        "-c"
        script
      ];
      PATH = "${sh}";
    };
  dep = mk "compat-remote-dep" "busybox mkdir $out && busybox echo dependency > $out/data";
in
mk "compat-remote-top" "busybox mkdir $out && busybox echo ${dep}/data > $out/ref"

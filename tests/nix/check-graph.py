#!/usr/bin/env python3
"""Checks the derivation graphs reported by tests/nix/graph.nix.

    check-graph.py STRATEGY REPORT_JSON

Prints one "ok   ..." or "FAIL ..." line per check. For every set and package:
- "bootstrap": every glibc derivation in the closure other than the bootstrap
  tools' stage0 glibc is the target version; every linux-headers derivation
  is the target kernel; the glibc is configured with --enable-kernel=<kernel>.0
  and carries exactly the patches of overlays/glibc/<version>/ (so none of
  nixpkgs' patches for its newer glibc); the bootstrap tarball is the
  target's default: Debian 11's (pinned by hash) for glibc 2.31 and newer,
  nixpkgs' 2020 one for 2.28.
- every set: glibcLocales is the target version, built with it, and built
  serially (see overlays/glibc.nix).
- "leaf": the package's compiler links against the target glibc, GCC's
  runtime was rebuilt against it, the package differs from nixpkgs' own
  build (bash is forwarded from the bootstrap there), and its closure holds
  a glibc of the target version configured for the target kernel and the
  target's linux-headers.
"""
import json
import os
import re
import subprocess
import sys

strategy, report = sys.argv[1], json.loads(sys.argv[2])
root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_closure_cache = {}


def closure(drv):
    if drv not in _closure_cache:
        out = subprocess.run(["nix-store", "-qR", drv], check=True, capture_output=True, text=True).stdout
        _closure_cache[drv] = out.split()
    return _closure_cache[drv]


def show(drvs):
    # `nix show-derivation` (Nix 2.8) became `nix derivation show` (Nix 2.15+).
    for cmd in (["nix", "show-derivation"], ["nix", "derivation", "show"]):
        run = subprocess.run([*cmd, *drvs], capture_output=True, text=True)
        if run.returncode == 0:
            return json.loads(run.stdout)
    raise RuntimeError(f"cannot show derivations: {run.stderr}")


def name_of(path):
    return re.sub(r"^/nix/store/[a-z0-9]{32}-", "", path)[: -len(".drv")]


GLIBC = re.compile(r"^glibc(-nolibgcc)?-(\d+\.\d+)(-\d+)?$")
HEADERS = re.compile(r"^linux-headers-(\d+\.\d+)(\.\d+)?$")


def check(label, condition, detail=""):
    print(("ok   " if condition else "FAIL ") + label + ("" if condition else ": " + detail))


for entry in report:
    version, kernel, set_name = entry["glibc"], entry["kernel"], entry["set"]
    label_set = f"graph/{strategy}/{set_name}"
    patch_dir = os.path.join(root, "overlays", "glibc", version)
    wanted_patches = sorted(p for p in os.listdir(patch_dir) if p.endswith(".patch"))
    check(f"graph/{strategy}/{set_name}: stdenv.cc.libc.version", entry["libcVersion"] == version, entry["libcVersion"])
    check(f"graph/{strategy}/{set_name}: glibcLocales is {version}", entry["localesVersion"] == version, entry["localesVersion"])
    # C.UTF-8 exists upstream since 2.35 only; before, en_US.UTF-8 is built.
    wants_c = [int(x) for x in version.split(".")] >= [2, 35]
    check(f"graph/{strategy}/{set_name}: C.UTF-8 built only where glibc has it",
          entry.get("buildsCUtf8") == [wants_c, wants_c], str(entry.get("buildsCUtf8")))
    # nixpkgs' glibcLocales builds in parallel since late 2025, relying on
    # two patches of its own that these releases lack; serial, every locale
    # is added to the archive in turn.
    check(f"{label_set}: glibcLocales builds serially", entry.get("localesParallel") is False, str(entry.get("localesParallel")))
    locale_glibcs = sorted({GLIBC.match(name_of(d)).group(2) for d in closure(entry["localesDrv"]) if GLIBC.match(name_of(d))})
    check(f"graph/{strategy}/{set_name}: glibcLocales built with glibc {version}", version in locale_glibcs, str(locale_glibcs))
    for pkg in entry["packages"]:
        label = f"graph/{strategy}/{set_name}/{pkg['name']}"
        drvs = closure(pkg["drv"])
        names = {d: name_of(d) for d in drvs if d.endswith(".drv")}
        glibcs = {d: GLIBC.match(n) for d, n in names.items() if GLIBC.match(n)}
        headers = {d: HEADERS.match(n) for d, n in names.items() if HEADERS.match(n)}
        target_glibcs = [d for d, m in glibcs.items() if m.group(2) == version]
        target_headers = [d for d, m in headers.items() if m.group(1) == kernel]
        check(f"{label}: compiler's libc is {version}", pkg["libcVersion"] == version, pkg["libcVersion"])
        check(f"{label}: a glibc {version} is in the graph", len(target_glibcs) >= 1, str(sorted(names[d] for d in glibcs)))
        check(f"{label}: linux-headers {kernel} are in the graph", len(target_headers) >= 1, str(sorted(names[d] for d in headers)))
        if strategy == "bootstrap":
            other = sorted(names[d] for d, m in glibcs.items() if m.group(2) != version)
            check(f"{label}: every glibc after stage0 is {version}", not other, str(other))
            other_h = sorted(names[d] for d, m in headers.items() if m.group(1) != kernel)
            check(f"{label}: every linux-headers is {kernel}", not other_h, str(other_h))
            # The default bootstrap files: Debian 11's (glibc 2.31, a stage
            # proven here) where the target allows, else nixpkgs' 2020 tarball.
            boot = entry.get("bootstrapFiles") or {"name": None}
            wanted = "nixpkgs-2020" if version == "2.28" else "debian-11"
            check(f"{label}: default bootstrap files are {wanted}", boot["name"] == wanted, boot["name"])
            tarballs = [d for d, n in names.items() if n == "bootstrap-tools.tar.xz"]
            envs = [v["env"] for v in show(tarballs).values()] if tarballs else []
            if boot["name"] == "debian-11":
                hashes = [e.get("outputHash", "") for e in envs]
                check(f"{label}: bootstrap tarball is the pinned Debian 11 one", hashes == [boot.get("tarballSha256")], str(hashes))
            else:
                urls = [e.get("url", "") for e in envs]
                check(f"{label}: bootstrap tarball is nixpkgs' 2020 one", urls == [boot.get("url")] and boot.get("url"), str(urls))
        else:
            check(f"{label}: GCC runtime rebuilt against {version}", pkg["runtimeLibcVersion"] == version, str(pkg["runtimeLibcVersion"]))
            if pkg["name"] == "bash":
                check(f"{label}: not nixpkgs' bootstrap-forwarded bash", pkg["drv"] != entry["nixpkgsBash"], pkg["drv"])
        for drv, info in show(target_glibcs).items():
            env = info["env"]
            flags = env.get("configureFlags", "").split()
            kernels = [f for f in flags if f.startswith("--enable-kernel=")]
            check(f"{label}: {name_of(drv)} has --enable-kernel={kernel}.0", kernels == [f"--enable-kernel={kernel}.0"], str(kernels))
            if name_of(drv).startswith("glibc-"):
                applied = sorted(re.sub(r"^/nix/store/[a-z0-9]{32}-", "", p) for p in env.get("patches", "").split())
                check(f"{label}: {name_of(drv)} carries exactly overlays/glibc/{version}", applied == wanted_patches,
                      f"applied {applied}, expected {wanted_patches}")
                headers_flag = [f for f in flags if f.startswith("--with-headers=")]
                check(f"{label}: {name_of(drv)} built with linux-headers {kernel}",
                      len(headers_flag) == 1 and headers_flag[0].endswith(f"-linux-headers-{kernel}/include"), str(headers_flag))

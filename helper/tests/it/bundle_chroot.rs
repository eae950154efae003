//! The proof of `compat bundle`: a zlib program built against Debian 11, laid
//! out like a Nix output (interpreter and RUNPATH in store paths), bundled,
//! and run in a chroot holding nothing but Debian 11's libc6 package and the
//! unpacked bundle -- so the kernel loads it through Debian 11's own
//! /lib64/ld-linux-x86-64.so.2 and nothing else provides libz.

use crate::common;

use std::{fs, path::Path, process::Command};

use crate::bundle_support::*;
use serde_json::Value;

/// Runs `program` chrooted into `root` with a clean environment (nothing of
/// the host, such as cargo's LD_LIBRARY_PATH, leaks in) and /proc mounted, as
/// on any running Linux system: glibc finds a program's own $ORIGIN through
/// /proc/self/exe. `unshare --root` is chroot(2) in a private mount (and pid)
/// namespace, so the proc mount vanishes with the process.
fn chroot_run(root: &Path, program: &str) -> std::process::Output {
    fs::create_dir_all(root.join("proc")).unwrap();
    let unshare = which::which("unshare").expect("unshare (util-linux) on PATH");
    Command::new(unshare)
        .args(["--fork", "--pid", "--mount-proc"])
        .arg(format!("--root={}", root.display()))
        .arg(program)
        .env_clear()
        .output()
        .expect("run unshare")
}

#[test]
fn a_store_laid_out_zlib_program_runs_from_its_bundle_on_debian_11_libc6_alone() {
    let Some(bullseye) = common::bullseye() else { return };
    if !is_root() {
        common::skip("not root; chroot needs root (CI runs as root)");
        return;
    }
    let (tmp, store, z) = zdemo_in_temp_store(&bullseye);
    let work = tmp.path();
    let result = work.join("result");
    std::os::unix::fs::symlink(&z.out, &result).unwrap();

    // Debian 11's profile counts libz.so.1 as a system library; an ad-hoc
    // glibc 2.31 / Linux 5.10 target has only glibc's, so zlib is vendored.
    let archive = work.join("zdemo-debian-11.tar.gz");
    let dist = work.join("dist");
    let out = bundle_for_glibc_2_31(&[
        result.to_str().unwrap(),
        "-o",
        archive.to_str().unwrap(),
        "--dir",
        dist.to_str().unwrap(),
        "--json",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "compat bundle failed:\n{stderr}");
    let manifest: Value = serde_json::from_slice(&out.stdout).expect("--json prints the manifest");
    let written: Value = serde_json::from_slice(&fs::read(dist.join("compat-manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest, written, "--json prints the manifest the bundle holds");

    // The manifest: target, vendored zlib from the store path, glibc left to the target.
    assert_eq!(manifest["profile"]["glibc"], "2.31");
    assert_eq!(manifest["profile"]["kernel"], "5.10");
    assert_eq!(manifest["compatVersion"], env!("CARGO_PKG_VERSION"));
    let vendored = manifest["vendored"].as_array().unwrap();
    assert_eq!(vendored.len(), 1, "{vendored:?}");
    assert_eq!(vendored[0]["name"], "libz.so.1");
    assert_eq!(vendored[0]["path"], "lib/libz.so.1");
    assert_eq!(vendored[0]["source"], z.zlib.join("lib/libz.so.1").to_str().unwrap());
    assert_eq!(vendored[0]["realSource"], z.zlib.join("lib/libz.so.1.2.11").to_str().unwrap());
    assert_eq!(vendored[0]["neededBy"], serde_json::json!(["bin/.zdemo-wrapped"]));
    assert_eq!(manifest["systemLibraries"], serde_json::json!(["libc.so.6"]));
    let files: Vec<&str> = manifest["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(files, ["bin/.zdemo-wrapped", "bin/zdemo", "lib/libz.so.1", "share/zdemo/message.txt"]);
    let program_entry = &manifest["files"][0];
    assert_eq!(program_entry["kind"], "elf");
    assert_eq!(manifest["files"][1]["kind"], "script");
    let scripts = manifest["scripts"].as_array().unwrap();
    assert_eq!(scripts.len(), 1);
    assert_eq!(scripts[0]["path"], "bin/zdemo");
    assert_eq!(scripts[0]["shebang"], "/bin/bash");
    assert_eq!(scripts[0]["rewritten"].as_array().unwrap().len(), 2);
    assert_eq!(manifest["findings"], serde_json::json!([]), "no store reference left");

    // The vendored library is zlib from the store, byte for byte.
    assert_eq!(fs::read(dist.join("lib/libz.so.1")).unwrap(), fs::read(z.zlib.join("lib/libz.so.1.2.11")).unwrap());
    // Interpreter and RUNPATH read back.
    let program = dist.join("bin/.zdemo-wrapped");
    assert_eq!(patchelf(&["--print-interpreter"], &program), "/lib64/ld-linux-x86-64.so.2");
    assert_eq!(patchelf(&["--print-rpath"], &program), "$ORIGIN/../lib");
    assert_eq!(patchelf(&["--print-needed"], &program), "libz.so.1\nlibc.so.6");
    assert_eq!(patchelf(&["--print-rpath"], &dist.join("lib/libz.so.1")), "");
    // ... and through compat's own ELF reader: RUNPATH (not RPATH), no store path left in the dynamic section.
    let info = compat::elf::ElfInfo::parse(&fs::read(&program).unwrap()).unwrap();
    assert_eq!(info.interpreter.as_deref(), Some("/lib64/ld-linux-x86-64.so.2"));
    assert_eq!(info.runpath, ["$ORIGIN/../lib"]);
    assert!(info.rpath.is_empty());
    assert_eq!(info.needed, ["libz.so.1", "libc.so.6"]);
    // No store path, and no path of this machine's fake store, anywhere in the
    // bundle but the manifest (which records where each file came from).
    let manifest_path = dist.join("compat-manifest.json");
    for needle in ["/nix/store/", store.dir.to_str().unwrap()] {
        let hits: Vec<_> =
            files_containing(&dist, needle.as_bytes()).into_iter().filter(|p| *p != manifest_path).collect();
        assert!(hits.is_empty(), "{needle} left in {hits:?}");
    }

    // The chroot: Debian 11's libc6 and the unpacked archive, nothing else.
    let root = work.join("chroot");
    libc6_root(&bullseye, &root);
    let tar = Command::new("tar").arg("-xzf").arg(&archive).arg("-C").arg(&root).output().unwrap();
    assert!(tar.status.success(), "{}", String::from_utf8_lossy(&tar.stderr));
    let run = chroot_run(&root, "/zdemo-debian-11/bin/.zdemo-wrapped");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "bundled program failed in the chroot: {:?}\n{stdout}\n{}",
        run.status,
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(stdout.contains("zlib 1.2.11\n"), "{stdout}");
    assert!(stdout.contains("round trip ok: compat bundle round trip (25 -> "), "{stdout}");

    // The same program before bundling cannot start there: the test's chroot is a real obstacle.
    copy(&z.out.join("bin/.zdemo-wrapped"), &root.join("unbundled"));
    let before = chroot_run(&root, "/unbundled");
    assert!(!before.status.success(), "the unbundled program must not run in the chroot");

    // The rewritten wrapper (needs a shell, so it runs on this host) finds the
    // program and its data next to itself, also when reached through a symlink.
    let link = work.join("zdemo-link");
    std::os::unix::fs::symlink(dist.join("bin/zdemo"), &link).unwrap();
    for entry in [dist.join("bin/zdemo"), link] {
        let run = Command::new(&entry).output().unwrap();
        let stdout = String::from_utf8_lossy(&run.stdout);
        assert!(run.status.success(), "{}: {}", entry.display(), String::from_utf8_lossy(&run.stderr));
        assert!(stdout.contains("data: hello from the bundle's share dir"), "{stdout}");
    }
}

#[test]
fn with_debian_11_zlib_is_left_to_the_target() {
    let Some(bullseye) = common::bullseye() else { return };
    let (tmp, _store, z) = zdemo_in_temp_store(&bullseye);
    let work = tmp.path();
    let dist = work.join("dist");
    let out = common::compat(&[
        "bundle",
        "--profile",
        "debian-11",
        z.out.to_str().unwrap(),
        "--dir",
        dist.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let manifest: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(manifest["profile"]["name"], "debian-11");
    assert_eq!(manifest["vendored"], serde_json::json!([]));
    assert_eq!(manifest["systemLibraries"], serde_json::json!(["libc.so.6", "libz.so.1"]));
    let program = dist.join("bin/.zdemo-wrapped");
    assert_eq!(patchelf(&["--print-interpreter"], &program), "/lib64/ld-linux-x86-64.so.2");
    assert_eq!(patchelf(&["--print-rpath"], &program), "", "no bundled library: no RUNPATH");
    assert!(!dist.join("lib").exists());
}

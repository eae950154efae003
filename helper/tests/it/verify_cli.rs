//! `compat verify` argument handling, input errors and what a boot that
//! never reached /init reports (with a stand-in for qemu); the boot itself
//! is proven by kernel_harness.rs.

use crate::common;

use std::{
    path::{Path, PathBuf},
    process::Output,
};

#[test]
fn a_missing_kernel_is_a_usage_error_naming_it() {
    let out = common::compat(&["verify", "--kernel-image", "/nonexistent/vmlinuz", "--sysroot", "/", "/bin/true"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("/nonexistent/vmlinuz"), "{stderr}");
}

#[test]
fn help_teaches_with_examples() {
    let out = common::compat(&["verify", "--help"]);
    let help = String::from_utf8_lossy(&out.stdout);
    for want in [
        "--kernel-image",
        "--sysroot",
        "--json",
        "--timeout",
        "--qemu",
        "--memory",
        "compat verify --kernel-image",
        "--closure",
        "--closure-file",
        "--store-root",
        "nix-store -qR",
        "--closure-file closure.txt",
        "kernel_too_old",
    ] {
        assert!(help.contains(want), "{want} missing from\n{help}");
    }
}

/// A stand-in for qemu (a script that records it was started, then runs a
/// given body) and a kernel image it never boots.
struct FakeBoot {
    qemu: String,
    marker: PathBuf,
    kernel: String,
}

impl FakeBoot {
    fn new(dir: &Path, body: &str) -> FakeBoot {
        let marker = dir.join("qemu-was-started");
        let script = dir.join("fake-qemu");
        common::write_executable(&script, format!("#!/bin/sh\ntouch '{}'\n{body}\n", marker.display()), 0o755);
        let kernel = dir.join("vmlinuz");
        std::fs::write(&kernel, b"never booted").unwrap();
        FakeBoot { qemu: script.display().to_string(), marker, kernel: kernel.display().to_string() }
    }

    /// `compat verify --qemu QEMU --kernel-image KERNEL ARGS...`
    fn verify(&self, args: &[&str]) -> Output {
        common::compat(&[&["verify", "--qemu", &self.qemu, "--kernel-image", &self.kernel][..], args].concat())
    }
}

fn have_busybox() -> bool {
    let there = std::path::Path::new("/bin/busybox").exists();
    if !there {
        common::skip("/bin/busybox is missing (apt install busybox-static)");
    }
    there
}

/// Defect: a missing FILE booted the kernel anyway (8 s) and exited 1. It is
/// an unreadable input: exit 2 naming it, before anything boots -- even
/// when the kernel image is missing too.
#[test]
fn a_missing_file_is_a_usage_error_before_any_boot() {
    let dir = tempfile::TempDir::new().unwrap();
    let boot = FakeBoot::new(dir.path(), "exit 0");
    let missing = dir.path().join("no-such-program");
    let nonexistent_kernel = dir.path().join("no-such-vmlinuz").display().to_string();
    for kernel in [&boot.kernel, &nonexistent_kernel] {
        let out = common::compat(&[
            "verify",
            "--qemu",
            &boot.qemu,
            "--kernel-image",
            kernel,
            "--sysroot",
            "/",
            "/bin/true",
            &missing.display().to_string(),
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        let first = stderr.lines().next().unwrap_or_default();
        assert!(first.contains(&*missing.display().to_string()), "the missing file is named first: {stderr}");
        assert!(first.contains("cannot read"), "{stderr}");
        assert!(!stderr.contains("/bin/true"), "only the bad input is named: {stderr}");
        assert!(!boot.marker.exists(), "qemu was started for a missing input");
        assert!(out.stdout.is_empty(), "no report for a run that did not happen");
    }
}

/// Defect: with `--timeout 1` it printed "booted and ran in 1.0s" beside
/// "did not reach /init". A boot that timed out says so, and nothing else.
#[test]
fn a_boot_that_times_out_says_so_and_not_that_it_ran() {
    if !have_busybox() {
        return;
    }
    let dir = tempfile::TempDir::new().unwrap();
    let boot = FakeBoot::new(dir.path(), "exec sleep 30");
    let started = std::time::Instant::now();
    let out = boot.verify(&["--timeout", "1", "--sysroot", "/", "/bin/true"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(boot.marker.exists(), "the fake qemu was not started: {stderr}");
    assert!(started.elapsed().as_secs() < 20, "the timeout did not stop the boot");
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(!stdout.contains("booted and ran"), "{stdout}");
    assert!(stdout.contains("did not reach /init: the boot timed out after 1s"), "{stdout}");
    assert!(stdout.contains("/bin/true: not run: the boot timed out before it ran"), "{stdout}");

    let json = boot.verify(&["--json", "--timeout", "1", "--sysroot", "/", "/bin/true"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!((v["timed_out"].as_bool(), v["finished"].as_bool()), (Some(true), Some(false)), "{v}");
}

/// Closure mode: a store path missing under --store-root, or a closure file
/// that cannot be read, is an input error naming it; nothing boots.
#[test]
fn a_bad_closure_is_a_usage_error_naming_it() {
    let dir = tempfile::TempDir::new().unwrap();
    let boot = FakeBoot::new(dir.path(), "exit 0");
    let absent_list = dir.path().join("closure.txt");
    let out = boot.verify(&[
        "--store-root",
        &dir.path().display().to_string(),
        "--closure",
        "/nix/store/00000000000000000000000000000000-gone",
        "--closure-file",
        &absent_list.display().to_string(),
        "/bin/true",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("/nix/store/00000000000000000000000000000000-gone"), "{stderr}");
    assert!(stderr.contains(&*absent_list.display().to_string()), "{stderr}");
    assert!(!boot.marker.exists(), "qemu was started for a bad closure");

    let both = common::compat(&[
        "verify",
        "--kernel-image",
        &boot.kernel,
        "--sysroot",
        "/",
        "--closure",
        "/nix/store/x",
        "/bin/true",
    ]);
    assert_eq!(both.status.code(), Some(2), "--sysroot and --closure together are refused");
    let neither = common::compat(&["verify", "--kernel-image", &boot.kernel, "/bin/true"]);
    assert_eq!(neither.status.code(), Some(2), "one of --sysroot / --closure is required");
}

/// The initramfs of a program built against Debian 11: the target's loader
/// at the path the program names, its libc from the sysroot (not the host's).
#[test]
fn initramfs_takes_the_c_library_from_the_sysroot() {
    use compat::verify::initramfs;
    let Some(root) = common::bullseye() else { return };
    let dir = tempfile::TempDir::new().unwrap();
    let program = dir.path().join("hello");
    let flags = common::bullseye_cflags(&root);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    common::compile("#include <stdio.h>\nint main(void) { puts(\"hi\"); return 0; }\n", &program, false, &flags);
    let busybox = std::path::Path::new("/bin/busybox");
    if !have_busybox() {
        return;
    }
    let sysroot = root.join("sysroot");
    let missing = dir.path().join("does-not-exist");
    let (archive, placed) = initramfs::build(
        &[program.clone(), missing],
        &initramfs::Libraries::Sysroot(sysroot.clone()),
        busybox,
        &["a b".to_string()],
    )
    .unwrap();
    assert!(placed[0].missing.is_empty(), "{:?}", placed[0].missing);
    assert!(placed[1].error.as_deref().is_some_and(|e| e.contains("cannot read")));
    let cpio = dir.path().join("initramfs.cpio");
    std::fs::write(&cpio, archive).unwrap();
    let out = std::process::Command::new("cpio")
        .current_dir(dir.path())
        .args(["-idm", "--quiet", "-F"])
        .arg(&cpio)
        .args(["init", "verify/lib/libc.so.6", "lib64/ld-linux-x86-64.so.2"]) // no device nodes: works unprivileged
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let libc = std::fs::read(dir.path().join("verify/lib/libc.so.6")).unwrap();
    let target_libc =
        std::fs::read(compat::verify::sysroot::resolve(&sysroot, "/lib/x86_64-linux-gnu/libc.so.6".as_ref()).unwrap())
            .unwrap();
    assert!(libc == target_libc, "libc.so.6 in the initramfs is not Debian 11's");
    assert!(dir.path().join("lib64/ld-linux-x86-64.so.2").is_file());
    let init = std::fs::read_to_string(dir.path().join("init")).unwrap();
    assert!(init.contains("'a b'"), "ARGS are quoted: {init}");
}

/// The initramfs of closure mode: the store paths at their own absolute
/// paths, the program run at its store path with no LD_LIBRARY_PATH and no
/// loader outside the closure; an interpreter the closure lacks is reported.
#[test]
fn initramfs_places_the_closure_at_its_store_paths() {
    use compat::verify::{closure::Closure, initramfs};
    use std::path::PathBuf;
    let Some(root) = common::bullseye() else { return };
    if !have_busybox() {
        return;
    }
    let glibc = "/nix/store/0c7ngmqbh0dkn7s0ndjqkmwxg8k3mf22-glibc-2.31";
    let hello = "/nix/store/2v9pl4jdxk0wq5mbh8f3nr6s1cyzg7ia-hello";
    let dir = tempfile::TempDir::new().unwrap();
    let store_root = dir.path().join("store-root");
    let lib = store_root.join(&glibc[1..]).join("lib");
    std::fs::create_dir_all(&lib).unwrap();
    for name in ["ld-2.31.so", "libc-2.31.so"] {
        std::fs::copy(root.join("sysroot/lib/x86_64-linux-gnu").join(name), lib.join(name)).unwrap();
    }
    std::os::unix::fs::symlink("ld-2.31.so", lib.join("ld-linux-x86-64.so.2")).unwrap();
    std::os::unix::fs::symlink("libc-2.31.so", lib.join("libc.so.6")).unwrap();
    let bin = store_root.join(&hello[1..]).join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let program = bin.join("hello");
    let mut flags = common::bullseye_cflags(&root);
    flags.push(format!("-Wl,--dynamic-linker={glibc}/lib/ld-linux-x86-64.so.2"));
    flags.push(format!("-Wl,-rpath,{glibc}/lib"));
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    common::compile("int main(void) { return 0; }\n", &program, false, &flags);
    let busybox = std::path::Path::new("/bin/busybox");

    let without_glibc = Closure { store_root: store_root.clone(), paths: vec![PathBuf::from(hello)] };
    let (_, placed) =
        initramfs::build(std::slice::from_ref(&program), &initramfs::Libraries::Closure(without_glibc), busybox, &[])
            .unwrap();
    assert!(
        placed[0].missing.iter().any(|m| m.contains("ld-linux-x86-64.so.2") && m.contains("not in the closure")),
        "{:?}",
        placed[0].missing
    );
    assert!(placed[0].missing.iter().any(|m| m == "libc.so.6"), "{:?}", placed[0].missing);

    let closure = Closure { store_root, paths: vec![PathBuf::from(glibc), PathBuf::from(hello)] };
    let (archive, placed) =
        initramfs::build(std::slice::from_ref(&program), &initramfs::Libraries::Closure(closure), busybox, &[])
            .unwrap();
    assert!(placed[0].missing.is_empty(), "{:?}", placed[0].missing);
    assert_eq!(placed[0].inside.as_deref(), Some(&*format!("{hello}/bin/hello")));
    let cpio = dir.path().join("initramfs.cpio");
    std::fs::write(&cpio, archive).unwrap();
    let listing = std::process::Command::new("cpio").args(["-itv", "-F"]).arg(&cpio).output().unwrap();
    let listing = String::from_utf8_lossy(&listing.stdout);
    for want in [
        format!("{}/lib/ld-linux-x86-64.so.2 -> ld-2.31.so", &glibc[1..]),
        format!("{}/lib/libc-2.31.so", &glibc[1..]),
        format!("{}/bin/hello", &hello[1..]),
    ] {
        assert!(listing.contains(&want), "{want} missing from\n{listing}");
    }
    assert!(!listing.contains("lib64") && !listing.contains("verify/bin"), "{listing}");
    let out = std::process::Command::new("cpio")
        .current_dir(dir.path())
        .args(["-id", "--quiet", "-F"])
        .arg(&cpio)
        .arg("init")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let init = std::fs::read_to_string(dir.path().join("init")).unwrap();
    assert!(!init.contains("LD_LIBRARY_PATH"), "{init}");
    assert!(init.contains(&format!("'{hello}/bin/hello'")), "{init}");
}

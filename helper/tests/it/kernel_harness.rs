//! The proof on a real kernel: test programs (direct system calls new and
//! old, libc wrapper imports, a runtime-chosen number, a probe that falls
//! back on ENOSYS), built statically and against the Debian 11 sysroot, run
//! on Debian 11's 5.10 kernel by `compat verify`, and judged by the
//! syscall analysis of `compat scan --profile debian-11`. Prints the table
//! of both and fails on any disagreement but the one expected kind: a
//! program that probes a new call and falls back on ENOSYS is flagged and
//! runs.
//!
//! Also here, on the same kernel: `compat verify`'s own-closure mode (a
//! fake Nix store with Debian 11's glibc at its own store path; a program
//! runs with that loader and libc, and one whose loader demands Linux 6.0 is
//! reported kernel-too-old), and a boot cut short by `--timeout`.
//!
//! Boots qemu (TCG) twice, about 15 s each: ignored by a plain `cargo test`;
//! scripts/test.sh runs it with `cargo test --test it kernel_harness:: -- --ignored --nocapture`.

use crate::common;

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::Instant,
};

use serde_json::Value;
use tempfile::TempDir;

/// Programs that make direct system calls: built against Debian 11 and static.
const DIRECT: &[&str] = &[
    "getpid_asm",
    "memfd_secret_asm",
    "memfd_secret_libc",
    "epoll_pwait2_libc",
    "close_range_libc",
    "runtime_number",
    "probe_fallback",
];
/// Programs that import glibc wrappers Debian 11's glibc lacks: built
/// against the host glibc (run with the host's libc) and static.
const WRAPPERS: &[&str] =
    &["wrapper_close_range", "wrapper_epoll_pwait2", "wrapper_pidfd_open", "wrapper_process_mrelease"];

struct Program {
    name: &'static str,
    variant: &'static str,
    path: PathBuf,
}

fn programs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/kernel/programs")
}

fn build(dir: &Path, name: &'static str, variant: &'static str, flags: &[String]) -> Program {
    let path = dir.join(format!("{name}.{variant}"));
    let source = std::fs::read_to_string(programs_dir().join(format!("{name}.c"))).unwrap();
    let mut all = vec!["-O2".to_string(), format!("-I{}", programs_dir().display())];
    all.extend_from_slice(flags);
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    common::compile(&source, &path, false, &all);
    Program { name, variant, path }
}

/// `compat verify --json` of `programs` with `sysroot`: exit status per path.
fn verify(kernel: &Path, sysroot: &Path, programs: &[&Program]) -> Vec<(PathBuf, Option<i64>, String)> {
    let mut args = vec![
        "verify".to_string(),
        "--json".to_string(),
        "--timeout".to_string(),
        "150".to_string(),
        "--kernel-image".to_string(),
        kernel.display().to_string(),
        "--sysroot".to_string(),
        sysroot.display().to_string(),
    ];
    args.extend(programs.iter().map(|p| p.path.display().to_string()));
    let out = Command::new(common::compat_bin()).args(&args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.code().is_some_and(|c| c <= 1), "compat verify failed ({}): {stderr}", out.status);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("verify --json: {e}: {stderr}"));
    let kernel = json["kernel"].as_str().unwrap_or_default();
    assert!(kernel.starts_with("5.10."), "booted kernel {kernel:?}, expected Debian 11's 5.10");
    json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                PathBuf::from(f["file"].as_str().unwrap()),
                f["status"].as_i64(),
                f["output"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// The scanner's verdict per file, from `compat scan --profile debian-11
/// --json`: the system calls of its error findings of kind `syscall` and
/// `syscall-wrapper` (the host-glibc programs also fail its glibc check,
/// which is not what this harness is about).
fn scan_errors(paths: &[&Path]) -> std::collections::HashMap<PathBuf, Vec<String>> {
    let mut args = ["scan", "--no-cache", "--profile", "debian-11", "--json"].map(str::to_string).to_vec();
    args.extend(paths.iter().map(|p| p.display().to_string()));
    let out = Command::new(common::compat_bin()).args(&args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.code().is_some_and(|c| c <= 1), "compat scan failed ({}): {stderr}", out.status);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("scan --json: {e}: {stderr}"));
    assert_eq!(json["syscalls"], Value::Bool(true), "the scan ran without its syscall analysis");
    json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let errors = f["findings"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|x| x["severity"] == "error" && (x["kind"] == "syscall" || x["kind"] == "syscall-wrapper"))
                .map(|x| x["symbols"][0].as_str().unwrap_or("?").to_string())
                .collect();
            (PathBuf::from(f["path"].as_str().unwrap()), errors)
        })
        .collect()
}

fn qemu_available() -> bool {
    let starts = which::which("qemu-system-x86_64")
        .ok()
        .and_then(|q| Command::new(q).arg("--version").output().ok())
        .is_some_and(|o| o.status.success());
    if !starts {
        common::skip(
            "qemu-system-x86_64 cannot start here (scripts/install-deps.sh installs qemu-system-x86): \
             the real-kernel harness cannot boot Debian 11's kernel",
        );
    }
    starts
}

#[test]
#[ignore = "boots Debian 11's kernel under qemu: scripts/test.sh runs it"]
fn scan_agrees_with_debian_11_kernel() {
    let started = Instant::now();
    let Some(root) = common::bullseye() else { return };
    if !qemu_available() {
        return;
    }
    let kernel = std::fs::read_dir(root.join("sysroot/boot"))
        .expect("the bullseye sysroot has /boot (linux-image-amd64)")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("vmlinuz-5.10")))
        .expect("Debian 11's vmlinuz-5.10 in the sysroot");
    let dir = TempDir::new().unwrap();
    let bullseye_flags = common::bullseye_cflags(&root);
    let static_flags = vec!["-static".to_string()];
    let mut target_runs = Vec::new(); // run with Debian 11's root
    let mut host_runs = Vec::new(); // run with the host's glibc
    for &name in DIRECT {
        target_runs.push(build(dir.path(), name, "bullseye", &bullseye_flags));
        target_runs.push(build(dir.path(), name, "static", &static_flags));
    }
    for &name in WRAPPERS {
        host_runs.push(build(dir.path(), name, "host", &[]));
        target_runs.push(build(dir.path(), name, "static", &static_flags));
    }
    let built = started.elapsed().as_secs_f64();

    let all: Vec<&Path> = target_runs.iter().chain(&host_runs).map(|p| p.path.as_path()).collect();
    let verdicts = scan_errors(&all);
    let sysroot = root.join("sysroot");
    let (target_results, host_results) = std::thread::scope(|s| {
        let a = s.spawn(|| verify(&kernel, &sysroot, &target_runs.iter().collect::<Vec<_>>()));
        let b = s.spawn(|| verify(&kernel, Path::new("/"), &host_runs.iter().collect::<Vec<_>>()));
        (a.join().unwrap(), b.join().unwrap())
    });
    let booted = started.elapsed().as_secs_f64() - built;

    println!(
        "\n{:<26} {:<9} {:<24} {:<26} verdict",
        "program", "variant", "on Linux 5.10 (verify)", "compat scan (debian-11)"
    );
    let mut disagreements = Vec::new();
    let mut expected = Vec::new();
    let mut caught = 0;
    for (program, (path, status, output)) in
        target_runs.iter().zip(&target_results).chain(host_runs.iter().zip(&host_results))
    {
        assert_eq!(&program.path, path);
        let errors = verdicts
            .get(&program.path)
            .unwrap_or_else(|| panic!("compat scan did not report {}", program.path.display()))
            .clone();
        let ran = *status == Some(0);
        let flagged = !errors.is_empty();
        let verdict = match (ran, flagged) {
            (true, false) => "agree: runs, not flagged",
            (false, true) => {
                caught += 1;
                "agree: fails, flagged"
            }
            (true, true) if program.name.starts_with("probe_") => {
                expected.push(format!("{}.{}", program.name, program.variant));
                "EXPECTED: ENOSYS-fallback probe"
            }
            _ => {
                disagreements.push(format!(
                    "{}.{}: status {status:?}, flagged {errors:?}: {output}",
                    program.name, program.variant
                ));
                "DISAGREE"
            }
        };
        let run = match status {
            Some(0) => "runs (exit 0)".to_string(),
            Some(s) if output.contains("ENOSYS") => format!("fails (exit {s}, ENOSYS)"),
            Some(s) => format!("fails (exit {s})"),
            None => "did not run".to_string(),
        };
        let scan = if flagged { format!("flags {}", errors.join(", ")) } else { "nothing".to_string() };
        println!("{:<26} {:<9} {:<24} {:<26} {verdict}", program.name, program.variant, run, scan);
    }
    println!(
        "\n{caught} real failures caught, {} expected difference(s) (probes that fall back on ENOSYS: {}), {} disagreement(s); built in {built:.1}s, booted and ran in {booted:.1}s, total {:.1}s",
        expected.len(),
        expected.join(", "),
        disagreements.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(disagreements.is_empty(), "the scan disagrees with the 5.10 kernel:\n{}", disagreements.join("\n"));
    assert!(caught >= 6, "too few programs failed on 5.10 ({caught}): the harness is not testing anything");
    assert_eq!(expected.len(), 2, "the ENOSYS-fallback probe (bullseye and static) must run and be flagged");
}

/// Debian 11's vmlinuz-5.10 from the sysroot scripts/debian-bullseye.sh made.
fn bullseye_kernel(root: &Path) -> PathBuf {
    std::fs::read_dir(root.join("sysroot/boot"))
        .expect("the bullseye sysroot has /boot (linux-image-amd64)")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("vmlinuz-5.10")))
        .expect("Debian 11's vmlinuz-5.10 in the sysroot")
}

// Store path names of the fake Nix store (32 characters of Nix's base32).
const GLIBC: &str = "/nix/store/0c7ngmqbh0dkn7s0ndjqkmwxg8k3mf22-glibc-2.31";
const GLIBC_LINUX6: &str = "/nix/store/1xqb7rvbf3dnzzs7w0dq8h5a4f6k9m2p-glibc-2.31-linux6";
const HELLO: &str = "/nix/store/2v9pl4jdxk0wq5mbh8f3nr6s1cyzg7ia-hello";
const HELLO_LINUX6: &str = "/nix/store/3m1d8fswq2kcv0xn9yb5l7pja6rhzg4i-hello-linux6";

/// Prints the objects the loader mapped (so the test sees whose loader and
/// libc ran), then a greeting.
const SHOW_MAPS: &str = r#"#include <stdio.h>
#include <string.h>
int main(void) {
    FILE *maps = fopen("/proc/self/maps", "r");
    char line[512];
    while (maps && fgets(line, sizeof line, maps))
        if (strstr(line, "ld-") || strstr(line, "libc")) fputs(strchr(line, '/') ? strchr(line, '/') : line, stdout);
    puts("hello from the closure");
    return 0;
}
"#;

/// `ld` with glibc's compiled-in minimum kernel (`--enable-kernel=3.2`:
/// `cmp $0x301ff,%eax; jg ok` in `_dl_sysdep_start`, then "FATAL: kernel
/// too old") raised to 6.0, so it refuses Linux 5.10 as a glibc built with
/// `--enable-kernel=6.0` would.
fn demand_linux_6(ld: &[u8]) -> Vec<u8> {
    let check = [0x3d, 0xff, 0x01, 0x03, 0x00, 0x0f, 0x8f];
    let at: Vec<usize> = ld.windows(check.len()).enumerate().filter(|(_, w)| *w == check).map(|(i, _)| i).collect();
    assert_eq!(at.len(), 1, "Debian 11's ld-2.31.so should hold exactly one kernel version check");
    let mut patched = ld.to_vec();
    patched[at[0] + 1..at[0] + 5].copy_from_slice(&0x05ffffu32.to_le_bytes());
    patched
}

/// `inside` (a /nix/store path) under the fake store root.
fn host(store_root: &Path, inside: &str) -> PathBuf {
    store_root.join(inside.trim_start_matches('/'))
}

/// A glibc store path from Debian 11's loader (as given) and libc.
fn fake_glibc(store_root: &Path, sysroot: &Path, path: &str, ld: &[u8]) {
    let lib = host(store_root, path).join("lib");
    std::fs::create_dir_all(&lib).unwrap();
    std::fs::write(lib.join("ld-2.31.so"), ld).unwrap();
    // The kernel execs the interpreter: it needs its x bits, as in a store.
    std::fs::set_permissions(lib.join("ld-2.31.so"), std::os::unix::fs::PermissionsExt::from_mode(0o555)).unwrap();
    std::fs::copy(sysroot.join("lib/x86_64-linux-gnu/libc-2.31.so"), lib.join("libc-2.31.so")).unwrap();
    std::os::unix::fs::symlink("ld-2.31.so", lib.join("ld-linux-x86-64.so.2")).unwrap();
    std::os::unix::fs::symlink("libc-2.31.so", lib.join("libc.so.6")).unwrap();
}

/// A program in its own store path, linked as Nix links it: the glibc
/// store path's loader as interpreter and its lib dir as RUNPATH.
fn fake_program(store_root: &Path, root: &Path, path: &str, glibc: &str) -> PathBuf {
    let bin = host(store_root, path).join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let program = bin.join("hello");
    let mut flags = common::bullseye_cflags(root);
    flags.push(format!("-Wl,--dynamic-linker={glibc}/lib/ld-linux-x86-64.so.2"));
    flags.push(format!("-Wl,-rpath,{glibc}/lib"));
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    common::compile(SHOW_MAPS, &program, false, &flags);
    std::fs::remove_file(bin.join("hello.c")).unwrap();
    program
}

/// `compat verify` in own-closure mode: a fake Nix store (Debian 11's glibc
/// 2.31 at its own store path, and a copy whose loader demands Linux 6.0),
/// a program per glibc, booted on Debian 11's 5.10. The first runs with
/// its closure's loader and libc (the maps show the store paths; there is
/// no other loader in the image); the second is reported kernel-too-old.
#[test]
#[ignore = "boots Debian 11's kernel under qemu: scripts/test.sh runs it"]
fn closure_mode_runs_a_nix_program_with_its_own_glibc() {
    let Some(root) = common::bullseye() else { return };
    if !qemu_available() {
        return;
    }
    let kernel = bullseye_kernel(&root);
    let sysroot = root.join("sysroot");
    let dir = TempDir::new().unwrap();
    let store_root = dir.path();
    let ld = std::fs::read(sysroot.join("lib/x86_64-linux-gnu/ld-2.31.so")).unwrap();
    fake_glibc(store_root, &sysroot, GLIBC, &ld);
    fake_glibc(store_root, &sysroot, GLIBC_LINUX6, &demand_linux_6(&ld));
    let hello = fake_program(store_root, &root, HELLO, GLIBC);
    let hello_linux6 = fake_program(store_root, &root, HELLO_LINUX6, GLIBC_LINUX6);
    let closure_file = dir.path().join("closure.txt");
    std::fs::write(&closure_file, format!("{GLIBC}\n{HELLO}\n{HELLO_LINUX6}\n")).unwrap();

    let verify = |json: bool| {
        let mut args = vec!["verify".to_string(), "--timeout".to_string(), "150".to_string()];
        if json {
            args.push("--json".to_string());
        }
        args.extend(
            [
                "--kernel-image",
                &kernel.display().to_string(),
                "--store-root",
                &store_root.display().to_string(),
                "--closure-file",
                &closure_file.display().to_string(),
                "--closure",
                GLIBC_LINUX6,
                &hello.display().to_string(),
                &hello_linux6.display().to_string(),
            ]
            .map(str::to_string),
        );
        let started = Instant::now();
        let out = Command::new(common::compat_bin()).args(&args).output().unwrap();
        println!(
            "compat verify (closure mode{}): {:.1}s",
            if json { ", --json" } else { "" },
            started.elapsed().as_secs_f64()
        );
        out
    };

    let out = verify(true);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "one program cannot run on 5.10: {stderr}");
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("verify --json: {e}: {stderr}"));
    assert!(json["kernel"].as_str().unwrap_or_default().starts_with("5.10."), "{json:#}");
    let (ran, refused) = (&json["files"][0], &json["files"][1]);
    let output = ran["output"].as_str().unwrap_or_default();
    assert_eq!(ran["status"], 0, "{json:#}");
    assert!(output.contains("hello from the closure"), "{output}");
    assert!(output.contains(&format!("{GLIBC}/lib/ld-2.31.so")), "not the closure's loader:\n{output}");
    assert!(output.contains(&format!("{GLIBC}/lib/libc-2.31.so")), "not the closure's libc:\n{output}");
    assert_eq!(ran["kernel_too_old"], false, "{json:#}");
    assert!(ran.get("missing").is_none(), "the closure has all it needs: {json:#}");
    assert_eq!(refused["kernel_too_old"], true, "{json:#}");
    assert_eq!(refused["status"], 127, "{json:#}");
    assert!(refused["output"].as_str().unwrap_or_default().contains("FATAL: kernel too old"), "{json:#}");

    let out = verify(false);
    let text = String::from_utf8_lossy(&out.stdout);
    println!("{text}");
    assert!(text.contains("booted and ran in"), "{text}");
    let refused_at = text.find(&format!("{}: exit status 127", hello_linux6.display())).expect("the refused program");
    assert!(
        text[refused_at..].contains("kernel too old: the program's glibc requires a newer kernel"),
        "no human line for the refusal:\n{text}"
    );
}

/// A real boot cut short by `--timeout 1` says the kernel did not reach
/// /init because of the timeout, not that it "booted and ran".
#[test]
#[ignore = "boots Debian 11's kernel under qemu: scripts/test.sh runs it"]
fn a_boot_cut_short_by_the_timeout_says_so() {
    let Some(root) = common::bullseye() else { return };
    if !qemu_available() {
        return;
    }
    let out = Command::new(common::compat_bin())
        .args(["verify", "--timeout", "1", "--kernel-image"])
        .arg(bullseye_kernel(&root))
        .arg("--sysroot")
        .arg(root.join("sysroot"))
        .arg("/bin/true")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(!text.contains("booted and ran"), "{text}");
    assert!(text.contains("did not reach /init: the boot timed out after 1s"), "{text}");
}

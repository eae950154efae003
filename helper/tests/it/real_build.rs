//! The real-build ladder, checked end to end: what scripts/real-build.sh
//! builds with Nix (compat's glibc 2.31 and Linux 5.10 headers, built with
//! GCC 14.2 / binutils 2.44 / make 4.4.1, and programs on the leaf
//! strategy's compiler wrapper) scans clean for Debian 11, runs on Debian
//! 11's 5.10 kernel with its own Nix closure, and runs from its bundle in a
//! root made of Debian 11's libc6 alone. The control -- the same
//! memfd_secret source built by the unmodified stdenv -- is flagged and
//! fails with ENOSYS on 5.10, so the checks can fail.
//!
//! Ignored by default (the first build takes a while); scripts/test.sh runs
//! it with `--ignored`. Needs `COMPAT_NIXPKGS` (a nixpkgs-derived tree) and
//! Nix; without the tree it prints SKIP, also under CI, since no tree can be
//! fetched there.
use crate::common;

use serde_json::Value;
use std::{
    collections::BTreeMap,
    fs,
    path::{Path, PathBuf},
    process::{Command, Output},
    sync::OnceLock,
};

/// What scripts/real-build.sh --json printed.
struct Ladder {
    glibc: PathBuf,
    glibc_dev: PathBuf,
    linux_headers: PathBuf,
    cc: PathBuf,
    programs: BTreeMap<String, PathBuf>,
    control: BTreeMap<String, PathBuf>,
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("helper/ has a parent").to_path_buf()
}

/// Builds (or finds, when cached) the ladder once per test run.
fn ladder() -> Option<&'static Ladder> {
    static LADDER: OnceLock<Option<Ladder>> = OnceLock::new();
    LADDER
        .get_or_init(|| {
            common::nixpkgs_tree("the real-build ladder not built")?;
            let out = Command::new(repo_root().join("scripts/real-build.sh"))
                .arg("--json")
                .output()
                .expect("run scripts/real-build.sh");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "scripts/real-build.sh failed:\n{stderr}");
            let json: Value = serde_json::from_slice(&out.stdout)
                .unwrap_or_else(|e| panic!("real-build.sh --json: {e}: {}", String::from_utf8_lossy(&out.stdout)));
            let path = |v: &Value| PathBuf::from(v.as_str().expect("a store path"));
            let map = |v: &Value| {
                v.as_object().expect("a set of store paths").iter().map(|(k, p)| (k.clone(), path(p))).collect()
            };
            Some(Ladder {
                glibc: path(&json["glibc"]),
                glibc_dev: path(&json["glibcDev"]),
                linux_headers: path(&json["linuxHeaders"]),
                cc: path(&json["cc"]),
                programs: map(&json["programs"]),
                control: map(&json["control"]),
            })
        })
        .as_ref()
}

/// The program file of a ladder output: `<output>/bin/<name>`.
fn program(output: &Path, name: &str) -> PathBuf {
    let p = output.join("bin").join(name);
    assert!(p.is_file(), "{} holds no bin/{name}", output.display());
    p
}

/// `nix-store -qR`: the runtime closure of a store path, as a file of paths.
fn closure_file(output: &Path, dir: &Path) -> PathBuf {
    let out = Command::new("nix-store").arg("-qR").arg(output).output().expect("run nix-store -qR");
    assert!(out.status.success(), "nix-store -qR {}: {}", output.display(), String::from_utf8_lossy(&out.stderr));
    let file = dir.join(format!("{}.closure", output.file_name().unwrap().to_string_lossy()));
    fs::write(&file, &out.stdout).unwrap();
    file
}

fn scan(file: &Path, closure: &Path) -> (Output, Value) {
    let out = common::compat(&[
        "scan",
        "--profile",
        "debian-11",
        "--json",
        "--closure-file",
        closure.to_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("scan --json: {e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out, json)
}

/// Debian 11's kernel image, from the sysroot scripts/test.sh fetches.
fn debian_11_kernel(bullseye: &Path) -> PathBuf {
    fs::read_dir(bullseye.join("sysroot/boot"))
        .expect("Debian 11's /boot in the sysroot (linux-image-amd64)")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("vmlinuz-5.10")))
        .expect("Debian 11's vmlinuz-5.10 in the sysroot")
}

/// `compat verify` of one Nix-built program on Debian 11's 5.10 kernel,
/// run with its own closure: its own loader and glibc from the store.
/// Returns (exit status, output) of the program.
fn verify_with_closure(kernel: &Path, file: &Path, closure: &Path, args: &[&str]) -> (Option<i64>, String) {
    let mut all = vec![
        "verify",
        "--json",
        "--timeout",
        "150",
        // The whole closure goes into the VM's memory (the programs' is
        // about 230 MB: the first wrapper's GCC stays in their RUNPATH).
        "--memory",
        "2048",
        "--kernel-image",
        kernel.to_str().unwrap(),
        "--closure-file",
        closure.to_str().unwrap(),
        file.to_str().unwrap(),
    ];
    if !args.is_empty() {
        all.push("--");
        all.extend_from_slice(args);
    }
    let out = common::compat(&all);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.code().is_some_and(|c| c <= 1), "compat verify failed ({}): {stderr}", out.status);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("verify --json: {e}: {stderr}"));
    let kernel = json["kernel"].as_str().unwrap_or_default();
    assert!(kernel.starts_with("5.10."), "booted kernel {kernel:?}, expected Debian 11's 5.10");
    let f = &json["files"][0];
    (f["status"].as_i64(), f["output"].as_str().unwrap_or_default().to_string())
}

/// Runs `program` chrooted into `root` with a clean environment and /proc
/// mounted (glibc finds $ORIGIN through /proc/self/exe).
fn chroot_run(root: &Path, program: &str, args: &[&str]) -> Output {
    fs::create_dir_all(root.join("proc")).unwrap();
    Command::new("unshare")
        .args(["--fork", "--pid", "--mount-proc"])
        .arg(format!("--root={}", root.display()))
        .arg(program)
        .args(args)
        .env_clear()
        .output()
        .expect("run unshare")
}

/// Unpacks Debian 11 packages (from the sysroot's package cache) into `root`:
/// a Debian 11 system with nothing but them.
fn debian_root(bullseye: &Path, root: &Path, packages: &[&str]) {
    for package in packages {
        let prefix = format!("{package}_");
        let deb = fs::read_dir(bullseye.join("debs"))
            .expect("the Debian 11 package cache")
            .flatten()
            .map(|e| e.path())
            .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(&prefix))
            .unwrap_or_else(|| panic!("{prefix}*.deb in COMPAT_BULLSEYE/debs"));
        let out = Command::new("dpkg-deb").arg("-x").arg(&deb).arg(root).output().expect("run dpkg-deb");
        assert!(out.status.success(), "dpkg-deb -x {}: {}", deb.display(), String::from_utf8_lossy(&out.stderr));
    }
}

/// Each program's name, the arguments it runs with, what its output must
/// hold, and the Debian 11 packages its bundle runs on: debian-11's profile
/// leaves libz.so.1 to the system (zlib1g is in every Debian 11
/// installation), so that bundle runs on libc6 and zlib1g.
type Case = (&'static str, &'static [&'static str], &'static str, &'static [&'static str]);
const PROGRAMS: &[Case] = &[
    ("memfd-secret", &[], "Doing stuff without memfd", &["libc6"]),
    ("hello", &[], "Hello, world!", &["libc6"]),
    ("zlib-demo", &[], "zlib 1.2.11:", &["libc6", "zlib1g"]),
    ("bash", &["-c", "echo bash $BASH_VERSION"], "bash 5.1", &["libc6"]),
];

#[test]
#[ignore]
fn glibc_and_headers_are_the_targets_built_by_gcc_14() {
    let Some(l) = ladder() else { return };
    // libc.so.6 prints its banner when run as a program.
    let libc = l.glibc.join("lib/libc.so.6");
    let out = Command::new(&libc).output().expect("run libc.so.6");
    let banner = String::from_utf8_lossy(&out.stdout);
    assert!(banner.contains("release version 2.31"), "{banner}");
    assert!(banner.contains("Compiled by GNU CC version 14.2"), "glibc not built by GCC 14.2:\n{banner}");
    // The headers are Linux 5.10's: 5.10 has no memfd_secret (5.14).
    let version = fs::read_to_string(l.linux_headers.join("include/linux/version.h")).unwrap();
    let code: u32 = version
        .lines()
        .find_map(|line| line.strip_prefix("#define LINUX_VERSION_CODE "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no LINUX_VERSION_CODE in version.h:\n{version}"));
    assert_eq!((code >> 16, (code >> 8) & 255), (5, 10), "headers of Linux {code:#x}");
    let unistd = fs::read_to_string(l.linux_headers.join("include/asm/unistd_64.h")).unwrap();
    assert!(unistd.contains("__NR_close_range") && !unistd.contains("__NR_memfd_secret"), "not 5.10's syscall list");
    // glibc's own headers are the release's, beside the kernel's.
    let features = fs::read_to_string(l.glibc_dev.join("include/features.h")).unwrap();
    assert!(features.contains("#define\t__GLIBC_MINOR__\t31"), "glibc-dev is not 2.31's");
}

#[test]
#[ignore]
fn the_compiler_wrapper_links_against_glibc_2_31_and_5_10_headers() {
    let Some(l) = ladder() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("probe.c");
    fs::write(
        &src,
        "#include <stdio.h>\n#include <gnu/libc-version.h>\n#include <linux/version.h>\n#include <sys/syscall.h>\n\
         int main(void) {\n#ifdef __NR_memfd_secret\n  puts(\"memfd_secret defined\");\n#endif\n\
         printf(\"glibc %s, headers %d.%d\\n\", gnu_get_libc_version(), LINUX_VERSION_CODE >> 16, (LINUX_VERSION_CODE >> 8) & 255);\n  return 0;\n}\n",
    )
    .unwrap();
    let exe = tmp.path().join("probe");
    // The wrapper needs only PATH-free absolute paths: it is a Nix output.
    let out = Command::new(l.cc.join("bin/cc")).arg("-o").arg(&exe).arg(&src).output().expect("run the wrapper");
    assert!(out.status.success(), "cc failed: {}", String::from_utf8_lossy(&out.stderr));
    let run = Command::new(&exe).output().expect("run the probe");
    assert_eq!(String::from_utf8_lossy(&run.stdout), "glibc 2.31, headers 5.10\n");
    let (scanned, json) = scan(&exe, &closure_file(&l.glibc, tmp.path()));
    assert_eq!(scanned.status.code(), Some(0), "{json}");
}

#[test]
#[ignore]
fn programs_scan_clean_run_on_the_5_10_kernel_and_from_their_bundles() {
    let Some(l) = ladder() else { return };
    let Some(bullseye) = common::bullseye() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let kernel = debian_11_kernel(&bullseye);
    for &(name, args, expected, packages) in PROGRAMS {
        let binary = name;
        let output = l.programs.get(name).unwrap_or_else(|| panic!("real-build.sh built no {name}"));
        let file = program(output, binary);
        let closure = closure_file(output, tmp.path());

        // 1. The scan, with the closure as shipped libraries: compatible.
        let (scanned, json) = scan(&file, &closure);
        assert_eq!(scanned.status.code(), Some(0), "{name} is not compatible with debian-11: {json:#}");

        // 2. On Debian 11's kernel, as Nix users run it: its own closure.
        let (status, said) = verify_with_closure(&kernel, &file, &closure, args);
        assert_eq!(status, Some(0), "{name} on 5.10: {said}");
        assert!(said.contains(expected), "{name} on 5.10 said {said:?}, expected {expected:?}");

        // 3. Its bundle, in a root made of Debian 11's libc6 (and zlib1g).
        let root = tmp.path().join(format!("root-{name}"));
        debian_root(&bullseye, &root, packages);
        let dist = root.join("opt").join(name);
        let out = common::compat(&[
            "bundle",
            "--profile",
            "debian-11",
            output.to_str().unwrap(),
            "--dir",
            dist.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(0), "bundle of {name}: {}", String::from_utf8_lossy(&out.stderr));
        let inside = format!("/opt/{name}/bin/{binary}");
        let run = chroot_run(&root, &inside, args);
        let said = String::from_utf8_lossy(&run.stdout);
        assert!(
            run.status.success() && said.contains(expected),
            "{name} from its bundle on Debian 11's libc6: {:?} {said:?} {}",
            run.status,
            String::from_utf8_lossy(&run.stderr)
        );
    }
}

#[test]
#[ignore]
fn the_control_built_on_current_headers_is_flagged_and_fails_on_5_10() {
    let Some(l) = ladder() else { return };
    let Some(bullseye) = common::bullseye() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let output = &l.control["memfd-secret"];
    let file = program(output, "memfd-secret");
    let closure = closure_file(output, tmp.path());
    let (scanned, json) = scan(&file, &closure);
    assert_eq!(scanned.status.code(), Some(1), "the control scans clean: {json:#}");
    let text = json.to_string();
    assert!(text.contains("memfd_secret"), "the scan does not name memfd_secret: {json:#}");
    let (status, said) = verify_with_closure(&debian_11_kernel(&bullseye), &file, &closure, &[]);
    assert_eq!(status, Some(1), "the control on 5.10: {said}");
    assert!(said.contains("Function not implemented"), "the control on 5.10 said {said:?}");
}

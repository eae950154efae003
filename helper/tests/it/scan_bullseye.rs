//! `compat scan` against a real Debian 11: programs built against the
//! bullseye sysroot (glibc 2.31, libstdc++ of GCC 10) scan clean for
//! debian-11, and for every dynamic fixture -- built here or there -- what
//! the scanner says equals what Debian 11's own loader (`ld.so --list`) says.

use crate::common;

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use crate::common::{
    bullseye, bullseye_cflags, compile, report_file, ARC4RANDOM, CONDVAR, GETTID, RELR, SIGABBREV, SINGLE_THREADED,
};
use serde_json::Value;

const HELLO: &str = "#include <stdio.h>\nint main(void){puts(\"hello\");return 0;}\n";
const IOSTREAM: &str = "#include <iostream>\n#include <string>\n\
    int main(int argc, char **argv){ std::string s(argv[0]); s += \"!\"; std::cout << s << ' ' << argc << std::endl; return 0; }\n";
const OLD_LIB: &str = "#include <stdio.h>\nvoid hello(void){puts(\"hello\");}\n";
const NEW_LIB: &str = "#include <stdlib.h>\nunsigned pick(void){return arc4random();}\n";

/// gcc flags for the sysroot; C++ also links the sysroot's libstdc++ (GCC 10)
/// through a `libstdc++.so` link in `dir` (bullseye's -dev link is not in the sysroot).
fn sysroot_flags(root: &Path, dir: &Path, cxx: bool) -> Vec<String> {
    let mut flags = Vec::new();
    if cxx {
        let link_dir = dir.join("stdcxx");
        if !link_dir.exists() {
            std::fs::create_dir(&link_dir).unwrap();
            std::os::unix::fs::symlink(
                root.join("sysroot/usr/lib/x86_64-linux-gnu/libstdc++.so.6"),
                link_dir.join("libstdc++.so"),
            )
            .unwrap();
        }
        flags.push(format!("-L{}", link_dir.display()));
    }
    flags.extend(bullseye_cflags(root));
    flags
}

fn build(dir: &Path, name: &str, src: &str, cxx: bool, flags: &[String]) -> PathBuf {
    let out = dir.join(name);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    compile(src, &out, cxx, &flags);
    out
}

/// The scanner's verdict per file: true when it has an error.
fn scan_verdicts(files: &[PathBuf]) -> Vec<(PathBuf, bool, Value)> {
    let mut args = vec!["scan", "--json", "--no-syscalls", "--profile", "debian-11"];
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    let out = common::compat(&args);
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    files
        .iter()
        .map(|f| {
            let file = report_file(&report, f).clone();
            (f.clone(), file["status"] == "error", file)
        })
        .collect()
}

/// A copy of `file` as `NAME-nosections` with e_shoff, e_shnum and
/// e_shstrndx set to 0 (ELF64): the loader never reads section headers.
fn without_section_headers(file: &Path) -> std::path::PathBuf {
    let mut data = std::fs::read(file).unwrap();
    data[0x28..0x30].fill(0);
    data[0x3c..0x40].fill(0);
    let out = file.with_file_name(format!("{}-nosections", file.file_name().unwrap().to_string_lossy()));
    std::fs::write(&out, data).unwrap();
    out
}

/// Debian 11's loader on `file`: Err(message) when it refuses it.
fn loader_verdict(root: &Path, file: &Path) -> Result<(), String> {
    let lib = root.join("sysroot/lib/x86_64-linux-gnu");
    let usr = root.join("sysroot/usr/lib/x86_64-linux-gnu");
    let out = Command::new(lib.join("ld-2.31.so"))
        .arg("--library-path")
        .arg(format!("{}:{}", lib.display(), usr.display()))
        .arg("--list")
        .arg(file)
        .output()
        .expect("run bullseye ld.so");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if !out.status.success() || stderr.contains("not found") {
        Err(stderr)
    } else {
        Ok(())
    }
}

#[test]
fn programs_built_against_debian_11_scan_clean_for_it() {
    let Some(root) = bullseye() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let c = sysroot_flags(&root, d, false);
    // (No static program: GCC 12's libgcc_eh.a needs glibc 2.35's _dl_find_object.)
    let files = [
        build(d, "hello", HELLO, false, &c),
        build(d, "gettid", GETTID, false, &c),
        build(d, "iostream", IOSTREAM, true, &sysroot_flags(&root, d, true)),
        build(d, "libold.so", OLD_LIB, false, &[&c[..], &["-shared".into(), "-fPIC".into()]].concat()),
    ];

    let args: Vec<&str> = ["scan", "--json", "--no-syscalls", "--profile", "debian-11"]
        .into_iter()
        .chain(files.iter().map(|f| f.to_str().unwrap()))
        .collect();
    let out = common::compat(&args);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert_eq!(report["summary"]["files"], files.len());
    assert_eq!(report["summary"]["error"], 0);
}

#[test]
fn scanner_and_debian_11_loader_agree() {
    let Some(root) = bullseye() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let c = sysroot_flags(&root, d, false);
    let shared = ["-shared".to_string(), "-fPIC".to_string()];
    let mut files = vec![
        // Built on this Debian 12 host (glibc 2.36, GCC 12).
        build(d, "host-hello", HELLO, false, &[]),
        build(d, "host-arc4random", ARC4RANDOM, false, &[]),
        build(d, "host-sigabbrev", SIGABBREV, false, &[]),
        build(d, "host-single", SINGLE_THREADED, false, &[]),
        build(d, "host-gettid", GETTID, false, &[]),
        build(d, "host-relr", RELR, false, &["-fPIE".into(), "-pie".into(), "-Wl,-z,pack-relative-relocs".into()]),
        build(d, "host-condvar", CONDVAR, true, &[]),
        build(d, "host-libold.so", OLD_LIB, false, &shared),
        build(d, "host-libnew.so", NEW_LIB, false, &shared),
        // Built against the Debian 11 sysroot.
        build(d, "bullseye-hello", HELLO, false, &c),
        build(d, "bullseye-gettid", GETTID, false, &c),
        build(d, "bullseye-iostream", IOSTREAM, true, &sysroot_flags(&root, d, true)),
        build(d, "bullseye-libold.so", OLD_LIB, false, &[&c[..], &shared[..]].concat()),
    ];
    // Without section headers: the same verdicts (the host's refused, Debian 11's accepted).
    files.push(without_section_headers(&files[0]));
    files.push(without_section_headers(&files[2]));
    files.push(without_section_headers(&files[9]));
    let mut refused = 0;
    for (file, scan_error, report) in scan_verdicts(&files) {
        let loader = loader_verdict(&root, &file);
        assert_eq!(
            scan_error,
            loader.is_err(),
            "{}: scanner says {}, Debian 11's ld.so says {:?}\nscan report: {report:#}",
            file.display(),
            if scan_error { "incompatible" } else { "compatible" },
            loader
        );
        refused += usize::from(scan_error);
    }
    // Both verdicts occur, so agreement is not trivial.
    assert!(refused >= 9 && refused < files.len(), "{refused} of {} refused", files.len());
}

//! `compat bundle` refuses, with the scan report, what the target cannot run:
//! a program built on this host (glibc 2.36) needs GLIBC_2.34 at least
//! (__libc_start_main@GLIBC_2.34), which Debian 11's glibc 2.31 lacks.

use crate::common;

use std::fs;

use serde_json::Value;

const HELLO_C: &str = "#include <stdio.h>\nint main(void) { puts(\"hello\"); return 0; }\n";

#[test]
fn a_program_needing_glibc_2_34_is_refused_with_the_report_unless_forced() {
    let tmp = tempfile::tempdir().unwrap();
    let program = tmp.path().join("hello");
    common::compile(HELLO_C, &program, false, &[]);
    let p = program.to_str().unwrap();
    let dist = tmp.path().join("dist");
    let archive = tmp.path().join("hello.tar.gz");
    let d = dist.to_str().unwrap();
    let a = archive.to_str().unwrap();

    let out = common::compat(&["bundle", "--profile", "debian-11", p, "--dir", d, "-o", a]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "refused means exit 1\n{stdout}\n{stderr}");
    assert!(stdout.contains("bin/hello"), "the report names the bundle file: {stdout}");
    assert!(stdout.contains("GLIBC_2.34"), "the report names the version: {stdout}");
    assert!(stdout.contains("__libc_start_main"), "and the symbol: {stdout}");
    assert!(stderr.contains("refused") && stderr.contains("--force"), "{stderr}");
    assert!(!dist.exists() && !archive.exists(), "nothing is written when refused");

    let out = common::compat(&["bundle", "--profile", "debian-11", p, "--dir", d, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).expect("--json prints the scan report");
    assert_eq!(report["schema"], "compat-scan/1");
    assert_eq!(report["summary"]["compatible"], false);
    let findings = report["files"][0]["findings"].as_array().unwrap();
    assert!(findings.iter().any(|f| f["kind"] == "glibc-version" && f["needs"] == "GLIBC_2.34"), "{findings:?}");

    let out = common::compat(&["bundle", "--profile", "debian-11", p, "--dir", d, "-o", a, "--force", "--json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("WARNING: --force"), "loudly: {stderr}");
    assert!(stderr.contains("GLIBC_2.34"), "the report goes to stderr: {stderr}");
    let manifest: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(manifest["forced"], true);
    let kept: Vec<&Value> =
        manifest["findings"].as_array().unwrap().iter().filter(|f| f["kind"] == "glibc-version").collect();
    assert!(kept.iter().any(|f| f["needs"] == "GLIBC_2.34" && f["file"] == "bin/hello"), "{kept:?}");
    assert!(dist.join("bin/hello").is_file() && archive.is_file());
    let written: Value = serde_json::from_slice(&fs::read(dist.join("compat-manifest.json")).unwrap()).unwrap();
    assert_eq!(written["forced"], true);
}

//! Profiles as users write them: a file with only the required fields
//! (name, glibc, kernel) must still have every glibc need checked; and a
//! profile's fact replaced on the command line is named as replaced.

use crate::common;

use std::path::Path;

use crate::common::{compile, report_file, ARC4RANDOM};
use serde_json::Value;

const HELLO: &str = "#include <stdio.h>\nint main(void){puts(\"hi\");return 0;}\n";

fn scan_json(args: &[&str]) -> (Value, i32) {
    let mut all = vec!["scan", "--json", "--no-syscalls"];
    all.extend_from_slice(args);
    let out = common::compat(&all);
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("invalid JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    (report, out.status.code().expect("exit code"))
}

fn errors(report: &Value, path: &Path) -> Vec<(String, String)> {
    report_file(report, path)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(|f| (f["kind"].as_str().unwrap().to_string(), f["needs"].as_str().unwrap_or("").to_string()))
        .collect()
}

#[test]
fn a_profile_with_only_the_required_fields_checks_glibc() {
    let dir = tempfile::tempdir().unwrap();
    let prog = dir.path().join("hello");
    compile(HELLO, &prog, false, &[]);
    let profile = dir.path().join("mini.json");
    std::fs::write(&profile, r#"{"name":"mini","glibc":"2.31","kernel":"5.10"}"#).unwrap();
    let (report, code) = scan_json(&["--profile", profile.to_str().unwrap(), prog.to_str().unwrap()]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(errors(&report, &prog), [("glibc-version".to_string(), "GLIBC_2.34".to_string())]);
}

#[test]
fn a_profile_without_arches_refuses_other_architectures() {
    let dir = tempfile::tempdir().unwrap();
    let prog = dir.path().join("riscv");
    compile(HELLO, &prog, false, &[]);
    // Relabel it RISC-V (e_machine 243): the header is all the check reads.
    let mut data = std::fs::read(&prog).unwrap();
    data[0x12..0x14].copy_from_slice(&243u16.to_le_bytes());
    std::fs::write(&prog, &data).unwrap();
    let profile = dir.path().join("mini.json");
    std::fs::write(&profile, r#"{"name":"mini","glibc":"2.36","kernel":"6.1"}"#).unwrap();
    let (report, code) = scan_json(&["--profile", profile.to_str().unwrap(), prog.to_str().unwrap()]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(errors(&report, &prog), [("architecture".to_string(), "riscv64".to_string())]);
}

#[test]
fn an_overridden_glibc_is_named_as_overridden() {
    let dir = tempfile::tempdir().unwrap();
    let prog = dir.path().join("arc4random");
    compile(ARC4RANDOM, &prog, false, &[]);
    let p = prog.to_str().unwrap();
    let out = common::compat(&["scan", "--no-syscalls", "--profile", "debian-11", "--glibc", "2.35", p]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("needs GLIBC_2.36 from libc.so.6; debian-11 with glibc overridden to 2.35 has glibc 2.35"),
        "{text}"
    );
    assert!(text.contains("debian-11 with glibc overridden to 2.35 (glibc 2.35, Linux 5.10)"), "{text}");
    assert!(!text.contains("debian-11 has glibc"), "{text}");

    let (report, _) = scan_json(&["--profile", "debian-11", "--glibc", "2.35", "--kernel", "6.1", p]);
    assert_eq!(report["target"]["name"], "debian-11");
    assert_eq!(report["target"]["overrides"], serde_json::json!({"glibc": "2.35", "kernel": "6.1"}));
    let (report, _) = scan_json(&["--profile", "debian-11", p]);
    assert_eq!(report["target"]["overrides"], serde_json::json!({}));
}

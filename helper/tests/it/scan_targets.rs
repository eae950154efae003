//! `compat targets`: every known profile judged from one read of the files,
//! each verdict the same as `compat scan --profile NAME` gives, and the
//! oldest glibc and kernel the files need.

use crate::common;

use std::path::PathBuf;

use serde_json::Value;

fn programs() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/kernel/programs")
}

#[test]
fn every_profile_gets_the_verdict_scan_gives_and_the_needs_are_the_newest() {
    let dir = tempfile::tempdir().unwrap();
    // arc4random: GLIBC_2.36; memfd_secret_asm (static): Linux 5.14.
    common::compile(common::ARC4RANDOM, &dir.path().join("arc4random"), false, &[]);
    let source = std::fs::read_to_string(programs().join("memfd_secret_asm.c")).unwrap();
    let include = format!("-I{}", programs().display());
    common::compile(&source, &dir.path().join("memfd_secret"), false, &["-O2", "-static", &include]);
    let path = dir.path().to_str().unwrap();

    let out = common::compat(&["targets", "--json", path]);
    let targets: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(targets["schema"], "compat-targets/1");
    assert_eq!(targets["files"], 2);
    assert_eq!(targets["needs"]["glibc"], "2.36", "{targets:#}");
    assert_eq!(targets["needs"]["kernel"], "5.14", "{targets:#}");
    assert!(targets["needs"]["glibcxx"].is_null(), "a C program needs no libstdc++: {targets:#}");

    let profiles = targets["profiles"].as_array().unwrap();
    let names: Vec<&str> = profiles.iter().map(|p| p["name"].as_str().unwrap()).collect();
    for expected in ["debian-11", "debian-12", "rhel-8", "ubuntu-24.04"] {
        assert!(names.contains(&expected), "{names:?}");
    }
    let mut some_yes = false;
    for profile in profiles {
        let name = profile["name"].as_str().unwrap();
        let scan = common::compat(&["scan", "--json", "--profile", name, path]);
        let report: Value = serde_json::from_slice(&scan.stdout).unwrap();
        assert_eq!(profile["compatible"], report["summary"]["compatible"], "{name}: {profile:#}");
        let why = profile["why"].as_str().unwrap();
        if profile["compatible"] == true {
            some_yes = true;
            assert!(why.starts_with("every file runs"), "{name}: {why}");
        } else {
            assert!(why.contains("needs"), "{name}: {why}");
        }
    }
    assert!(some_yes, "debian-12 (glibc 2.36, Linux 6.1) runs both: {targets:#}");
    let debian11 = profiles.iter().find(|p| p["name"] == "debian-11").unwrap();
    let why = debian11["why"].as_str().unwrap();
    assert!(why.contains("GLIBC_2.36") && why.contains("kernel 5.14"), "{why}");
    assert_eq!(out.status.code(), Some(0), "some profile runs them all");

    // The human form: one line per profile, yes or no.
    let text = String::from_utf8(common::compat(&["targets", path]).stdout).unwrap();
    assert!(text.contains("oldest they need: glibc 2.36") && text.contains("Linux 5.14"), "{text}");
    let line = text.lines().find(|l| l.starts_with("debian-12 ")).unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains(" yes "), "{line}");
    let line = text.lines().find(|l| l.starts_with("debian-11 ")).unwrap();
    assert!(line.contains(" no "), "{line}");
}

#[test]
fn no_profile_is_exit_1_and_unreadable_input_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let private = "extern int __libc_enable_secure; int main(void) { return __libc_enable_secure; }\n";
    common::compile(private, &dir.path().join("private"), false, &[]);
    let out = common::compat(&["targets", dir.path().to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("no release has: GLIBC_PRIVATE"), "{text}");
    let missing = dir.path().join("missing");
    let out = common::compat(&["targets", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
}

//! `--closure PATH` means one thing to `compat scan` and `compat bundle`: PATH
//! travels with the output, and a library its users need that their own
//! RUNPATH does not find is looked for by name in PATH itself and everywhere
//! under it, shallowest first. A missing --closure path is an error naming it.
//!
//! The fixture is built on this machine (a program needing libfoo.so.1, with
//! no RUNPATH at all), against an ad-hoc target of this machine's glibc, so
//! only the library's whereabouts decide the outcome.

use crate::common;

use std::{
    fs,
    path::{Path, PathBuf},
    process::{Command, Output},
};

use serde_json::Value;

/// `prog` (needs libfoo.so.1, no RUNPATH) and the library, built in `dir`.
struct Fixture {
    prog: PathBuf,
    lib: PathBuf,
}

fn fixture(dir: &Path) -> Fixture {
    let build = dir.join("build");
    fs::create_dir_all(&build).unwrap();
    let lib = build.join("libfoo.so.1");
    common::compile("int foo(void){return 42;}\n", &lib, false, &["-shared", "-fPIC", "-Wl,-soname,libfoo.so.1"]);
    fs::copy(&lib, build.join("libfoo.so")).unwrap();
    let app = dir.join("app/bin");
    fs::create_dir_all(&app).unwrap();
    let prog = app.join("prog");
    common::compile(
        "int foo(void);\nint main(void){return foo() == 42 ? 0 : 1;}\n",
        &prog,
        false,
        &[&format!("-L{}", build.display()), "-lfoo"],
    );
    fs::remove_file(app.join("prog.c")).unwrap();
    Fixture { prog, lib }
}

/// A closure dir holding libfoo.so.1 at `rel` (relative to it).
fn closure_with_lib(dir: &Path, name: &str, rel: &str, lib: &Path) -> PathBuf {
    let closure = dir.join(name);
    let at = closure.join(rel);
    fs::create_dir_all(at.parent().unwrap()).unwrap();
    fs::copy(lib, &at).unwrap();
    closure
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

const TARGET: [&str; 4] = ["--glibc", "2.36", "--kernel", "5.10"];

/// Where a closure may hold the library: (name of the case, path in the closure).
const PLACES: [(&str, &str); 3] =
    [("direct", "libfoo.so.1"), ("in-lib", "lib/libfoo.so.1"), ("deeper", "lib/foo/x86/libfoo.so.1")];

fn scan(args: &[&str]) -> (Output, Option<Value>) {
    let out = common::compat(&[&["scan", "--json", "--no-syscalls", "--portable"][..], &TARGET, args].concat());
    let json = serde_json::from_slice(&out.stdout).ok();
    (out, json)
}

fn findings_of<'a>(report: &'a Value, path: &Path) -> Option<&'a Vec<Value>> {
    report["files"].as_array()?.iter().find(|f| f["path"] == s(path))?["findings"].as_array()
}

#[test]
fn scan_finds_a_closure_library_directly_in_it_in_its_lib_dir_and_deeper() {
    let tmp = tempfile::tempdir().unwrap();
    let f = fixture(tmp.path());
    let bin = f.prog.parent().unwrap();

    // Without a closure the library is neither shipped nor a base library.
    let (out, report) = scan(&[s(bin)]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let report = report.unwrap();
    let findings = findings_of(&report, &f.prog).unwrap();
    assert!(findings.iter().any(|x| x["kind"] == "missing-library" && x["library"] == "libfoo.so.1"), "{report:#}");

    for (name, rel) in PLACES {
        let closure = closure_with_lib(tmp.path(), name, rel, &f.lib);
        let (out, report) = scan(&["--closure", s(&closure), s(bin)]);
        let report = report.unwrap_or_else(|| panic!("{name}: {}", String::from_utf8_lossy(&out.stderr)));
        assert_eq!(out.status.code(), Some(0), "{name}: {report:#}");
        assert_eq!(findings_of(&report, &f.prog).unwrap(), &Vec::<Value>::new(), "{name}: {report:#}");
        // The shipped library is checked in turn, under its real path.
        let real = closure.join(rel).canonicalize().unwrap();
        assert!(findings_of(&report, &real).is_some(), "{name}: {} is checked: {report:#}", real.display());
    }
}

#[test]
fn scan_refuses_a_missing_closure_path_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let f = fixture(tmp.path());
    let missing = tmp.path().join("no-such-closure");
    let (out, _) = scan(&["--closure", s(&missing), s(&f.prog)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("--closure {}", missing.display())), "the path is named: {err}");

    // The same through --closure-file.
    let list = tmp.path().join("closure.txt");
    fs::write(&list, format!("{}\n", missing.display())).unwrap();
    let (out, _) = scan(&["--closure-file", s(&list), s(&f.prog)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(s(&missing)), "the path is named: {err}");
}

fn bundle(args: &[&str]) -> Output {
    common::compat(&[&["bundle"][..], &TARGET, args].concat())
}

#[test]
fn bundle_finds_a_closure_library_directly_in_it_in_its_lib_dir_and_deeper() {
    let tmp = tempfile::tempdir().unwrap();
    let f = fixture(tmp.path());

    let dist = tmp.path().join("dist-none");
    let out = bundle(&[s(&f.prog), "--dir", s(&dist)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "without a closure the library is not found: {err}");
    assert!(err.contains("needs libfoo.so.1"), "{err}");

    for (name, rel) in PLACES {
        let closure = closure_with_lib(tmp.path(), name, rel, &f.lib);
        let dist = tmp.path().join(format!("dist-{name}"));
        let out = bundle(&[s(&f.prog), "--dir", s(&dist), "--json", "--closure", s(&closure)]);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        let m: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(m["vendored"][0]["source"], s(&closure.join(rel)), "{name}: {m:#}");
        assert!(dist.join("lib/libfoo.so.1").is_file(), "{name}");
        let run = Command::new(dist.join("bin/prog")).output().unwrap();
        assert!(run.status.success(), "{name}: the bundled program finds its library: {run:?}");
    }
}

#[test]
fn bundle_takes_the_shallowest_closure_library_first() {
    let tmp = tempfile::tempdir().unwrap();
    let f = fixture(tmp.path());
    let closure = closure_with_lib(tmp.path(), "both", "lib/libfoo.so.1", &f.lib);
    // A different build deeper down (an older copy kept for a plugin, say).
    let deeper = closure.join("lib/old/libfoo.so.1");
    fs::create_dir_all(deeper.parent().unwrap()).unwrap();
    let mut other = fs::read(&f.lib).unwrap();
    other.extend_from_slice(b"another build");
    fs::write(&deeper, other).unwrap();
    let dist = tmp.path().join("dist");
    let out = bundle(&[s(&f.prog), "--dir", s(&dist), "--json", "--closure", s(&closure)]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let m: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(m["vendored"][0]["source"], s(&closure.join("lib/libfoo.so.1")), "{m:#}");
}

#[test]
fn bundle_refuses_a_missing_closure_path_naming_it_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let f = fixture(tmp.path());
    let good = closure_with_lib(tmp.path(), "good", "lib/libfoo.so.1", &f.lib);
    let missing = tmp.path().join("no-such-closure");
    let dist = tmp.path().join("dist");
    let out = bundle(&[s(&f.prog), "--dir", s(&dist), "--closure", s(&good), s(&missing)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("--closure {}", missing.display())), "the path is named: {err}");
    assert!(!err.contains(s(&good)), "only the bad path is named: {err}");
    assert!(!dist.exists());
}

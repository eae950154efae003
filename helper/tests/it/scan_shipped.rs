//! Libraries that travel with what is scanned: found through RUNPATH /
//! `$ORIGIN` or `--closure`, judged by their own version definitions, and
//! checked in turn; agreement with this machine's loader on a missing version.

use crate::common;

use std::{
    fs,
    path::{Path, PathBuf},
    process::Command,
};

use crate::common::compile;
use serde_json::Value;

const FOO: &str = "#include <stdio.h>\nint foo_one(void){return 1;}\nint foo_two(void){puts(\"two\");return 2;}\n";
const FOO_NEW: &str =
    "#include <stdlib.h>\nint foo_one(void){return 1;}\nint foo_two(void){return (int)(arc4random() % 2);}\n";
const PROG: &str = "int foo_two(void);\nint main(void){return foo_two();}\n";

/// An app tree: app/bin/prog with RUNPATH `runpath`, linked against a
/// libfoo.so.1 that defines FOO_1.0 and FOO_2.0, installed in app/lib.
fn app(dir: &Path, lib_source: &str, runpath: &str) -> (PathBuf, PathBuf, PathBuf) {
    let app = dir.join("app");
    fs::create_dir_all(app.join("bin")).unwrap();
    fs::create_dir_all(app.join("lib")).unwrap();
    let map = dir.join("foo.map");
    fs::write(&map, "FOO_1.0 { global: foo_one; local: *; };\nFOO_2.0 { global: foo_two; } FOO_1.0;\n").unwrap();
    let lib = app.join("lib/libfoo.so.1");
    compile(
        lib_source,
        &lib,
        false,
        &["-shared", "-fPIC", "-Wl,-soname,libfoo.so.1", &format!("-Wl,--version-script={}", map.display())],
    );
    fs::remove_file(app.join("lib/libfoo.so.1.c")).unwrap();
    fs::copy(&lib, dir.join("libfoo.so")).unwrap();
    let prog = app.join("bin/prog");
    compile(
        PROG,
        &prog,
        false,
        &[&format!("-L{}", dir.display()), "-lfoo", &format!("-Wl,--enable-new-dtags,-rpath,{runpath}")],
    );
    fs::remove_file(app.join("bin/prog.c")).unwrap();
    (app, prog, lib)
}

fn scan(args: &[&str]) -> (Value, i32) {
    let mut all = vec!["scan", "--json", "--no-syscalls"];
    all.extend_from_slice(args);
    let out = common::compat(&all);
    let report = serde_json::from_slice(&out.stdout).expect("JSON report");
    (report, out.status.code().unwrap())
}

fn file<'a>(report: &'a Value, path: &Path) -> &'a Value {
    report["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == path.display().to_string())
        .unwrap_or_else(|| panic!("{} not in {report:#}", path.display()))
}

fn kinds(file: &Value, severity: &str) -> Vec<String> {
    file["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == severity)
        .map(|f| format!("{} {}", f["kind"].as_str().unwrap(), f["needs"].as_str().unwrap_or("")))
        .collect()
}

#[test]
fn a_library_shipped_through_origin_is_judged_by_its_own_versions() {
    let dir = tempfile::tempdir().unwrap();
    let (app, prog, lib) = app(dir.path(), FOO, "$ORIGIN/../lib");
    let (report, code) = scan(&["--glibc", "2.36", "--kernel", "5.10", app.to_str().unwrap()]);
    assert_eq!(code, 0, "{report:#}");
    assert!(kinds(file(&report, &prog), "warning").is_empty(), "{report:#}");
    assert_eq!(file(&report, &lib)["kind"], "shared-library");

    // Scanning the program alone: the library next to it through $ORIGIN still
    // counts as shipped, and is checked in turn (reported under its real path).
    let (report, code) = scan(&["--glibc", "2.36", "--kernel", "5.10", prog.to_str().unwrap()]);
    assert_eq!(code, 0, "{report:#}");
    file(&report, &lib.canonicalize().unwrap());
}

#[test]
fn a_version_the_shipped_library_lacks_is_an_error_as_for_the_loader() {
    let dir = tempfile::tempdir().unwrap();
    let (app, prog, lib) = app(dir.path(), FOO, "$ORIGIN/../lib");
    // Replace the library by an older build that defines FOO_1.10 and FOO_1.9
    // (in that order in the file), but not FOO_2.0.
    let old_map = dir.path().join("old.map");
    fs::write(&old_map, "FOO_1.10 { global: foo_one; local: *; };\nFOO_1.9 { global: foo_two; } FOO_1.10;\n").unwrap();
    compile(
        FOO,
        &lib,
        false,
        &["-shared", "-fPIC", "-Wl,-soname,libfoo.so.1", &format!("-Wl,--version-script={}", old_map.display())],
    );
    fs::remove_file(app.join("lib/libfoo.so.1.c")).unwrap();

    let (report, code) = scan(&["--glibc", "2.36", "--kernel", "5.10", app.to_str().unwrap()]);
    assert_eq!(code, 1, "{report:#}");
    let prog_report = file(&report, &prog);
    assert_eq!(kinds(prog_report, "error"), vec!["missing-version FOO_2.0".to_string()]);
    let finding = &prog_report["findings"][0];
    assert_eq!(finding["symbols"], serde_json::json!(["foo_two"]));
    // Listed as versions, not as text nor in file order.
    assert_eq!(finding["target_has"], "FOO_1.9, FOO_1.10");
    assert!(finding["message"].as_str().unwrap().ends_with("defines only FOO_1.9, FOO_1.10"), "{finding:#}");

    // This machine's loader refuses it for the same reason.
    let out = Command::new("/lib64/ld-linux-x86-64.so.2").arg("--list").arg(&prog).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("version `FOO_2.0' not found"), "loader said: {stderr}");
}

#[test]
fn a_shipped_library_is_checked_in_turn_against_the_target() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, prog, lib) = app(dir.path(), FOO_NEW, "$ORIGIN/../lib");
    let (report, code) = scan(&["--glibc", "2.34", "--kernel", "5.10", prog.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(kinds(file(&report, &prog), "error").is_empty(), "{report:#}");
    assert_eq!(
        kinds(file(&report, &lib.canonicalize().unwrap()), "error"),
        vec!["glibc-version GLIBC_2.36".to_string()]
    );
}

#[test]
fn closure_paths_count_as_shipped() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store/0000-foo");
    fs::create_dir_all(store.join("lib")).unwrap();
    let (app, prog, lib) = app(dir.path(), FOO, &format!("{}/lib", store.display()));
    fs::rename(&lib, store.join("lib/libfoo.so.1")).unwrap();
    let bin = app.join("bin");

    let (report, code) = scan(&["--glibc", "2.36", "--kernel", "5.10", bin.to_str().unwrap()]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(kinds(file(&report, &prog), "warning"), vec!["missing-library libfoo.so.1".to_string()]);
    let (report, code) = scan(&["--glibc", "2.36", "--kernel", "5.10", "--portable", bin.to_str().unwrap()]);
    assert_eq!(code, 1, "{report:#}");
    let (report, code) =
        scan(&["--glibc", "2.36", "--kernel", "5.10", "--closure", store.to_str().unwrap(), bin.to_str().unwrap()]);
    assert_eq!(code, 0, "{report:#}");
    assert!(kinds(file(&report, &prog), "warning").is_empty(), "{report:#}");
    file(&report, &store.join("lib/libfoo.so.1").canonicalize().unwrap());

    // Without the library anywhere, the need is an error.
    fs::remove_file(store.join("lib/libfoo.so.1")).unwrap();
    let (report, code) = scan(&["--glibc", "2.36", "--kernel", "5.10", bin.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(kinds(file(&report, &prog), "error"), vec!["missing-library libfoo.so.1".to_string()]);
}

#[test]
fn a_program_carrying_its_own_libstdcxx_is_judged_by_it() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app");
    fs::create_dir_all(app.join("bin")).unwrap();
    fs::create_dir_all(app.join("lib")).unwrap();
    let prog = app.join("bin/condvar");
    let src = "#include <condition_variable>\n#include <mutex>\nstd::mutex m; std::condition_variable cv; bool ready = true;\n\
               int main(){ std::unique_lock<std::mutex> lk(m); cv.wait(lk, []{ return ready; }); return 0; }\n";
    compile(src, &prog, true, &["-Wl,--enable-new-dtags,-rpath,$ORIGIN/../lib"]);
    fs::remove_file(app.join("bin/condvar.cc")).unwrap();

    let (report, _) = scan(&["--profile", "debian-11", prog.to_str().unwrap()]);
    assert!(kinds(file(&report, &prog), "error").iter().any(|k| k.starts_with("libstdcxx-version")), "{report:#}");

    let system = Command::new("g++").arg("-print-file-name=libstdc++.so.6").output().unwrap();
    let system = PathBuf::from(String::from_utf8(system.stdout).unwrap().trim());
    let shipped = app.join("lib/libstdc++.so.6");
    fs::copy(&system, &shipped).unwrap();
    let (report, _) = scan(&["--profile", "debian-11", prog.to_str().unwrap()]);
    let errors = kinds(file(&report, &prog), "error");
    assert!(!errors.iter().any(|k| k.starts_with("libstdcxx-version")), "{errors:?}");
    // The shipped libstdc++ is checked in turn: its own glibc needs fall to Debian 11.
    let lib = file(&report, &shipped.canonicalize().unwrap());
    assert!(kinds(lib, "error").iter().any(|k| k.starts_with("glibc-version")), "{lib:#}");
}

#[test]
fn a_missing_version_names_its_symbols_even_when_the_target_has_it() {
    // A shipped libc.so.6 that defines GLIBC_2.34 only: the program's
    // GLIBC_2.2.5 need (puts) fails against it, though Debian 11 has 2.2.5.
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app");
    fs::create_dir_all(app.join("bin")).unwrap();
    fs::create_dir_all(app.join("lib")).unwrap();
    let map = dir.path().join("libc.map");
    fs::write(&map, "GLIBC_2.34 { global: *; };\n").unwrap();
    let fake = app.join("lib/libc.so.6");
    compile(
        "int fake_libc(void){return 0;}\n",
        &fake,
        false,
        &["-shared", "-fPIC", "-nostdlib", "-Wl,-soname,libc.so.6", &format!("-Wl,--version-script={}", map.display())],
    );
    fs::remove_file(app.join("lib/libc.so.6.c")).unwrap();
    let prog = app.join("bin/hello");
    compile(
        "#include <stdio.h>\nint main(void){puts(\"hi\");return 0;}\n",
        &prog,
        false,
        &["-Wl,--enable-new-dtags,-rpath,$ORIGIN/../lib"],
    );
    fs::remove_file(app.join("bin/hello.c")).unwrap();

    let (report, code) = scan(&["--profile", "debian-11", prog.to_str().unwrap()]);
    assert_eq!(code, 1, "{report:#}");
    let findings = file(&report, &prog)["findings"].as_array().unwrap().clone();
    let missing = findings.iter().find(|f| f["kind"] == "missing-version" && f["needs"] == "GLIBC_2.2.5");
    let missing = missing.unwrap_or_else(|| panic!("{report:#}"));
    assert!(missing["symbols"].as_array().unwrap().contains(&serde_json::json!("puts")), "{missing:#}");
}

#[test]
fn a_c_library_in_the_closure_comes_with_its_own_loader() {
    // A Nix-like layout: the program's interpreter and RUNPATH point into a
    // "glibc" closure path holding this machine's libc.so.6 and ld.so.
    let dir = tempfile::tempdir().unwrap();
    let glibc = dir.path().join("store/glibc");
    fs::create_dir_all(glibc.join("lib")).unwrap();
    for lib in ["libc.so.6", "ld-linux-x86-64.so.2"] {
        let out = Command::new("gcc").arg(format!("-print-file-name={lib}")).output().unwrap();
        let system = PathBuf::from(String::from_utf8(out.stdout).unwrap().trim()).canonicalize().unwrap();
        fs::copy(system, glibc.join("lib").join(lib)).unwrap();
    }
    let bin = dir.path().join("app/bin");
    fs::create_dir_all(&bin).unwrap();
    let prog = bin.join("hello");
    let lib = glibc.join("lib");
    compile(
        "#include <stdio.h>\nint main(void){puts(\"hi\");return 0;}\n",
        &prog,
        false,
        &[
            &format!("-Wl,--dynamic-linker={}/ld-linux-x86-64.so.2", lib.display()),
            &format!("-Wl,--enable-new-dtags,-rpath,{}", lib.display()),
        ],
    );
    fs::remove_file(bin.join("hello.c")).unwrap();
    // The layout is real: the program runs with that loader and libc.
    let run = Command::new(&prog).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&run.stdout), "hi\n", "{run:?}");

    let closure = glibc.to_str().unwrap();
    let (report, code) = scan(&["--profile", "debian-11", "--closure", closure, bin.to_str().unwrap()]);
    assert_eq!(code, 0, "{report:#}");
    // libc.so.6 is checked in turn; its GLIBC_PRIVATE needs go to the ld.so beside it.
    let libc = file(&report, &lib.join("libc.so.6").canonicalize().unwrap());
    assert!(kinds(libc, "error").is_empty(), "{libc:#}");

    // Without the closure, the program's glibc needs fall to Debian 11.
    let (report, code) = scan(&["--profile", "debian-11", bin.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(kinds(file(&report, &prog), "error").contains(&"glibc-version GLIBC_2.34".to_string()), "{report:#}");
}

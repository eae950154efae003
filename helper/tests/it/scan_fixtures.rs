//! `compat scan` on programs compiled here with the system gcc (glibc 2.36,
//! GCC 12): the exact findings for Debian 11 and for ad-hoc targets around
//! each version, JSON and human output, exit statuses.

use crate::common;

use std::{collections::BTreeSet, path::Path};

use crate::common::{compile, report_file, ARC4RANDOM, CONDVAR, GETTID, RELR, SIGABBREV, SINGLE_THREADED};
use serde_json::Value;

/// Runs `compat scan ARGS... --json --no-syscalls` and returns the report and exit code.
/// (The syscall analysis has its own tests; here the findings must be exactly the ELF ones.)
fn scan(args: &[&str]) -> (Value, i32) {
    let mut all = vec!["scan", "--json", "--no-syscalls"];
    all.extend_from_slice(args);
    let out = common::compat(&all);
    let code = out.status.code().expect("exit code");
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("invalid JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)));
    (report, code)
}

/// (kind, needs, symbols) of the findings of `severity` in the file `path`.
fn findings(report: &Value, path: &Path, severity: &str) -> BTreeSet<(String, String, Vec<String>)> {
    report_file(report, path)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == severity)
        .map(|f| {
            let symbols = f["symbols"]
                .as_array()
                .map_or(Vec::new(), |s| s.iter().map(|x| x.as_str().unwrap().to_string()).collect());
            (f["kind"].as_str().unwrap().to_string(), f["needs"].as_str().unwrap_or("").to_string(), symbols)
        })
        .collect()
}

fn glibc(needs: &str, symbols: &[&str]) -> (String, String, Vec<String>) {
    ("glibc-version".into(), needs.into(), symbols.iter().map(|s| s.to_string()).collect())
}

fn set<const N: usize>(items: [(String, String, Vec<String>); N]) -> BTreeSet<(String, String, Vec<String>)> {
    items.into_iter().collect()
}

#[test]
fn glibc_symbol_versions_are_named_with_their_symbols() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (name, src) in
        [("arc4random", ARC4RANDOM), ("sigabbrev", SIGABBREV), ("single", SINGLE_THREADED), ("gettid", GETTID)]
    {
        compile(src, &d.join(name), false, &[]);
    }
    let start = glibc("GLIBC_2.34", &["__libc_start_main"]);

    let (report, code) = scan(&["--profile", "debian-11", d.to_str().unwrap()]);
    assert_eq!(code, 1, "{report:#}");
    for (name, needs, symbol) in [
        ("arc4random", "GLIBC_2.36", "arc4random"),
        ("sigabbrev", "GLIBC_2.32", "sigabbrev_np"),
        ("single", "GLIBC_2.32", "__libc_single_threaded"),
    ] {
        assert_eq!(findings(&report, &d.join(name), "error"), set([start.clone(), glibc(needs, &[symbol])]), "{name}");
    }
    assert_eq!(findings(&report, &d.join("gettid"), "error"), set([start.clone()]));
    let file = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"].as_str().unwrap().ends_with("arc4random"))
        .unwrap();
    let arc = file["findings"].as_array().unwrap().iter().find(|f| f["needs"] == "GLIBC_2.36").unwrap();
    assert_eq!(arc["target_has"], "GLIBC_2.31");
    assert_eq!(arc["library"], "libc.so.6");
    assert_eq!(report["summary"]["error"], 4);
    assert_eq!(report["summary"]["files"], 4);

    let (report, _) = scan(&["--glibc", "2.29", "--kernel", "5.10", d.to_str().unwrap()]);
    assert_eq!(findings(&report, &d.join("gettid"), "error"), set([start.clone(), glibc("GLIBC_2.30", &["gettid"])]));

    let (report, _) = scan(&["--glibc", "2.34", "--kernel", "5.10", d.to_str().unwrap()]);
    assert_eq!(findings(&report, &d.join("arc4random"), "error"), set([glibc("GLIBC_2.36", &["arc4random"])]));
    for clean in ["sigabbrev", "single", "gettid"] {
        assert!(findings(&report, &d.join(clean), "error").is_empty(), "{clean}: {report:#}");
    }

    let (report, code) = scan(&["--glibc", "2.36", "--kernel", "5.10", d.to_str().unwrap()]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["summary"]["compatible"], true);
}

#[test]
fn packed_relative_relocations_need_glibc_2_36() {
    let dir = tempfile::tempdir().unwrap();
    let prog = dir.path().join("relr");
    compile(RELR, &prog, false, &["-fPIE", "-pie", "-Wl,-z,pack-relative-relocs"]);
    let p = prog.to_str().unwrap();
    let marker = ("loader-feature".to_string(), "GLIBC_ABI_DT_RELR".to_string(), Vec::new());

    let (report, code) = scan(&["--glibc", "2.35", "--kernel", "5.10", p]);
    assert_eq!(code, 1);
    assert_eq!(findings(&report, &prog, "error"), set([marker.clone()]));
    let (report, _) = scan(&["--profile", "debian-11", p]);
    assert_eq!(findings(&report, &prog, "error"), set([glibc("GLIBC_2.34", &["__libc_start_main"]), marker]));
    let (_, code) = scan(&["--glibc", "2.36", "--kernel", "5.10", p]);
    assert_eq!(code, 0);
}

#[test]
fn libstdcxx_levels_come_from_the_profile() {
    let dir = tempfile::tempdir().unwrap();
    let prog = dir.path().join("condvar");
    compile(CONDVAR, &prog, true, &[]);
    let p = prog.to_str().unwrap();
    let (report, code) = scan(&["--profile", "debian-11", p]);
    assert_eq!(code, 1);
    let errors = findings(&report, &prog, "error");
    let cxx = (
        "libstdcxx-version".to_string(),
        "GLIBCXX_3.4.30".to_string(),
        vec!["_ZNSt18condition_variable4waitERSt11unique_lockISt5mutexE".to_string()],
    );
    assert!(errors.contains(&cxx), "{errors:?}");
    assert!(errors.iter().all(|e| e.0 == "glibc-version" || e.0 == "libstdcxx-version"), "{errors:?}");

    // An ad-hoc target has glibc's libraries only: libstdc++ is not a base library there.
    let (report, code) = scan(&["--glibc", "2.36", "--kernel", "5.10", p]);
    assert_eq!(code, 0, "{report:#}");
    let warnings = findings(&report, &prog, "warning");
    assert!(warnings.iter().any(|w| w.0 == "missing-library" && w.1 == "libstdc++.so.6"), "{warnings:?}");

    // A profile that lists libstdc++ but gives no levels is refused: its
    // libstdc++ needs could not be checked (scan_profiles.rs has the defaults).
    let profile = dir.path().join("no-levels.json");
    std::fs::write(
        &profile,
        r#"{"name": "no-levels", "glibc": "2.36", "kernel": "5.10", "arches": ["x86_64"],
            "systemLibs": ["libc.so.6", "libm.so.6", "libstdc++.so.6", "libgcc_s.so.1"]}"#,
    )
    .unwrap();
    let out = common::compat(&["scan", "--json", "--profile", profile.to_str().unwrap(), p]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no-levels.json") && stderr.contains("no libstdcxx levels"), "{stderr}");
}

#[test]
fn static_executables_get_only_kernel_checks() {
    let dir = tempfile::tempdir().unwrap();
    let prog = dir.path().join("static");
    compile("#include <stdio.h>\nint main(void){puts(\"hi\");return 0;}\n", &prog, false, &["-static"]);
    let p = prog.to_str().unwrap();
    let (report, code) = scan(&["--profile", "debian-11", p]);
    assert_eq!(code, 0, "{report:#}");
    let notes = findings(&report, &prog, "note");
    assert!(notes.iter().any(|n| n.0 == "static-executable"), "{notes:?}");
    // glibc 2.36's static startup code declares Linux 3.2.0 in its ABI note.
    let (report, code) = scan(&["--glibc", "2.36", "--kernel", "3.1", p]);
    assert_eq!(code, 1);
    let errors = findings(&report, &prog, "error");
    assert_eq!(errors, set([("kernel-abi-note".to_string(), "kernel 3.2.0".to_string(), vec![])]));
}

#[test]
fn nix_store_interpreter_and_runpath_fail_only_when_portable() {
    let dir = tempfile::tempdir().unwrap();
    let prog = dir.path().join("nixy");
    let store = "/nix/store/00000000000000000000000000000000-glibc-2.40";
    compile(
        "int main(void){return 0;}\n",
        &prog,
        false,
        &[&format!("-Wl,--dynamic-linker={store}/lib/ld-linux-x86-64.so.2"), &format!("-Wl,-rpath,{store}/lib")],
    );
    let p = prog.to_str().unwrap();
    let (report, code) = scan(&["--glibc", "2.36", "--kernel", "5.10", p]);
    assert_eq!(code, 0, "{report:#}");
    let warnings: BTreeSet<String> = findings(&report, &prog, "warning").into_iter().map(|f| f.0).collect();
    assert_eq!(warnings, ["interpreter", "rpath"].iter().map(|s| s.to_string()).collect());
    let (report, code) = scan(&["--glibc", "2.36", "--kernel", "5.10", "--portable", p]);
    assert_eq!(code, 1);
    let errors: BTreeSet<String> = findings(&report, &prog, "error").into_iter().map(|f| f.0).collect();
    assert_eq!(errors, ["interpreter", "rpath"].iter().map(|s| s.to_string()).collect());
}

#[test]
fn human_output_names_file_cause_and_both_versions_without_colour_off_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let prog = dir.path().join("arc4random");
    compile(ARC4RANDOM, &prog, false, &[]);
    // Next to the program: its C source (written by compile) and a text file, both skipped.
    std::fs::write(dir.path().join("notes.txt"), "not ELF").unwrap();
    let out = common::compat(&["scan", "--profile", "debian-11", "--no-syscalls", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(&prog.display().to_string()), "{text}");
    assert!(text.contains("needs GLIBC_2.36 from libc.so.6; debian-11 has glibc 2.31"), "{text}");
    assert!(text.contains("for: arc4random"), "{text}");
    assert!(
        text.contains("1 file checked") && text.contains("2 non-ELF files skipped") && text.contains("NOT compatible"),
        "{text}"
    );
    assert!(!text.contains('\x1b'), "colour escape codes in non-terminal output: {text}");
}

#[test]
fn usage_errors_exit_2() {
    let out = common::compat(&["scan", "/usr/bin/true"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no target given"));
    let out = common::compat(&["scan", "--profile", "debian-1", "/usr/bin/true"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn syscall_analysis_runs_for_every_file_unless_turned_off() {
    let dir = tempfile::tempdir().unwrap();
    let prog = dir.path().join("memfd-secret");
    // memfd_secret (447) came with Linux 5.14.
    let src = "#define _GNU_SOURCE\n#include <unistd.h>\n#include <sys/syscall.h>\nint main(void){return (int)syscall(447, 0);}\n";
    compile(src, &prog, false, &["-O1"]);
    let p = prog.to_str().unwrap();
    let out = common::compat(&["scan", "--json", "--glibc", "2.36", "--kernel", "5.10", p]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["syscalls"], true);
    let errors = findings(&report, &prog, "error");
    assert!(errors.iter().any(|e| e.0 == "syscall" && e.2 == vec!["memfd_secret".to_string()]), "{errors:?}");

    let (report, code) = scan(&["--glibc", "2.36", "--kernel", "5.10", p]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["syscalls"], false);
    let (_, code) = scan(&["--glibc", "2.36", "--kernel", "5.14", p]);
    assert_eq!(code, 0);
}

/// Every field name and finding kind the report uses is documented in docs/scan-json.md.
#[test]
fn json_schema_doc_covers_every_field_the_report_uses() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/scan-json.md")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    compile(ARC4RANDOM, &d.join("arc4random"), false, &[]);
    compile(CONDVAR, &d.join("condvar"), true, &[]);
    compile("int main(void){return 0;}\n", &d.join("static"), false, &["-static"]);
    std::fs::write(d.join("broken"), b"\x7fELF broken").unwrap();
    // A name that is not UTF-8 (path_escaped).
    use std::os::unix::ffi::OsStrExt;
    std::fs::copy(d.join("static"), d.join(std::ffi::OsStr::from_bytes(b"static-\xff"))).unwrap();
    let (report, _) = scan(&["--profile", "debian-11", d.to_str().unwrap()]);

    fn keys(value: &Value, out: &mut BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    out.insert(k.clone());
                    keys(v, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| keys(v, out)),
            _ => {}
        }
    }
    let mut names = BTreeSet::new();
    keys(&report, &mut names);
    for file in report["files"].as_array().unwrap() {
        names.insert(file["status"].as_str().unwrap().to_string());
        for f in file["findings"].as_array().unwrap() {
            names.insert(f["kind"].as_str().unwrap().to_string());
            names.insert(f["severity"].as_str().unwrap().to_string());
        }
    }
    for name in [
        "glibc-version",
        "libstdcxx-version",
        "static-executable",
        "unreadable",
        "symbols",
        "target_has",
        "path_escaped",
    ] {
        assert!(names.contains(name), "fixture report lacks {name}: {report:#}");
    }
    for name in names {
        assert!(doc.contains(&format!("`{name}`")), "docs/scan-json.md does not document `{name}`");
    }
}

/// On a terminal (a pseudo-terminal made by script(1)) the report is coloured,
/// unless NO_COLOR is set.
#[test]
fn colour_on_a_terminal_only_and_never_with_no_color() {
    if std::process::Command::new("script").arg("--version").output().is_err() {
        common::skip("script(1) is not installed (util-linux has it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let prog = dir.path().join("arc4random");
    compile(ARC4RANDOM, &prog, false, &[]);
    let command = format!(
        "'{}' scan --profile debian-11 --no-syscalls --no-cache '{}'",
        common::compat_bin().display(),
        prog.display()
    );
    let run = |no_color: bool| {
        let mut cmd = std::process::Command::new("script");
        cmd.args(["-qec", &command, "/dev/null"]).env_remove("NO_COLOR");
        if no_color {
            cmd.env("NO_COLOR", "1");
        }
        let out = cmd.output().expect("run script");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let coloured = run(false);
    assert!(coloured.contains("\x1b[1;31merror\x1b[0m"), "{coloured:?}");
    let plain = run(true);
    assert!(plain.contains("error: needs GLIBC_2.36") && !plain.contains('\x1b'), "{plain:?}");
}

/// Findings list the versions a file needs in version order (GLIBC_2.2.5
/// before GLIBC_2.14), in JSON and for a person alike.
#[test]
fn version_findings_come_in_version_order() {
    let dir = tempfile::tempdir().unwrap();
    let prog = dir.path().join("memcpy");
    let src = "#include <string.h>\n#include <stdio.h>\n\
               int main(int c, char **v){char b[64]; memcpy(b, v[0], (size_t)c); printf(\"%c\\n\", b[0]); return 0;}\n";
    compile(src, &prog, false, &["-O0", "-fno-builtin"]);
    let (report, code) = scan(&["--glibc", "2.1", "--kernel", "5.10", prog.to_str().unwrap()]);
    assert_eq!(code, 1);
    let needs: Vec<String> = report_file(&report, &prog)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "glibc-version")
        .map(|f| f["needs"].as_str().unwrap().to_string())
        .collect();
    for expected in ["GLIBC_2.2.5", "GLIBC_2.14", "GLIBC_2.34"] {
        assert!(needs.contains(&expected.to_string()), "{needs:?}");
    }
    let mut sorted: Vec<(Vec<u32>, String)> = needs
        .iter()
        .map(|n| (n["GLIBC_".len()..].split('.').map(|p| p.parse().unwrap()).collect(), n.clone()))
        .collect();
    sorted.sort();
    assert_eq!(needs, sorted.into_iter().map(|(_, n)| n).collect::<Vec<_>>());

    let out = common::compat(&["scan", "--no-syscalls", "--glibc", "2.1", "--kernel", "5.10", prog.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    let at = |needle: &str| text.find(needle).unwrap_or_else(|| panic!("{needle} not in {text}"));
    assert!(
        at("needs GLIBC_2.2.5") < at("needs GLIBC_2.14") && at("needs GLIBC_2.14") < at("needs GLIBC_2.34"),
        "{text}"
    );
}

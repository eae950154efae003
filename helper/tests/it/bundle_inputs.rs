//! `compat bundle` on odd inputs: each gives a clear error naming the input
//! (and the rest is still looked at), and nothing is left half-written.

use crate::common;

use std::{fs, os::unix::fs::symlink, path::Path, process::Output};

use crate::bundle_support::*;
use serde_json::Value;

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The zlib demo built against Debian 11 with no RUNPATH at all.
fn plain_zdemo(bullseye: &Path, dir: &Path) -> std::path::PathBuf {
    let program = dir.join("zdemo");
    let mut flags = common::bullseye_cflags(bullseye);
    flags.push("-lz".into());
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    common::compile(ZDEMO_C, &program, false, &flags);
    program
}

#[test]
fn missing_and_non_elf_inputs_are_all_named_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("no-such-result");
    let text = tmp.path().join("notes.txt");
    fs::write(&text, "just text\n").unwrap();
    let truncated = tmp.path().join("truncated");
    fs::write(&truncated, b"\x7fELF\x02\x01\x01").unwrap();
    let dist = tmp.path().join("dist");
    let out =
        common::compat(&["bundle", "--profile", "debian-11", s(&missing), s(&text), s(&truncated), "--dir", s(&dist)]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("{}: cannot read input", missing.display())), "{err}");
    assert!(err.contains(&format!("{}: not an ELF file", text.display())), "{err}");
    assert!(err.contains(&format!("{}: cannot bundle", truncated.display())), "{err}");
    assert!(err.contains("malformed ELF"), "{err}");
    assert!(!dist.exists(), "a refused bundle leaves no directory behind");
}

#[test]
fn outputs_and_tools_are_checked_first() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    fs::create_dir(&input).unwrap();
    let out = common::compat(&["bundle", "--profile", "debian-11", s(&input)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no output given"), "{}", stderr(&out));

    let out = common::compat(&["bundle", "--profile", "debian-11", s(&input), "-o", "app.zip"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("app.zip: the archive name must end in .tar.gz"), "{}", stderr(&out));

    let full = tmp.path().join("full");
    fs::create_dir(&full).unwrap();
    fs::write(full.join("keep-me"), "x").unwrap();
    let out = common::compat(&["bundle", "--profile", "debian-11", s(&input), "--dir", s(&full)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(&format!("--dir {}: exists and is not empty", full.display())), "{}", stderr(&out));
    assert!(full.join("keep-me").exists(), "an existing directory is never emptied");

    let out = common::compat(&[
        "bundle",
        "--profile",
        "debian-11",
        s(&input),
        "--dir",
        "x",
        "--patchelf",
        "/nonexistent/patchelf",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--patchelf /nonexistent/patchelf: no such file"), "{}", stderr(&out));
}

#[test]
fn a_library_that_cannot_be_found_is_named_with_its_user_then_found_through_lib_path() {
    let Some(bullseye) = common::bullseye() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let program = plain_zdemo(&bullseye, tmp.path());
    let dist = tmp.path().join("dist");

    let out = bundle_for_glibc_2_31(&[s(&program), "--dir", s(&dist)]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("{}: needs libz.so.1", program.display())), "{err}");
    assert!(err.contains("--lib-path"), "the error says how to fix it: {err}");
    assert!(!dist.exists());

    let lib_dir = bullseye.join("sysroot/lib/x86_64-linux-gnu");
    let out = bundle_for_glibc_2_31(&[s(&program), "--dir", s(&dist), "--lib-path", s(&lib_dir), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let m: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(m["vendored"][0]["source"], s(&lib_dir.join("libz.so.1")));
    assert_eq!(m["vendored"][0]["path"], "lib/libz.so.1");
    assert!(dist.join("bin/zdemo").is_file(), "a single executable goes to bin/");
    assert_eq!(patchelf(&["--print-rpath"], &dist.join("bin/zdemo")), "$ORIGIN/../lib");

    // --closure: the lib dir of a store path stands in for --lib-path.
    let closure = tmp.path().join("zlib-out");
    copy(&lib_dir.join("libz.so.1"), &closure.join("lib/libz.so.1"));
    let dist2 = tmp.path().join("dist2");
    let out = bundle_for_glibc_2_31(&[s(&program), "--dir", s(&dist2), "--json", "--closure", s(&closure)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let m: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(m["vendored"][0]["source"], s(&closure.join("lib/libz.so.1")));

    // --exclude: left to the target, on purpose.
    let dist3 = tmp.path().join("dist3");
    let out = bundle_for_glibc_2_31(&[s(&program), "--dir", s(&dist3), "--json", "--exclude", "libz.so.1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let m: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(m["excluded"], serde_json::json!(["libz.so.1"]));
    assert_eq!(m["vendored"], serde_json::json!([]));
    assert!(!dist3.join("lib").exists());
}

#[test]
fn two_different_libraries_with_one_soname_clash_clearly() {
    let Some(bullseye) = common::bullseye() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let program = plain_zdemo(&bullseye, tmp.path());
    let zlib = bullseye.join("sysroot/lib/x86_64-linux-gnu/libz.so.1.2.11");
    let (dir_a, dir_b) = (tmp.path().join("zlib-a/lib"), tmp.path().join("zlib-b/lib"));
    copy(&zlib, &dir_a.join("libz.so.1"));
    copy(&zlib, &dir_b.join("libz.so.1"));
    let mut other = fs::read(&zlib).unwrap();
    other.extend_from_slice(b"another build");
    fs::write(dir_b.join("libz.so.1"), other).unwrap();
    let (a, b) = (tmp.path().join("a/zdemo-a"), tmp.path().join("b/zdemo-b"));
    copy(&program, &a);
    copy(&program, &b);
    patchelf(&["--set-rpath", s(&dir_a)], &a);
    patchelf(&["--set-rpath", s(&dir_b)], &b);

    let dist = tmp.path().join("dist");
    let out = bundle_for_glibc_2_31(&[s(&a), s(&b), "--dir", s(&dist)]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("a different libz.so.1"), "{err}");
    assert!(err.contains(s(&dir_a)) && err.contains(s(&dir_b)), "both sources are named: {err}");
    assert!(!dist.exists());

    // The same library reached twice is one vendored file needed by both.
    patchelf(&["--set-rpath", s(&dir_a)], &b);
    let out = bundle_for_glibc_2_31(&[s(&a), s(&b), "--dir", s(&dist), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let m: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(m["vendored"].as_array().unwrap().len(), 1);
    assert_eq!(m["vendored"][0]["neededBy"], serde_json::json!(["bin/zdemo-a", "bin/zdemo-b"]));
}

#[test]
fn a_dangling_symlink_in_a_directory_is_reported_and_left_out() {
    let Some(bullseye) = common::bullseye() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("out");
    fs::create_dir_all(input.join("bin")).unwrap();
    let program = plain_zdemo(&bullseye, tmp.path());
    copy(&program, &input.join("bin/zdemo"));
    symlink("/nonexistent/target", input.join("bin/broken")).unwrap();
    symlink("zdemo", input.join("bin/zdemo-alias")).unwrap();
    let dist = tmp.path().join("dist");
    let out = common::compat(&["bundle", "--profile", "debian-11", s(&input), "--dir", s(&dist), "--json"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains(&format!("{}: dangling symlink, left out", input.join("bin/broken").display())), "{err}");
    assert!(dist.join("bin/broken").symlink_metadata().is_err());
    assert_eq!(fs::read_link(dist.join("bin/zdemo-alias")).unwrap(), Path::new("zdemo"), "inner symlinks stay links");
}

#[test]
fn origin_relative_runpaths_of_a_relative_input_are_followed() {
    let Some(bullseye) = common::bullseye() else { return };
    let tmp = tempfile::tempdir().unwrap();
    // A library (its $ORIGIN is the path it is reached by, here a relative one).
    let lib = tmp.path().join("libzwrap.so");
    let mut flags = common::bullseye_cflags(&bullseye);
    flags.extend(["-shared".into(), "-fPIC".into(), "-lz".into()]);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    common::compile("#include <zlib.h>\nconst char *v(void) { return zlibVersion(); }\n", &lib, false, &flags);
    let app = tmp.path().join("app");
    copy(&lib, &app.join("libexec/libzwrap.so"));
    copy(&bullseye.join("sysroot/lib/x86_64-linux-gnu/libz.so.1"), &app.join("private/libz.so.1"));
    patchelf(&["--set-rpath", "$ORIGIN/../private"], &app.join("libexec/libzwrap.so"));
    let out = std::process::Command::new(common::compat_bin())
        .args(["bundle", "--glibc", "2.31", "--kernel", "5.10", "app", "--dir", "dist", "--json"])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let m: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(m["vendored"], serde_json::json!([]), "the library travels inside the input");
    assert_eq!(patchelf(&["--print-rpath"], &tmp.path().join("dist/libexec/libzwrap.so")), "$ORIGIN/../private");
}

#[test]
fn vendor_ships_a_library_the_target_has_but_never_glibc() {
    let Some(bullseye) = common::bullseye() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let program = plain_zdemo(&bullseye, tmp.path());
    let lib_dir = bullseye.join("sysroot/lib/x86_64-linux-gnu");
    let dist = tmp.path().join("dist");
    let base = ["bundle", "--profile", "debian-11", s(&program), "--lib-path", s(&lib_dir), "--dir", s(&dist)];

    let out = common::compat(&[&base[..], &["--vendor", "libz.so.1", "--json"]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let m: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(m["vendored"][0]["name"], "libz.so.1", "debian-11 has zlib, but --vendor ships it");
    assert_eq!(m["systemLibraries"], serde_json::json!(["libc.so.6"]));
    fs::remove_dir_all(&dist).unwrap();

    let out = common::compat(&[&base[..], &["--vendor", "libc.so.6"]].concat());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--vendor libc.so.6: glibc's own libraries cannot travel"), "{}", stderr(&out));
    let out = common::compat(&[&base[..], &["--vendor", "libz.so.1", "--exclude", "libz.so.1"]].concat());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("contradict"), "{}", stderr(&out));
    assert!(!dist.exists());
}

#[test]
fn a_symlink_forest_is_followed_and_merges_with_the_store_path_it_points_into() {
    let Some(bullseye) = common::bullseye() else { return };
    let (tmp, _store, z) = zdemo_in_temp_store(&bullseye);
    // Like buildEnv / symlinkJoin: absolute symlinks into another store path.
    let env = tmp.path().join("env");
    fs::create_dir_all(env.join("bin")).unwrap();
    symlink(z.out.join("bin/zdemo"), env.join("bin/zdemo")).unwrap();
    symlink(z.out.join("share"), env.join("share")).unwrap();
    let dist = tmp.path().join("dist");
    let out = bundle_for_glibc_2_31(&[s(&env), s(&z.out), "--dir", s(&dist), "--json"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("warning"), "nothing left over: {err}");
    let m: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(m["findings"], serde_json::json!([]));
    assert!(dist.join("bin/zdemo").symlink_metadata().unwrap().is_file(), "a link out of its input is copied");
    assert!(dist.join("share/zdemo/message.txt").is_file(), "a linked directory is copied");
    let run = std::process::Command::new(dist.join("bin/zdemo")).output().unwrap();
    assert!(String::from_utf8_lossy(&run.stdout).contains("data: hello from the bundle's share dir"), "{run:?}");
}

#[test]
fn a_file_name_that_is_not_utf8_is_bundled_and_named_exactly() {
    use std::{ffi::OsStr, os::unix::ffi::OsStrExt};
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("out");
    fs::create_dir_all(input.join("bin")).unwrap();
    let name = OsStr::from_bytes(b"tr\xffue");
    // The build machine's own program needs a glibc newer than Debian 11's,
    // so the check has something to say about the file.
    copy(Path::new("/bin/true"), &input.join("bin").join(name));
    let dist = tmp.path().join("dist");
    let args = ["bundle", "--profile", "debian-11", s(&input), "--dir", s(&dist)];

    let refused = common::compat(&args);
    let said = format!("{}{}", String::from_utf8_lossy(&refused.stdout), stderr(&refused));
    assert_eq!(refused.status.code(), Some(1), "{said}");
    assert!(said.contains(r"bin/tr\xffue"), "the file is named exactly: {said}");

    let forced = common::compat(&[&args[..], &["--force"]].concat());
    assert_eq!(forced.status.code(), Some(0), "{}", stderr(&forced));
    assert!(dist.join("bin").join(name).is_file());
    let manifest: Value = serde_json::from_slice(&fs::read(dist.join("compat-manifest.json")).unwrap()).unwrap();
    let paths: Vec<&str> = manifest["files"].as_array().unwrap().iter().filter_map(|f| f["path"].as_str()).collect();
    assert!(paths.contains(&r"bin/tr\xffue"), "{paths:?}");
    let findings = manifest["findings"].as_array().unwrap();
    assert!(findings.iter().any(|f| f["file"] == r"bin/tr\xffue"), "{findings:?}");
}

#[test]
fn a_profile_with_its_glibc_overridden_is_named_so() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("out");
    fs::create_dir_all(input.join("bin")).unwrap();
    copy(Path::new("/bin/true"), &input.join("bin/true"));
    let dist = tmp.path().join("dist");

    let refused =
        common::compat(&["bundle", "--profile", "debian-12", "--glibc", "2.31", s(&input), "--dir", s(&dist)]);
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("would not run on debian-12 with glibc overridden to 2.31"),
        "{}",
        stderr(&refused)
    );

    let made = common::compat(&["bundle", "--profile", "debian-11", "--glibc", "2.36", s(&input), "--dir", s(&dist)]);
    let said = String::from_utf8_lossy(&made.stdout);
    assert_eq!(made.status.code(), Some(0), "{}", stderr(&made));
    assert!(said.contains("for debian-11 with glibc overridden to 2.36 into"), "{said}");
}

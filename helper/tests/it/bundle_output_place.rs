//! Where a bundle may be written: never inside one of its own inputs (it
//! would copy itself, `dist/dist/dist/...`; and an archive there would be
//! picked up by the next run), never an archive inside the --dir. Refused up
//! front, in a line, with nothing written.

use crate::common;

use std::{fs, os::unix::fs::symlink, path::Path, process::Command};

fn app(root: &Path) -> std::path::PathBuf {
    let app = root.join("app");
    fs::create_dir_all(app.join("share")).unwrap();
    fs::write(app.join("share/readme.txt"), "data\n").unwrap();
    app
}

fn bundle_in(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(common::compat_bin())
        .args(["bundle", "--glibc", "2.36", "--kernel", "5.10"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    names
}

#[test]
fn a_dir_inside_the_input_is_refused_in_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let app = app(tmp.path());
    let (code, err) = bundle_in(&app, &[".", "--dir", "dist"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--dir dist: lies inside the input ."), "{err}");
    assert!(err.len() < 300 && err.lines().count() == 1, "short: {err}");
    assert_eq!(entries(&app), vec!["share"], "nothing written");

    // Deeper, by an absolute path, and through a symlink to the input.
    let deep = app.join("out/x/dist");
    let (code, err) = bundle_in(tmp.path(), &["app", "--dir", deep.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("lies inside the input app"), "{err}");
    symlink(&app, tmp.path().join("link")).unwrap();
    let (code, err) = bundle_in(tmp.path(), &["app", "--dir", "link/dist"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--dir link/dist: lies inside the input app"), "{err}");
    assert_eq!(entries(&app), vec!["share"], "nothing written");

    // The input itself as the (empty) output.
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let (code, err) = bundle_in(tmp.path(), &["empty", "--dir", "empty"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("lies inside the input empty"), "{err}");
}

#[test]
fn an_archive_inside_the_input_or_the_dir_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let app = app(tmp.path());
    let (code, err) = bundle_in(&app, &[".", "-o", "app.tar.gz"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("-o app.tar.gz: lies inside the input ."), "{err}");
    assert_eq!(entries(&app), vec!["share"]);

    let (code, err) = bundle_in(tmp.path(), &["app", "--dir", "dist", "-o", "dist/app.tar.gz"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("-o dist/app.tar.gz: lies inside --dir dist"), "{err}");
    assert_eq!(entries(tmp.path()), vec!["app"]);

    // Beside the input is fine.
    let (code, err) = bundle_in(tmp.path(), &["app", "-o", "app.tar.gz", "--dir", "dist"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(entries(tmp.path()), vec!["app", "app.tar.gz", "dist"]);
}

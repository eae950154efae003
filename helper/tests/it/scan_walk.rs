//! What a directory scan does with what is not a regular file, and with
//! names that are not UTF-8:
//!
//! - inside a directory, devices, FIFOs, sockets and symlinks to them (such
//!   as systemd's masked units, symlinks to /dev/null under /usr/lib) are
//!   skipped without being opened and counted, as are dangling symlinks;
//! - named on the command line, each of them is an error naming it (exit 2);
//! - a path that is not UTF-8 keeps its exact bytes in `path_escaped`.

use crate::common;

use std::{
    ffi::OsStr,
    fs,
    os::unix::{ffi::OsStrExt, fs::symlink, net::UnixListener},
    path::Path,
    process::{Command, Output, Stdio},
    time::{Duration, Instant},
};

use serde_json::Value;

/// Runs `compat scan --json --no-syscalls --glibc 2.36 --kernel 5.10 PATHS...`
/// (a target the host's programs run on), killing it after two minutes: a
/// FIFO opened by mistake would block forever.
fn scan(paths: &[&Path]) -> (Output, Value) {
    let mut child = Command::new(common::compat_bin())
        .args(["scan", "--json", "--no-syscalls", "--glibc", "2.36", "--kernel", "5.10"])
        .args(paths)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(120) {
            child.kill().unwrap();
            panic!("compat scan hung (a FIFO opened?)");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("invalid JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)));
    (out, report)
}

/// A directory with a program, a FIFO, a socket, symlinks to both and to
/// /dev/null (a masked unit), and a dangling symlink.
fn special_tree(root: &Path) -> UnixListener {
    common::compile("int main(void){return 0;}\n", &root.join("prog"), false, &[]);
    fs::remove_file(root.join("prog.c")).unwrap();
    assert!(Command::new("mkfifo").arg(root.join("fifo")).status().unwrap().success());
    let socket = UnixListener::bind(root.join("socket")).unwrap();
    symlink(root.join("fifo"), root.join("link-to-fifo")).unwrap();
    symlink(root.join("socket"), root.join("link-to-socket")).unwrap();
    fs::create_dir(root.join("units")).unwrap();
    symlink("/dev/null", root.join("units/masked.service")).unwrap();
    symlink(root.join("gone"), root.join("dangling")).unwrap();
    socket
}

#[test]
fn devices_fifos_sockets_and_dangling_symlinks_in_a_directory_are_skipped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let _socket = special_tree(dir.path());
    let (out, report) = scan(&[dir.path()]);
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert_eq!(report["summary"]["files"], 1, "only the program is reported: {report:#}");
    assert_eq!(report["summary"]["unreadable"], 0);
    assert_eq!(report["summary"]["skipped_special"], 5, "FIFO, socket, links to them, /dev/null link");
    assert_eq!(report["summary"]["skipped_dangling"], 1);
    assert_eq!(report["summary"]["compatible"], true);

    let human =
        common::compat(&["scan", "--no-syscalls", "--glibc", "2.36", "--kernel", "5.10", dir.path().to_str().unwrap()]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("5 devices/FIFOs/sockets not opened") && text.contains("1 dangling symlink skipped"),
        "{text}"
    );
}

#[test]
fn the_same_named_on_the_command_line_are_errors_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let _socket = special_tree(dir.path());
    let d = dir.path();
    for (name, message) in [
        ("fifo", "a FIFO; not opened".to_string()),
        ("socket", "a socket; not opened".to_string()),
        ("link-to-fifo", "a FIFO; not opened".to_string()),
        ("units/masked.service", "a device; not opened".to_string()),
        ("dangling", format!("dangling symlink to {}", d.join("gone").display())),
    ] {
        let path = d.join(name);
        let (out, report) = scan(&[&path, &d.join("prog")]);
        assert_eq!(out.status.code(), Some(2), "{name}: {report:#}");
        let file = common::report_file(&report, &path);
        assert_eq!(file["status"], "unreadable", "{name}");
        assert_eq!(file["findings"][0]["message"], message.as_str(), "{name}");
        // The rest is still scanned.
        assert_eq!(common::report_file(&report, &d.join("prog"))["status"], "ok", "{name}");
    }
    let (out, _) = scan(&[Path::new("/dev/null")]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn paths_that_are_not_utf8_keep_their_bytes() {
    let dir = tempfile::tempdir().unwrap();
    // Two files whose names differ only in a byte that is not UTF-8.
    let one = dir.path().join(OsStr::from_bytes(b"prog-\xfe"));
    let two = dir.path().join(OsStr::from_bytes(b"prog-\xff"));
    common::compile("int main(void){return 0;}\n", &dir.path().join("prog"), false, &[]);
    fs::copy(dir.path().join("prog"), &one).unwrap();
    fs::rename(dir.path().join("prog"), &two).unwrap();
    fs::remove_file(dir.path().join("prog.c")).unwrap();
    let (out, report) = scan(&[dir.path()]);
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    let files = report["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    let prefix = dir.path().to_str().unwrap();
    let escaped: Vec<&str> = files.iter().map(|f| f["path_escaped"].as_str().expect("path_escaped")).collect();
    assert_eq!(escaped, [format!("{prefix}/prog-\\xfe"), format!("{prefix}/prog-\\xff")]);
    for file in files {
        assert_eq!(file["path"], format!("{prefix}/prog-\u{fffd}"), "path stays lossy");
    }

    // A UTF-8 path has no path_escaped; the human report shows the escaped form.
    let (_, report) = scan(&[&dir.path().join("prog-\u{e9}")]);
    assert!(report["files"][0].get("path_escaped").is_none(), "{report:#}");
    let human = common::compat(&["scan", "--glibc", "2.36", "--kernel", "3.0", "--no-syscalls", prefix]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("prog-\\xfe (executable") && text.contains("prog-\\xff (executable"), "{text}");
}

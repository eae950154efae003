//! Hostile and broken input: truncated and corrupted ELF files, a non-ELF
//! file that starts like one, a FIFO (never opened), a symlink loop, an
//! unreadable file.
//! No panic, bounded memory, a clear error per file, the rest still
//! reported, exit status 2.

use crate::common;

use std::{
    fs,
    os::unix::fs::symlink,
    path::Path,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use crate::common::compile;
use serde_json::Value;

fn write_variant(dir: &Path, name: &str, data: &[u8]) {
    fs::write(dir.join(name), data).unwrap();
}

#[test]
fn broken_files_are_reported_one_by_one_and_the_rest_is_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("tree");
    fs::create_dir(&d).unwrap();
    let good = d.join("good");
    compile("#include <stdlib.h>\nint main(void){return (int)arc4random();}\n", &good, false, &[]);
    fs::remove_file(d.join("good.c")).unwrap();
    let data = fs::read(&good).unwrap();

    write_variant(&d, "truncated-header", &data[..40]);
    write_variant(&d, "truncated-half", &data[..data.len() / 2]);
    let mut bad = data.clone();
    bad[0x28..0x30].copy_from_slice(&0x7fff_ffff_0000u64.to_le_bytes()); // e_shoff far past the end
    write_variant(&d, "corrupt-shoff", &bad);
    let mut bad = data.clone();
    bad[0x3c..0x3e].copy_from_slice(&0xffffu16.to_le_bytes()); // e_shnum huge
    write_variant(&d, "huge-shnum", &bad);
    let mut bad = data.clone();
    bad[0x38..0x3a].copy_from_slice(&0xfff0u16.to_le_bytes()); // e_phnum huge (0xffff would mean "see section 0")
    write_variant(&d, "huge-phnum", &bad);
    let mut fake = b"\x7fELF".to_vec();
    fake.extend(b" -- not really an ELF file, just text that starts like one\n".repeat(20));
    write_variant(&d, "fake-elf", &fake);
    write_variant(&d, "readme.txt", b"plain text, skipped silently\n");
    assert!(Command::new("mkfifo").arg(d.join("fifo")).status().unwrap().success());
    symlink(d.join("loop-b"), d.join("loop-a")).unwrap();
    symlink(d.join("loop-a"), d.join("loop-b")).unwrap();
    // Reading the first bytes of a process's own memory file fails with EIO, even for root.
    symlink("/proc/self/mem", d.join("unreadable")).unwrap();

    // Bounded memory: the whole scan runs within 1 GiB of address space.
    let script = format!(
        "ulimit -v 1048576; exec '{}' scan --json --no-syscalls --no-cache --profile debian-11 '{}'",
        common::compat_bin().display(),
        d.display()
    );
    let mut child =
        Command::new("sh").arg("-c").arg(script).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(120) {
            child.kill().unwrap();
            panic!("compat scan hung (a FIFO opened?)");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report even with bad inputs");

    let message = |name: &str| -> String {
        let path = d.join(name).display().to_string();
        let file = report["files"].as_array().unwrap().iter().find(|f| f["path"] == path);
        let file = file.unwrap_or_else(|| panic!("{name} not reported: {report:#}"));
        assert_eq!(file["status"], "unreadable", "{name}: {file:#}");
        assert_eq!(file["findings"][0]["kind"], "unreadable");
        file["findings"][0]["message"].as_str().unwrap().to_string()
    };
    for name in ["truncated-header", "truncated-half", "corrupt-shoff", "huge-shnum", "huge-phnum", "fake-elf"] {
        let m = message(name);
        assert!(m.starts_with("malformed ELF file: "), "{name}: {m}");
    }
    // A FIFO inside a directory is skipped unopened (scan_walk.rs has the rule).
    assert!(!report["files"].as_array().unwrap().iter().any(|f| f["path"] == d.join("fifo").display().to_string()));
    assert_eq!(report["summary"]["skipped_special"], 1);
    assert!(message("loop-a").contains("symlink loop"));
    assert!(message("loop-b").contains("symlink loop"));
    assert!(message("unreadable").contains("Input/output error"), "{}", message("unreadable"));

    // The good file is still judged.
    let good = report["files"].as_array().unwrap().iter().find(|f| f["path"] == good.display().to_string()).unwrap();
    assert_eq!(good["status"], "error");
    assert_eq!(report["summary"]["unreadable"], 9);
    assert_eq!(report["summary"]["skipped_non_elf"], 1);
}

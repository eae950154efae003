//! A program without section headers (e_shoff, e_shnum and e_shstrndx 0)
//! still runs: the kernel and glibc's loader read only program headers and
//! the dynamic segment. `compat scan` and `compat bundle` must judge it by
//! what the loader reads, not call it compatible because the sections that
//! usually repeat those facts are gone.

use crate::common;

use std::{fs, path::Path, process::Command};

use serde_json::Value;

const HELLO: &str = "#include <stdio.h>\nint main(void){puts(\"hi\");return 0;}\n";

/// Compiles HELLO (needing GLIBC_2.34 for __libc_start_main with this
/// machine's glibc) to `out` and strips its section headers from the ELF
/// header, as an adversary or an odd tool might.
fn sectionless_hello(out: &Path) {
    common::compile(HELLO, out, false, &[]);
    let mut data = fs::read(out).unwrap();
    assert_eq!(&data[..6], b"\x7fELF\x02\x01", "an x86_64/aarch64 (ELF64 LE) host is assumed");
    data[0x28..0x30].fill(0); // e_shoff
    data[0x3c..0x40].fill(0); // e_shnum, e_shstrndx
    common::write_executable(out, &data, 0o755);
    // It still runs.
    let run = Command::new(out).output().expect("run the sectionless program");
    assert_eq!(run.stdout, b"hi\n", "{run:?}");
}

#[test]
fn a_program_without_section_headers_is_judged_by_its_dynamic_segment() {
    let dir = tempfile::tempdir().unwrap();
    let prog = dir.path().join("hello");
    sectionless_hello(&prog);
    let p = prog.to_str().unwrap();

    let out = common::compat(&["scan", "--json", "--profile", "debian-11", p]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let file = common::report_file(&report, &prog);
    assert_eq!(file["status"], "error");
    let need = file["findings"].as_array().unwrap().iter().find(|f| f["needs"] == "GLIBC_2.34");
    let need = need.unwrap_or_else(|| panic!("GLIBC_2.34 not found: {file:#}"));
    assert_eq!(need["kind"], "glibc-version");
    assert_eq!(need["symbols"], serde_json::json!(["__libc_start_main"]));
    assert_eq!(report["summary"]["compatible"], false);

    // bundle asks the same scanner: refused, nothing written.
    let dist = dir.path().join("dist");
    let out = common::compat(&["bundle", "--profile", "debian-11", p, "--dir", dist.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("GLIBC_2.34"), "{stdout}");
    assert!(!dist.exists());
}

#[test]
fn an_unreadable_dynamic_segment_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let prog = dir.path().join("hello");
    sectionless_hello(&prog);
    let mut data = fs::read(&prog).unwrap();
    // Move PT_DYNAMIC's address outside every loaded segment.
    let phoff = u64::from_le_bytes(data[0x20..0x28].try_into().unwrap()) as usize;
    let phnum = u16::from_le_bytes(data[0x38..0x3a].try_into().unwrap()) as usize;
    let dynamic = (0..phnum)
        .map(|i| phoff + i * 56)
        .find(|&at| u32::from_le_bytes(data[at..at + 4].try_into().unwrap()) == 2)
        .expect("PT_DYNAMIC");
    data[dynamic + 16..dynamic + 24].copy_from_slice(&0x7fff_0000_0000u64.to_le_bytes());
    fs::write(&prog, &data).unwrap();

    let out = common::compat(&["scan", "--json", "--profile", "debian-11", prog.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let file = common::report_file(&report, &prog);
    assert_eq!(file["status"], "unreadable");
    let message = file["findings"][0]["message"].as_str().unwrap();
    assert!(message.starts_with("malformed ELF file: PT_DYNAMIC"), "{message}");
}

//! The syscall tables against real kernel headers: the host's (every call
//! has a row with the right number) and Debian 11's 5.10 headers (exactly
//! the rows whose first kernel is 5.10 or older: a check of the version column).

use crate::common;

use std::{collections::BTreeSet, path::Path, process::Command};

use compat::{
    syscalls::tables::{Arch, SyscallTable},
    version::Version,
};

/// `(number, name)` of every `#define __NR_name number` in `text`.
fn header_calls(text: &str) -> BTreeSet<(u64, String)> {
    text.lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("#define __NR_")?;
            let (name, number) = rest.split_once(char::is_whitespace)?;
            Some((number.trim().parse().ok()?, name.to_string()))
        })
        .collect()
}

fn table_calls(arch: Arch, up_to: Option<&Version>) -> BTreeSet<(u64, String)> {
    SyscallTable::of(arch)
        .rows()
        .filter(|s| up_to.is_none_or(|v| s.kernel <= *v))
        .map(|s| (s.number, s.name.clone()))
        .collect()
}

fn required(path: &Path, what: &str) -> bool {
    if path.exists() {
        return true;
    }
    common::skip(&format!("{} ({what}) is missing", path.display()));
    false
}

#[test]
fn every_call_of_the_host_x86_64_headers_has_its_row() {
    let header = Path::new("/usr/include/x86_64-linux-gnu/asm/unistd_64.h");
    if !required(header, "linux-libc-dev") {
        return;
    }
    let calls = header_calls(&std::fs::read_to_string(header).unwrap());
    assert!(calls.len() > 300, "parsed only {} calls", calls.len());
    let table = table_calls(Arch::X86_64, None);
    let missing: Vec<_> = calls.difference(&table).collect();
    assert!(missing.is_empty(), "calls of {} without a row: {missing:?}", header.display());
}

#[test]
fn debian_11_headers_hold_exactly_the_calls_up_to_5_10() {
    let Some(root) = common::bullseye() else { return };
    let header = root.join("sysroot/usr/include/x86_64-linux-gnu/asm/unistd_64.h");
    let calls = header_calls(&std::fs::read_to_string(&header).expect("bullseye linux-libc-dev header"));
    let table = table_calls(Arch::X86_64, Version::parse("5.10").as_ref());
    let only_header: Vec<_> = calls.difference(&table).collect();
    let only_table: Vec<_> = table.difference(&calls).collect();
    assert!(only_header.is_empty(), "in the 5.10 header, but the table says newer or lacks: {only_header:?}");
    assert!(only_table.is_empty(), "the table says <= 5.10, but the 5.10 header lacks: {only_table:?}");
}

#[test]
fn every_call_of_the_aarch64_headers_has_its_row() {
    let include = Path::new("/usr/aarch64-linux-gnu/include");
    if !required(&include.join("asm/unistd.h"), "linux-libc-dev-arm64-cross") {
        return;
    }
    let out = Command::new("cpp")
        .args(["-nostdinc", "-dM", "-I"])
        .arg(include)
        .args(["-include", "asm/unistd.h", "/dev/null"])
        .output()
        .expect("run cpp");
    assert!(out.status.success(), "cpp failed: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    // asm-generic aliases some calls: __NR_fcntl -> __NR3264_fcntl -> 25.
    let macros: std::collections::HashMap<&str, &str> =
        text.lines().filter_map(|l| l.strip_prefix("#define ")?.split_once(' ')).map(|(k, v)| (k, v.trim())).collect();
    let mut calls = BTreeSet::new();
    for (name, mut value) in macros.iter().map(|(k, v)| (*k, *v)) {
        let Some(call) = name.strip_prefix("__NR_") else { continue };
        if call == "syscalls" || call == "arch_specific_syscall" {
            continue;
        }
        while let Some(next) = macros.get(value) {
            value = next;
        }
        if let Ok(number) = value.parse::<u64>() {
            calls.insert((number, call.to_string()));
        }
    }
    assert!(calls.len() > 250, "parsed only {} calls", calls.len());
    let table = table_calls(Arch::Aarch64, None);
    let missing: Vec<_> = calls.difference(&table).collect();
    assert!(missing.is_empty(), "aarch64 calls without a row: {missing:?}");
}

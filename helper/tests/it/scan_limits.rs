//! A hostile file must not stall a scan: the syscall analysis bounds its
//! work per file by counts (candidate sites, bytes decoded), says when it
//! gave up, and the other files are still scanned.

use crate::common;

use std::{path::Path, process::Command};

use serde_json::Value;

/// A program whose code holds `megabytes` MiB of `0f 05` (the `syscall`
/// instruction, over and over), built with the system gcc.
fn hostile(out: &Path, megabytes: usize) {
    let fill = format!(
        "__asm__(\".section .text.hostile,\\\"ax\\\",@progbits\\n.globl hostile\\n.type hostile,@function\\n\
         hostile:\\n.fill {}, 2, 0x050f\\nret\\n.size hostile, .-hostile\\n.text\\n\");\n\
         int main(void) {{ return 0; }}\n",
        megabytes << 19
    );
    common::compile(&fill, out, false, &["-O2"]);
}

/// `compat scan --json` under a data-size limit of `limit_mib` MiB (heap
/// and private writable mappings), so unbounded memory use fails the scan.
fn scan_limited(limit_mib: usize, args: &[&str]) -> (Value, i32) {
    let cache = tempfile::tempdir().expect("temp cache dir");
    let command = format!("ulimit -d {} && exec \"$0\" \"$@\"", limit_mib * 1024);
    let out = Command::new("sh")
        .arg("-c")
        .arg(command)
        .arg(common::compat_bin())
        .args(args)
        .env("XDG_CACHE_HOME", cache.path())
        .output()
        .expect("run compat");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report = serde_json::from_str(&stdout).unwrap_or_else(|err| {
        panic!("no JSON report ({err}); status {:?}, stderr:\n{}", out.status, String::from_utf8_lossy(&out.stderr))
    });
    (report, out.status.code().unwrap_or(-1))
}

#[test]
fn megabytes_of_syscall_instructions_make_the_analysis_give_up_and_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("hostile");
    hostile(&bad, 24);
    let good = dir.path().join("arc4random");
    common::compile(common::ARC4RANDOM, &good, false, &[]);

    let dir_arg = dir.path().to_str().unwrap();
    // Unbounded, the analysis of 24 MiB of `0f 05` took minutes and more
    // than 700 MiB; bounded, it needs a small fraction of 256 MiB.
    let (report, _) = scan_limited(256, &["scan", "--json", "--glibc", "2.35", "--kernel", "5.10", dir_arg]);
    let hostile = common::report_file(&report, &bad);
    let gave_up: Vec<&Value> =
        hostile["findings"].as_array().unwrap().iter().filter(|f| f["kind"] == "analysis-incomplete").collect();
    assert_eq!(gave_up.len(), 1, "{hostile:#}");
    assert_eq!(gave_up[0]["severity"], "warning");
    let message = gave_up[0]["message"].as_str().unwrap();
    assert!(message.contains("gave up") && message.contains("candidate"), "{message}");
    assert_eq!(hostile["status"], "warning", "{hostile:#}");

    // The other file was scanned in full: arc4random needs GLIBC_2.36.
    let other = common::report_file(&report, &good);
    assert_eq!(other["status"], "error", "{other:#}");
    assert!(other["findings"].as_array().unwrap().iter().any(|f| f["needs"] == "GLIBC_2.36"), "{other:#}");
    assert_eq!(report["summary"]["files"], 2);
}

#[test]
fn ordinary_programs_are_analysed_in_full() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("gettid");
    common::compile(common::GETTID, &good, false, &["-static"]);
    let (report, _) =
        scan_limited(256, &["scan", "--json", "--glibc", "2.28", "--kernel", "3.2", good.to_str().unwrap()]);
    let file = common::report_file(&report, &good);
    let findings = file["findings"].as_array().unwrap();
    assert!(!findings.iter().any(|f| f["kind"] == "analysis-incomplete"), "{file:#}");
    // The static C library's own calls newer than 3.2 are seen (as notes).
    assert!(findings.iter().any(|f| f["kind"] == "syscall"), "{file:#}");
}

#[test]
fn aarch64_code_of_nothing_but_svc_is_bounded_too() {
    let Some(gcc) = common::aarch64_gcc() else { return };
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("hostile.c");
    std::fs::write(
        &src,
        "__asm__(\".section .text.hostile,\\\"ax\\\",@progbits\\n.globl hostile\\n.type hostile,@function\\n\
         hostile:\\n.fill 2097152, 4, 0xd4000001\\nret\\n.size hostile, .-hostile\\n.text\\n\");\n\
         int main(void) { return 0; }\n",
    )
    .unwrap();
    let bad = dir.path().join("hostile");
    let out = Command::new(gcc).arg("-o").arg(&bad).arg(&src).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (report, _) =
        scan_limited(256, &["scan", "--json", "--glibc", "2.17", "--kernel", "3.2", bad.to_str().unwrap()]);
    let file = common::report_file(&report, &bad);
    assert!(file["findings"].as_array().unwrap().iter().any(|f| f["kind"] == "analysis-incomplete"), "{file:#}");
}

#[test]
fn overlapping_huge_functions_exhaust_the_decoding_budget_and_say_so() {
    // 5,000 function symbols seven bytes apart, each claiming 200,000 bytes
    // and starting with `mov eax, 1; syscall` (a constant, so the analysis
    // must decode): every candidate would decode a new 200 KB function (a
    // gigabyte in all) without a budget.
    let mut asm = String::from(".section .text.hostile,\"ax\",@progbits\n");
    for i in 0..5000 {
        asm.push_str(&format!(
            ".globl f{i}\n.type f{i},@function\n.size f{i}, 200000\nf{i}:\n.byte 0xb8, 1, 0, 0, 0, 0x0f, 0x05\n"
        ));
    }
    asm.push_str(".fill 200000, 1, 0x90\nret\n.text\n");
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("hostile.s");
    std::fs::write(&src, asm).unwrap();
    let main = dir.path().join("main.c");
    std::fs::write(&main, "int main(void) { return 0; }\n").unwrap();
    let bad = dir.path().join("hostile");
    let out = Command::new("gcc").arg("-o").arg(&bad).arg(&main).arg(&src).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (report, _) =
        scan_limited(256, &["scan", "--json", "--glibc", "2.36", "--kernel", "6.1", bad.to_str().unwrap()]);
    let file = common::report_file(&report, &bad);
    let gave_up = file["findings"].as_array().unwrap().iter().find(|f| f["kind"] == "analysis-incomplete");
    let message = gave_up.unwrap_or_else(|| panic!("{file:#}"))["message"].as_str().unwrap();
    assert!(message.contains("after decoding") && message.contains("of 5000 candidate"), "{message}");
}

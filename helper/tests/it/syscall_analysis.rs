//! `syscall_findings::analyze` on real programs compiled here: x86_64 with
//! the host gcc (dynamic, -fno-plt, static) and aarch64 with the cross gcc.

use crate::common;

use std::{path::PathBuf, process::Command};

use compat::{
    finding::{Finding, FindingKind, Severity},
    profile::Profile,
    scan::syscall_findings,
    syscalls,
};
use tempfile::TempDir;

fn programs() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/kernel/programs")
}

fn build(dir: &TempDir, program: &str, flags: &[&str]) -> Vec<u8> {
    let out = dir.path().join(format!("{program}{}", flags.join("").replace(['-', '='], "_")));
    let source = std::fs::read_to_string(programs().join(format!("{program}.c"))).unwrap();
    let include = format!("-I{}", programs().display());
    let mut all = vec!["-O2", include.as_str()];
    all.extend_from_slice(flags);
    common::compile(&source, &out, false, &all);
    std::fs::read(out).unwrap()
}

fn debian11() -> Profile {
    Profile::lookup("debian-11").unwrap()
}

fn errors(findings: &[Finding]) -> Vec<&Finding> {
    findings.iter().filter(|f| f.severity == Severity::Error).collect()
}

fn syscall_error<'a>(findings: &'a [Finding], name: &str) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.kind == FindingKind::Syscall && f.severity == Severity::Error && f.symbols == [name])
        .unwrap_or_else(|| panic!("no error for {name} in {findings:#?}"))
}

#[test]
fn new_direct_calls_are_errors_with_call_site_and_versions() {
    let dir = TempDir::new().unwrap();
    // Plain PLT, GOT calls (-fno-plt), IBT PLT (.plt.sec), linked in.
    let ibt = ["-fcf-protection=full", "-Wl,-z,ibtplt"];
    for flags in [&[][..], &["-fno-plt"], &ibt, &["-static"]] {
        for program in ["memfd_secret_asm", "memfd_secret_libc"] {
            let findings = syscall_findings::analyze(&build(&dir, program, flags), &debian11()).unwrap();
            let f = syscall_error(&findings, "memfd_secret");
            assert_eq!(f.needs.as_deref(), Some("kernel 5.14"), "{program} {flags:?}");
            assert_eq!(f.target_has.as_deref(), Some("kernel 5.10"));
            assert!(f.message.contains("447") && f.message.contains("ENOSYS"), "{}", f.message);
            assert!(f.locations.iter().any(|l| l.starts_with("0x") && l.ends_with(" in main")), "{:?}", f.locations);
            assert_eq!(errors(&findings).len(), 1, "{program} {flags:?}: {findings:#?}");
        }
        let findings = syscall_findings::analyze(&build(&dir, "epoll_pwait2_libc", flags), &debian11()).unwrap();
        syscall_error(&findings, "epoll_pwait2");
    }
}

#[test]
fn old_calls_and_runtime_numbers_give_nothing() {
    let dir = TempDir::new().unwrap();
    for flags in [&[][..], &["-static"]] {
        for program in ["getpid_asm", "close_range_libc", "runtime_number", "wrapper_close_range", "wrapper_pidfd_open"]
        {
            let findings = syscall_findings::analyze(&build(&dir, program, flags), &debian11()).unwrap();
            assert!(errors(&findings).is_empty(), "{program} {flags:?}: {findings:#?}");
        }
    }
    // The same old calls are reported against an older kernel: the test sees them.
    let old = Profile::ad_hoc(Version::parse("2.17").unwrap(), Version::parse("5.4").unwrap());
    let findings = syscall_findings::analyze(&build(&dir, "close_range_libc", &[]), &old).unwrap();
    syscall_error(&findings, "close_range");
}

use compat::version::Version;

#[test]
fn the_runtime_chosen_number_is_seen_but_not_guessed() {
    let dir = TempDir::new().unwrap();
    let data = build(&dir, "runtime_number", &[]);
    let (_, sites) = syscalls::sites(&data).unwrap().unwrap();
    assert!(sites.iter().all(|s| s.number != 447), "guessed a number: {sites:?}");
}

#[test]
fn wrapper_imports_need_their_kernel() {
    let dir = TempDir::new().unwrap();
    let findings = syscall_findings::analyze(&build(&dir, "wrapper_epoll_pwait2", &[]), &debian11()).unwrap();
    let f = findings.iter().find(|f| f.kind == FindingKind::SyscallWrapper).expect("wrapper finding");
    assert_eq!((f.severity, f.needs.as_deref()), (Severity::Error, Some("kernel 5.11")));
    assert_eq!(f.symbols, ["epoll_pwait2", "epoll_pwait2"]);
    // Statically linked, the wrapper's own syscall instruction is found instead.
    let findings =
        syscall_findings::analyze(&build(&dir, "wrapper_process_mrelease", &["-static"]), &debian11()).unwrap();
    syscall_error(&findings, "process_mrelease");
}

#[test]
fn glibc_internal_fallbacks_in_static_programs_are_notes() {
    let dir = TempDir::new().unwrap();
    let old = Profile::ad_hoc(Version::parse("2.17").unwrap(), Version::parse("3.10").unwrap());
    let findings = syscall_findings::analyze(&build(&dir, "getpid_asm", &["-static"]), &old).unwrap();
    let rseq = findings.iter().find(|f| f.symbols == ["rseq"]).expect("glibc registers rseq at start-up");
    assert_eq!(rseq.severity, Severity::Note, "{rseq:#?}");
    assert!(errors(&findings).is_empty(), "{findings:#?}");
}

#[test]
fn aarch64_svc_and_syscall_calls() {
    let Some(gcc) = common::aarch64_gcc() else { return };
    let dir = TempDir::new().unwrap();
    let source = dir.path().join("svc.c");
    std::fs::write(
        &source,
        r#"#include <unistd.h>
#include <sys/syscall.h>
long secret(void) {
    register long x8 __asm__("x8") = 447; register long x0 __asm__("x0") = 0;
    __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8) : "memory");
    return x0;
}
long pid(void) {
    register long x8 __asm__("x8") = 172; register long x0 __asm__("x0");
    __asm__ volatile("svc #0" : "=r"(x0) : "r"(x8) : "memory");
    return x0;
}
int main(int argc, char **argv) {
    volatile long chosen = argc;
    (void)argv;
    return (int)(secret() + pid() + syscall(441, 0, 0, 0, 0, 0, 0) + syscall(chosen) + syscall(SYS_getppid));
}
"#,
    )
    .unwrap();
    for flags in [&["-O2"][..], &["-O2", "-static"]] {
        let out = dir.path().join(if flags.len() == 1 { "svc" } else { "svc-static" });
        let status = Command::new(&gcc).args(flags).arg("-o").arg(&out).arg(&source).status().unwrap();
        assert!(status.success());
        let data = std::fs::read(&out).unwrap();
        let findings = syscall_findings::analyze(&data, &debian11()).unwrap();
        let secret = syscall_error(&findings, "memfd_secret");
        assert!(secret.locations.iter().any(|l| l.ends_with(" in secret")), "{secret:#?}");
        syscall_error(&findings, "epoll_pwait2");
        assert_eq!(errors(&findings).len(), 2, "{flags:?}: {findings:#?}");
        let (arch, sites) = syscalls::sites(&data).unwrap().unwrap();
        assert_eq!(arch.name(), "aarch64");
        for n in [172, 173] {
            assert!(sites.iter().any(|s| s.number == n), "{flags:?}: call {n} not seen in {sites:?}");
        }
    }
}

/// Corrupted programs (bytes flipped at random places, truncations) give
/// an error or findings, never a panic.
#[test]
fn hostile_input_never_panics() {
    let dir = TempDir::new().unwrap();
    let mut inputs = vec![build(&dir, "memfd_secret_libc", &[]), build(&dir, "probe_fallback", &["-static"])];
    if let Some(gcc) = common::aarch64_gcc() {
        let src = dir.path().join("a.c");
        std::fs::write(&src, "#include <unistd.h>\nint main(void) { return (int)syscall(447, 0); }\n").unwrap();
        let out = dir.path().join("a64");
        assert!(Command::new(gcc).arg("-o").arg(&out).arg(&src).status().unwrap().success());
        inputs.push(std::fs::read(out).unwrap());
    }
    let profile = debian11();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for original in &inputs {
        for round in 0..100 {
            let mut data = original.clone();
            if round % 10 == 0 {
                data.truncate((next() % data.len() as u64) as usize);
            }
            // Flip bytes mostly in the headers and tables, where they hurt most.
            for _ in 0..(1 + next() % 16) {
                let len = data.len().max(1) as u64;
                let at = (if next() % 2 == 0 { next() % len.min(4096) } else { next() % len }) as usize;
                if let Some(b) = data.get_mut(at) {
                    *b = next() as u8;
                }
            }
            let _ = syscall_findings::analyze(&data, &profile);
            let _ = syscalls::sites(&data);
        }
    }
}

/// The file offset of the value of the dynamic entry tagged `tag` in the
/// little-endian ELF64 image `data`.
fn dynamic_value_offset(data: &[u8], tag: u64) -> Option<usize> {
    use object::{Object, ObjectSection};
    let file = object::File::parse(data).ok()?;
    let (offset, size) = file.section_by_name(".dynamic")?.file_range()?;
    (offset as usize..(offset + size) as usize).step_by(16).find_map(|at| {
        let word = |at: usize| u64::from_le_bytes(data[at..at + 8].try_into().unwrap());
        (word(at) == tag).then_some(at + 8)
    })
}

#[test]
fn relocations_the_loader_applies_as_relative_never_bind_syscall() {
    // -fno-plt: the call goes through a GOT slot that a GLOB_DAT relocation
    // after the relative ones fills with syscall()'s address.
    let dir = TempDir::new().unwrap();
    let mut data = build(&dir, "memfd_secret_libc", &["-fno-plt"]);
    let count_at = dynamic_value_offset(&data, 0x6fff_fff9).expect("DT_RELACOUNT");
    let finds_memfd_secret = |data: &[u8]| syscalls::sites(data).unwrap().unwrap().1.iter().any(|s| s.number == 447);
    assert!(finds_memfd_secret(&data));
    // glibc's loader applies the first DT_RELACOUNT entries as relative
    // whatever their type: counted among them, the slot is never syscall().
    let entries = {
        use object::{Object, ObjectSection};
        object::File::parse(&*data).unwrap().section_by_name(".rela.dyn").unwrap().size() / 24
    };
    data[count_at..count_at + 8].copy_from_slice(&entries.to_le_bytes());
    assert!(!finds_memfd_secret(&data));
    // An absurd count is held to the table.
    data[count_at..count_at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(!finds_memfd_secret(&data));
}

//! Parser tests on programs compiled here with the system gcc, and on
//! broken input.

use std::{path::Path, process::Command};

use super::*;

/// Compiles C `source` with `flags` into `dir/name` and returns its bytes.
fn build(dir: &Path, name: &str, source: &str, flags: &[&str]) -> Vec<u8> {
    let src = dir.join(format!("{name}.c"));
    std::fs::write(&src, source).unwrap();
    let out = dir.join(name);
    let status = Command::new("gcc").arg("-o").arg(&out).arg(&src).args(flags).output().expect("run gcc");
    assert!(status.status.success(), "gcc failed: {}", String::from_utf8_lossy(&status.stderr));
    std::fs::read(out).unwrap()
}

const ARC4RANDOM: &str =
    "#include <stdlib.h>\n#include <stdio.h>\nint main(void){printf(\"%u\\n\", arc4random());return 0;}\n";

#[test]
fn reads_version_needs_with_their_symbols() {
    let dir = tempfile::tempdir().unwrap();
    let info = ElfInfo::parse(&build(dir.path(), "arc", ARC4RANDOM, &[])).unwrap();
    assert_eq!(info.arch, std::env::consts::ARCH);
    assert_eq!(info.kind, ElfKind::Executable);
    assert!(!info.is_static());
    assert!(info.interpreter.as_deref().is_some_and(|i| i.contains("ld-linux")), "{:?}", info.interpreter);
    assert!(info.needed.contains(&"libc.so.6".to_string()), "{:?}", info.needed);
    let libc = info.needs_from("libc.so.6");
    let arc = libc.iter().find(|v| v.name == "GLIBC_2.36").expect("GLIBC_2.36 needed");
    assert_eq!(arc.symbols, vec!["arc4random".to_string()]);
    assert!(!arc.weak);
    assert!(libc.iter().any(|v| v.symbols.contains(&"printf".to_string())), "{libc:?}");
    assert!(!info.has_relr);
}

#[test]
fn sees_packed_relative_relocations_and_their_marker() {
    let dir = tempfile::tempdir().unwrap();
    let src = "#include <stdio.h>\nstatic const char *t[] = {\"a\",\"b\",\"c\"};\nint main(int c, char **v){puts(t[c%3]);return 0;}\n";
    let info =
        ElfInfo::parse(&build(dir.path(), "relr", src, &["-pie", "-fPIE", "-Wl,-z,pack-relative-relocs"])).unwrap();
    assert!(info.has_relr);
    let marker = info.needs_from("libc.so.6").iter().find(|v| v.name == "GLIBC_ABI_DT_RELR").expect("marker");
    assert!(marker.symbols.is_empty());
}

#[test]
fn reads_soname_runpath_rpath_and_version_definitions() {
    let dir = tempfile::tempdir().unwrap();
    let map = dir.path().join("lib.map");
    std::fs::write(&map, "FOO_1.0 { global: foo_one; local: *; };\nFOO_2.0 { global: foo_two; } FOO_1.0;\n").unwrap();
    let src = "int foo_one(void){return 1;}\nint foo_two(void){return 2;}\n";
    let lib = build(
        dir.path(),
        "libfoo.so.1",
        src,
        &["-shared", "-fPIC", "-Wl,-soname,libfoo.so.1", &format!("-Wl,--version-script={}", map.display())],
    );
    let info = ElfInfo::parse(&lib).unwrap();
    assert_eq!(info.kind, ElfKind::SharedLibrary);
    assert_eq!(info.soname.as_deref(), Some("libfoo.so.1"));
    assert_eq!(info.version_defs, vec!["FOO_1.0".to_string(), "FOO_2.0".to_string()]);
    assert!(info.defines_version("FOO_2.0"));
    assert!(info.runpath.is_empty());

    let prog = "int foo_two(void);\nint main(void){return foo_two();}\n";
    let dirs = format!("-L{}", dir.path().display());
    std::fs::copy(dir.path().join("libfoo.so.1"), dir.path().join("libfoo.so")).unwrap();
    let with_runpath =
        build(dir.path(), "prog", prog, &[&dirs, "-lfoo", "-Wl,--enable-new-dtags,-rpath,$ORIGIN/../lib:/opt/x"]);
    let info = ElfInfo::parse(&with_runpath).unwrap();
    assert_eq!(info.runpath, vec!["$ORIGIN/../lib".to_string(), "/opt/x".to_string()]);
    assert!(info.rpath.is_empty());
    let foo = info.needs_from("libfoo.so.1");
    assert_eq!(foo.len(), 1, "{foo:?}");
    assert_eq!(foo[0].name, "FOO_2.0");
    assert_eq!(foo[0].symbols, vec!["foo_two".to_string()]);

    let with_rpath = build(dir.path(), "prog2", prog, &[&dirs, "-lfoo", "-Wl,--disable-new-dtags,-rpath,${ORIGIN}"]);
    let info = ElfInfo::parse(&with_rpath).unwrap();
    assert_eq!(info.rpath, vec!["${ORIGIN}".to_string()]);
    assert!(info.runpath.is_empty());

    // The resolver finds the library through the expanded $ORIGIN, and not without it.
    let search = resolve::SearchPath::for_file(&dir.path().join("prog2"), &info, &[], &[]);
    let found = search.resolve_all(&info);
    let foo = found.iter().find(|r| r.soname == "libfoo.so.1").expect("libfoo resolved");
    assert_eq!(foo.path.as_deref(), Some(dir.path().join("libfoo.so.1").as_path()));
    let elsewhere = resolve::SearchPath::for_file(Path::new("/nonexistent/prog2"), &info, &[], &[]);
    assert_eq!(elsewhere.find("libfoo.so.1", &info), None);
    // A library of another machine is passed over, as the loader does.
    let mut other = info.clone();
    other.machine = 183;
    assert_eq!(search.find("libfoo.so.1", &other), None);
}

#[test]
fn recognises_static_executables_and_their_abi_note() {
    let dir = tempfile::tempdir().unwrap();
    let src = "#include <stdio.h>\nint main(void){puts(\"hi\");return 0;}\n";
    let info = ElfInfo::parse(&build(dir.path(), "st", src, &["-static"])).unwrap();
    assert!(info.is_static(), "{info:?}");
    assert!(info.needed.is_empty());
    assert!(info.version_needs.is_empty());
    // glibc's static startup code carries NT_GNU_ABI_TAG (Linux 3.2.0 for current glibc).
    let kernel = info.abi_kernel.expect("ABI note");
    assert!(kernel >= Version::parse("2.6.32").unwrap() && kernel <= Version::parse("5.0").unwrap(), "{kernel}");
}

#[test]
fn non_elf_is_told_apart_from_malformed_elf() {
    assert_eq!(ElfInfo::parse(b""), Err(ParseError::NotElf));
    assert_eq!(ElfInfo::parse(b"#!/bin/sh\necho hi\n"), Err(ParseError::NotElf));
    assert!(matches!(ElfInfo::parse(b"\x7fELF"), Err(ParseError::Malformed(_))));
    let mut junk = b"\x7fELF\x02\x01\x01".to_vec();
    junk.extend(std::iter::repeat_n(0xffu8, 200));
    assert!(matches!(ElfInfo::parse(&junk), Err(ParseError::Malformed(_))));
    let err = ElfInfo::parse(b"\x7fELF\x09").unwrap_err().to_string();
    assert!(err.contains("unknown ELF class 9"), "{err}");
}

#[test]
fn every_truncation_and_header_corruption_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let data = build(dir.path(), "arc", ARC4RANDOM, &[]);
    // Every prefix: no panic, and anything shorter than the section headers at the end is an error.
    for len in (0..data.len()).step_by(97) {
        let _ = ElfInfo::parse(&data[..len]);
    }
    assert!(ElfInfo::parse(&data[..data.len() - 1]).is_err(), "section headers cut short must fail");
    // e_shoff (offset 0x28 in ELF64) pointed past the end; e_shnum (0x3c) huge.
    let mut bad_shoff = data.clone();
    bad_shoff[0x28..0x30].copy_from_slice(&(u64::MAX - 8).to_le_bytes());
    assert!(matches!(ElfInfo::parse(&bad_shoff), Err(ParseError::Malformed(_))));
    let mut huge_count = data.clone();
    huge_count[0x3c..0x3e].copy_from_slice(&0xfff0u16.to_le_bytes());
    assert!(matches!(ElfInfo::parse(&huge_count), Err(ParseError::Malformed(_))));
    // Flip bytes across the whole file: never a panic.
    for i in (0..data.len()).step_by(13) {
        let mut flipped = data.clone();
        flipped[i] ^= 0xff;
        let _ = ElfInfo::parse(&flipped);
    }
}

#[test]
fn repeated_version_records_cannot_blow_up_memory() {
    use object::{Object, ObjectSection};
    let dir = tempfile::tempdir().unwrap();
    let mut data = build(dir.path(), "arc", ARC4RANDOM, &[]);
    let file = object::File::parse(&*data).unwrap();
    let (offset, _) = file.section_by_name(".gnu.version_r").unwrap().file_range().unwrap();
    drop(file);
    // vn_cnt = 65535: the last record's vna_next is 0, so it would repeat 65535 times.
    let at = offset as usize + 2;
    data[at..at + 2].copy_from_slice(&0xffffu16.to_le_bytes());
    let err = ElfInfo::parse(&data).unwrap_err();
    assert!(err.to_string().contains("more entries than the file can hold"), "{err}");
}

#[test]
fn separate_debug_info_files_are_recognised() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path(), "arc", ARC4RANDOM, &["-g"]);
    let debug = dir.path().join("arc.debug");
    let status = Command::new("objcopy").arg("--only-keep-debug").arg(dir.path().join("arc")).arg(&debug).status();
    assert!(status.expect("run objcopy").success());
    let info = ElfInfo::parse(&std::fs::read(&debug).unwrap()).unwrap();
    assert_eq!(info.kind, ElfKind::DebugInfo);
    assert!(info.needed.is_empty() && info.version_needs.is_empty());
}

#[test]
fn symbols_are_collected_only_for_the_versions_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let data = build(dir.path(), "arc", ARC4RANDOM, &[]);
    let all = ElfInfo::parse(&data).unwrap();
    let some = ElfInfo::parse_with_symbols_for(&data, |lib, v| lib == "libc.so.6" && v == "GLIBC_2.36").unwrap();
    for (a, s) in all.needs_from("libc.so.6").iter().zip(some.needs_from("libc.so.6")) {
        assert_eq!(a.name, s.name);
        if s.name == "GLIBC_2.36" {
            assert_eq!(s.symbols, vec!["arc4random".to_string()]);
        } else {
            assert!(s.symbols.is_empty() && !a.symbols.is_empty(), "{a:?} / {s:?}");
        }
    }
}

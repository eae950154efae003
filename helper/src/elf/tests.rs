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
    assert_eq!(arc.symbols.iter().collect::<Vec<_>>(), ["arc4random"]);
    assert!(!arc.weak);
    assert!(libc.iter().any(|v| v.symbols.contains("printf")), "{libc:?}");
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
    assert_eq!(foo[0].symbols.iter().collect::<Vec<_>>(), ["foo_two"]);

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
fn the_need_count_is_ignored_as_the_loader_ignores_it() {
    use object::{Object, ObjectSection};
    let dir = tempfile::tempdir().unwrap();
    let mut data = build(dir.path(), "arc", ARC4RANDOM, &[]);
    let original = ElfInfo::parse(&data).unwrap();
    let file = object::File::parse(&*data).unwrap();
    let (offset, _) = file.section_by_name(".gnu.version_r").unwrap().file_range().unwrap();
    drop(file);
    // vn_cnt = 65535 and 0: glibc follows vna_next until 0 and never reads vn_cnt.
    let at = offset as usize + 2;
    for count in [0xffffu16, 0] {
        data[at..at + 2].copy_from_slice(&count.to_le_bytes());
        assert_eq!(ElfInfo::parse(&data).unwrap(), original, "vn_cnt {count}");
    }
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
            assert_eq!(s.symbols.iter().collect::<Vec<_>>(), ["arc4random"]);
        } else {
            assert!(s.symbols.is_empty() && !a.symbols.is_empty(), "{a:?} / {s:?}");
        }
    }
}

/// `data` with e_shoff, e_shnum and e_shstrndx set to 0, as a file stripped
/// of its section headers: the kernel and the loader never read them, so it
/// still runs.
fn without_section_headers(data: &[u8]) -> Vec<u8> {
    let mut out = data.to_vec();
    let ranges: [std::ops::Range<usize>; 3] = match data[4] {
        2 => [0x28..0x30, 0x3c..0x3e, 0x3e..0x40],
        _ => [0x20..0x24, 0x30..0x32, 0x32..0x34],
    };
    for range in ranges {
        out[range].fill(0);
    }
    out
}

/// The system's copy of `name` as gcc links it (libc.so.6, libstdc++.so.6, ...).
fn system_library(name: &str) -> std::path::PathBuf {
    let out = Command::new("gcc").arg(format!("-print-file-name={name}")).output().expect("run gcc");
    let path = std::path::PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    assert!(path.is_absolute(), "gcc does not know {name}: {}", path.display());
    path.canonicalize().unwrap()
}

#[test]
fn version_needs_are_read_without_section_headers_as_the_loader_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    let arc = build(dir.path(), "arc", ARC4RANDOM, &[]);
    let stripped = without_section_headers(&arc);
    assert!(ElfInfo::parse_from_sections(&stripped).unwrap().version_needs.is_empty(), "the old reading saw nothing");
    let info = ElfInfo::parse(&stripped).unwrap();
    let need = info.needs_from("libc.so.6").iter().find(|v| v.name == "GLIBC_2.36").expect("GLIBC_2.36 needed");
    assert_eq!(need.symbols.iter().collect::<Vec<_>>(), ["arc4random"]);
    assert_eq!(info, ElfInfo::parse(&arc).unwrap(), "the same facts with and without section headers");

    // The same for a PIE with DT_RELR, a library with version definitions and
    // programs with RUNPATH and RPATH, and the system's own libraries.
    let map = dir.path().join("lib.map");
    std::fs::write(&map, "FOO_1.0 { global: foo_one; local: *; };\nFOO_2.0 { global: foo_two; } FOO_1.0;\n").unwrap();
    let mut files = vec![
        build(dir.path(), "relr", ARC4RANDOM, &["-pie", "-fPIE", "-Wl,-z,pack-relative-relocs"]),
        build(
            dir.path(),
            "libfoo.so.1",
            "int foo_one(void){return 1;}\nint foo_two(void){return 2;}\n",
            &["-shared", "-fPIC", "-Wl,-soname,libfoo.so.1", &format!("-Wl,--version-script={}", map.display())],
        ),
        // Only a SysV hash table (DT_HASH) to count the symbols by.
        build(dir.path(), "sysv", ARC4RANDOM, &["-Wl,--hash-style=sysv"]),
    ];
    let dirs = format!("-L{}", dir.path().display());
    std::fs::copy(dir.path().join("libfoo.so.1"), dir.path().join("libfoo.so")).unwrap();
    let prog = "int foo_two(void);\nint main(void){return foo_two();}\n";
    files.push(build(dir.path(), "runpath", prog, &[&dirs, "-lfoo", "-Wl,--enable-new-dtags,-rpath,$ORIGIN/x:/y"]));
    files.push(build(dir.path(), "rpath", prog, &[&dirs, "-lfoo", "-Wl,--disable-new-dtags,-rpath,/z"]));
    for lib in ["libc.so.6", "libm.so.6", "libstdc++.so.6", "libgcc_s.so.1"] {
        files.push(std::fs::read(system_library(lib)).unwrap());
    }
    for data in &files {
        let full = ElfInfo::parse(data).unwrap();
        assert!(!full.version_needs.is_empty() || !full.version_defs.is_empty(), "{full:?}");
        assert_eq!(ElfInfo::parse(&without_section_headers(data)).unwrap(), full);
        assert_eq!(ElfInfo::parse_from_sections(data).unwrap(), full, "dynamic segment and sections disagree");
    }
    let sysv = ElfInfo::parse(&without_section_headers(&files[2])).unwrap();
    assert!(sysv.needs_from("libc.so.6").iter().any(|v| v.symbols.iter().eq(["arc4random"])), "{sysv:?}");
}

/// `info` without the symbols bound to each needed version (which, without
/// section headers, only the hash tables count).
fn without_symbols(info: &ElfInfo) -> ElfInfo {
    let mut info = info.clone();
    for need in &mut info.version_needs {
        for version in &mut need.versions {
            version.symbols.clear();
        }
    }
    info
}

/// Every ELF file next to the system's libc (a few hundred real libraries):
/// what the dynamic segment says equals what the section headers say.
#[test]
fn dynamic_segment_and_section_headers_agree_on_the_system_libraries() {
    let libdir = system_library("libc.so.6").parent().unwrap().to_path_buf();
    let mut compared = 0;
    for entry in std::fs::read_dir(&libdir).unwrap() {
        let path = entry.unwrap().path();
        if !std::fs::symlink_metadata(&path).unwrap().is_file() {
            continue;
        }
        let Ok(Some(data)) = file::map_if_elf(&path) else { continue };
        let Ok(loader) = ElfInfo::parse(&data) else { continue };
        let sections = ElfInfo::parse_from_sections(&data).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(loader, sections, "{}", path.display());
        if !loader.has_dynamic {
            continue; // object files (crt1.o, ...): only sections describe them
        }
        let stripped = ElfInfo::parse(&without_section_headers(&data));
        assert_eq!(stripped.as_ref().map(without_symbols), Ok(without_symbols(&loader)), "{}", path.display());
        compared += 1;
    }
    assert!(compared >= 20, "only {compared} ELF files in {}", libdir.display());
}

/// Finds the program header of type `p_type` in an ELF64 little-endian file:
/// its offset in the file.
fn program_header(data: &[u8], p_type: u32) -> Option<usize> {
    let phoff = u64::from_le_bytes(data[0x20..0x28].try_into().unwrap()) as usize;
    let phentsize = u16::from_le_bytes(data[0x36..0x38].try_into().unwrap()) as usize;
    let phnum = u16::from_le_bytes(data[0x38..0x3a].try_into().unwrap()) as usize;
    (0..phnum)
        .map(|i| phoff + i * phentsize)
        .find(|&at| u32::from_le_bytes(data[at..at + 4].try_into().unwrap()) == p_type)
}

fn read_u64(data: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(data[at..at + 8].try_into().unwrap())
}

#[test]
fn an_unreadable_dynamic_segment_is_an_error_not_an_empty_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = without_section_headers(&build(dir.path(), "arc", ARC4RANDOM, &[]));
    let dynamic = program_header(&data, 2).expect("PT_DYNAMIC");
    let malformed = |data: &[u8], what: &str| match ElfInfo::parse(data) {
        Err(ParseError::Malformed(why)) => assert!(why.contains(what), "{why}"),
        other => panic!("{what}: {other:?}"),
    };

    // PT_DYNAMIC's address outside every loaded segment.
    let mut bad = data.clone();
    bad[dynamic + 16..dynamic + 24].copy_from_slice(&0x7fff_0000_0000u64.to_le_bytes());
    malformed(&bad, "PT_DYNAMIC");
    // PT_DYNAMIC larger than its segment's file part.
    let mut bad = data.clone();
    bad[dynamic + 32..dynamic + 40].copy_from_slice(&0x1000_0000u64.to_le_bytes());
    malformed(&bad, "PT_DYNAMIC");

    // DT_VERNEED and DT_STRTAB pointing nowhere.
    let table = read_u64(&data, dynamic + 8) as usize;
    for (tag, name) in [(0x6fff_fffeu64, "DT_VERNEED"), (5, "DT_STRTAB"), (0x6fff_fff0, "DT_VERSYM")] {
        let at = (0..).map(|i| table + i * 16).find(|&at| read_u64(&data, at) == tag).expect(name);
        let mut bad = data.clone();
        bad[at + 8..at + 16].copy_from_slice(&0x7fff_dead_0000u64.to_le_bytes());
        malformed(&bad, name);
    }

    // Cut short anywhere: either an error, or (cut after every loaded byte)
    // the need is still seen. Never a file that seems to need nothing.
    for len in (0..data.len()).step_by(41) {
        if let Ok(info) = ElfInfo::parse(&data[..len]) {
            assert!(info.needs_from("libc.so.6").iter().any(|v| v.name == "GLIBC_2.36"), "cut at {len}: {info:?}");
        }
    }
    // Any byte flipped: no panic.
    for i in (0..data.len()).step_by(7) {
        let mut flipped = data.clone();
        flipped[i] ^= 0xff;
        let _ = ElfInfo::parse(&flipped);
    }
}

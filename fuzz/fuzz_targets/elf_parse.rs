//! Fuzzes the parser path of `compat scan`: ELF bytes -> ElfInfo, then what
//! scan does with the parsed names (version node classification, library
//! search path construction). Each input is parsed twice: as given, and with
//! its section headers dropped from the ELF header (e_shoff, e_shnum,
//! e_shstrndx 0), so the dynamic-segment reading runs on every input whether
//! or not the section table parses. Any panic, or memory beyond libFuzzer's
//! -rss_limit_mb, is a bug.
#![no_main]

use std::path::Path;

use compat::{
    elf::{resolve::SearchPath, ElfInfo},
    scan::requirement::requirement,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    check(data);
    if data.len() >= 0x40 && data.starts_with(b"\x7fELF") {
        let mut sectionless = data.to_vec();
        let ranges = if data[4] == 2 { [0x28..0x30, 0x3c..0x40] } else { [0x20..0x24, 0x30..0x34] };
        for range in ranges {
            sectionless[range].fill(0);
        }
        check(&sectionless);
    }
});

fn check(data: &[u8]) {
    let Ok(info) = ElfInfo::parse(data) else { return };
    let _ = info.is_static();
    for need in &info.version_needs {
        for version in &need.versions {
            let _ = requirement(&version.name);
        }
    }
    for def in &info.version_defs {
        let _ = requirement(def);
    }
    let search = SearchPath::for_file(Path::new("/nonexistent/fuzz/bin/prog"), &info, &[], &[]);
    let _ = search.dirs.len();
}

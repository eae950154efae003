//! Fuzzes the parser path of `compat scan`: ELF bytes -> ElfInfo, then what
//! scan does with the parsed names (version node classification, library
//! search path construction). Any panic, or memory beyond libFuzzer's
//! -rss_limit_mb, is a bug.
#![no_main]

use std::path::Path;

use compat::{
    elf::{resolve::SearchPath, ElfInfo},
    scan::requirement::requirement,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
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
});

//! Embeds every `profiles/*.json` target description into the binary, so
//! `compat` knows its targets without the repository beside it.

use std::{env, fs, path::PathBuf};

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let dir = manifest.join("..").join("profiles");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut entries: Vec<(String, PathBuf)> = Vec::new();
    if let Ok(read) = fs::read_dir(&dir) {
        for entry in read.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "json") {
                println!("cargo:rerun-if-changed={}", path.display());
                let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                entries.push((stem, path.canonicalize().unwrap_or(path)));
            }
        }
    }
    entries.sort();
    let mut out = String::from("/// (file stem, JSON text) of every file in profiles/, sorted by name.\npub static EMBEDDED: &[(&str, &str)] = &[\n");
    for (stem, path) in &entries {
        out.push_str(&format!("    ({stem:?}, include_str!({:?})),\n", path.display().to_string()));
    }
    out.push_str("];\n");
    let dest = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded_profiles.rs");
    fs::write(dest, out).expect("write embedded_profiles.rs");
}

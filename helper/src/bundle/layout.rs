//! Where things go in a bundle, and how files in it refer to each other:
//! only by paths relative to themselves, so the bundle can be unpacked anywhere.

use std::path::{Component, Path, PathBuf};

use crate::arch::Arch;

/// Executables given as single files.
pub(crate) const BIN_DIR: &str = "bin";
/// Vendored libraries (named by the NEEDED name the loader looks for) and
/// shared libraries given as single files.
pub(crate) const LIB_DIR: &str = "lib";
/// The manifest at the bundle's root.
pub(crate) const MANIFEST: &str = "compat-manifest.json";

/// The program interpreter every glibc distribution has at this path, for
/// the architecture called `arch` (see [`Arch::bundle_interpreter`]).
pub(crate) fn standard_interpreter(arch: &str) -> Option<&'static str> {
    Arch::from_name(arch).and_then(Arch::bundle_interpreter)
}

/// The path from directory `from_dir` to `to`, both relative to the bundle
/// root: "lib" from "bin" is "../lib"; the same dir is "".
pub(crate) fn relative(from_dir: &Path, to: &Path) -> PathBuf {
    let from: Vec<Component> = from_dir.components().filter(|c| matches!(c, Component::Normal(_))).collect();
    let to_parts: Vec<Component> = to.components().filter(|c| matches!(c, Component::Normal(_))).collect();
    let common = from.iter().zip(&to_parts).take_while(|(a, b)| a == b).count();
    let mut rel = PathBuf::new();
    for _ in common..from.len() {
        rel.push("..");
    }
    for part in &to_parts[common..] {
        rel.push(part);
    }
    rel
}

/// The RUNPATH entry by which the file at `file` finds libraries in `dir`
/// (both relative to the bundle root): "$ORIGIN" or "$ORIGIN/../lib".
pub(crate) fn origin_entry(file: &Path, dir: &Path) -> String {
    let here = file.parent().unwrap_or(Path::new(""));
    let rel = relative(here, dir);
    if rel.as_os_str().is_empty() {
        "$ORIGIN".to_string()
    } else {
        format!("$ORIGIN/{}", rel.display())
    }
}

/// Lexically normalizes a path: removes "." and folds "..". `None` when it
/// climbs above its start.
pub(crate) fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            other => out.push(other),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_between_bundle_dirs() {
        assert_eq!(relative(Path::new("bin"), Path::new("lib")), PathBuf::from("../lib"));
        assert_eq!(relative(Path::new("lib"), Path::new("lib")), PathBuf::new());
        assert_eq!(relative(Path::new("libexec/foo/x"), Path::new("lib")), PathBuf::from("../../../lib"));
        assert_eq!(relative(Path::new(""), Path::new("lib/x")), PathBuf::from("lib/x"));
        assert_eq!(relative(Path::new("bin"), Path::new("bin/.foo-wrapped")), PathBuf::from(".foo-wrapped"));
    }

    #[test]
    fn origin_entries() {
        assert_eq!(origin_entry(Path::new("bin/prog"), Path::new("lib")), "$ORIGIN/../lib");
        assert_eq!(origin_entry(Path::new("lib/libz.so.1"), Path::new("lib")), "$ORIGIN");
        assert_eq!(origin_entry(Path::new("prog"), Path::new("lib")), "$ORIGIN/lib");
    }

    #[test]
    fn normalize_folds_dots() {
        assert_eq!(normalize(Path::new("a/./b/../c")), Some(PathBuf::from("a/c")));
        assert_eq!(normalize(Path::new("../x")), None);
    }

    #[test]
    fn interpreters_per_arch() {
        assert_eq!(standard_interpreter("x86_64"), Some("/lib64/ld-linux-x86-64.so.2"));
        assert_eq!(standard_interpreter("aarch64"), Some("/lib/ld-linux-aarch64.so.1"));
        assert_eq!(standard_interpreter("riscv64"), None);
    }
}

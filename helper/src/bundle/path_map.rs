//! Which absolute paths of the inputs (store paths, vendored library files)
//! became which paths in the bundle: used to rewrite references to them.

use std::path::{Path, PathBuf};

/// Absolute source path (or directory) -> bundle-relative path.
#[derive(Debug, Default)]
pub(crate) struct PathMap {
    entries: Vec<(PathBuf, PathBuf)>,
}

impl PathMap {
    /// Records that `source` (a file or a directory) is at `dest` in the bundle.
    pub(crate) fn insert(&mut self, source: &Path, dest: &Path) {
        if !self.entries.iter().any(|(s, _)| s == source) {
            self.entries.push((source.to_path_buf(), dest.to_path_buf()));
        }
    }

    /// The bundle path of the absolute path `reference`, through the longest
    /// recorded prefix.
    pub(crate) fn lookup(&self, reference: &str) -> Option<PathBuf> {
        let reference = Path::new(reference);
        self.entries
            .iter()
            .filter_map(|(source, dest)| {
                let rest = reference.strip_prefix(source).ok()?;
                // Joining "" would add a trailing slash, which a file path must not have.
                Some((source, if rest.as_os_str().is_empty() { dest.clone() } else { dest.join(rest) }))
            })
            .max_by_key(|(source, _)| source.as_os_str().len())
            .map(|(_, dest)| dest)
    }

    /// The recorded source paths as strings, longest first (the order to try them in text).
    pub(crate) fn prefixes(&self) -> Vec<String> {
        let mut prefixes: Vec<String> = self.entries.iter().map(|(s, _)| s.to_string_lossy().into_owned()).collect();
        prefixes.sort_by_key(|p| std::cmp::Reverse(p.len()));
        prefixes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_prefix_wins() {
        let mut map = PathMap::default();
        map.insert(Path::new("/nix/store/a-foo"), Path::new(""));
        map.insert(Path::new("/nix/store/a-foo/lib/libz.so.1"), Path::new("lib/libz.so.1"));
        map.insert(Path::new("/nix/store/b-zlib/lib/libz.so.1.3"), Path::new("lib/libz.so.1"));
        assert_eq!(map.lookup("/nix/store/a-foo/bin/.foo-wrapped"), Some(PathBuf::from("bin/.foo-wrapped")));
        assert_eq!(map.lookup("/nix/store/b-zlib/lib/libz.so.1.3"), Some(PathBuf::from("lib/libz.so.1")));
        assert_eq!(map.lookup("/nix/store/a-foobar/bin/x"), None, "components, not string prefixes");
        assert_eq!(map.lookup("/nix/store/a-foo"), Some(PathBuf::from("")));
        let file = map.lookup("/nix/store/b-zlib/lib/libz.so.1.3").unwrap();
        assert!(!file.as_os_str().to_string_lossy().ends_with('/'), "{}", file.display());
        assert_eq!(map.prefixes()[0], "/nix/store/b-zlib/lib/libz.so.1.3");
    }
}

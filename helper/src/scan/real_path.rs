//! Real paths of scanned files without resolving every component of every
//! file: a directory's real path is resolved once and shared by its files;
//! only files that are symlinks themselves are resolved in full.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::Mutex,
};

#[derive(Default)]
pub(crate) struct RealPaths {
    dirs: Mutex<HashMap<PathBuf, Option<PathBuf>>>,
}

impl RealPaths {
    /// The real path of `path`; `symlink` when its last component is a symlink.
    /// Falls back to `path` itself when it cannot be resolved.
    pub(crate) fn of(&self, path: &Path, symlink: bool) -> PathBuf {
        let resolved = match (symlink, path.parent(), path.file_name()) {
            (false, Some(parent), Some(name)) => self.dir(parent).map(|dir| dir.join(name)),
            _ => path.canonicalize().ok(),
        };
        resolved.unwrap_or_else(|| path.to_path_buf())
    }

    fn dir(&self, dir: &Path) -> Option<PathBuf> {
        let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
        if let Some(hit) = self.dirs.lock().unwrap_or_else(|p| p.into_inner()).get(dir) {
            return hit.clone();
        }
        let real = dir.canonicalize().ok();
        self.dirs.lock().unwrap_or_else(|p| p.into_inner()).insert(dir.to_path_buf(), real.clone());
        real
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::symlink;

    use super::*;

    #[test]
    fn resolves_directories_once_and_symlinked_files_in_full() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().canonicalize().unwrap();
        std::fs::create_dir(real.join("d")).unwrap();
        std::fs::write(real.join("d/f"), b"x").unwrap();
        symlink(real.join("d"), real.join("link-dir")).unwrap();
        symlink(real.join("d/f"), real.join("link-file")).unwrap();
        let paths = RealPaths::default();
        assert_eq!(paths.of(&real.join("link-dir/f"), false), real.join("d/f"));
        assert_eq!(paths.of(&real.join("link-file"), true), real.join("d/f"));
    }
}

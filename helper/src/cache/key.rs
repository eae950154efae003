//! What a cache entry is valid for: a file in the Nix store by its path
//! alone (store paths never change once built), any other file by device,
//! inode, size, modification and change time.

use std::{io, os::unix::fs::MetadataExt, path::Path};

use serde::{Deserialize, Serialize};

/// The part of the file system an entry's facts hold for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "kebab-case")]
pub(crate) enum Key {
    /// A file under /nix/store, known by its real path.
    StorePath,
    /// Any other file, as `stat` saw it just before it was read.
    Stat { dev: u64, ino: u64, size: u64, mtime: i64, mtime_nsec: i64, ctime: i64, ctime_nsec: i64 },
}

impl Key {
    /// The key of the file at real path `real` (stat'ed unless it is in the store).
    pub(crate) fn of(real: &Path) -> io::Result<Key> {
        if is_store_path(real) {
            return Ok(Key::StorePath);
        }
        let meta = std::fs::metadata(real)?;
        Ok(Key::Stat {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.size(),
            mtime: meta.mtime(),
            mtime_nsec: meta.mtime_nsec(),
            ctime: meta.ctime(),
            ctime_nsec: meta.ctime_nsec(),
        })
    }
}

/// True for a file inside a store path (`/nix/store/<hash>-<name>/...`).
pub(crate) fn is_store_path(real: &Path) -> bool {
    real.strip_prefix("/nix/store").is_ok_and(|rest| rest.components().count() >= 2)
}

/// FNV-1a, 64 bits: where an entry lives. Not a defence against anyone:
/// the entry names its path, and a collision is only a miss.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_files_are_keyed_by_path_and_others_by_stat() {
        assert_eq!(Key::of(Path::new("/nix/store/abc-hello/bin/hello")).unwrap(), Key::StorePath);
        assert!(!is_store_path(Path::new("/nix/store/abc-hello")), "a store path itself is no file in one");
        assert!(!is_store_path(Path::new("/nix/storex/a/b")));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, b"one").unwrap();
        let before = Key::of(&file).unwrap();
        assert!(matches!(before, Key::Stat { size: 3, .. }));
        std::fs::write(&file, b"two!").unwrap();
        assert_ne!(Key::of(&file).unwrap(), before);
        assert!(Key::of(&dir.path().join("missing")).is_err());
        assert_ne!(fnv1a(b"/usr/bin/ls"), fnv1a(b"/usr/bin/lt"));
    }
}

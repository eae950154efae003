//! The fact cache: what a scan learned about a file that does not depend on
//! the target, kept on disk so the file need not be read again.
//!
//! Entries live under `$XDG_CACHE_HOME/compat/scan-facts` (else
//! `~/.cache/compat/scan-facts`), one file per scanned file, named by a
//! hash of the file's real path. A file in /nix/store is known by its path
//! (store paths never change once built); any other by device, inode, size,
//! modification and change time ([`key`]). Every entry names the compat
//! that wrote it, the path and the key ([`entry`]): an entry that does not
//! match, or does not parse, is ignored and written again, never trusted.
//! Entries are written to a temporary file and renamed into place, so a
//! reader sees a whole entry or none, and scans running at once leave a
//! valid cache. The cache knows nothing of what it stores: callers give a
//! serde type and a `writer` string that changes whenever its meaning does.

pub mod entry;
pub mod key;

use std::{
    fs, io,
    path::{Path, PathBuf},
    sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
};

use serde::{de::DeserializeOwned, Serialize};

pub use key::Key;

/// The directory name under `$XDG_CACHE_HOME/compat`.
pub const DIR_NAME: &str = "scan-facts";

/// The cache directory the environment gives: `$XDG_CACHE_HOME/compat/scan-facts`,
/// else `$HOME/.cache/compat/scan-facts`; `None` when neither is set.
pub fn default_dir() -> Option<PathBuf> {
    let base = match std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME").filter(|v| !v.is_empty())?).join(".cache"),
    };
    Some(base.join("compat").join(DIR_NAME))
}

/// Counts over one run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Entries used.
    pub hits: usize,
    /// Files with no entry.
    pub misses: usize,
    /// Entries ignored: corrupt, foreign, or for a changed file.
    pub refused: usize,
    /// Entries written.
    pub written: usize,
    /// Entries that could not be written (full disk, read-only cache).
    pub write_errors: usize,
}

/// What [`Cache::load`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup<T> {
    Hit(T),
    /// No entry.
    Missing,
    /// An entry that is not used: corrupt, foreign, or for a changed file.
    Refused,
}

impl<T> Lookup<T> {
    pub fn hit(self) -> Option<T> {
        match self {
            Lookup::Hit(value) => Some(value),
            _ => None,
        }
    }
}

/// A fact cache rooted at one directory.
pub struct Cache {
    root: PathBuf,
    writer: String,
    hits: AtomicUsize,
    misses: AtomicUsize,
    refused: AtomicUsize,
    written: AtomicUsize,
    write_errors: AtomicUsize,
    temp_counter: AtomicU64,
    /// Which of the 256 entry directories this cache made (or found) already.
    made: [AtomicBool; 256],
}

impl Cache {
    /// A cache at `root` whose entries are valid for `writer` only.
    pub fn new(root: PathBuf, writer: String) -> Cache {
        Cache {
            root,
            writer,
            hits: AtomicUsize::new(0),
            misses: AtomicUsize::new(0),
            refused: AtomicUsize::new(0),
            written: AtomicUsize::new(0),
            write_errors: AtomicUsize::new(0),
            temp_counter: AtomicU64::new(0),
            made: [const { AtomicBool::new(false) }; 256],
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the entry of the file at real path `real` lives.
    pub fn entry_path(&self, real: &Path) -> PathBuf {
        let hash = format!("{:016x}", key::fnv1a(real.as_os_str().as_encoded_bytes()));
        self.root.join(&hash[..2]).join(&hash[2..])
    }

    /// The facts kept for the file at real path `real` in state `key`, if a
    /// valid entry holds them. Refused entries are counted here; the caller
    /// tells a hit it used ([`Cache::used`]) and a miss ([`Cache::missed`])
    /// once it knows the file is one it would have cached.
    pub fn load<T: DeserializeOwned>(&self, real: &Path, key: &Key) -> Lookup<T> {
        thread_local! {
            // Reused: fs::read would stat the entry and allocate for each.
            static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        BUFFER.with(|buffer| {
            let mut bytes = buffer.borrow_mut();
            bytes.clear();
            let read =
                fs::File::open(self.entry_path(real)).and_then(|mut f| io::Read::read_to_end(&mut f, &mut bytes));
            if read.is_err() {
                return Lookup::Missing;
            }
            self.decode(&bytes, real, key)
        })
    }

    fn decode<T: DeserializeOwned>(&self, bytes: &[u8], real: &Path, key: &Key) -> Lookup<T> {
        match entry::decode(bytes, &self.writer, real, key) {
            Ok(value) => Lookup::Hit(value),
            Err(_) => {
                self.refused.fetch_add(1, Ordering::Relaxed);
                Lookup::Refused
            }
        }
    }

    /// Counts an entry used instead of reading its file.
    pub fn used(&self) {
        self.hits.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a file that had no entry.
    pub fn missed(&self) {
        self.misses.fetch_add(1, Ordering::Relaxed);
    }

    /// Keeps `value` for the file at real path `real` in state `key`. A
    /// failure to write is counted, never an error of the scan.
    pub fn store<T: Serialize>(&self, real: &Path, key: &Key, value: &T) {
        match self.try_store(real, key, value) {
            Ok(()) => self.written.fetch_add(1, Ordering::Relaxed),
            Err(_) => self.write_errors.fetch_add(1, Ordering::Relaxed),
        };
    }

    fn try_store<T: Serialize>(&self, real: &Path, key: &Key, value: &T) -> io::Result<()> {
        let bytes = entry::encode(&self.writer, real, key, value).map_err(io::Error::other)?;
        self.write_entry(&self.entry_path(real), &bytes)
    }

    fn write_entry(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        let dir = path.parent().unwrap_or(&self.root);
        // One mkdir per directory and run, not one per entry.
        let slot = dir.file_name().and_then(|n| n.to_str()).and_then(|n| u8::from_str_radix(n, 16).ok());
        let made = slot.is_some_and(|i| self.made[usize::from(i)].load(Ordering::Relaxed));
        if !made {
            fs::create_dir_all(dir)?;
            if let Some(i) = slot {
                self.made[usize::from(i)].store(true, Ordering::Relaxed);
            }
        }
        // Unique per process and write: concurrent writers never share a temp file.
        let temp =
            dir.join(format!(".tmp.{}.{}", std::process::id(), self.temp_counter.fetch_add(1, Ordering::Relaxed)));
        if let Err(err) = fs::write(&temp, bytes).and_then(|()| fs::rename(&temp, path)) {
            let _ = fs::remove_file(&temp);
            if let Some(i) = slot {
                // The directory may have been removed under us: make it again next time.
                self.made[usize::from(i)].store(false, Ordering::Relaxed);
            }
            return Err(err);
        }
        Ok(())
    }

    pub fn stats(&self) -> Stats {
        Stats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            refused: self.refused.load(Ordering::Relaxed),
            written: self.written.load(Ordering::Relaxed),
            write_errors: self.write_errors.load(Ordering::Relaxed),
        }
    }
}

/// What a cache directory holds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Info {
    /// Entry files.
    pub entries: usize,
    /// Whole entries of this compat.
    pub valid: usize,
    /// Entries of another compat (ignored, rewritten when their file is scanned).
    pub foreign: usize,
    /// Truncated or corrupt entries, and leftover temporary files.
    pub corrupt: usize,
    pub bytes: u64,
}

/// Looks at every entry under `root` (none when it does not exist).
pub fn info(root: &Path, writer: &str) -> io::Result<Info> {
    let mut info = Info::default();
    for file in files(root)? {
        let bytes = fs::read(&file)?;
        info.entries += 1;
        info.bytes += bytes.len() as u64;
        let temp = file.file_name().is_some_and(|n| n.to_string_lossy().starts_with(".tmp."));
        match entry::check(&bytes, writer) {
            Ok(()) if !temp => info.valid += 1,
            Err(entry::Refused::Foreign) if !temp => info.foreign += 1,
            _ => info.corrupt += 1,
        }
    }
    Ok(info)
}

/// Removes the cache directory `root` and everything in it; returns the
/// number of files removed (0 when there was no cache).
pub fn clean(root: &Path) -> io::Result<usize> {
    let count = files(root)?.len();
    match fs::remove_dir_all(root) {
        Err(err) if err.kind() != io::ErrorKind::NotFound => Err(err),
        _ => Ok(count),
    }
}

/// Every file in the two levels of `root`.
fn files(root: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let top = match fs::read_dir(root) {
        Ok(top) => top,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(out),
        Err(err) => return Err(err),
    };
    for dir in top {
        let dir = dir?;
        if !dir.file_type()?.is_dir() {
            out.push(dir.path());
            continue;
        }
        for file in fs::read_dir(dir.path())? {
            out.push(file?.path());
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_loads_refuses_and_cleans() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("c");
        let file = dir.path().join("f");
        fs::write(&file, b"x").unwrap();
        let key = Key::of(&file).unwrap();
        let cache = Cache::new(root.clone(), "w1".into());
        assert_eq!(cache.load::<String>(&file, &key), Lookup::Missing);
        cache.store(&file, &key, &"facts".to_string());
        assert_eq!(cache.load::<String>(&file, &key).hit().as_deref(), Some("facts"));
        cache.used();
        // Another writer's cache turns the entry away.
        assert_eq!(Cache::new(root.clone(), "w2".into()).load::<String>(&file, &key), Lookup::Refused);
        let stats = cache.stats();
        assert_eq!((stats.hits, stats.refused, stats.written), (1, 0, 1));
        assert_eq!(info(&root, "w1").unwrap().valid, 1);
        assert_eq!(info(&root, "w2").unwrap().foreign, 1);
        // A truncated entry is refused, and counted as corrupt.
        let entry = cache.entry_path(&file);
        let bytes = fs::read(&entry).unwrap();
        fs::write(&entry, &bytes[..bytes.len() - 2]).unwrap();
        assert_eq!(cache.load::<String>(&file, &key), Lookup::Refused);
        assert_eq!(cache.stats().refused, 1);
        assert_eq!(info(&root, "w1").unwrap().corrupt, 1);
        assert_eq!(clean(&root).unwrap(), 1);
        assert!(!root.exists());
        assert_eq!(clean(&root).unwrap(), 0);
    }

    #[test]
    fn the_default_dir_follows_xdg_cache_home() {
        // Read only: the variables are whatever the test runner has.
        if let Some(xdg) = std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
            assert_eq!(default_dir(), Some(PathBuf::from(xdg).join("compat").join(DIR_NAME)));
        } else if let Some(home) = std::env::var_os("HOME").filter(|v| !v.is_empty()) {
            assert_eq!(default_dir(), Some(PathBuf::from(home).join(".cache/compat").join(DIR_NAME)));
        }
    }
}

//! The fact cache: what a scan learned about a file that does not depend on
//! the target, kept on disk so the file need not be read again.
//!
//! Entries live under `$XDG_CACHE_HOME/compat/scan-facts` (else
//! `~/.cache/compat/scan-facts`), grouped in [`BUCKETS`] bucket files in
//! that one directory by a hash of the scanned file's real path: a scan
//! writes a few dozen files, not one per scanned file (on ext4, creating and
//! renaming a file costs more than reading a whole bucket; with 256 buckets
//! in 16 directories, writing them added a quarter to a cold scan of /usr).
//! A file in /nix/store is known by its path
//! (store paths never change once built); any other by device, inode, size,
//! modification and change time ([`key`]). Every entry names the compat
//! that wrote it, the path and the key ([`entry`]): an entry that does not
//! match, or does not parse, is ignored and written again, never trusted.
//! A scan keeps the entries it learns in memory and writes each bucket it
//! touched once, at the end ([`Cache::flush`]): the bucket as it is on disk
//! then, less the entries for the same paths, plus the new ones, written to
//! a temporary file and renamed into place, so a reader sees a whole bucket
//! or none, and scans running at once leave a valid cache (one may drop the
//! other's new entries of a bucket; they are written again next time). The
//! cache knows nothing of what it stores: callers give a serde type and a
//! `writer` string that changes whenever its meaning does.

pub(crate) mod entry;
pub(crate) mod key;

use std::{
    collections::{HashMap, HashSet},
    fs,
    io::{self, Write},
    ops::Range,
    os::unix::fs::PermissionsExt,
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
};

use rayon::prelude::*;

use serde::{de::DeserializeOwned, Serialize};
use walkdir::WalkDir;

pub(crate) use key::Key;

/// How many bucket files hold the entries.
const BUCKETS: u64 = 64;

/// The directory name under `$XDG_CACHE_HOME/compat`.
pub(crate) const DIR_NAME: &str = "scan-facts";

/// How a bucket being written is named until it is renamed into place.
const TEMP_PREFIX: &str = ".tmp.";

/// The cache directory the environment gives: `$XDG_CACHE_HOME/compat/scan-facts`,
/// else `$HOME/.cache/compat/scan-facts`; `None` when neither is set.
pub(crate) fn default_dir() -> Option<PathBuf> {
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
    pub(crate) hits: usize,
    /// Files with no entry.
    pub(crate) misses: usize,
    /// Entries ignored: corrupt, foreign, or for a changed file.
    pub(crate) refused: usize,
    /// Entries written.
    pub(crate) written: usize,
    /// Entries that could not be written (full disk, read-only cache).
    pub(crate) write_errors: usize,
}

/// What [`Cache::load`] found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Lookup<T> {
    Hit(T),
    /// No entry.
    Missing,
    /// An entry that is not used: corrupt, foreign, or for a changed file.
    Refused,
}

/// A fact cache rooted at one directory.
pub(crate) struct Cache {
    root: PathBuf,
    writer: String,
    hits: AtomicUsize,
    misses: AtomicUsize,
    refused: AtomicUsize,
    written: AtomicUsize,
    write_errors: AtomicUsize,
    /// Buckets read so far, by path.
    read: Mutex<HashMap<PathBuf, Arc<Bucket>>>,
    /// Entries stored and not yet written, by bucket: (path they are for, bytes).
    pending: Mutex<HashMap<PathBuf, Vec<Pending>>>,
}

/// An entry not yet written: the path it is for, and its bytes.
type Pending = (String, Vec<u8>);

impl Cache {
    /// A cache at `root` whose entries are valid for `writer` only.
    pub(crate) fn new(root: PathBuf, writer: String) -> Cache {
        Cache {
            root,
            writer,
            hits: AtomicUsize::new(0),
            misses: AtomicUsize::new(0),
            refused: AtomicUsize::new(0),
            written: AtomicUsize::new(0),
            write_errors: AtomicUsize::new(0),
            read: Mutex::new(HashMap::new()),
            pending: Mutex::new(HashMap::new()),
        }
    }

    /// The bucket file that holds the entry of the file at real path `real`.
    pub(crate) fn entry_path(&self, real: &Path) -> PathBuf {
        let hash = key::fnv1a(real.as_os_str().as_encoded_bytes());
        self.root.join(format!("{:02x}", hash % BUCKETS))
    }

    /// The facts kept for the file at real path `real` in state `key`, if a
    /// valid entry holds them. Refused entries are counted here; the caller
    /// tells a hit it used ([`Cache::used`]) and a miss ([`Cache::missed`])
    /// once it knows the file is one it would have cached.
    pub(crate) fn load<T: DeserializeOwned>(&self, real: &Path, key: &Key) -> Lookup<T> {
        let path = self.entry_path(real);
        let known = lock(&self.read).get(&path).cloned();
        let bucket = match known {
            Some(bucket) => bucket,
            None => {
                let bucket = Arc::new(Bucket::parse(fs::read(&path).unwrap_or_default()));
                lock(&self.read).entry(path).or_insert(bucket).clone()
            }
        };
        let name = real.to_string_lossy();
        let found = match bucket.find(&name) {
            Some(entry) => entry
                .header
                .accepts(&self.writer, real, key)
                .and_then(|()| entry::read_payload(&bucket.bytes[entry.payload.clone()])),
            // Each unreadable part of the bucket may have been the entry of
            // one file that finds none: the first such files count it.
            None if bucket.claim_corrupt() => Err(entry::Refused::Corrupt),
            None => return Lookup::Missing,
        };
        match found {
            Ok(value) => Lookup::Hit(value),
            Err(_) => {
                self.refused.fetch_add(1, Ordering::Relaxed);
                Lookup::Refused
            }
        }
    }

    /// Counts an entry used instead of reading its file.
    pub(crate) fn used(&self) {
        self.hits.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a file that had no entry.
    pub(crate) fn missed(&self) {
        self.misses.fetch_add(1, Ordering::Relaxed);
    }

    /// Keeps `value` for the file at real path `real` in state `key`; it
    /// is written by [`Cache::flush`]. A failure to write is counted, never
    /// an error of the scan.
    pub(crate) fn store<T: Serialize>(&self, real: &Path, key: &Key, value: &T) {
        match entry::encode(&self.writer, real, key, value) {
            Ok(bytes) => lock(&self.pending)
                .entry(self.entry_path(real))
                .or_default()
                .push((real.to_string_lossy().into_owned(), bytes)),
            Err(_) => {
                self.write_errors.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Writes every entry stored so far, one bucket file at a time (in
    /// parallel): what the bucket holds on disk now for other paths, then
    /// the new entries.
    pub(crate) fn flush(&self) {
        let pending: Vec<(PathBuf, Vec<Pending>)> = lock(&self.pending).drain().collect();
        {
            // Buckets written are read again when next asked for.
            let mut read = lock(&self.read);
            for (path, _) in &pending {
                read.remove(path);
            }
        }
        pending.into_par_iter().for_each(|(path, entries)| {
            let count = entries.len();
            match self.write_bucket(&path, entries) {
                Ok(()) => self.written.fetch_add(count, Ordering::Relaxed),
                Err(_) => self.write_errors.fetch_add(count, Ordering::Relaxed),
            };
        });
    }

    fn write_bucket(&self, path: &Path, entries: Vec<Pending>) -> io::Result<()> {
        let dir = path.parent().unwrap_or(&self.root);
        fs::create_dir_all(dir)?;
        let old = Bucket::parse(fs::read(path).unwrap_or_default());
        let replaced: HashSet<&str> = entries.iter().map(|e| e.0.as_str()).collect();
        let mut bytes = Vec::with_capacity(old.bytes.len() + entries.iter().map(|e| e.1.len()).sum::<usize>());
        for entry in &old.entries {
            if !replaced.contains(entry.header.path()) {
                bytes.extend_from_slice(&old.bytes[entry.range.clone()]);
            }
        }
        for (_, entry) in &entries {
            bytes.extend_from_slice(entry);
        }
        // A fresh name per write: concurrent writers never share a temp file,
        // and one that is not renamed into place is removed. Made as
        // fs::write makes a file (0666 less the umask), not tempfile's 0600.
        let mut temp = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .permissions(fs::Permissions::from_mode(0o666))
            .tempfile_in(dir)?;
        temp.write_all(&bytes)?;
        temp.persist(path).map_err(|err| err.error)?;
        Ok(())
    }

    /// The counts so far, once every entry stored is written ([`Cache::flush`]).
    pub(crate) fn stats(&self) -> Stats {
        self.flush();
        Stats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            refused: self.refused.load(Ordering::Relaxed),
            written: self.written.load(Ordering::Relaxed),
            write_errors: self.write_errors.load(Ordering::Relaxed),
        }
    }
}

impl Drop for Cache {
    fn drop(&mut self) {
        self.flush();
    }
}

/// One bucket file: entries one after another, each two lines (header,
/// payload; JSON holds no raw newline).
struct Bucket {
    bytes: Vec<u8>,
    /// The whole entries, in file order.
    entries: Vec<BucketEntry>,
    /// Parts of the file that are no whole entry, not yet counted as some
    /// file's refused entry ([`Bucket::claim_corrupt`]).
    corrupt: AtomicUsize,
}

/// A whole entry of a bucket: its header (read once), its bytes and its payload's.
struct BucketEntry {
    header: entry::Header,
    range: Range<usize>,
    payload: Range<usize>,
}

impl Bucket {
    fn parse(bytes: Vec<u8>) -> Bucket {
        let mut entries = Vec::new();
        let mut corrupt = 0;
        for range in entry_ranges(&bytes) {
            match entry::split(&bytes[range.clone()]) {
                Ok((header, payload)) => {
                    let payload = range.end - payload.len()..range.end;
                    entries.push(BucketEntry { header, range, payload });
                }
                Err(_) => corrupt += 1,
            }
        }
        Bucket { bytes, entries, corrupt: AtomicUsize::new(corrupt) }
    }

    /// The last entry for `path`.
    fn find(&self, path: &str) -> Option<&BucketEntry> {
        self.entries.iter().rev().find(|e| e.header.path() == path)
    }

    /// Takes one unreadable part of the bucket not counted yet, if any.
    fn claim_corrupt(&self) -> bool {
        self.corrupt.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1)).is_ok()
    }
}

/// The byte ranges of the entries of a bucket file: two lines each, the
/// last one possibly cut short.
fn entry_ranges(bytes: &[u8]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < bytes.len() {
        let mut end = start;
        for _ in 0..2 {
            end = match memchr::memchr(b'\n', &bytes[end..]) {
                Some(at) => end + at + 1,
                None => bytes.len(),
            };
        }
        out.push(start..end);
        start = end;
    }
    out
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Nothing is left half-done under these locks: a panic elsewhere leaves them usable.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What a cache directory holds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Info {
    /// Entry files.
    pub(crate) entries: usize,
    /// Whole entries of this compat.
    pub(crate) valid: usize,
    /// Entries of another compat (ignored, rewritten when their file is scanned).
    pub(crate) foreign: usize,
    /// Truncated or corrupt entries, and leftover temporary files.
    pub(crate) corrupt: usize,
    pub(crate) bytes: u64,
}

/// Looks at every entry under `root` (none when it does not exist).
pub(crate) fn info(root: &Path, writer: &str) -> io::Result<Info> {
    let mut info = Info::default();
    for file in files(root)? {
        let bytes = fs::read(&file)?;
        info.bytes += bytes.len() as u64;
        if file.file_name().is_some_and(|n| n.to_string_lossy().starts_with(TEMP_PREFIX)) {
            info.entries += 1;
            info.corrupt += 1;
            continue;
        }
        for range in entry_ranges(&bytes) {
            info.entries += 1;
            match entry::check(&bytes[range], writer) {
                Ok(()) => info.valid += 1,
                Err(entry::Refused::Foreign) => info.foreign += 1,
                Err(_) => info.corrupt += 1,
            }
        }
    }
    Ok(info)
}

/// Removes the cache directory `root` and everything in it; returns the
/// number of entries removed (0 when there was no cache).
pub(crate) fn clean(root: &Path) -> io::Result<usize> {
    let mut count = 0;
    for file in files(root)? {
        count += fs::read(&file).map(|bytes| entry_ranges(&bytes).len()).unwrap_or(1);
    }
    match fs::remove_dir_all(root) {
        Err(err) if err.kind() != io::ErrorKind::NotFound => Err(err),
        _ => Ok(count),
    }
}

/// Every file in the two levels of `root`, sorted.
fn files(root: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in WalkDir::new(root).min_depth(1).max_depth(2) {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) if err.depth() == 0 && err.io_error().is_some_and(|e| e.kind() == io::ErrorKind::NotFound) => {
                return Ok(out)
            }
            Err(err) => return Err(err.into()),
        };
        if entry.depth() == 2 || !entry.file_type().is_dir() {
            out.push(entry.into_path());
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
        cache.flush();
        assert_eq!(cache.load::<String>(&file, &key), Lookup::Hit("facts".to_string()));
        cache.used();
        // Another writer's cache turns the entry away.
        assert_eq!(Cache::new(root.clone(), "w2".into()).load::<String>(&file, &key), Lookup::Refused);
        let stats = cache.stats();
        assert_eq!((stats.hits, stats.refused, stats.written), (1, 0, 1));
        assert_eq!(info(&root, "w1").unwrap().valid, 1);
        assert_eq!(info(&root, "w2").unwrap().foreign, 1);
        // A truncated entry is refused, and counted as corrupt (by the next
        // scan: a scan reads each bucket once).
        let entry = cache.entry_path(&file);
        let bytes = fs::read(&entry).unwrap();
        fs::write(&entry, &bytes[..bytes.len() - 2]).unwrap();
        let cache = Cache::new(root.clone(), "w1".into());
        assert_eq!(cache.load::<String>(&file, &key), Lookup::Refused);
        assert_eq!(cache.stats().refused, 1);
        assert_eq!(info(&root, "w1").unwrap().corrupt, 1);
        assert_eq!(clean(&root).unwrap(), 1);
        assert!(!root.exists());
        assert_eq!(clean(&root).unwrap(), 0);
    }

    #[test]
    fn an_unreadable_part_of_a_bucket_is_counted_once() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("c");
        let cache = Cache::new(root.clone(), "w1".into());
        // Three files whose entries share a bucket.
        let first = dir.path().join("f0");
        let mut same: Vec<PathBuf> = (1..10_000)
            .map(|i| dir.path().join(format!("f{i}")))
            .filter(|p| cache.entry_path(p) == cache.entry_path(&first))
            .take(2)
            .collect();
        same.insert(0, first);
        for file in &same {
            fs::write(file, b"x").unwrap();
        }
        let key = |file: &Path| Key::of(file).unwrap();
        cache.store(&same[0], &key(&same[0]), &"facts".to_string());
        cache.flush();
        let bucket = cache.entry_path(&same[0]);
        let mut bytes = fs::read(&bucket).unwrap();
        bytes.extend_from_slice(b"{\"not\": \"a header\"}\n[]\n");
        fs::write(&bucket, bytes).unwrap();
        let cache = Cache::new(root, "w1".into());
        assert_eq!(cache.load::<String>(&same[1], &key(&same[1])), Lookup::Refused);
        assert_eq!(cache.load::<String>(&same[2], &key(&same[2])), Lookup::Missing);
        assert_eq!(cache.load::<String>(&same[0], &key(&same[0])), Lookup::Hit("facts".to_string()));
        assert_eq!(cache.stats().refused, 1);
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

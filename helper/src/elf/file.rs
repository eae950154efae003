//! Reading ELF files from disk without copying them: a large file is mapped, so
//! only the pages a check touches are read (headers and dynamic sections for
//! most checks), however large the file.

use std::{fs::File, io::Read, ops::Deref, path::Path};

use memmap2::{Mmap, MmapOptions};

/// Files up to this size are read into memory: cheaper than mapping and unmapping them.
const READ_LIMIT: u64 = 64 * 1024;

/// The bytes of a file: read when small, mapped read-only otherwise.
pub enum FileBytes {
    Read(Vec<u8>),
    Mapped(Mmap),
}

impl Deref for FileBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            FileBytes::Read(data) => data,
            FileBytes::Mapped(map) => map,
        }
    }
}

/// Maps the file at `path` when it starts with the ELF magic; `Ok(None)` for
/// any other file (only its first four bytes are read). Never call it on a
/// FIFO or device: opening one may block (see `scan::walk`).
pub fn map_if_elf(path: &Path) -> std::io::Result<Option<FileBytes>> {
    let mut file = File::open(path)?;
    let mut magic = [0u8; 4];
    let mut len = 0;
    while len < magic.len() {
        match file.read(&mut magic[len..])? {
            0 => break,
            n => len += n,
        }
    }
    if &magic[..len] != super::MAGIC {
        return Ok(None);
    }
    let size = file.metadata()?.len();
    if size <= READ_LIMIT {
        // The bytes as the size just seen gives them: read_to_end would ask
        // the file's size and position again, two more system calls a file.
        let mut data = vec![0; (size as usize).max(len)];
        data[..len].copy_from_slice(&magic[..len]);
        while len < data.len() {
            match file.read(&mut data[len..])? {
                0 => break,
                n => len += n,
            }
        }
        data.truncate(len);
        return Ok(Some(FileBytes::Read(data)));
    }
    map(&file, size).map(Some)
}

/// Maps the first `len` bytes of `file` (its size, as just seen: memmap2
/// would ask for it again).
fn map(file: &File, len: u64) -> std::io::Result<FileBytes> {
    let len = usize::try_from(len).map_err(|_| std::io::Error::other("file too large to map"))?;
    // SAFETY: the mapping is private and read-only, and compat never writes
    // the files it scans. Another process truncating a file while it is
    // being scanned could make a read of the mapping fault (SIGBUS); that is
    // the accepted cost of not copying gigabytes of libraries.
    let map = unsafe { MmapOptions::new().len(len).map(file)? };
    Ok(FileBytes::Mapped(map))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_elf_files_and_skips_others() {
        let dir = tempfile::tempdir().unwrap();
        let elf = dir.path().join("elf");
        std::fs::write(&elf, b"\x7fELF and more").unwrap();
        let text = dir.path().join("text");
        std::fs::write(&text, b"#!/bin/sh").unwrap();
        let empty = dir.path().join("empty");
        std::fs::write(&empty, b"").unwrap();
        assert_eq!(&*map_if_elf(&elf).unwrap().unwrap(), b"\x7fELF and more");
        assert!(map_if_elf(&text).unwrap().is_none());
        assert!(map_if_elf(&empty).unwrap().is_none());
        let big = dir.path().join("big");
        let mut data = b"\x7fELF".to_vec();
        data.resize(READ_LIMIT as usize * 3, 7);
        std::fs::write(&big, &data).unwrap();
        let mapped = map_if_elf(&big).unwrap().unwrap();
        assert!(matches!(mapped, FileBytes::Mapped(_)));
        assert_eq!(&*mapped, &data[..]);
        assert!(map_if_elf(&dir.path().join("missing")).is_err());
    }
}

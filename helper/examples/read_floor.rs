//! The read floor of `compat scan`: reads, from each file given, exactly the
//! byte ranges a full scan needs -- the ELF, program and section headers,
//! the dynamic linking sections (.dynamic, .dynsym and its strings, the
//! version tables, notes) and the executable sections the system call
//! analysis searches -- and does nothing with them. One process, all
//! cores, a reused buffer per thread, like the scan, and each file once
//! however many hard links reach it, as the scan's walk does. bench/scan.sh
//! divides the scan's time by this one's.
//!
//! With `--search`, it maps each file as the scan maps a large one (the
//! scan reads files up to 64 KiB whole instead), looks for the `syscall`
//! instruction (`0f 05`) in the executable sections with the search the
//! scan uses, and touches every page of the other ranges: about the least
//! any analysis that must find every system call instruction can do (the
//! search floor).
//!
//!     cargo run --release --example read_floor -- [--search] FILE...

use std::{
    cell::RefCell,
    collections::HashSet,
    fs::File,
    os::unix::fs::{FileExt, MetadataExt},
    time::Instant,
};

use rayon::prelude::*;

thread_local! {
    static BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

const SHT_PROGBITS: u64 = 1;
const SHT_STRTAB: u64 = 3;
const SHT_DYNAMIC: u64 = 6;
const SHT_NOTE: u64 = 7;
const SHT_DYNSYM: u64 = 11;
const SHT_GNU_VERDEF: u64 = 0x6fff_fffd;
const SHT_GNU_VERNEED: u64 = 0x6fff_fffe;
const SHT_GNU_VERSYM: u64 = 0x6fff_ffff;
const SHF_EXECINSTR: u64 = 4;

fn u16_at(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 2).map_or(0, |x| u64::from(u16::from_le_bytes([x[0], x[1]])))
}
fn u32_at(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 4).map_or(0, |x| u64::from(u32::from_le_bytes([x[0], x[1], x[2], x[3]])))
}
fn u64_at(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8).map_or(0, |x| u64::from_le_bytes([x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7]]))
}

/// Reads `len` bytes at `offset` into `buf` (as far as the file goes).
fn read(file: &File, buf: &mut Vec<u8>, offset: u64, len: u64) -> usize {
    let len = len.min(1 << 32) as usize;
    if buf.len() < len {
        buf.resize(len, 0);
    }
    let mut done = 0;
    while done < len {
        match file.read_at(&mut buf[done..len], offset + done as u64) {
            Ok(0) | Err(_) => break,
            Ok(n) => done += n,
        }
    }
    done
}

/// Where the floor gets a file's bytes.
trait Source {
    /// The bytes at `offset`, `len` of them as far as the file goes.
    fn at(&mut self, offset: u64, len: u64) -> &[u8];
    /// Makes sure every page of `bytes` was read (a mapping faults them in).
    fn touch(bytes: &[u8]) -> u64;
}

/// Read into a reused buffer (the read floor).
struct Buffered<'b> {
    file: File,
    buf: &'b mut Vec<u8>,
}

impl Source for Buffered<'_> {
    fn at(&mut self, offset: u64, len: u64) -> &[u8] {
        let n = read(&self.file, self.buf, offset, len);
        &self.buf[..n]
    }

    fn touch(_: &[u8]) -> u64 {
        0 // read() copied them already
    }
}

/// Mapped, as the scan reads (the search floor).
struct Mapped(memmap2::Mmap);

impl Source for Mapped {
    fn at(&mut self, offset: u64, len: u64) -> &[u8] {
        let start = usize::try_from(offset).unwrap_or(usize::MAX).min(self.0.len());
        let end = start.saturating_add(usize::try_from(len).unwrap_or(usize::MAX)).min(self.0.len());
        &self.0[start..end]
    }

    fn touch(bytes: &[u8]) -> u64 {
        bytes.iter().step_by(4096).map(|b| u64::from(*b)).sum()
    }
}

/// Bytes of the ranges a scan needs in the file `source` gives (0 when it
/// is not a 64-bit little-endian ELF file), and the `0f 05` pairs in its
/// code when `search` is given.
fn floor<S: Source>(source: &mut S, search: bool) -> (u64, u64) {
    let header = source.at(0, 64).to_vec();
    let mut total = header.len() as u64;
    if total < 64 || &header[..4] != b"\x7fELF" || header[4] != 2 || header[5] != 1 {
        return (total, 0);
    }
    let (phoff, phnum, phentsize) = (u64_at(&header, 0x20), u16_at(&header, 0x38), u16_at(&header, 0x36));
    let (shoff, shnum, shentsize) = (u64_at(&header, 0x28), u16_at(&header, 0x3c), u16_at(&header, 0x3a));
    total += source.at(phoff, phnum * phentsize).len() as u64;
    let headers = source.at(shoff, shnum * shentsize).to_vec();
    let section = |i: u64| {
        let at = (i * shentsize) as usize;
        (
            u32_at(&headers, at + 4),
            u64_at(&headers, at + 8),
            u64_at(&headers, at + 0x18),
            u64_at(&headers, at + 0x20),
            u32_at(&headers, at + 0x28),
        )
    };
    total += headers.len() as u64;
    let mut ranges = Vec::new();
    for i in 0..shnum {
        let (kind, flags, offset, size, link) = section(i);
        let wanted =
            matches!(kind, SHT_DYNAMIC | SHT_DYNSYM | SHT_NOTE | SHT_GNU_VERDEF | SHT_GNU_VERNEED | SHT_GNU_VERSYM)
                || (kind == SHT_PROGBITS && flags & SHF_EXECINSTR != 0);
        if wanted {
            ranges.push((offset, size, kind == SHT_PROGBITS));
        }
        if kind == SHT_DYNSYM && section(link).0 == SHT_STRTAB {
            ranges.push((section(link).2, section(link).3, false));
        }
    }
    let mut hits = 0;
    for (offset, size, code) in ranges {
        let bytes = source.at(offset, size);
        total += bytes.len() as u64;
        if search && code {
            hits += compat::syscalls::x86_64_syscall_byte_pairs(bytes) as u64;
        } else {
            std::hint::black_box(S::touch(bytes));
        }
    }
    (total, hits)
}

/// [`floor`] of the file at `path`: read into `buf`, or mapped when searching.
fn floor_of(path: &str, buf: &mut Vec<u8>, search: bool) -> (u64, u64) {
    let Ok(file) = File::open(path) else { return (0, 0) };
    if !search {
        return floor(&mut Buffered { file, buf }, false);
    }
    // SAFETY: the mapping is only read; a file truncated meanwhile would
    // fault, which the bench's unchanging system files are not.
    match unsafe { memmap2::Mmap::map(&file) } {
        Ok(map) => floor(&mut Mapped(map), search),
        Err(_) => (0, 0),
    }
}

fn main() {
    let mut paths: Vec<String> = std::env::args().skip(1).collect();
    let search = paths.first().is_some_and(|p| p == "--search");
    if search {
        paths.remove(0);
    }
    let started = Instant::now();
    // A file reached by several paths (hard links: Mesa's drivers, an
    // optimised Nix store) is read once, as the scan's walk reads it.
    let mut seen = HashSet::new();
    paths.retain(|p| std::fs::metadata(p).is_ok_and(|m| seen.insert((m.dev(), m.ino()))));
    let (bytes, hits) = paths
        .par_iter()
        .map(|p| BUFFER.with(|b| floor_of(p, &mut b.borrow_mut(), search)))
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let found = if search { format!(", {hits} syscall byte pairs") } else { String::new() };
    eprintln!("read {} MiB of {} files in {:.3}s{found}", bytes >> 20, paths.len(), started.elapsed().as_secs_f64());
}

//! What glibc's loader reads: the dynamic table at PT_DYNAMIC's address,
//! and the tables its entries point to (DT_STRTAB, DT_SYMTAB, DT_VERNEED,
//! DT_VERSYM, DT_VERDEF, DT_HASH / DT_GNU_HASH), each an address mapped to
//! file bytes through the PT_LOAD segments. Section headers play no part:
//! the loader never reads them, and a file runs without them.

use object::{
    elf, pod,
    read::elf::{Dyn, FileHeader, GnuHashTable, HashTable, ProgramHeader},
    Endianness,
};

use super::{
    versions::{Strings, Tables},
    ParseError,
};

type Res<T> = Result<T, ParseError>;

fn malformed(why: impl Into<String>) -> ParseError {
    ParseError::Malformed(why.into())
}

/// One dynamic entry: tag and value.
pub(super) type Entry = (elf::DynamicTag, u64);

/// The file part of the PT_LOAD segments: (address, size in the file, file
/// offset), segments that follow each other in memory and in the file
/// joined into one (a table may run from one into the next: patchelf puts
/// a grown string table at the end of a segment it adds before the others).
pub(super) struct Loads {
    segments: Vec<(u64, u64, u64)>,
}

impl Loads {
    /// The PT_LOAD segments of a file. A segment whose file part runs past
    /// the end of the file is an error: the file was cut short, and the
    /// loader could not map it.
    pub fn new<Elf: FileHeader<Endian = Endianness>>(
        endian: Endianness,
        data: &[u8],
        segments: &[Elf::ProgramHeader],
    ) -> Res<Loads> {
        let mut loads: Vec<(u64, u64, u64, u64)> = Vec::new();
        for segment in segments.iter().filter(|s| s.p_type(endian) == elf::PT_LOAD) {
            let (vaddr, filesz, offset): (u64, u64, u64) =
                (segment.p_vaddr(endian).into(), segment.p_filesz(endian).into(), segment.p_offset(endian).into());
            if offset.checked_add(filesz).is_none_or(|end| end > data.len() as u64) {
                return Err(malformed(format!(
                    "PT_LOAD segment at {vaddr:#x} runs past the end of the file (cut short?)"
                )));
            }
            loads.push((vaddr, filesz, offset, segment.p_memsz(endian).into()));
        }
        // Joined in address order: the loader maps them in that order too.
        loads.sort_unstable();
        let mut joined: Vec<(u64, u64, u64)> = Vec::new();
        let mut last_memsz = 0;
        for (vaddr, filesz, offset, memsz) in loads {
            match joined.last_mut() {
                Some((v, f, o))
                    if *f == last_memsz && v.checked_add(*f) == Some(vaddr) && o.checked_add(*f) == Some(offset) =>
                {
                    // Both sums are within the file, checked above.
                    *f += filesz;
                }
                _ => joined.push((vaddr, filesz, offset)),
            }
            last_memsz = memsz;
        }
        Ok(Loads { segments: joined })
    }

    /// The file bytes from address `address` to the end of the file part of
    /// the loaded segment holding it; `what` names the pointer in errors.
    pub fn bytes_at<'data>(&self, data: &'data [u8], address: u64, what: &str) -> Res<&'data [u8]> {
        for &(vaddr, filesz, offset) in &self.segments {
            if address >= vaddr && address - vaddr < filesz {
                // Both fit: Loads::new checked offset + filesz against the file.
                let start = (offset + (address - vaddr)) as usize;
                let end = (offset + filesz) as usize;
                return Ok(&data[start..end]);
            }
        }
        Err(malformed(format!("{what}: address {address:#x} is not in the file part of any loaded segment")))
    }
}

/// The dynamic table at the address of the (last, as the loader takes it)
/// PT_DYNAMIC, up to DT_NULL. `None` for a file without PT_DYNAMIC.
pub(super) fn entries<Elf: FileHeader<Endian = Endianness>>(
    endian: Endianness,
    data: &[u8],
    segments: &[Elf::ProgramHeader],
    loads: &Loads,
) -> Res<Option<Vec<Entry>>> {
    let Some(dynamic) = segments.iter().rev().find(|s| s.p_type(endian) == elf::PT_DYNAMIC) else {
        return Ok(None);
    };
    let bytes = loads.bytes_at(data, dynamic.p_vaddr(endian).into(), "PT_DYNAMIC")?;
    let size: u64 = dynamic.p_filesz(endian).into();
    if size > bytes.len() as u64 {
        return Err(malformed("PT_DYNAMIC: runs past the file part of its loaded segment"));
    }
    let count = size as usize / std::mem::size_of::<Elf::Dyn>();
    let (table, _) = pod::slice_from_bytes::<Elf::Dyn>(bytes, count)
        .map_err(|()| malformed("PT_DYNAMIC: dynamic table cut short"))?;
    let mut list = Vec::new();
    for entry in table {
        let tag = entry.d_tag(endian);
        if tag == elf::DT_NULL {
            break;
        }
        list.push((tag, entry.d_val(endian).into()));
    }
    Ok(Some(list))
}

/// The value of the last entry tagged `tag` (the loader keeps the last).
pub(super) fn last(entries: &[Entry], tag: elf::DynamicTag) -> Option<u64> {
    entries.iter().rev().find(|(t, _)| *t == tag).map(|&(_, v)| v)
}

/// The dynamic string table: DT_STRTAB, DT_STRSZ bytes long (or to the end
/// of its segment without DT_STRSZ). Empty when there is no DT_STRTAB.
pub(super) fn strings<'data>(data: &'data [u8], loads: &Loads, entries: &[Entry]) -> Res<Strings<'data>> {
    let Some(address) = last(entries, elf::DT_STRTAB) else { return Ok(Strings::default()) };
    let bytes = loads.bytes_at(data, address, "DT_STRTAB")?;
    match last(entries, elf::DT_STRSZ) {
        Some(size) if size > bytes.len() as u64 => {
            Err(malformed("DT_STRSZ: the string table runs past the file part of its loaded segment"))
        }
        Some(size) => Ok(Strings(&bytes[..size as usize])),
        None => Ok(Strings(bytes)),
    }
}

/// The versioning tables the dynamic entries point to. `listed`: the number
/// of dynamic symbols the section headers give for the table at DT_SYMTAB,
/// when they have one there.
pub(super) fn tables<'data, Elf: FileHeader<Endian = Endianness>>(
    endian: Endianness,
    data: &'data [u8],
    loads: &Loads,
    entries: &[Entry],
    strings: Strings<'data>,
    listed: impl Fn(u64) -> Option<usize>,
) -> Res<Tables<'data, Elf>> {
    let table = |tag, what| last(entries, tag).map(|a| loads.bytes_at(data, a, what)).transpose();
    let verneed = table(elf::DT_VERNEED, "DT_VERNEED")?;
    let verdef = table(elf::DT_VERDEF, "DT_VERDEF")?;
    let mut tables = Tables { strings, verneed, verdef, symbols: &[], versym: &[] };
    if verneed.is_none() {
        // Symbols are read only to name what each needed version is for.
        return Ok(tables);
    }
    let (Some(symtab), Some(versym)) = (table(elf::DT_SYMTAB, "DT_SYMTAB")?, table(elf::DT_VERSYM, "DT_VERSYM")?)
    else {
        return Ok(tables);
    };
    let mut count = symbol_count::<Elf>(endian, data, loads, entries)?;
    // The hash tables count only up to the last hashed symbol: imports
    // after it (a library exporting nothing) are missed. Section headers,
    // where present and describing the same table, count them all.
    if let Some(listed) = last(entries, elf::DT_SYMTAB).and_then(listed) {
        let fits = |n: usize| {
            n.checked_mul(std::mem::size_of::<Elf::Sym>()).is_some_and(|size| size <= symtab.len())
                && n.checked_mul(2).is_some_and(|size| size <= versym.len())
        };
        if listed > count && fits(listed) {
            count = listed;
        }
    }
    tables.symbols = pod::slice_from_bytes::<Elf::Sym>(symtab, count)
        .map_err(|()| {
            malformed(format!("DT_SYMTAB: {count} symbols (as the hash table counts) do not fit in the file"))
        })?
        .0;
    tables.versym = pod::slice_from_bytes::<elf::Versym<Endianness>>(versym, count)
        .map_err(|()| {
            malformed(format!("DT_VERSYM: {count} entries (as the hash table counts) do not fit in the file"))
        })?
        .0;
    Ok(tables)
}

/// The number of dynamic symbols, which without section headers only the
/// hash tables tell: DT_HASH's chain count, or the end of DT_GNU_HASH's
/// last chain (the symbols before its first hashed one when it hashes
/// none). 0 when the file has neither.
fn symbol_count<Elf: FileHeader<Endian = Endianness>>(
    endian: Endianness,
    data: &[u8],
    loads: &Loads,
    entries: &[Entry],
) -> Res<usize> {
    if let Some(address) = last(entries, elf::DT_GNU_HASH) {
        let bytes = loads.bytes_at(data, address, "DT_GNU_HASH")?;
        let hash = GnuHashTable::<Elf>::parse(endian, bytes).map_err(|e| malformed(format!("DT_GNU_HASH: {e}")))?;
        // No chain at all: only the symbols before the hashed ones (imports).
        let count = hash.symbol_table_length(endian).unwrap_or(hash.symbol_base());
        return Ok(count as usize);
    }
    if let Some(address) = last(entries, elf::DT_HASH) {
        let bytes = loads.bytes_at(data, address, "DT_HASH")?;
        let hash = HashTable::<Elf>::parse(endian, bytes).map_err(|e| malformed(format!("DT_HASH: {e}")))?;
        return Ok(hash.symbol_table_length() as usize);
    }
    Ok(0)
}

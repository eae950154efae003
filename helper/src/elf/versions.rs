//! Symbol versioning as glibc's loader reads it: the version needs
//! (`Verneed` records, DT_VERNEED), the version definitions (`Verdef`,
//! DT_VERDEF), and the version index of each dynamic symbol (DT_VERSYM),
//! whether the tables were found through the dynamic segment or through
//! section headers ([`Tables`]).
//!
//! Records are followed by their `vn_next` / `vna_next` / `vd_next`
//! offsets until one is 0, as the loader does (it ignores the counts).
//! Every record must lie inside the table's bytes, every name inside the
//! string table; the number of records and the bytes of names copied are
//! bounded by the file's size, so hostile input cannot make either grow
//! without end.

use object::{elf, pod, read::elf::FileHeader, read::elf::Sym, Endianness};

use super::{NeededVersion, ParseError, SymbolNames, VersionNeed};

type Res<T> = Result<T, ParseError>;

fn malformed(why: impl Into<String>) -> ParseError {
    ParseError::Malformed(why.into())
}

/// A string table: NUL-terminated names at offsets into its bytes.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Strings<'data>(pub &'data [u8]);

impl<'data> Strings<'data> {
    /// The name at `offset`; `None` when the offset or its terminating NUL
    /// lies outside the table.
    pub fn get(&self, offset: u64) -> Option<&'data [u8]> {
        let rest = self.0.get(usize::try_from(offset).ok()?..)?;
        let end = memchr::memchr(0, rest)?;
        Some(&rest[..end])
    }
}

/// How many bytes of names one parse may copy: a multiple of the file's
/// size, which real files never come near (names are copied at most once
/// per version node, symbols once each), while records crafted to repeat a
/// long name over and over hit it.
pub(super) struct Budget {
    left: usize,
}

impl Budget {
    pub fn for_file(len: usize) -> Budget {
        Budget { left: len.saturating_mul(4).saturating_add(1 << 20) }
    }

    /// `bytes` as text (invalid UTF-8 becomes U+FFFD), charged to the budget.
    pub fn text(&mut self, bytes: &[u8]) -> Res<String> {
        self.charge(bytes)?;
        Ok(String::from_utf8_lossy(bytes).into_owned())
    }

    /// Adds the symbol name `bytes` (not empty; invalid UTF-8 becomes
    /// U+FFFD) to `names`, charged to the budget.
    pub fn add_name(&mut self, bytes: &[u8], names: &mut SymbolNames) -> Res<()> {
        self.charge(bytes)?;
        // A name from a string table holds no NUL, so it always fits.
        names.push(&String::from_utf8_lossy(bytes)).map_err(|err| malformed(err.to_string()))
    }

    fn charge(&mut self, bytes: &[u8]) -> Res<()> {
        self.left = self
            .left
            .checked_sub(bytes.len())
            .ok_or_else(|| malformed("names repeat beyond what the file can hold (records crafted to repeat?)"))?;
        Ok(())
    }
}

/// The versioning tables of one file. Each table's bytes run from its first
/// record to the end of what holds it (the loaded segment or the section).
pub(super) struct Tables<'data, Elf: FileHeader> {
    /// The dynamic string table (DT_STRTAB / the tables' linked section).
    pub strings: Strings<'data>,
    pub verneed: Option<&'data [u8]>,
    pub verdef: Option<&'data [u8]>,
    /// The dynamic symbols and their version indexes (DT_SYMTAB and
    /// DT_VERSYM); empty when the file has none or their number is unknown.
    pub symbols: &'data [Elf::Sym],
    pub versym: &'data [elf::Versym<Endianness>],
}

/// Size of a `Verneed` / `Vernaux` / `Verdef` record.
const RECORD: usize = 16;

/// The record of type `T` at `offset` of `table`.
fn record<'data, T: pod::Pod>(table: &'data [u8], offset: usize, what: &str) -> Res<&'data T> {
    let bytes = table.get(offset..).ok_or_else(|| malformed(format!("{what}: record outside the table")))?;
    pod::from_bytes::<T>(bytes).map(|(r, _)| r).map_err(|()| malformed(format!("{what}: record cut short")))
}

/// The offset of the record after the one at `offset`, `next` bytes on;
/// `None` when `next` is 0 (the last record). A `next` smaller than a
/// record would make records overlap: no linker writes that.
fn follow(offset: usize, next: u32, what: &str) -> Res<Option<usize>> {
    if next == 0 {
        return Ok(None);
    }
    let next = usize::try_from(next).map_err(|_| malformed(format!("{what}: offset out of range")))?;
    if next < RECORD {
        return Err(malformed(format!("{what}: records overlap (next offset {next})")));
    }
    offset.checked_add(next).map(Some).ok_or_else(|| malformed(format!("{what}: offset out of range")))
}

/// Which (library, version node) pairs get their symbol names collected.
pub(super) type WantSymbols<'a> = &'a dyn Fn(&str, &str) -> bool;

/// The version needs, with the dynamic symbols bound to each node that
/// `want` accepts.
pub(super) fn needs<Elf: FileHeader<Endian = Endianness>>(
    endian: Endianness,
    tables: &Tables<'_, Elf>,
    data_len: usize,
    want: WantSymbols,
    budget: &mut Budget,
) -> Res<Vec<VersionNeed>> {
    let Some(table) = tables.verneed else { return Ok(Vec::new()) };
    let strings = tables.strings;
    let name = |offset: u32, what: &str, budget: &mut Budget| -> Res<String> {
        let bytes = strings.get(offset.into()).ok_or_else(|| malformed(format!("{what}: invalid string offset")))?;
        budget.text(bytes)
    };

    let mut result: Vec<VersionNeed> = Vec::new();
    // Version index (vna_other) -> slot; slot -> (need, version) position in `result`.
    let mut slot_of: Vec<Option<u32>> = Vec::new();
    let mut slots: Vec<(usize, usize)> = Vec::new();
    // Every record takes 16 bytes of the file; several needs pointing at one
    // chain of entries could otherwise repeat it without end.
    let limit = data_len / RECORD;
    let too_many = || malformed("version needs (DT_VERNEED): more entries than the file can hold");
    let mut at = Some(0usize);
    while let Some(offset) = at {
        let need: &elf::Verneed<Endianness> = record(table, offset, "version needs (DT_VERNEED)")?;
        if need.vn_version.get(endian) != elf::VER_NEED_CURRENT {
            return Err(malformed(format!(
                "version needs (DT_VERNEED): unsupported record version {}",
                need.vn_version.get(endian)
            )));
        }
        let need_pos = result.len();
        result.push(VersionNeed {
            file: name(need.vn_file.get(endian), "version needs (DT_VERNEED) file name", budget)?,
            versions: Vec::new(),
        });
        if slots.len() + result.len() > limit {
            return Err(too_many());
        }
        let aux_start = offset
            .checked_add(need.vn_aux.get(endian) as usize)
            .ok_or_else(|| malformed("version needs (DT_VERNEED): offset out of range"))?;
        // The loader reads at least one entry whatever vn_cnt says, and so do we.
        let mut aux_at = Some(aux_start);
        while let Some(aux_offset) = aux_at {
            if slots.len() + result.len() >= limit {
                return Err(too_many());
            }
            let aux: &elf::Vernaux<Endianness> = record(table, aux_offset, "version needs (DT_VERNEED) entry")?;
            let version = name(aux.vna_name.get(endian), "version needs (DT_VERNEED) version name", budget)?;
            if aux.vna_hash.get(endian) != elf_hash(version.as_bytes()) {
                // The loader matches hash and name: this need is met by no library.
                return Err(malformed(format!(
                    "version needs (DT_VERNEED): the hash of {version} does not match its name"
                )));
            }
            let weak = aux.vna_flags.get(endian).contains(elf::VER_FLG_WEAK);
            let index = usize::from(aux.vna_other(endian).index());
            // Indexes are 15 bits, so this table stays small whatever the file says.
            if slot_of.len() <= index {
                slot_of.resize(index + 1, None);
            }
            // Slots whose symbols are not wanted stay out of the table: their
            // symbols are skipped before their names are even looked up.
            if want(&result[need_pos].file, &version) {
                slot_of[index] = Some(slots.len() as u32);
            }
            slots.push((need_pos, result[need_pos].versions.len()));
            result[need_pos].versions.push(NeededVersion { name: version, weak, symbols: SymbolNames::default() });
            aux_at = follow(aux_offset, aux.vna_next.get(endian), "version needs (DT_VERNEED) entry")?;
        }
        at = follow(offset, need.vn_next.get(endian), "version needs (DT_VERNEED)")?;
    }

    let mut bound: Vec<(u32, &[u8])> = Vec::new();
    for (sym, versym) in tables.symbols.iter().zip(tables.versym) {
        let index = usize::from(versym.0.get(endian).index());
        let Some(Some(slot)) = slot_of.get(index) else { continue };
        let name = strings
            .get(sym.st_name(endian).into())
            .ok_or_else(|| malformed("dynamic symbol (DT_SYMTAB): invalid name offset"))?;
        if !name.is_empty() {
            bound.push((*slot, name));
        }
    }
    bound.sort_unstable();
    bound.dedup();
    for (slot, name) in bound {
        let (n, v) = slots[slot as usize];
        budget.add_name(name, &mut result[n].versions[v].symbols)?;
    }
    Ok(result)
}

/// The names of the version nodes a file defines, without the base entry
/// (VER_FLG_BASE, which repeats the soname).
pub(super) fn defs(
    endian: Endianness,
    tables: &Tables<'_, impl FileHeader>,
    data_len: usize,
    budget: &mut Budget,
) -> Res<Vec<String>> {
    let Some(table) = tables.verdef else { return Ok(Vec::new()) };
    let what = "version definitions (DT_VERDEF)";
    let mut names = Vec::new();
    let mut entries = 0usize;
    let mut at = Some(0usize);
    while let Some(offset) = at {
        entries += 1;
        if entries > data_len / 20 {
            return Err(malformed(format!("{what}: more entries than the file can hold")));
        }
        let def: &elf::Verdef<Endianness> = record(table, offset, what)?;
        if def.vd_version.get(endian) != elf::VER_DEF_CURRENT {
            return Err(malformed(format!("{what}: unsupported record version {}", def.vd_version.get(endian))));
        }
        // As with needs, the loader reads the first name whatever vd_cnt says.
        if !def.vd_flags.get(endian).contains(elf::VER_FLG_BASE) {
            let aux_offset = offset
                .checked_add(def.vd_aux.get(endian) as usize)
                .ok_or_else(|| malformed(format!("{what}: offset out of range")))?;
            let aux: &elf::Verdaux<Endianness> = record(table, aux_offset, what)?;
            let name = tables
                .strings
                .get(aux.vda_name.get(endian).into())
                .ok_or_else(|| malformed(format!("{what}: invalid string offset")))?;
            if def.vd_hash.get(endian) != elf_hash(name) {
                // The loader matches hash and name: no need would ever match this node.
                return Err(malformed(format!(
                    "{what}: the hash of {} does not match its name",
                    String::from_utf8_lossy(name)
                )));
            }
            names.push(budget.text(name)?);
        }
        at = follow(offset, def.vd_next.get(endian), what)?;
    }
    Ok(names)
}

/// The SysV ELF hash of a name, which version records carry next to it.
pub(super) fn elf_hash(name: &[u8]) -> u32 {
    let mut h: u32 = 0;
    for &byte in name {
        h = (h << 4).wrapping_add(u32::from(byte));
        let high = h & 0xf000_0000;
        if high != 0 {
            h ^= high >> 24;
        }
        h &= !high;
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    type Elf = object::elf::FileHeader64<Endianness>;
    const LE: Endianness = Endianness::Little;

    fn put16(out: &mut Vec<u8>, v: u16) {
        out.extend_from_slice(&v.to_le_bytes());
    }
    fn put32(out: &mut Vec<u8>, v: u32) {
        out.extend_from_slice(&v.to_le_bytes());
    }

    /// `needs` Verneed records, all pointing at one shared chain of
    /// `entries` Vernaux records naming the string at offset `name`.
    fn shared_chain(needs: u32, entries: u32, name: u32, hash: u32) -> Vec<u8> {
        let mut table = Vec::new();
        for i in 0..needs {
            put16(&mut table, 1); // vn_version
            put16(&mut table, 1); // vn_cnt
            put32(&mut table, 0); // vn_file
            put32(&mut table, 16 * (needs - i)); // vn_aux: the shared chain
            put32(&mut table, if i + 1 < needs { 16 } else { 0 }); // vn_next
        }
        for j in 0..entries {
            put32(&mut table, hash);
            put16(&mut table, 0); // vna_flags
            put16(&mut table, 2); // vna_other
            put32(&mut table, name);
            put32(&mut table, if j + 1 < entries { 16 } else { 0 });
        }
        table
    }

    fn read(table: &[u8], strings: &[u8], data_len: usize, budget: &mut Budget) -> Res<Vec<VersionNeed>> {
        let tables: Tables<'_, Elf> =
            Tables { strings: Strings(strings), verneed: Some(table), verdef: None, symbols: &[], versym: &[] };
        needs(LE, &tables, data_len, &|_, _| true, budget)
    }

    #[test]
    fn the_elf_hash_is_the_one_version_records_carry() {
        assert_eq!(elf_hash(b""), 0);
        // As the linker writes them in every program needing glibc.
        assert_eq!(elf_hash(b"GLIBC_2.2.5"), 0x0969_1a75);
        assert_eq!(elf_hash(b"GLIBC_2.34"), 0x0696_91b4);
    }

    #[test]
    fn a_chain_shared_by_many_needs_cannot_multiply_entries() {
        let strings = b"libc.so.6\0GLIBC_2.2.5\0";
        let hash = elf_hash(b"GLIBC_2.2.5");
        let small = shared_chain(2, 3, 10, hash);
        let found = read(&small, strings, 4096, &mut Budget::for_file(4096)).unwrap();
        assert_eq!(found.len(), 2);
        assert!(found.iter().all(|n| n.file == "libc.so.6" && n.versions.len() == 3));

        // 64 needs x 64 entries from 2 KiB: refused, not 4096 entries.
        let table = shared_chain(64, 64, 10, hash);
        let err = read(&table, strings, table.len(), &mut Budget::for_file(table.len())).unwrap_err();
        assert!(err.to_string().contains("more entries than the file can hold"), "{err}");
    }

    #[test]
    fn names_copied_are_bounded_and_hashes_checked() {
        // One 600 KiB name needed twice: past the budget of a small file.
        let mut strings = b"libc.so.6\0".to_vec();
        let long = vec![b'X'; 600 * 1024];
        strings.extend_from_slice(&long);
        strings.push(0);
        let table = shared_chain(2, 1, 10, elf_hash(&long));
        let err = read(&table, &strings, 1 << 20, &mut Budget::for_file(0)).unwrap_err();
        assert!(err.to_string().contains("names repeat"), "{err}");

        let table = shared_chain(1, 1, 10, 12345);
        let err = read(&table, b"libc.so.6\0GLIBC_2.2.5\0", 4096, &mut Budget::for_file(4096)).unwrap_err();
        assert!(err.to_string().contains("hash of GLIBC_2.2.5 does not match"), "{err}");
        let err = read(&table[..20], b"libc.so.6\0GLIBC_2.2.5\0", 4096, &mut Budget::for_file(4096)).unwrap_err();
        assert!(err.to_string().contains("cut short"), "{err}");
    }
}

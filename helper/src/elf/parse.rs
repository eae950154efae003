//! Turning ELF bytes into an [`ElfInfo`] with `object`'s low-level ELF readers
//! (file header, program headers, section table, dynamic table, version
//! tables, notes). Only the parts compat needs are read; nothing is copied
//! except names.

use object::{
    elf,
    read::elf::{Dyn, FileHeader, ProgramHeader, SectionHeader, SectionTable},
    Endian, Endianness, StringTable,
};

use super::{machine::arch_name, ElfInfo, ElfKind, NeededVersion, ParseError, VersionNeed};
use crate::version::Version;

type Res<T> = Result<T, ParseError>;

fn malformed(what: &str) -> impl Fn(object::read::Error) -> ParseError + '_ {
    move |err| ParseError::Malformed(format!("{what}: {err}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Which (library, version node) pairs get their symbol names collected.
pub(super) type WantSymbols<'a> = &'a dyn Fn(&str, &str) -> bool;

pub(super) fn parse(data: &[u8], want: WantSymbols) -> Res<ElfInfo> {
    if !super::is_elf(data) {
        return Err(ParseError::NotElf);
    }
    // e_ident[EI_CLASS]
    match data.get(4).map(|&c| elf::FileClass(c)) {
        Some(elf::ELFCLASS32) => parse_as::<elf::FileHeader32<Endianness>>(data, want),
        Some(elf::ELFCLASS64) => parse_as::<elf::FileHeader64<Endianness>>(data, want),
        Some(other) => Err(ParseError::Malformed(format!("unknown ELF class {}", other.0))),
        None => Err(ParseError::Malformed("truncated ELF header".into())),
    }
}

/// The dynamic entries compat uses, with their strings resolved.
#[derive(Default)]
struct DynamicFacts {
    present: bool,
    needed: Vec<String>,
    soname: Option<String>,
    rpath: Vec<String>,
    runpath: Vec<String>,
    has_relr: bool,
    pie_flag: bool,
}

fn parse_as<Elf: FileHeader<Endian = Endianness>>(data: &[u8], want: WantSymbols) -> Res<ElfInfo> {
    let header = Elf::parse(data).map_err(malformed("ELF header"))?;
    let endian = header.endian().map_err(malformed("ELF header"))?;
    let bits = if header.is_class_64() { 64 } else { 32 };
    let machine = header.e_machine(endian).0;
    let segments = header.program_headers(endian, data).map_err(malformed("program headers"))?;
    let sections = header.sections(endian, data).map_err(malformed("section headers"))?;

    let little_endian = header.is_little_endian();
    if is_debug_info::<Elf>(endian, &sections) {
        // A separate debug-info file (/usr/lib/debug/...): headers of the real
        // file, its contents stripped (SHT_NOBITS). Nothing in it is loaded.
        return Ok(ElfInfo {
            bits,
            little_endian,
            machine,
            arch: arch_name(machine, bits, little_endian),
            kind: ElfKind::DebugInfo,
            interpreter: None,
            has_dynamic: false,
            needed: Vec::new(),
            soname: None,
            rpath: Vec::new(),
            runpath: Vec::new(),
            version_needs: Vec::new(),
            version_defs: Vec::new(),
            abi_kernel: None,
            has_relr: false,
        });
    }

    let mut interpreter = None;
    for segment in segments {
        if let Some(interp) = segment.interpreter(endian, data).map_err(malformed("PT_INTERP"))? {
            interpreter = Some(text(interp));
        }
    }

    let dynamic = dynamic_facts::<Elf>(endian, data, segments, &sections)?;
    let version_needs = version_needs::<Elf>(endian, data, &sections, want)?;
    let version_defs = version_defs::<Elf>(endian, data, &sections)?;
    let abi_kernel = abi_kernel::<Elf>(endian, data, segments, &sections);

    let kind = match header.e_type(endian) {
        elf::ET_EXEC => ElfKind::Executable,
        elf::ET_DYN if dynamic.pie_flag => ElfKind::Executable,
        elf::ET_DYN if dynamic.soname.is_none() && interpreter.is_some() => ElfKind::Executable,
        // A static PIE: no interpreter, no NEEDED, no SONAME, but an entry point.
        elf::ET_DYN if dynamic.soname.is_none() && dynamic.needed.is_empty() && header.e_entry(endian).into() != 0 => {
            ElfKind::Executable
        }
        elf::ET_DYN => ElfKind::SharedLibrary,
        elf::ET_REL => ElfKind::Relocatable,
        elf::ET_CORE => ElfKind::Core,
        _ => ElfKind::Other,
    };

    Ok(ElfInfo {
        bits,
        little_endian,
        machine,
        arch: arch_name(machine, bits, little_endian),
        kind,
        interpreter,
        has_dynamic: dynamic.present,
        needed: dynamic.needed,
        soname: dynamic.soname,
        rpath: dynamic.rpath,
        runpath: dynamic.runpath,
        version_needs,
        version_defs,
        abi_kernel,
        has_relr: dynamic.has_relr,
    })
}

/// True for a separate debug-info file: its code or dynamic section is there
/// in name only (SHT_NOBITS).
fn is_debug_info<'data, Elf: FileHeader<Endian = Endianness>>(
    endian: Endianness,
    sections: &SectionTable<'data, Elf, &'data [u8]>,
) -> bool {
    [&b".text"[..], b".dynamic", b".interp"]
        .iter()
        .any(|name| sections.section_by_name(endian, name).is_some_and(|(_, s)| s.sh_type(endian) == elf::SHT_NOBITS))
}

/// Reads the dynamic table from its section, or from PT_DYNAMIC (with the
/// string table found through DT_STRTAB) when section headers are stripped.
fn dynamic_facts<'data, Elf: FileHeader<Endian = Endianness>>(
    endian: Endianness,
    data: &'data [u8],
    segments: &'data [Elf::ProgramHeader],
    sections: &SectionTable<'data, Elf, &'data [u8]>,
) -> Res<DynamicFacts> {
    let (entries, strings) = match sections.dynamic(endian, data).map_err(malformed("dynamic section"))? {
        Some((entries, link)) => {
            let strings = sections.strings(endian, data, link).map_err(malformed("dynamic string table"))?;
            (entries, strings)
        }
        None => {
            let mut found = None;
            for segment in segments {
                if let Some(entries) = segment.dynamic(endian, data).map_err(malformed("PT_DYNAMIC"))? {
                    found = Some(entries);
                }
            }
            match found {
                Some(entries) => {
                    let strings = strings_from_segments::<Elf>(endian, data, segments, entries)?;
                    (entries, strings)
                }
                None => return Ok(DynamicFacts::default()),
            }
        }
    };

    let mut facts = DynamicFacts { present: true, ..DynamicFacts::default() };
    let string = |entry: &Elf::Dyn, what: &str| -> Res<String> {
        let offset = u32::try_from(entry.d_val(endian).into())
            .map_err(|_| ParseError::Malformed(format!("{what}: string offset out of range")))?;
        strings.get(offset).map(text).map_err(|()| ParseError::Malformed(format!("{what}: invalid string offset")))
    };
    for entry in entries {
        let tag = entry.d_tag(endian);
        match tag {
            elf::DT_NULL => break,
            elf::DT_NEEDED => facts.needed.push(string(entry, "DT_NEEDED")?),
            elf::DT_SONAME => facts.soname = Some(string(entry, "DT_SONAME")?),
            elf::DT_RPATH => facts.rpath.extend(split_path(&string(entry, "DT_RPATH")?)),
            elf::DT_RUNPATH => facts.runpath.extend(split_path(&string(entry, "DT_RUNPATH")?)),
            elf::DT_RELR | elf::DT_RELRSZ | elf::DT_RELRENT => facts.has_relr = true,
            elf::DT_FLAGS_1 => facts.pie_flag = entry.d_val(endian).into() & elf::DF_1_PIE.0 != 0,
            _ => {}
        }
    }
    Ok(facts)
}

fn split_path(value: &str) -> impl Iterator<Item = String> + '_ {
    value.split(':').filter(|entry| !entry.is_empty()).map(str::to_string)
}

/// The dynamic string table of a file without section headers: DT_STRTAB is
/// an address, mapped to a file offset through the PT_LOAD segments.
fn strings_from_segments<'data, Elf: FileHeader<Endian = Endianness>>(
    endian: Endianness,
    data: &'data [u8],
    segments: &[Elf::ProgramHeader],
    entries: &[Elf::Dyn],
) -> Res<StringTable<'data, &'data [u8]>> {
    let mut address = None;
    let mut size = None;
    for entry in entries {
        match entry.d_tag(endian) {
            elf::DT_NULL => break,
            elf::DT_STRTAB => address = Some(entry.d_val(endian).into()),
            elf::DT_STRSZ => size = Some(entry.d_val(endian).into()),
            _ => {}
        }
    }
    let (Some(address), Some(size)) = (address, size) else {
        return Ok(StringTable::default());
    };
    for segment in segments {
        if segment.p_type(endian) != elf::PT_LOAD {
            continue;
        }
        let vaddr: u64 = segment.p_vaddr(endian).into();
        let filesz: u64 = segment.p_filesz(endian).into();
        let offset: u64 = segment.p_offset(endian).into();
        if address >= vaddr && address - vaddr < filesz {
            let start = offset
                .checked_add(address - vaddr)
                .ok_or_else(|| ParseError::Malformed("DT_STRTAB: address overflow".into()))?;
            let end = start.saturating_add(size).min(data.len() as u64);
            if start > end {
                return Err(ParseError::Malformed("DT_STRTAB: outside the file".into()));
            }
            return Ok(StringTable::new(data, start, end));
        }
    }
    Err(ParseError::Malformed("DT_STRTAB: address not in any loaded segment".into()))
}

/// `.gnu.version_r`, with the dynamic symbols bound to each needed node.
fn version_needs<'data, Elf: FileHeader<Endian = Endianness>>(
    endian: Endianness,
    data: &'data [u8],
    sections: &SectionTable<'data, Elf, &'data [u8]>,
    want: WantSymbols,
) -> Res<Vec<VersionNeed>> {
    let Some((mut needs, link)) = sections.gnu_verneed(endian, data).map_err(malformed(".gnu.version_r"))? else {
        return Ok(Vec::new());
    };
    let strings = sections.strings(endian, data, link).map_err(malformed(".gnu.version_r strings"))?;

    let mut result: Vec<VersionNeed> = Vec::new();
    // Version index (vna_other) -> slot; slot -> (need, version) position in `result`.
    let mut slot_of: Vec<Option<u32>> = Vec::new();
    let mut slots: Vec<(usize, usize)> = Vec::new();
    // Every record takes 16 bytes of the file; overlapping records (vn_next or
    // vna_next pointing back into one) could otherwise repeat without end.
    let limit = data.len() / 16;
    while let Some((need, mut auxes)) = needs.next().map_err(malformed(".gnu.version_r"))? {
        let file = need.file(endian, strings).map_err(malformed(".gnu.version_r file name"))?;
        let need_pos = result.len();
        result.push(VersionNeed { file: text(file), versions: Vec::new() });
        while let Some(aux) = auxes.next().map_err(malformed(".gnu.version_r entry"))? {
            if slots.len() + result.len() > limit {
                return Err(ParseError::Malformed(".gnu.version_r: more entries than the file can hold".into()));
            }
            let name = aux.name(endian, strings).map_err(malformed(".gnu.version_r version name"))?;
            let weak = aux.vna_flags.get(endian).contains(elf::VER_FLG_WEAK);
            let index = usize::from(aux.vna_other(endian).index());
            let version_pos = result[need_pos].versions.len();
            result[need_pos].versions.push(NeededVersion { name: text(name), weak, symbols: Vec::new() });
            // Indexes are 15 bits, so this table stays small whatever the file says.
            if slot_of.len() <= index {
                slot_of.resize(index + 1, None);
            }
            // Slots whose symbols are not wanted stay out of the table: their
            // symbols are skipped before their names are even looked up.
            if want(&result[need_pos].file, &result[need_pos].versions[version_pos].name) {
                slot_of[index] = Some(slots.len() as u32);
            }
            slots.push((need_pos, version_pos));
        }
        if slots.len() + result.len() > limit {
            return Err(ParseError::Malformed(".gnu.version_r: more entries than the file can hold".into()));
        }
    }

    if let Some((versyms, link)) = sections.gnu_versym(endian, data).map_err(malformed(".gnu.version"))? {
        let symtab = sections.symbol_table_by_index(endian, data, link).map_err(malformed(".dynsym"))?;
        let mut bound: Vec<(u32, &[u8])> = Vec::new();
        for (sym, versym) in symtab.symbols().iter().zip(versyms) {
            let index = usize::from(versym.0.get(endian).index());
            let Some(Some(slot)) = slot_of.get(index) else { continue };
            let name = symtab.symbol_name(endian, sym).map_err(malformed(".dynsym symbol name"))?;
            if !name.is_empty() {
                bound.push((*slot, name));
            }
        }
        bound.sort_unstable();
        bound.dedup();
        for (slot, name) in bound {
            let (n, v) = slots[slot as usize];
            result[n].versions[v].symbols.push(text(name));
        }
    }
    Ok(result)
}

/// `.gnu.version_d` names, without the base (soname) entry.
fn version_defs<'data, Elf: FileHeader<Endian = Endianness>>(
    endian: Endianness,
    data: &'data [u8],
    sections: &SectionTable<'data, Elf, &'data [u8]>,
) -> Res<Vec<String>> {
    let Some((mut defs, link)) = sections.gnu_verdef(endian, data).map_err(malformed(".gnu.version_d"))? else {
        return Ok(Vec::new());
    };
    let strings = sections.strings(endian, data, link).map_err(malformed(".gnu.version_d strings"))?;
    let mut names = Vec::new();
    let mut entries = 0usize;
    while let Some((def, mut auxes)) = defs.next().map_err(malformed(".gnu.version_d"))? {
        entries += 1;
        if entries > data.len() / 20 {
            return Err(ParseError::Malformed(".gnu.version_d: more entries than the file can hold".into()));
        }
        if def.vd_flags.get(endian).contains(elf::VER_FLG_BASE) {
            continue;
        }
        if let Some(aux) = auxes.next().map_err(malformed(".gnu.version_d entry"))? {
            names.push(text(aux.name(endian, strings).map_err(malformed(".gnu.version_d version name"))?));
        }
    }
    Ok(names)
}

/// NT_GNU_ABI_TAG for Linux, from PT_NOTE segments (or SHT_NOTE sections when
/// there are no program headers). A broken note is ignored: the loader
/// ignores what it cannot read there too.
fn abi_kernel<'data, Elf: FileHeader<Endian = Endianness>>(
    endian: Endianness,
    data: &'data [u8],
    segments: &'data [Elf::ProgramHeader],
    sections: &SectionTable<'data, Elf, &'data [u8]>,
) -> Option<Version> {
    let mut iterators = Vec::new();
    for segment in segments {
        if let Ok(Some(notes)) = segment.notes(endian, data) {
            iterators.push(notes);
        }
    }
    if segments.is_empty() {
        for section in sections.iter() {
            if let Ok(Some(notes)) = section.notes(endian, data) {
                iterators.push(notes);
            }
        }
    }
    for mut notes in iterators {
        while let Ok(Some(note)) = notes.next() {
            if note.name() != elf::ELF_NOTE_GNU || note.n_type(endian) != elf::NT_GNU_ABI_TAG {
                continue;
            }
            let desc = note.desc();
            if desc.len() < 16 {
                continue;
            }
            let word = |i: usize| {
                let bytes = [desc[i * 4], desc[i * 4 + 1], desc[i * 4 + 2], desc[i * 4 + 3]];
                if endian.is_little_endian() {
                    u32::from_le_bytes(bytes)
                } else {
                    u32::from_be_bytes(bytes)
                }
            };
            if word(0) == elf::ELF_NOTE_OS_LINUX {
                return Version::parse(&format!("{}.{}.{}", word(1), word(2), word(3)));
            }
        }
    }
    None
}

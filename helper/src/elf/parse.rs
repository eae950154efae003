//! Turning ELF bytes into an [`ElfInfo`] with `object`'s low-level ELF readers
//! (file header, program headers, section table, dynamic table, version
//! tables, notes). Only the parts compat needs are read; nothing is copied
//! except names.

use object::{
    elf,
    read::elf::{FileHeader, ProgramHeader, SectionHeader, SectionTable},
    Endian, Endianness,
};

use super::{
    machine::arch_name,
    sections, segments,
    versions::{self, Budget, Strings, WantSymbols},
    ElfInfo, ElfKind, ParseError,
};
use crate::version::Version;

type Res<T> = Result<T, ParseError>;

fn malformed(what: &str) -> impl Fn(object::read::Error) -> ParseError + '_ {
    move |err| ParseError::Malformed(format!("{what}: {err}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub(super) fn parse(data: &[u8], want: WantSymbols, source: Source) -> Res<ElfInfo> {
    if !super::is_elf(data) {
        return Err(ParseError::NotElf);
    }
    // e_ident[EI_CLASS]
    match data.get(4).map(|&c| elf::FileClass(c)) {
        Some(elf::ELFCLASS32) => parse_as::<elf::FileHeader32<Endianness>>(data, want, source),
        Some(elf::ELFCLASS64) => parse_as::<elf::FileHeader64<Endianness>>(data, want, source),
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

/// Where the dynamic facts were read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Source {
    /// The dynamic segment, as the loader reads it; section headers only
    /// when there is no PT_DYNAMIC.
    Loader,
    /// Section headers only (for tests that hold both readings side by side).
    #[cfg(test)]
    Sections,
}

fn parse_as<Elf: FileHeader<Endian = Endianness>>(data: &[u8], want: WantSymbols, source: Source) -> Res<ElfInfo> {
    let header = Elf::parse(data).map_err(malformed("ELF header"))?;
    let endian = header.endian().map_err(malformed("ELF header"))?;
    let bits = if header.is_class_64() { 64 } else { 32 };
    let machine = header.e_machine(endian).0;
    let segments = header.program_headers(endian, data).map_err(malformed("program headers"))?;
    let sections = header.sections(endian, data).map_err(malformed("section headers"))?;

    let little_endian = header.is_little_endian();
    if sections::is_debug_info::<Elf>(endian, &sections) {
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

    let mut budget = Budget::for_file(data.len());
    let loads = segments::Loads::new::<Elf>(endian, data, segments)?;
    let from_segment = match source {
        Source::Loader => segments::entries::<Elf>(endian, data, segments, &loads)?,
        #[cfg(test)]
        Source::Sections => None,
    };
    let (dynamic, tables) = match from_segment {
        Some(entries) => {
            let strings = segments::strings(data, &loads, &entries)?;
            let facts = dynamic_facts(&entries, strings, &mut budget)?;
            let listed = |address| sections::dynsym_count_at::<Elf>(endian, &sections, address);
            (facts, segments::tables::<Elf>(endian, data, &loads, &entries, strings, listed)?)
        }
        None => {
            let facts = match sections::entries::<Elf>(endian, data, &sections)? {
                Some((entries, strings)) => dynamic_facts(&entries, strings, &mut budget)?,
                None => DynamicFacts::default(),
            };
            (facts, sections::tables::<Elf>(endian, data, &sections)?)
        }
    };
    let version_needs = versions::needs(endian, &tables, data.len(), want, &mut budget)?;
    let version_defs = versions::defs(endian, &tables, data.len(), &mut budget)?;
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

/// NEEDED, SONAME, RPATH, RUNPATH, RELR and the PIE flag from a dynamic table.
fn dynamic_facts(entries: &[segments::Entry], strings: Strings, budget: &mut Budget) -> Res<DynamicFacts> {
    let mut facts = DynamicFacts { present: true, ..DynamicFacts::default() };
    let mut string = |value: u64, what: &str| -> Res<String> {
        let bytes = strings
            .get(value)
            .ok_or_else(|| ParseError::Malformed(format!("{what}: invalid string offset (or no DT_STRTAB)")))?;
        budget.text(bytes)
    };
    for &(tag, value) in entries {
        match tag {
            elf::DT_NEEDED => facts.needed.push(string(value, "DT_NEEDED")?),
            elf::DT_SONAME => facts.soname = Some(string(value, "DT_SONAME")?),
            elf::DT_RPATH => facts.rpath.extend(split_path(&string(value, "DT_RPATH")?)),
            elf::DT_RUNPATH => facts.runpath.extend(split_path(&string(value, "DT_RUNPATH")?)),
            elf::DT_RELR | elf::DT_RELRSZ | elf::DT_RELRENT => facts.has_relr = true,
            elf::DT_FLAGS_1 => facts.pie_flag = value & elf::DF_1_PIE.0 != 0,
            _ => {}
        }
    }
    Ok(facts)
}

fn split_path(value: &str) -> impl Iterator<Item = String> + '_ {
    value.split(':').filter(|entry| !entry.is_empty()).map(str::to_string)
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

//! The fallback for files without PT_DYNAMIC (object files, odd files the
//! loader would not load anyway): the dynamic table and the versioning
//! tables found through section headers. Also: recognising separate
//! debug-info files, which only their section headers tell apart.

use object::{
    elf, pod,
    read::elf::{Dyn, FileHeader, SectionHeader, SectionTable},
    Endianness, SectionIndex,
};

use super::{
    segments::Entry,
    versions::{Strings, Tables},
    ParseError,
};

type Res<T> = Result<T, ParseError>;

fn malformed(what: &str) -> impl Fn(object::read::Error) -> ParseError + '_ {
    move |err| ParseError::Malformed(format!("{what}: {err}"))
}

type Sections<'data, Elf> = SectionTable<'data, Elf, &'data [u8]>;

/// True for a separate debug-info file: its code or dynamic section is there
/// in name only (SHT_NOBITS).
pub(super) fn is_debug_info<Elf: FileHeader<Endian = Endianness>>(
    endian: Endianness,
    sections: &Sections<'_, Elf>,
) -> bool {
    [&b".text"[..], b".dynamic", b".interp"]
        .iter()
        .any(|name| sections.section_by_name(endian, name).is_some_and(|(_, s)| s.sh_type(endian) == elf::SHT_NOBITS))
}

/// The bytes of the string table section `link`.
fn strings_at<'data, Elf: FileHeader<Endian = Endianness>>(
    endian: Endianness,
    data: &'data [u8],
    sections: &Sections<'data, Elf>,
    link: SectionIndex,
    what: &str,
) -> Res<Strings<'data>> {
    let section = sections.section(link).map_err(malformed(what))?;
    Ok(Strings(section.data(endian, data).map_err(malformed(what))?))
}

/// The SHT_DYNAMIC section's entries up to DT_NULL and its string table;
/// `None` when there is no such section.
pub(super) fn entries<'data, Elf: FileHeader<Endian = Endianness>>(
    endian: Endianness,
    data: &'data [u8],
    sections: &Sections<'data, Elf>,
) -> Res<Option<(Vec<Entry>, Strings<'data>)>> {
    let Some((table, link)) = sections.dynamic(endian, data).map_err(malformed("dynamic section"))? else {
        return Ok(None);
    };
    let strings = strings_at(endian, data, sections, link, "dynamic string table")?;
    let mut list = Vec::new();
    for entry in table {
        let tag = entry.d_tag(endian);
        if tag == elf::DT_NULL {
            break;
        }
        list.push((tag, entry.d_val(endian).into()));
    }
    Ok(Some((list, strings)))
}

/// The data and linked section of the first section of type `kind`.
fn section_of<'data, Elf: FileHeader<Endian = Endianness>>(
    endian: Endianness,
    data: &'data [u8],
    sections: &Sections<'data, Elf>,
    kind: elf::SectionType,
    what: &str,
) -> Res<Option<(&'data [u8], SectionIndex)>> {
    match sections.iter().find(|s| s.sh_type(endian) == kind) {
        Some(section) => Ok(Some((section.data(endian, data).map_err(malformed(what))?, section.link(endian)))),
        None => Ok(None),
    }
}

/// The versioning tables found through section headers.
pub(super) fn tables<'data, Elf: FileHeader<Endian = Endianness>>(
    endian: Endianness,
    data: &'data [u8],
    sections: &Sections<'data, Elf>,
) -> Res<Tables<'data, Elf>> {
    let verneed = section_of(endian, data, sections, elf::SHT_GNU_VERNEED, ".gnu.version_r")?;
    let verdef = section_of(endian, data, sections, elf::SHT_GNU_VERDEF, ".gnu.version_d")?;
    let dynsym = section_of(endian, data, sections, elf::SHT_DYNSYM, ".dynsym")?;
    // The tables share the dynamic string table; take it from whichever links it.
    let strings = match verneed.or(verdef).or(dynsym) {
        Some((_, link)) => strings_at(endian, data, sections, link, "dynamic string table")?,
        None => Strings::default(),
    };
    let mut tables =
        Tables { strings, verneed: verneed.map(|v| v.0), verdef: verdef.map(|v| v.0), symbols: &[], versym: &[] };
    if let (Some((symbols, _)), Some((versym, _))) =
        (dynsym, section_of(endian, data, sections, elf::SHT_GNU_VERSYM, ".gnu.version")?)
    {
        tables.symbols = pod::slice_from_all_bytes::<Elf::Sym>(trim::<Elf::Sym>(symbols))
            .map_err(|()| ParseError::Malformed(".dynsym: misaligned".into()))?;
        tables.versym = pod::slice_from_all_bytes::<elf::Versym<Endianness>>(trim::<elf::Versym<Endianness>>(versym))
            .map_err(|()| ParseError::Malformed(".gnu.version: misaligned".into()))?;
    }
    Ok(tables)
}

/// `bytes` cut to a whole number of `T`.
fn trim<T>(bytes: &[u8]) -> &[u8] {
    &bytes[..bytes.len() - bytes.len() % std::mem::size_of::<T>()]
}

/// The number of entries of the SHT_DYNSYM section at address `address`, if any.
pub(super) fn dynsym_count_at<Elf: FileHeader<Endian = Endianness>>(
    endian: Endianness,
    sections: &Sections<'_, Elf>,
    address: u64,
) -> Option<usize> {
    let section =
        sections.iter().find(|s| s.sh_type(endian) == elf::SHT_DYNSYM && s.sh_addr(endian).into() == address)?;
    let size: u64 = section.sh_size(endian).into();
    usize::try_from(size / std::mem::size_of::<Elf::Sym>() as u64).ok()
}

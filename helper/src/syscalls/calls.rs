//! Where the calls to one function (libc's `syscall()`) land in an image:
//! the function itself when linked in, else its PLT stubs ([`super::plt`])
//! and the GOT slots an indirect call loads, found through the dynamic
//! relocations. Above [`super::image`] and [`super::plt`]; below the site
//! finders, which look for calls to these addresses.

use std::collections::HashSet;

use object::{elf, read::elf::SectionHeader as _, Endianness, Object, RelocationFlags, RelocationTarget};

use super::{
    image::{name_is, Image},
    plt,
    tables::Arch,
};

/// Where calls to one function land.
#[derive(Default, Debug)]
pub(crate) struct CallTargets {
    /// Addresses of the function or of its PLT stubs (`call rel32` / `bl`).
    /// Few (one to three), so a vector beats hashing in the byte scan.
    pub(crate) direct: Vec<u64>,
    /// GOT slots holding its address (`call [rip+slot]`, -fno-plt).
    pub(crate) slots: Vec<u64>,
}

impl CallTargets {
    /// Addresses a call to `name` lands on in `image`: its PLT stubs (or,
    /// linked in, the function itself), and the GOT slots an indirect call loads.
    pub(crate) fn of(image: &Image, name: &str) -> CallTargets {
        let mut targets = CallTargets::default();
        if image.is_static || image.is_libc {
            targets.direct = image.function_starts(name);
            return targets;
        }
        let slots = got_slots(image, name);
        if slots.is_empty() {
            return targets;
        }
        let all: HashSet<u64> = slots.iter().map(|s| s.0).collect();
        targets.direct = plt::stubs(image, &all).into_iter().collect();
        targets.direct.sort_unstable();
        // Code loads a function's address from its GOT slot (-fno-plt) through
        // a GLOB_DAT slot; JUMP_SLOT slots are read only by PLT stubs.
        targets.slots = slots.into_iter().filter(|s| !s.1).map(|s| s.0).collect();
        targets.slots.sort_unstable();
        targets.slots.dedup();
        targets
    }
}

/// The GOT slots the dynamic relocations fill with `name`'s address,
/// each with whether it is a JUMP_SLOT (lazy binding for a PLT stub).
///
/// The REL/RELA tables are read as arrays and each entry is kept only when
/// its symbol is `name`, whose indices are found by comparing the bytes of
/// the string table in place: a large library has hundreds of thousands of
/// relocations and tens of thousands of names, and building a relocation
/// value or finding the end of every name cost more than the search for
/// the call sites. An image with compact (CREL) tables takes object's
/// general iterator.
///
/// The entries the dynamic section counts as relative (DT_RELACOUNT,
/// DT_RELCOUNT: most of a large library's table) are skipped: glibc's
/// loader applies them as relative relocations whatever type they give,
/// so none of them ever holds `name`'s address.
fn got_slots(image: &Image, name: &str) -> Vec<(u64, bool)> {
    let file = &image.file;
    let (endian, data) = (file.endian(), file.data());
    let jump_slot = match image.arch {
        Arch::X86_64 => elf::R_X86_64_JUMP_SLOT,
        Arch::Aarch64 => elf::R_AARCH64_JUMP_SLOT,
        _ => return Vec::new(),
    };
    let dynsym = file.elf_dynamic_symbol_table();
    let Some(strings) = image.strings_of(dynsym) else { return Vec::new() };
    // One index, or a few: a list beats hashing for every relocation.
    let wanted: Vec<u32> = dynsym
        .symbols()
        .iter()
        .enumerate()
        .filter(|(_, sym)| name_is(strings, sym.st_name.get(endian), name.as_bytes()))
        .filter_map(|(index, _)| u32::try_from(index).ok())
        .collect();
    if wanted.is_empty() {
        return Vec::new();
    }
    let linked: Vec<_> =
        file.elf_section_table().iter().filter(|s| s.sh_link(endian) == dynsym.section().0 as u32).collect();
    if linked.iter().any(|s| s.sh_type(endian) == elf::SHT_CREL) {
        return object_got_slots(image, &wanted, jump_slot);
    }
    // The entries of `table` after those the loader takes as relative.
    let after_relative = |section: &elf::SectionHeader64<Endianness>, (addr, count): (u64, u64), len: usize| {
        let skip = if addr != 0 && section.sh_addr(endian) == addr { count } else { 0 };
        usize::try_from(skip).unwrap_or(usize::MAX).min(len)
    };
    let [rela_relative, rel_relative] = image.relative_first;
    let mut out = Vec::new();
    for section in linked {
        match section.sh_type(endian) {
            elf::SHT_RELA => {
                let Ok(table) = section.data_as_array::<elf::Rela64<Endianness>, _>(endian, data) else { continue };
                out.extend(
                    table[after_relative(section, rela_relative, table.len())..]
                        .iter()
                        .filter(|r| wanted.contains(&r.r_sym(endian, false)))
                        .map(|r| (r.r_offset.get(endian), r.r_type(endian, false) == jump_slot)),
                );
            }
            elf::SHT_REL => {
                let Ok(table) = section.data_as_array::<elf::Rel64<Endianness>, _>(endian, data) else { continue };
                out.extend(
                    table[after_relative(section, rel_relative, table.len())..]
                        .iter()
                        .filter(|r| wanted.contains(&r.r_sym(endian)))
                        .map(|r| (r.r_offset.get(endian), r.r_type(endian) == jump_slot)),
                );
            }
            _ => {}
        }
    }
    out
}

/// [`got_slots`] through object's relocation iterator, which reads every
/// table kind.
fn object_got_slots(image: &Image, wanted: &[u32], jump_slot: elf::RelocationType) -> Vec<(u64, bool)> {
    let Some(relocations) = image.file.dynamic_relocations() else { return Vec::new() };
    relocations
        .filter(|(_, r)| {
            matches!(r.target(), RelocationTarget::Symbol(i) if u32::try_from(i.0).is_ok_and(|i| wanted.contains(&i)))
        })
        .map(|(offset, r)| (offset, matches!(r.flags(), RelocationFlags::Elf { r_type } if r_type == jump_slot)))
        .collect()
}

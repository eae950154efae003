//! Where the calls to one function (libc's `syscall()`) land in an image:
//! the function itself when linked in, else its PLT stubs ([`super::plt`])
//! and the GOT slots an indirect call loads, found through the dynamic
//! relocations. Above [`super::image`] and [`super::plt`]; below the site
//! finders, which look for calls to these addresses.

use std::collections::{HashMap, HashSet};

use object::{elf, Object, ObjectSymbol, RelocationFlags, RelocationTarget};

use super::{
    image::{Functions, Image},
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
    pub(crate) fn of(image: &Image, name: &str, functions: &Functions) -> CallTargets {
        let mut targets = CallTargets::default();
        if image.is_static || image.is_libc {
            targets.direct = functions.starts_of(name);
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
fn got_slots(image: &Image, name: &str) -> Vec<(u64, bool)> {
    let Some(relocations) = image.file.dynamic_relocations() else { return Vec::new() };
    let wanted: HashMap<usize, ()> = image
        .file
        .dynamic_symbols()
        .filter(|s| s.name_bytes().is_ok_and(|n| n == name.as_bytes()))
        .map(|s| (s.index().0, ()))
        .collect();
    if wanted.is_empty() {
        return Vec::new();
    }
    let jump_slot = match image.arch {
        Arch::X86_64 => elf::R_X86_64_JUMP_SLOT,
        Arch::Aarch64 => elf::R_AARCH64_JUMP_SLOT,
        _ => return Vec::new(),
    };
    relocations
        .filter(|(_, r)| matches!(r.target(), RelocationTarget::Symbol(i) if wanted.contains_key(&i.0)))
        .map(|(offset, r)| (offset, matches!(r.flags(), RelocationFlags::Elf { r_type } if r_type == jump_slot)))
        .collect()
}

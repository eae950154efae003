//! PLT stubs: which stub jumps through which GOT slot, so a `call` to a
//! stub can be named (`call syscall@plt`).
//!
//! x86_64: every `jmp [rip+slot]` in .plt / .plt.sec / .plt.got is a stub
//! (with the `endbr64` before it, where there is one). aarch64: every
//! `adrp x16, page` + `ldr x17, [x16, #off]` pair in .plt.

use std::collections::HashSet;

use iced_x86::{Code, Decoder, DecoderOptions, Instruction, Mnemonic, Register};
use object::{Object, ObjectSection};

use super::{a64, image::Image, tables::Arch};

const PLT_SECTIONS: &[&str] = &[".plt", ".plt.sec", ".plt.got", ".iplt"];

/// Addresses of the PLT stubs that jump through one of `slots`.
pub(crate) fn stubs(image: &Image, slots: &HashSet<u64>) -> HashSet<u64> {
    let mut out = HashSet::new();
    for section in image.file.sections() {
        if !section.name().is_ok_and(|n| PLT_SECTIONS.contains(&n)) {
            continue;
        }
        let Ok(bytes) = section.data() else { continue };
        match image.arch {
            Arch::X86_64 => x86_64_stubs(section.address(), bytes, slots, &mut out),
            Arch::Aarch64 => aarch64_stubs(section.address(), bytes, slots, &mut out),
            _ => {}
        }
    }
    out
}

fn x86_64_stubs(addr: u64, bytes: &[u8], slots: &HashSet<u64>, out: &mut HashSet<u64>) {
    let mut decoder = Decoder::with_ip(64, bytes, addr, DecoderOptions::NONE);
    let mut previous = Instruction::default();
    let mut ins = Instruction::default();
    while decoder.can_decode() {
        decoder.decode_out(&mut ins);
        if ins.mnemonic() == Mnemonic::Jmp
            && ins.memory_base() == Register::RIP
            && slots.contains(&ins.memory_displacement64())
        {
            out.insert(ins.ip());
            if previous.code() == Code::Endbr64 && previous.next_ip() == ins.ip() {
                out.insert(previous.ip());
            }
        }
        previous = ins;
    }
}

fn aarch64_stubs(addr: u64, bytes: &[u8], slots: &HashSet<u64>, out: &mut HashSet<u64>) {
    let words: Vec<(u64, u32)> = bytes
        .chunks_exact(4)
        .enumerate()
        .map(|(i, w)| (addr + 4 * i as u64, u32::from_le_bytes([w[0], w[1], w[2], w[3]])))
        .collect();
    for pair in words.windows(2) {
        let ((pc, adrp), (_, ldr)) = (pair[0], pair[1]);
        let (Some((rd, page)), Some((rt, rn, offset))) = (a64::adrp(pc, adrp), a64::ldr_x_imm(ldr)) else {
            continue;
        };
        if rd == 16 && rn == 16 && rt == 17 && slots.contains(&page.wrapping_add(offset)) {
            out.insert(pc);
        }
    }
}

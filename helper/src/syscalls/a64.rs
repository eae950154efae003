//! A64 instruction words, decoded as far as the syscall analysis needs:
//! pure functions of a 32-bit word (and its address), with no knowledge of
//! ELF images or syscalls. The bottom layer of [`super`]: it imports
//! nothing from it.
//!
//! No crate decodes AArch64 for us, so only the few forms that matter are
//! recognised: `movz`/`movn`/`movk` (a constant and its patches), `adrp` +
//! `ldr` (a PLT stub's GOT load), branches (their targets), and the
//! instructions after which a register's value is unknown.

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum MoveWide {
    Z,
    N,
    K,
}

/// movz / movn / movk: (rd, 64-bit, kind, shift, imm16).
pub(crate) fn move_wide(word: u32) -> Option<(u32, bool, MoveWide, u32, u64)> {
    if word & 0x1f80_0000 != 0x1280_0000 {
        return None;
    }
    let kind = match (word >> 29) & 3 {
        0 => MoveWide::N,
        2 => MoveWide::Z,
        3 => MoveWide::K,
        _ => return None,
    };
    let wide = word >> 31 == 1;
    let hw = (word >> 21) & 3;
    if !wide && hw > 1 {
        return None;
    }
    Some((word & 31, wide, kind, hw * 16, u64::from((word >> 5) & 0xffff)))
}

/// Unconditional branches, calls, returns, exception generation.
pub(crate) fn is_barrier(word: u32) -> bool {
    (word & 0x7c00_0000) == 0x1400_0000 // b, bl
        || (word & 0xfe00_0000) == 0xd600_0000 // br, blr, ret, eret
        || (word & 0xff00_0000) == 0xd400_0000 // svc, hvc, smc, brk, hlt
}

/// Whether `word` may write register `reg` (conservative: yes when unsure).
pub(crate) fn may_write(word: u32, reg: u32) -> bool {
    let rt = word & 31;
    let rn = (word >> 5) & 31;
    let rt2 = (word >> 10) & 31;
    let rs = (word >> 16) & 31;
    let load_store = (word >> 25) & 0b101 == 0b100;
    if load_store {
        return rt == reg || rn == reg || rt2 == reg || rs == reg;
    }
    if is_conditional_branch(word) || word & 0xffff_f01f == 0xd503_201f {
        return false; // b.cond / cbz / tbz read only; hints (nop, bti, paciasp) write nothing
    }
    rt == reg
}

fn is_conditional_branch(word: u32) -> bool {
    (word & 0xff00_0010) == 0x5400_0000 || (word & 0x7e00_0000) == 0x3400_0000 || (word & 0x7e00_0000) == 0x3600_0000
}

fn sign_extend(value: u32, bits: u32) -> i64 {
    let shift = 64 - bits;
    ((u64::from(value) << shift) as i64) >> shift
}

/// Target of the `b` / `bl` at `pc` (the caller checks the opcode).
pub(crate) fn branch26(pc: u64, word: u32) -> u64 {
    pc.wrapping_add_signed(sign_extend(word & 0x03ff_ffff, 26) * 4)
}

/// Target of b / b.cond / cbz / cbnz / tbz / tbnz.
pub(crate) fn branch_target(pc: u64, word: u32) -> Option<u64> {
    if (word & 0xfc00_0000) == 0x1400_0000 {
        Some(branch26(pc, word))
    } else if (word & 0xff00_0010) == 0x5400_0000 || (word & 0x7e00_0000) == 0x3400_0000 {
        Some(pc.wrapping_add_signed(sign_extend((word >> 5) & 0x7ffff, 19) * 4))
    } else if (word & 0x7e00_0000) == 0x3600_0000 {
        Some(pc.wrapping_add_signed(sign_extend((word >> 5) & 0x3fff, 14) * 4))
    } else {
        None
    }
}

/// `adrp xd, page`: (d, page address).
pub(crate) fn adrp(pc: u64, word: u32) -> Option<(u32, u64)> {
    if word & 0x9f00_0000 != 0x9000_0000 {
        return None;
    }
    let imm = (((word >> 5) & 0x7ffff) << 2) | ((word >> 29) & 3);
    Some((word & 31, (pc & !0xfff).wrapping_add_signed(sign_extend(imm, 21) << 12)))
}

/// `ldr xt, [xn, #off]` (unsigned offset): (t, n, offset).
pub(crate) fn ldr_x_imm(word: u32) -> Option<(u32, u32, u64)> {
    if word & 0xffc0_0000 != 0xf940_0000 {
        return None;
    }
    Some((word & 31, (word >> 5) & 31, u64::from((word >> 10) & 0xfff) * 8))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_forms_that_set_a_syscall_number() {
        // mov w8, #447 = movz w8, #0x1bf
        assert_eq!(move_wide(0x5280_37e8).map(|m| (m.0, m.3, m.4)), Some((8, 0, 447)));
        // movk x8, #0x1, lsl #16
        assert!(move_wide(0xf2a0_0028).is_some_and(|m| m.2 == MoveWide::K && m.3 == 16 && m.4 == 1));
        // adrp x16, 0x11000 at 0x10000 ; ldr x17, [x16, #8]
        assert_eq!(adrp(0x10000, 0xb000_0010), Some((16, 0x11000)));
        assert_eq!(ldr_x_imm(0xf940_0611), Some((17, 16, 8)));
        assert!(is_barrier(0xd65f_03c0)); // ret
        assert!(may_write(0xaa00_03e8, 8)); // mov x8, x0
        assert!(!may_write(0xd503_201f, 8)); // nop
    }
}

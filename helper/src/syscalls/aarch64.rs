//! aarch64: find `svc #0` and calls to libc's `syscall()`, and the constant
//! in `x8`/`w8` (resp. `x0`/`w0`) on the way in.
//!
//! Instructions are 4 bytes and aligned, so the words before a candidate are
//! read back directly; only the few forms that matter are decoded here
//! (no crate decodes AArch64 for us): `movz`/`movn`/`movk` give or patch a
//! constant; any other instruction that may write the register (its Rd/Rt,
//! a second load target, a base register written back), an unconditional
//! branch, call or return, a branch target in between, or the start of the
//! function / window give "unknown".

use std::collections::HashSet;

use super::{
    budget::{Budget, GaveUp, MAX_CANDIDATES},
    image::{CallTargets, Functions, Image, Region},
    Site, Via,
};

const SVC_0: u32 = 0xd400_0001;
/// How many instructions back the walk goes when no function bounds are known.
const WINDOW: u64 = 64;

/// Where a syscall site may be: every aligned `svc #0`, and, when `calls`
/// has direct targets, every `bl`/`b` to one. (region index, address, how), sorted.
/// More than [`MAX_CANDIDATES`] is giving up: the search stops there.
pub fn candidates(image: &Image, calls: &CallTargets) -> Result<Vec<(usize, u64, Via)>, GaveUp> {
    let too_many = GaveUp::Candidates { limit: MAX_CANDIDATES };
    let svc_bytes = SVC_0.to_le_bytes();
    let svc = memchr::memmem::Finder::new(&svc_bytes);
    let mut out = Vec::new();
    for (r, region) in image.regions.iter().enumerate() {
        let aligned = |i: usize| (region.addr + i as u64) % 4 == 0;
        if calls.direct.is_empty() {
            for i in svc.find_iter(region.bytes).filter(|i| aligned(*i)) {
                out.push((r, region.addr + i as u64, Via::Instruction));
                if out.len() > MAX_CANDIDATES {
                    return Err(too_many);
                }
            }
            continue;
        }
        let skew = (4 - (region.addr % 4) as usize) % 4;
        let words = region.bytes.get(skew..).unwrap_or_default();
        for (i, w) in words.chunks_exact(4).enumerate() {
            let word = u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
            let addr = region.addr + (skew + 4 * i) as u64;
            if word == SVC_0 {
                out.push((r, addr, Via::Instruction));
            } else if (word & 0x7c00_0000) == 0x1400_0000 && calls.direct.contains(&branch26(addr, word)) {
                out.push((r, addr, Via::LibcSyscall)); // bl / b to syscall()
            }
            if out.len() > MAX_CANDIDATES {
                return Err(too_many);
            }
        }
    }
    Ok(out)
}

/// The syscall sites among `candidates` (from [`candidates`]), and how many
/// candidates were looked at before `budget` ran out (all, unless it did).
pub fn sites(
    image: &Image,
    functions: &Functions,
    candidates: Vec<(usize, u64, Via)>,
    budget: &mut Budget,
) -> (Vec<Site>, usize) {
    let total = candidates.len();
    let mut out = Vec::with_capacity(total);
    for (done, (r, addr, via)) in candidates.into_iter().enumerate() {
        let register = if via == Via::Instruction { 8 } else { 0 };
        let value = value_before(&image.regions[r], functions, addr, register, budget);
        if budget.exhausted() {
            return (out, done);
        }
        out.push(Site { addr, value, via });
    }
    (out, total)
}

fn word_at(region: &Region, addr: u64) -> Option<u32> {
    let off = usize::try_from(addr.checked_sub(region.addr)?).ok()?;
    let b = region.bytes.get(off..off + 4)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn value_before(region: &Region, functions: &Functions, addr: u64, register: u32, budget: &mut Budget) -> Option<u64> {
    let (floor, end) = match functions.enclosing(addr) {
        Some((start, size, _)) if size > 0 => (start.max(region.addr), start.saturating_add(size).min(region.end())),
        Some((start, _, _)) => (start.max(addr.saturating_sub(4 * WINDOW)).max(region.addr), addr + 4),
        None => (addr.saturating_sub(4 * WINDOW).max(region.addr), addr + 4),
    };
    // Every word of the function is read for branch targets.
    if !budget.spend(end.saturating_sub(floor)) {
        return None;
    }
    let mut targets = HashSet::new();
    let mut pc = floor;
    while pc < end {
        if let Some(target) = word_at(region, pc).and_then(|w| branch_target(pc, w)) {
            targets.insert(target);
        }
        pc += 4;
    }
    let mut patches: Vec<(u32, u64)> = Vec::new(); // movk (shift, imm16), latest first
    let mut pc = addr;
    while pc >= floor + 4 {
        if targets.contains(&pc) {
            return None;
        }
        pc -= 4;
        let word = word_at(region, pc)?;
        if let Some((rd, wide, kind, shift, imm)) = move_wide(word) {
            if rd == register {
                let mask = if wide { u64::MAX } else { u64::from(u32::MAX) };
                let base = match kind {
                    MoveWide::Z => imm << shift,
                    MoveWide::N => !(imm << shift) & mask,
                    MoveWide::K => {
                        patches.push((shift, imm));
                        continue;
                    }
                };
                let value = patches.iter().rev().fold(base, |v, &(s, i)| (v & !(0xffff << s)) | (i << s));
                return Some(value & mask);
            }
            continue;
        }
        if is_barrier(word) || may_write(word, register) {
            return None;
        }
    }
    None
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum MoveWide {
    Z,
    N,
    K,
}

/// movz / movn / movk: (rd, 64-bit, kind, shift, imm16).
fn move_wide(word: u32) -> Option<(u32, bool, MoveWide, u32, u64)> {
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
fn is_barrier(word: u32) -> bool {
    (word & 0x7c00_0000) == 0x1400_0000 // b, bl
        || (word & 0xfe00_0000) == 0xd600_0000 // br, blr, ret, eret
        || (word & 0xff00_0000) == 0xd400_0000 // svc, hvc, smc, brk, hlt
}

/// Whether `word` may write register `reg` (conservative: yes when unsure).
fn may_write(word: u32, reg: u32) -> bool {
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

fn branch26(pc: u64, word: u32) -> u64 {
    pc.wrapping_add_signed(sign_extend(word & 0x03ff_ffff, 26) * 4)
}

/// Target of b / b.cond / cbz / cbnz / tbz / tbnz.
fn branch_target(pc: u64, word: u32) -> Option<u64> {
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
pub fn adrp(pc: u64, word: u32) -> Option<(u32, u64)> {
    if word & 0x9f00_0000 != 0x9000_0000 {
        return None;
    }
    let imm = (((word >> 5) & 0x7ffff) << 2) | ((word >> 29) & 3);
    Some((word & 31, (pc & !0xfff).wrapping_add_signed(sign_extend(imm, 21) << 12)))
}

/// `ldr xt, [xn, #off]` (unsigned offset): (t, n, offset).
pub fn ldr_x_imm(word: u32) -> Option<(u32, u32, u64)> {
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

//! aarch64: find `svc #0` and calls to libc's `syscall()`, and the constant
//! in `x8`/`w8` (resp. `x0`/`w0`) on the way in.
//!
//! Instructions are 4 bytes and aligned, so the words before a candidate are
//! read back directly and decoded by [`super::a64`]: `movz`/`movn`/`movk`
//! give or patch a constant; any other instruction that may write the register (its Rd/Rt,
//! a second load target, a base register written back), an unconditional
//! branch, call or return, a branch target in between, or the start of the
//! function / window give "unknown".

use std::collections::HashSet;

use super::{
    a64::{branch26, branch_target, is_barrier, may_write, move_wide, MoveWide},
    budget::{Budget, GaveUp, MAX_CANDIDATES},
    calls::CallTargets,
    image::{Holders, Image, Region},
    site::{Site, Via},
};

const SVC_0: u32 = 0xd400_0001;
/// How many instructions back the walk goes when no function bounds are known.
const WINDOW: u64 = 64;

/// Where a syscall site may be: every aligned `svc #0`, and, when `calls`
/// has direct targets, every `bl`/`b` to one. (region index, address, how), sorted.
/// More than [`MAX_CANDIDATES`] is giving up: the search stops there.
pub(crate) fn candidates(image: &Image, calls: &CallTargets) -> Result<Vec<(usize, u64, Via)>, GaveUp> {
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
pub(crate) fn sites(
    image: &Image,
    functions: &Holders,
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

fn value_before(region: &Region, functions: &Holders, addr: u64, register: u32, budget: &mut Budget) -> Option<u64> {
    let (floor, end) = match functions.of(addr) {
        Some(f) if f.size > 0 => (f.start.max(region.addr), f.start.saturating_add(f.size).min(region.end())),
        Some(f) => (f.start.max(addr.saturating_sub(4 * WINDOW)).max(region.addr), addr + 4),
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

//! x86_64: find `syscall` instructions and calls to libc's `syscall()`, and
//! the constant in `eax` (resp. `edi`) on the way in.
//!
//! Only the code around a candidate is decoded. Candidates are the bytes
//! `0f 05` (and `e8`/`e9`/`ff 15`/`ff 25` aimed at `syscall()`, when the
//! image has one). Each is decoded from the start of its enclosing function
//! when the symbol table gives one; otherwise from several start offsets
//! before it, and only a result on which every start that lands exactly on
//! the candidate agrees is kept. A candidate that is not an instruction
//! boundary is dropped. Walking back from the candidate, the last write to
//! the register decides: `mov r32/r64, imm` and `xor r,r` give a constant;
//! any other write, a call, jump or return, a branch target between the
//! write and the call, or the start of the decoded range give "unknown":
//! a number computed at run time is never guessed.

use std::collections::HashSet;

use iced_x86::{Code, Decoder, DecoderOptions, FlowControl, Instruction, InstructionInfoFactory, OpAccess, Register};

use super::{
    image::{CallTargets, Functions, Image, Region},
    Site, Via,
};

/// Functions larger than this are decoded in windows, not whole.
const MAX_FUNCTION: u64 = 256 * 1024;
/// How far before a candidate the windows start.
const WINDOWS: &[u64] = &[16, 24, 32, 40, 64, 96, 128, 192];
/// Functions up to this size are decoded whole for every candidate in them.
const SMALL_FUNCTION: u64 = 4096;

/// Every syscall site of the image.
pub fn sites(image: &Image, functions: &Functions, syscall_fn: &CallTargets) -> Vec<Site> {
    let mut decoder = Walker { functions, info: InstructionInfoFactory::new(), cache: None };
    let mut out = Vec::new();
    for region in &image.regions {
        let mut candidates: Vec<(u64, Via)> = memchr::memmem::find_iter(region.bytes, b"\x0f\x05")
            .map(|i| (region.addr + i as u64, Via::Instruction))
            .collect();
        if !syscall_fn.is_empty() {
            candidates.extend(call_candidates(region, syscall_fn).into_iter().map(|a| (a, Via::LibcSyscall)));
            candidates.sort_unstable_by_key(|c| c.0);
        }
        for (addr, via) in candidates {
            if let Some(value) = decoder.value_at(region, addr, via, syscall_fn) {
                out.push(Site { addr, value, via });
            }
        }
    }
    out
}

/// Addresses of `call/jmp rel32` to a direct target and `call/jmp [rip+slot]` through a slot.
fn call_candidates(region: &Region, targets: &CallTargets) -> Vec<u64> {
    let bytes = region.bytes;
    let rel = |at: usize| bytes.get(at..at + 4).map(|b| i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])));
    let mut out = Vec::new();
    if !targets.direct.is_empty() {
        for i in memchr::memchr2_iter(0xe8, 0xe9, bytes) {
            let addr = region.addr + i as u64;
            if rel(i + 1).is_some_and(|r| targets.direct.contains(&(addr + 5).wrapping_add_signed(r))) {
                out.push(addr);
            }
        }
    }
    if !targets.slots.is_empty() {
        for pattern in [b"\xff\x15", b"\xff\x25"] {
            for i in memchr::memmem::find_iter(bytes, pattern) {
                let addr = region.addr + i as u64;
                if rel(i + 2).is_some_and(|r| targets.slots.contains(&(addr + 6).wrapping_add_signed(r))) {
                    out.push(addr);
                }
            }
        }
    }
    out
}

/// A decoded function: its instructions and every near branch target in it.
struct Decoded {
    start: u64,
    instructions: Vec<Instruction>,
    targets: HashSet<u64>,
}

struct Walker<'a, 'data> {
    functions: &'a Functions<'data>,
    info: InstructionInfoFactory,
    cache: Option<Decoded>,
}

impl Walker<'_, '_> {
    /// `None` when `addr` is not the expected instruction; `Some(None)` when
    /// the number is not a constant; `Some(Some(n))` for a constant.
    fn value_at(&mut self, region: &Region, addr: u64, via: Via, calls: &CallTargets) -> Option<Option<u64>> {
        let register = match via {
            Via::Instruction => Register::RAX,
            Via::LibcSyscall => Register::RDI,
        };
        let function = self.functions.enclosing(addr);
        // The lower bound of the windows is a known instruction boundary.
        let floor = function.as_ref().map_or(region.addr, |f| f.0.max(region.addr));
        if let Some((start, size, _)) = function {
            if size > 0 && size <= MAX_FUNCTION && region.contains(start) {
                // In a large function, windows first: bytes that no window
                // decodes as the instruction (most `0f 05` inside other
                // instructions) are not worth decoding the function for.
                if size > SMALL_FUNCTION && self.windows(region, addr, floor, via, calls, register).0.is_empty() {
                    return None;
                }
                let end = start.saturating_add(size).min(region.end());
                if self.cache.as_ref().is_none_or(|c| c.start != start) {
                    self.cache = Some(decode(region, start, end));
                }
                let decoded = self.cache.as_ref()?;
                let k = decoded.instructions.binary_search_by_key(&addr, Instruction::ip).ok()?;
                if !is_expected(&decoded.instructions[k], via, calls) {
                    return None;
                }
                return Some(value_before(&decoded.instructions, k, register, &decoded.targets, &mut self.info));
            }
        }
        let (results, trusted) = self.windows(region, addr, floor, via, calls, register);
        if let Some(value) = trusted {
            return Some(value);
        }
        match results.as_slice() {
            [] => None,
            [first, rest @ ..] if !rest.is_empty() && rest.iter().all(|v| v == first) => Some(*first),
            _ => Some(None),
        }
    }

    /// Decodes from several starts before `addr` (never below `floor`); the
    /// value seen by each start that lands on the expected instruction, and
    /// the one of the start at `floor` (a known boundary), if it landed.
    #[allow(clippy::type_complexity)]
    fn windows(
        &mut self,
        region: &Region,
        addr: u64,
        floor: u64,
        via: Via,
        calls: &CallTargets,
        register: Register,
    ) -> (Vec<Option<u64>>, Option<Option<u64>>) {
        let mut results = Vec::new();
        let mut trusted = None;
        let mut tried = Vec::new();
        for back in WINDOWS {
            let start = addr.saturating_sub(*back).max(floor);
            if tried.contains(&start) {
                continue;
            }
            tried.push(start);
            let end = (addr + 16).min(region.end());
            let decoded = decode(region, start, end);
            let Ok(k) = decoded.instructions.binary_search_by_key(&addr, Instruction::ip) else { continue };
            if !is_expected(&decoded.instructions[k], via, calls) {
                continue;
            }
            let value = value_before(&decoded.instructions, k, register, &decoded.targets, &mut self.info);
            if start == floor {
                trusted = Some(value);
            }
            results.push(value);
        }
        (results, trusted)
    }
}

fn decode(region: &Region, start: u64, end: u64) -> Decoded {
    let from = (start.saturating_sub(region.addr) as usize).min(region.bytes.len());
    let to = (end.saturating_sub(region.addr) as usize).clamp(from, region.bytes.len());
    let mut decoder = Decoder::with_ip(64, &region.bytes[from..to], start, DecoderOptions::NONE);
    let mut instructions = Vec::new();
    let mut targets = HashSet::new();
    let mut ins = Instruction::default();
    while decoder.can_decode() {
        decoder.decode_out(&mut ins);
        if matches!(ins.flow_control(), FlowControl::ConditionalBranch | FlowControl::UnconditionalBranch) {
            let target = ins.near_branch_target();
            if target != 0 {
                targets.insert(target);
            }
        }
        instructions.push(ins);
    }
    Decoded { start, instructions, targets }
}

fn is_expected(ins: &Instruction, via: Via, calls: &CallTargets) -> bool {
    match via {
        Via::Instruction => ins.code() == Code::Syscall,
        Via::LibcSyscall => match ins.code() {
            Code::Call_rel32_64 | Code::Jmp_rel32_64 => calls.direct.contains(&ins.near_branch_target()),
            Code::Call_rm64 | Code::Jmp_rm64 => {
                ins.memory_base() == Register::RIP && calls.slots.contains(&ins.memory_displacement64())
            }
            _ => false,
        },
    }
}

/// The constant in `register` when instruction `k` runs, if the straight
/// line of code before it sets one.
fn value_before(
    instructions: &[Instruction],
    k: usize,
    register: Register,
    targets: &HashSet<u64>,
    info: &mut InstructionInfoFactory,
) -> Option<u64> {
    for j in (0..k).rev() {
        if targets.contains(&instructions[j + 1].ip()) {
            return None; // another path joins between the write and the call
        }
        let ins = &instructions[j];
        if !matches!(ins.flow_control(), FlowControl::Next | FlowControl::ConditionalBranch) {
            return None;
        }
        if let Some(value) = constant_write(ins, register) {
            return Some(value);
        }
        let writes = info.info(ins).used_registers().iter().any(|r| {
            r.register().full_register() == register
                && matches!(
                    r.access(),
                    OpAccess::Write | OpAccess::CondWrite | OpAccess::ReadWrite | OpAccess::ReadCondWrite
                )
        });
        if writes {
            return None;
        }
    }
    None
}

fn constant_write(ins: &Instruction, register: Register) -> Option<u64> {
    if ins.op_count() == 0 || ins.op0_register().full_register() != register {
        return None;
    }
    match ins.code() {
        Code::Mov_r32_imm32 => Some(u64::from(ins.immediate32())),
        Code::Mov_r64_imm64 => Some(ins.immediate64()),
        Code::Mov_rm64_imm32 => Some(ins.immediate32to64() as u64),
        Code::Mov_rm32_imm32 => Some(u64::from(ins.immediate32())),
        Code::Xor_r32_rm32 | Code::Xor_rm32_r32 | Code::Xor_r64_rm64 | Code::Xor_rm64_r64
            if ins.op1_register() == ins.op0_register() =>
        {
            Some(0)
        }
        _ => None,
    }
}

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

use iced_x86::{Code, Decoder, DecoderOptions, FlowControl, Instruction, InstructionInfoFactory, OpAccess, Register};
use rayon::prelude::*;

use super::{
    budget::{Budget, GaveUp, MAX_CANDIDATES},
    calls::CallTargets,
    find::{find, Wanted},
    image::{Function, Holders, Image, Region},
    site::{Site, Via},
};

/// Functions larger than this are decoded in windows, not whole.
const MAX_FUNCTION: u64 = 256 * 1024;
/// How far before a candidate the windows start.
const WINDOWS: &[u64] = &[16, 24, 32, 40, 64, 96, 128, 192];
/// Functions up to this size are decoded whole for every candidate in them.
const SMALL_FUNCTION: u64 = 4096;

/// Bytes scanned at a time, so the candidates found can be counted
/// against [`MAX_CANDIDATES`] as the search goes.
const CHUNK: usize = 128 * 1024;

/// Code regions larger than this are searched in pieces of this size on
/// every core: a scan of many files would otherwise end with one core
/// searching the last large library alone.
const PIECE: usize = 8 * CHUNK;

/// Where a syscall site may be: every `0f 05`, and, when `calls` is not
/// empty, every `call/jmp rel32` to one of its direct targets and `call/jmp
/// [rip+slot]` through one of its slots. (region index, address, how), sorted.
/// More than [`MAX_CANDIDATES`] is giving up: the search stops there.
pub fn candidates(image: &Image, calls: &CallTargets) -> Result<Vec<(usize, u64, Via)>, GaveUp> {
    let mut out = Vec::new();
    for (r, region) in image.regions.iter().enumerate() {
        let found = in_region(region, calls, MAX_CANDIDATES - out.len())
            .map_err(|()| GaveUp::Candidates { limit: MAX_CANDIDATES })?;
        out.extend(found.into_iter().map(|(addr, via)| (r, addr, via)));
    }
    Ok(out)
}

/// The candidates in `region`, sorted; `Err` when there are more than `room`.
fn in_region(region: &Region, calls: &CallTargets, room: usize) -> Result<Vec<(u64, Via)>, ()> {
    let len = region.bytes.len();
    let mut out = Vec::new();
    if len <= PIECE {
        search(region, 0, len, calls, room, |addr, via| out.push((addr, via)))?;
    } else {
        let pieces: Vec<Result<Vec<(u64, Via)>, ()>> = (0..len)
            .step_by(PIECE)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|start| {
                let mut found = Vec::new();
                search(region, start, (start + PIECE).min(len), calls, room, |addr, via| found.push((addr, via)))?;
                Ok(found)
            })
            .collect();
        for piece in pieces {
            out.extend(piece?);
            if out.len() > room {
                return Err(());
            }
        }
    }
    out.sort_unstable_by_key(|c| c.0);
    Ok(out)
}

/// The candidates starting in `region.bytes[start..end]`, a chunk at a
/// time; `Err` as soon as more than `room` were found. Without calls to
/// look for, [`find`]'s blocks look for `0f 05` alone: with their prefetch
/// they took 13.7 ms where memmem took 16.8 on 140 MB of mapped libraries
/// (LLVM and Z3), and the same time on bytes in cache.
fn search(
    region: &Region,
    start: usize,
    end: usize,
    calls: &CallTargets,
    room: usize,
    mut found: impl FnMut(u64, Via),
) -> Result<(), ()> {
    let mut count = 0;
    let mut from = start;
    while from < end {
        let to = (from + CHUNK).min(end);
        with_calls(region, from, to, calls, |addr, via| {
            count += 1;
            found(addr, via);
        });
        if count > room {
            return Err(());
        }
        from = to;
    }
    Ok(())
}

/// Every `0f 05`, `call/jmp rel32` to one of `calls.direct` and `call/jmp
/// [rip+rel32]` through one of `calls.slots` starting in `bytes[start..end]`,
/// in one pass.
///
/// A call at offset `i` to target `t` holds rel32 = `t - (addr + i + 5)`,
/// so its low byte plus `i` is the low byte of `t - addr - 5` whatever `i`
/// is: [`find`] looks for `e8`/`e9` with such a byte at memory speed, and
/// each hit is then checked in full. The low byte turns away the calls to
/// all but one in sixteen of the PLT's stubs, where a filter on the upper
/// half of rel32 let through every call to a stub in the same 64 KiB
/// (1.6 million hits on this machine's /usr, against 0.54 million now).
fn with_calls(region: &Region, start: usize, end: usize, calls: &CallTargets, mut found: impl FnMut(u64, Via)) {
    let bytes = region.bytes;
    // rel32 at offset i: base - i (mod 2^32).
    let bases: Vec<u32> = calls.direct.iter().map(|t| t.wrapping_sub(region.addr).wrapping_sub(5) as u32).collect();
    let rel = |at: usize| bytes.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let mut lows: Vec<u8> = bases.iter().map(|b| *b as u8).collect();
    lows.sort_unstable();
    lows.dedup();
    let wanted = Wanted { calls: lows, slots: !calls.slots.is_empty() };
    find(bytes, start, end, &wanted, |at| {
        let addr = region.addr + at as u64;
        match bytes[at] {
            0x0f => found(addr, Via::Instruction),
            0xe8 | 0xe9 => {
                if rel(at + 1).is_some_and(|rel| bases.iter().any(|b| rel == b.wrapping_sub(at as u32))) {
                    found(addr, Via::LibcSyscall);
                }
            }
            _ => {
                let slot = rel(at + 2).map(|d| (addr + 6).wrapping_add_signed(i64::from(d as i32)));
                if slot.is_some_and(|s| calls.slots.contains(&s)) {
                    found(addr, Via::LibcSyscall);
                }
            }
        }
    });
}

/// The syscall sites among `candidates` (from [`candidates`]), and how many
/// candidates were looked at before `budget` ran out (all, unless it did).
pub fn sites(
    image: &Image,
    functions: &Holders,
    calls: &CallTargets,
    candidates: Vec<(usize, u64, Via)>,
    budget: &mut Budget,
) -> (Vec<Site>, usize) {
    let mut decoder = Walker { functions, info: InstructionInfoFactory::new(), cache: None, budget };
    let mut out = Vec::new();
    let total = candidates.len();
    for (done, (r, addr, via)) in candidates.into_iter().enumerate() {
        let value = decoder.value_at(&image.regions[r], addr, via, calls);
        if decoder.budget.exhausted() {
            return (out, done);
        }
        if let Some(value) = value {
            out.push(Site { addr, value, via });
        }
    }
    (out, total)
}

/// A decoded function: its instructions and every near branch target in
/// it (sorted, each once: a handful, which hashing would cost more than).
struct Decoded {
    start: u64,
    instructions: Vec<Instruction>,
    targets: Vec<u64>,
}

struct Walker<'a, 'data> {
    functions: &'a Holders<'data>,
    info: InstructionInfoFactory,
    cache: Option<Decoded>,
    budget: &'a mut Budget,
}

impl Walker<'_, '_> {
    /// `None` when `addr` is not the expected instruction; `Some(None)` when
    /// the number is not a constant; `Some(Some(n))` for a constant.
    fn value_at(&mut self, region: &Region, addr: u64, via: Via, calls: &CallTargets) -> Option<Option<u64>> {
        let register = match via {
            Via::Instruction => Register::RAX,
            Via::LibcSyscall => Register::RDI,
        };
        let function = self.functions.of(addr);
        // The lower bound of the windows is a known instruction boundary.
        let floor = function.map_or(region.addr, |f| f.start.max(region.addr));
        if let Some(&Function { start, size, .. }) = function {
            if size > 0 && size <= MAX_FUNCTION && region.contains(start) {
                // In a large function, windows first: bytes that no window
                // decodes as the instruction (most `0f 05` inside other
                // instructions) are not worth decoding the function for.
                if size > SMALL_FUNCTION && self.windows(region, addr, floor, via, calls, register).0.is_empty() {
                    return None;
                }
                // Nothing before it in the function sets a constant: decoding
                // it could only say "unknown".
                if !may_write_constant(region.between(start, addr), register) {
                    return Some(None);
                }
                let end = start.saturating_add(size).min(region.end());
                if self.cache.as_ref().is_none_or(|c| c.start != start) {
                    if !self.budget.spend(end.saturating_sub(start)) {
                        return None;
                    }
                    self.cache = Some(decode(region, start, end, None));
                }
                let decoded = self.cache.as_ref()?;
                let k = decoded.instructions.binary_search_by_key(&addr, Instruction::ip).ok()?;
                if !is_expected(&decoded.instructions[k], via, calls) {
                    return None;
                }
                return Some(value_before(&decoded.instructions, k, register, &decoded.targets, &mut self.info));
            }
        }
        let lowest = addr.saturating_sub(WINDOWS.iter().max().copied().unwrap_or(0)).max(floor);
        // Most `0f 05` without a function are bytes inside other
        // instructions: not worth decoding when no window can find a constant.
        if !may_write_constant(region.between(lowest, addr), register) {
            return Some(None);
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
        let end = (addr + 16).min(region.end());
        // The starts, nearest first, as far as the budget goes (each is
        // counted whole, as if decoded alone).
        let mut starts: Vec<u64> = Vec::with_capacity(WINDOWS.len());
        for back in WINDOWS {
            let start = addr.saturating_sub(*back).max(floor);
            if starts.contains(&start) {
                continue;
            }
            if !self.budget.spend(end.saturating_sub(start)) {
                break;
            }
            starts.push(start);
        }
        // Decoding from another start soon lands on an instruction the
        // widest window decoded, and from there on gives the same ones: the
        // others are decoded only until they join it.
        let Some(&widest) = starts.iter().min() else { return (Vec::new(), None) };
        let wide = decode(region, widest, end, None);
        let mut results = Vec::new();
        let mut trusted = None;
        for &start in &starts {
            let joined;
            let decoded = if start == widest {
                &wide
            } else {
                joined = decode(region, start, end, Some(&wide));
                &joined
            };
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

/// The instructions from `start` up to `end`. With `join` (decoded from
/// an earlier start up to the same `end`), decoding stops at the first
/// instruction `join` holds too, and the rest is taken from it: what
/// follows an instruction boundary decodes the same whatever came before.
fn decode(region: &Region, start: u64, end: u64, join: Option<&Decoded>) -> Decoded {
    let mut decoder = Decoder::with_ip(64, region.between(start, end), start, DecoderOptions::NONE);
    let bytes = end.saturating_sub(start) as usize;
    let mut decoded = Decoded { start, instructions: Vec::with_capacity(bytes / 3), targets: Vec::new() };
    let mut ins = Instruction::default();
    while decoder.can_decode() {
        decoder.decode_out(&mut ins);
        decoded.push(ins);
        let Some(join) = join else { continue };
        if let Ok(j) = join.instructions.binary_search_by_key(&ins.next_ip(), Instruction::ip) {
            for ins in &join.instructions[j..] {
                decoded.push(*ins);
            }
            break;
        }
    }
    decoded.targets.sort_unstable();
    decoded.targets.dedup();
    decoded
}

impl Decoded {
    fn push(&mut self, ins: Instruction) {
        if matches!(ins.flow_control(), FlowControl::ConditionalBranch | FlowControl::UnconditionalBranch) {
            let target = ins.near_branch_target();
            if target != 0 {
                self.targets.push(target);
            }
        }
        self.instructions.push(ins);
    }
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
    targets: &[u64],
    info: &mut InstructionInfoFactory,
) -> Option<u64> {
    for j in (0..k).rev() {
        if targets.binary_search(&instructions[j + 1].ip()).is_ok() {
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

/// False only when no instruction [`constant_write`] accepts for `register`
/// (`rax` or `rdi`) can start in `bytes`: every such instruction holds
/// `b8+r` (mov r32/r64, imm), `c7` with ModRM `c0+r` (mov r/m, imm32), or
/// `31`/`33` with ModRM `c0+9r` (xor r, r), whatever prefixes come before.
fn may_write_constant(bytes: &[u8], register: Register) -> bool {
    let r: u8 = if register == Register::RDI { 7 } else { 0 };
    if memchr::memchr(0xb8 + r, bytes).is_some() {
        return true;
    }
    memchr::memchr3_iter(0xc7, 0x31, 0x33, bytes).any(|i| {
        let modrm = bytes.get(i + 1).copied();
        match bytes[i] {
            0xc7 => modrm == Some(0xc0 + r),
            _ => modrm == Some(0xc0 + 9 * r),
        }
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn search(region: &Region, direct: &[u64], slots: &[u64]) -> Vec<(u64, Via)> {
        let calls = CallTargets { direct: direct.to_vec(), slots: slots.to_vec() };
        let mut found = Vec::new();
        with_calls(region, 0, region.bytes.len(), &calls, |a, via| found.push((a, via)));
        found
    }

    #[test]
    fn calls_and_syscalls_are_found_in_one_pass() {
        // At 0x108a: call 0x1050 (e8 c1 ff ff ff); a decoy e8 with another
        // target; `syscall` at 0x1080 and in the last two bytes; at 0x1078
        // call [rip+0x100] (ff 15 00 01 00 00), slot 0x117e.
        let mut bytes = vec![0x90u8; 0x60];
        bytes[0x2a..0x2f].copy_from_slice(&[0xe8, 0xc1, 0xff, 0xff, 0xff]);
        bytes[0x10..0x15].copy_from_slice(&[0xe8, 0x00, 0x00, 0xff, 0xff]);
        bytes[0x20..0x22].copy_from_slice(&[0x0f, 0x05]);
        bytes[0x5e..0x60].copy_from_slice(&[0x0f, 0x05]);
        bytes[0x18..0x1e].copy_from_slice(&[0xff, 0x15, 0x00, 0x01, 0x00, 0x00]);
        let region = Region { addr: 0x1060, bytes: &bytes };
        let syscalls = [(0x1080, Via::Instruction), (0x10be, Via::Instruction)];
        let call = (0x108a, Via::LibcSyscall);
        let slot = (0x1078, Via::LibcSyscall);
        assert_eq!(search(&region, &[0x1050], &[]), [syscalls[0], call, syscalls[1]]);
        assert_eq!(search(&region, &[], &[0x117e]), [slot, syscalls[0], syscalls[1]]);
        assert_eq!(search(&region, &[0x1050], &[0x117e]), [slot, syscalls[0], call, syscalls[1]]);
        assert_eq!(search(&region, &[0x1051], &[0x117f]), syscalls);
        // A far target, behind the code: rel32 is negative.
        let mut big = vec![0x90u8; 0x30000];
        let at = 0x1fff0usize;
        let rel = (0x1000u64.wrapping_sub(0x400000 + at as u64 + 5)) as u32;
        big[at] = 0xe8;
        big[at + 1..at + 5].copy_from_slice(&rel.to_le_bytes());
        let region = Region { addr: 0x400000, bytes: &big };
        let site = (0x400000 + at as u64, Via::LibcSyscall);
        assert_eq!(search(&region, &[0x1000], &[]), [site]);
        // Several targets, each looked for.
        assert_eq!(search(&region, &[0x2000, 0x1000, 0x3000], &[]), [site]);
        assert_eq!(search(&region, &[0x2000, 0x3000], &[]), []);
        // A target with the same low byte passes the blocks' filter and not the full check.
        assert_eq!(search(&region, &[0x1100], &[]), []);
    }

    #[test]
    fn a_large_region_searched_in_pieces_gives_what_one_pass_gives() {
        // 3.5 pieces of code with sites on and across piece and chunk borders.
        let len = PIECE * 7 / 2;
        let mut bytes = vec![0x90u8; len];
        let region_addr = 0x10000u64;
        let target = 0x8000u64;
        let mut expected = Vec::new();
        for (n, at) in (0..len - 8).step_by(CHUNK / 3 + 7).chain([PIECE - 1, PIECE * 2 - 2, CHUNK - 1]).enumerate() {
            let addr = region_addr + at as u64;
            if n % 2 == 0 {
                bytes[at..at + 2].copy_from_slice(&[0x0f, 0x05]);
                expected.push((addr, Via::Instruction));
            } else {
                let rel = target.wrapping_sub(addr + 5) as u32;
                bytes[at] = 0xe8;
                bytes[at + 1..at + 5].copy_from_slice(&rel.to_le_bytes());
                expected.push((addr, Via::LibcSyscall));
            }
        }
        expected.sort_unstable_by_key(|c| c.0);
        let region = Region { addr: region_addr, bytes: &bytes };
        let calls = CallTargets { direct: vec![target], slots: Vec::new() };
        let mut one_pass = Vec::new();
        super::search(&region, 0, len, &calls, usize::MAX, |addr, via| one_pass.push((addr, via))).unwrap();
        one_pass.sort_unstable_by_key(|c| c.0);
        assert_eq!(one_pass, expected);
        assert_eq!(in_region(&region, &calls, usize::MAX), Ok(expected.clone()));
        assert_eq!(in_region(&region, &calls, expected.len()), Ok(expected.clone()));
        assert_eq!(in_region(&region, &calls, expected.len() - 1), Err(()));
        // Without calls to look for, only the instructions.
        let instructions: Vec<_> = expected.iter().copied().filter(|c| c.1 == Via::Instruction).collect();
        assert_eq!(in_region(&region, &CallTargets::default(), usize::MAX), Ok(instructions));
    }

    #[test]
    fn decoding_that_joins_a_wider_window_gives_what_decoding_alone_gives() {
        // Random bytes: starts that do not land on the wider window's
        // boundaries at once, invalid encodings, branches everywhere.
        let mut next = crate::syscalls::test_stream(99);
        let bytes: Vec<u8> = (0..4096).map(|_| next() as u8).collect();
        let region = Region { addr: 0x40_0000, bytes: &bytes };
        let mut joined_early = 0;
        for at in (256..4000).step_by(61) {
            let addr = region.addr + at as u64;
            let end = addr + 16;
            let wide = decode(&region, addr - 192, end, None);
            for back in [16, 24, 32, 40, 64, 96, 128] {
                let alone = decode(&region, addr - back, end, None);
                let joined = decode(&region, addr - back, end, Some(&wide));
                let key = |d: &Decoded| d.instructions.iter().map(|i| (i.ip(), i.code(), i.len())).collect::<Vec<_>>();
                assert_eq!(key(&joined), key(&alone), "{addr:#x} - {back}");
                assert_eq!(joined.targets, alone.targets, "{addr:#x} - {back}");
                joined_early += usize::from(alone.instructions.len() > 4);
            }
        }
        assert!(joined_early > 100);
    }

    #[test]
    fn every_constant_write_is_seen_by_the_byte_prefilter() {
        for (bytes, rax, rdi) in [
            (&[0xb8, 1, 0, 0, 0][..], true, false),               // mov eax, 1
            (&[0x48, 0xb8, 1, 0, 0, 0, 0, 0, 0, 0], true, false), // movabs rax, 1
            (&[0x48, 0xc7, 0xc0, 1, 0, 0, 0], true, false),       // mov rax, 1
            (&[0x31, 0xc0], true, false),                         // xor eax, eax
            (&[0x48, 0x33, 0xc0], true, false),                   // xor rax, rax
            (&[0xbf, 7, 0, 0, 0], false, true),                   // mov edi, 7
            (&[0xc7, 0xc7, 7, 0, 0, 0], false, true),             // mov edi, 7 (c7 /0)
            (&[0x31, 0xff], false, true),                         // xor edi, edi
            (&[0x89, 0xc7, 0x48, 0x89, 0xf8], false, false),      // mov edi, eax; mov rax, rdi
            (&[0x31, 0xc9, 0x0f, 0x05], false, false),            // xor ecx, ecx; syscall
        ] {
            assert_eq!(may_write_constant(bytes, Register::RAX), rax, "{bytes:02x?}");
            assert_eq!(may_write_constant(bytes, Register::RDI), rdi, "{bytes:02x?}");
        }
        // Whatever the bytes, an instruction that writes a constant to rax
        // or rdi is never missed: random code over an alphabet of the
        // opcode, ModRM and prefix bytes involved.
        let alphabet = [0xb8, 0xbf, 0xc7, 0xc0, 0x31, 0x33, 0xff, 0x48, 0x40, 0x41, 0x66, 0x0f, 0x05, 0x90, 0x01, 0x00];
        let mut next = crate::syscalls::test_stream(7);
        for _ in 0..20_000 {
            let bytes: Vec<u8> = (0..24).map(|_| alphabet[next() % alphabet.len()]).collect();
            let mut decoder = Decoder::with_ip(64, &bytes, 0, DecoderOptions::NONE);
            for ins in &mut decoder {
                for register in [Register::RAX, Register::RDI] {
                    if constant_write(&ins, register).is_some() {
                        let end = ins.next_ip() as usize;
                        assert!(may_write_constant(&bytes[..end], register), "{:02x?} {:?}", &bytes[..end], ins.code());
                    }
                }
            }
        }
    }
}

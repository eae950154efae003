//! Finding the bytes that may start a system call site in x86_64 code, at
//! memory speed and in one pass: `syscall` (`0f 05`), `call/jmp rel32`
//! (`e8|e9`) whose displacement's low byte fits a given target, and
//! `call/jmp [rip+rel32]` (`ff 15|25`).
//!
//! A general substring search (memchr's memmem) verifies every place where
//! its rarest byte occurs, and `0f` is among the most frequent bytes of x86
//! code; here every byte of a 16-byte block is compared at once (SSE2,
//! present on every x86_64 CPU), so the cost per byte is the same however
//! often the bytes occur (32 bytes at a time with AVX2 when the CPU has
//! it). Each block is loaded once at the two distances a pattern looks at
//! and every pattern is tested on those loads, while the bytes
//! [`PREFETCH`] further on are asked for. Other hosts, and the last bytes
//! of a range, use a plain loop.

/// What to look for besides `0f 05`.
#[derive(Clone, Debug, Default)]
pub struct Wanted {
    /// `e8|e9 d`, starting at offset `i` of the bytes, where `d + i` (mod
    /// 256) is one of these: a call at `i` to `t` holds a displacement of
    /// `t - i - 5`, whose low byte `d` is then `t - 5 - i` (mod 256), the
    /// offsets counted from the same start.
    pub calls: Vec<u8>,
    /// `ff 15|25`.
    pub slots: bool,
}

/// Bytes a match may look at past its start.
const SPAN: usize = 1;

/// How far ahead of the block being searched its bytes are asked for.
/// Mapped code comes from memory page by page, and the processor's own
/// prefetcher stops at each page's end: asking half a page or more ahead
/// made the blocks a third faster on large mapped libraries (and faster than
/// memmem on `0f 05` alone), and changes nothing on bytes already in cache.
#[cfg(target_arch = "x86_64")]
const PREFETCH: usize = 2048;

impl Wanted {
    /// Whether a pattern starts at `i` (bytes past the end of `bytes` never match).
    fn holds_at(&self, bytes: &[u8], i: usize) -> bool {
        let at = |d: usize| bytes.get(i + d).copied();
        match at(0) {
            Some(0x0f) => at(1) == Some(0x05),
            Some(0xe8 | 0xe9) => at(1).is_some_and(|d| self.calls.contains(&d.wrapping_add(i as u8))),
            Some(0xff) => self.slots && matches!(at(1), Some(0x15 | 0x25)),
            _ => false,
        }
    }
}

/// Calls `found(i)` for each `i` in `from..to`, in order, where `0f 05` or
/// one of `wanted` starts in `bytes`.
pub fn find(bytes: &[u8], from: usize, to: usize, wanted: &Wanted, mut found: impl FnMut(usize)) {
    let to = to.min(bytes.len());
    // The blocks stop where a block's pattern bytes would leave `bytes`.
    let blocked = to.min(bytes.len().saturating_sub(SPAN));
    let mut i = from;
    #[cfg(target_arch = "x86_64")]
    if from < blocked {
        i = if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, just checked.
            unsafe { avx2::find(bytes, from, blocked, wanted, &mut found) }
        } else {
            sse2::find(bytes, from, blocked, wanted, &mut found)
        };
    }
    while i < to {
        if wanted.holds_at(bytes, i) {
            found(i);
        }
        i += 1;
    }
}

/// The blocked search, written once for both vector widths: `$v` the
/// vector type, `$width` its bytes, and the load, set1, cmpeq, and, or,
/// add (bytes), movemask intrinsics in that order.
#[cfg(target_arch = "x86_64")]
macro_rules! blocks {
    ($bytes:ident, $from:ident, $to:ident, $wanted:ident, $found:ident,
     $v:ty, $width:literal, $load:ident, $set1:ident, $eq:ident, $and:ident, $or:ident, $add:ident, $mask:ident) => {{
        assert!($to + SPAN <= $bytes.len());
        let set = |b: u8| $set1(b as i8);
        let calls: Vec<$v> = $wanted.calls.iter().map(|&low| set(low)).collect();
        let (x0f, x05, xff, x15, x25, x01, xe9, step) =
            (set(0x0f), set(0x05), set(0xff), set(0x15), set(0x25), set(0x01), set(0xe9), set($width));
        let base = $bytes.as_ptr();
        let mut i = $from;
        // The offset of each byte of the block, mod 256.
        let mut offsets = [0u8; $width];
        for (lane, offset) in offsets.iter_mut().enumerate() {
            *offset = (i + lane) as u8;
        }
        let mut offsets = $load(offsets.as_ptr() as *const $v);
        while i + $width <= $to {
            // SAFETY (the caller's unsafe context): i + d + $width <= $to +
            // SPAN <= bytes.len() (asserted) for d <= SPAN.
            let load = |d: usize| $load(base.add(i + d) as *const $v);
            // A prefetch never faults, wherever it points.
            _mm_prefetch::<_MM_HINT_T0>(base.wrapping_add(i + PREFETCH) as *const i8);
            let (v0, v1) = (load(0), load(1));
            let mut any = $and($eq(v0, x0f), $eq(v1, x05));
            if $wanted.slots {
                any = $or(any, $and($eq(v0, xff), $or($eq(v1, x15), $eq(v1, x25))));
            }
            if let Some((first, rest)) = calls.split_first() {
                // e8 | 1 == e9 | 1 == e9.
                let call = $eq($or(v0, x01), xe9);
                let fits = $add(v1, offsets);
                let mut low = $eq(fits, *first);
                for other in rest {
                    low = $or(low, $eq(fits, *other));
                }
                any = $or(any, $and(call, low));
                offsets = $add(offsets, step);
            }
            let mut mask = $mask(any) as u32;
            while mask != 0 {
                $found(i + mask.trailing_zeros() as usize);
                mask &= mask - 1;
            }
            i += $width;
        }
        i
    }};
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::{
        __m128i, _mm_add_epi8, _mm_and_si128, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128,
        _mm_prefetch, _mm_set1_epi8, _MM_HINT_T0,
    };

    use super::{Wanted, PREFETCH, SPAN};

    /// The blocked part of [`super::find`] over `from..to`, where `to + SPAN
    /// <= bytes.len()`; returns where the plain loop goes on.
    #[inline(always)]
    pub fn find(bytes: &[u8], from: usize, to: usize, wanted: &Wanted, found: &mut impl FnMut(usize)) -> usize {
        // SAFETY: SSE2 is part of x86_64; the loads are bounded in `blocks`.
        unsafe {
            blocks!(
                bytes,
                from,
                to,
                wanted,
                found,
                __m128i,
                16,
                _mm_loadu_si128,
                _mm_set1_epi8,
                _mm_cmpeq_epi8,
                _mm_and_si128,
                _mm_or_si128,
                _mm_add_epi8,
                _mm_movemask_epi8
            )
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::{
        __m256i, _mm256_add_epi8, _mm256_and_si256, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8,
        _mm256_or_si256, _mm256_set1_epi8, _mm_prefetch, _MM_HINT_T0,
    };

    use super::{Wanted, PREFETCH, SPAN};

    /// [`super::sse2::find`] 32 bytes at a time.
    ///
    /// # Safety
    /// The CPU must have AVX2.
    #[target_feature(enable = "avx2")]
    pub unsafe fn find(bytes: &[u8], from: usize, to: usize, wanted: &Wanted, found: &mut impl FnMut(usize)) -> usize {
        blocks!(
            bytes,
            from,
            to,
            wanted,
            found,
            __m256i,
            32,
            _mm256_loadu_si256,
            _mm256_set1_epi8,
            _mm256_cmpeq_epi8,
            _mm256_and_si256,
            _mm256_or_si256,
            _mm256_add_epi8,
            _mm256_movemask_epi8
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(bytes: &[u8], from: usize, to: usize, wanted: &Wanted) -> Vec<usize> {
        (from..to.min(bytes.len())).filter(|&i| wanted.holds_at(bytes, i)).collect()
    }

    #[test]
    fn finds_what_a_plain_loop_finds() {
        // Bytes with many near misses: a linear congruential stream over a small alphabet.
        let mut next = crate::syscalls::test_stream(12345);
        let bytes: Vec<u8> = (0..5000).map(|_| [0x0f, 0x05, 0xe8, 0xe9, 0xff, 0x15, 0x25, 0x90][next() % 8]).collect();
        let check = |wanted: &Wanted| {
            for (from, to) in [(0, 5000), (3, 4999), (17, 33), (4990, 9000), (0, 0), (100, 50)] {
                let mut got = Vec::new();
                find(&bytes, from, to, wanted, |i| got.push(i));
                assert_eq!(got, plain(&bytes, from, to, wanted), "{wanted:?} {from}..{to}");
                // The SSE2 blocks alone (find takes AVX2 where the CPU has it).
                #[cfg(target_arch = "x86_64")]
                {
                    let blocked = to.min(bytes.len() - SPAN);
                    if from < blocked {
                        let mut sse = Vec::new();
                        let rest = sse2::find(&bytes, from, blocked, wanted, &mut |i| sse.push(i));
                        sse.extend(plain(&bytes, rest, to, wanted));
                        assert_eq!(sse, plain(&bytes, from, to, wanted), "sse2 {wanted:?} {from}..{to}");
                    }
                }
            }
        };
        // Low bytes a call's displacement plus its offset must give.
        let calls = vec![0x00, 0x15, 0x90, 0xf4];
        check(&Wanted::default());
        check(&Wanted { calls: calls.clone(), slots: false });
        check(&Wanted { calls: calls[..1].to_vec(), slots: true });
        check(&Wanted { calls: Vec::new(), slots: true });
        // The plain loop agrees with the patterns as written.
        let wanted = Wanted { calls, slots: true };
        assert_eq!(plain(&[0x0f, 0x05, 0x0f], 0, 3, &wanted), [0]);
        assert_eq!(plain(&[0xe9, 0, 0, 0x0f, 0x05, 0xe8, 0x10, 0, 0xff, 0x15], 0, 10, &wanted), [0, 3, 5, 8]);
        assert_eq!(plain(&[0xe8, 0x01, 0, 0x0f, 0x25, 0xff, 0x25, 0xff, 0x35], 0, 9, &wanted), [5]);
        // The sum wraps: 0xf0 + 4 = 0xf4, 0xfe + 2 = 0x00 (mod 256).
        assert_eq!(plain(&[0x90, 0x90, 0xe8, 0xfe, 0xe8, 0xf0], 0, 6, &wanted), [2, 4]);
        let mut far = vec![0x90; 300];
        far[260..262].copy_from_slice(&[0xe8, 0x90u8.wrapping_sub(4)]);
        assert_eq!(plain(&far, 0, 300, &wanted), [260]);
        // A short pattern is found up to the last byte; none past the end.
        let mut got = Vec::new();
        find(&[0x90, 0x90, 0x90, 0x0f, 0x05], 0, 10, &wanted, |i| got.push(i));
        assert_eq!(got, [3]);
        got.clear();
        find(&[0x0f], 0, 10, &wanted, |i| got.push(i));
        assert!(got.is_empty());
    }
}

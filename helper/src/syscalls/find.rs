//! Finding short byte patterns in code at memory speed: every offset where
//! up to three bytes at fixed distances each equal one of two values
//! (`0f 05`; `e8|e9 .. .. hi lo`; `ff 15|25`).
//!
//! A general substring search (memchr's memmem) verifies every place where
//! its rarest byte occurs, and `0f` is among the most frequent bytes of x86
//! code; here each byte of a 16-byte block is compared with every condition
//! at once (SSE2, present on every x86_64 CPU), so the cost per byte is the
//! same however often the bytes occur (32 bytes at a time with AVX2 when
//! the CPU has it). Other hosts use a plain loop.

/// A byte at `offset` from the match that equals `a` or `b`.
#[derive(Clone, Copy, Debug)]
pub struct Cond {
    pub offset: usize,
    pub a: u8,
    pub b: u8,
}

impl Cond {
    pub const fn is(offset: usize, value: u8) -> Cond {
        Cond { offset, a: value, b: value }
    }

    pub const fn either(offset: usize, a: u8, b: u8) -> Cond {
        Cond { offset, a, b }
    }

    fn holds(&self, byte: u8) -> bool {
        byte == self.a || byte == self.b
    }
}

/// Calls `found(i)` for each `i` in `from..to`, in order, where every
/// condition holds on `bytes` (bytes past the end of `bytes` never match).
pub fn find<const N: usize>(bytes: &[u8], from: usize, to: usize, conds: &[Cond; N], mut found: impl FnMut(usize)) {
    let span = conds.iter().map(|c| c.offset).max().unwrap_or(0);
    // Last start whose whole pattern lies in `bytes`.
    let Some(last) = bytes.len().checked_sub(span) else { return };
    let to = to.min(last);
    if from >= to {
        return;
    }
    #[cfg(target_arch = "x86_64")]
    let from = if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, just checked.
        unsafe { avx2::find(bytes, from, to, span, conds, &mut found) }
    } else {
        sse2::find(bytes, from, to, span, conds, &mut found)
    };
    for i in from..to {
        if conds.iter().all(|c| c.holds(bytes[i + c.offset])) {
            found(i);
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::{
        __m128i, _mm_and_si128, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };

    use super::Cond;

    /// The blocked part of [`super::find`]; returns where the plain loop goes on.
    #[inline(always)]
    pub fn find<const N: usize>(
        bytes: &[u8],
        from: usize,
        to: usize,
        span: usize,
        conds: &[Cond; N],
        found: &mut impl FnMut(usize),
    ) -> usize {
        if N == 0 {
            return from;
        }
        // SAFETY: SSE2 is part of x86_64. Every load reads 16 bytes at
        // `i + offset` with `i + 16 <= to` and `to + span <= bytes.len()`,
        // `offset <= span`: inside `bytes`.
        unsafe {
            let wanted: [(usize, __m128i, __m128i); N] =
                conds.map(|c| (c.offset, _mm_set1_epi8(c.a as i8), _mm_set1_epi8(c.b as i8)));
            let base = bytes.as_ptr();
            let mut i = from;
            debug_assert!(to + span <= bytes.len());
            while i + 16 <= to {
                let mut all = _mm_set1_epi8(-1);
                for (offset, a, b) in &wanted {
                    let v = _mm_loadu_si128(base.add(i + offset) as *const __m128i);
                    let hit = _mm_or_si128(_mm_cmpeq_epi8(v, *a), _mm_cmpeq_epi8(v, *b));
                    all = _mm_and_si128(all, hit);
                }
                let mut mask = _mm_movemask_epi8(all) as u32;
                while mask != 0 {
                    found(i + mask.trailing_zeros() as usize);
                    mask &= mask - 1;
                }
                i += 16;
            }
            i
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::{
        __m256i, _mm256_and_si256, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_or_si256,
        _mm256_set1_epi8,
    };

    use super::Cond;

    /// [`super::sse2::find`] 32 bytes at a time.
    ///
    /// # Safety
    /// The CPU must have AVX2.
    #[target_feature(enable = "avx2")]
    pub unsafe fn find<const N: usize>(
        bytes: &[u8],
        from: usize,
        to: usize,
        span: usize,
        conds: &[Cond; N],
        found: &mut impl FnMut(usize),
    ) -> usize {
        if N == 0 {
            return from;
        }
        let wanted: [(usize, __m256i, __m256i); N] =
            conds.map(|c| (c.offset, _mm256_set1_epi8(c.a as i8), _mm256_set1_epi8(c.b as i8)));
        let base = bytes.as_ptr();
        let mut i = from;
        debug_assert!(to + span <= bytes.len());
        while i + 32 <= to {
            let mut all = _mm256_set1_epi8(-1);
            for (offset, a, b) in &wanted {
                // SAFETY: i + offset + 32 <= to + span <= bytes.len().
                let v = unsafe { _mm256_loadu_si256(base.add(i + offset) as *const __m256i) };
                let hit = _mm256_or_si256(_mm256_cmpeq_epi8(v, *a), _mm256_cmpeq_epi8(v, *b));
                all = _mm256_and_si256(all, hit);
            }
            let mut mask = _mm256_movemask_epi8(all) as u32;
            while mask != 0 {
                found(i + mask.trailing_zeros() as usize);
                mask &= mask - 1;
            }
            i += 32;
        }
        i
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(bytes: &[u8], from: usize, to: usize, conds: &[Cond]) -> Vec<usize> {
        (from..to.min(bytes.len()))
            .filter(|&i| conds.iter().all(|c| bytes.get(i + c.offset).is_some_and(|b| c.holds(*b))))
            .collect()
    }

    #[test]
    fn finds_what_a_plain_loop_finds() {
        // Bytes with many near misses: a linear congruential stream over a small alphabet.
        let mut x = 12345u32;
        let bytes: Vec<u8> = (0..5000)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                [0x0f, 0x05, 0xe8, 0xe9, 0xff, 0x15, 0x25, 0x90][(x >> 16) as usize % 8]
            })
            .collect();
        fn check<const N: usize>(bytes: &[u8], conds: &[Cond; N]) {
            for (from, to) in [(0, 5000), (3, 4999), (17, 33), (4990, 9000), (0, 0), (100, 50)] {
                let mut got = Vec::new();
                find(bytes, from, to, conds, |i| got.push(i));
                assert_eq!(got, plain(bytes, from, to, conds), "{conds:?} {from}..{to}");
                // The SSE2 blocks alone (find takes AVX2 where the CPU has it).
                #[cfg(target_arch = "x86_64")]
                {
                    let span = conds.iter().map(|c| c.offset).max().unwrap_or(0);
                    let to = to.min(bytes.len() - span);
                    if from < to {
                        let mut sse = Vec::new();
                        let rest = sse2::find(bytes, from, to, span, conds, &mut |i| sse.push(i));
                        sse.extend(plain(bytes, rest, to, conds));
                        assert_eq!(sse, plain(bytes, from, to, conds), "sse2 {conds:?} {from}..{to}");
                    }
                }
            }
        }
        check(&bytes, &[Cond::is(0, 0x0f), Cond::is(1, 0x05)]);
        check(&bytes, &[Cond::either(0, 0xe8, 0xe9), Cond::is(3, 0xff), Cond::is(4, 0x15)]);
        check(&bytes, &[Cond::is(0, 0xff), Cond::either(1, 0x15, 0x25)]);
        check(&bytes, &[Cond::is(0, 0x90)]);
        let mut got = Vec::new();
        find(&[0x0f], 0, 10, &[Cond::is(0, 0x0f), Cond::is(1, 0x05)], |i| got.push(i));
        assert!(got.is_empty());
    }
}

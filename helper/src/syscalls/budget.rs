//! How much work the analysis of one file may do, counted in candidate
//! sites and in bytes decoded, never in time: a hostile file (megabytes of
//! `0f 05`) must not stall a scan, and the same file must always give the
//! same answer.
//!
//! Real programs stay far below both limits: the most candidates seen in a
//! file under /usr of a Debian 12 system is about 800 (libc itself), and the
//! bytes decoded are about the size of the functions that hold candidates.

use serde::{Deserialize, Serialize};

/// Candidate sites (`0f 05`, `svc #0`, calls to `syscall()`) one file may
/// have before the analysis gives up on it.
pub(crate) const MAX_CANDIDATES: usize = 20_000;

/// Bytes of code one file may have decoded (functions and windows around
/// candidates, branch targets read back), on top of [`PER_CODE_BYTE`] per byte of code.
pub(crate) const DECODE_BASE: u64 = 16 << 20;
/// Decoding allowed per byte of executable code.
pub(crate) const PER_CODE_BYTE: u64 = 2;

/// Why the analysis of a file stopped before the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "reason")]
pub(crate) enum GaveUp {
    /// More candidate sites than [`MAX_CANDIDATES`]: none was analysed.
    Candidates { limit: usize },
    /// The decoding budget ran out after `analysed` of `candidates` candidates.
    Decoding { limit: u64, analysed: usize, candidates: usize },
}

/// The decoding budget of one file.
#[derive(Debug)]
pub(crate) struct Budget {
    limit: u64,
    left: u64,
    exhausted: bool,
}

impl Budget {
    /// The budget of a file with `code_bytes` bytes of executable code.
    pub(crate) fn for_code(code_bytes: u64) -> Budget {
        let limit = DECODE_BASE.saturating_add(code_bytes.saturating_mul(PER_CODE_BYTE));
        Budget { limit, left: limit, exhausted: false }
    }

    /// Takes `bytes` from the budget; false (and from then on always false)
    /// when they are not there.
    pub(crate) fn spend(&mut self, bytes: u64) -> bool {
        if self.exhausted || bytes > self.left {
            self.exhausted = true;
            return false;
        }
        self.left -= bytes;
        true
    }

    pub(crate) fn exhausted(&self) -> bool {
        self.exhausted
    }

    pub(crate) fn limit(&self) -> u64 {
        self.limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spent_budget_stays_spent() {
        let mut budget = Budget::for_code(0);
        assert!(budget.spend(DECODE_BASE - 1));
        assert!(!budget.spend(2));
        assert!(budget.exhausted());
        assert!(!budget.spend(0), "once out, always out: results must not depend on the order of small spends");
        assert_eq!(Budget::for_code(10).limit(), DECODE_BASE + 20);
    }
}

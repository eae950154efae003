//! Text edits on a source file: replace a byte range with new text.

use anyhow::{bail, Result};
use rnix::TextRange;

/// Replace `range` of the text with `text` (an insertion when the range is empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Edit {
    pub(crate) range: TextRange,
    pub(crate) text: String,
}

impl Edit {
    pub(crate) fn replace(range: TextRange, text: impl Into<String>) -> Edit {
        Edit { range, text: text.into() }
    }

    pub(crate) fn delete(range: TextRange) -> Edit {
        Edit { range, text: String::new() }
    }

    pub(crate) fn insert(at: rnix::TextSize, text: impl Into<String>) -> Edit {
        Edit { range: TextRange::empty(at), text: text.into() }
    }
}

/// Applies non-overlapping edits to `source`. Identical edits are applied once.
pub(crate) fn apply(source: &str, mut edits: Vec<Edit>) -> Result<String> {
    edits.sort_by_key(|e| (e.range.start(), e.range.end()));
    edits.dedup();
    let mut out = String::with_capacity(source.len());
    let mut pos = 0usize;
    for edit in &edits {
        let (start, end) = (usize::from(edit.range.start()), usize::from(edit.range.end()));
        if start < pos || end > source.len() {
            bail!("overlapping or out-of-range edits at byte {start}");
        }
        out.push_str(&source[pos..start]);
        out.push_str(&edit.text);
        pos = end;
    }
    out.push_str(&source[pos..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rnix::TextSize;

    fn r(a: u32, b: u32) -> TextRange {
        TextRange::new(TextSize::from(a), TextSize::from(b))
    }

    #[test]
    fn applies_in_order_and_rejects_overlaps() {
        let edits = vec![Edit::replace(r(6, 11), "there"), Edit::insert(TextSize::from(0), ">"), Edit::delete(r(5, 6))];
        assert_eq!(apply("hello world", edits).unwrap(), ">hellothere");
        assert!(apply("hello", vec![Edit::delete(r(0, 3)), Edit::delete(r(2, 4))]).is_err());
    }
}

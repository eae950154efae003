//! `stdenv.isLinux` -> `stdenv.hostPlatform.isLinux`.

use rnix::{SyntaxKind::*, SyntaxNode};

use super::Outcome;
use crate::port::{edit::Edit, tree};

/// The platform shorthands stdenv used to carry.
const SHORTHANDS: &[&str] = &[
    "isLinux",
    "isDarwin",
    "isFreeBSD",
    "isOpenBSD",
    "isNetBSD",
    "isBSD",
    "isCygwin",
    "isSunOS",
    "isi686",
    "isx86_32",
    "isx86_64",
    "isx86",
    "isAarch32",
    "isAarch64",
    "isMips",
    "isBigEndian",
    "isLittleEndian",
    "is32bit",
    "is64bit",
    "isMusl",
    "isRiscV",
    "isPower",
    "isPower64",
];

pub fn apply(root: &SyntaxNode) -> Outcome {
    let mut out = Outcome::default();
    for select in root.descendants().filter(|n| n.kind() == NODE_SELECT) {
        let Some((base, path)) = tree::select_parts(&select) else { continue };
        let is_stdenv = tree::ident_text(&base).is_some_and(|b| b == "stdenv" || b == "stdenvNoCC");
        let Some(first) = path.first() else { continue };
        if is_stdenv && tree::ident_text(first).is_some_and(|a| SHORTHANDS.contains(&a.as_str())) {
            out.edits.push(Edit::insert(first.text_range().start(), "hostPlatform."));
        }
    }
    out
}

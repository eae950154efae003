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

pub(crate) fn apply(root: &SyntaxNode) -> Outcome {
    let mut out = Outcome::default();
    for select in root.descendants().filter(|n| n.kind() == NODE_SELECT) {
        let Some((base, path)) = tree::select_parts(&select) else { continue };
        // stdenv.isLinux, and the same one level down: pkgs.stdenv.isLinux.
        let mut previous = tree::ident_text(&base);
        for part in &path {
            let name = tree::ident_text(part);
            let after_stdenv = previous.as_deref().is_some_and(|b| b == "stdenv" || b == "stdenvNoCC");
            if after_stdenv && name.as_deref().is_some_and(|a| SHORTHANDS.contains(&a)) {
                out.edits.push(Edit::insert(part.text_range().start(), "hostPlatform."));
            }
            previous = name;
        }
    }
    out
}

//! Deprecated license aliases -> the names nixpkgs keeps: `licenses.gpl2` ->
//! `licenses.gpl2Only` (the deprecated SPDX id GPL-2.0 means "2.0 only"),
//! `apsl20` -> `apple-psl20`, ...

use rnix::{SyntaxKind::*, SyntaxNode};

use super::Outcome;
use crate::port::{edit::Edit, tree};

/// (deprecated alias, current name), from nixpkgs lib/licenses.nix's legacy aliases.
const RENAMES: &[(&str, &str)] = &[
    ("gpl2", "gpl2Only"),
    ("gpl3", "gpl3Only"),
    ("lgpl2", "lgpl2Only"),
    ("lgpl21", "lgpl21Only"),
    ("lgpl3", "lgpl3Only"),
    ("apsl10", "apple-psl10"),
    ("apsl20", "apple-psl20"),
];

fn renamed(name: &str) -> Option<&'static str> {
    RENAMES.iter().find(|(old, _)| *old == name).map(|(_, new)| *new)
}

pub(crate) fn apply(root: &SyntaxNode) -> Outcome {
    let mut out = Outcome::default();
    // licenses.gpl2, lib.licenses.gpl2, stdenv.lib.licenses.gpl2
    for select in root.descendants().filter(|n| n.kind() == NODE_SELECT) {
        let Some((base, path)) = tree::select_parts(&select) else { continue };
        let mut previous = tree::ident_text(&base);
        for part in &path {
            let name = tree::ident_text(part);
            if let (Some("licenses"), Some(new)) = (previous.as_deref(), name.as_deref().and_then(renamed)) {
                out.edits.push(Edit::replace(part.text_range(), new));
            }
            previous = name;
        }
    }
    // with licenses; [ gpl2 ]  /  with lib.licenses; gpl2
    for ident in root.descendants().filter(|n| n.kind() == NODE_IDENT && tree::is_variable_reference(n)) {
        let Some(old) = tree::ident_text(&ident) else { continue };
        let Some(new) = renamed(&old) else { continue };
        if !in_scope_of_licenses(&ident) {
            continue;
        }
        // A name bound by a let, rec set or function wins over any `with`.
        if let Some(scope) = tree::binding_scope(&ident, &old, None) {
            let kind = tree::scope_kind(&scope);
            out.skip(&ident, format!("left `{old}` alone: here it means {kind}'s `{old}`, not the license"));
            continue;
        }
        out.edits.push(Edit::replace(ident.text_range(), new));
    }
    out
}

/// True when `ident` lies in the body of a `with X;` whose X ends in `licenses`.
fn in_scope_of_licenses(ident: &SyntaxNode) -> bool {
    ident.ancestors().filter(|a| a.kind() == NODE_WITH).any(|with| {
        let mut kids = with.children();
        let (Some(namespace), Some(body)) = (kids.next(), kids.next()) else { return false };
        let ends_in_licenses = match namespace.kind() {
            NODE_IDENT => tree::ident_text(&namespace).as_deref() == Some("licenses"),
            NODE_SELECT => tree::select_parts(&namespace)
                .and_then(|(_, path)| path.last().and_then(tree::ident_text))
                .is_some_and(|n| n == "licenses"),
            _ => false,
        };
        ends_in_licenses && body.text_range().contains_range(ident.text_range())
    })
}

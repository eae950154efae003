//! `stdenv.lib.x` -> `lib.x`, and `lib` in the function's arguments.

use rnix::{SyntaxKind::*, SyntaxNode};

use super::Outcome;
use crate::port::{edit::Edit, formals, tree};

const STDENVS: &[&str] = &["stdenv", "stdenvNoCC"];

pub fn apply(root: &SyntaxNode) -> Outcome {
    let mut out = Outcome::default();
    for select in root.descendants().filter(|n| n.kind() == NODE_SELECT) {
        let Some((base, path)) = tree::select_parts(&select) else { continue };
        let is_stdenv = tree::ident_text(&base).is_some_and(|b| STDENVS.contains(&b.as_str()));
        let first_is_lib = path.first().and_then(tree::ident_text).as_deref() == Some("lib");
        if !(is_stdenv && first_is_lib) {
            continue;
        }
        // Delete the base identifier and the dot after it; whitespace and comments stay.
        out.edits.push(Edit::delete(base.text_range()));
        if let Some(dot) = select.children_with_tokens().find(|e| e.kind() == TOKEN_DOT) {
            out.edits.push(Edit::delete(dot.text_range()));
        }
    }
    if out.edits.is_empty() {
        return out;
    }
    match formals::top_pattern(root) {
        Some(pattern) if formals::names(&pattern).iter().any(|n| n == "lib") => {}
        Some(pattern) => out.edits.extend(formals::add_first(&pattern, "lib")),
        None => out.notes.push(
            "the file is not a function of an argument set, so `lib` was not added to its arguments; \
             make sure `lib` is in scope"
                .to_string(),
        ),
    }
    out
}

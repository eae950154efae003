//! `stdenv.lib.x` -> `lib.x`, and `lib` in the function's arguments.

use rnix::{SyntaxKind::*, SyntaxNode};

use super::Outcome;
use crate::port::{edit::Edit, formals, tree};

const STDENVS: &[&str] = &["stdenv", "stdenvNoCC"];

pub(crate) fn apply(root: &SyntaxNode) -> Outcome {
    let mut out = Outcome::default();
    let top = root.children().find(|n| n.kind() == NODE_LAMBDA);
    let top_pattern = formals::top_pattern(root);
    for select in root.descendants().filter(|n| n.kind() == NODE_SELECT) {
        let Some((base, path)) = tree::select_parts(&select) else { continue };
        let is_stdenv = tree::ident_text(&base).is_some_and(|b| STDENVS.contains(&b.as_str()));
        let first_is_lib = path.first().and_then(tree::ident_text).as_deref() == Some("lib");
        if !(is_stdenv && first_is_lib) {
            continue;
        }
        let in_formals = top_pattern.as_ref().is_some_and(|p| p.text_range().contains_range(select.text_range()));
        match tree::binding_scope(&select, "lib", None) {
            Some(scope) if Some(&scope) == top.as_ref() && in_formals => {
                out.skip(&select, "left stdenv.lib alone: it is the default of a function argument, where `lib` would mean the argument `lib` itself");
                continue;
            }
            Some(scope) if Some(&scope) != top.as_ref() => {
                let kind = tree::scope_kind(&scope);
                out.skip(&select, format!("left stdenv.lib alone: `lib` here means {kind}'s own `lib`"));
                continue;
            }
            _ => {}
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

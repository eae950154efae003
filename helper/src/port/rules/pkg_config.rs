//! `pkgconfig` -> `pkg-config`, in the arguments and where it is used.

use rnix::{SyntaxKind::*, SyntaxNode};

use super::Outcome;
use crate::port::{edit::Edit, formals, tree};

pub(crate) fn apply(root: &SyntaxNode) -> Outcome {
    let mut out = Outcome::default();
    let inherited = root.descendants().filter(|n| n.kind() == NODE_INHERIT).any(|inherit| {
        inherit.children().any(|i| i.kind() == NODE_IDENT && tree::ident_text(&i).as_deref() == Some("pkgconfig"))
    });
    if inherited {
        out.notes.push("`inherit pkgconfig` names an attribute; renamed nothing, rename it by hand".to_string());
        return out;
    }
    let pattern = formals::top_pattern(root);
    let top = root.children().find(|n| n.kind() == NODE_LAMBDA);
    let has_new_formal = pattern.as_ref().is_some_and(|p| formals::names(p).iter().any(|n| n == "pkg-config"));
    for ident in root.descendants().filter(|n| n.kind() == NODE_IDENT) {
        if tree::ident_text(&ident).as_deref() != Some("pkgconfig") {
            continue;
        }
        let parent = ident.parent().map(|p| p.kind());
        if parent == Some(NODE_PAT_ENTRY) {
            if has_new_formal {
                continue; // removed below
            }
            out.edits.push(Edit::replace(ident.text_range(), "pkg-config"));
        } else if tree::is_variable_reference(&ident) {
            let scope = tree::binding_scope(&ident, "pkgconfig", None);
            if let Some(scope) = scope.filter(|s| Some(s) != top.as_ref()) {
                let kind = tree::scope_kind(&scope);
                out.skip(&ident, format!("left `pkgconfig` alone: here it means {kind}'s `pkgconfig`"));
                continue;
            }
            out.edits.push(Edit::replace(ident.text_range(), "pkg-config"));
        }
    }
    if has_new_formal {
        if let Some(edit) = pattern.as_ref().and_then(|p| formals::remove(p, "pkgconfig")) {
            out.edits.push(edit);
        }
    }
    out
}

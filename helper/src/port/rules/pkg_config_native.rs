//! `pkg-config` out of `buildInputs`, into `nativeBuildInputs`.

use rnix::{SyntaxKind::*, SyntaxNode, TextRange};

use super::Outcome;
use crate::port::{edit::Edit, tree};

const TOOL: &str = "pkg-config";

pub(crate) fn apply(root: &SyntaxNode) -> Outcome {
    let mut out = Outcome::default();
    for set in root.descendants().filter(|n| n.kind() == NODE_ATTR_SET) {
        let bindings = tree::bindings(&set);
        let find = |name: &str| bindings.iter().find(|(n, b)| n == name && b.is_some()).and_then(|(_, b)| b.clone());
        let Some(build_inputs) = find("buildInputs") else { continue };
        let Some(value) = tree::binding_value(&build_inputs) else { continue };
        if value.kind() != NODE_LIST {
            let mentions = value.descendants().any(|e| tree::ident_text(&e).as_deref() == Some(TOOL));
            if mentions {
                out.skip(&build_inputs, "pkg-config is in buildInputs, but buildInputs is not a plain list; moved nothing: move it to nativeBuildInputs by hand");
            }
            continue;
        }
        let list = value;
        let Some(element) = list.children().find(|e| tree::ident_text(e).as_deref() == Some(TOOL)) else {
            continue;
        };
        let native = find("nativeBuildInputs");
        let native_list = native.as_ref().and_then(tree::binding_value);
        match native_list {
            Some(n) if n.kind() == NODE_LIST => {
                if n.children().any(|e| tree::ident_text(&e).as_deref() == Some(TOOL)) {
                    // Already there: only drop it from buildInputs.
                } else {
                    out.edits.push(append_to_list(&n));
                }
            }
            Some(_) => {
                out.skip(
                    &build_inputs,
                    "pkg-config is in buildInputs but nativeBuildInputs is not a plain list; moved nothing",
                );
                continue;
            }
            None => {
                let indent = tree::whitespace_before(&build_inputs).map(|w| w.text().to_string()).unwrap_or(" ".into());
                out.edits.push(Edit::insert(
                    build_inputs.text_range().start(),
                    format!("nativeBuildInputs = [ {TOOL} ];{indent}"),
                ));
            }
        }
        // Remove the element with the whitespace before it.
        let start = tree::whitespace_before(&element).map_or(element.text_range().start(), |w| w.text_range().start());
        out.edits.push(Edit::delete(TextRange::new(start, element.text_range().end())));
    }
    out
}

/// Appends pkg-config to a list literal, in the list's own layout.
fn append_to_list(list: &SyntaxNode) -> Edit {
    let elements: Vec<SyntaxNode> = list.children().collect();
    match elements.last() {
        Some(last) => {
            let sep = tree::whitespace_before(last).map(|w| w.text().to_string()).unwrap_or(" ".into());
            Edit::insert(last.text_range().end(), format!("{sep}{TOOL}"))
        }
        None => Edit::replace(list.text_range(), format!("[ {TOOL} ]")),
    }
}

//! The formal arguments of a file's top-level function (`{ stdenv, fetchurl }:`):
//! finding, adding and removing one while keeping the file's layout.

use rnix::{SyntaxKind::*, SyntaxNode};

use super::{edit::Edit, tree};

/// The NODE_PATTERN of the file's top-level function, if it has one.
pub(crate) fn top_pattern(root: &SyntaxNode) -> Option<SyntaxNode> {
    let lambda = root.children().find(|n| n.kind() == NODE_LAMBDA)?;
    lambda.children().find(|n| n.kind() == NODE_PATTERN)
}

/// The formals' names, in order.
pub(crate) fn names(pattern: &SyntaxNode) -> Vec<String> {
    entries(pattern).iter().filter_map(entry_name).collect()
}

fn entries(pattern: &SyntaxNode) -> Vec<SyntaxNode> {
    pattern.children().filter(|n| n.kind() == NODE_PAT_ENTRY).collect()
}

fn entry_name(entry: &SyntaxNode) -> Option<String> {
    entry.children().find(|n| n.kind() == NODE_IDENT).and_then(|i| tree::ident_text(&i))
}

/// The edit that adds `name` as the first formal, in the file's own style:
/// `{ stdenv }` -> `{ lib, stdenv }`; `{ stdenv\n, fetchurl }` -> `{ lib\n, stdenv\n, fetchurl }`;
/// `{\n  stdenv,\n}` -> `{\n  lib,\n  stdenv,\n}`.
pub(crate) fn add_first(pattern: &SyntaxNode, name: &str) -> Option<Edit> {
    let list = entries(pattern);
    let Some(first_elem) =
        pattern.children_with_tokens().find(|e| e.kind() == NODE_PAT_ENTRY || e.kind() == TOKEN_ELLIPSIS)
    else {
        // `{ }`: no formals yet; `lib` becomes the only one.
        let open = pattern.children_with_tokens().find(|e| e.kind() == TOKEN_L_BRACE)?;
        let close = pattern.children_with_tokens().find(|e| e.kind() == TOKEN_R_BRACE)?;
        let inside = rnix::TextRange::new(open.text_range().end(), close.text_range().start());
        return Some(Edit::replace(inside, format!(" {name} ")));
    };
    let at = first_elem.text_range().start();
    // The separator the file uses between its first two formals, when plain.
    let between = match list.as_slice() {
        [a, b, ..] => {
            let start = usize::from(a.text_range().end());
            let end = usize::from(b.text_range().start());
            let text = pattern.text().to_string();
            let offset = usize::from(pattern.text_range().start());
            Some(text[start - offset..end - offset].to_string())
        }
        _ => None,
    };
    let sep = match between {
        Some(s) if s.contains(',') && !s.contains('#') && !s.contains("/*") => s,
        _ => {
            let before = tree_whitespace_before(pattern, at);
            if before.contains('\n') {
                format!(",{before}")
            } else {
                ", ".to_string()
            }
        }
    };
    Some(Edit::insert(at, format!("{name}{sep}")))
}

fn tree_whitespace_before(pattern: &SyntaxNode, at: rnix::TextSize) -> String {
    pattern
        .children_with_tokens()
        .filter_map(|e| e.into_token())
        .find(|t| t.kind() == TOKEN_WHITESPACE && t.text_range().end() == at)
        .map(|t| t.text().to_string())
        .unwrap_or_default()
}

/// The edit that removes the formal `name` with its comma (the following
/// one, or the preceding one when it is last).
pub(crate) fn remove(pattern: &SyntaxNode, name: &str) -> Option<Edit> {
    let entry = entries(pattern).into_iter().find(|e| entry_name(e).as_deref() == Some(name))?;
    let mut end = entry.text_range().end();
    let mut token = entry.last_token()?.next_token();
    let mut found_comma = false;
    while let Some(t) = token {
        match t.kind() {
            TOKEN_WHITESPACE => end = t.text_range().end(),
            TOKEN_COMMA if !found_comma => {
                found_comma = true;
                end = t.text_range().end();
            }
            _ => break,
        }
        token = t.next_token();
    }
    if found_comma {
        return Some(Edit::delete(rnix::TextRange::new(entry.text_range().start(), end)));
    }
    // Last formal: take the comma before it instead.
    let mut start = entry.text_range().start();
    let mut token = entry.first_token()?.prev_token();
    while let Some(t) = token {
        match t.kind() {
            TOKEN_WHITESPACE => start = t.text_range().start(),
            TOKEN_COMMA => {
                start = t.text_range().start();
                break;
            }
            _ => break,
        }
        token = t.prev_token();
    }
    Some(Edit::delete(rnix::TextRange::new(start, entry.text_range().end())))
}

//! Small questions about rnix syntax trees that the rules share.

use rnix::{SyntaxKind::*, SyntaxNode, SyntaxToken};

/// The identifier text of a NODE_IDENT.
pub(crate) fn ident_text(node: &SyntaxNode) -> Option<String> {
    if node.kind() != NODE_IDENT {
        return None;
    }
    node.first_token().filter(|t| t.kind() == TOKEN_IDENT).map(|t| t.text().to_string())
}

/// For a NODE_SELECT: its base expression and its attribute path's idents (in order).
pub(crate) fn select_parts(select: &SyntaxNode) -> Option<(SyntaxNode, Vec<SyntaxNode>)> {
    if select.kind() != NODE_SELECT {
        return None;
    }
    let mut kids = select.children();
    let base = kids.next()?;
    let path = kids.next().filter(|n| n.kind() == NODE_ATTRPATH)?;
    Some((base, path.children().collect()))
}

/// True when this NODE_IDENT is a reference to a variable (not an attribute
/// name in a path, a binding, an `inherit`, or a function parameter).
pub(crate) fn is_variable_reference(ident: &SyntaxNode) -> bool {
    match ident.parent().map(|p| p.kind()) {
        Some(NODE_ATTRPATH | NODE_INHERIT | NODE_PAT_ENTRY | NODE_IDENT_PARAM | NODE_PAT_BIND) => false,
        Some(_) => true,
        None => false,
    }
}

/// The bindings of a NODE_ATTR_SET: (name, the NODE_ATTRPATH_VALUE) for
/// single-identifier keys, and names brought in by `inherit`.
pub(crate) fn bindings(set: &SyntaxNode) -> Vec<(String, Option<SyntaxNode>)> {
    let mut out = Vec::new();
    for child in set.children() {
        match child.kind() {
            NODE_ATTRPATH_VALUE => {
                if let Some(path) = child.children().find(|n| n.kind() == NODE_ATTRPATH) {
                    let parts: Vec<SyntaxNode> = path.children().collect();
                    if let [single] = parts.as_slice() {
                        if let Some(name) = ident_text(single) {
                            out.push((name, Some(child.clone())));
                        }
                    }
                }
            }
            NODE_INHERIT => {
                for id in child.children().filter(|n| n.kind() == NODE_IDENT) {
                    if let Some(name) = ident_text(&id) {
                        out.push((name, None));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// The value expression of a NODE_ATTRPATH_VALUE.
pub(crate) fn binding_value(binding: &SyntaxNode) -> Option<SyntaxNode> {
    binding.children().find(|n| n.kind() != NODE_ATTRPATH)
}

/// The whitespace token right before `node`, if any.
pub(crate) fn whitespace_before(node: &SyntaxNode) -> Option<SyntaxToken> {
    node.first_token()?.prev_token().filter(|t| t.kind() == TOKEN_WHITESPACE)
}

/// True when the NODE_ATTR_SET is `rec { ... }`.
pub(crate) fn is_rec(set: &SyntaxNode) -> bool {
    set.children_with_tokens().any(|e| e.kind() == TOKEN_REC)
}

/// The names a scope-making node binds for the expressions inside it: a
/// `let`'s bindings, a `rec { }` set's, a function's parameters (with
/// `@name`). Empty for any other node, a plain `{ }` set among them.
pub(crate) fn names_bound_by(node: &SyntaxNode) -> Vec<String> {
    match node.kind() {
        NODE_LET_IN | NODE_LEGACY_LET => entry_names(node),
        NODE_ATTR_SET if is_rec(node) => entry_names(node),
        NODE_LAMBDA => {
            let mut names = Vec::new();
            for param in node.children().take(1) {
                match param.kind() {
                    NODE_IDENT_PARAM => names.extend(param.children().filter_map(|i| ident_text(&i))),
                    NODE_PATTERN => {
                        for part in param.children() {
                            let ident = match part.kind() {
                                NODE_PAT_ENTRY | NODE_PAT_BIND => part.children().find(|n| n.kind() == NODE_IDENT),
                                _ => None,
                            };
                            names.extend(ident.and_then(|i| ident_text(&i)));
                        }
                    }
                    _ => {}
                }
            }
            names
        }
        _ => Vec::new(),
    }
}

/// The first identifier of each binding's key, and each inherited name.
fn entry_names(node: &SyntaxNode) -> Vec<String> {
    let mut names = Vec::new();
    for child in node.children() {
        match child.kind() {
            NODE_ATTRPATH_VALUE => {
                let first = child.children().find(|n| n.kind() == NODE_ATTRPATH).and_then(|p| p.children().next());
                names.extend(first.and_then(|f| ident_text(&f)));
            }
            NODE_INHERIT => names.extend(child.children().filter_map(|i| ident_text(&i))),
            _ => {}
        }
    }
    names
}

/// The nearest scope around `node` that binds `name`, looking no further
/// out than `outer` (exclusive) when given.
pub(crate) fn binding_scope(node: &SyntaxNode, name: &str, outer: Option<&SyntaxNode>) -> Option<SyntaxNode> {
    node.ancestors().skip(1).take_while(|a| Some(a) != outer).find(|a| names_bound_by(a).iter().any(|n| n == name))
}

/// True when the set says `inherit name;` (from the enclosing scope, not `inherit (x) name;`).
pub(crate) fn inherits_plainly(set: &SyntaxNode, name: &str) -> bool {
    set.children()
        .filter(|c| c.kind() == NODE_INHERIT && !c.children().any(|n| n.kind() == NODE_INHERIT_FROM))
        .any(|inherit| inherit.children().any(|i| ident_text(&i).as_deref() == Some(name)))
}

/// What kind of scope `node` is, for messages.
pub(crate) fn scope_kind(node: &SyntaxNode) -> &'static str {
    match node.kind() {
        NODE_LET_IN | NODE_LEGACY_LET => "a let",
        NODE_ATTR_SET => "a rec set",
        NODE_LAMBDA => "a function parameter",
        _ => "a binding",
    }
}

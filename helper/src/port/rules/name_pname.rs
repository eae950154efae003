//! `name = "x-${version}";` -> `pname = "x";` where `version` is set in the
//! same attribute set; `name = "${pname}-${version}";` dropped where both are.

use rnix::{SyntaxKind::*, SyntaxNode, TextRange};

use super::Outcome;
use crate::{
    nix_syntax,
    port::{edit::Edit, tree},
};

pub(crate) fn apply(root: &SyntaxNode) -> Outcome {
    let mut out = Outcome::default();
    for set in root.descendants().filter(|n| n.kind() == NODE_ATTR_SET && is_builder_argument(n)) {
        let bindings = tree::bindings(&set);
        let has = |name: &str| bindings.iter().any(|(n, _)| n == name);
        let Some(name_binding) = bindings.iter().find(|(n, b)| n == "name" && b.is_some()).and_then(|(_, b)| b.clone())
        else {
            continue;
        };
        let Some(value) = tree::binding_value(&name_binding) else { continue };
        if !has("version") {
            // name = "x-1.2": split it into pname and version.
            if let (Some(Shape::Literal(pname, version)), false) = (literal_shape(&value), has("pname")) {
                let Some(refs) = name_references(&set, &name_binding) else {
                    out.skip(
                        &name_binding,
                        format!("left `name = \"{pname}-{version}\"` alone: `name` is used in this set other than as ${{name}}"),
                    );
                    continue;
                };
                let indent = match tree::whitespace_before(&name_binding) {
                    Some(ws) if ws.text().contains('\n') => {
                        // The file's own line ending (CRLF stays CRLF) and indentation.
                        let text = ws.text();
                        let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
                        format!("{eol}{}", text.rsplit('\n').next().unwrap_or_default())
                    }
                    _ => " ".to_string(),
                };
                out.edits.push(Edit::replace(
                    name_binding.text_range(),
                    format!(
                        "pname = {};{indent}version = {};",
                        nix_syntax::source_string(&pname),
                        nix_syntax::source_string(&version)
                    ),
                ));
                for interpol in refs {
                    out.edits.push(Edit::replace(interpol, "${pname}-${version}"));
                }
            }
            continue;
        }
        match string_shape(&value) {
            Some(Shape::PrefixVersion(prefix)) if !has("pname") => {
                if !tree::is_rec(&set) && !tree::inherits_plainly(&set, "version") {
                    out.skip(
                        &name_binding,
                        format!("left `name = \"{prefix}-${{version}}\"` alone: this set is not rec, so its `${{version}}` is the one from outside, not the set's own `version`"),
                    );
                    continue;
                }
                let Some(refs) = name_references(&set, &name_binding) else {
                    out.skip(
                        &name_binding,
                        format!("left `name = \"{prefix}-${{version}}\"` alone: `name` is used in this set other than as ${{name}}"),
                    );
                    continue;
                };
                if let Some(key) = name_binding.children().find(|n| n.kind() == NODE_ATTRPATH) {
                    out.edits.push(Edit::replace(key.text_range(), "pname"));
                }
                out.edits.push(Edit::replace(value.text_range(), nix_syntax::source_string(&prefix)));
                for interpol in refs {
                    out.edits.push(Edit::replace(interpol, "${pname}-${version}"));
                }
            }
            Some(Shape::PnameVersion)
                if has("pname")
                    && !tree::is_rec(&set)
                    && !(tree::inherits_plainly(&set, "pname") && tree::inherits_plainly(&set, "version")) =>
            {
                out.skip(
                    &name_binding,
                    "left `name = \"${pname}-${version}\"` alone: this set is not rec, so its ${pname} and ${version} \
                     are the ones from outside, not the set's own",
                );
            }
            Some(Shape::PnameVersion) if has("pname") => match name_references(&set, &name_binding) {
                Some(refs) => {
                    out.edits.push(Edit::delete(line_range(&name_binding)));
                    for interpol in refs {
                        out.edits.push(Edit::replace(interpol, "${pname}-${version}"));
                    }
                }
                None => out.skip(
                    &name_binding,
                    "left `name = \"${pname}-${version}\"` alone: `name` is used in this set other than as ${name}",
                ),
            },
            _ => {}
        }
    }
    out
}

/// Functions that make `name` from `pname` and `version`.
const BUILDERS: &[&str] = &[
    "mkDerivation",
    "buildPythonPackage",
    "buildPythonApplication",
    "buildGoModule",
    "buildRustPackage",
    "buildPerlPackage",
];

/// True when the set is the argument of one of [`BUILDERS`] (directly, or
/// as the body of `finalAttrs: { ... }`): only there does `pname` mean
/// something. A fetcher's `name` stays a name.
fn is_builder_argument(set: &SyntaxNode) -> bool {
    let mut node = set.clone();
    while let Some(parent) = node.parent() {
        match parent.kind() {
            NODE_PAREN | NODE_LAMBDA => node = parent,
            NODE_APPLY => {
                let function = parent.children().next();
                let last_name = function.and_then(|f| match f.kind() {
                    NODE_IDENT => tree::ident_text(&f),
                    NODE_SELECT => tree::select_parts(&f).and_then(|(_, path)| path.last().and_then(tree::ident_text)),
                    _ => None,
                });
                let is_argument = parent.children().nth(1).is_some_and(|a| a == node);
                return is_argument && last_name.is_some_and(|n| BUILDERS.contains(&n.as_str()));
            }
            _ => return false,
        }
    }
    false
}

enum Shape {
    /// "x-1.2": a plain name with a version, as builtins.parseDrvName splits it.
    Literal(String, String),
    /// "x-${version}" with a literal prefix "x".
    PrefixVersion(String),
    /// "${pname}-${version}".
    PnameVersion,
}

/// Recognises the two string shapes this rule rewrites.
fn string_shape(value: &SyntaxNode) -> Option<Shape> {
    if value.kind() != NODE_STRING {
        return None;
    }
    let parts: Vec<rnix::SyntaxElement> =
        value.children_with_tokens().filter(|e| !matches!(e.kind(), TOKEN_STRING_START | TOKEN_STRING_END)).collect();
    let interpol_ident = |e: &rnix::SyntaxElement| -> Option<String> {
        let node = e.as_node().filter(|n| n.kind() == NODE_INTERPOL)?;
        let inner: Vec<SyntaxNode> = node.children().collect();
        match inner.as_slice() {
            [only] => tree::ident_text(only),
            _ => None,
        }
    };
    let content = |e: &rnix::SyntaxElement| {
        e.as_token().filter(|t| t.kind() == TOKEN_STRING_CONTENT).map(|t| t.text().to_string())
    };
    match parts.as_slice() {
        [text, version] if interpol_ident(version).as_deref() == Some("version") => {
            let text = content(text)?;
            let prefix = text.strip_suffix('-')?;
            let plain = !prefix.is_empty() && nix_syntax::is_plain_string_text(prefix);
            plain.then(|| Shape::PrefixVersion(prefix.to_string()))
        }
        [pname, dash, version]
            if interpol_ident(pname).as_deref() == Some("pname")
                && content(dash).as_deref() == Some("-")
                && interpol_ident(version).as_deref() == Some("version") =>
        {
            Some(Shape::PnameVersion)
        }
        _ => None,
    }
}

/// A string literal without interpolation whose text splits into a name
/// and a version that starts with a digit.
fn literal_shape(value: &SyntaxNode) -> Option<Shape> {
    if value.kind() != NODE_STRING {
        return None;
    }
    let parts: Vec<rnix::SyntaxElement> =
        value.children_with_tokens().filter(|e| !matches!(e.kind(), TOKEN_STRING_START | TOKEN_STRING_END)).collect();
    let [only] = parts.as_slice() else { return None };
    let text = only.as_token().filter(|t| t.kind() == TOKEN_STRING_CONTENT)?.text().to_string();
    if !nix_syntax::is_plain_string_text(&text) || text.contains('\n') {
        return None;
    }
    let (pname, version) = crate::nix::drv_name::split(&text);
    let plain = !pname.is_empty() && version.starts_with(|c: char| c.is_ascii_digit());
    plain.then(|| Shape::Literal(pname.to_string(), version.to_string()))
}

/// In a `rec` set, the `${name}` interpolations that refer to the binding
/// (their ranges), or `None` when `name` is used some other way. Outside
/// `rec` nothing in the set can refer to it.
fn name_references(set: &SyntaxNode, binding: &SyntaxNode) -> Option<Vec<TextRange>> {
    if !tree::is_rec(set) {
        return Some(Vec::new());
    }
    let mut ranges = Vec::new();
    for ident in set.descendants().filter(|n| n.kind() == NODE_IDENT) {
        if tree::ident_text(&ident).as_deref() != Some("name") {
            continue;
        }
        let parent = ident.parent()?;
        if parent.kind() == NODE_INHERIT && parent.parent().as_ref() != Some(set) {
            // `inherit name;` in a nested set or let takes the name from the
            // scope around it: this set's binding, unless one nearer binds it.
            let from = parent.children().any(|n| n.kind() == NODE_INHERIT_FROM);
            let around = parent.parent().and_then(|p| p.parent());
            let nearer = around.and_then(|a| {
                a.ancestors().take_while(|x| x != set).find(|x| tree::names_bound_by(x).iter().any(|n| n == "name"))
            });
            if !from && nearer.is_none() {
                return None;
            }
            continue;
        }
        if !tree::is_variable_reference(&ident) || binding.text_range().contains_range(ident.text_range()) {
            continue;
        }
        if tree::binding_scope(&ident, "name", Some(set)).is_some() {
            continue; // a nearer `name` (a let, a function parameter): not this binding
        }
        let parent = ident.parent()?;
        if parent.kind() == NODE_INTERPOL && parent.children().count() == 1 {
            ranges.push(parent.text_range());
        } else {
            return None;
        }
    }
    Some(ranges)
}

/// The binding with the indentation before it and the line break after, so
/// the line disappears whole.
fn line_range(binding: &SyntaxNode) -> TextRange {
    let mut start = binding.text_range().start();
    if let Some(ws) = tree::whitespace_before(binding) {
        let text = ws.text();
        if let Some(nl) = text.rfind('\n') {
            start = ws.text_range().start() + rnix::TextSize::from(nl as u32);
        }
    }
    TextRange::new(start, binding.text_range().end())
}

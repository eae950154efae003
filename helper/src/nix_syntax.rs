//! Writing Nix text: string literals, attribute names, values.
//!
//! The one place that knows how Nix quotes and escapes, for everything that
//! writes Nix: the fixup overlays, the expressions given to `nix-instantiate`,
//! and `compat port`'s edits. It depends on no other module of compat.

use serde_json::Value;

/// Words Nix reserves: never bare attribute names.
const KEYWORDS: [&str; 10] = ["if", "then", "else", "assert", "with", "let", "in", "rec", "inherit", "or"];

/// True for names Nix accepts bare in `{ name = ...; }` and `a.name`.
pub(crate) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    first_ok && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '\'')) && !KEYWORDS.contains(&name)
}

/// A Nix attribute name: bare when Nix allows it, else quoted ("ubuntu-20.04").
pub(crate) fn attr_name(name: &str) -> String {
    if is_identifier(name) {
        name.to_string()
    } else {
        string(name)
    }
}

/// A Nix string literal whose value is `text`.
pub(crate) fn string(text: &str) -> String {
    let mut s = String::from("\"");
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\t' => s.push_str("\\t"),
            '\r' => s.push_str("\\r"),
            '$' if chars.peek() == Some(&'{') => s.push_str("\\$"),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

/// True when `text`, written between double quotes, means itself: it has no
/// backslash, `$` or `"`, so no escape and no interpolation. Text read from a
/// string literal in a file is the literal's value when this holds.
pub(crate) fn is_plain_string_text(text: &str) -> bool {
    !text.contains(['\\', '$', '"'])
}

/// A string literal for `text` as a rewrite of a file writes it: plain text
/// ([`is_plain_string_text`]) stands between quotes byte for byte, keeping
/// the file's own tabs and line breaks; other text is escaped by [`string`].
pub(crate) fn source_string(text: &str) -> String {
    if is_plain_string_text(text) {
        format!("\"{text}\"")
    } else {
        string(text)
    }
}

/// `[ a b ]`: a list of elements already written as Nix; `[ ]` when empty.
pub(crate) fn list(elements: impl IntoIterator<Item = String>) -> String {
    let parts: Vec<String> = elements.into_iter().collect();
    if parts.is_empty() {
        "[ ]".to_string()
    } else {
        format!("[ {} ]", parts.join(" "))
    }
}

/// `[ "a" "b" ]`: a list of string literals.
pub(crate) fn string_list<S: AsRef<str>>(items: &[S]) -> String {
    list(items.iter().map(|i| string(i.as_ref())))
}

/// A JSON value as a Nix value.
pub(crate) fn value(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string(s),
        Value::Array(items) => list(items.iter().map(self::value)),
        Value::Object(map) if map.is_empty() => "{ }".to_string(),
        Value::Object(map) => {
            let parts: Vec<String> =
                map.iter().map(|(k, v)| format!("{} = {};", attr_name(k), self::value(v))).collect();
            format!("{{ {} }}", parts.join(" "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nix_identifiers() {
        assert!(is_identifier("linux-pam"));
        assert!(is_identifier("python3Packages"));
        assert!(!is_identifier("3d"));
        assert!(!is_identifier("a.b"));
        assert!(!is_identifier("in"));
        assert!(!is_identifier(""));
    }
}

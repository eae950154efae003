//! Lossless rewriting of old nixpkgs expressions for current nixpkgs.
//!
//! A file is parsed with rnix; each rule ([`rules::RULES`]) walks the
//! syntax tree and proposes text edits ([`edit::Edit`]) for the spots it
//! rewrites; the edits are applied to the original text, so everything a
//! rule does not touch -- comments, layout, blank lines -- stays byte for
//! byte. Rules run one after another, each on the text the previous ones
//! left, and a second run finds nothing to do.

pub(crate) mod bytes;
pub(crate) mod edit;
pub(crate) mod formals;
pub(crate) mod rules;
pub mod syntax;
pub(crate) mod tree;

use anyhow::{bail, Result};

pub use rules::{PortRule, RULES};

/// What porting a text did.
#[derive(Debug, Clone, PartialEq)]
pub struct Ported {
    pub text: String,
    /// Ids of the rules that changed something, in the order they ran.
    pub applied: Vec<&'static str>,
    /// Things a person should look at.
    pub notes: Vec<String>,
    /// Spots a rule left alone because rewriting them would change what the
    /// file means: "line N: rule: reason".
    pub skipped: Vec<String>,
}

/// Ports `text` with `rules`. Refuses text that does not parse; `origin`
/// names it in errors.
pub fn port(text: &str, rules: &[&PortRule], origin: &str) -> Result<Ported> {
    let errors = syntax::parse_errors(text);
    if !errors.is_empty() {
        bail!("{origin}: not valid Nix, left alone: {}", syntax::summary(&errors));
    }
    let mut current = text.to_string();
    let mut applied = Vec::new();
    let mut notes = Vec::new();
    let mut skipped = Vec::new();
    for rule in rules {
        let root = rnix::Root::parse(&current).syntax();
        let outcome = (rule.apply)(&root);
        notes.extend(outcome.notes.into_iter().map(|n| format!("{}: {n}", rule.id)));
        skipped.extend(
            outcome.skipped.iter().map(|(at, why)| format!("line {}: {}: {why}", line_of(&current, *at), rule.id)),
        );
        if outcome.edits.is_empty() {
            continue;
        }
        let next = edit::apply(&current, outcome.edits)?;
        let errors = syntax::parse_errors(&next);
        if !errors.is_empty() {
            bail!(
                "{origin}: rule {} produced invalid Nix ({}); this is a bug in compat",
                rule.id,
                syntax::summary(&errors)
            );
        }
        if next != current {
            applied.push(rule.id);
            current = next;
        }
    }
    Ok(Ported { text: current, applied, notes, skipped })
}

/// The 1-based line of byte offset `at` in `text`.
fn line_of(text: &str, at: rnix::TextSize) -> usize {
    let end = usize::from(at).min(text.len());
    text.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() + 1
}

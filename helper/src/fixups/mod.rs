//! Per-package fixup rules for a target, and the Nix overlay made from them.
//!
//! The rules are data (`profiles/fixups/rules.json`, embedded at build time):
//! a package attribute, a condition on the target's glibc and kernel (and
//! arch), actions, a reason and a reference. [`RuleSet::for_profile`] picks
//! the rules that fire for a target; [`overlay::render`] turns them into a
//! `final: prev: { ... }` overlay; [`plan::make`] matches them against the
//! packages of a build closure for `compat plan`.

pub(crate) mod condition;
pub mod overlay;
pub(crate) mod plan;
pub(crate) mod rule;
pub(crate) mod ruleset;

pub(crate) use rule::Evidence;
pub use rule::Rule;
pub use ruleset::RuleSet;

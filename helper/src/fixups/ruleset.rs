//! The rule file: loading, checking, and picking the rules for a target.

use std::{collections::BTreeMap, fs, path::Path};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use super::rule::{Action, Rule};
use crate::{nix_syntax, profile::Profile};

/// `profiles/fixups/rules.json`, embedded so `compat` works without the repository.
pub(crate) const EMBEDDED_RULES: &str = include_str!("../../../profiles/fixups/rules.json");

/// Where the embedded rules live in the repository (for messages).
pub(crate) const RULES_PATH: &str = "profiles/fixups/rules.json";

/// Every fixup rule, in file order.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
}

impl RuleSet {
    /// The rules compiled into this binary.
    pub fn builtin() -> Result<RuleSet> {
        RuleSet::from_json(EMBEDDED_RULES, RULES_PATH)
    }

    /// Reads a rule file given by path.
    pub(crate) fn from_path(path: &Path) -> Result<RuleSet> {
        let text = fs::read_to_string(path).with_context(|| format!("{}: cannot read rules", path.display()))?;
        RuleSet::from_json(&text, &path.display().to_string())
    }

    /// Parses and checks a rule file; `origin` names the input in errors.
    pub fn from_json(text: &str, origin: &str) -> Result<RuleSet> {
        let set: RuleSet =
            serde_json::from_str(text).with_context(|| format!("{origin}: not a valid compat rule file"))?;
        set.check().with_context(|| format!("{origin}: inconsistent rules"))?;
        Ok(set)
    }

    /// Rejects what would make a wrong or unparsable overlay: duplicate ids,
    /// attribute names Nix cannot take bare, two pins or two `fromAttr` for
    /// one package, a `fromAttr` combined with changes, empty text fields.
    pub(crate) fn check(&self) -> Result<()> {
        let mut ids = BTreeMap::new();
        for rule in &self.rules {
            if ids.insert(rule.id.as_str(), ()).is_some() {
                bail!("rule id '{}' is used twice", rule.id);
            }
            if !nix_syntax::is_identifier(&rule.package) {
                bail!("rule '{}': package '{}' is not a plain attribute name", rule.id, rule.package);
            }
            if rule.actions.is_empty() {
                bail!("rule '{}' has no actions", rule.id);
            }
            if rule.reason.trim().is_empty() || rule.reference.trim().is_empty() {
                bail!("rule '{}' needs a reason and a reference", rule.id);
            }
            for action in &rule.actions {
                check_action(rule, action)?;
            }
        }
        // Rules of one package that could fire together must not contradict.
        let mut by_package: BTreeMap<&str, Vec<&Rule>> = BTreeMap::new();
        for rule in &self.rules {
            by_package.entry(rule.package.as_str()).or_default().push(rule);
        }
        for (package, rules) in by_package {
            let count = |f: fn(&Action) -> bool| rules.iter().flat_map(|r| &r.actions).filter(|a| f(a)).count();
            if count(|a| matches!(a, Action::Pin { .. })) > 1 {
                bail!("package '{package}' is pinned by more than one rule");
            }
            let from = count(|a| matches!(a, Action::FromAttr { .. }));
            if from > 1 || (from == 1 && count(|a| !matches!(a, Action::FromAttr { .. } | Action::Broken)) > 0) {
                bail!("package '{package}': a fromAttr rule replaces the package and cannot be combined with changes");
            }
        }
        Ok(())
    }

    /// The rules that fire for `profile`, in file order.
    pub fn for_profile(&self, profile: &Profile) -> Vec<&Rule> {
        self.rules.iter().filter(|r| r.when.holds_for(profile)).collect()
    }

    /// The rules that fire for `profile` and concern a package named `pname`
    /// at `version` on `cpu` (from a derivation in a closure).
    pub fn matching<'a>(&'a self, profile: &Profile, pname: &str, version: &str, cpu: Option<&str>) -> Vec<&'a Rule> {
        self.rules
            .iter()
            .filter(|r| r.matched_pnames().contains(&pname))
            .filter(|r| r.when.holds_for_versions(&profile.glibc, &profile.kernel))
            .filter(|r| match cpu {
                Some(cpu) => r.when.holds_for_arch(cpu),
                None => r.when.holds_for(profile),
            })
            .filter(|r| r.package_version.as_ref().is_none_or(|pv| pv.matches(version)))
            .collect()
    }
}

fn check_action(rule: &Rule, action: &Action) -> Result<()> {
    match action {
        Action::RemoveConfigureFlags { flags }
        | Action::AddConfigureFlags { flags }
        | Action::AppendCFlags { flags } => {
            if flags.is_empty() {
                bail!("rule '{}': {} with no flags", rule.id, action.describe());
            }
        }
        Action::Pin { version, url, sha256, .. } => {
            if version.is_empty() || !url.contains("://") {
                bail!("rule '{}': a pin needs a version and a source URL", rule.id);
            }
            if sha256.len() != 52 || !sha256.chars().all(|c| "0123456789abcdfghijklmnpqrsvwxyz".contains(c)) {
                bail!("rule '{}': sha256 '{sha256}' is not a Nix base-32 sha256 (52 characters)", rule.id);
            }
        }
        Action::Patch { file } => {
            if file.contains("..") || file.starts_with('/') || !file.ends_with(".patch") {
                bail!("rule '{}': patch '{file}' must be a .patch file under overlays/fixups/patches/", rule.id);
            }
        }
        Action::Override { args } => {
            if let Some(bad) = args.keys().find(|k| !nix_syntax::is_identifier(k)) {
                bail!("rule '{}': override argument '{bad}' is not a plain attribute name", rule.id);
            }
        }
        Action::FromAttr { path } => {
            if path.split('.').any(|part| !nix_syntax::is_identifier(part)) {
                bail!("rule '{}': '{path}' is not an attribute path", rule.id);
            }
        }
        Action::DisableChecks | Action::Broken => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_rules_load() {
        let set = RuleSet::builtin().expect("rules.json is valid");
        assert!(set.rules.len() >= 6);
    }

    #[test]
    fn duplicate_ids_and_bad_hashes_are_rejected() {
        let rule = r#"{"id":"a","package":"p","actions":[{"type":"disableChecks"}],"reason":"r","reference":"x","evidence":"checked"}"#;
        let err = RuleSet::from_json(&format!(r#"{{"rules":[{rule},{rule}]}}"#), "t.json").unwrap_err();
        assert!(format!("{err:#}").contains("used twice"), "{err:#}");
        let pin = r#"{"rules":[{"id":"a","package":"p","actions":[{"type":"pin","version":"1","url":"https://x/y.tar.gz","sha256":"abc"}],"reason":"r","reference":"x","evidence":"checked"}]}"#;
        let err = RuleSet::from_json(pin, "t.json").unwrap_err();
        assert!(format!("{err:#}").contains("base-32"), "{err:#}");
        let err = RuleSet::from_json(r#"{"rules":[{"id":"a"}]}"#, "t.json").unwrap_err();
        assert!(format!("{err:#}").contains("t.json"), "{err:#}");
    }
}

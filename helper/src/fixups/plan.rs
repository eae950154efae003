//! What `compat plan` reports: a build closure's packages matched against
//! the fixup rules for a target, and what of it must be built or fetched.
//!
//! [`make`] decides; `commands::plan` gathers the inputs and prints.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Evidence, Rule, RuleSet};
use crate::{
    nix::{
        availability::{Availability, Status},
        closure::Closure,
    },
    profile::Profile,
};

/// The plan, as `--json` prints it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Plan {
    pub(crate) installable: String,
    pub(crate) drv_path: String,
    pub(crate) target: Option<Target>,
    pub(crate) packages: Vec<PlannedPackage>,
    pub(crate) fixups: Vec<AppliedRule>,
    pub(crate) broken: Vec<AppliedRule>,
    /// Fixed-output derivations in the closure (sources and other downloads).
    pub(crate) sources: usize,
    /// Derivations whose .drv file could not be read (named from the store path).
    pub(crate) unreadable: Vec<String>,
    /// What must be built and what can be fetched (absent with --no-cache).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) availability: Option<Availability>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Target {
    pub(crate) name: String,
    pub(crate) glibc: String,
    pub(crate) kernel: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PlannedPackage {
    pub(crate) name: String,
    pub(crate) version: String,
    /// How many derivations build this name+version (bootstrap stages rebuild some).
    pub(crate) derivations: usize,
    /// Ids of the rules that fire for it.
    pub(crate) rules: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AppliedRule {
    pub(crate) rule: String,
    pub(crate) package: String,
    pub(crate) version: String,
    pub(crate) condition: String,
    pub(crate) actions: String,
    pub(crate) reason: String,
    pub(crate) reference: String,
    pub(crate) evidence: Evidence,
}

/// Matches the closure's packages against the rules for `target`.
pub(crate) fn make(installable: &str, closure: &Closure, target: Option<&Profile>, rules: &RuleSet) -> Plan {
    let mut packages = Vec::new();
    let mut fixups = Vec::new();
    let mut broken = Vec::new();
    for pkg in &closure.packages {
        let firing: Vec<&Rule> = match target {
            Some(profile) => rules.matching(profile, &pkg.name, &pkg.version, pkg.cpu.as_deref()),
            None => Vec::new(),
        };
        for rule in &firing {
            let applied = AppliedRule {
                rule: rule.id.clone(),
                package: pkg.name.clone(),
                version: pkg.version.clone(),
                condition: rule.when.describe(),
                actions: rule.summary(),
                reason: rule.reason.clone(),
                reference: rule.reference.clone(),
                evidence: rule.evidence,
            };
            if rule.is_broken() {
                broken.push(applied);
            } else {
                fixups.push(applied);
            }
        }
        packages.push(PlannedPackage {
            name: pkg.name.clone(),
            version: pkg.version.clone(),
            derivations: pkg.drv_paths.len(),
            rules: firing.iter().map(|r| r.id.clone()).collect(),
        });
    }
    Plan {
        installable: installable.to_string(),
        drv_path: closure.drv_path.clone(),
        target: target.map(|p| Target {
            name: p.name.clone(),
            glibc: p.glibc.to_string(),
            kernel: p.kernel.to_string(),
        }),
        packages,
        fixups,
        broken,
        sources: closure.sources,
        unreadable: closure.unreadable.clone(),
        availability: None,
    }
}

/// Per package+version: the distinct statuses of its derivations, build first.
pub(crate) fn package_statuses(a: &Availability) -> BTreeMap<(String, String), Vec<Status>> {
    let mut map: BTreeMap<(String, String), Vec<Status>> = BTreeMap::new();
    for d in &a.statuses {
        let entry = map.entry((d.name.clone(), d.version.clone())).or_default();
        if !entry.contains(&d.status) {
            entry.push(d.status);
            entry.sort();
        }
    }
    map
}

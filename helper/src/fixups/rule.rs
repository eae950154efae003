//! One fixup rule: what to change in which package, and why.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::condition::{Condition, PackageVersion};

/// A fixup for one nixpkgs package on the targets its condition selects.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rule {
    /// Unique, stable name: "gnutls-no-ktls".
    pub id: String,
    /// Top-level nixpkgs attribute the overlay changes: "gnutls".
    pub(crate) package: String,
    /// Derivation names (`pname`) it matches in a build closure; defaults to `[package]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) pnames: Vec<String>,
    /// Which targets it fires for; empty = every target.
    #[serde(default)]
    pub(crate) when: Condition,
    /// Which versions of the package it concerns; absent = every version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) package_version: Option<PackageVersion>,
    /// What the overlay does, in order.
    pub(crate) actions: Vec<Action>,
    /// Why the package needs this on such targets.
    pub(crate) reason: String,
    /// Where the facts come from (source file, commit, release notes).
    pub(crate) reference: String,
    /// Whether the cause was checked in the source here, or is carried from the known list.
    pub(crate) evidence: Evidence,
}

/// How well a rule's reason is established.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Evidence {
    /// The cause was confirmed in the package's source or nixpkgs expression.
    Checked,
    /// Reported by an earlier port (the glibc 2.28 / Linux 4.19 known list); not reproduced here.
    Reported,
}

/// One change to a package.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "camelCase", deny_unknown_fields)]
pub(crate) enum Action {
    /// Drop these flags from `configureFlags`.
    RemoveConfigureFlags { flags: Vec<String> },
    /// Append these flags to `configureFlags`.
    AddConfigureFlags { flags: Vec<String> },
    /// Build another version from this source instead.
    #[serde(rename_all = "camelCase")]
    Pin {
        version: String,
        url: String,
        /// Nix base-32 sha256 of the file at `url`.
        sha256: String,
        /// Drop the current expression's `patches` (they belong to the newer version).
        #[serde(default)]
        drop_patches: bool,
    },
    /// Apply a patch of ours, a file under `overlays/fixups/patches/`.
    Patch { file: String },
    /// Append flags to `NIX_CFLAGS_COMPILE`.
    AppendCFlags { flags: Vec<String> },
    /// Do not run the package's checks (`doCheck = false`).
    DisableChecks,
    /// Call the package's `.override` with these arguments (JSON values become Nix values).
    Override { args: BTreeMap<String, serde_json::Value> },
    /// Take the attribute from elsewhere in the package set: `stdenv.cc.libc.getent`.
    FromAttr { path: String },
    /// Known not to work on such targets; no fix is known. Reported by `plan`, not changed.
    Broken,
}

impl Rule {
    /// The derivation names this rule matches in a closure.
    pub(crate) fn matched_pnames(&self) -> Vec<&str> {
        if self.pnames.is_empty() {
            vec![self.package.as_str()]
        } else {
            self.pnames.iter().map(String::as_str).collect()
        }
    }

    /// True when the rule only records a known breakage.
    pub(crate) fn is_broken(&self) -> bool {
        self.actions.iter().any(|a| matches!(a, Action::Broken))
    }

    /// A one-line summary of the actions: "configureFlags -= --enable-ktls; configureFlags += --disable-ktls".
    pub(crate) fn summary(&self) -> String {
        self.actions.iter().map(Action::describe).collect::<Vec<_>>().join("; ")
    }
}

impl Action {
    /// What the action does, in a few words.
    pub(crate) fn describe(&self) -> String {
        match self {
            Action::RemoveConfigureFlags { flags } => format!("configureFlags -= {}", flags.join(" ")),
            Action::AddConfigureFlags { flags } => format!("configureFlags += {}", flags.join(" ")),
            Action::Pin { version, .. } => format!("pin version {version}"),
            Action::Patch { file } => format!("patch {file}"),
            Action::AppendCFlags { flags } => format!("NIX_CFLAGS_COMPILE += {}", flags.join(" ")),
            Action::DisableChecks => "doCheck = false".to_string(),
            Action::Override { args } => {
                let parts: Vec<String> = args.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                format!("override {{ {} }}", parts.join("; "))
            }
            Action::FromAttr { path } => format!("take from {path}"),
            Action::Broken => "known broken".to_string(),
        }
    }
}

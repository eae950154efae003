//! The port rules: each a real rename or removal between old and current
//! nixpkgs, with what it does in one line (`compat port --list-rules`).

mod licenses;
mod name_pname;
mod pkg_config;
mod pkg_config_native;
mod stdenv_lib;
mod stdenv_platform;

use rnix::SyntaxNode;

use super::edit::Edit;

/// What one rule proposes for a file.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub(crate) edits: Vec<Edit>,
    pub(crate) notes: Vec<String>,
    /// Spots the rule left alone because rewriting them would change what
    /// the file means (a shadowed name, say): where, and why.
    pub(crate) skipped: Vec<(rnix::TextSize, String)>,
}

impl Outcome {
    pub(crate) fn skip(&mut self, node: &SyntaxNode, reason: impl Into<String>) {
        self.skipped.push((node.text_range().start(), reason.into()));
    }
}

/// One rewrite.
pub struct PortRule {
    /// Stable name: "stdenv-lib".
    pub id: &'static str,
    /// What it rewrites, and why current nixpkgs needs it.
    pub(crate) description: &'static str,
    pub(crate) apply: fn(&SyntaxNode) -> Outcome,
}

/// Every rule, in the order they run.
pub static RULES: &[PortRule] = &[
    PortRule {
        id: "stdenv-lib",
        description: "stdenv.lib -> lib (stdenv.lib is gone from current nixpkgs), and `lib` added to the \
                      file's function arguments when missing",
        apply: stdenv_lib::apply,
    },
    PortRule {
        id: "name-to-pname",
        description: "in the set given to mkDerivation (or buildPythonPackage, buildGoModule, ...): \
                      name = \"x-${version}\" -> pname = \"x\" when version is set beside it, \
                      name = \"x-1.2\" -> pname = \"x\"; version = \"1.2\";, a redundant \
                      name = \"${pname}-${version}\" dropped; ${name} in a rec set becomes ${pname}-${version}",
        apply: name_pname::apply,
    },
    PortRule {
        id: "pkgconfig",
        description: "pkgconfig -> pkg-config in the arguments and where it is used (renamed; the old name only fails with a rename message in current nixpkgs)",
        apply: pkg_config::apply,
    },
    PortRule {
        id: "pkg-config-native",
        description: "pkg-config moved from buildInputs to nativeBuildInputs (it runs at build time; \
                      with strictDeps it is not found otherwise)",
        apply: pkg_config_native::apply,
    },
    PortRule {
        id: "licenses",
        description: "deprecated license aliases -> current names: licenses.gpl2 -> gpl2Only, gpl3 -> gpl3Only, \
                      lgpl2/lgpl21/lgpl3 -> lgpl2Only/lgpl21Only/lgpl3Only (the deprecated SPDX ids mean \
                      \"only\"), apsl10/apsl20 -> apple-psl10/apple-psl20",
        apply: licenses::apply,
    },
    PortRule {
        id: "stdenv-platform",
        description: "stdenv.isLinux, stdenv.isDarwin, stdenv.isx86_64, ... -> stdenv.hostPlatform.isLinux, ... \
                      (the stdenv shorthands are deprecated and warn on evaluation)",
        apply: stdenv_platform::apply,
    },
];

/// Looks rules up by id; unknown ids are an error naming them.
pub(crate) fn select(ids: &[String]) -> anyhow::Result<Vec<&'static PortRule>> {
    ids.iter()
        .map(|id| {
            RULES.iter().find(|r| r.id == id).ok_or_else(|| {
                let known: Vec<&str> = RULES.iter().map(|r| r.id).collect();
                anyhow::anyhow!("unknown port rule '{id}'; known rules: {}", known.join(", "))
            })
        })
        .collect()
}

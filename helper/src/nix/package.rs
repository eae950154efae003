//! `compat eval`'s question to Nix: name, version, drvPath, outputs and meta
//! of a package, in one evaluation.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use super::{installable::Installable, run::run, tools::NixTools};

/// What Nix says about one package.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PackageInfo {
    pub(crate) name: String,
    pub(crate) pname: Option<String>,
    pub(crate) version: Option<String>,
    pub(crate) drv_path: String,
    pub(crate) system: Option<String>,
    /// Output name -> store path.
    pub(crate) outputs: BTreeMap<String, String>,
    /// meta: description, homepage, license (SPDX ids or short names),
    /// mainProgram, platforms, broken and a few more, where JSON can hold them.
    pub(crate) meta: BTreeMap<String, serde_json::Value>,
}

/// The Nix function from a derivation to the [`PackageInfo`] fields.
pub(crate) const INFO_FUNCTION: &str = r#"p:
let
  simple = v: builtins.elem (builtins.typeOf v) [ "string" "bool" "int" "float" "null" ];
  license = l: if builtins.isAttrs l then l.spdxId or l.shortName or l.fullName or null else l;
  metaValue = k: v:
    if k == "license" then (if builtins.isList v then map license v else license v)
    else if simple v then v
    else if builtins.isList v && builtins.all builtins.isString v then v
    else null;
  meta = p.meta or { };
  # Only these: other fields (maintainers, say) can fail to evaluate in ways tryEval does not catch.
  keys = [ "description" "longDescription" "homepage" "changelog" "license" "mainProgram" "platforms"
           "broken" "unfree" "insecure" "knownVulnerabilities" "outputsToInstall" "position" ];
  metaEntries = builtins.concatMap (k:
    let r = builtins.tryEval (metaValue k meta.${k}); in
    if r.success && r.value != null then [ { name = k; value = r.value; } ] else [ ]
  ) (builtins.filter (k: meta ? ${k}) keys);
in {
  name = p.name;
  pname = p.pname or null;
  version = p.version or null;
  drvPath = p.drvPath;
  system = p.system or null;
  outputs = builtins.listToAttrs (map (o: { name = o; value = p.${o}.outPath; }) (p.outputs or [ "out" ]));
  meta = builtins.listToAttrs metaEntries;
}"#;

/// Evaluates one installable with one Nix call.
pub(crate) fn evaluate(tools: &NixTools, installable: &Installable) -> Result<PackageInfo> {
    let json = match installable {
        Installable::Flake(reference) => {
            let nix = tools.nix()?;
            let mut args = vec!["eval", "--json", reference.as_str(), "--apply", INFO_FUNCTION];
            args.extend(tools.flake_args.iter().map(String::as_str));
            run(nix, &args)?
        }
        Installable::File { .. } => {
            let expr = format!("({INFO_FUNCTION}) ({})", installable.file_expr().unwrap_or_default());
            // --read-write-mode: a tree that copies its own files to the store
            // (`"${./dir}/file.nix"`) cannot be read on an empty store otherwise.
            run(&tools.nix_instantiate, &["--eval", "--strict", "--json", "--read-write-mode", "--expr", &expr])?
        }
    };
    serde_json::from_str(&json).with_context(|| format!("{}: unexpected answer from Nix", installable.display()))
}

//! The build closure of a package: every derivation needed to build it,
//! named and versioned, from two Nix calls (instantiate, then
//! `nix-store -q --requisites`) and the `.drv` files themselves, with the
//! graph between them (outputs, inputs) for what must be built or fetched.

use std::{collections::BTreeMap, path::Path};

use anyhow::{bail, Result};
use serde::Serialize;

use super::{derivation::Derivation, drv_name, installable::Installable, run::run, store, tools::NixTools};

/// One package (name and version) of a closure, with every derivation that builds it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub(crate) struct ClosurePackage {
    pub(crate) name: String,
    pub(crate) version: String,
    /// CPU of the derivation's system ("x86_64"), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) cpu: Option<String>,
    pub(crate) drv_paths: Vec<String>,
}

/// A package's build closure.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Closure {
    /// The derivation of the package itself.
    pub(crate) drv_path: String,
    /// Packages, each name+version once, sorted by name.
    pub(crate) packages: Vec<ClosurePackage>,
    /// Fixed-output derivations (sources, patches, downloads).
    pub(crate) sources: usize,
    /// `.drv` files that could not be read (named from their store path instead).
    pub(crate) unreadable: Vec<String>,
    /// Every readable derivation of the closure (fixed-output ones included), by path.
    #[serde(skip)]
    pub(crate) nodes: BTreeMap<String, Node>,
}

/// One derivation as a node of the build graph.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Node {
    /// Output name -> store path ("" when not known before building).
    pub(crate) outputs: BTreeMap<String, String>,
    /// Input derivation -> the outputs of it that are used.
    pub(crate) input_drvs: BTreeMap<String, Vec<String>>,
    /// False when the derivation forbids substitution (`allowSubstitutes = false`).
    pub(crate) substitutes_allowed: bool,
    pub(crate) name: String,
    pub(crate) version: String,
}

/// Instantiates `installable` and returns its store derivation path.
pub(crate) fn instantiate(tools: &NixTools, installable: &Installable) -> Result<String> {
    let store_args = tools.store_args();
    let out = match installable {
        Installable::Flake(reference) => {
            let mut args = vec!["path-info", "--derivation", reference.as_str()];
            args.extend(tools.flake_args.iter().map(String::as_str));
            args.extend(store_args.iter().map(String::as_str));
            run(tools.nix()?, &args)?
        }
        Installable::File { path, attr } => {
            let path = path.display().to_string();
            let mut args = vec![path.as_str(), "--attr", attr];
            args.extend(store_args.iter().map(String::as_str));
            run(&tools.nix_instantiate, &args)?
        }
    };
    // nix-instantiate prints "/nix/store/...-audit-2.8.5.drv!bin" when the
    // attribute is a non-default output.
    match out.lines().map(|l| l.trim().split('!').next().unwrap_or_default()).find(|l| l.ends_with(".drv")) {
        Some(drv) => Ok(drv.to_string()),
        None => bail!("{}: Nix printed no derivation path (got '{}')", installable.display(), out.trim()),
    }
}

/// Walks the build closure of `drv_path`: one `nix-store` call, then the
/// `.drv` files, read under `root` (the store's root directory: "/" but for
/// a store kept in another directory).
pub(crate) fn walk(tools: &NixTools, drv_path: &str, root: &Path) -> Result<Closure> {
    let mut args = vec!["--query", "--requisites", drv_path];
    let store_args = tools.store_args();
    args.extend(store_args.iter().map(String::as_str));
    let listing = run(&tools.nix_store, &args)?;
    let mut nodes = BTreeMap::new();
    let mut packages: BTreeMap<(String, String), ClosurePackage> = BTreeMap::new();
    let mut sources = 0;
    let mut unreadable = Vec::new();
    for path in listing.lines().map(str::trim).filter(|p| p.ends_with(".drv")) {
        let store_name = drv_name::store_name(path).trim_end_matches(".drv");
        let (name, version, cpu) = match Derivation::read(&store::file_of(root, path)) {
            Ok(drv) => {
                let cpu = drv.system.split_once('-').map(|(cpu, _)| cpu.to_string());
                let (name, version) = match drv.pname_version() {
                    Some(pv) => pv,
                    None => {
                        let (n, v) = drv_name::split(store_name);
                        (n.to_string(), v.to_string())
                    }
                };
                nodes.insert(
                    path.to_string(),
                    Node {
                        substitutes_allowed: drv.substitutes_allowed(),
                        outputs: drv.outputs,
                        input_drvs: drv.input_drvs,
                        name: name.clone(),
                        version: version.clone(),
                    },
                );
                if drv.fixed_output {
                    sources += 1;
                    continue;
                }
                (name, version, cpu)
            }
            Err(_) => {
                unreadable.push(path.to_string());
                let (n, v) = drv_name::split(store_name);
                (n.to_string(), v.to_string(), None)
            }
        };
        let entry = packages.entry((name.clone(), version.clone())).or_insert_with(|| ClosurePackage {
            name,
            version,
            cpu: cpu.clone(),
            drv_paths: Vec::new(),
        });
        entry.drv_paths.push(path.to_string());
    }
    Ok(Closure {
        drv_path: drv_path.to_string(),
        packages: packages.into_values().collect(),
        sources,
        unreadable,
        nodes,
    })
}

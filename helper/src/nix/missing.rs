//! What realising a derivation needs: which derivations must be built and
//! which store paths fetched from a cache, decided as `nix-store --realise
//! --dry-run` decides it:
//!
//! - a derivation whose wanted outputs are all valid needs nothing (and
//!   neither do its inputs);
//! - else, when substitution is allowed and a cache has every missing
//!   output, those outputs are fetched, with the references a cache lists
//!   for them that are not valid here -- its inputs are not needed;
//! - else it is built, and each input derivation is decided the same way
//!   for the outputs it is used for.
//!
//! A path that is not valid, in no cache, and no output of a known
//! derivation is "unknown" (Nix: "don't know how to build these paths").
//! The walk goes level by level, so each level costs one validity query and
//! one query per cache, however many paths it holds.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;

use super::{cache::PathInfo, closure::Node};

/// A path a cache has: which cache (its index), and what it says of the path.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Found {
    pub(crate) cache: usize,
    pub(crate) info: PathInfo,
}

/// Answers the two questions the walk asks, for many paths at a time.
pub(crate) trait Oracle {
    /// Of `paths`, those valid in the store.
    fn valid(&mut self, paths: &[String]) -> Result<BTreeSet<String>>;
    /// Of `paths`, those a cache has (the first cache that has each).
    fn substitutable(&mut self, paths: &[String]) -> BTreeMap<String, Found>;
}

/// The outcome of the walk.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Missing {
    /// Derivations to build.
    pub(crate) build: BTreeSet<String>,
    /// Store paths to fetch, with the cache that has each.
    pub(crate) fetch: BTreeMap<String, Found>,
    /// Derivations whose missing outputs are all fetched instead of built.
    pub(crate) fetched_drvs: BTreeSet<String>,
    /// Paths neither valid, nor in a cache, nor buildable from a known derivation.
    pub(crate) unknown: BTreeSet<String>,
}

/// One request of the walk: a derivation's outputs (all when the list is
/// empty), or one store path.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Want {
    Built(String, Vec<String>),
    Path(String),
}

/// Decides what realising all outputs of `top` needs. `nodes` holds the
/// derivations of its closure; one missing from it is unknown.
pub(crate) fn query(top: &str, nodes: &BTreeMap<String, Node>, oracle: &mut dyn Oracle) -> Result<Missing> {
    let mut missing = Missing::default();
    let mut done: BTreeSet<Want> = BTreeSet::new();
    let mut level = vec![Want::Built(top.to_string(), Vec::new())];
    while !level.is_empty() {
        let wants: Vec<Want> = level.drain(..).filter(|w| done.insert(w.clone())).collect();
        // Which outputs and paths are valid.
        let mut asked = Vec::new();
        for want in &wants {
            match want {
                Want::Built(drv, outputs) => {
                    if let Some(node) = nodes.get(drv) {
                        asked.extend(wanted(node, outputs).into_iter().filter(|p| !p.is_empty()));
                    }
                }
                Want::Path(path) => asked.push(path.clone()),
            }
        }
        asked.sort();
        asked.dedup();
        let valid = oracle.valid(&asked)?;
        // What is still missing, and may come from a cache.
        let mut candidates: Vec<(&str, Vec<String>)> = Vec::new();
        let mut paths: Vec<&str> = Vec::new();
        let mut next = Vec::new();
        for want in &wants {
            match want {
                Want::Built(drv, outputs) => {
                    let Some(node) = nodes.get(drv) else {
                        missing.unknown.insert(drv.clone());
                        continue;
                    };
                    let wanted = wanted(node, outputs);
                    let known = wanted.iter().all(|p| !p.is_empty());
                    let invalid: Vec<String> = wanted.into_iter().filter(|p| !valid.contains(p)).collect();
                    if known && invalid.is_empty() {
                        continue;
                    }
                    if known && node.substitutes_allowed {
                        candidates.push((drv, invalid));
                    } else {
                        must_build(drv, node, &mut missing, &mut next);
                    }
                }
                Want::Path(path) => {
                    if !valid.contains(path) {
                        paths.push(path);
                    }
                }
            }
        }
        let mut query: Vec<String> = candidates.iter().flat_map(|(_, outs)| outs.iter().cloned()).collect();
        query.extend(paths.iter().map(|p| p.to_string()));
        query.sort();
        query.dedup();
        let found = oracle.substitutable(&query);
        for (drv, invalid) in candidates {
            if invalid.iter().all(|p| found.contains_key(p)) {
                missing.fetched_drvs.insert(drv.to_string());
                next.extend(invalid.into_iter().map(Want::Path));
            } else if let Some(node) = nodes.get(drv) {
                must_build(drv, node, &mut missing, &mut next);
            }
        }
        for path in paths {
            match found.get(path) {
                Some(hit) => {
                    next.extend(hit.info.references.iter().cloned().map(Want::Path));
                    missing.fetch.insert(path.to_string(), hit.clone());
                }
                None => {
                    missing.unknown.insert(path.to_string());
                }
            }
        }
        level = next;
    }
    Ok(missing)
}

/// The store paths of the wanted outputs (all outputs when `outputs` is empty).
fn wanted(node: &Node, outputs: &[String]) -> Vec<String> {
    node.outputs
        .iter()
        .filter(|(name, _)| outputs.is_empty() || outputs.contains(name))
        .map(|(_, p)| p.clone())
        .collect()
}

fn must_build(drv: &str, node: &Node, missing: &mut Missing, next: &mut Vec<Want>) {
    missing.build.insert(drv.to_string());
    next.extend(node.input_drvs.iter().map(|(input, outputs)| Want::Built(input.clone(), outputs.clone())));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store and one cache made of sets, counting the questions asked.
    #[derive(Default)]
    struct Fake {
        valid: BTreeSet<String>,
        cached: BTreeMap<String, Vec<String>>,
        levels: usize,
    }

    impl Oracle for Fake {
        fn valid(&mut self, paths: &[String]) -> Result<BTreeSet<String>> {
            self.levels += 1;
            Ok(paths.iter().filter(|p| self.valid.contains(*p)).cloned().collect())
        }
        fn substitutable(&mut self, paths: &[String]) -> BTreeMap<String, Found> {
            paths
                .iter()
                .filter_map(|p| {
                    let refs = self.cached.get(p)?;
                    Some((
                        p.clone(),
                        Found {
                            cache: 0,
                            info: PathInfo { references: refs.clone(), download_size: Some(1), nar_size: Some(2) },
                        },
                    ))
                })
                .collect()
        }
    }

    fn out(name: &str) -> String {
        format!("/nix/store/{name}")
    }
    fn drv(name: &str) -> String {
        format!("/nix/store/{name}.drv")
    }

    /// app -> top (runtime ref dep, build-only tool) ; app -> nosub ; app -> extra ; app -> local
    fn graph() -> BTreeMap<String, Node> {
        let node = |name: &str, inputs: &[&str], subs: bool| {
            (
                drv(name),
                Node {
                    outputs: [("out".to_string(), out(name))].into(),
                    input_drvs: inputs.iter().map(|i| (drv(i), vec!["out".to_string()])).collect(),
                    substitutes_allowed: subs,
                    name: name.into(),
                    version: String::new(),
                },
            )
        };
        let mut nodes: BTreeMap<String, Node> = [
            node("tool", &[], true),
            node("dep", &[], true),
            node("top", &["tool", "dep"], true),
            node("nosub", &[], false),
            node("extra", &[], true),
            node("local", &[], true),
            node("app", &["top", "nosub", "extra", "local", "multi"], true),
        ]
        .into();
        nodes.insert(
            drv("multi"),
            Node {
                outputs: [("out".to_string(), out("multi")), ("dev".to_string(), out("multi-dev"))].into(),
                substitutes_allowed: true,
                ..Node::default()
            },
        );
        nodes
    }

    #[test]
    fn fetched_outputs_spare_their_build_inputs() {
        let nodes = graph();
        let mut fake = Fake {
            valid: [out("local")].into(),
            cached: [
                (out("top"), vec![out("top"), out("dep")]),
                (out("dep"), vec![]),
                (out("nosub"), vec![]),
                (out("tool"), vec![]),
                (out("multi-dev"), vec![]),
            ]
            .into(),
            levels: 0,
        };
        let m = query(&drv("app"), &nodes, &mut fake).unwrap();
        // nosub may not be substituted; multi is wanted for "out" only
        // (app uses its out), which no cache has.
        let build: Vec<String> = ["app", "extra", "multi", "nosub"].iter().map(|n| drv(n)).collect();
        assert_eq!(m.build.iter().cloned().collect::<Vec<_>>(), build);
        assert_eq!(m.fetch.keys().cloned().collect::<Vec<_>>(), vec![out("dep"), out("top")]);
        assert_eq!(m.fetched_drvs.iter().cloned().collect::<Vec<_>>(), vec![drv("top")]);
        assert!(m.unknown.is_empty(), "{:?}", m.unknown);
        assert!(!m.build.contains(&drv("tool")), "tool is only needed to build top, which is fetched");
        assert!(fake.levels <= 4, "one validity query per level: {}", fake.levels);
    }

    #[test]
    fn a_valid_top_needs_nothing_and_an_empty_cache_builds_all() {
        let nodes = graph();
        let mut fake = Fake { valid: [out("app")].into(), ..Fake::default() };
        assert_eq!(query(&drv("app"), &nodes, &mut fake).unwrap(), Missing::default());

        let mut fake = Fake { valid: [out("local")].into(), ..Fake::default() };
        let m = query(&drv("app"), &nodes, &mut fake).unwrap();
        assert_eq!(m.build.len(), 7, "{:?}", m.build);
        assert!(!m.build.contains(&drv("local")));
        assert!(m.fetch.is_empty());
    }

    #[test]
    fn partial_caches_build_and_unknown_references() {
        let nodes = graph();
        // multi's wanted output is cached: fetched. top is cached but one of
        // its references is nowhere: unknown, as Nix reports it.
        let mut fake =
            Fake { cached: [(out("top"), vec![out("gone")]), (out("multi"), vec![])].into(), ..Fake::default() };
        let m = query(&drv("app"), &nodes, &mut fake).unwrap();
        assert!(m.fetch.contains_key(&out("multi")));
        assert!(m.fetch.contains_key(&out("top")));
        assert_eq!(m.unknown.iter().cloned().collect::<Vec<_>>(), vec![out("gone")]);
        // A derivation outside the closure's nodes is unknown too.
        let m = query(&drv("elsewhere"), &nodes, &mut Fake::default()).unwrap();
        assert_eq!(m.unknown.iter().cloned().collect::<Vec<_>>(), vec![drv("elsewhere")]);
    }
}

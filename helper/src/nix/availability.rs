//! Where each derivation of a build closure would come from: already valid
//! in the store, fetched from a binary cache, or built -- and the totals
//! `nix-store --realise --dry-run` prints ("will be built", "will be
//! fetched"). The decision is [`missing::query`]'s; this module answers its
//! questions with the real store ([`store::invalid`]) and caches
//! ([`Cache::query`]), and sums up.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use serde::Serialize;

use super::{
    cache::Cache,
    closure::Closure,
    missing::{self, Found, Oracle},
    store,
    tools::NixTools,
};

/// Where one derivation's outputs would come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    /// Built here: not valid, and not (all) in a cache.
    Build,
    /// Fetched from a cache.
    Fetch,
    /// Already valid in the store.
    Valid,
    /// Not needed: what uses it is valid or fetched.
    Unneeded,
}

impl Status {
    pub(crate) fn word(self) -> &'static str {
        match self {
            Status::Build => "build",
            Status::Fetch => "fetch",
            Status::Valid => "valid",
            Status::Unneeded => "-",
        }
    }
}

/// The report, as `compat plan --json` prints it under `availability`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Availability {
    /// The caches asked, in order.
    pub(crate) caches: Vec<CacheReport>,
    /// Derivations to build (`nix-store --realise --dry-run`: "will be built").
    pub(crate) build: usize,
    /// Store paths to fetch ("will be fetched").
    pub(crate) fetch: usize,
    /// Bytes the fetches download, and take unpacked (as far as the caches say).
    pub(crate) download_size: u64,
    pub(crate) nar_size: u64,
    /// Paths that are neither valid, nor in a cache, nor buildable ("don't know how to build").
    pub(crate) unknown: Vec<String>,
    /// How many derivations of the closure have each status.
    pub(crate) derivations: Counts,
    /// Each derivation of the closure (fixed-output ones included).
    pub(crate) statuses: Vec<DrvStatus>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CacheReport {
    pub(crate) url: String,
    /// Store paths fetched from this cache.
    pub(crate) fetch: usize,
    /// Why the cache could not be asked; its paths then count as missing.
    pub(crate) error: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub(crate) struct Counts {
    pub(crate) build: usize,
    pub(crate) fetch: usize,
    pub(crate) valid: usize,
    pub(crate) unneeded: usize,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DrvStatus {
    pub(crate) drv_path: String,
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) status: Status,
    /// For `fetch`: the cache its outputs come from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) cache: Option<String>,
}

/// The store and caches, asked by the walk; answers are kept, so each path
/// is asked once, and a cache that fails is not asked again (as Nix
/// disables a substituter that fails).
struct Sources<'a> {
    tools: &'a NixTools,
    caches: &'a [Cache],
    valid: BTreeMap<String, bool>,
    found: BTreeMap<String, Option<Found>>,
    errors: Vec<Option<String>>,
}

impl Oracle for Sources<'_> {
    fn valid(&mut self, paths: &[String]) -> Result<BTreeSet<String>> {
        let ask: Vec<String> = paths.iter().filter(|p| !self.valid.contains_key(*p)).cloned().collect();
        if !ask.is_empty() {
            let invalid = store::invalid(self.tools, &ask)?;
            for p in ask {
                let is_valid = !invalid.contains(&p);
                self.valid.insert(p, is_valid);
            }
        }
        Ok(paths.iter().filter(|p| self.valid.get(*p) == Some(&true)).cloned().collect())
    }

    fn substitutable(&mut self, paths: &[String]) -> BTreeMap<String, Found> {
        let mut ask: Vec<String> = paths.iter().filter(|p| !self.found.contains_key(*p)).cloned().collect();
        for (index, cache) in self.caches.iter().enumerate() {
            if ask.is_empty() || self.errors[index].is_some() {
                continue;
            }
            match cache.query(self.tools, &ask) {
                Ok(hits) => {
                    for (path, info) in hits {
                        self.found.insert(path, Some(Found { cache: index, info }));
                    }
                    ask.retain(|p| !self.found.contains_key(p));
                }
                Err(e) => self.errors[index] = Some(format!("{e:#}")),
            }
        }
        for p in ask {
            self.found.insert(p, None);
        }
        paths.iter().filter_map(|p| Some((p.clone(), self.found.get(p)?.clone()?))).collect()
    }
}

/// Decides, for every derivation of `closure`, whether it is valid in the
/// store, fetched from one of `caches`, built, or not needed.
pub(crate) fn assess(tools: &NixTools, closure: &Closure, caches: &[Cache]) -> Result<Availability> {
    let errors = caches.iter().map(|c| c.check().err().map(|e| format!("{e:#}"))).collect();
    let mut sources = Sources { tools, caches, valid: BTreeMap::new(), found: BTreeMap::new(), errors };
    // Every output's validity in one go; the walk then asks only for
    // references the caches name.
    let outputs: Vec<String> =
        closure.nodes.values().flat_map(|n| n.outputs.values()).filter(|p| !p.is_empty()).cloned().collect();
    let valid = sources.valid(&outputs)?;
    let missing = missing::query(&closure.drv_path, &closure.nodes, &mut sources)?;

    let mut statuses = Vec::new();
    let mut counts = Counts::default();
    for (drv_path, node) in &closure.nodes {
        let fetched_from = node.outputs.values().find_map(|p| missing.fetch.get(p)).map(|f| f.cache);
        let status = if missing.build.contains(drv_path) {
            Status::Build
        } else if missing.fetched_drvs.contains(drv_path) || fetched_from.is_some() {
            Status::Fetch
        } else if !node.outputs.is_empty() && node.outputs.values().all(|p| valid.contains(p)) {
            Status::Valid
        } else {
            Status::Unneeded
        };
        match status {
            Status::Build => counts.build += 1,
            Status::Fetch => counts.fetch += 1,
            Status::Valid => counts.valid += 1,
            Status::Unneeded => counts.unneeded += 1,
        }
        statuses.push(DrvStatus {
            drv_path: drv_path.clone(),
            name: node.name.clone(),
            version: node.version.clone(),
            status,
            cache: if status == Status::Fetch { fetched_from.map(|i| caches[i].url().to_string()) } else { None },
        });
    }
    let mut per_cache = vec![0; caches.len()];
    for found in missing.fetch.values() {
        per_cache[found.cache] += 1;
    }
    Ok(Availability {
        caches: caches
            .iter()
            .zip(per_cache)
            .zip(&sources.errors)
            .map(|((c, fetch), error)| CacheReport { url: c.url().to_string(), fetch, error: error.clone() })
            .collect(),
        build: missing.build.len(),
        fetch: missing.fetch.len(),
        download_size: missing.fetch.values().filter_map(|f| f.info.download_size).sum(),
        nar_size: missing.fetch.values().filter_map(|f| f.info.nar_size).sum(),
        unknown: missing.unknown.into_iter().collect(),
        derivations: counts,
        statuses,
    })
}

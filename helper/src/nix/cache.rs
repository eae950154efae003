//! Asking a binary cache (a substituter) which store paths it has.
//!
//! A `file://` cache is a directory: a path is there when its
//! `<hash>.narinfo` is, and that file lists its references and sizes; it is
//! read directly. Any other URL (`https://`, `s3://`, `ssh://`, a local
//! store) is asked through `nix path-info --store URL --json`, which reads
//! the same `.narinfo` files over HTTP (and keeps Nix's own narinfo cache).
//! Presence is what `nix-store --realise --dry-run` counts; signatures are
//! checked by Nix when it fetches, not here.

use std::{
    collections::BTreeMap,
    fs, io,
    path::{Path, PathBuf},
};

use anyhow::{anyhow, bail, Context, Result};
use serde_json::Value;

use super::{
    narinfo::{self, NarInfo},
    run::run,
    tools::NixTools,
};

/// The store directory compat plans for.
pub(crate) const STORE_DIR: &str = "/nix/store";

/// What a cache knows of one store path.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct PathInfo {
    /// Full store paths this one refers to (itself included when it does).
    pub(crate) references: Vec<String>,
    /// Bytes a fetch downloads (the compressed NAR).
    pub(crate) download_size: Option<u64>,
    /// Bytes it takes unpacked.
    pub(crate) nar_size: Option<u64>,
}

/// One binary cache, by its URL.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Cache {
    /// `file:///dir?params`: read from the directory.
    File { url: String, dir: PathBuf },
    /// Anything else: asked through `nix path-info --store URL`.
    Nix { url: String },
}

/// How many paths one `nix path-info` call is given, and how many calls run at once.
const CHUNK: usize = 200;
const PARALLEL: usize = 4;

impl Cache {
    /// Reads a cache URL as Nix writes it in `substituters`.
    pub(crate) fn parse(url: &str) -> Result<Cache> {
        let url = url.trim();
        if url.is_empty() {
            bail!("an empty cache URL");
        }
        if let Some(rest) = url.strip_prefix("file://") {
            let path = rest.split('?').next().unwrap_or_default();
            if path.is_empty() {
                bail!("{url}: a file:// cache needs a directory (file:///srv/cache)");
            }
            return Ok(Cache::File { url: url.to_string(), dir: PathBuf::from(path) });
        }
        Ok(Cache::Nix { url: url.to_string() })
    }

    /// The URL as given.
    pub(crate) fn url(&self) -> &str {
        match self {
            Cache::File { url, .. } | Cache::Nix { url } => url,
        }
    }

    /// Whether the cache can be read at all, for those checked without
    /// asking for a path: a file:// cache's directory and its
    /// `nix-cache-info`. Other caches are found out when first asked.
    pub(crate) fn check(&self) -> Result<()> {
        match self {
            Cache::File { dir, .. } => query_dir(dir).map(|_| ()),
            Cache::Nix { .. } => Ok(()),
        }
    }

    /// Of `paths`, those the cache has, with what it says of them. Errors
    /// do not repeat the URL.
    pub(crate) fn query(&self, tools: &NixTools, paths: &[String]) -> Result<BTreeMap<String, PathInfo>> {
        if paths.is_empty() {
            return Ok(BTreeMap::new());
        }
        match self {
            Cache::File { dir, .. } => query_dir(dir).and_then(|q| q.query(paths)),
            Cache::Nix { url } => query_nix(tools, url, paths),
        }
    }
}

/// A file:// cache's directory, checked once per query.
struct Dir<'a> {
    dir: &'a Path,
    store_dir: String,
}

fn query_dir(dir: &Path) -> Result<Dir<'_>> {
    if !dir.is_dir() {
        bail!("{}: no such directory", dir.display());
    }
    let store_dir = match fs::read_to_string(dir.join("nix-cache-info")) {
        Ok(text) => narinfo::cache_store_dir(&text).unwrap_or_else(|| STORE_DIR.to_string()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            bail!("{}: not a binary cache (no nix-cache-info)", dir.display())
        }
        Err(e) => return Err(anyhow!(e).context(format!("{}: cannot read nix-cache-info", dir.display()))),
    };
    if store_dir != STORE_DIR {
        bail!("{}: the cache serves the store {store_dir}, not {STORE_DIR}", dir.display());
    }
    Ok(Dir { dir, store_dir })
}

impl Dir<'_> {
    fn query(&self, paths: &[String]) -> Result<BTreeMap<String, PathInfo>> {
        let mut found = BTreeMap::new();
        for path in paths {
            let Some(hash) = narinfo::hash_part(path) else { continue };
            let file = self.dir.join(format!("{hash}.narinfo"));
            let text = match fs::read_to_string(&file) {
                Ok(text) => text,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(anyhow!(e).context(format!("{}: cannot read", file.display()))),
            };
            let info = NarInfo::parse(&text).with_context(|| format!("{}: not a narinfo file", file.display()))?;
            if info.store_path != *path {
                continue;
            }
            found.insert(
                path.clone(),
                PathInfo {
                    references: info.references.iter().map(|r| format!("{}/{r}", self.store_dir)).collect(),
                    download_size: info.file_size,
                    nar_size: info.nar_size,
                },
            );
        }
        Ok(found)
    }
}

/// `nix path-info --store URL --json PATHS...`, in chunks, a few at a time.
fn query_nix(tools: &NixTools, url: &str, paths: &[String]) -> Result<BTreeMap<String, PathInfo>> {
    let nix = tools.nix()?;
    let chunks: Vec<&[String]> = paths.chunks(CHUNK).collect();
    let mut found = BTreeMap::new();
    for batch in chunks.chunks(PARALLEL) {
        let answers: Vec<Result<String>> = std::thread::scope(|scope| {
            let handles: Vec<_> = batch
                .iter()
                .map(|chunk| {
                    scope.spawn(move || {
                        let mut args = vec!["path-info", "--json", "--store", url];
                        args.extend(chunk.iter().map(String::as_str));
                        run(nix, &args)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err(anyhow!("a query thread panicked")))).collect()
        });
        for answer in answers {
            let json = answer.context("cannot query the cache")?;
            found.extend(parse_path_info(&json).context("unexpected `nix path-info` output")?);
        }
    }
    Ok(found)
}

/// Reads `nix path-info --json`: a list of objects with `path` (and
/// `"valid": false` for paths the store lacks) up to Nix 2.18, an object
/// from path to info or `null` since 2.19.
pub(crate) fn parse_path_info(json: &str) -> Result<BTreeMap<String, PathInfo>> {
    let value: Value = serde_json::from_str(json)?;
    let mut found = BTreeMap::new();
    let mut add = |path: &str, info: &Value| {
        if info.is_null() || info.get("valid").and_then(Value::as_bool) == Some(false) {
            return;
        }
        let references = info
            .get("references")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default();
        found.insert(
            path.to_string(),
            PathInfo {
                references,
                download_size: info.get("downloadSize").and_then(Value::as_u64),
                nar_size: info.get("narSize").and_then(Value::as_u64),
            },
        );
    };
    match &value {
        Value::Array(items) => {
            for item in items {
                let path =
                    item.get("path").and_then(Value::as_str).ok_or_else(|| anyhow!("an entry without a path"))?;
                add(path, item);
            }
        }
        Value::Object(map) => {
            for (path, info) in map {
                add(path, info);
            }
        }
        _ => bail!("neither a list nor an object"),
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOP: &str = "/nix/store/xmflznpyky1k3n5fy4l04a68d51ihzs8-exp-top";
    const DEP: &str = "/nix/store/rcgnzr5vpdygs950hdw70xnsrxsml58v-exp-dep";

    #[test]
    fn parses_urls() {
        assert_eq!(
            Cache::parse("file:///srv/cache?compression=none").unwrap(),
            Cache::File { url: "file:///srv/cache?compression=none".into(), dir: "/srv/cache".into() }
        );
        assert_eq!(
            Cache::parse("https://cache.example.org").unwrap(),
            Cache::Nix { url: "https://cache.example.org".into() }
        );
        assert!(Cache::parse("file://").is_err());
        assert!(Cache::parse(" ").is_err());
    }

    fn write_cache(dir: &Path) {
        fs::write(dir.join("nix-cache-info"), "StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 30\n").unwrap();
        let hash = narinfo::hash_part(TOP).unwrap();
        let dep = DEP.rsplit('/').next().unwrap();
        fs::write(
            dir.join(format!("{hash}.narinfo")),
            format!("StorePath: {TOP}\nURL: nar/a.nar\nFileSize: 100\nNarSize: 344\nReferences: {dep}\n"),
        )
        .unwrap();
    }

    #[test]
    fn a_file_cache_answers_from_its_narinfo_files() {
        let dir = tempfile::tempdir().unwrap();
        write_cache(dir.path());
        let cache = Cache::parse(&format!("file://{}?compression=none", dir.path().display())).unwrap();
        let tools = NixTools::locate(None).ok();
        let Cache::File { dir: d, .. } = &cache else { panic!("{cache:?}") };
        let found = query_dir(d).unwrap().query(&[TOP.to_string(), DEP.to_string()]).unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[TOP].references, vec![DEP.to_string()]);
        assert_eq!(found[TOP].download_size, Some(100));
        assert_eq!(found[TOP].nar_size, Some(344));
        if let Some(tools) = tools {
            assert_eq!(cache.query(&tools, &[DEP.to_string()]).unwrap().len(), 0);
        }
    }

    #[test]
    fn a_file_cache_that_is_not_one_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let err = query_dir(&dir.path().join("missing")).err().unwrap().to_string();
        assert!(err.contains("missing: no such directory"), "{err}");
        let err = query_dir(dir.path()).err().unwrap().to_string();
        assert!(err.contains("no nix-cache-info"), "{err}");
        fs::write(dir.path().join("nix-cache-info"), "StoreDir: /gnu/store\n").unwrap();
        let err = query_dir(dir.path()).err().unwrap().to_string();
        assert!(err.contains("/gnu/store"), "{err}");
        fs::write(dir.path().join("nix-cache-info"), "StoreDir: /nix/store\n").unwrap();
        fs::write(dir.path().join(format!("{}.narinfo", narinfo::hash_part(TOP).unwrap())), "garbage").unwrap();
        let err = format!("{:#}", query_dir(dir.path()).unwrap().query(&[TOP.to_string()]).unwrap_err());
        assert!(err.contains("not a narinfo file"), "{err}");
    }

    #[test]
    fn reads_both_path_info_formats() {
        let old = format!(
            r#"[{{"path":"/nix/store/00000000000000000000000000000000-nothing","valid":false}},
               {{"path":"{TOP}","narSize":344,"references":["{DEP}"],"downloadSize":100}}]"#
        );
        let new = format!(
            r#"{{"/nix/store/00000000000000000000000000000000-nothing":null,
                "{TOP}":{{"narSize":344,"references":["{DEP}"],"downloadSize":100,"ultimate":false}}}}"#
        );
        for json in [old, new] {
            let found = parse_path_info(&json).unwrap();
            assert_eq!(found.len(), 1, "{json}");
            assert_eq!(
                found[TOP],
                PathInfo { references: vec![DEP.into()], download_size: Some(100), nar_size: Some(344) }
            );
        }
        assert!(parse_path_info("3").is_err());
        assert!(parse_path_info("[{}]").is_err());
    }
}

//! Reading the files of a binary cache: `<hash>.narinfo` (one store path:
//! its references, sizes, signatures) and `nix-cache-info` (the store
//! directory it serves). Both are lines of `Key: value`.

use anyhow::{bail, Result};

/// What compat uses of a `.narinfo` file.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct NarInfo {
    /// `StorePath`: the full store path.
    pub(crate) store_path: String,
    /// `References`: base names ("<hash>-<name>"), the path itself included when it refers to itself.
    pub(crate) references: Vec<String>,
    /// `FileSize`: the compressed NAR's size, what a fetch downloads.
    pub(crate) file_size: Option<u64>,
    /// `NarSize`: the unpacked size.
    pub(crate) nar_size: Option<u64>,
}

impl NarInfo {
    /// Parses a `.narinfo` file's text. `StorePath` is required; unknown keys
    /// are ignored (caches add their own).
    pub(crate) fn parse(text: &str) -> Result<NarInfo> {
        let mut info = NarInfo::default();
        for (line_no, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let Some((key, value)) = line.split_once(": ") else {
                bail!("line {}: expected `Key: value`, got '{line}'", line_no + 1);
            };
            let number = || value.trim().parse::<u64>().ok();
            match key {
                "StorePath" => info.store_path = value.trim().to_string(),
                "References" => info.references = value.split_whitespace().map(str::to_string).collect(),
                "FileSize" => info.file_size = number(),
                "NarSize" => info.nar_size = number(),
                _ => {}
            }
        }
        if info.store_path.is_empty() {
            bail!("no StorePath line");
        }
        Ok(info)
    }
}

/// The `StoreDir` of a `nix-cache-info` file ("/nix/store"), when it names one.
pub(crate) fn cache_store_dir(text: &str) -> Option<String> {
    text.lines().find_map(|l| l.strip_prefix("StoreDir: ")).map(|d| d.trim().trim_end_matches('/').to_string())
}

/// The hash part of a store path, the name of its `.narinfo` in a cache:
/// "/nix/store/<hash>-bash-5.2" -> "<hash>". `None` when it is not a store path.
pub(crate) fn hash_part(path: &str) -> Option<&str> {
    let base = path.rsplit('/').next()?;
    let (hash, name) = base.split_once('-')?;
    (hash.len() == 32 && !name.is_empty() && hash.bytes().all(|b| b.is_ascii_alphanumeric())).then_some(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HELLO: &str = "StorePath: /nix/store/30c7igvzn08ad7zi4gzlpfc75kcdwcp4-hello-2.10
URL: nar/0p4k4nv8iyr7jsxj743dfh1vwi05047snig6x5qbxni0ik5mc3gk.nar
Compression: none
FileHash: sha256:0p4k4nv8iyr7jsxj743dfh1vwi05047snig6x5qbxni0ik5mc3gk
FileSize: 206968
NarHash: sha256:0p4k4nv8iyr7jsxj743dfh1vwi05047snig6x5qbxni0ik5mc3gk
NarSize: 206968
References: 30c7igvzn08ad7zi4gzlpfc75kcdwcp4-hello-2.10 kkxzm0did3k8wwhwh0fhash9hp7y11y6-glibc-nolibgcc-2.31
Deriver: h2373ksh46bq7lszxfqmwssrznd8q1rh-hello-2.10.drv
Sig: compat-test-1:abc==
";

    #[test]
    fn reads_a_narinfo() {
        let info = NarInfo::parse(HELLO).unwrap();
        assert_eq!(info.store_path, "/nix/store/30c7igvzn08ad7zi4gzlpfc75kcdwcp4-hello-2.10");
        assert_eq!(info.references.len(), 2);
        assert_eq!(info.references[1], "kkxzm0did3k8wwhwh0fhash9hp7y11y6-glibc-nolibgcc-2.31");
        assert_eq!(info.file_size, Some(206968));
        assert_eq!(info.nar_size, Some(206968));
    }

    #[test]
    fn no_references_and_bad_files() {
        let info = NarInfo::parse("StorePath: /nix/store/x\nReferences: \n").unwrap();
        assert!(info.references.is_empty());
        assert!(NarInfo::parse("URL: nar/x.nar\n").is_err(), "StorePath is required");
        assert!(NarInfo::parse("StorePath /nix/store/x\n").is_err());
        assert!(NarInfo::parse("").is_err());
    }

    #[test]
    fn cache_info_and_hash_parts() {
        assert_eq!(cache_store_dir("StoreDir: /nix/store\nWantMassQuery: 1\n").as_deref(), Some("/nix/store"));
        assert_eq!(cache_store_dir("Priority: 40\n"), None);
        assert_eq!(
            hash_part("/nix/store/30c7igvzn08ad7zi4gzlpfc75kcdwcp4-hello-2.10"),
            Some("30c7igvzn08ad7zi4gzlpfc75kcdwcp4")
        );
        assert_eq!(hash_part("/nix/store/short-hello"), None);
        assert_eq!(hash_part("/nix/store/30c7igvzn08ad7zi4gzlpfc75kcdwcp4"), None);
    }
}

//! The Nix store compat plans against: where its files are (a store given
//! as a directory keeps /nix/store under that root), and which paths are
//! valid in it.

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
};

use anyhow::Result;

use super::{run::run, tools::NixTools};

/// The directory under which a store's `/nix/store/...` files are, for the
/// store URLs that keep them on this machine: "auto", "local", "daemon",
/// "unix://..." -> "/"; "/some/dir" or "local?root=/some/dir" -> that
/// directory. `None` for stores elsewhere (ssh-ng://, https://, ...).
pub(crate) fn root_of(store: &str) -> Option<PathBuf> {
    let store = store.trim();
    if store.is_empty() || store.starts_with('/') {
        return Some(PathBuf::from(if store.is_empty() { "/" } else { store }));
    }
    let (scheme, params) = store.split_once('?').unwrap_or((store, ""));
    let root = params.split('&').find_map(|p| p.strip_prefix("root="));
    match scheme {
        "local" => Some(PathBuf::from(root.filter(|r| !r.is_empty()).unwrap_or("/"))),
        "auto" | "daemon" => Some(PathBuf::from("/")),
        s if s.starts_with("unix://") => Some(PathBuf::from("/")),
        _ => None,
    }
}

/// Where the file of a store path is: `path` under `root`.
pub(crate) fn file_of(root: &Path, path: &str) -> PathBuf {
    root.join(path.trim_start_matches('/'))
}

/// Of `paths`, those not valid in the store: one `nix-store --check-validity
/// --print-invalid` call per thousand paths.
pub(crate) fn invalid(tools: &NixTools, paths: &[String]) -> Result<BTreeSet<String>> {
    let mut invalid = BTreeSet::new();
    let store_args = tools.store_args();
    for chunk in paths.chunks(1000) {
        let mut args = vec!["--check-validity", "--print-invalid"];
        args.extend(store_args.iter().map(String::as_str));
        args.extend(chunk.iter().map(String::as_str));
        let out = run(&tools.nix_store, &args)?;
        invalid.extend(out.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string));
    }
    Ok(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_of_store_urls() {
        assert_eq!(root_of("auto"), Some("/".into()));
        assert_eq!(root_of("daemon"), Some("/".into()));
        assert_eq!(root_of("unix:///nix/var/nix/daemon-socket/socket"), Some("/".into()));
        assert_eq!(root_of("local"), Some("/".into()));
        assert_eq!(root_of("/tmp/st"), Some("/tmp/st".into()));
        assert_eq!(root_of("local?root=/tmp/st&state=/x"), Some("/tmp/st".into()));
        assert_eq!(root_of("local?state=/x&root=/tmp/st"), Some("/tmp/st".into()));
        assert_eq!(root_of("ssh-ng://builder"), None);
        assert_eq!(root_of("https://cache.example.org"), None);
        assert_eq!(file_of(Path::new("/tmp/st"), "/nix/store/x-a.drv"), PathBuf::from("/tmp/st/nix/store/x-a.drv"));
        assert_eq!(file_of(Path::new("/"), "/nix/store/x-a.drv"), PathBuf::from("/nix/store/x-a.drv"));
    }
}

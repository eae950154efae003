//! Reading paths inside a target's root directory: symlinks are followed
//! within the root (an absolute target means root-relative), never out to
//! the host.

use std::{
    ffi::OsString,
    fs,
    path::{Component, Path, PathBuf},
};

use anyhow::{bail, Context, Result};

/// The host path of `path` (absolute, as the target sees it) inside
/// `root`, with every symlink resolved inside `root`.
pub fn resolve(root: &Path, path: &Path) -> Result<PathBuf> {
    // Pending components, last first; `None` stands for "..".
    let mut todo: Vec<Option<OsString>> = Vec::new();
    push(&mut todo, path);
    let mut inside = PathBuf::from("/");
    let mut hops = 0;
    while let Some(component) = todo.pop() {
        let Some(name) = component else {
            inside.pop();
            continue;
        };
        let candidate = inside.join(&name);
        let host = root.join(candidate.strip_prefix("/").unwrap_or(&candidate));
        match fs::symlink_metadata(&host) {
            Ok(meta) if meta.file_type().is_symlink() => {
                hops += 1;
                if hops > 40 {
                    bail!("{}: too many levels of symbolic links in {}", path.display(), root.display());
                }
                let target = fs::read_link(&host).with_context(|| format!("reading link {}", host.display()))?;
                if target.is_absolute() {
                    inside = PathBuf::from("/");
                }
                push(&mut todo, &target);
            }
            Ok(_) => inside = candidate,
            Err(_) => bail!("{} is not in {}", path.display(), root.display()),
        }
    }
    Ok(root.join(inside.strip_prefix("/").unwrap_or(&inside)))
}

fn push(todo: &mut Vec<Option<OsString>>, path: &Path) {
    let parts: Vec<Option<OsString>> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(Some(n.to_os_string())),
            Component::ParentDir => Some(None),
            _ => None,
        })
        .collect();
    todo.extend(parts.into_iter().rev());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_stay_inside_the_root() {
        let dir = tempfile::TempDir::new().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("lib/x86_64-linux-gnu")).unwrap();
        fs::create_dir_all(root.join("lib64")).unwrap();
        fs::write(root.join("lib/x86_64-linux-gnu/ld-2.31.so"), b"x").unwrap();
        std::os::unix::fs::symlink("../lib/x86_64-linux-gnu/ld-2.31.so", root.join("lib64/ld.so")).unwrap();
        std::os::unix::fs::symlink("/lib/x86_64-linux-gnu/ld-2.31.so", root.join("lib64/abs.so")).unwrap();
        let want = root.join("lib/x86_64-linux-gnu/ld-2.31.so");
        assert_eq!(resolve(root, Path::new("/lib64/ld.so")).unwrap(), want);
        assert_eq!(resolve(root, Path::new("/lib64/abs.so")).unwrap(), want);
        assert!(resolve(root, Path::new("/lib64/missing.so")).is_err());
    }
}

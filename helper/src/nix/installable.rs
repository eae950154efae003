//! What the user names: a flake output (`nixpkgs#bash`, `.#compat.glibc228.openssh`)
//! or an attribute of a Nix file (`-f ./default.nix hello`, `--nixpkgs ~/nixpkgs bash`).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::nix_syntax;

/// A package to evaluate.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Installable {
    /// A flake reference with an attribute: "nixpkgs#bash", ".#foo", "path:/x#y".
    Flake(String),
    /// An attribute path of a Nix file or directory (called with `{ }` when it is a function).
    File { path: PathBuf, attr: String },
}

impl Installable {
    /// Reads the user's words: with `file` (from `-f` or `--nixpkgs`) the
    /// text is an attribute path in it; otherwise it must be a flake reference.
    pub(crate) fn parse(text: &str, file: Option<&Path>) -> Result<Installable> {
        if let Some(path) = file {
            let path =
                path.canonicalize().with_context(|| format!("{}: no such Nix file or directory", path.display()))?;
            if attr_path(text).is_none() {
                bail!("'{text}' is not an attribute path (like bash or python3Packages.requests)");
            }
            return Ok(Installable::File { path, attr: text.to_string() });
        }
        if text.contains('#') || text.contains(':') {
            Ok(Installable::Flake(text.to_string()))
        } else {
            bail!(
                "'{text}' is not a flake reference; write nixpkgs#{text} (a flake), \
                 or -f FILE {text} / --nixpkgs PATH {text} (an attribute of a Nix file)"
            )
        }
    }

    /// A Nix expression for the package, for `nix-instantiate --expr`.
    /// Only for [`Installable::File`].
    pub(crate) fn file_expr(&self) -> Option<String> {
        let Installable::File { path, attr } = self else { return None };
        let names: Vec<String> = attr_path(attr)?.iter().map(|n| nix_syntax::string(n)).collect();
        Some(format!(
            "let root = import {}; set = if builtins.isFunction root then root {{ }} else root; \
             in builtins.foldl' (s: n: s.${{n}}) set [ {} ]",
            nix_syntax::string(&path.display().to_string()),
            names.join(" ")
        ))
    }

    /// How the user would write it: "nixpkgs#bash", "bash (from /path)".
    pub(crate) fn display(&self) -> String {
        match self {
            Installable::Flake(r) => r.clone(),
            Installable::File { path, attr } => format!("{attr} (from {})", path.display()),
        }
    }
}

/// Splits an attribute path at dots outside double quotes:
/// `a."b.c".d` -> [a, b.c, d]. `None` when it is empty or has empty parts.
pub(crate) fn attr_path(text: &str) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    for c in text.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                was_quoted = true;
            }
            '.' if !quoted => {
                if current.is_empty() && !was_quoted {
                    return None;
                }
                parts.push(std::mem::take(&mut current));
                was_quoted = false;
            }
            c => current.push(c),
        }
    }
    if quoted || (current.is_empty() && !was_quoted) {
        return None;
    }
    parts.push(current);
    Some(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flake_references_and_bare_names() {
        assert_eq!(Installable::parse("nixpkgs#bash", None).unwrap(), Installable::Flake("nixpkgs#bash".into()));
        assert_eq!(Installable::parse("path:/x#y", None).unwrap(), Installable::Flake("path:/x#y".into()));
        let err = Installable::parse("bash", None).unwrap_err().to_string();
        assert!(err.contains("nixpkgs#bash") && err.contains("--nixpkgs"), "{err}");
    }

    #[test]
    fn file_attributes() {
        let dir = tempfile::tempdir().unwrap();
        let i = Installable::parse("python3Packages.requests", Some(dir.path())).unwrap();
        let expr = i.file_expr().unwrap();
        assert!(expr.contains(r#"[ "python3Packages" "requests" ]"#), "{expr}");
        assert!(Installable::parse("a..b", Some(dir.path())).is_err());
        let err = Installable::parse("bash", Some(Path::new("/nonexistent/nixpkgs"))).unwrap_err().to_string();
        assert!(err.contains("/nonexistent/nixpkgs"), "{err}");
    }

    #[test]
    fn attribute_paths() {
        assert_eq!(attr_path("a.b"), Some(vec!["a".into(), "b".into()]));
        assert_eq!(attr_path(r#"a."b.c".d"#), Some(vec!["a".into(), "b.c".into(), "d".into()]));
        assert_eq!(attr_path(""), None);
        assert_eq!(attr_path("a."), None);
        assert_eq!(attr_path("\"a"), None);
    }
}

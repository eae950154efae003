//! Running a Nix tool: the environment it needs, and errors that show Nix's message.

use std::{path::Path, process::Command};

use anyhow::{bail, Context, Result};

/// What compat adds to NIX_CONFIG: the `nix` command and flakes are still
/// experimental features (Nix 2.8 up to current releases). `extra-` adds to
/// whatever the user's configuration enables instead of replacing it.
pub(crate) const EXTRA_CONFIG: &str = "extra-experimental-features = nix-command flakes";

/// The NIX_CONFIG to run Nix with: the user's own (kept, it may set
/// substituters or a store) followed by [`EXTRA_CONFIG`].
pub(crate) fn nix_config(user: Option<&str>) -> String {
    match user {
        Some(u) if !u.trim().is_empty() => format!("{}\n{EXTRA_CONFIG}", u.trim_end()),
        _ => EXTRA_CONFIG.to_string(),
    }
}

/// Runs `tool args...` and returns its stdout. On failure the error holds
/// the command line and Nix's own message (stderr, without noise lines).
pub(crate) fn run(tool: &Path, args: &[&str]) -> Result<String> {
    let user = std::env::var("NIX_CONFIG").ok();
    let out = Command::new(tool)
        .args(args)
        .env("NIX_CONFIG", nix_config(user.as_deref()))
        .output()
        .with_context(|| format!("cannot run {}", tool.display()))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let message: Vec<&str> = stderr.lines().filter(|l| !is_noise(l)).collect();
        let name = tool.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let shown: Vec<&str> =
            args.iter().map(|a| if a.len() > 80 || a.contains('\n') { "<expr>" } else { a }).collect();
        bail!(
            "`{name} {}` failed ({}):\n{}",
            shown.join(" "),
            out.status.code().map_or("killed by a signal".to_string(), |c| format!("exit {c}")),
            message.join("\n").trim()
        );
    }
    String::from_utf8(out.stdout).with_context(|| format!("{}: output is not UTF-8", tool.display()))
}

/// Warnings Nix prints on every run that say nothing about the failure.
fn is_noise(line: &str) -> bool {
    line.starts_with("warning: you did not specify '--add-root'")
        || line.starts_with("warning: unknown experimental feature")
        || line.trim().is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_users_config() {
        assert_eq!(nix_config(None), EXTRA_CONFIG);
        assert_eq!(nix_config(Some("  ")), EXTRA_CONFIG);
        assert_eq!(nix_config(Some("substituters =\n")), format!("substituters =\n{EXTRA_CONFIG}"));
    }

    #[test]
    fn failures_carry_the_tools_message() {
        let err = run(Path::new("/bin/sh"), &["-c", "echo 'error: attribute bash missing' >&2; exit 1"]).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("error: attribute bash missing"), "{text}");
        assert!(text.contains("exit 1"), "{text}");
    }
}

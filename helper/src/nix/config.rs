//! The user's Nix configuration, as Nix itself resolves it (nix.conf,
//! NIX_CONFIG, defaults): `nix config show --json` (Nix 2.20 and later) or
//! `nix show-config --json` (before).

use anyhow::{anyhow, Context, Result};
use serde_json::Value;

use super::{run::run, tools::NixTools};

/// The settings compat reads.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct NixConfig {
    /// `substituters`, in the order given (`extra-substituters` included).
    pub(crate) substituters: Vec<String>,
    /// `store`: "auto", "daemon", a path or a store URL.
    pub(crate) store: String,
}

/// Asks Nix for its configuration; `extra_args` (e.g. `--store URL`) are
/// passed along.
pub(crate) fn read(tools: &NixTools, extra_args: &[String]) -> Result<NixConfig> {
    let nix = tools.nix()?;
    let with = |base: &[&'static str]| {
        let mut args: Vec<&str> = base.to_vec();
        args.extend(extra_args.iter().map(String::as_str));
        run(nix, &args)
    };
    let json = match with(&["config", "show", "--json"]) {
        Ok(json) => json,
        Err(_) => with(&["show-config", "--json"]).context("cannot read Nix's configuration")?,
    };
    parse(&json)
}

/// Reads the JSON both commands print: `{"name": {"value": ...}, ...}`.
pub(crate) fn parse(json: &str) -> Result<NixConfig> {
    let value: Value = serde_json::from_str(json).context("Nix's configuration is not JSON")?;
    let setting = |name: &str| value.get(name).and_then(|s| s.get("value"));
    let substituters = match setting("substituters") {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        Some(Value::String(text)) => text.split_whitespace().map(str::to_string).collect(),
        _ => return Err(anyhow!("Nix's configuration has no `substituters` setting")),
    };
    let store = setting("store").and_then(Value::as_str).unwrap_or("auto").to_string();
    Ok(NixConfig { substituters, store })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_substituters_and_store() {
        let json = r#"{"substituters":{"aliases":["binary-caches"],"value":["https://cache.nixos.org/","file:///srv/c"]},
                       "store":{"value":"auto"},"sandbox":{"value":true}}"#;
        let config = parse(json).unwrap();
        assert_eq!(config.substituters, vec!["https://cache.nixos.org/", "file:///srv/c"]);
        assert_eq!(config.store, "auto");
        let empty = parse(r#"{"substituters":{"value":[]},"store":{"value":"/tmp/s"}}"#).unwrap();
        assert!(empty.substituters.is_empty());
        assert_eq!(empty.store, "/tmp/s");
        assert!(parse(r#"{"store":{"value":"auto"}}"#).is_err());
        assert!(parse("not json").is_err());
    }
}

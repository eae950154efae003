//! Splitting a derivation name into package name and version, as Nix's
//! `builtins.parseDrvName` does.

/// "bash-5.2p26" -> ("bash", "5.2p26"); "gnu-config-2023-09-19" ->
/// ("gnu-config", "2023-09-19"); "bootstrap-stage1-stdenv-linux" -> (whole, "").
/// The version starts after the first '-' that is not followed by a letter.
pub(crate) fn split(name: &str) -> (&str, &str) {
    let bytes = name.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'-' && bytes.get(i + 1).is_some_and(|c| !c.is_ascii_alphabetic()) {
            return (&name[..i], &name[i + 1..]);
        }
    }
    (name, "")
}

/// A store path's name: "/nix/store/<hash>-bash-5.2p26.drv" -> "bash-5.2p26.drv".
pub(crate) fn store_name(path: &str) -> &str {
    let base = path.rsplit('/').next().unwrap_or(path);
    match base.split_once('-') {
        Some((hash, rest)) if hash.len() == 32 => rest,
        _ => base,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_parse_drv_name() {
        assert_eq!(split("bash-5.2p26"), ("bash", "5.2p26"));
        assert_eq!(split("gnu-config-2023-09-19"), ("gnu-config", "2023-09-19"));
        assert_eq!(split("linux-pam-1.6.0"), ("linux-pam", "1.6.0"));
        assert_eq!(split("bootstrap-stage1-stdenv-linux"), ("bootstrap-stage1-stdenv-linux", ""));
        assert_eq!(split("perl5.38.2-gettext-1.07"), ("perl5.38.2-gettext", "1.07"));
        assert_eq!(split("x-"), ("x-", ""));
    }

    #[test]
    fn store_names() {
        assert_eq!(store_name("/nix/store/jnm2249gyarbs1nir7mzam257fgamrpf-bash-5.2p26.drv"), "bash-5.2p26.drv");
        assert_eq!(store_name("bash.drv"), "bash.drv");
    }
}

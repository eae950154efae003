//! `compat eval` on fatal errors: a message on stderr, exit 2, and nothing on
//! stdout (no `[]`), as every other command does. These need no Nix.

use crate::common;

#[test]
fn fatal_errors_print_nothing_on_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.nix");
    let m = missing.to_str().unwrap();
    for (args, said) in [
        (vec!["eval", "--json"], "nothing to evaluate"),
        (vec!["eval", "--nix", "/nonexistent/bin/nix", "-f", m, "app", "--json"], "/nonexistent/bin/nix"),
        (vec!["eval", "--nix", "/nonexistent/bin/nix", "-f", m, "app"], "/nonexistent/bin/nix"),
    ] {
        let out = common::compat(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "", "{args:?}");
        assert!(stderr.contains(said), "{args:?}: {stderr}");
    }
}

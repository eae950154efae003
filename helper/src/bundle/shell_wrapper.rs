//! Rewriting shell scripts (makeWrapper-style wrappers and the like) so that
//! the paths they hold into the bundled store paths become paths relative to
//! the script's own directory, and their `#!` line names the target's shell.
//!
//! ```text
//! #! /nix/store/<hash>-bash-5.2/bin/bash -e
//! exec -a "$0" "/nix/store/<hash>-hello-2.12/bin/.hello-wrapped" "$@"
//! ```
//!
//! becomes
//!
//! ```text
//! #!/bin/bash -e
//! __compat_here=$(dirname -- "$(readlink -f -- "$0")") # added by compat bundle
//! exec -a "$0" "${__compat_here}/.hello-wrapped" "$@"
//! ```
//!
//! References to anything outside the bundle are left for the caller to report.

use std::path::{Path, PathBuf};

use super::{layout, store_refs};

/// The variable the inserted line sets to the script's own directory.
pub(crate) const HERE_VAR: &str = "__compat_here";

/// The result of rewriting one script.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Rewritten {
    /// The new script text.
    pub(crate) text: String,
    /// The references (absolute paths as written) that now point into the bundle.
    pub(crate) rewritten: Vec<String>,
    /// The new `#!` interpreter, when the old one was replaced.
    pub(crate) shebang: Option<String>,
}

/// The standard place of a shell on the target, for an interpreter path
/// (`/nix/store/...-bash-5.2/bin/bash` -> `/bin/bash`).
fn standard_shell(interpreter: &str) -> Option<&'static str> {
    match interpreter.rsplit('/').next()? {
        "bash" => Some("/bin/bash"),
        "sh" | "dash" => Some("/bin/sh"),
        "env" => Some("/usr/bin/env"),
        _ => None,
    }
}

/// True for a `#!` line that runs a POSIX shell (directly or through env).
fn is_shell_shebang(line: &str) -> bool {
    let mut words = line.trim_start_matches("#!").split_whitespace();
    let Some(interp) = words.next() else { return false };
    match interp.rsplit('/').next() {
        Some("bash" | "sh" | "dash") => true,
        Some("env") => words.find(|w| !w.starts_with('-')).is_some_and(|w| matches!(w, "bash" | "sh" | "dash")),
        _ => false,
    }
}

/// Where a quoted-or-not position of shell text lies.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Quote {
    None,
    Single,
    Double,
    Comment,
}

/// Rewrites the shell script `text`, found at bundle path `script`.
/// `prefixes` are absolute path prefixes (store paths of the inputs, paths of
/// vendored files) that `map` can turn into bundle paths; `map` gets the whole
/// reference and returns its bundle path when the bundle holds it.
/// `None` when `text` is not a shell script.
pub(crate) fn rewrite(
    text: &str,
    script: &Path,
    prefixes: &[String],
    map: impl Fn(&str) -> Option<PathBuf>,
) -> Option<Rewritten> {
    let (first, body) = match text.split_once('\n') {
        Some((first, body)) => (first, body),
        None => (text, ""),
    };
    if !first.starts_with("#!") || !is_shell_shebang(first) {
        return None;
    }
    let mut shebang = None;
    let mut first_line = first.to_string();
    let spec = first.trim_start_matches("#!").trim_start();
    let interp = spec.split_whitespace().next().unwrap_or("");
    if interp.starts_with('/') && !interp.starts_with("/bin/") && !interp.starts_with("/usr/bin/") {
        if let Some(shell) = standard_shell(interp) {
            first_line = format!("#!{shell}{}", &spec[interp.len()..]);
            shebang = Some(shell.to_string());
        }
    }

    let here_dir = script.parent().unwrap_or(Path::new(""));
    let bytes = body.as_bytes();
    let mut out = String::with_capacity(body.len() + 128);
    let mut rewritten = Vec::new();
    let mut state = Quote::None;
    let mut i = 0;
    let mut copied = 0;
    while i < bytes.len() {
        let at_path_start = i == 0 || store_refs::ends_path(bytes[i - 1]) || bytes[i - 1] == b'=';
        if bytes[i] == b'/' && at_path_start {
            if let Some(prefix) = prefixes.iter().find(|p| body[i..].starts_with(p.as_str())) {
                let after = i + prefix.len();
                if after == bytes.len() || bytes[after] == b'/' || store_refs::ends_path(bytes[after]) {
                    let end = after + bytes[after..].iter().take_while(|&&b| !store_refs::ends_path(b)).count();
                    let reference = &body[i..end];
                    if let Some(target) = map(reference) {
                        let rel = layout::relative(here_dir, &target);
                        let dir = if rel.as_os_str().is_empty() {
                            format!("${{{HERE_VAR}}}")
                        } else {
                            format!("${{{HERE_VAR}}}/{}", rel.display())
                        };
                        out.push_str(&body[copied..i]);
                        out.push_str(&match state {
                            Quote::Double | Quote::Comment => dir,
                            Quote::None => format!("\"{dir}\""),
                            Quote::Single => format!("'\"{dir}\"'"),
                        });
                        copied = end;
                        rewritten.push(reference.to_string());
                        i = end;
                        continue;
                    }
                }
            }
        }
        let b = bytes[i];
        match state {
            Quote::None => match b {
                b'\\' => i += 1,
                b'\'' => state = Quote::Single,
                b'"' => state = Quote::Double,
                b'#' if i == 0 || bytes[i - 1].is_ascii_whitespace() || bytes[i - 1] == b';' => state = Quote::Comment,
                _ => {}
            },
            Quote::Single if b == b'\'' => state = Quote::None,
            Quote::Double => match b {
                b'\\' => i += 1,
                b'"' => state = Quote::None,
                _ => {}
            },
            Quote::Comment if b == b'\n' => state = Quote::None,
            _ => {}
        }
        i += 1;
    }
    out.push_str(&body[copied.min(body.len())..]);

    if rewritten.is_empty() && shebang.is_none() {
        return Some(Rewritten { text: text.to_string(), rewritten, shebang });
    }
    let mut new = first_line;
    new.push('\n');
    if !rewritten.is_empty() {
        new.push_str(&format!("{HERE_VAR}=$(dirname -- \"$(readlink -f -- \"$0\")\") # added by compat bundle\n"));
    }
    new.push_str(&out);
    if !text.contains('\n') {
        new.pop();
    }
    Some(Rewritten { text: new, rewritten, shebang })
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: &str = "0123456789abcdfghijklmnpqrsvwxyz";

    fn hello() -> String {
        format!("/nix/store/{H}-hello-2.12")
    }

    fn map_hello(reference: &str) -> Option<PathBuf> {
        reference.strip_prefix(&hello()).map(|rest| PathBuf::from(rest.trim_start_matches('/')))
    }

    #[test]
    fn rewrites_a_make_wrapper_script() {
        let script = format!(
            "#! /nix/store/{H}-bash-5.2p26/bin/bash -e\nexport FOO='{0}/share'\nexec -a \"$0\" \"{0}/bin/.hello-wrapped\"  \"$@\"\n",
            hello()
        );
        let r = rewrite(&script, Path::new("bin/hello"), &[hello()], map_hello).expect("a shell script");
        assert_eq!(r.shebang.as_deref(), Some("/bin/bash"));
        assert_eq!(r.rewritten.len(), 2);
        let lines: Vec<&str> = r.text.lines().collect();
        assert_eq!(lines[0], "#!/bin/bash -e");
        assert!(lines[1].starts_with("__compat_here=$(dirname -- \"$(readlink -f -- \"$0\")\")"), "{}", lines[1]);
        assert_eq!(lines[2], "export FOO=''\"${__compat_here}/../share\"''");
        assert_eq!(lines[3], "exec -a \"$0\" \"${__compat_here}/.hello-wrapped\"  \"$@\"");
        assert!(store_refs::find(r.text.as_bytes()).is_empty(), "{}", r.text);
    }

    #[test]
    fn unquoted_references_get_quoted_and_foreign_ones_stay() {
        let foreign = format!("/nix/store/{H}-coreutils-9.5/bin");
        let script = format!("#!/bin/sh\nPATH={foreign}:$PATH\n{}/bin/.x \"$@\" # it's {}/bin/.x\n", hello(), hello());
        let r = rewrite(&script, Path::new("bin/x"), &[hello()], map_hello).unwrap();
        assert_eq!(r.shebang, None, "/bin/sh is already standard");
        assert!(r.text.contains(&format!("PATH={foreign}:$PATH")), "{}", r.text);
        assert!(r.text.contains("\"${__compat_here}/.x\" \"$@\" # it's ${__compat_here}/.x\n"), "{}", r.text);
    }

    #[test]
    fn a_longer_name_sharing_the_prefix_is_not_rewritten() {
        let script = format!("#!/bin/sh\nexec {}-extra/bin/x\n", hello());
        let r = rewrite(&script, Path::new("bin/x"), &[hello()], map_hello).unwrap();
        assert!(r.rewritten.is_empty());
        assert_eq!(r.text, script);
    }

    #[test]
    fn only_shell_scripts_are_rewritten() {
        let py = format!("#!/nix/store/{H}-python3-3.12/bin/python3\nimport os\n");
        assert!(rewrite(&py, Path::new("bin/p"), &[], |_| None).is_none());
        assert!(rewrite("\x7fELF", Path::new("bin/e"), &[], |_| None).is_none());
        let env = format!("#!/nix/store/{H}-coreutils/bin/env bash\necho hi\n");
        let r = rewrite(&env, Path::new("bin/e"), &[], |_| None).unwrap();
        assert_eq!(r.text, "#!/usr/bin/env bash\necho hi\n");
    }
}

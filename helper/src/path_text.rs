//! Paths as text, exactly: a path that is not valid UTF-8 is written with
//! each byte outside valid UTF-8 as `\\xHH` and each backslash doubled, so the
//! text maps back to the exact bytes. Reports (`path_escaped`) and the bundle
//! manifest write paths this way; the serde helpers are for the latter.

use std::{
    borrow::Cow,
    path::{Path, PathBuf},
};

use serde::Serializer;

/// `path` written losslessly when it is not valid UTF-8: valid UTF-8 runs as
/// they are with `\` doubled, every other byte as `\xHH` (two lowercase hex
/// digits). `None` for a UTF-8 path, which `path` already holds exactly.
pub fn escape_path(path: &Path) -> Option<String> {
    use std::os::unix::ffi::OsStrExt;
    if path.to_str().is_some() {
        return None;
    }
    let mut out = String::new();
    for chunk in path.as_os_str().as_bytes().utf8_chunks() {
        out.push_str(&chunk.valid().replace('\\', "\\\\"));
        for byte in chunk.invalid() {
            out.push_str(&format!("\\x{byte:02x}"));
        }
    }
    Some(out)
}

/// Reverses [`escape_path`]: `\\` is one backslash, `\xHH` one byte, and
/// anything else (which `escape_path` never writes) is kept as it is.
pub fn unescape_path(text: &str) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    let hex = |hi: u8, lo: u8| Some((char::from(hi).to_digit(16)? * 16 + char::from(lo).to_digit(16)?) as u8);
    let mut out = Vec::new();
    let mut rest = text.as_bytes();
    while let Some((&first, tail)) = rest.split_first() {
        match (first, tail) {
            (b'\\', [b'\\', more @ ..]) => {
                out.push(b'\\');
                rest = more;
            }
            (b'\\', [b'x', hi, lo, more @ ..]) if hex(*hi, *lo).is_some() => {
                out.extend(hex(*hi, *lo));
                rest = more;
            }
            _ => {
                out.push(first);
                rest = tail;
            }
        }
    }
    PathBuf::from(std::ffi::OsString::from_vec(out))
}

/// `path` as JSON text: as it is when it is UTF-8, else [`escape_path`]'s form.
pub(crate) fn text(path: &Path) -> Cow<'_, str> {
    match escape_path(path) {
        Some(escaped) => Cow::Owned(escaped),
        None => path.to_string_lossy(),
    }
}

/// `#[serde(serialize_with = "crate::path_text::one")]` for a path field.
pub(crate) fn one<S: Serializer>(path: &Path, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&text(path))
}

/// `serialize_with` for an optional path field.
pub(crate) fn optional<S: Serializer>(path: &Option<PathBuf>, serializer: S) -> Result<S::Ok, S::Error> {
    match path {
        Some(path) => serializer.serialize_some(&text(path)),
        None => serializer.serialize_none(),
    }
}

/// `serialize_with` for a list of paths.
pub(crate) fn list<S: Serializer>(paths: &[PathBuf], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(paths.iter().map(|path| text(path)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::{ffi::OsStr, os::unix::ffi::OsStrExt};

    #[test]
    fn paths_that_are_not_utf8_map_back_to_their_bytes() {
        assert_eq!(escape_path(Path::new("bin/caf\u{e9}")), None);
        for raw in [&b"bin/caf\xe9"[..], b"a\\x41\xff\xfe/\xc3", b"\x80", b"ok\xe2\x82"] {
            let path = Path::new(OsStr::from_bytes(raw));
            let escaped = escape_path(path).expect("not UTF-8");
            assert_eq!(unescape_path(&escaped).as_os_str().as_bytes(), raw, "{escaped}");
        }
        assert_eq!(escape_path(Path::new(OsStr::from_bytes(b"a\\b\xff"))).unwrap(), "a\\\\b\\xff");
        assert_eq!(text(Path::new("a\\b")), "a\\b", "a UTF-8 path is written as it is");
    }

    #[test]
    fn serialized_paths_are_exact_text() {
        #[derive(serde::Serialize)]
        struct Row {
            #[serde(serialize_with = "one")]
            path: PathBuf,
            #[serde(serialize_with = "optional")]
            link: Option<PathBuf>,
            #[serde(serialize_with = "list")]
            more: Vec<PathBuf>,
        }
        let odd = PathBuf::from(OsStr::from_bytes(b"bin/tr\xffue"));
        let row = Row { path: odd.clone(), link: None, more: vec![odd, PathBuf::from("lib")] };
        let json = serde_json::to_string(&row).expect("serializes");
        assert_eq!(json, r#"{"path":"bin/tr\\xffue","link":null,"more":["bin/tr\\xffue","lib"]}"#);
    }
}

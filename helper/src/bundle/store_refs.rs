//! Finding Nix store paths (`/nix/store/<32 base-32 chars>-<name>...`) in the
//! bytes of any file: what a bundle must not keep, since the target has no
//! /nix/store.

/// The store directory every reference starts with.
pub(crate) const STORE_DIR: &str = "/nix/store/";

/// Length of the hash part of a store path name.
const HASH_LEN: usize = 32;

/// Nix's base-32 alphabet (no e, o, t, u).
fn is_hash_char(b: u8) -> bool {
    matches!(b, b'0'..=b'9' | b'a'..=b'd' | b'f'..=b'n' | b'p'..=b's' | b'v'..=b'z')
}

/// Characters a store path name may hold.
fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.' | b'_' | b'?' | b'=')
}

/// Characters that end a path inside text: quotes, whitespace, separators
/// used in PATH-like lists and shell syntax, and NUL in binaries.
pub(crate) fn ends_path(b: u8) -> bool {
    b.is_ascii_whitespace()
        || b.is_ascii_control()
        || matches!(b, b'"' | b'\'' | b'`' | b':' | b';' | b'$' | b'(' | b')' | b'<' | b'>' | b'|' | b'&' | b',')
        || matches!(b, b'{' | b'}' | b'[' | b']' | b'*' | b'\\')
        || b >= 0x80
}

/// One store reference: where it starts in the file and the path as written
/// (the store path and whatever path follows it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StoreRef {
    pub(crate) offset: usize,
    pub(crate) text: String,
}

/// Length of the store path name starting at `bytes[at]` (which is just past
/// `/nix/store/`): hash, dash, name. `None` when it is not one.
fn store_name_len(bytes: &[u8], at: usize) -> Option<usize> {
    let hash = bytes.get(at..at + HASH_LEN)?;
    if !hash.iter().all(|&b| is_hash_char(b)) || bytes.get(at + HASH_LEN) != Some(&b'-') {
        return None;
    }
    let name_start = at + HASH_LEN + 1;
    let name_len = bytes[name_start..].iter().take_while(|&&b| is_name_char(b)).count();
    (name_len > 0).then_some(HASH_LEN + 1 + name_len)
}

/// Every store reference in `bytes`, in order.
pub(crate) fn find(bytes: &[u8]) -> Vec<StoreRef> {
    let needle = STORE_DIR.as_bytes();
    let mut refs = Vec::new();
    let mut i = 0;
    while i + needle.len() <= bytes.len() {
        if &bytes[i..i + needle.len()] != needle {
            i += 1;
            continue;
        }
        let after = i + needle.len();
        match store_name_len(bytes, after) {
            Some(name_len) => {
                let end = after + name_len + bytes[after + name_len..].iter().take_while(|&&b| !ends_path(b)).count();
                refs.push(StoreRef { offset: i, text: String::from_utf8_lossy(&bytes[i..end]).into_owned() });
                i = end;
            }
            None => i += 1,
        }
    }
    refs
}

/// The store path a path lies in, as a prefix of `path`: for
/// "/nix/store/<hash>-zlib-1.3/lib/libz.so.1" it is "/nix/store/<hash>-zlib-1.3".
/// A store dir nested under another directory (a test's fake store) counts too.
/// Only its test uses it now; kept for that test's assertions.
#[cfg(test)]
fn store_path_prefix(path: &str) -> Option<&str> {
    let bytes = path.as_bytes();
    let start = path.find(STORE_DIR)?;
    let after = start + STORE_DIR.len();
    let len = store_name_len(bytes, after)?;
    let end = after + len;
    if end == bytes.len() || bytes[end] == b'/' {
        Some(&path[..end])
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: &str = "0123456789abcdfghijklmnpqrsvwxyz";

    #[test]
    fn finds_references_with_their_paths() {
        let text = format!("exec -a \"$0\" \"/nix/store/{H}-hello-2.12/bin/.hello-wrapped\" \"$@\"\nPATH=/nix/store/{H}-coreutils-9.5/bin:$PATH\n");
        let refs = find(text.as_bytes());
        assert_eq!(refs.len(), 2, "{refs:?}");
        assert_eq!(refs[0].text, format!("/nix/store/{H}-hello-2.12/bin/.hello-wrapped"));
        assert_eq!(refs[1].text, format!("/nix/store/{H}-coreutils-9.5/bin"));
        assert_eq!(&text[refs[0].offset..refs[0].offset + 11], "/nix/store/");
    }

    #[test]
    fn ignores_what_is_not_a_store_path() {
        for text in [
            "/nix/store/".to_string(),
            "/nix/store/short-name".to_string(),
            format!("/nix/store/{}-x", "e".repeat(32)), // 'e' is not in Nix's base-32
            format!("/nix/store/{H}"),                  // no name
            format!("/nix/store/{H}-"),
        ] {
            assert!(find(text.as_bytes()).is_empty(), "{text}");
        }
    }

    #[test]
    fn finds_references_in_binary_data() {
        let mut bytes = vec![0u8, 1, 2];
        bytes.extend_from_slice(format!("/nix/store/{H}-glibc-2.40/lib/ld-linux-x86-64.so.2").as_bytes());
        bytes.extend_from_slice(&[0, 0xff]);
        let refs = find(&bytes);
        assert_eq!(refs.len(), 1);
        assert_eq!(refs[0].offset, 3);
        assert!(refs[0].text.ends_with("ld-linux-x86-64.so.2"));
    }

    #[test]
    fn store_path_prefix_cuts_at_the_store_name() {
        let p = format!("/nix/store/{H}-zlib-1.3/lib/libz.so.1");
        assert_eq!(store_path_prefix(&p), Some(&p[..11 + 32 + 9]));
        let nested = format!("/tmp/t/nix/store/{H}-zlib-1.3");
        assert_eq!(store_path_prefix(&nested), Some(nested.as_str()));
        assert_eq!(store_path_prefix("/usr/lib/libz.so.1"), None);
    }
}

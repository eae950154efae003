//! One cache entry on disk: a header line (JSON: format, writer, path, key),
//! then the payload (JSON). The header is read first, so an entry written
//! by another compat, for another file or another state of the file, is
//! turned away before its payload is parsed.

use std::path::Path;

use serde::{de::DeserializeOwned, Deserialize, Serialize};

use super::key::Key;

/// Bumped when the layout of entries changes.
pub(crate) const FORMAT: u32 = 1;

#[derive(Serialize, Deserialize)]
pub(crate) struct Header {
    format: u32,
    writer: String,
    path: String,
    key: Key,
}

/// Why an entry was not used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refused {
    /// Not an entry compat can read: truncated, corrupt, another format.
    Corrupt,
    /// Written by another compat version (or with other tables).
    Foreign,
    /// For another file (a hash collision), or the file changed since.
    Stale,
}

/// The bytes of an entry for `path` in state `key`.
pub(crate) fn encode<T: Serialize>(writer: &str, path: &Path, key: &Key, payload: &T) -> serde_json::Result<Vec<u8>> {
    let header = Header {
        format: FORMAT,
        writer: writer.to_string(),
        path: path.to_string_lossy().into_owned(),
        key: key.clone(),
    };
    let mut out = serde_json::to_vec(&header)?;
    out.push(b'\n');
    serde_json::to_writer(&mut out, payload)?;
    out.push(b'\n');
    Ok(out)
}

impl Header {
    /// The path the entry is for.
    pub(crate) fn path(&self) -> &str {
        &self.path
    }

    /// `Ok` when the entry is one of `writer` for `path` in state `key`.
    pub(crate) fn accepts(&self, writer: &str, path: &Path, key: &Key) -> Result<(), Refused> {
        if self.format != FORMAT {
            return Err(Refused::Corrupt);
        }
        if self.writer != writer {
            return Err(Refused::Foreign);
        }
        if self.path.as_bytes() != path.to_string_lossy().as_bytes() || self.key != *key {
            return Err(Refused::Stale);
        }
        Ok(())
    }
}

/// The payload (the entry's second line) as a `T`.
pub(crate) fn read_payload<T: DeserializeOwned>(payload: &[u8]) -> Result<T, Refused> {
    parse(payload)
}

/// `bytes` as JSON for a `T`, their UTF-8 checked once, whole: parsed from
/// bytes, serde_json checks each string on its own, and the many short names
/// of a payload made that a fifth of a warm scan's parsing.
fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Refused> {
    let text = std::str::from_utf8(bytes).map_err(|_| Refused::Corrupt)?;
    serde_json::from_str(text).map_err(|_| Refused::Corrupt)
}

/// Whether `bytes` is a whole entry of `writer` (payload well-formed JSON).
pub(crate) fn check(bytes: &[u8], writer: &str) -> Result<(), Refused> {
    let (header, payload) = split(bytes)?;
    if header.format != FORMAT {
        return Err(Refused::Corrupt);
    }
    parse::<serde::de::IgnoredAny>(payload)?;
    if header.writer != writer {
        return Err(Refused::Foreign);
    }
    Ok(())
}

/// The header and payload of a whole entry (ending with a newline, its
/// header parsed); `Refused::Corrupt` otherwise.
pub(crate) fn split(bytes: &[u8]) -> Result<(Header, &[u8]), Refused> {
    // An entry ends with a newline: one without was cut short.
    if bytes.last() != Some(&b'\n') {
        return Err(Refused::Corrupt);
    }
    let newline = memchr::memchr(b'\n', bytes).ok_or(Refused::Corrupt)?;
    let header: Header = parse(&bytes[..newline])?;
    Ok((header, &bytes[newline + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The payload of `bytes` when it is an entry of `writer` for `path` in
    /// state `key`, as the cache reads it.
    fn decode<T: DeserializeOwned>(bytes: &[u8], writer: &str, path: &Path, key: &Key) -> Result<T, Refused> {
        let (header, payload) = split(bytes)?;
        header.accepts(writer, path, key)?;
        read_payload(payload)
    }

    #[test]
    fn entries_are_used_only_whole_and_for_their_writer_path_and_key() {
        let path = Path::new("/usr/bin/ls");
        let key = Key::Stat { dev: 1, ino: 2, size: 3, mtime: 4, mtime_nsec: 5, ctime: 6, ctime_nsec: 7 };
        let bytes = encode("compat 1", path, &key, &vec![1, 2, 3]).unwrap();
        assert_eq!(decode::<Vec<u32>>(&bytes, "compat 1", path, &key), Ok(vec![1, 2, 3]));
        assert_eq!(check(&bytes, "compat 1"), Ok(()));
        assert_eq!(decode::<Vec<u32>>(&bytes, "compat 2", path, &key), Err(Refused::Foreign));
        assert_eq!(decode::<Vec<u32>>(&bytes, "compat 1", Path::new("/usr/bin/lt"), &key), Err(Refused::Stale));
        assert_eq!(decode::<Vec<u32>>(&bytes, "compat 1", path, &Key::StorePath), Err(Refused::Stale));
        for cut in [0, 1, bytes.len() / 2, bytes.len() - 3, bytes.len() - 1] {
            assert_eq!(
                decode::<Vec<u32>>(&bytes[..cut], "compat 1", path, &key),
                Err(Refused::Corrupt),
                "cut at {cut}"
            );
            assert_eq!(check(&bytes[..cut], "compat 1"), Err(Refused::Corrupt));
        }
        assert_eq!(decode::<String>(&bytes, "compat 1", path, &key), Err(Refused::Corrupt), "wrong payload type");
        assert_eq!(decode::<Vec<u32>>(b"garbage\n", "compat 1", path, &key), Err(Refused::Corrupt));
        // A byte that is not UTF-8, inside a string of the payload or of the header.
        let names = encode("compat 1", path, &key, &vec!["ab".to_string()]).unwrap();
        assert_eq!(decode::<Vec<String>>(&names, "compat 1", path, &key), Ok(vec!["ab".to_string()]));
        for at in [names.len() - 5, names.iter().position(|&b| b == b'/').unwrap() + 1] {
            let mut bad = names.clone();
            bad[at] = 0xff;
            assert_eq!(decode::<Vec<String>>(&bad, "compat 1", path, &key), Err(Refused::Corrupt), "at {at}");
        }
    }
}

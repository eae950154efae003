//! Files that are not UTF-8 throughout (Nix strings may hold any bytes):
//! each byte that is not part of valid UTF-8 stands in the text as one
//! character of a private-use block while the rules run, and goes back to
//! the same byte when the text is written out.

use anyhow::{bail, Result};

/// 256 private-use code points (U+10FF00..=U+10FFFF), one per byte value.
const BASE: u32 = 0x10FF00;

fn stand_in(c: char) -> Option<u8> {
    let v = u32::from(c);
    (BASE..=BASE + 0xFF).contains(&v).then(|| (v - BASE) as u8)
}

/// The file's bytes as text the parser takes. Refuses (naming `origin`) a
/// file that already holds one of the stand-in characters, since it could
/// not be told apart on the way back.
pub(crate) fn decode(bytes: &[u8], origin: &str) -> Result<String> {
    let mut text = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        if chunk.valid().chars().any(|c| stand_in(c).is_some()) {
            bail!("{origin}: holds characters U+10FF00..U+10FFFF as well as bytes that are not UTF-8; left alone");
        }
        text.push_str(chunk.valid());
        for &b in chunk.invalid() {
            text.push(char::from_u32(BASE + u32::from(b)).unwrap_or(char::REPLACEMENT_CHARACTER));
        }
    }
    Ok(text)
}

/// The bytes to write for `text`: stand-ins turned back into their bytes.
/// Only for text that came from [`decode`] of a file that was not UTF-8.
pub(crate) fn encode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut buf = [0u8; 4];
    for c in text.chars() {
        match stand_in(c) {
            Some(b) => out.push(b),
            None => out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_that_are_not_utf8_come_back_unchanged() {
        let bytes = b"{ a = \"caf\xe9 \xff\xfe ok \xc3\xa9\"; }".to_vec();
        let text = decode(&bytes, "t.nix").unwrap();
        assert!(rnix::Root::parse(&text).errors().is_empty());
        assert_eq!(encode(&text), bytes);
        assert!(decode("\u{10FF41}".as_bytes(), "t.nix").is_err());
    }
}

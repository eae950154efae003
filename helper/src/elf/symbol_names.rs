//! The names of the symbols bound to one needed version node, kept as one
//! text. A large library imports thousands of symbols: a string each, to
//! copy while parsing, to write to the fact cache and to read back from
//! it, cost more than all the rest of its facts.

use std::fmt;

use serde::{
    de::{self, SeqAccess, Visitor},
    ser::SerializeSeq,
    Deserialize, Deserializer, Serialize, Serializer,
};

/// Symbol names in the order they were added (sorted and each once, as the
/// parser adds them). Held as one text with a NUL after each name: no ELF
/// symbol name holds a NUL, the string table ends each name with one.
///
/// In JSON, the names joined by spaces in one string, or, when a name holds
/// a space (none of a real file does), a list of strings.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SymbolNames {
    text: String,
}

impl SymbolNames {
    /// The names, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.text.split_terminator('\0')
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    pub fn len(&self) -> usize {
        self.text.bytes().filter(|&b| b == 0).count()
    }

    pub fn contains(&self, name: &str) -> bool {
        self.iter().any(|n| n == name)
    }

    pub fn clear(&mut self) {
        self.text.clear();
    }

    /// Adds `name` after the others; `Err` (nothing added) when it is
    /// empty or holds a NUL, which no symbol name does.
    pub fn push(&mut self, name: &str) -> Result<(), InvalidName> {
        if name.is_empty() || name.contains('\0') {
            return Err(InvalidName);
        }
        self.text.push_str(name);
        self.text.push('\0');
        Ok(())
    }
}

/// A name [`SymbolNames`] cannot hold: empty, or holding a NUL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidName;

impl fmt::Display for InvalidName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a symbol name is empty or holds a NUL")
    }
}

impl std::error::Error for InvalidName {}

impl fmt::Debug for SymbolNames {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for SymbolNames {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.text.contains(' ') {
            let mut list = serializer.serialize_seq(Some(self.len()))?;
            for name in self.iter() {
                list.serialize_element(name)?;
            }
            return list.end();
        }
        let names = self.text.strip_suffix('\0').unwrap_or_default();
        serializer.serialize_str(&names.replace('\0', " "))
    }
}

impl<'de> Deserialize<'de> for SymbolNames {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<SymbolNames, D::Error> {
        deserializer.deserialize_any(NamesVisitor)
    }
}

struct NamesVisitor;

impl<'de> Visitor<'de> for NamesVisitor {
    type Value = SymbolNames;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("symbol names: a string of names joined by spaces, or a list of names")
    }

    fn visit_str<E: de::Error>(self, joined: &str) -> Result<SymbolNames, E> {
        let mut names = SymbolNames::default();
        if joined.is_empty() {
            return Ok(names);
        }
        names.text.reserve(joined.len() + 1);
        for name in joined.split(' ') {
            names.push(name).map_err(E::custom)?;
        }
        Ok(names)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut list: A) -> Result<SymbolNames, A::Error> {
        let mut names = SymbolNames::default();
        while let Some(name) = list.next_element::<String>()? {
            names.push(&name).map_err(de::Error::custom)?;
        }
        Ok(names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> SymbolNames {
        let mut names = SymbolNames::default();
        for name in list {
            names.push(name).unwrap();
        }
        names
    }

    #[test]
    fn names_keep_their_order_and_count() {
        let list = names(&["memcpy", "printf", "\u{fffd}x"]);
        assert_eq!(list.iter().collect::<Vec<_>>(), ["memcpy", "printf", "\u{fffd}x"]);
        assert_eq!((list.len(), list.is_empty()), (3, false));
        assert!(list.contains("printf") && !list.contains("print") && !list.contains(""));
        assert_eq!(format!("{list:?}"), "[\"memcpy\", \"printf\", \"\u{fffd}x\"]");
        let none = SymbolNames::default();
        assert_eq!((none.len(), none.is_empty(), none.iter().count()), (0, true, 0));
        let mut cut = names(&["a"]);
        assert_eq!(cut.push(""), Err(InvalidName));
        assert_eq!(cut.push("b\0c"), Err(InvalidName));
        assert_eq!(cut.iter().collect::<Vec<_>>(), ["a"], "a refused name adds nothing");
    }

    #[test]
    fn json_is_one_string_unless_a_name_holds_a_space() {
        let json = |names: &SymbolNames| serde_json::to_string(names).unwrap();
        let back = |json: &str| serde_json::from_str::<SymbolNames>(json);
        for (list, expected) in [
            (names(&["memcpy", "printf"]), r#""memcpy printf""#),
            (names(&["solo"]), r#""solo""#),
            (SymbolNames::default(), r#""""#),
            (names(&["operator new", "x"]), r#"["operator new","x"]"#),
            (names(&["quote\"d", "back\\slash"]), r#""quote\"d back\\slash""#),
        ] {
            assert_eq!(json(&list), expected);
            assert_eq!(back(expected).unwrap(), list, "{expected}");
        }
        // A list is read whatever its names (the form of earlier caches).
        assert_eq!(back(r#"["a","b"]"#).unwrap(), names(&["a", "b"]));
        assert_eq!(back("[]").unwrap(), SymbolNames::default());
        // What no parse gives is refused, not kept.
        for bad in [r#""a  b""#, r#"" a""#, r#"["a",""]"#, r#"["a\u0000b"]"#, r#""a\u0000b""#, "3", r#"[1]"#] {
            assert!(back(bad).is_err(), "{bad}");
        }
    }
}

//! Dotted version numbers ("2.31", "3.4.28", "5.10") and version-node names
//! ("GLIBC_2.34", "GLIBCXX_3.4.29", "GLIBC_ABI_DT_RELR").

use std::{cmp::Ordering, fmt, str::FromStr};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A version compared component by component as numbers: 2.31 < 2.34 < 2.40,
/// 3.4.9 < 3.4.28. Missing trailing components count as zero (5.10 == 5.10.0).
#[derive(Clone, Debug, Eq)]
pub struct Version(Vec<u32>);

impl Version {
    /// Parses "2.31" or "5.10.0"; `None` for anything that is not dot-separated digits.
    pub fn parse(text: &str) -> Option<Version> {
        if text.is_empty() {
            return None;
        }
        text.split('.')
            .map(|part| {
                if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                    None
                } else {
                    part.parse::<u32>().ok()
                }
            })
            .collect::<Option<Vec<u32>>>()
            .map(Version)
    }

    /// The leading "digits and dots" part of a package or program version:
    /// "5.2p26" -> 5.2, "2.39-5" -> 2.39, "unstable-2024" -> `None`.
    pub fn leading(text: &str) -> Option<Version> {
        let end = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
        Version::parse(text[..end].trim_end_matches('.'))
    }

    /// The numeric components, as written.
    pub fn components(&self) -> &[u32] {
        &self.0
    }

    fn trimmed(&self) -> &[u32] {
        let end = self.0.iter().rposition(|&c| c != 0).map_or(0, |i| i + 1);
        &self.0[..end]
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.trimmed() == other.trimmed()
    }
}

impl std::hash::Hash for Version {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.trimmed().hash(state);
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.trimmed().cmp(other.trimmed())
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(u32::to_string).collect();
        f.write_str(&parts.join("."))
    }
}

impl FromStr for Version {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Version::parse(s).ok_or_else(|| format!("'{s}' is not a version number (expected digits and dots, e.g. 2.31)"))
    }
}

impl Serialize for Version {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A version node name as found in `.gnu.version_r` / `.gnu.version_d`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VersionNode {
    /// `PREFIX_DIGITS`: GLIBC_2.34, GLIBCXX_3.4.29, CXXABI_1.3.13, GCC_7.0.0.
    Numbered { family: String, version: Version },
    /// Anything else: GLIBC_PRIVATE, GLIBC_ABI_DT_RELR, a library's own soname node.
    Named(String),
}

impl VersionNode {
    /// Splits a node name at its last '_' when what follows is a version number.
    pub fn parse(name: &str) -> VersionNode {
        match VersionNode::numbered(name) {
            Some((family, version)) => VersionNode::Numbered { family: family.to_string(), version },
            None => VersionNode::Named(name.to_string()),
        }
    }

    /// The family and version of a `Numbered` node name, without copying
    /// the family; `None` for a `Named` one.
    pub fn numbered(name: &str) -> Option<(&str, Version)> {
        let (family, rest) = name.rsplit_once('_')?;
        if family.is_empty() {
            return None;
        }
        Some((family, Version::parse(rest)?))
    }
}

/// Orders names that carry version numbers as a person would: runs of
/// digits compare as numbers, the rest as text, so GLIBC_2.2.5 < GLIBC_2.3 <
/// GLIBC_2.14 and GLIBCXX_3.4.9 < GLIBCXX_3.4.30. Use it wherever a list of
/// versions is printed. Names equal that way fall back to plain text order
/// ("2.01" after "2.1"), so the order is total.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        match (x.first(), y.first()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let (m, rest_x) = split_digits(x);
                let (n, rest_y) = split_digits(y);
                // Compare as numbers of any length: without leading zeros, the
                // longer run is the larger number.
                let (m, n) = (trim_zeros(m), trim_zeros(n));
                let order = m.len().cmp(&n.len()).then_with(|| m.cmp(n));
                if order != Ordering::Equal {
                    return order;
                }
                (x, y) = (rest_x, rest_y);
            }
            (Some(c), Some(d)) => {
                if c != d {
                    return c.cmp(d);
                }
                (x, y) = (&x[1..], &y[1..]);
            }
        }
    }
}

fn split_digits(text: &[u8]) -> (&[u8], &[u8]) {
    let end = text.iter().position(|c| !c.is_ascii_digit()).unwrap_or(text.len());
    text.split_at(end)
}

fn trim_zeros(digits: &[u8]) -> &[u8] {
    let start = digits.iter().position(|&c| c != b'0').unwrap_or(digits.len());
    &digits[start..]
}

/// Sorts `names` with [`natural_cmp`].
pub fn sort_naturally(names: &mut [String]) {
    names.sort_by(|a, b| natural_cmp(a, b));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).expect("valid version")
    }

    #[test]
    fn compares_numerically_not_lexically() {
        assert!(v("2.31") < v("2.34"));
        assert!(v("2.9") < v("2.10"));
        assert!(v("3.4.9") < v("3.4.28"));
        assert!(v("2.40") > v("2.4"));
        assert_eq!(v("5.10"), v("5.10.0"));
        assert!(v("5.10.1") > v("5.10"));
    }

    #[test]
    fn version_lists_sort_as_versions_not_as_text() {
        let mut names: Vec<String> = [
            "GLIBC_2.14",
            "GLIBC_2.2.5",
            "GLIBC_2.3",
            "GLIBCXX_3.4.30",
            "GLIBCXX_3.4.9",
            "GLIBC_PRIVATE",
            "GLIBC_2.3.4",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        sort_naturally(&mut names);
        assert_eq!(
            names,
            [
                "GLIBCXX_3.4.9",
                "GLIBCXX_3.4.30",
                "GLIBC_2.2.5",
                "GLIBC_2.3",
                "GLIBC_2.3.4",
                "GLIBC_2.14",
                "GLIBC_PRIVATE"
            ]
        );
        assert_eq!(natural_cmp("kernel 3.10", "kernel 3.2.0"), Ordering::Greater);
        assert_eq!(natural_cmp("a99999999999999999999999", "a100000000000000000000000"), Ordering::Less);
        assert_eq!(natural_cmp("2.01", "2.1"), "2.01".cmp("2.1"));
        assert_eq!(natural_cmp("x", "x"), Ordering::Equal);
    }

    #[test]
    fn rejects_non_versions() {
        for bad in ["", "2.", ".2", "2..3", "2.x", "PRIVATE", "-1"] {
            assert!(Version::parse(bad).is_none(), "{bad} parsed");
        }
    }

    #[test]
    fn splits_version_nodes() {
        assert_eq!(
            VersionNode::parse("GLIBC_2.34"),
            VersionNode::Numbered { family: "GLIBC".into(), version: v("2.34") }
        );
        assert_eq!(
            VersionNode::parse("GLIBCXX_3.4.29"),
            VersionNode::Numbered { family: "GLIBCXX".into(), version: v("3.4.29") }
        );
        assert_eq!(VersionNode::parse("GLIBC_PRIVATE"), VersionNode::Named("GLIBC_PRIVATE".into()));
        assert_eq!(VersionNode::parse("GLIBC_ABI_DT_RELR"), VersionNode::Named("GLIBC_ABI_DT_RELR".into()));
        assert_eq!(VersionNode::parse("libfoo.so.1"), VersionNode::Named("libfoo.so.1".into()));
    }
}

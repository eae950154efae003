//! When a rule fires: bounds on the target's glibc and kernel, its arches,
//! and which versions of the package the rule is about.

use serde::{Deserialize, Serialize};

use crate::{profile::Profile, version::Version};

/// Every bound given must hold; an empty condition holds for every target.
/// Bounds are half-open: `glibcBelow: "2.29"` holds for 2.28 and not for 2.29.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Condition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) glibc_below: Option<Version>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) glibc_at_least: Option<Version>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) kernel_below: Option<Version>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) kernel_at_least: Option<Version>,
    /// CPU names ("x86_64", "aarch64"); empty = any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) arches: Vec<String>,
}

impl Condition {
    /// True when the glibc and kernel bounds hold for the target and, when
    /// the rule names arches, the target ships one of them.
    pub(crate) fn holds_for(&self, profile: &Profile) -> bool {
        self.holds_for_versions(&profile.glibc, &profile.kernel)
            && (self.arches.is_empty() || profile.arches.iter().any(|a| self.arches.contains(a)))
    }

    /// True when the glibc and kernel bounds hold (arches not considered).
    pub(crate) fn holds_for_versions(&self, glibc: &Version, kernel: &Version) -> bool {
        self.glibc_below.as_ref().is_none_or(|b| glibc < b)
            && self.glibc_at_least.as_ref().is_none_or(|b| glibc >= b)
            && self.kernel_below.as_ref().is_none_or(|b| kernel < b)
            && self.kernel_at_least.as_ref().is_none_or(|b| kernel >= b)
    }

    /// True when the rule is about this CPU (or about every CPU).
    pub(crate) fn holds_for_arch(&self, cpu: &str) -> bool {
        self.arches.is_empty() || self.arches.iter().any(|a| a == cpu)
    }

    /// "glibc < 2.29, kernel < 5.11" ("any target" when empty).
    pub(crate) fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(v) = &self.glibc_at_least {
            parts.push(format!("glibc >= {v}"));
        }
        if let Some(v) = &self.glibc_below {
            parts.push(format!("glibc < {v}"));
        }
        if let Some(v) = &self.kernel_at_least {
            parts.push(format!("kernel >= {v}"));
        }
        if let Some(v) = &self.kernel_below {
            parts.push(format!("kernel < {v}"));
        }
        if !self.arches.is_empty() {
            parts.push(format!("arch in {}", self.arches.join("/")));
        }
        if parts.is_empty() {
            "any target".to_string()
        } else {
            parts.join(", ")
        }
    }
}

/// Which versions of the package a rule concerns (half-open bounds).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct PackageVersion {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) at_least: Option<Version>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) below: Option<Version>,
}

impl PackageVersion {
    /// True when `version` (a nixpkgs version string such as "5.2p26" or
    /// "3.1.2") lies in the bounds. Its leading numeric part is compared; a
    /// version without one ("unstable-2024-01-01") is taken to match, since
    /// nothing says it does not.
    pub(crate) fn matches(&self, version: &str) -> bool {
        let Some(v) = Version::leading(version) else { return true };
        self.at_least.as_ref().is_none_or(|b| &v >= b) && self.below.as_ref().is_none_or(|b| &v < b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn bounds_are_half_open() {
        let c = Condition { glibc_below: Some(v("2.29")), kernel_at_least: Some(v("4.13")), ..Default::default() };
        assert!(c.holds_for_versions(&v("2.28"), &v("4.19")));
        assert!(!c.holds_for_versions(&v("2.29"), &v("4.19")));
        assert!(!c.holds_for_versions(&v("2.28"), &v("4.12")));
        assert!(c.holds_for_versions(&v("2.28"), &v("4.13")));
        assert_eq!(c.describe(), "glibc < 2.29, kernel >= 4.13");
        assert_eq!(Condition::default().describe(), "any target");
    }

    #[test]
    fn arches_restrict_the_targets() {
        let c = Condition { arches: vec!["aarch64".into()], ..Default::default() };
        assert!(c.holds_for_arch("aarch64"));
        assert!(!c.holds_for_arch("x86_64"));
        assert!(Condition::default().holds_for_arch("x86_64"));
    }

    #[test]
    fn package_versions_compare_their_numeric_prefix() {
        assert_eq!(Version::leading("5.2p26"), Some(v("5.2")));
        assert_eq!(Version::leading("2.39-5"), Some(v("2.39")));
        assert_eq!(Version::leading("unstable-2024"), None);
        let pv = PackageVersion { at_least: Some(v("3")), below: None };
        assert!(pv.matches("3.1.2"));
        assert!(pv.matches("4.0.5"));
        assert!(!pv.matches("2.8.5"));
        assert!(pv.matches("unstable-2024-01-01"));
    }
}

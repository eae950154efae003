//! Target descriptions: one JSON file per real distribution release under
//! `profiles/`, embedded at build time; also read from a path, or made ad hoc
//! from `--glibc` / `--kernel`.

use std::{collections::BTreeMap, fs, path::Path};

use anyhow::{anyhow, bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::version::Version;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_profiles.rs"));
}

/// What a target system provides. The JSON schema is documented in
/// `profiles/README.md`; Nix reads the same files with `builtins.fromJSON`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Profile {
    /// Short name, equal to the file stem: "debian-11".
    pub name: String,
    /// Human name of the release: "Debian 11 (bullseye)".
    #[serde(default)]
    pub description: String,
    /// glibc release shipped by the target.
    pub glibc: Version,
    /// Kernel the target runs (the oldest supported one for the release).
    pub kernel: Version,
    /// Newest version nodes of the system libstdc++ / libgcc_s. `None` for an
    /// ad-hoc target, where those checks are skipped (and said so).
    #[serde(default)]
    pub libstdcxx: Option<Libstdcxx>,
    /// Architectures the release ships: "x86_64", "aarch64".
    #[serde(default)]
    pub arches: Vec<String>,
    /// Sonames the target's base system provides (libc.so.6, libstdc++.so.6, ...).
    #[serde(default)]
    pub system_libs: Vec<String>,
    /// Where each fact comes from: field name -> source.
    #[serde(default)]
    pub sources: BTreeMap<String, String>,
}

/// The newest version node of each family the target's libstdc++ and libgcc_s
/// define. `GCC` is the x86_64 value: libgcc_s nodes differ by architecture
/// (profiles/README.md lists where).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Libstdcxx {
    #[serde(rename = "GLIBCXX")]
    pub glibcxx: Version,
    #[serde(rename = "CXXABI")]
    pub cxxabi: Version,
    #[serde(rename = "GCC")]
    pub gcc: Version,
}

/// Sonames any glibc-based target provides, used by ad-hoc targets.
pub const GLIBC_SYSTEM_LIBS: &[&str] = &[
    "libc.so.6",
    "libm.so.6",
    "libpthread.so.0",
    "libdl.so.2",
    "librt.so.1",
    "libutil.so.1",
    "libresolv.so.2",
    "libnsl.so.1",
    "libanl.so.1",
    "libcrypt.so.1",
    "ld-linux-x86-64.so.2",
    "ld-linux-aarch64.so.1",
];

impl Profile {
    /// Parses a profile from JSON text; `origin` names the input in errors.
    pub fn from_json(text: &str, origin: &str) -> Result<Profile> {
        serde_json::from_str(text).with_context(|| format!("{origin}: not a valid compat profile"))
    }

    /// Reads a profile file given by path.
    pub fn from_path(path: &Path) -> Result<Profile> {
        let text = fs::read_to_string(path).with_context(|| format!("{}: cannot read profile", path.display()))?;
        Profile::from_json(&text, &path.display().to_string())
    }

    /// Every profile embedded in the binary, sorted by name.
    pub fn builtin() -> Result<Vec<Profile>> {
        embedded::EMBEDDED
            .iter()
            .map(|(stem, text)| Profile::from_json(text, &format!("profiles/{stem}.json")))
            .collect()
    }

    /// Names of the embedded profiles.
    pub fn builtin_names() -> Vec<&'static str> {
        embedded::EMBEDDED.iter().map(|(stem, _)| *stem).collect()
    }

    /// Looks up `name_or_path`: an embedded profile name ("debian-11") or a
    /// path to a JSON file (anything containing '/' or ending in ".json").
    pub fn lookup(name_or_path: &str) -> Result<Profile> {
        if name_or_path.contains('/') || name_or_path.ends_with(".json") {
            return Profile::from_path(Path::new(name_or_path));
        }
        match embedded::EMBEDDED.iter().find(|(stem, _)| *stem == name_or_path) {
            Some((stem, text)) => Profile::from_json(text, &format!("profiles/{stem}.json")),
            None => bail!(
                "unknown profile '{name_or_path}'; known profiles: {} (or give a path to a profile JSON file)",
                Profile::builtin_names().join(", ")
            ),
        }
    }

    /// An ad-hoc target from `--glibc` / `--kernel`: glibc's own libraries as
    /// system libraries, no libstdc++ levels.
    pub fn ad_hoc(glibc: Version, kernel: Version) -> Profile {
        Profile {
            name: format!("glibc-{glibc}-linux-{kernel}"),
            description: format!("ad-hoc target: glibc {glibc}, Linux {kernel}"),
            glibc,
            kernel,
            libstdcxx: None,
            arches: vec!["x86_64".into(), "aarch64".into()],
            system_libs: GLIBC_SYSTEM_LIBS.iter().map(|s| s.to_string()).collect(),
            sources: BTreeMap::new(),
        }
    }

    /// Resolves the target options every command shares: a profile, or
    /// `--glibc`/`--kernel`, or a profile with either overridden.
    pub fn from_options(profile: Option<&str>, glibc: Option<&Version>, kernel: Option<&Version>) -> Result<Profile> {
        match (profile, glibc, kernel) {
            (Some(name), g, k) => {
                let mut p = Profile::lookup(name)?;
                if let Some(g) = g {
                    p.glibc = g.clone();
                }
                if let Some(k) = k {
                    p.kernel = k.clone();
                }
                Ok(p)
            }
            (None, Some(g), Some(k)) => Ok(Profile::ad_hoc(g.clone(), k.clone())),
            (None, Some(_), None) => Err(anyhow!("--glibc needs --kernel too (or use --profile)")),
            (None, None, Some(_)) => Err(anyhow!("--kernel needs --glibc too (or use --profile)")),
            (None, None, None) => Err(anyhow!(
                "no target given: use --profile NAME (one of {}) or --glibc X.Y --kernel X.Y",
                Profile::builtin_names().join(", ")
            )),
        }
    }

    /// True when `soname` is provided by the target's base system.
    pub fn is_system_lib(&self, soname: &str) -> bool {
        self.system_libs.iter().any(|s| s == soname)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_profile_parses_and_is_named_after_its_file() {
        let names = Profile::builtin_names();
        assert!(!names.is_empty(), "no profiles embedded");
        let profiles = Profile::builtin().expect("embedded profiles parse");
        assert_eq!(profiles.len(), names.len());
        for (stem, profile) in names.iter().zip(&profiles) {
            assert_eq!(*stem, profile.name, "profiles/{stem}.json is not named after its file");
            assert!(profile.is_system_lib("libc.so.6"), "{} lacks libc.so.6", profile.name);
        }
    }

    #[test]
    fn every_supported_release_has_a_profile() {
        let names = Profile::builtin_names();
        for expected in [
            "debian-10",
            "debian-11",
            "debian-12",
            "ubuntu-20.04",
            "ubuntu-22.04",
            "ubuntu-24.04",
            "rhel-8",
            "rhel-9",
            "amazonlinux-2",
            "amazonlinux-2023",
        ] {
            assert!(names.contains(&expected), "profiles/{expected}.json is missing; have {names:?}");
        }
    }

    #[test]
    fn every_profile_has_libstdcxx_levels_and_sources_for_each_fact() {
        for profile in Profile::builtin().expect("embedded profiles parse") {
            assert!(profile.libstdcxx.is_some(), "{} lacks libstdcxx levels", profile.name);
            for field in ["glibc", "kernel", "libstdcxx", "arches", "systemLibs"] {
                assert!(profile.sources.contains_key(field), "{} has no source for {field}", profile.name);
            }
            for arch in &profile.arches {
                let loader = match arch.as_str() {
                    "x86_64" => "ld-linux-x86-64.so.2",
                    "aarch64" => "ld-linux-aarch64.so.1",
                    other => panic!("{}: unknown arch {other}", profile.name),
                };
                assert!(profile.is_system_lib(loader), "{} ships {arch} but lacks {loader}", profile.name);
            }
        }
    }

    #[test]
    fn unknown_profile_lists_the_known_ones() {
        let err = Profile::lookup("debian-1").unwrap_err().to_string();
        assert!(err.contains("unknown profile 'debian-1'"), "{err}");
        for name in Profile::builtin_names() {
            assert!(err.contains(name), "{err} does not list {name}");
        }
    }

    #[test]
    fn invalid_json_names_the_input() {
        let err = Profile::from_json("{\"name\": 1}", "my.json").unwrap_err();
        assert!(format!("{err:#}").contains("my.json"));
    }

    #[test]
    fn ad_hoc_needs_both_versions() {
        let g = Version::parse("2.31").unwrap();
        assert!(Profile::from_options(None, Some(&g), None).is_err());
        let p = Profile::from_options(None, Some(&g), Some(&Version::parse("5.10").unwrap())).unwrap();
        assert_eq!(p.glibc, g);
        assert!(p.libstdcxx.is_none());
    }
}

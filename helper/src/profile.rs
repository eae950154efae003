//! Target descriptions: one JSON file per real distribution release under
//! `profiles/`, embedded at build time; also read from a path, or made ad hoc
//! from `--glibc` / `--kernel`.

use std::{collections::BTreeMap, fs, path::Path};

use anyhow::{anyhow, bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::{arch::Arch, version::Version};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_profiles.rs"));
}

/// What a target system provides. The JSON schema is documented in
/// `profiles/README.md`; Nix reads the same files with `builtins.fromJSON`.
/// Fields a profile file leaves out are filled in by [`Profile::from_json`]
/// so that nothing goes unchecked: see [`ProfileFile`].
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// Short name, equal to the file stem: "debian-11".
    pub name: String,
    /// Human name of the release: "Debian 11 (bullseye)".
    pub description: String,
    /// glibc release shipped by the target.
    pub glibc: Version,
    /// Kernel the target runs (the oldest supported one for the release).
    pub kernel: Version,
    /// Newest version nodes of the system libstdc++ / libgcc_s. `None` for an
    /// ad-hoc target, whose system libraries do not include them.
    pub libstdcxx: Option<Libstdcxx>,
    /// Architectures the release ships: "x86_64", "aarch64".
    pub arches: Vec<String>,
    /// Sonames the target's base system provides (libc.so.6, libstdc++.so.6, ...),
    /// always including glibc's own ([`glibc_libs`]).
    pub system_libs: Vec<String>,
    /// Where each fact comes from: field name -> source.
    pub sources: BTreeMap<String, String>,
    /// Facts given on the command line instead of the profile's
    /// (`--glibc`, `--kernel`): (field, value). Empty for a profile as written.
    #[serde(skip)]
    pub overrides: Vec<(String, Version)>,
}

/// A profile file as written: `name`, `glibc` and `kernel` are required,
/// the rest optional. Left out, `arches` is the project's architectures
/// ([`Arch::PROJECT`]), `systemLibs` glibc's own libraries for its glibc
/// ([`glibc_libs`]), which a listed `systemLibs` is completed with too, and
/// `libstdcxx` absent means the target's libstdc++ is not a system library
/// (a profile listing libstdc++.so.6 or libgcc_s.so.1 must give levels).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProfileFile {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub glibc: Version,
    pub kernel: Version,
    #[serde(default)]
    pub libstdcxx: Option<Libstdcxx>,
    #[serde(default)]
    pub arches: Option<Vec<String>>,
    #[serde(default)]
    pub system_libs: Option<Vec<String>>,
    #[serde(default)]
    pub sources: BTreeMap<String, String>,
}

/// The architectures a profile without `arches` ships: the project's two.
fn default_arches() -> Vec<String> {
    Arch::PROJECT.iter().map(|a| a.name().to_string()).collect()
}

/// glibc's libraries that programs link against, under these sonames on
/// every architecture and in every release: libc, libm, libpthread, libdl,
/// librt, libutil, libresolv, libanl (the last five are stubs from 2.34 on,
/// still installed).
const GLIBC_LINKED: &[&str] = &[
    "libc.so.6",
    "libm.so.6",
    "libpthread.so.0",
    "libdl.so.2",
    "librt.so.1",
    "libutil.so.1",
    "libresolv.so.2",
    "libanl.so.1",
];

/// glibc libraries later releases dropped or made optional (distributions
/// ship them from other projects, libxcrypt and libnsl2, or not at all).
const GLIBC_DROPPED: &[&str] = &["libnsl.so.1", "libcrypt.so.1"];

/// The sonames of glibc's loader on the project's architectures.
fn project_loaders() -> impl Iterator<Item = &'static str> {
    Arch::PROJECT.into_iter().filter_map(Arch::loader)
}

/// Whether compat treats `soname` as glibc's (never vendored by `bundle`,
/// taken from the sysroot by `verify`): glibc's libraries of any release,
/// the dropped ones included, and the loaders.
pub fn is_glibc_system_lib(soname: &str) -> bool {
    GLIBC_LINKED.contains(&soname) || GLIBC_DROPPED.contains(&soname) || project_loaders().any(|l| l == soname)
}

/// The libraries glibc `glibc` installs by default that programs link
/// against, for both architectures: [`GLIBC_LINKED`], both loaders, and
/// libmvec from 2.22 on. Left out: [`GLIBC_DROPPED`], NSS plugins and
/// preload-only libraries.
pub fn glibc_libs(glibc: &Version) -> Vec<String> {
    let mut libs: Vec<String> = GLIBC_LINKED.iter().copied().chain(project_loaders()).map(str::to_string).collect();
    if Version::parse("2.22").is_some_and(|first| glibc >= &first) {
        libs.push("libmvec.so.1".into());
    }
    libs
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

impl Profile {
    /// Parses a profile from JSON text, filling in what it leaves out (see
    /// [`ProfileFile`]); `origin` names the input in errors.
    pub fn from_json(text: &str, origin: &str) -> Result<Profile> {
        let file: ProfileFile =
            serde_json::from_str(text).with_context(|| format!("{origin}: not a valid compat profile"))?;
        Profile::complete(file).with_context(|| format!("{origin}: not a valid compat profile"))
    }

    /// A profile from a file's fields, with the defaults [`ProfileFile`] describes.
    pub fn complete(file: ProfileFile) -> Result<Profile> {
        let arches = match file.arches {
            None => default_arches(),
            Some(list) if list.is_empty() => {
                bail!(
                    "arches is empty: list the architectures the target ships, or leave it out for {:?}",
                    default_arches()
                )
            }
            Some(list) => list,
        };
        // glibc's own libraries are there on any glibc target, listed or not:
        // leaving one out would leave its version needs unchecked.
        let mut system_libs = file.system_libs.unwrap_or_default();
        for lib in glibc_libs(&file.glibc) {
            if !system_libs.contains(&lib) {
                system_libs.push(lib);
            }
        }
        if file.libstdcxx.is_none() {
            if let Some(lib) = system_libs.iter().find(|l| *l == "libstdc++.so.6" || *l == "libgcc_s.so.1") {
                bail!(
                    "systemLibs lists {lib} but there are no libstdcxx levels to check its needs against: \
                     add \"libstdcxx\": {{\"GLIBCXX\": ..., \"CXXABI\": ..., \"GCC\": ...}}"
                );
            }
        }
        Ok(Profile {
            name: file.name,
            description: file.description,
            glibc: file.glibc,
            kernel: file.kernel,
            libstdcxx: file.libstdcxx,
            arches,
            system_libs,
            sources: file.sources,
            overrides: Vec::new(),
        })
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
    /// system libraries ([`glibc_libs`]), no libstdc++ levels, the default
    /// architectures.
    pub fn ad_hoc(glibc: Version, kernel: Version) -> Profile {
        Profile {
            name: format!("glibc-{glibc}-linux-{kernel}"),
            description: format!("ad-hoc target: glibc {glibc}, Linux {kernel}"),
            system_libs: glibc_libs(&glibc),
            glibc,
            kernel,
            libstdcxx: None,
            arches: default_arches(),
            sources: BTreeMap::new(),
            overrides: Vec::new(),
        }
    }

    /// The name to use in messages: the profile's name, and what the command
    /// line changed ("debian-11 with glibc overridden to 2.40").
    pub fn label(&self) -> String {
        label(&self.name, &self.overrides)
    }

    /// Resolves the target options every command shares: a profile, or
    /// `--glibc`/`--kernel`, or a profile with either overridden.
    pub fn from_options(profile: Option<&str>, glibc: Option<&Version>, kernel: Option<&Version>) -> Result<Profile> {
        match (profile, glibc, kernel) {
            (Some(name), g, k) => {
                let mut p = Profile::lookup(name)?;
                if let Some(g) = g {
                    p.glibc = g.clone();
                    p.overrides.push(("glibc".into(), g.clone()));
                    // A newer glibc brings its newer libraries (libmvec).
                    for lib in glibc_libs(g) {
                        if !p.system_libs.contains(&lib) {
                            p.system_libs.push(lib);
                        }
                    }
                }
                if let Some(k) = k {
                    p.kernel = k.clone();
                    p.overrides.push(("kernel".into(), k.clone()));
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

/// "NAME", or "NAME with glibc overridden to 2.40 and kernel overridden to 6.1".
pub fn label(name: &str, overrides: &[(String, Version)]) -> String {
    if overrides.is_empty() {
        return name.to_string();
    }
    let list: Vec<String> = overrides.iter().map(|(field, value)| format!("{field} overridden to {value}")).collect();
    format!("{name} with {}", list.join(" and "))
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
                let loader = Arch::PROJECT
                    .into_iter()
                    .find(|a| a.name() == arch)
                    .and_then(Arch::loader)
                    .unwrap_or_else(|| panic!("{}: unknown arch {arch}", profile.name));
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

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap()
    }

    #[test]
    fn glibc_libraries_include_both_loaders_and_libmvec_only_from_2_22() {
        // glibc's own sonames first (libc leading), then the loaders, libmvec last.
        let libs = glibc_libs(&v("2.31"));
        assert_eq!(libs.len(), 11, "{libs:?}");
        assert_eq!(libs[0], "libc.so.6");
        assert_eq!(&libs[8..], ["ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1", "libmvec.so.1"]);
        assert!(!glibc_libs(&v("2.17")).contains(&"libmvec.so.1".to_string()));
        for lib in ["libc.so.6", "libcrypt.so.1", "libnsl.so.1", "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1"] {
            assert!(is_glibc_system_lib(lib), "{lib}");
        }
        for lib in ["libmvec.so.1", "libstdc++.so.6", "ld-linux.so.2", "libz.so.1"] {
            assert!(!is_glibc_system_lib(lib), "{lib}");
        }
    }

    #[test]
    fn a_profile_with_only_the_required_fields_still_checks_glibc_and_arches() {
        let p = Profile::from_json(r#"{"name":"mini","glibc":"2.31","kernel":"5.10"}"#, "mini.json").unwrap();
        for lib in ["libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "ld-linux-x86-64.so.2", "libmvec.so.1"] {
            assert!(p.is_system_lib(lib), "{lib} missing from {:?}", p.system_libs);
        }
        assert!(!p.is_system_lib("libstdc++.so.6") && !p.is_system_lib("libcrypt.so.1"), "{:?}", p.system_libs);
        assert_eq!(p.arches, ["x86_64", "aarch64"]);
        assert!(p.libstdcxx.is_none());
        assert!(!Profile::from_json(r#"{"name":"old","glibc":"2.17","kernel":"3.10"}"#, "old.json")
            .unwrap()
            .is_system_lib("libmvec.so.1"));
    }

    #[test]
    fn a_listed_system_lib_set_is_completed_with_glibcs_own() {
        let p =
            Profile::from_json(r#"{"name":"x","glibc":"2.31","kernel":"5.10","systemLibs":["libz.so.1"]}"#, "x.json")
                .unwrap();
        assert_eq!(p.system_libs[0], "libz.so.1");
        assert!(p.is_system_lib("libc.so.6") && p.is_system_lib("libm.so.6"), "{:?}", p.system_libs);
    }

    #[test]
    fn defaults_that_would_check_nothing_are_refused() {
        let err =
            Profile::from_json(r#"{"name":"x","glibc":"2.31","kernel":"5.10","arches":[]}"#, "x.json").unwrap_err();
        assert!(format!("{err:#}").contains("x.json") && format!("{err:#}").contains("arches is empty"), "{err:#}");
        let err = Profile::from_json(
            r#"{"name":"x","glibc":"2.31","kernel":"5.10","systemLibs":["libc.so.6","libstdc++.so.6"]}"#,
            "x.json",
        )
        .unwrap_err();
        assert!(format!("{err:#}").contains("lists libstdc++.so.6 but there are no libstdcxx levels"), "{err:#}");
        assert!(Profile::from_json(r#"{"name":"x","glibc":"2.31"}"#, "x.json").is_err(), "kernel is required");
    }

    #[test]
    fn overrides_are_named_as_such() {
        let p = Profile::from_options(Some("debian-11"), Some(&v("2.40")), None).unwrap();
        assert_eq!(p.name, "debian-11");
        assert_eq!(p.glibc, v("2.40"));
        assert_eq!(p.label(), "debian-11 with glibc overridden to 2.40");
        let p = Profile::from_options(Some("debian-11"), Some(&v("2.40")), Some(&v("6.1"))).unwrap();
        assert_eq!(p.label(), "debian-11 with glibc overridden to 2.40 and kernel overridden to 6.1");
        assert_eq!(Profile::lookup("debian-11").unwrap().label(), "debian-11");
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

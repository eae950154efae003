//! The checks on one ELF file: what it says about itself (architecture,
//! interpreter, RPATH/RUNPATH, ABI note, static linking), and what it needs
//! from each library, judged against the shipped library or the target.

use std::path::{Path, PathBuf};

use super::{
    libraries::{Libraries, Source},
    requirement::{dt_relr_glibc, requirement, CxxFamily, Requirement, DT_RELR_MARKER},
    ScanOptions,
};
use crate::{
    arch,
    elf::{resolve::SearchPath, ElfInfo, ElfKind, NeededVersion, SymbolNames},
    finding::{Finding, FindingKind, Severity},
    profile::Profile,
    version::Version,
};

/// Whether a file is judged at all: programs and libraries are; object
/// files and core dumps are listed but never loaded.
pub(crate) fn is_loadable(info: &ElfInfo) -> bool {
    matches!(info.kind, ElfKind::Executable | ElfKind::SharedLibrary)
}

/// Severity of a "needs Nix on the target" finding.
fn store_severity(options: &ScanOptions) -> Severity {
    if options.portable {
        Severity::Error
    } else {
        Severity::Warning
    }
}

/// The checks that need nothing but the file itself.
pub(crate) fn intrinsic(info: &ElfInfo, profile: &Profile, options: &ScanOptions) -> Vec<Finding> {
    let mut findings = Vec::new();
    if !profile.arches.is_empty() && !profile.arches.contains(&info.arch) {
        findings.push(
            Finding::new(
                Severity::Error,
                FindingKind::Architecture,
                format!(
                    "built for {}, which {} does not ship (it has {})",
                    info.arch,
                    profile.label(),
                    profile.arches.join(", ")
                ),
            )
            .needs(info.arch.clone())
            .target_has(profile.arches.join(", ")),
        );
    }
    if info.is_static() {
        findings.push(Finding::new(
            Severity::Note,
            FindingKind::StaticExecutable,
            "statically linked: no libraries are loaded, only the kernel checks apply (ABI note, system calls)",
        ));
    }
    if let Some(interp) = &info.interpreter {
        if interp.starts_with("/nix/store/") {
            findings.push(
                Finding::new(
                    store_severity(options),
                    FindingKind::Interpreter,
                    format!("program interpreter {interp} exists only where this Nix store path is installed"),
                )
                .needs(interp.clone()),
            );
        } else if info.kind == ElfKind::Executable && !arch::is_standard_interpreter(interp) {
            findings.push(
                Finding::new(
                    Severity::Warning,
                    FindingKind::Interpreter,
                    format!("program interpreter {interp} is not the standard one of a glibc distribution"),
                )
                .needs(interp.clone()),
            );
        }
    }
    for (tag, entries) in [("RUNPATH", &info.runpath), ("RPATH", &info.rpath)] {
        let store: Vec<&String> = entries.iter().filter(|e| e.starts_with("/nix/store/")).collect();
        if !store.is_empty() {
            let list = store.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(":");
            findings.push(
                Finding::new(
                    store_severity(options),
                    FindingKind::Rpath,
                    format!("{tag} points into /nix/store ({list}): libraries found there exist only with Nix"),
                )
                .needs(list),
            );
        }
    }
    let relr_marked = info.version_needs.iter().flat_map(|n| &n.versions).any(|v| v.name == DT_RELR_MARKER);
    let relr_glibc = dt_relr_glibc().unwrap_or_else(|| profile.glibc.clone());
    // glibc's own libraries (they define GLIBC_* versions) use DT_RELR unmarked:
    // only their own ld.so ever loads them.
    let is_glibc = info.version_defs.iter().any(|d| d.starts_with("GLIBC_"));
    if info.has_relr && !relr_marked && !info.is_static() && !is_glibc && profile.glibc < relr_glibc {
        // Linkers add GLIBC_ABI_DT_RELR so an old loader refuses the file; without
        // it, a loader before glibc 2.36 ignores DT_RELR and the program crashes.
        findings.push(
            Finding::new(
                Severity::Error,
                FindingKind::LoaderFeature,
                format!(
                    "uses packed relative relocations (DT_RELR) without the GLIBC_ABI_DT_RELR marker; \
                     {}'s glibc {} loader ignores them and the program crashes",
                    profile.label(),
                    profile.glibc
                ),
            )
            .needs("DT_RELR")
            .target_has(format!("GLIBC_{}", profile.glibc)),
        );
    }
    if let Some(kernel) = &info.abi_kernel {
        if kernel > &profile.kernel {
            findings.push(
                Finding::new(
                    Severity::Error,
                    FindingKind::KernelAbiNote,
                    format!(
                        "ABI note (NT_GNU_ABI_TAG) requires Linux {kernel}; {} runs Linux {} (\"FATAL: kernel too old\")",
                        profile.label(), profile.kernel
                    ),
                )
                .needs(format!("kernel {kernel}"))
                .target_has(format!("kernel {}", profile.kernel)),
            );
        }
    }
    findings
}

/// Whether a needed version node can fail against a system library of
/// `profile`: only for those are the symbols behind it worth naming while
/// parsing (see `ElfInfo::parse_with_symbols_for`).
pub(crate) fn may_fail(version: &str, profile: &Profile) -> bool {
    match requirement(version) {
        Requirement::Glibc(needed) => needed > profile.glibc,
        Requirement::LoaderMarker { glibc, .. } => glibc > profile.glibc,
        Requirement::UnknownMarker | Requirement::Private | Requirement::Unjudged => true,
        Requirement::Cxx { family, version } => match &profile.libstdcxx {
            Some(levels) => {
                version
                    > *match family {
                        CxxFamily::Glibcxx => &levels.glibcxx,
                        CxxFamily::Cxxabi => &levels.cxxabi,
                        CxxFamily::Gcc => &levels.gcc,
                    }
            }
            // Without levels every need from a system libstdc++ fails (judge_system).
            None => profile.is_system_lib("libstdc++.so.6") || profile.is_system_lib("libgcc_s.so.1"),
        },
        Requirement::Baseline => false,
    }
}

/// The symbols behind `version` of `soname` in `file`, read again: for the
/// rare finding about a version whose symbols [`may_fail`] did not ask for.
fn symbols_of(file: &Path, soname: &str, version: &str) -> SymbolNames {
    let Ok(Some(data)) = crate::elf::file::map_if_elf(file) else { return SymbolNames::default() };
    let Ok(info) = ElfInfo::parse_with_symbols_for(&data, |lib, v| lib == soname && v == version) else {
        return SymbolNames::default();
    };
    info.needs_from(soname).iter().find(|v| v.name == version).map_or(SymbolNames::default(), |v| v.symbols.clone())
}

/// The checks of every NEEDED library. Returns the findings and the shipped
/// libraries used (canonical paths), which are checked in turn.
pub(crate) fn needs(
    file: &Path,
    info: &ElfInfo,
    profile: &Profile,
    options: &ScanOptions,
    libraries: &Libraries,
) -> (Vec<Finding>, Vec<PathBuf>) {
    let mut findings = Vec::new();
    let mut shipped = Vec::new();
    let mut sonames: Vec<&str> = info.needed.iter().map(String::as_str).collect();
    // A version need without a NEEDED entry still binds at load time.
    for need in &info.version_needs {
        if !sonames.contains(&need.file.as_str()) {
            sonames.push(&need.file);
        }
    }
    let search = SearchPath::for_file(file, info, &[], &[]);
    for soname in sonames {
        let versions = info.needs_from(soname);
        let system_lib = profile.is_system_lib(soname);
        match libraries.source(file, info, &search, soname, system_lib) {
            Source::Shipped { path, info: lib } => {
                findings.extend(judge_shipped(file, soname, &path, &lib, versions, profile));
                shipped.push(path);
            }
            Source::System if system_lib => {
                findings.extend(judge_system(soname, versions, profile));
            }
            Source::System => findings.push(missing_library(file, info, soname, profile, options, libraries)),
        }
    }
    (findings, shipped)
}

fn missing_library(
    file: &Path,
    info: &ElfInfo,
    soname: &str,
    profile: &Profile,
    options: &ScanOptions,
    libraries: &Libraries,
) -> Finding {
    let finding = match libraries.found_here(file, info, soname) {
        Some(here) => Finding::new(
            store_severity(options),
            FindingKind::MissingLibrary,
            format!(
                "needs {soname}, which is not shipped with what is scanned and is not a base library of {} \
                 (found here at {}; pass its package with --closure if it travels along)",
                profile.label(),
                here.display()
            ),
        ),
        None => Finding::new(
            Severity::Error,
            FindingKind::MissingLibrary,
            format!(
                "needs {soname}, which is neither found through its RPATH/RUNPATH nor among the scanned files, \
                 and is not a base library of {}",
                profile.label()
            ),
        ),
    };
    finding.needs(soname).library(soname)
}

/// Needs from a shipped library, held against its own version definitions.
fn judge_shipped(
    file: &Path,
    soname: &str,
    path: &Path,
    lib: &ElfInfo,
    versions: &[NeededVersion],
    profile: &Profile,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    // What the library defines, in words: made once, and only for a
    // finding (most needs are met, and a C++ library defines hundreds).
    let mut defined: Option<String> = None;
    for version in versions {
        if lib.defines_version(&version.name) {
            continue;
        }
        let defined = defined.get_or_insert_with(|| {
            let mut names = lib.version_defs.clone();
            crate::version::sort_naturally(&mut names);
            names.join(", ")
        });
        let finding = if lib.version_defs.is_empty() {
            Finding::new(
                Severity::Note,
                FindingKind::MissingVersion,
                format!(
                    "needs {} from {soname} (shipped at {}), which defines no versions: the loader does not check it",
                    version.name,
                    path.display()
                ),
            )
        } else {
            let severity = if version.weak { Severity::Warning } else { Severity::Error };
            Finding::new(
                severity,
                FindingKind::MissingVersion,
                format!(
                    "needs {} from {soname}, but the shipped {} defines only {defined}",
                    version.name,
                    path.display(),
                ),
            )
            .target_has(defined.clone())
        };
        let reread;
        let symbols = if version.symbols.is_empty() && !may_fail(&version.name, profile) {
            reread = symbols_of(file, soname, &version.name);
            &reread
        } else {
            &version.symbols
        };
        findings.push(finding.needs(version.name.clone()).library(soname).symbols(symbols.iter()));
    }
    findings
}

/// Needs from a library of the target's base system, held against the profile.
fn judge_system(soname: &str, versions: &[NeededVersion], profile: &Profile) -> Vec<Finding> {
    let mut findings = Vec::new();
    let glibc_has = || format!("GLIBC_{}", profile.glibc);
    for version in versions {
        let name = &version.name;
        let severity = if version.weak { Severity::Warning } else { Severity::Error };
        let finding = match requirement(name) {
            Requirement::Glibc(needed) if needed > profile.glibc => Finding::new(
                severity,
                FindingKind::GlibcVersion,
                format!("needs {name} from {soname}; {} has glibc {}", profile.label(), profile.glibc),
            )
            .target_has(glibc_has()),
            Requirement::LoaderMarker { glibc, what } if glibc > profile.glibc => Finding::new(
                severity,
                FindingKind::LoaderFeature,
                format!(
                    "needs {name} from {soname}: {what}, first in glibc {glibc}; {} has glibc {}",
                    profile.label(), profile.glibc
                ),
            )
            .target_has(glibc_has()),
            Requirement::UnknownMarker => Finding::new(
                severity,
                FindingKind::LoaderFeature,
                format!(
                    "needs {name} from {soname}: a loader feature marker compat does not know; \
                     no glibc known to have it, so {} (glibc {}) is assumed to lack it",
                    profile.label(), profile.glibc
                ),
            )
            .target_has(glibc_has()),
            Requirement::Private => Finding::new(
                Severity::Error,
                FindingKind::LoaderFeature,
                format!(
                    "needs {name} from {soname}: glibc's private ABI, which differs between glibc builds; never portable"
                ),
            ),
            Requirement::Cxx { family, version: needed } => match &profile.libstdcxx {
                Some(levels) => {
                    let has = match family {
                        CxxFamily::Glibcxx => &levels.glibcxx,
                        CxxFamily::Cxxabi => &levels.cxxabi,
                        CxxFamily::Gcc => &levels.gcc,
                    };
                    if &needed <= has {
                        continue;
                    }
                    cxx_finding(severity, name, soname, profile, family, has)
                }
                // Profile files must give levels when they list libstdc++; a
                // profile made in code without them cannot vouch for any.
                None => Finding::new(
                    severity,
                    FindingKind::LibstdcxxVersion,
                    format!(
                        "needs {name} from {soname}; {} gives no libstdc++ levels, so it is not known to have it",
                        profile.label()
                    ),
                ),
            },
            _ => continue,
        };
        findings.push(finding.needs(name.clone()).library(soname).symbols(version.symbols.iter()));
    }
    findings
}

fn cxx_finding(
    severity: Severity,
    name: &str,
    soname: &str,
    profile: &Profile,
    family: CxxFamily,
    has: &Version,
) -> Finding {
    let has = format!("{}_{has}", family.prefix());
    Finding::new(
        severity,
        FindingKind::LibstdcxxVersion,
        format!("needs {name} from {soname}; {}'s newest is {has}", profile.label()),
    )
    .target_has(has)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::elf::{NeededVersion, VersionNeed};

    fn program(has_relr: bool, needs: &[&str]) -> ElfInfo {
        ElfInfo {
            bits: 64,
            little_endian: true,
            machine: 62,
            arch: "x86_64".into(),
            kind: ElfKind::Executable,
            interpreter: Some("/lib64/ld-linux-x86-64.so.2".into()),
            has_dynamic: true,
            needed: vec!["libc.so.6".into()],
            soname: None,
            rpath: vec![],
            runpath: vec![],
            version_needs: vec![VersionNeed {
                file: "libc.so.6".into(),
                versions: needs
                    .iter()
                    .map(|n| NeededVersion { name: n.to_string(), weak: false, symbols: SymbolNames::default() })
                    .collect(),
            }],
            version_defs: vec![],
            abi_kernel: None,
            has_relr,
        }
    }

    fn target(glibc: &str) -> Profile {
        Profile::ad_hoc(Version::parse(glibc).unwrap(), Version::parse("5.10").unwrap())
    }

    #[test]
    fn dt_relr_without_its_marker_is_caught_for_old_loaders() {
        let options = ScanOptions::default();
        let unmarked = intrinsic(&program(true, &["GLIBC_2.2.5"]), &target("2.31"), &options);
        assert_eq!(unmarked.len(), 1, "{unmarked:?}");
        assert_eq!(unmarked[0].kind, FindingKind::LoaderFeature);
        assert_eq!(unmarked[0].needs.as_deref(), Some("DT_RELR"));
        // With the marker, the version need check reports it instead; 2.36 loaders know DT_RELR.
        assert!(intrinsic(&program(true, &["GLIBC_ABI_DT_RELR"]), &target("2.31"), &options).is_empty());
        assert!(intrinsic(&program(true, &["GLIBC_2.2.5"]), &target("2.36"), &options).is_empty());
        assert!(intrinsic(&program(false, &[]), &target("2.31"), &options).is_empty());
    }

    #[test]
    fn other_architectures_and_nonstandard_interpreters_are_reported() {
        let options = ScanOptions::default();
        let mut info = program(false, &[]);
        info.arch = "riscv64".into();
        info.interpreter = Some("/opt/ld.so".into());
        let found = intrinsic(&info, &target("2.31"), &options);
        let kinds: Vec<FindingKind> = found.iter().map(|f| f.kind).collect();
        assert_eq!(kinds, vec![FindingKind::Architecture, FindingKind::Interpreter], "{found:?}");
        assert_eq!(found[0].severity, Severity::Error);
        assert_eq!(found[1].severity, Severity::Warning);
    }
}

//! Which targets does this run on? One collection of facts judged against
//! every known profile, each verdict told in one line, and the oldest
//! glibc, libstdc++ / libgcc levels and kernel the files need.
//!
//! The needs come from judging the files against a *floor* target that has
//! nothing (glibc 0, kernel 0, libstdc++ levels 0, every system library any
//! profile has): each error found there names something the files need, and
//! the newest of each kind is what a target must have at least.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{
    report::{Report, Status},
    requirement::{dt_relr_glibc, requirement, CxxFamily, Requirement},
    Collection,
};
use crate::{
    finding::{FindingKind, Severity},
    profile::{Libstdcxx, Profile},
    version::Version,
};

/// Identifies the JSON schema; bumped only on incompatible changes.
pub(crate) const SCHEMA: &str = "compat-targets/1";

/// The verdict on every profile and the oldest levels the files need.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Targets {
    pub(crate) schema: &'static str,
    /// False with `--no-syscalls`: kernel needs come from ABI notes only.
    pub(crate) syscalls: bool,
    /// ELF files judged (unreadable ones included).
    pub(crate) files: usize,
    pub(crate) unreadable: usize,
    pub(crate) needs: Needs,
    pub(crate) profiles: Vec<Verdict>,
}

/// The oldest levels a target must have; `null` where nothing is needed.
#[derive(Clone, Debug, Default, Serialize)]
pub(crate) struct Needs {
    /// From GLIBC_* needs and loader feature markers of base system libraries.
    pub(crate) glibc: Option<Version>,
    /// Newest GLIBCXX_* needed from the system libstdc++.
    pub(crate) glibcxx: Option<Version>,
    /// Newest CXXABI_* needed from the system libstdc++.
    pub(crate) cxxabi: Option<Version>,
    /// Newest GCC_* needed from the system libgcc_s.
    pub(crate) gcc: Option<Version>,
    /// From ABI notes, system calls and wrapper imports.
    pub(crate) kernel: Option<Version>,
    /// Needs no release meets: GLIBC_PRIVATE, unknown loader markers, missing libraries.
    pub(crate) never: Vec<String>,
}

/// One profile's verdict.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Verdict {
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) compatible: bool,
    /// Files with an error (or unreadable) against this profile.
    pub(crate) failing_files: usize,
    /// One line: why not (or "every file runs").
    pub(crate) why: String,
}

impl Targets {
    /// Judges `collection` against each of `profiles`.
    pub(crate) fn of(collection: &Collection, profiles: &[Profile]) -> Targets {
        let floor = collection.judge(&floor(profiles));
        let profiles = profiles.iter().map(|p| verdict(p, &collection.judge(p))).collect();
        Targets {
            schema: SCHEMA,
            syscalls: floor.syscalls,
            files: floor.summary.files,
            unreadable: floor.summary.unreadable,
            needs: needs(&floor),
            profiles,
        }
    }

    /// 0 when some profile runs every file, 1 when none does, 2 when an input was unreadable.
    pub(crate) fn exit_status(&self) -> u8 {
        if self.unreadable > 0 {
            crate::exit::ERROR
        } else if self.profiles.iter().any(|p| p.compatible) {
            crate::exit::OK
        } else {
            crate::exit::FOUND
        }
    }
}

/// A target that has nothing: every need of the files is an error against it.
pub(crate) fn floor(profiles: &[Profile]) -> Profile {
    let zero = Version::parse("0").unwrap_or_else(|| Version::parse("0.0").expect("a version"));
    let mut floor = Profile::ad_hoc(zero.clone(), zero.clone());
    floor.name = "floor".into();
    floor.libstdcxx = Some(Libstdcxx { glibcxx: zero.clone(), cxxabi: zero.clone(), gcc: zero });
    for p in profiles {
        for lib in &p.system_libs {
            if !floor.system_libs.contains(lib) {
                floor.system_libs.push(lib.clone());
            }
        }
        for arch in &p.arches {
            if !floor.arches.contains(arch) {
                floor.arches.push(arch.clone());
            }
        }
    }
    floor
}

fn raise(slot: &mut Option<Version>, version: Version) {
    if slot.as_ref().is_none_or(|v| *v < version) {
        *slot = Some(version);
    }
}

/// The newest of each need among the errors against the floor.
fn needs(floor: &Report) -> Needs {
    let mut needs = Needs::default();
    let relr = dt_relr_glibc();
    for finding in floor.files.iter().flat_map(|f| &f.findings).filter(|f| f.severity == Severity::Error) {
        let need = finding.needs.as_deref().unwrap_or_default();
        match finding.kind {
            FindingKind::GlibcVersion | FindingKind::LoaderFeature | FindingKind::LibstdcxxVersion => {
                match requirement(need) {
                    Requirement::Glibc(v) | Requirement::LoaderMarker { glibc: v, .. } => raise(&mut needs.glibc, v),
                    Requirement::Cxx { family: CxxFamily::Glibcxx, version } => raise(&mut needs.glibcxx, version),
                    Requirement::Cxx { family: CxxFamily::Cxxabi, version } => raise(&mut needs.cxxabi, version),
                    Requirement::Cxx { family: CxxFamily::Gcc, version } => raise(&mut needs.gcc, version),
                    _ if need == "DT_RELR" => {
                        if let Some(v) = relr.clone() {
                            raise(&mut needs.glibc, v);
                        }
                    }
                    _ => needs.never.push(need.to_string()),
                }
            }
            FindingKind::KernelAbiNote | FindingKind::Syscall | FindingKind::SyscallWrapper => {
                if let Some(v) = need.strip_prefix("kernel ").and_then(Version::parse) {
                    raise(&mut needs.kernel, v);
                }
            }
            FindingKind::MissingLibrary => needs.never.push(need.to_string()),
            _ => {}
        }
    }
    needs.never.sort();
    needs.never.dedup();
    needs
}

/// How many causes one line names before "and N more".
const CAUSES: usize = 3;

fn verdict(profile: &Profile, report: &Report) -> Verdict {
    let failing: Vec<_> =
        report.files.iter().filter(|f| matches!(f.status, Status::Error | Status::Unreadable)).collect();
    // Each cause (what is needed, or the kind of problem) with the number of files it stops.
    let mut causes: BTreeMap<String, usize> = BTreeMap::new();
    for file in &failing {
        let mut mine: Vec<String> = file
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| match (&f.kind, &f.needs) {
                (FindingKind::Unreadable, _) => "unreadable".to_string(),
                (FindingKind::Architecture, Some(arch)) => format!("arch {arch}"),
                (FindingKind::MissingLibrary, Some(lib)) => format!("missing {lib}"),
                (_, Some(need)) => need.clone(),
                (kind, None) => format!("{kind:?}"),
            })
            .collect();
        mine.sort();
        mine.dedup();
        for cause in mine {
            *causes.entry(cause).or_default() += 1;
        }
    }
    let mut ranked: Vec<(String, usize)> = causes.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let why = if failing.is_empty() {
        let warned = report.summary.warning;
        if warned == 0 {
            "every file runs".to_string()
        } else {
            format!("every file runs ({warned} with warnings)")
        }
    } else {
        let files = |n: usize| if n == 1 { "1 file".to_string() } else { format!("{n} files") };
        let mut parts: Vec<String> =
            ranked.iter().take(CAUSES).map(|(cause, n)| format!("{cause} ({})", files(*n))).collect();
        if ranked.len() > CAUSES {
            parts.push(format!("and {} more", ranked.len() - CAUSES));
        }
        format!(
            "{} of {}: needs {}; has glibc {}, Linux {}",
            files(failing.len()),
            report.summary.files,
            parts.join(", "),
            profile.glibc,
            profile.kernel
        )
    };
    Verdict {
        name: profile.name.clone(),
        description: profile.description.clone(),
        compatible: failing.is_empty(),
        failing_files: failing.len(),
        why,
    }
}

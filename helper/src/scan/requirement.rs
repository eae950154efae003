//! What a version node needed from a system library asks of the target:
//! a glibc release, a loader feature (itself tied to the glibc release that
//! first has it), a libstdc++ / libgcc level, or nothing compat can judge.

use crate::version::{Version, VersionNode};

/// Loader feature markers: version nodes glibc's ld.so defines (and the
/// static linker adds to a file's needs) when a file uses a feature older
/// loaders do not know. Name, first glibc release, what it stands for.
pub(crate) const LOADER_MARKERS: &[(&str, &str, &str)] = &[
    (DT_RELR_MARKER, "2.36", "packed relative relocations (DT_RELR, ld -z pack-relative-relocs)"),
    ("GLIBC_ABI_GNU2_TLS", "2.42", "TLS descriptors (-mtls-dialect=gnu2)"),
    ("GLIBC_ABI_GNU_TLS", "2.42", "the GNU TLS ABI marker (i386 ___tls_get_addr)"),
    ("GLIBC_ABI_DT_X86_64_PLT", "2.42", "marked PLT entries (DT_X86_64_PLT, ld -z mark-plt)"),
];

/// The marker the static linker adds to a file that uses DT_RELR.
pub const DT_RELR_MARKER: &str = "GLIBC_ABI_DT_RELR";

/// The first glibc release whose loader applies DT_RELR: its marker's row
/// of [`LOADER_MARKERS`].
pub fn dt_relr_glibc() -> Option<Version> {
    match requirement(DT_RELR_MARKER) {
        Requirement::LoaderMarker { glibc, .. } => Some(glibc),
        _ => None,
    }
}

/// The libstdc++ / libgcc_s version families a profile gives levels for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CxxFamily {
    Glibcxx,
    Cxxabi,
    Gcc,
}

impl CxxFamily {
    /// The prefix of the family's node names.
    pub(crate) fn prefix(self) -> &'static str {
        match self {
            CxxFamily::Glibcxx => "GLIBCXX",
            CxxFamily::Cxxabi => "CXXABI",
            CxxFamily::Gcc => "GCC",
        }
    }
}

/// What one needed version node requires.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Requirement {
    /// `GLIBC_X.Y`: glibc X.Y or newer.
    Glibc(Version),
    /// A `GLIBC_ABI_*` loader marker, first in glibc `glibc`.
    LoaderMarker { glibc: Version, what: &'static str },
    /// A `GLIBC_ABI_*` marker compat does not know: no known glibc is assumed to have it.
    UnknownMarker,
    /// `GLIBC_PRIVATE`: glibc's internal ABI, which changes with every build.
    Private,
    /// `GLIBCXX_*`, `CXXABI_*`, `GCC_*` (and their LDBL / IEEE128 variants).
    Cxx { family: CxxFamily, version: Version },
    /// A node every supported target has (CXXABI_TM_1, CXXABI_FLOAT128).
    Baseline,
    /// A family compat has no levels for (ZLIB_1.2.9, XCRYPT_2.0, a library's own nodes).
    Unjudged,
}

/// Classifies a needed version node by its name.
pub fn requirement(node: &str) -> Requirement {
    match node {
        "GLIBC_PRIVATE" => return Requirement::Private,
        // libstdc++'s transactional-memory and __float128 typeinfo nodes (GCC 4.7, 4.9).
        "CXXABI_TM_1" | "CXXABI_FLOAT128" => return Requirement::Baseline,
        _ => {}
    }
    if node.starts_with("GLIBC_ABI_") {
        return match LOADER_MARKERS.iter().find(|(name, _, _)| *name == node) {
            Some((_, glibc, what)) => match Version::parse(glibc) {
                Some(glibc) => Requirement::LoaderMarker { glibc, what },
                None => Requirement::UnknownMarker,
            },
            None => Requirement::UnknownMarker,
        };
    }
    match VersionNode::numbered(node) {
        Some((family, version)) => match family {
            "GLIBC" => Requirement::Glibc(version),
            "GLIBCXX" | "GLIBCXX_LDBL" | "GLIBCXX_IEEE128" => Requirement::Cxx { family: CxxFamily::Glibcxx, version },
            "CXXABI" | "CXXABI_LDBL" | "CXXABI_IEEE128" => Requirement::Cxx { family: CxxFamily::Cxxabi, version },
            "GCC" => Requirement::Cxx { family: CxxFamily::Gcc, version },
            _ => Requirement::Unjudged,
        },
        None => Requirement::Unjudged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn dt_relr_comes_with_glibc_2_36() {
        assert_eq!(dt_relr_glibc(), Some(v("2.36")));
    }

    #[test]
    fn classifies_nodes() {
        assert_eq!(requirement("GLIBC_2.34"), Requirement::Glibc(v("2.34")));
        assert_eq!(requirement("GLIBC_2.2.5"), Requirement::Glibc(v("2.2.5")));
        assert_eq!(requirement("GLIBC_PRIVATE"), Requirement::Private);
        assert!(
            matches!(requirement("GLIBC_ABI_DT_RELR"), Requirement::LoaderMarker { glibc, .. } if glibc == v("2.36"))
        );
        assert!(
            matches!(requirement("GLIBC_ABI_GNU2_TLS"), Requirement::LoaderMarker { glibc, .. } if glibc == v("2.42"))
        );
        assert_eq!(requirement("GLIBC_ABI_SOMETHING_NEW"), Requirement::UnknownMarker);
        assert_eq!(
            requirement("GLIBCXX_3.4.30"),
            Requirement::Cxx { family: CxxFamily::Glibcxx, version: v("3.4.30") }
        );
        assert_eq!(requirement("CXXABI_1.3.13"), Requirement::Cxx { family: CxxFamily::Cxxabi, version: v("1.3.13") });
        assert_eq!(requirement("GCC_12.0.0"), Requirement::Cxx { family: CxxFamily::Gcc, version: v("12.0.0") });
        assert_eq!(requirement("CXXABI_TM_1"), Requirement::Baseline);
        assert_eq!(requirement("ZLIB_1.2.9"), Requirement::Unjudged);
        assert_eq!(requirement("libfoo.so.1"), Requirement::Unjudged);
    }
}

//! The target options shared by every subcommand that judges files.

use anyhow::Result;

use crate::{profile::Profile, version::Version};

/// Which system the files must run on.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct TargetArgs {
    /// Target profile: a name from `compat profiles` (debian-11, rhel-8, ...) or a path to a profile JSON
    /// file (only name, glibc and kernel are required; profiles/README.md lists the defaults).
    #[arg(long, short = 'p', value_name = "NAME|FILE")]
    pub(crate) profile: Option<String>,
    /// Target glibc version (ad-hoc target, or override of the profile's: reports then say
    /// "debian-11 with glibc overridden to X.Y").
    #[arg(long, value_name = "X.Y")]
    pub(crate) glibc: Option<Version>,
    /// Target kernel version (ad-hoc target, or override of the profile's).
    #[arg(long, value_name = "X.Y")]
    pub(crate) kernel: Option<Version>,
}

impl TargetArgs {
    /// The profile these options name.
    pub(crate) fn resolve(&self) -> Result<Profile> {
        Profile::from_options(self.profile.as_deref(), self.glibc.as_ref(), self.kernel.as_ref())
    }
}

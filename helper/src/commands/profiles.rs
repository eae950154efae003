//! `compat profiles`: list the targets compat knows.

use anyhow::Result;

use crate::{exit, profile::Profile};

/// List the target profiles compiled into compat (glibc, kernel, libstdc++ levels).
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Print the profiles as a JSON array.
    #[arg(long)]
    pub(crate) json: bool,
}

pub(crate) fn run(args: Args) -> Result<u8> {
    let profiles = Profile::builtin()?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&profiles)?);
        return Ok(exit::OK);
    }
    println!("{:<18} {:<7} {:<7} {:<9} {:<8} DESCRIPTION", "NAME", "GLIBC", "KERNEL", "GLIBCXX", "CXXABI");
    for p in &profiles {
        let (glibcxx, cxxabi) = match &p.libstdcxx {
            Some(l) => (l.glibcxx.to_string(), l.cxxabi.to_string()),
            None => ("-".into(), "-".into()),
        };
        println!(
            "{:<18} {:<7} {:<7} {:<9} {:<8} {}",
            p.name,
            p.glibc.to_string(),
            p.kernel.to_string(),
            glibcxx,
            cxxabi,
            p.description
        );
    }
    Ok(exit::OK)
}

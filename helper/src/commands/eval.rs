//! `compat eval`: Evaluate nixpkgs attributes through the nix CLI.

use anyhow::Result;

use crate::{
    exit,
    nix::{options::NixOptions, package},
};

/// Evaluate packages through Nix: name, version, drvPath, outputs and meta.
///
/// Examples:
///   compat eval nixpkgs#bash --json
///   compat eval .#compat.glibc231.bash
///   compat eval --nixpkgs ~/src/nixpkgs bash openssl --json
///   compat eval -f ./default.nix hello
///   compat eval -f ./default.nix -A hello --json
///   compat eval .#compat.glibc228.bash --override-input nixpkgs path:/src/nixpkgs
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct Args {
    /// Flake references (nixpkgs#bash), or attribute paths with -f / --nixpkgs.
    #[arg(value_name = "INSTALLABLE")]
    pub(crate) installables: Vec<String>,
    #[command(flatten)]
    pub(crate) nix: NixOptions,
    /// Print a JSON array, one object per installable.
    #[arg(long)]
    pub(crate) json: bool,
}

pub(crate) fn run(args: Args) -> Result<u8> {
    let tools = args.nix.tools()?;
    let mut infos = Vec::new();
    let mut failed = false;
    for text in &args.nix.names(&args.installables)? {
        match args.nix.installable(text).and_then(|i| package::evaluate(&tools, &i)) {
            Ok(info) => infos.push(info),
            Err(err) => {
                eprintln!("compat eval: {text}: {err:#}");
                failed = true;
            }
        }
    }
    if failed && infos.is_empty() {
        // Nothing evaluated: print nothing, as the other commands do on errors.
    } else if args.json {
        println!("{}", serde_json::to_string_pretty(&infos)?);
    } else {
        for info in &infos {
            println!("{}", info.name);
            println!("  version: {}", info.version.as_deref().unwrap_or("-"));
            println!("  drvPath: {}", info.drv_path);
            for (name, path) in &info.outputs {
                println!("  output {name}: {path}");
            }
            if let Some(d) = info.meta.get("description").and_then(|d| d.as_str()) {
                println!("  description: {d}");
            }
        }
    }
    Ok(if failed { exit::ERROR } else { exit::OK })
}

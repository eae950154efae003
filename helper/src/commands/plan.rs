//! `compat plan`: List a package's build closure and the fixups that apply to a target.

use anyhow::Result;
use serde::Serialize;

use super::target::TargetArgs;
use crate::{
    exit,
    fixups::{Rule, RuleSet},
    nix::{closure, options::NixOptions},
    profile::Profile,
};

/// List a package's build closure and the fixups that apply to a target.
///
/// Two Nix calls: one instantiates the package, one lists its build closure
/// (`nix-store -q --requisites`); names and versions come from the `.drv`
/// files. Each package+version is listed once, with the fixup rules
/// (profiles/fixups/rules.json) that fire for it on the target, and the
/// packages known to be broken there. Sources (fixed-output derivations) are
/// counted, not listed.
///
/// Exit status: 0, or 1 when the closure holds a package known to be broken on the target.
///
/// Examples:
///   compat plan nixpkgs#openssh --profile debian-10
///   compat plan .#compat.glibc228.openssh --profile rhel-8 --json
///   compat plan --nixpkgs ~/src/nixpkgs bash --glibc 2.28 --kernel 4.19
///   compat plan -f ./default.nix -A hello --profile debian-11
///   compat plan .#compat.glibc228.bash --override-input nixpkgs path:/src/nixpkgs --profile debian-10
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// A flake reference (nixpkgs#bash), or an attribute path with -f / --nixpkgs.
    #[arg(value_name = "INSTALLABLE")]
    pub installable: Option<String>,
    #[command(flatten)]
    pub nix: NixOptions,
    #[command(flatten)]
    pub target: TargetArgs,
    /// Rule file to use instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<std::path::PathBuf>,
    /// Print the plan as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The plan, as `--json` prints it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub installable: String,
    pub drv_path: String,
    pub target: Option<Target>,
    pub packages: Vec<PlannedPackage>,
    pub fixups: Vec<AppliedRule>,
    pub broken: Vec<AppliedRule>,
    /// Fixed-output derivations in the closure (sources and other downloads).
    pub sources: usize,
    /// Derivations whose .drv file could not be read (named from the store path).
    pub unreadable: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Target {
    pub name: String,
    pub glibc: String,
    pub kernel: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedPackage {
    pub name: String,
    pub version: String,
    /// How many derivations build this name+version (bootstrap stages rebuild some).
    pub derivations: usize,
    /// Ids of the rules that fire for it.
    pub rules: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppliedRule {
    pub rule: String,
    pub package: String,
    pub version: String,
    pub condition: String,
    pub actions: String,
    pub reason: String,
    pub reference: String,
    pub evidence: crate::fixups::Evidence,
}

pub fn run(args: Args) -> Result<u8> {
    let target = match (&args.target.profile, &args.target.glibc, &args.target.kernel) {
        (None, None, None) => None,
        _ => Some(args.target.resolve()?),
    };
    let rules = match &args.rules {
        Some(path) => RuleSet::from_path(path)?,
        None => RuleSet::builtin()?,
    };
    let tools = args.nix.tools()?;
    let names = args.nix.names(args.installable.as_slice())?;
    let [name] = names.as_slice() else {
        anyhow::bail!("plan takes one installable, got {}", names.join(", "));
    };
    let installable = args.nix.installable(name)?;
    let drv_path = closure::instantiate(&tools, &installable)?;
    let closure = closure::walk(&tools, &drv_path)?;
    let plan = make_plan(&installable.display(), &closure, target.as_ref(), &rules);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&plan)?);
    } else {
        print_table(&plan);
        if target.is_none() {
            eprintln!("compat plan: no target given; pass --profile NAME (or --glibc/--kernel) to see the fixups");
        }
    }
    Ok(if plan.broken.is_empty() { exit::OK } else { exit::FOUND })
}

/// Matches the closure's packages against the rules for `target`.
pub fn make_plan(installable: &str, closure: &closure::Closure, target: Option<&Profile>, rules: &RuleSet) -> Plan {
    let mut packages = Vec::new();
    let mut fixups = Vec::new();
    let mut broken = Vec::new();
    for pkg in &closure.packages {
        let firing: Vec<&Rule> = match target {
            Some(profile) => rules.matching(profile, &pkg.name, &pkg.version, pkg.cpu.as_deref()),
            None => Vec::new(),
        };
        for rule in &firing {
            let applied = AppliedRule {
                rule: rule.id.clone(),
                package: pkg.name.clone(),
                version: pkg.version.clone(),
                condition: rule.when.describe(),
                actions: rule.summary(),
                reason: rule.reason.clone(),
                reference: rule.reference.clone(),
                evidence: rule.evidence,
            };
            if rule.is_broken() {
                broken.push(applied);
            } else {
                fixups.push(applied);
            }
        }
        packages.push(PlannedPackage {
            name: pkg.name.clone(),
            version: pkg.version.clone(),
            derivations: pkg.drv_paths.len(),
            rules: firing.iter().map(|r| r.id.clone()).collect(),
        });
    }
    Plan {
        installable: installable.to_string(),
        drv_path: closure.drv_path.clone(),
        target: target.map(|p| Target {
            name: p.name.clone(),
            glibc: p.glibc.to_string(),
            kernel: p.kernel.to_string(),
        }),
        packages,
        fixups,
        broken,
        sources: closure.sources,
        unreadable: closure.unreadable.clone(),
    }
}

fn print_table(plan: &Plan) {
    match &plan.target {
        Some(t) => println!("{} for {} (glibc {}, Linux {})", plan.installable, t.name, t.glibc, t.kernel),
        None => println!("{}", plan.installable),
    }
    println!("{}", plan.drv_path);
    println!("{} packages, {} sources in the build closure\n", plan.packages.len(), plan.sources);
    let name_width = plan.packages.iter().map(|p| p.name.len()).max().unwrap_or(7).max(7);
    let version_width = plan.packages.iter().map(|p| p.version.len()).max().unwrap_or(7).max(7);
    println!("{:name_width$}  {:version_width$}  FIXUPS", "PACKAGE", "VERSION");
    for p in &plan.packages {
        let version = if p.version.is_empty() { "-" } else { &p.version };
        let line = format!("{:name_width$}  {:version_width$}  {}", p.name, version, p.rules.join(", "));
        println!("{}", line.trim_end());
    }
    for (title, list) in [("Fixups that apply", &plan.fixups), ("Known broken on this target", &plan.broken)] {
        if list.is_empty() {
            continue;
        }
        println!("\n{title} ({}):", list.len());
        for r in list {
            println!("  {} -- {} {} [{}]", r.rule, r.package, r.version, r.condition);
            println!("    {}", r.actions);
            println!("    why: {}", r.reason);
            println!("    ref: {}", r.reference);
        }
    }
    if plan.target.is_some() && plan.fixups.is_empty() && plan.broken.is_empty() {
        println!("\nNo fixup rule fires for this closure on this target.");
    }
    if !plan.unreadable.is_empty() {
        println!("\n{} derivations could not be read; named from their store paths.", plan.unreadable.len());
    }
}

//! `compat plan`: List a package's build closure, what of it must be built or
//! can be fetched from a cache, and the fixups that apply to a target.

use anyhow::{anyhow, Context, Result};

use super::target::TargetArgs;
use crate::{
    exit,
    fixups::{
        plan::{self, Plan, PlannedPackage},
        RuleSet,
    },
    nix::{
        availability::{self, Availability},
        cache::Cache,
        closure, config,
        options::NixOptions,
        store,
    },
};

/// List a package's build closure, what of it must be built or can be
/// fetched from a binary cache, and the fixups that apply to a target.
///
/// Nix instantiates the package and lists its build closure (`nix-store -q
/// --requisites`); names and versions come from the `.drv` files. Each
/// package+version is listed once, with the fixup rules
/// (profiles/fixups/rules.json) that fire for it on the target, and the
/// packages known to be broken there. Sources (fixed-output derivations) are
/// counted, not listed.
///
/// Built or fetched: for each derivation, whether its outputs are already
/// valid in the store, in a binary cache (fetch), must be built, or are not
/// needed at all (what uses them is valid or fetched) -- decided as
/// `nix-store --realise --dry-run` decides, so the totals are its "will be
/// built" (derivations) and "will be fetched" (store paths). The caches are
/// the `substituters` of your Nix configuration (`nix config show`), or
/// those given with --cache, in order. A file:// cache is read directly (its
/// <hash>.narinfo files); any other URL through `nix path-info --store URL`.
/// Only presence counts: Nix checks signatures when it fetches. A cache that
/// cannot be read is named, its paths count as missing, and the exit status
/// is 2.
///
/// Exit status: 0; 1 when the closure holds a package known to be broken on
/// the target; 2 when a cache could not be read (the plan is still printed).
///
/// Examples:
///   compat plan nixpkgs#openssh --profile debian-10
///   compat plan .#compat.glibc228.openssh --profile rhel-8 --json
///   compat plan --nixpkgs ~/src/nixpkgs bash --glibc 2.28 --kernel 4.19
///   compat plan -f ./default.nix -A hello --profile debian-11
///   compat plan .#compat.glibc228.bash --override-input nixpkgs path:/src/nixpkgs --profile debian-10
///   compat plan .#compat.glibc231.bash --cache https://cache.example.org --cache file:///srv/cache
///   compat plan -f ./default.nix -A hello --store /tmp/fresh-store --cache file:///srv/cache
///   compat plan nixpkgs#bash --profile debian-11 --no-cache
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct Args {
    /// A flake reference (nixpkgs#bash), or an attribute path with -f / --nixpkgs.
    #[arg(value_name = "INSTALLABLE")]
    pub(crate) installable: Option<String>,
    #[command(flatten)]
    pub(crate) nix: NixOptions,
    #[command(flatten)]
    pub(crate) target: TargetArgs,
    /// Rule file to use instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    pub(crate) rules: Option<std::path::PathBuf>,
    /// A binary cache to look in for the closure's outputs; repeat for more,
    /// asked in order: file:///srv/cache, https://cache.example.org,
    /// s3://bucket, or any Nix store URL. Default: your Nix configuration's
    /// substituters.
    #[arg(long = "cache", value_name = "URL")]
    pub(crate) caches: Vec<String>,
    /// Leave out what must be built or fetched: ask no store and no cache.
    #[arg(long, conflicts_with = "caches")]
    pub(crate) no_cache: bool,
    /// The Nix store to plan against, as Nix's --store: a directory (a store
    /// kept under that root), local?root=DIR, daemon. It must be on this
    /// machine: compat reads the .drv files. Default: your Nix configuration's.
    #[arg(long, value_name = "URL")]
    pub(crate) store: Option<String>,
    /// Print the plan as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

pub(crate) fn run(args: Args) -> Result<u8> {
    let target = match (&args.target.profile, &args.target.glibc, &args.target.kernel) {
        (None, None, None) => None,
        _ => Some(args.target.resolve()?),
    };
    let rules = match &args.rules {
        Some(path) => RuleSet::from_path(path)?,
        None => RuleSet::builtin()?,
    };
    let mut tools = args.nix.tools()?;
    tools.store = args.store.clone();
    let names = args.nix.names(args.installable.as_slice())?;
    let [name] = names.as_slice() else {
        anyhow::bail!("plan takes one installable, got {}", names.join(", "));
    };
    let installable = args.nix.installable(name)?;
    let caches: Vec<Cache> =
        args.caches.iter().map(|url| Cache::parse(url).with_context(|| "--cache")).collect::<Result<_>>()?;
    // Nix's configuration: the default caches, and the store when not given.
    let config = if args.no_cache {
        None
    } else {
        match config::read(&tools, &tools.store_args()) {
            Ok(config) => Some(config),
            // The caches and the store are given: the configuration is not needed.
            Err(_) if !args.caches.is_empty() => Some(config::NixConfig::default()),
            Err(e) => {
                return Err(e.context("the default caches are the substituters of Nix's configuration; name caches with --cache URL, or leave them out with --no-cache"))
            }
        }
    };
    let store_url = match (&args.store, &config) {
        (Some(s), _) => s.clone(),
        (None, Some(c)) if !c.store.is_empty() => c.store.clone(),
        (None, _) => "auto".to_string(),
    };
    let root = store::root_of(&store_url).ok_or_else(|| {
        anyhow!("store '{store_url}' is not on this machine; compat reads .drv files, so plan against a local store (a directory, local?root=DIR, daemon)")
    })?;
    let drv_path = closure::instantiate(&tools, &installable)?;
    let closure = closure::walk(&tools, &drv_path, &root)?;
    let mut plan = plan::make(&installable.display(), &closure, target.as_ref(), &rules);
    if let Some(config) = config {
        let caches = if args.caches.is_empty() {
            config.substituters.iter().map(|url| Cache::parse(url)).collect::<Result<Vec<_>>>()?
        } else {
            caches
        };
        plan.availability = Some(availability::assess(&tools, &closure, &caches)?);
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&plan)?);
    } else {
        print_table(&plan);
        if target.is_none() {
            eprintln!("compat plan: no target given; pass --profile NAME (or --glibc/--kernel) to see the fixups");
        }
    }
    let cache_errors: Vec<_> =
        plan.availability.iter().flat_map(|a| &a.caches).filter_map(|c| Some((&c.url, c.error.as_ref()?))).collect();
    for (url, error) in &cache_errors {
        eprintln!("compat plan: cache {url}: {error}");
    }
    Ok(if !cache_errors.is_empty() {
        exit::ERROR
    } else if plan.broken.is_empty() {
        exit::OK
    } else {
        exit::FOUND
    })
}

fn print_availability(a: &Availability) {
    let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
    println!();
    if a.caches.is_empty() {
        println!("Caches: none (your Nix configuration has no substituters; name one with --cache URL)");
    } else {
        println!("Caches:");
        for c in &a.caches {
            match &c.error {
                Some(e) => println!("  {}  NOT READ: {e}", c.url),
                None => println!("  {}  ({} paths to fetch from it)", c.url, c.fetch),
            }
        }
    }
    println!(
        "To build: {} derivations. To fetch: {} store paths ({:.2} MiB download, {:.2} MiB unpacked).",
        a.build,
        a.fetch,
        mib(a.download_size),
        mib(a.nar_size)
    );
    let c = &a.derivations;
    println!(
        "Derivations: {} build, {} fetch, {} already valid in the store, {} not needed (what uses them is valid or fetched).",
        c.build, c.fetch, c.valid, c.unneeded
    );
    if !a.unknown.is_empty() {
        println!("Neither valid, nor in a cache, nor buildable ({}):", a.unknown.len());
        for p in &a.unknown {
            println!("  {p}");
        }
    }
}

fn print_table(plan: &Plan) {
    match &plan.target {
        Some(t) => println!("{} for {} (glibc {}, Linux {})", plan.installable, t.name, t.glibc, t.kernel),
        None => println!("{}", plan.installable),
    }
    println!("{}", plan.drv_path);
    println!("{} packages, {} sources in the build closure\n", plan.packages.len(), plan.sources);
    let statuses = plan.availability.as_ref().map(plan::package_statuses);
    let name_width = plan.packages.iter().map(|p| p.name.len()).max().unwrap_or(7).max(7);
    let version_width = plan.packages.iter().map(|p| p.version.len()).max().unwrap_or(7).max(7);
    let needs = |p: &PlannedPackage| -> String {
        let words = statuses.as_ref().and_then(|s| s.get(&(p.name.clone(), p.version.clone())));
        words.map(|w| w.iter().map(|s| s.word()).collect::<Vec<_>>().join(",")).unwrap_or_default()
    };
    let needs_width = plan.packages.iter().map(|p| needs(p).len()).max().unwrap_or(0).max(5);
    if statuses.is_some() {
        println!("{:name_width$}  {:version_width$}  {:needs_width$}  FIXUPS", "PACKAGE", "VERSION", "NEEDS");
    } else {
        println!("{:name_width$}  {:version_width$}  FIXUPS", "PACKAGE", "VERSION");
    }
    for p in &plan.packages {
        let version = if p.version.is_empty() { "-" } else { &p.version };
        let line = if statuses.is_some() {
            format!(
                "{:name_width$}  {:version_width$}  {:needs_width$}  {}",
                p.name,
                version,
                needs(p),
                p.rules.join(", ")
            )
        } else {
            format!("{:name_width$}  {:version_width$}  {}", p.name, version, p.rules.join(", "))
        };
        println!("{}", line.trim_end());
    }
    if let Some(a) = &plan.availability {
        print_availability(a);
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

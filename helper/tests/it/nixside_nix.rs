//! compat eval and compat plan against Nix itself: small expressions written
//! here (derivations with builder /bin/sh are instantiated, never built),
//! a flake, and -- with COMPAT_NIXPKGS -- a real nixpkgs tree.

use crate::common;

use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
    time::Instant,
};

use serde_json::Value;

const NIX_CONFIG: &str = "sandbox = false\nsubstituters =";

/// The test package set: an app whose closure holds gnutls 3.8.6 twice (two
/// derivations, one name+version), audit 3.1.2, a wrapper without pname and
/// a fixed-output source.
const PACKAGES: &str = r#"{ system ? builtins.currentSystem }:
let
  mk = name: attrs: derivation ({
    inherit name system;
    builder = "/bin/sh";
    args = [ "-c" "echo > $out" ];
  } // attrs);
  src = derivation {
    name = "gnutls-3.8.6.tar.xz";
    inherit system;
    builder = "/bin/sh";
    outputHashMode = "flat";
    outputHashAlgo = "sha256";
    outputHash = "0000000000000000000000000000000000000000000000000000";
  };
  gnutls = mk "gnutls-3.8.6" { pname = "gnutls"; version = "3.8.6"; inherit src; };
  gnutlsStage2 = mk "gnutls-3.8.6" { pname = "gnutls"; version = "3.8.6"; stage = "2"; };
  audit = mk "audit-3.1.2" { pname = "audit"; version = "3.1.2"; };
  wrapper = mk "cc-wrapper-" { };
  # Structured attributes: pname and version live in the .drv's __json.
  structured = mk "st-structured" { __structuredAttrs = true; pname = "st"; version = "3.0"; };
  # Its attribute is the "bin" output: nix-instantiate prints ...drv!bin.
  tool = mk "tool-2.0" { pname = "tool"; version = "2.0"; outputs = [ "bin" "out" ]; args = [ "-c" "echo > $bin; echo > $out" ]; };
in
{
  app = mk "app-1.0" { pname = "app"; version = "1.0"; deps = [ gnutls gnutlsStage2 audit wrapper structured ]; } // {
    meta = { description = "test app"; license = { spdxId = "MIT"; }; mainProgram = "app"; };
  };
  inherit tool;
  broken = throw "this package does not evaluate";
}
"#;

fn nix_ready() -> bool {
    common::nix_tool("nix-instantiate").is_some()
}

fn compat(args: &[&str]) -> Output {
    Command::new(common::compat_bin()).args(args).env("NIX_CONFIG", NIX_CONFIG).output().expect("run compat")
}

fn package_set() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("default.nix");
    std::fs::write(&file, PACKAGES).unwrap();
    (dir, file)
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "compat failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

fn package<'a>(plan: &'a Value, name: &str) -> Vec<&'a Value> {
    plan["packages"].as_array().unwrap().iter().filter(|p| p["name"] == name).collect()
}

#[test]
fn plan_names_each_package_once_and_the_rules_that_fire() {
    if !nix_ready() {
        return;
    }
    let (_dir, file) = package_set();
    let file = file.to_str().unwrap();
    let plan = json(&compat(&["plan", "-f", file, "app", "--profile", "debian-10", "--json"]));
    let gnutls = package(&plan, "gnutls");
    assert_eq!(gnutls.len(), 1, "{plan}");
    assert_eq!(gnutls[0]["version"], "3.8.6");
    assert_eq!(gnutls[0]["derivations"], 2);
    assert_eq!(gnutls[0]["rules"], serde_json::json!(["gnutls-no-ktls"]));
    assert_eq!(package(&plan, "audit")[0]["rules"], serde_json::json!(["audit-2.8.5"]));
    assert_eq!(package(&plan, "app")[0]["version"], "1.0");
    assert_eq!(package(&plan, "cc-wrapper-")[0]["version"], "");
    assert_eq!(package(&plan, "st")[0]["version"], "3.0", "read from __json");
    assert_eq!(plan["sources"], 1, "the fixed-output source is counted, not listed");
    assert!(package(&plan, "gnutls-3.8.6.tar.xz").is_empty());
    let fixups: Vec<&str> = plan["fixups"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert_eq!(fixups, ["audit-2.8.5", "gnutls-no-ktls"]);
    assert_eq!(plan["target"]["name"], "debian-10");
    assert!(Path::new(plan["drvPath"].as_str().unwrap()).exists());

    // On Debian 12 nothing fires; on Debian 11 only the kernel rule.
    let plan = json(&compat(&["plan", "-f", file, "app", "--profile", "debian-12", "--json"]));
    assert_eq!(plan["fixups"], serde_json::json!([]));
    let plan = json(&compat(&["plan", "-f", file, "app", "--glibc", "2.31", "--kernel", "5.10", "--json"]));
    let fixups: Vec<&str> = plan["fixups"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert_eq!(fixups, ["gnutls-no-ktls"]);
}

#[test]
fn plan_table_and_known_broken() {
    if !nix_ready() {
        return;
    }
    let (dir, file) = package_set();
    let file = file.to_str().unwrap();
    let out = compat(&["plan", "-f", file, "app", "--profile", "rhel-8"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("app (from"), "{text}");
    assert!(text.lines().any(|l| l.starts_with("gnutls ") && l.ends_with("gnutls-no-ktls")), "{text}");
    assert!(text.contains("Fixups that apply (2):"), "{text}");

    let rules = dir.path().join("rules.json");
    std::fs::write(
        &rules,
        r#"{"rules": [{"id": "audit-needs-new-kernel", "package": "audit", "when": {"kernelBelow": "5.0"},
          "actions": [{"type": "broken"}], "reason": "test", "reference": "test", "evidence": "checked"}]}"#,
    )
    .unwrap();
    let out = compat(&["plan", "-f", file, "app", "--profile", "rhel-8", "--rules", rules.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(1), "a known-broken package makes the plan exit 1");
    let plan = json(&out);
    assert_eq!(plan["broken"][0]["rule"], "audit-needs-new-kernel");
    assert_eq!(plan["broken"][0]["version"], "3.1.2");
}

#[test]
fn eval_reports_name_version_outputs_and_meta() {
    if !nix_ready() {
        return;
    }
    let (_dir, file) = package_set();
    let out = compat(&["eval", "-f", file.to_str().unwrap(), "app", "--json"]);
    let v = json(&out);
    let app = &v[0];
    assert_eq!(app["name"], "app-1.0");
    assert_eq!(app["pname"], "app");
    assert_eq!(app["version"], "1.0");
    assert!(app["drvPath"].as_str().unwrap().ends_with("-app-1.0.drv"));
    assert!(app["outputs"]["out"].as_str().unwrap().ends_with("-app-1.0"));
    assert_eq!(app["meta"]["description"], "test app");
    assert_eq!(app["meta"]["license"], "MIT");
    assert_eq!(app["meta"]["mainProgram"], "app");
}

#[test]
fn evaluation_errors_show_nixs_message_and_the_rest_goes_on() {
    if !nix_ready() {
        return;
    }
    let (_dir, file) = package_set();
    let file = file.to_str().unwrap();
    let out = compat(&["eval", "-f", file, "nosuch", "broken", "app", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("attribute 'nosuch' missing"), "{stderr}");
    assert!(stderr.contains("this package does not evaluate"), "{stderr}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().map(Vec::len), Some(1), "app is still evaluated");

    let out = compat(&["plan", "-f", file, "broken", "--profile", "debian-10"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("this package does not evaluate"));

    let out = compat(&["plan", "bash", "--profile", "debian-10"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nixpkgs#bash"));

    let out = compat(&["eval", "--nix", "/nonexistent/bin/nix", "-f", file, "app"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/bin/nix"));
}

#[test]
fn flake_references_work_for_eval_and_plan() {
    if !nix_ready() {
        return;
    }
    let (dir, _file) = package_set();
    std::fs::write(
        dir.path().join("flake.nix"),
        r#"{
  outputs = { self }: {
    packages.x86_64-linux.app = (import ./default.nix { system = "x86_64-linux"; }).app;
  };
}
"#,
    )
    .unwrap();
    let reference = format!("path:{}#packages.x86_64-linux.app", dir.path().display());
    let v = json(&compat(&["eval", &reference, "--json"]));
    assert_eq!(v[0]["name"], "app-1.0");
    let plan = json(&compat(&["plan", &reference, "--profile", "debian-10", "--json"]));
    assert_eq!(package(&plan, "gnutls")[0]["rules"], serde_json::json!(["gnutls-no-ktls"]));
    // The nix binary can be named explicitly.
    let nix = which::which("nix").unwrap();
    let v = json(&compat(&["eval", "--nix", nix.to_str().unwrap(), &reference, "--json"]));
    assert_eq!(v[0]["version"], "1.0");
}

/// `-A ATTR` as with nix-instantiate, and an attribute that is a non-default output.
#[test]
fn attr_option_and_non_default_outputs() {
    if !nix_ready() {
        return;
    }
    let (_dir, file) = package_set();
    let file = file.to_str().unwrap();
    let v = json(&compat(&["eval", "-f", file, "-A", "app", "-A", "tool", "--json"]));
    assert_eq!(v[0]["name"], "app-1.0");
    assert_eq!(v[1]["name"], "tool-2.0");
    assert_eq!(v[1]["outputs"].as_object().map(|o| o.len()), Some(2));
    let plan = json(&compat(&["plan", "-f", file, "-A", "tool", "--profile", "debian-11", "--json"]));
    assert!(plan["drvPath"].as_str().unwrap().ends_with("-tool-2.0.drv"), "{plan}");
    assert_eq!(package(&plan, "tool")[0]["version"], "2.0");
    let out = compat(&["plan", "-f", file, "--profile", "debian-11"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("-f FILE -A ATTR"));
}

/// The real thing: bash's build closure in a nixpkgs tree (bootstrap stages
/// included). Prints the time taken; the speed target lives in bench/plan.sh.
#[test]
fn plan_of_bash_in_a_real_nixpkgs_tree() {
    let Some(tree) = common::nixpkgs_tree("plan of bash not tested") else { return };
    if !nix_ready() {
        return;
    }
    let tree = tree.to_string_lossy().into_owned();
    let started = Instant::now();
    let plan = json(&compat(&["plan", "--nixpkgs", &tree, "bash", "--profile", "debian-10", "--json"]));
    eprintln!("plan of bash took {:.2} s", started.elapsed().as_secs_f64());
    let bash = package(&plan, "bash");
    assert_eq!(bash.len(), 1, "bash listed once: {bash:?}");
    assert!(bash[0]["version"].as_str().unwrap().starts_with('5'), "{bash:?}");
    for name in ["glibc", "gcc", "binutils", "linux-headers", "perl"] {
        assert!(!package(&plan, name).is_empty(), "{name} missing from bash's build closure");
    }
    assert!(plan["sources"].as_u64().unwrap() > 10);
    assert_eq!(plan["unreadable"], serde_json::json!([]));
    // Each name+version at most once.
    let mut seen = std::collections::BTreeSet::new();
    for p in plan["packages"].as_array().unwrap() {
        assert!(seen.insert((p["name"].to_string(), p["version"].to_string())), "{p} listed twice");
    }
}

/// Through the flake library's compat package set for Debian 10 (which
/// applies its fixup overlay from overlays/fixups): the closure of linux-pam holds
/// the target's glibc and headers, audit pinned at 2.8.5 (so the pin rule
/// no longer matches it), and the linux-pam fixup.
#[test]
fn plan_through_the_compat_package_set() {
    let Some(tree) = common::nixpkgs_tree("compat set not planned") else { return };
    if !nix_ready() {
        return;
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("default.nix"),
        format!(
            "(import {}/lib {{ nixpkgs = {}; }}).mkCompatPkgs {{ system = builtins.currentSystem; profile = \"debian-10\"; strategy = \"leaf\"; }}\n",
            repo.display(),
            Path::new(&tree).display()
        ),
    )
    .unwrap();
    let set = dir.path().to_str().unwrap();
    let plan = json(&compat(&["plan", "-f", set, "linux-pam", "--profile", "debian-10", "--json"]));
    let versions = |name: &str| -> Vec<String> {
        package(&plan, name).iter().map(|p| p["version"].as_str().unwrap().to_string()).collect()
    };
    assert!(versions("glibc").contains(&"2.28".to_string()), "{:?}", versions("glibc"));
    assert!(versions("linux-headers").contains(&"4.19".to_string()), "{:?}", versions("linux-headers"));
    assert_eq!(versions("audit"), ["2.8.5"]);
    assert!(package(&plan, "audit")[0]["rules"].as_array().unwrap().is_empty());
    let fixups: Vec<&str> = plan["fixups"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert_eq!(fixups, ["linux-pam-stdio"]);
    let getent = json(&compat(&["eval", "-f", set, "getent", "--json"]));
    assert_eq!(getent[0]["name"], "glibc-2.28", "getent comes from the target's glibc");
}

/// The issue's own example: `compat plan .#compat.glibc228.bash`, with this
/// repository's flake and its nixpkgs input pointed at COMPAT_NIXPKGS.
#[test]
fn plan_of_this_flakes_compat_set() {
    let Some(tree) = common::nixpkgs_tree("flake plan not tested") else { return };
    if !nix_ready() {
        return;
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().unwrap();
    let reference = format!("{}#compat.glibc228.bash", repo.display());
    let input = format!("path:{}", Path::new(&tree).display());
    let plan =
        json(&compat(&["plan", &reference, "--override-input", "nixpkgs", &input, "--profile", "debian-10", "--json"]));
    let glibc: Vec<&str> = package(&plan, "glibc").iter().map(|p| p["version"].as_str().unwrap()).collect();
    assert_eq!(glibc, ["2.28"], "every stage after stage0 on the target glibc");
    let headers: Vec<&str> = package(&plan, "linux-headers").iter().map(|p| p["version"].as_str().unwrap()).collect();
    assert_eq!(headers, ["4.19"]);
    assert_eq!(package(&plan, "bash").len(), 1);
}

/// The Nix on this machine is found on PATH and its version read; without
/// Nix on PATH the error says what to do.
#[test]
fn nix_is_located_and_its_version_detected() {
    if !nix_ready() {
        return;
    }
    let tools = compat::nix::NixTools::locate(None).unwrap();
    let version = tools.version().unwrap().clone();
    assert!(version >= compat::version::Version::parse("2.4").unwrap(), "{version}");
    assert!(tools.nix_store.ends_with("nix-store"));

    let (_dir, file) = package_set();
    let out = Command::new(common::compat_bin())
        .args(["eval", "-f", file.to_str().unwrap(), "app"])
        .env("PATH", "")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Nix not found") && stderr.contains("--nix PATH"), "{stderr}");
}

//! compat port on small expressions written for these tests: each rule,
//! layout and comments kept, idempotence, output that parses, the CLI.

use crate::common;

use compat::port::{port, syntax::parse_errors, RULES};

fn all(text: &str) -> compat::port::Ported {
    let rules: Vec<_> = RULES.iter().collect();
    let ported = port(text, &rules, "test.nix").expect("ports");
    assert!(parse_errors(&ported.text).is_empty(), "output does not parse:\n{}", ported.text);
    let again = port(&ported.text, &rules, "test.nix").expect("ports again");
    assert_eq!(again.text, ported.text, "not idempotent");
    assert!(again.applied.is_empty(), "second run applied {:?}", again.applied);
    ported
}

const OLD_HELLO: &str = r#"# An old expression.
{ stdenv, fetchurl, pkgconfig, openssl
, zlib # compression
}:

stdenv.mkDerivation rec {
  name = "hello-${version}";
  version = "2.10";

  src = fetchurl {
    url = "mirror://gnu/hello/${name}.tar.gz";
    sha256 = "0ssi1wpaf7plaswqqjwigppsg5fyh99vdlb9kzl7c9lng89ndq1i";
  };

  /* keep this comment */
  buildInputs = [ pkgconfig openssl zlib ];

  doCheck = !stdenv.isDarwin;

  meta = with stdenv.lib; {
    description = "A program that produces a familiar, friendly greeting";
    license = licenses.gpl2; # GPL-2.0 means 2.0 only
    platforms = stdenv.lib.platforms.unix;
  };
}
"#;

const NEW_HELLO: &str = r#"# An old expression.
{ lib, stdenv, fetchurl, pkg-config, openssl
, zlib # compression
}:

stdenv.mkDerivation rec {
  pname = "hello";
  version = "2.10";

  src = fetchurl {
    url = "mirror://gnu/hello/${pname}-${version}.tar.gz";
    sha256 = "0ssi1wpaf7plaswqqjwigppsg5fyh99vdlb9kzl7c9lng89ndq1i";
  };

  /* keep this comment */
  nativeBuildInputs = [ pkg-config ];
  buildInputs = [ openssl zlib ];

  doCheck = !stdenv.hostPlatform.isDarwin;

  meta = with lib; {
    description = "A program that produces a familiar, friendly greeting";
    license = licenses.gpl2Only; # GPL-2.0 means 2.0 only
    platforms = lib.platforms.unix;
  };
}
"#;

#[test]
fn ports_a_whole_old_expression_keeping_everything_else() {
    let ported = all(OLD_HELLO);
    assert_eq!(ported.text, NEW_HELLO);
    assert_eq!(
        ported.applied,
        ["stdenv-lib", "name-to-pname", "pkgconfig", "pkg-config-native", "licenses", "stdenv-platform"]
    );
}

#[test]
fn lib_is_added_in_each_argument_style() {
    let cases = [
        ("{ stdenv }:\nstdenv.lib.id", "{ lib, stdenv }:\nlib.id"),
        ("{ stdenv\n, fetchurl\n}:\nstdenv.lib.id", "{ lib\n, stdenv\n, fetchurl\n}:\nlib.id"),
        ("{\n  stdenv,\n  fetchurl,\n}:\nstdenv.lib.id", "{\n  lib,\n  stdenv,\n  fetchurl,\n}:\nlib.id"),
        ("{\n  stdenv,\n}:\nstdenv.lib.id", "{\n  lib,\n  stdenv,\n}:\nlib.id"),
        ("{ ... }@args:\nargs.stdenv.lib", "{ ... }@args:\nargs.stdenv.lib"),
        ("{ stdenv, ... }:\nwith stdenv.lib; [ id ]", "{ lib, stdenv, ... }:\nwith lib; [ id ]"),
        ("{ lib, stdenv }:\nstdenv.lib.id", "{ lib, stdenv }:\nlib.id"),
        (
            "{ stdenv }:\nlet inherit (stdenv.lib) optional; in optional",
            "{ lib, stdenv }:\nlet inherit (lib) optional; in optional",
        ),
    ];
    for (old, new) in cases {
        assert_eq!(all(old).text, new, "from {old:?}");
    }
    let not_a_function = all("let stdenv = import ./stdenv.nix; in stdenv.lib.id");
    assert_eq!(not_a_function.text, "let stdenv = import ./stdenv.nix; in lib.id");
    assert!(not_a_function.notes.iter().any(|n| n.contains("`lib` was not added")), "{:?}", not_a_function.notes);
}

#[test]
fn name_becomes_pname_only_where_version_is_beside_it() {
    // version from a let: nothing to do.
    let from_let = "let version = \"1\"; in mkDerivation { name = \"x-${version}\"; }";
    assert_eq!(all(from_let).text, from_let);
    // Not rec, version inherited from outside: the same version, no references to fix.
    assert_eq!(
        all("let version = \"1\"; in stdenv.mkDerivation { name = \"x-${version}\"; inherit version; }").text,
        "let version = \"1\"; in stdenv.mkDerivation { pname = \"x\"; inherit version; }"
    );
    assert_eq!(
        all("stdenv.mkDerivation (finalAttrs: rec { name = \"x-${version}\"; version = \"1\"; })").text,
        "stdenv.mkDerivation (finalAttrs: rec { pname = \"x\"; version = \"1\"; })"
    );
    // Only the builder's own set: a fetcher's name stays.
    let fetcher = "stdenv.mkDerivation rec {\n  name = \"x-1.0\";\n  src = fetchurl { name = \"x-1.0.tar.gz\"; url = \"u\"; };\n}";
    let want = "stdenv.mkDerivation rec {\n  pname = \"x\";\n  version = \"1.0\";\n  src = fetchurl { name = \"x-1.0.tar.gz\"; url = \"u\"; };\n}";
    assert_eq!(all(fetcher).text, want);
    assert_eq!(
        all("buildPythonPackage rec { name = \"py-2.1\"; src = \"${name}.tgz\"; }").text,
        "buildPythonPackage rec { pname = \"py\"; version = \"2.1\"; src = \"${pname}-${version}.tgz\"; }"
    );
    let plain = "{ name = \"x-${version}\"; version = \"1\"; }";
    assert_eq!(all(plain).text, plain);
    // `name` used bare in a rec set: left alone, and said so.
    let bare = "mkDerivation rec { name = \"x-${version}\"; version = \"1\"; n = name; }";
    let ported = all(bare);
    assert_eq!(ported.text, bare);
    assert!(ported.skipped.iter().any(|n| n.contains("line 1: name-to-pname: left `name")), "{:?}", ported.skipped);
    // A redundant name is dropped with its line.
    let redundant =
        "mkDerivation rec {\n  pname = \"x\";\n  version = \"1\";\n  name = \"${pname}-${version}\";\n  src = ./.;\n}";
    assert_eq!(all(redundant).text, "mkDerivation rec {\n  pname = \"x\";\n  version = \"1\";\n  src = ./.;\n}");
    // Other shapes stay.
    for keep in [
        "mkDerivation { name = \"x-${version}-bin\"; version = \"1\"; }",
        "mkDerivation { name = \"x\"; version = \"1\"; }",
        "mkDerivation { name = \"x-unstable\"; }",
    ] {
        assert_eq!(all(keep).text, keep);
    }
}

#[test]
fn pkgconfig_is_renamed_as_a_variable_only() {
    let text = "{ pkgconfig, python3Packages }:\n{ a = [ pkgconfig ]; b = python3Packages.pkgconfig; c = { pkgconfig = 1; }; }";
    let want = "{ pkg-config, python3Packages }:\n{ a = [ pkg-config ]; b = python3Packages.pkgconfig; c = { pkgconfig = 1; }; }";
    assert_eq!(all(text).text, want);
    // Both names in the arguments: the old one goes.
    assert_eq!(all("{ pkg-config, pkgconfig, zlib }:\n[ pkgconfig ]").text, "{ pkg-config, zlib }:\n[ pkg-config ]");
    assert_eq!(all("{ zlib, pkgconfig }:\n[ pkgconfig ]").text, "{ zlib, pkg-config }:\n[ pkg-config ]");
    // `inherit pkgconfig` would change an attribute's name: left alone.
    let inherit = "{ pkgconfig }:\n{ inherit pkgconfig; }";
    assert_eq!(all(inherit).text, inherit);
}

#[test]
fn pkg_config_moves_to_native_build_inputs() {
    let multi = "{\n  nativeBuildInputs = [\n    cmake\n  ];\n  buildInputs = [\n    zlib\n    pkg-config\n  ];\n}";
    let want = "{\n  nativeBuildInputs = [\n    cmake\n    pkg-config\n  ];\n  buildInputs = [\n    zlib\n  ];\n}";
    assert_eq!(all(multi).text, want);
    assert_eq!(
        all("{ nativeBuildInputs = [ ]; buildInputs = [ pkg-config ]; }").text,
        "{ nativeBuildInputs = [ pkg-config ]; buildInputs = [ ]; }"
    );
    // Already native: only removed from buildInputs.
    assert_eq!(
        all("{ nativeBuildInputs = [ pkg-config ]; buildInputs = [ pkg-config zlib ]; }").text,
        "{ nativeBuildInputs = [ pkg-config ]; buildInputs = [ zlib ]; }"
    );
    // nativeBuildInputs not a plain list: left alone.
    let complex = "{ nativeBuildInputs = [ a ] ++ b; buildInputs = [ pkg-config ]; }";
    assert_eq!(all(complex).text, complex);
}

#[test]
fn stdenv_platform_shorthands() {
    assert_eq!(
        all("{ a = stdenv.isLinux; b = stdenv.hostPlatform.isLinux; c = stdenv.cc; d = lib.optional stdenv.isx86_64 1; }").text,
        "{ a = stdenv.hostPlatform.isLinux; b = stdenv.hostPlatform.isLinux; c = stdenv.cc; d = lib.optional stdenv.hostPlatform.isx86_64 1; }"
    );
}

#[test]
fn invalid_input_is_refused() {
    let rules: Vec<_> = RULES.iter().collect();
    let err = port("{ a = ; }", &rules, "broken.nix").unwrap_err().to_string();
    assert!(err.contains("broken.nix") && err.contains("not valid Nix"), "{err}");
}

#[test]
fn cli_prints_checks_and_rewrites_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.nix");
    std::fs::write(&old, OLD_HELLO).unwrap();
    let path = old.to_str().unwrap();

    let out = common::compat(&["port", path]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), NEW_HELLO);
    assert_eq!(std::fs::read_to_string(&old).unwrap(), OLD_HELLO, "stdout mode must not write");

    let out = common::compat(&["port", "--check", path]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("needs porting (stdenv-lib, name-to-pname"));

    let out = common::compat(&["port", "--rules", "stdenv-platform", path]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("stdenv.hostPlatform.isDarwin") && text.contains("stdenv.lib"), "{text}");

    let out = common::compat(&["port", "--in-place", path]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&old).unwrap(), NEW_HELLO);
    assert_eq!(common::compat(&["port", "--check", path]).status.code(), Some(0));

    let broken = dir.path().join("broken.nix");
    std::fs::write(&broken, "{ a = ; }").unwrap();
    let out = common::compat(&["port", "--check", broken.to_str().unwrap(), path]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken.nix"));

    let out = common::compat(&["port", "--rules", "nope", path]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown port rule 'nope'"));

    let out = common::compat(&["port", "--list-rules"]);
    let list = String::from_utf8(out.stdout).unwrap();
    for rule in RULES {
        assert!(list.contains(rule.id), "{} missing from --list-rules", rule.id);
    }
}

/// Nix's own parser agrees that the ported expression is valid.
#[test]
fn nix_parses_the_ported_expression() {
    let Some(nix_instantiate) = common::nix_tool("nix-instantiate") else { return };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("new.nix");
    std::fs::write(&file, all(OLD_HELLO).text).unwrap();
    let out = std::process::Command::new(nix_instantiate).arg("--parse").arg(&file).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn deprecated_license_aliases() {
    let text = "{ lib }:\n{\n  a = lib.licenses.gpl2;\n  b = with lib.licenses; [ lgpl21 mit gpl3Plus ];\n  c = with lib; licenses.apsl20;\n  d = gpl2;\n  e = lib.licenses.gpl2Plus;\n}";
    let want = "{ lib }:\n{\n  a = lib.licenses.gpl2Only;\n  b = with lib.licenses; [ lgpl21Only mit gpl3Plus ];\n  c = with lib; licenses.apple-psl20;\n  d = gpl2;\n  e = lib.licenses.gpl2Plus;\n}";
    assert_eq!(all(text).text, want);
}

/// Ports `text` and returns it with the skip messages, checking the skip
/// named `rule` was reported.
fn skipped(text: &str, rule: &str) -> (String, Vec<String>) {
    let ported = all(text);
    assert!(ported.skipped.iter().any(|s| s.contains(rule)), "no {rule} skip for:\n{text}\n{:?}", ported.skipped);
    (ported.text, ported.skipped)
}

#[test]
fn stdenv_lib_is_left_where_lib_means_something_else() {
    // The default of a formal: `lib ? lib` would be infinite recursion.
    let (text, skips) = skipped("{ lib ? stdenv.lib, stdenv }:\nlib.x", "stdenv-lib");
    assert_eq!(text, "{ lib ? stdenv.lib, stdenv }:\nlib.x");
    assert!(skips[0].starts_with("line 1: stdenv-lib: "), "{skips:?}");
    // A let, a rec set, a lambda parameter named lib.
    for shadowed in [
        "{ stdenv }:\nlet lib = { x = 1; }; in stdenv.lib.x",
        "{ stdenv }:\nrec { lib = { }; y = stdenv.lib.x; }",
        "{ stdenv }:\nmap (lib: stdenv.lib.x) [ ]",
    ] {
        let (text, _) = skipped(shadowed, "stdenv-lib");
        assert_eq!(text, shadowed);
    }
    // Unshadowed spots in the same file are still rewritten.
    let (text, _) = skipped("{ stdenv }:\n[ stdenv.lib.a (let lib = 1; in stdenv.lib.b) ]", "stdenv-lib");
    assert_eq!(text, "{ lib, stdenv }:\n[ lib.a (let lib = 1; in stdenv.lib.b) ]");
    // Empty formals get `lib`.
    assert_eq!(all("{ }:\nstdenv.lib.x").text, "{ lib }:\nlib.x");
    assert_eq!(all("{}: stdenv.lib.x").text, "{ lib }: lib.x");
}

#[test]
fn name_to_pname_respects_scopes() {
    // A `${name}` that means a nearer `name` is not the derivation's.
    let inner =
        "mkDerivation rec {\n  name = \"x-1.0\";\n  a = let name = \"other\"; in \"${name}\";\n  b = \"${name}\";\n}";
    assert_eq!(
        all(inner).text,
        "mkDerivation rec {\n  pname = \"x\";\n  version = \"1.0\";\n  a = let name = \"other\"; in \"${name}\";\n  b = \"${pname}-${version}\";\n}"
    );
    // `inherit name;` in a nested set needs the binding: left alone.
    let inherits = "mkDerivation rec {\n  name = \"x-1.0\";\n  passthru = { inherit name; };\n}";
    let (text, skips) = skipped(inherits, "name-to-pname");
    assert_eq!(text, inherits);
    assert!(skips[0].starts_with("line 2: "), "{skips:?}");
    // ...unless a nearer scope gives it its own `name`.
    let nearer = "mkDerivation rec {\n  name = \"x-1.0\";\n  p = let name = 1; in { inherit name; };\n}";
    assert!(all(nearer).text.contains("pname = \"x\""));
    // Not rec: `${version}` is the outer version, not the set's.
    let outer = "let version = \"2\"; in mkDerivation { name = \"x-${version}\"; version = \"1\"; }";
    let (text, _) = skipped(outer, "name-to-pname");
    assert_eq!(text, outer);
    let outer = "let pname = \"y\"; version = \"2\"; in mkDerivation { pname = \"x\"; version = \"1\"; name = \"${pname}-${version}\"; }";
    let (text, _) = skipped(outer, "name-to-pname");
    assert_eq!(text, outer);
}

#[test]
fn license_aliases_shadowed_by_a_let_stay() {
    let text = "{ lib }:\nwith lib.licenses; [ gpl3 (let gpl3 = 1; in gpl3) ]";
    let (text, skips) = skipped(text, "licenses");
    assert_eq!(text, "{ lib }:\nwith lib.licenses; [ gpl3Only (let gpl3 = 1; in gpl3) ]");
    assert_eq!(skips.len(), 1, "{skips:?}");
}

#[test]
fn pkgs_stdenv_shorthands_are_rewritten() {
    assert_eq!(
        all("{ pkgs }: [ pkgs.stdenv.isDarwin pkgs.stdenvNoCC.isLinux pkgs.isDarwin ]").text,
        "{ pkgs }: [ pkgs.stdenv.hostPlatform.isDarwin pkgs.stdenvNoCC.hostPlatform.isLinux pkgs.isDarwin ]"
    );
}

#[test]
fn pkg_config_in_a_concatenation_is_reported() {
    let text = "{ pkg-config }: mkDerivation { buildInputs = [ pkg-config ] ++ [ zlib ]; }";
    let (out, skips) = skipped(text, "pkg-config-native");
    assert_eq!(out, text);
    assert!(skips[0].contains("not a plain list"), "{skips:?}");
}

#[test]
fn crlf_files_keep_crlf() {
    let text = "{ stdenv }:\r\nstdenv.mkDerivation rec {\r\n  name = \"x-1.0\";\r\n  src = ./.;\r\n}\r\n";
    let out = all(text).text;
    assert_eq!(
        out,
        "{ stdenv }:\r\nstdenv.mkDerivation rec {\r\n  pname = \"x\";\r\n  version = \"1.0\";\r\n  src = ./.;\r\n}\r\n"
    );
}

#[test]
fn cli_skips_fail_check_and_deep_files_do_not_stop_the_batch() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path.to_str().unwrap().to_string()
    };
    // A file with only a spot that had to be skipped: --check says so, exit 1.
    let shadow = write("shadow.nix", b"{ lib ? stdenv.lib, stdenv }:\nlib.x\n");
    let out = common::compat(&["port", "--check", &shadow]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("shadow.nix: skipped: line 1: stdenv-lib"), "{stderr}");

    // 100,000 nested brackets: a short error naming the file; the next file is still ported.
    let deep = write("deep.nix", format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).as_bytes());
    let parens = write("parens.nix", format!("{}1{}", "(".repeat(1000), ")".repeat(1000)).as_bytes());
    // A long `++` chain, which rnix parses by recursing once per operator.
    let chain = write("chain.nix", format!("{}1\n", "1 ++ ".repeat(30_000)).as_bytes());
    let good = write("good.nix", b"{ stdenv }: stdenv.lib.x\n");
    let out = common::compat(&["port", "--in-place", &deep, &parens, &chain, &good]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(lines.iter().any(|l| l.contains("deep.nix") && l.contains("nest")), "{stderr}");
    assert!(lines.iter().any(|l| l.contains("parens.nix")), "{stderr}");
    assert!(lines.iter().all(|l| l.len() < 300), "long error line: {stderr}");
    assert_eq!(std::fs::read_to_string(dir.path().join("good.nix")).unwrap(), "{ lib, stdenv }: lib.x\n");

    // Bytes that are not UTF-8 in a string (valid Nix) come through unchanged.
    let latin1 = write("latin1.nix", b"{ stdenv }: { d = \"caf\xe9\"; l = stdenv.lib.x; }\n");
    let out = common::compat(&["port", &latin1]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.stdout, b"{ lib, stdenv }: { d = \"caf\xe9\"; l = lib.x; }\n");
    let out = common::compat(&["port", "--in-place", &latin1]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(std::fs::read(&latin1).unwrap(), b"{ lib, stdenv }: { d = \"caf\xe9\"; l = lib.x; }\n");
}

/// `compat eval` prints nothing on stdout when nothing could be evaluated
/// (here: a file that does not exist), as the other commands do on errors.
#[test]
fn eval_prints_no_json_when_nothing_evaluates() {
    if common::nix_tool("nix-instantiate").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.nix");
    let out = common::compat(&["eval", "-f", missing.to_str().unwrap(), "hello", "--json"]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    assert!(!out.stderr.is_empty());
}

#[test]
fn pkgconfig_bound_by_a_let_stays() {
    let text = "{ pkgconfig }: [ pkgconfig (let pkgconfig = 1; in pkgconfig) ]";
    let (out, _) = skipped(text, "pkgconfig");
    assert_eq!(out, "{ pkg-config }: [ pkg-config (let pkgconfig = 1; in pkgconfig) ]");
}

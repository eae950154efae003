//! Reading store derivations (`.drv` files, ATerm text) for what `plan`
//! needs: outputs, input derivations, system and environment (pname,
//! version, allowSubstitutes).

use std::{collections::BTreeMap, fs, path::Path};

use anyhow::{anyhow, bail, Context, Result};

/// The parts of a store derivation compat uses.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Derivation {
    /// Output name -> store path ("" for content-addressed outputs not yet known).
    pub(crate) outputs: BTreeMap<String, String>,
    /// True when an output has a fixed hash: a source or other download.
    pub(crate) fixed_output: bool,
    /// Input derivation -> the outputs of it this one uses.
    pub(crate) input_drvs: BTreeMap<String, Vec<String>>,
    /// "x86_64-linux".
    pub(crate) system: String,
    /// The builder's environment.
    pub(crate) env: BTreeMap<String, String>,
}

impl Derivation {
    /// Reads and parses a `.drv` file.
    pub(crate) fn read(path: &Path) -> Result<Derivation> {
        let text = fs::read_to_string(path).with_context(|| format!("{}: cannot read derivation", path.display()))?;
        Derivation::parse(&text).with_context(|| format!("{}: not a store derivation", path.display()))
    }

    /// Parses the ATerm text of a derivation: `Derive([outputs],[inputDrvs],
    /// [inputSrcs],"system","builder",[args],[env])`, also in the
    /// `DrvWithVersion("...", ...)` form of newer Nix.
    pub(crate) fn parse(text: &str) -> Result<Derivation> {
        let mut parser = Parser { text: text.as_bytes(), pos: 0 };
        let term = parser.term()?;
        let Term::Apply(name, mut fields) = term else { bail!("expected Derive(...)") };
        match name.as_str() {
            "Derive" => {}
            "DrvWithVersion" if !fields.is_empty() => {
                fields.remove(0);
            }
            other => bail!("expected Derive(...), found {other}(...)"),
        }
        if fields.len() != 7 {
            bail!("Derive has {} fields, expected 7", fields.len());
        }
        let mut drv = Derivation::default();
        for output in fields[0].list()? {
            let parts = output.list()?;
            let text = |i: usize| parts.get(i).map(Term::string).transpose().map(|s| s.unwrap_or_default());
            let (name, path, _algo, hash) = (text(0)?, text(1)?, text(2)?, text(3)?);
            drv.fixed_output |= !hash.is_empty();
            drv.outputs.insert(name, path);
        }
        for input in fields[1].list()? {
            // ("/nix/store/...drv", ["out", ...]); newer Nix's dynamic
            // derivations nest further, which is read as far as it is plain.
            if let [path, outputs] = input.list()? {
                let names =
                    outputs.list().map(|o| o.iter().filter_map(|n| n.string().ok()).collect()).unwrap_or_default();
                drv.input_drvs.insert(path.string()?, names);
            }
        }
        drv.system = fields[3].string()?;
        for pair in fields[6].list()? {
            let kv = pair.list()?;
            if let [k, v] = kv {
                drv.env.insert(k.string()?, v.string()?);
            }
        }
        Ok(drv)
    }

    /// `pname` and `version` from the environment, when the derivation has
    /// them: plain variables, or inside `__json` for derivations with
    /// `__structuredAttrs = true`.
    pub(crate) fn pname_version(&self) -> Option<(String, String)> {
        if let Some(pname) = self.env.get("pname") {
            return Some((pname.clone(), self.env.get("version").cloned().unwrap_or_default()));
        }
        let attrs: serde_json::Value = serde_json::from_str(self.env.get("__json")?).ok()?;
        let pname = attrs.get("pname")?.as_str()?.to_string();
        let version = attrs.get("version").and_then(|v| v.as_str()).unwrap_or_default().to_string();
        Some((pname, version))
    }
}

impl Derivation {
    /// Whether Nix may substitute this derivation's outputs instead of
    /// building them: false when it sets `allowSubstitutes = false` (as
    /// nixpkgs' trivial builders do), a plain variable ("1" is true) or a
    /// boolean in `__json`.
    pub(crate) fn substitutes_allowed(&self) -> bool {
        if let Some(json) = self.env.get("__json") {
            let attrs: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
            return attrs.get("allowSubstitutes").and_then(serde_json::Value::as_bool).unwrap_or(true);
        }
        self.env.get("allowSubstitutes").is_none_or(|v| v == "1")
    }
}

/// An ATerm value: strings, lists `[...]`, tuples `(...)` and applications `Name(...)`.
#[derive(Debug)]
enum Term {
    Str(String),
    List(Vec<Term>),
    Apply(String, Vec<Term>),
}

impl Term {
    fn list(&self) -> Result<&[Term]> {
        match self {
            Term::List(items) | Term::Apply(_, items) => Ok(items),
            Term::Str(_) => Err(anyhow!("expected a list or tuple, found a string")),
        }
    }

    fn string(&self) -> Result<String> {
        match self {
            Term::Str(s) => Ok(s.clone()),
            _ => Err(anyhow!("expected a string")),
        }
    }
}

struct Parser<'a> {
    text: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    fn expect(&mut self, b: u8) -> Result<()> {
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            bail!("expected '{}' at byte {}", b as char, self.pos)
        }
    }

    fn term(&mut self) -> Result<Term> {
        match self.peek() {
            Some(b'"') => self.string().map(Term::Str),
            Some(b'[') => {
                self.pos += 1;
                self.items(b']').map(Term::List)
            }
            Some(b'(') => {
                self.pos += 1;
                self.items(b')').map(|items| Term::Apply(String::new(), items))
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let start = self.pos;
                while self.peek().is_some_and(|c| c.is_ascii_alphanumeric()) {
                    self.pos += 1;
                }
                let name = String::from_utf8_lossy(&self.text[start..self.pos]).into_owned();
                self.expect(b'(')?;
                self.items(b')').map(|items| Term::Apply(name, items))
            }
            Some(c) => bail!("unexpected '{}' at byte {}", c as char, self.pos),
            None => bail!("unexpected end of text"),
        }
    }

    fn items(&mut self, close: u8) -> Result<Vec<Term>> {
        let mut items = Vec::new();
        if self.peek() == Some(close) {
            self.pos += 1;
            return Ok(items);
        }
        loop {
            items.push(self.term()?);
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(c) if c == close => {
                    self.pos += 1;
                    return Ok(items);
                }
                _ => bail!("expected ',' or '{}' at byte {}", close as char, self.pos),
            }
        }
    }

    fn string(&mut self) -> Result<String> {
        self.expect(b'"')?;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => bail!("unterminated string"),
                Some(b'"') => {
                    self.pos += 1;
                    return String::from_utf8(out).map_err(|_| anyhow!("string is not UTF-8"));
                }
                Some(b'\\') => {
                    let escaped = self.text.get(self.pos + 1).copied().ok_or_else(|| anyhow!("unterminated escape"))?;
                    out.push(match escaped {
                        b'n' => b'\n',
                        b't' => b'\t',
                        b'r' => b'\r',
                        other => other,
                    });
                    self.pos += 2;
                }
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASH: &str = r#"Derive([("out","/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-bash-5.2p26",""
,"")],[("/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-bash-5.2.tar.gz.drv",["out"])],["/nix/store/cccccccccccccccccccccccccccccccc-default-builder.sh"],"x86_64-linux","/bin/sh",["-e","x"],[("name","bash-5.2p26"),("pname","bash"),("version","5.2p26"),("script","echo \"hi\"\n")])"#;

    #[test]
    fn parses_a_derivation() {
        let drv = Derivation::parse(&BASH.replace("\"\"\n,", "\"\",")).unwrap();
        assert_eq!(drv.system, "x86_64-linux");
        assert!(!drv.fixed_output);
        assert_eq!(drv.outputs["out"], "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-bash-5.2p26");
        assert_eq!(drv.pname_version(), Some(("bash".into(), "5.2p26".into())));
        assert_eq!(drv.env["script"], "echo \"hi\"\n");
        assert_eq!(
            drv.input_drvs.get("/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-bash-5.2.tar.gz.drv"),
            Some(&vec!["out".to_string()])
        );
        assert!(drv.substitutes_allowed());
    }

    #[test]
    fn reads_allow_substitutes() {
        let plain = |value: &str| {
            let text = format!(
                r#"Derive([("out","/nix/store/x-a","","")],[],[],"x86_64-linux","/bin/sh",[],[("allowSubstitutes","{value}")])"#
            );
            Derivation::parse(&text).unwrap().substitutes_allowed()
        };
        assert!(!plain(""), "false is the empty string");
        assert!(plain("1"));
        let structured = r#"Derive([("out","/nix/store/x-a","","")],[],[],"x86_64-linux","/bin/sh",[],[("__json","{\"allowSubstitutes\":false}")])"#;
        assert!(!Derivation::parse(structured).unwrap().substitutes_allowed());
    }

    #[test]
    fn recognises_fixed_outputs_and_versioned_form() {
        let fod = r#"DrvWithVersion("xp-dyn-drv",[("out","/nix/store/x-src.tar.gz","sha256","0f")],[],[],"builtin","builtin:fetchurl",[],[("name","src.tar.gz")])"#;
        let drv = Derivation::parse(fod).unwrap();
        assert!(drv.fixed_output);
        assert_eq!(drv.pname_version(), None);
    }

    #[test]
    fn reads_structured_attrs() {
        let text = r#"Derive([("out","/nix/store/x-foo-1.2","","")],[],[],"aarch64-linux","/bin/sh",[],[("__json","{\"pname\":\"foo\",\"version\":\"1.2\"}"),("out","/nix/store/x-foo-1.2")])"#;
        let drv = Derivation::parse(text).unwrap();
        assert_eq!(drv.pname_version(), Some(("foo".into(), "1.2".into())));
        assert_eq!(drv.system, "aarch64-linux");
    }

    #[test]
    fn rejects_garbage() {
        assert!(Derivation::parse("").is_err());
        assert!(Derivation::parse("Derive([").is_err());
        assert!(Derivation::parse("Other()").is_err());
        assert!(Derivation::parse("Derive([],[],[],\"x\",\"y\",[],[(\"a\",\"b)])").is_err());
    }
}

//! Parsing Nix text with rnix, for checks on what we read and write.

use rnix::SyntaxKind::*;

/// How deeply brackets may nest. rnix's parser gives up at 512 levels of
/// expressions (and recurses without that bound into lists), so deeper text
/// is refused before it is parsed.
pub(crate) const MAX_NESTING: usize = 500;

/// rnix's parse errors for `text`, as messages; empty when it parses cleanly.
/// Text nested deeper than [`MAX_NESTING`] is not parsed: one error says so.
pub fn parse_errors(text: &str) -> Vec<String> {
    let depth = nesting_depth(text);
    if depth > MAX_NESTING {
        return vec![format!("brackets nest {depth} levels deep, more than the {MAX_NESTING} compat port handles")];
    }
    rnix::Root::parse(text).errors().iter().map(|e| e.to_string()).collect()
}

/// The deepest nesting of (), [], {} and ${ } in `text`, from rnix's
/// tokenizer (which does not recurse).
pub(crate) fn nesting_depth(text: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    for (kind, _) in rnix::tokenize(text) {
        match kind {
            TOKEN_L_PAREN | TOKEN_L_BRACK | TOKEN_L_BRACE | TOKEN_INTERPOL_START => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            TOKEN_R_PAREN | TOKEN_R_BRACK | TOKEN_R_BRACE | TOKEN_INTERPOL_END => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// The errors as one short line: the first few, and how many more there are.
pub(crate) fn summary(errors: &[String]) -> String {
    const SHOWN: usize = 3;
    let mut unique: Vec<&String> = Vec::new();
    for e in errors {
        if !unique.contains(&e) {
            unique.push(e);
        }
    }
    let mut line = unique.iter().take(SHOWN).map(|e| e.as_str()).collect::<Vec<_>>().join("; ");
    if errors.len() > SHOWN {
        line.push_str(&format!(" ({} errors in all)", errors.len()));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_broken_nix_and_accepts_good_nix() {
        assert!(parse_errors("final: prev: { a = 1; }").is_empty());
        assert!(!parse_errors("final: prev: { a = ; }").is_empty());
    }

    #[test]
    fn deep_nesting_is_refused_without_parsing() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(nesting_depth(&deep), 100_000);
        let errors = parse_errors(&deep);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].contains("100000 levels"), "{errors:?}");
        assert_eq!(nesting_depth("{ a = [ (x) \"${y}\" ]; }"), 3);
    }

    #[test]
    fn summary_is_one_short_line() {
        let errors: Vec<String> = (0..1000).map(|_| "unexpected end of file".to_string()).collect();
        let line = summary(&errors);
        assert!(line.len() < 100, "{line}");
        assert!(!line.contains('\n'));
    }
}

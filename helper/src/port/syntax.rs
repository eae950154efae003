//! Parsing Nix text with rnix, for checks on what we read and write.

/// rnix's parse errors for `text`, as messages; empty when it parses cleanly.
pub fn parse_errors(text: &str) -> Vec<String> {
    rnix::Root::parse(text).errors().iter().map(|e| e.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_broken_nix_and_accepts_good_nix() {
        assert!(parse_errors("final: prev: { a = 1; }").is_empty());
        assert!(!parse_errors("final: prev: { a = ; }").is_empty());
    }
}

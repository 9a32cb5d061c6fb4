//! Email addresses: the one syntax check (the server stays the authority).

/// A syntactically valid address with a dotted domain (the server stays the authority).
/// ASCII addresses (nearly all) are checked by a fast byte scan; others, and quoted local
/// parts, by the `email_address` crate's full grammar plus the same domain rule.
pub fn valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    if local.is_empty() || local.len() > 64 || domain.is_empty() || domain.len() > 253 {
        return false;
    }
    if !s.is_ascii() || local.starts_with('"') {
        return email_address::EmailAddress::is_valid(s)
            && domain.contains('.')
            && !domain.starts_with(['.', '['])
            && !domain.ends_with('.');
    }
    valid_dot_atom(local.as_bytes()) && valid_domain(domain.as_bytes())
}

/// RFC 5322 dot-atom: atext characters in runs separated by single dots.
fn valid_dot_atom(local: &[u8]) -> bool {
    let atext = |c: u8| c.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&c);
    local
        .split(|&c| c == b'.')
        .all(|run| !run.is_empty() && run.iter().all(|&c| atext(c)))
}

/// At least two labels of letters, digits and inner hyphens, each at most 63 long.
fn valid_domain(domain: &[u8]) -> bool {
    let mut labels = 0;
    for label in domain.split(|&c| c == b'.') {
        let (Some(&first), Some(&last)) = (label.first(), label.last()) else {
            return false;
        };
        if label.len() > 63
            || !first.is_ascii_alphanumeric()
            || !last.is_ascii_alphanumeric()
            || !label
                .iter()
                .all(|&c| c.is_ascii_alphanumeric() || c == b'-')
        {
            return false;
        }
        labels += 1;
    }
    labels >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for ok in [
            "a@b.example",
            "first.last+tag@sub.example.co.uk",
            "JOSE@EXAMPLE.COM",
            "jos\u{e9}@example.com",
        ] {
            assert!(valid_email(ok), "{ok}");
        }
        for bad in [
            "",
            "a",
            "a@",
            "@b.example",
            "a@b",
            "a b@c.example",
            "a@b.example.",
            "a..b@c.example",
            "a@[127.0.0.1]",
            "not-an-email",
        ] {
            assert!(!valid_email(bad), "{bad}");
        }
    }
}

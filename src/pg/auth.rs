//! Who may be given the ledger's password, and how. A password asked for in cleartext or as MD5
//! is readable (or replayable) by whoever answers the connection, so it goes only where an
//! impostor cannot be: a loopback host or a Unix socket, or a server whose certificate was
//! verified (`verify-ca`, `verify-full`, or `require` with a CA bundle). Elsewhere the
//! connection requires channel binding (SCRAM-SHA-256-PLUS over TLS), which refuses a cleartext
//! or MD5 request before the password leaves. A non-loopback host defaults to `verify-full`;
//! `sslmode=prefer|require` are explicit opt-downs, warned about.

use super::loopback::is_loopback;
use super::target::{PgTarget, SslMode};

/// Whether the server's certificate is verified before anything is sent.
fn verified(t: &PgTarget) -> bool {
    match t.sslmode {
        SslMode::VerifyCa | SslMode::VerifyFull => true,
        SslMode::Require => t.ca_bundle.is_some(),
        SslMode::Disable | SslMode::Prefer => false,
    }
}

/// Whether a cleartext or MD5 password request must be refused (channel binding required).
pub fn guard_password(t: &PgTarget) -> bool {
    !is_loopback(&t.host) && !verified(t)
}

/// The warning for an explicit opt-down to an unverified connection of a remote host.
pub fn opt_down_warning(t: &PgTarget) -> Option<String> {
    if !guard_password(t) {
        return None;
    }
    Some(format!(
        "the ledger URL's sslmode={} does not verify the certificate of {}: an impostor could \
         answer in its place. leadctl refuses to send the password in cleartext or as MD5 there \
         (the server must offer SCRAM with channel binding); use sslmode=verify-full (with \
         --ca-bundle for a private CA)",
        t.sslmode.as_str(),
        t.host
    ))
}

/// What the driver says when it refused a cleartext or MD5 request for want of channel binding.
pub const REFUSED: &str = "server did not use channel binding";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pg::PasswordSources;

    fn target(url: &str) -> PgTarget {
        let none = PasswordSources {
            file: None,
            file_var: "LEADCTL_LEDGER_PASSWORD_FILE",
            env: None,
            default_user: None,
        };
        PgTarget::parse(url, &none).expect("parses")
    }

    #[test]
    fn the_password_is_guarded_unless_loopback_or_verified() {
        for host in ["127.0.0.1", "127.8.9.1", "localhost", "LOCALHOST", "[::1]"] {
            let t = target(&format!("postgres://u:pw@{host}/d"));
            assert!(is_loopback(&t.host), "{host}");
            assert_eq!(t.sslmode, SslMode::Prefer, "{host}");
            assert!(!guard_password(&t), "{host}");
            assert_eq!(opt_down_warning(&t), None);
        }
        let remote = target("postgres://u:pw@db.example/d");
        assert_eq!(
            remote.sslmode,
            SslMode::VerifyFull,
            "the default for a remote host"
        );
        assert!(!guard_password(&remote));
        assert!(!guard_password(&target(
            "postgres://u:pw@10.0.0.5/d?sslmode=verify-ca"
        )));
        assert!(!guard_password(&target(
            "postgres://u:pw@db.example/d?sslmode=require&sslrootcert=/ca.pem"
        )));
        for mode in ["prefer", "require", "disable"] {
            let t = target(&format!("postgres://u:pw@db.example/d?sslmode={mode}"));
            assert!(guard_password(&t), "{mode}");
            let w = opt_down_warning(&t).expect("warned");
            assert!(
                w.starts_with(&format!(
                    "the ledger URL's sslmode={mode} does not verify the certificate of \
                     db.example: an impostor could answer in its place."
                )),
                "{w}"
            );
        }
        assert!(is_loopback("/var/run/postgresql"));
        assert!(!is_loopback("10.0.0.1"));
        assert!(!is_loopback("db.example"));
    }
}

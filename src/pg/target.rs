//! Where a PostgreSQL ledger is: `postgres://USER[:PASSWORD]@HOST[:PORT]/DB?sslmode=...&schema=...`
//! parsed into its parts once, the password kept in a type that never prints
//! (`secret::Password`). Shown, the URL has its password masked.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::secret::Password;

/// How the connection is encrypted, as libpq's `sslmode` says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// Plain TCP.
    Disable,
    /// TLS when the server offers it, else plain; the certificate is not checked.
    Prefer,
    /// TLS or nothing; the certificate is checked only against a CA bundle when one is given
    /// (then as `verify-ca`).
    Require,
    /// TLS with a certificate signed by a trusted CA (the system's and the CA bundle's); any
    /// host name.
    VerifyCa,
    /// As `verify-ca`, and the certificate must be for the host in the URL.
    VerifyFull,
}

impl SslMode {
    pub fn parse(text: &str) -> Option<SslMode> {
        Some(match text {
            "disable" => SslMode::Disable,
            "prefer" | "allow" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// A PostgreSQL ledger's connection parameters.
#[derive(Clone, PartialEq, Eq)]
pub struct PgTarget {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: Option<Password>,
    /// Where the password came from (for messages): `the URL`, `PGPASSWORD`, a file.
    pub password_from: Option<String>,
    pub dbname: String,
    pub schema: String,
    pub sslmode: SslMode,
    /// Extra trusted roots (`--ca-bundle`, or the URL's `sslrootcert`).
    pub ca_bundle: Option<PathBuf>,
    pub connect_timeout: Duration,
    pub application_name: String,
}

/// The query parameters a ledger URL may carry.
const PARAMETERS: &str = "sslmode, schema, sslrootcert, connect_timeout, application_name";

/// Where the password is looked for when the URL has none, in this order.
pub struct PasswordSources<'a> {
    /// The file `file_var` names (`LEADCTL_LEDGER_PASSWORD_FILE` for the ledger,
    /// `LEADCTL_SOURCE_PASSWORD_FILE` for a query source).
    pub file: Option<&'a str>,
    /// The variable that named `file`, for messages.
    pub file_var: &'a str,
    /// `PGPASSWORD`.
    pub env: Option<&'a str>,
    /// `PGUSER`, then `USER`: the user when the URL names none.
    pub default_user: Option<&'a str>,
}

/// `text` as shown: a PostgreSQL URL with its password masked (a URL that does not parse is not
/// shown at all), anything else as it is.
pub fn masked_url(text: &str) -> String {
    if !is_postgres_url(text) {
        return text.to_string();
    }
    match reqwest::Url::parse(text.trim()) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("****"));
            }
            u.to_string()
        }
        Err(_) => "(a postgres:// URL that does not parse)".to_string(),
    }
}

pub fn is_postgres_url(text: &str) -> bool {
    let t = text.trim_start().to_ascii_lowercase();
    t.starts_with("postgres://") || t.starts_with("postgresql://")
}

impl PgTarget {
    /// Parses a `postgres://` or `postgresql://` URL. The error never quotes the password.
    pub fn parse(text: &str, sources: &PasswordSources<'_>) -> Result<PgTarget, String> {
        let text = text.trim();
        let url = reqwest::Url::parse(text)
            .map_err(|e| format!("is not a valid PostgreSQL URL ({e})"))?;
        let host = match url.host_str() {
            Some(h) if !h.is_empty() => h.trim_start_matches('[').trim_end_matches(']'),
            _ => {
                return Err(
                    "names no host (postgres://USER@HOST:PORT/DATABASE is the form)".to_string(),
                )
            }
        };
        let mut user = decode(url.username())?;
        if user.is_empty() {
            user = sources.default_user.unwrap_or_default().to_string();
        }
        if user.is_empty() {
            return Err(
                "names no user (postgres://USER@HOST/DATABASE), and PGUSER is unset".into(),
            );
        }
        let (password, password_from) = match url.password() {
            Some(p) => (Some(Password::new(decode(p)?)), Some("the URL".to_string())),
            None => password_elsewhere(sources)?,
        };
        let path = decode(url.path().trim_start_matches('/'))?;
        let dbname = if path.is_empty() { user.clone() } else { path };
        let mut target = PgTarget {
            host: host.to_string(),
            port: url.port().unwrap_or(5432),
            user,
            password,
            password_from,
            dbname,
            schema: "leadctl".into(),
            // `verify-full` unless the host is this machine (`auth`: the password rule).
            sslmode: if super::loopback::is_loopback(host) {
                SslMode::Prefer
            } else {
                SslMode::VerifyFull
            },
            ca_bundle: None,
            connect_timeout: Duration::from_secs(10),
            application_name: "leadctl".into(),
        };
        for (name, value) in url.query_pairs() {
            let value = value.trim();
            match name.as_ref() {
                "sslmode" => {
                    target.sslmode = SslMode::parse(value).ok_or_else(|| {
                        format!(
                            "has sslmode={}: use disable, prefer, require, verify-ca or \
                             verify-full",
                            crate::log::quoted(value)
                        )
                    })?
                }
                "schema" => {
                    if !valid_schema(value) {
                        return Err(format!(
                            "has schema={}: a schema name is 1 to 63 lower-case letters, digits \
                             and underscores, starting with a letter or underscore",
                            crate::log::quoted(value)
                        ));
                    }
                    target.schema = value.to_string();
                }
                "sslrootcert" => target.ca_bundle = Some(PathBuf::from(value)),
                "connect_timeout" => {
                    let secs: u64 = value
                        .parse()
                        .ok()
                        .filter(|s| (1..=600).contains(s))
                        .ok_or_else(|| {
                            format!(
                                "has connect_timeout={}: a number of seconds from 1 to 600",
                                crate::log::quoted(value)
                            )
                        })?;
                    target.connect_timeout = Duration::from_secs(secs);
                }
                "application_name" => target.application_name = value.to_string(),
                other => {
                    return Err(format!(
                        "has the parameter {}, which leadctl does not know (it takes {PARAMETERS})",
                        crate::log::quoted(other)
                    ))
                }
            }
        }
        Ok(target)
    }

    /// The schema's name quoted for SQL (checked on parsing: lower-case letters, digits, `_`).
    pub fn schema_sql(&self) -> String {
        format!("\"{}\"", self.schema)
    }
}

fn password_elsewhere(
    sources: &PasswordSources<'_>,
) -> Result<(Option<Password>, Option<String>), String> {
    if let Some(file) = sources.file {
        let bytes = crate::fsutil::read_capped(
            std::path::Path::new(file),
            64 * 1024,
            crate::fsutil::Accept::FileOrPipe,
            "a password file",
        )
        .map_err(|e| {
            format!(
                "needs the password in {file} ({}), which cannot be read: {e}",
                sources.file_var
            )
        })?;
        let text = String::from_utf8(bytes).map_err(|_| {
            format!(
                "needs the password in {file} ({}), which is not UTF-8 text",
                sources.file_var
            )
        })?;
        return Ok((
            Some(Password::new(text)),
            Some(format!("{file} ({})", sources.file_var)),
        ));
    }
    Ok(match sources.env {
        Some(p) => (Some(Password::new(p)), Some("PGPASSWORD".to_string())),
        None => (None, None),
    })
}

fn valid_schema(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c == '_')
        && s.len() <= 63
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Percent-decoding of a URL part.
fn decode(part: &str) -> Result<String, String> {
    let bytes = part.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or("has a broken %-escape in its user, password or database")?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "has a %-escape that is not UTF-8".to_string())
}

impl fmt::Display for PgTarget {
    /// The URL as leadctl uses it, the password masked.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let pw = if self.password.is_some() { ":****" } else { "" };
        write!(
            f,
            "postgres://{}{pw}@{host}:{}/{}?sslmode={}",
            self.user,
            self.port,
            self.dbname,
            self.sslmode.as_str()
        )?;
        if self.schema != "leadctl" {
            write!(f, "&schema={}", self.schema)?;
        }
        Ok(())
    }
}

impl fmt::Debug for PgTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PgTarget({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none() -> PasswordSources<'static> {
        PasswordSources {
            file: None,
            file_var: "LEADCTL_LEDGER_PASSWORD_FILE",
            env: None,
            default_user: None,
        }
    }

    #[test]
    fn parses_and_masks() {
        let t = PgTarget::parse(
            "postgresql://ann:p%40ss@db.example:6543/leads?sslmode=verify-full&schema=ci_1",
            &none(),
        )
        .expect("parses");
        assert_eq!(t.host, "db.example");
        assert_eq!(t.port, 6543);
        assert_eq!(t.user, "ann");
        assert_eq!(t.password.as_ref().map(Password::expose), Some("p@ss"));
        assert_eq!(t.dbname, "leads");
        assert_eq!(t.schema, "ci_1");
        assert_eq!(t.sslmode, SslMode::VerifyFull);
        let shown = format!("{t} {t:?}");
        assert!(
            !shown.contains("p@ss") && !shown.contains("p%40ss"),
            "{shown}"
        );
        assert_eq!(
            t.to_string(),
            "postgres://ann:****@db.example:6543/leads?sslmode=verify-full&schema=ci_1"
        );
    }

    #[test]
    fn defaults_and_other_password_sources() {
        let env = PasswordSources {
            file: None,
            file_var: "LEADCTL_LEDGER_PASSWORD_FILE",
            env: Some("from-env"),
            default_user: Some("bob"),
        };
        let t = PgTarget::parse("postgres://127.0.0.1", &env).expect("parses");
        assert_eq!((t.user.as_str(), t.dbname.as_str()), ("bob", "bob"));
        assert_eq!(t.port, 5432);
        assert_eq!(t.sslmode, SslMode::Prefer);
        assert_eq!(t.password.as_ref().map(Password::expose), Some("from-env"));
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("pw");
        std::fs::write(&file, "from-file\n").expect("write");
        let name = file.to_string_lossy().to_string();
        let both = PasswordSources {
            file: Some(&name),
            ..env
        };
        let t = PgTarget::parse("postgres://u@h/d", &both).expect("parses");
        assert_eq!(t.password.as_ref().map(Password::expose), Some("from-file"));
    }

    #[test]
    fn refuses_what_it_cannot_use() {
        let bad = |url: &str| PgTarget::parse(url, &none()).expect_err("refused");
        assert!(bad("postgres://u:pw@h/d?sslmode=maybe").contains("sslmode"));
        assert!(bad("postgres://u@h/d?schema=Bad-Name").contains("schema"));
        assert!(bad("postgres://u@h/d?target_session_attrs=any").contains("does not know"));
        assert!(bad("postgres:///d").contains("no host"));
        assert!(bad("postgres://h/d").contains("no user"));
        let e = bad("postgres://u:secretpw@h/d?sslmode=x");
        assert!(!e.contains("secretpw"), "{e}");
    }
}

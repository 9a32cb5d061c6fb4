//! The config file (`config.toml`): its model, where it lives, reading it, and editing it.
//! Nothing here touches the network or the process environment (the path lookup takes the
//! `LEADCTL_CONFIG` value from its caller).
//!
//! Edits go through `toml_edit`, so the comments, ordering and hand-written keys of a file survive
//! `leadctl config set`; every write goes through `fsutil::write_atomic` (a 0600 temporary file
//! in the same directory, fsync, rename), so a crash or a full disk never leaves half a config
//! behind.

use std::collections::BTreeMap;
use std::fmt;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer};

use crate::deliver::setting::Concurrency;
use crate::error::Failure;
use crate::fsutil::Accept;
use crate::secret::ApiKey;

mod permissions;
pub use permissions::{key_file_permission_warning, permission_warning};

/// `--concurrency`'s default: adapt to the server.
pub const DEFAULT_CONCURRENCY: Concurrency = Concurrency::Auto;
/// The bounds `--timeout` and `--concurrency` take on the command line hold for the profile too.
pub const MAX_TIMEOUT_SECS: f64 = 86_400.0;
pub const MAX_CONCURRENCY: usize = 256;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub default_profile: Option<String>,
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

/// One `[profiles.NAME]` table. Unknown keys are refused, so a typo is caught, not ignored.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    #[serde(default, deserialize_with = "api_key")]
    pub api_key: Option<ApiKey>,
    pub api_url: Option<String>,
    pub channel: Option<String>,
    /// Seconds; an integer or a decimal.
    pub timeout: Option<f64>,
    /// `auto` or a number.
    pub concurrency: Option<Concurrency>,
    pub output: Option<String>,
    pub ca_bundle: Option<PathBuf>,
    /// The ledger file.
    pub ledger: Option<String>,
    /// What identifies a lead: business_id, email or fields.
    pub key: Option<String>,
    /// The decimal separator of number property values: `,` or `.`.
    pub decimal_separator: Option<String>,
    /// The zone of dates written without one: an IANA name (`Europe/Berlin`).
    pub timezone: Option<String>,
    /// The order of day and month in dates such as `03/04/2024`: `dmy` or `mdy`.
    pub date_order: Option<String>,
    /// The most leads one run may create (`--max-create` beats it).
    pub max_create: Option<u64>,
    /// The most updates, moves and purchases one run may make (`--max-changes` beats it).
    pub max_changes: Option<u64>,
}

fn api_key<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ApiKey>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.map(ApiKey::new))
}

/// A config file as read from disk (or an empty one when there is none).
#[derive(Debug, Default)]
pub struct Loaded {
    pub path: Option<PathBuf>,
    pub file: ConfigFile,
}

/// Where the config file is: `LEADCTL_CONFIG`, else `config.toml` in the platform config
/// directory (`$XDG_CONFIG_HOME/leadctl` or `~/.config/leadctl` on Linux,
/// `~/Library/Application Support/leadctl` on macOS, `%APPDATA%\leadctl\config` on Windows).
pub fn path(leadctl_config: Option<&str>) -> Option<PathBuf> {
    if let Some(p) = leadctl_config {
        return Some(PathBuf::from(p));
    }
    directories::ProjectDirs::from("", "", "leadctl").map(|d| d.config_dir().join("config.toml"))
}

/// Reads and parses the file; a missing file is an empty config, not an error.
pub fn load(path: Option<PathBuf>) -> Result<Loaded, Failure> {
    let Some(path) = path else {
        return Ok(Loaded::default());
    };
    // `LEADCTL_CONFIG=/dev/null`: no config at all (as with GIT_CONFIG_GLOBAL=/dev/null).
    if path == Path::new("/dev/null") {
        return Ok(Loaded {
            path: Some(path),
            file: ConfigFile::default(),
        });
    }
    let text = match read_config_text(&path, Accept::FileOrPipe) {
        Ok(text) => text,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            return Ok(Loaded {
                path: Some(path),
                file: ConfigFile::default(),
            })
        }
        Err(e) => {
            return Err(Failure::config(format!(
                "cannot read the config file {}: {e}",
                path.display()
            ))
            .with_hint("fix its permissions, or point LEADCTL_CONFIG at another file"))
        }
    };
    let file = parse(&text, &path)?;
    Ok(Loaded {
        path: Some(path),
        file,
    })
}

/// The most a config file may hold: real ones are a few hundred bytes.
pub const MAX_CONFIG: u64 = 4 * 1024 * 1024;

fn read_config_text(path: &Path, accept: Accept) -> std::io::Result<String> {
    crate::fsutil::read_capped_string(path, MAX_CONFIG, accept, "a config file")
}

/// "line L, column C: message" for a parse error. Never the parser's own rendering, which quotes
/// the offending line: that line can hold the API key.
fn located(message: &str, span: Option<std::ops::Range<usize>>, text: &str) -> String {
    let Some(start) = span.map(|s| s.start.min(text.len())) else {
        return message.trim_end().to_string();
    };
    let before = text.get(..start).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("line {line}, column {column}: {}", message.trim_end())
}

pub fn parse(text: &str, path: &Path) -> Result<ConfigFile, Failure> {
    toml::from_str(text).map_err(|e| {
        Failure::config(format!(
            "invalid config file {}: {}",
            path.display(),
            located(e.message(), e.span(), text)
        ))
        .with_hint(format!(
            "valid top-level keys: default_profile, [profiles.NAME]; valid profile keys: {}; fix \
             the file or point LEADCTL_CONFIG at another one",
            Key::names()
        ))
    })
}

/// The keys a profile can hold, in the order `config list` shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    ApiKey,
    ApiUrl,
    Channel,
    Timeout,
    Concurrency,
    Output,
    CaBundle,
    Ledger,
    LeadKey,
    DecimalSeparator,
    Timezone,
    DateOrder,
    MaxCreate,
    MaxChanges,
}

impl Key {
    pub const ALL: [Key; 14] = [
        Key::ApiKey,
        Key::ApiUrl,
        Key::Channel,
        Key::Timeout,
        Key::Concurrency,
        Key::Output,
        Key::CaBundle,
        Key::Ledger,
        Key::LeadKey,
        Key::DecimalSeparator,
        Key::Timezone,
        Key::DateOrder,
        Key::MaxCreate,
        Key::MaxChanges,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Key::ApiKey => "api_key",
            Key::ApiUrl => "api_url",
            Key::Channel => "channel",
            Key::Timeout => "timeout",
            Key::Concurrency => "concurrency",
            Key::Output => "output",
            Key::CaBundle => "ca_bundle",
            Key::Ledger => "ledger",
            Key::LeadKey => "key",
            Key::DecimalSeparator => "decimal_separator",
            Key::Timezone => "timezone",
            Key::DateOrder => "date_order",
            Key::MaxCreate => "max_create",
            Key::MaxChanges => "max_changes",
        }
    }

    /// "api_key, api_url, ..." for messages.
    pub fn names() -> String {
        Key::ALL.map(Key::name).join(", ")
    }

    /// A key by name (`-` and `_` alike, any case), or exit 3 listing the valid ones.
    pub fn parse(name: &str) -> Result<Key, Failure> {
        let wanted = name.trim().replace('-', "_").to_ascii_lowercase();
        Key::ALL
            .into_iter()
            .find(|k| k.name() == wanted)
            .ok_or_else(|| {
                Failure::config(format!("unknown config key {name:?}"))
                    .with_hint(format!("valid keys: {}", Key::names()))
            })
    }
}

/// A PostgreSQL ledger URL for a profile: it must parse, and it must not hold a password (a
/// config file is for settings; the password goes in LEADCTL_LEDGER_PASSWORD_FILE's file). The
/// errors never quote the URL.
fn postgres_ledger(url: &str) -> Result<toml_edit::Value, Failure> {
    use crate::ledger::postgres::{PasswordSources, PgTarget};
    let none = PasswordSources {
        file: None,
        file_var: "LEADCTL_LEDGER_PASSWORD_FILE",
        env: None,
        default_user: Some("-"),
    };
    let t = PgTarget::parse(url, &none).map_err(|why| {
        Failure::config(format!(
            "invalid value for ledger: the PostgreSQL URL {why}"
        ))
    })?;
    if t.password.is_some() {
        return Err(Failure::config(
            "invalid value for ledger: the PostgreSQL URL holds a password, which does not belong \
             in the config file",
        )
        .with_hint(
            "set the URL without it, and put the password in a file named by \
             LEADCTL_LEDGER_PASSWORD_FILE (or in PGPASSWORD)",
        ));
    }
    Ok(toml_edit::Value::from(url))
}

/// A value for `config set`, checked and in the form it is stored in, with any warnings.
#[derive(Debug)]
pub struct Checked {
    pub value: toml_edit::Value,
    pub warnings: Vec<String>,
}

impl Key {
    /// Checks a value typed on the command line for this key. A bad value is a configuration error
    /// (exit 3) that says what is expected; `api_key` is refused, since a key on a command line
    /// lands in the shell history and the process list.
    pub fn check(self, raw: &str) -> Result<Checked, Failure> {
        let bad = |expected: &str| {
            Failure::config(format!(
                "invalid value {raw:?} for {self}: expected {expected}"
            ))
        };
        let mut warnings = Vec::new();
        let raw_trimmed = raw.trim();
        let value = match self {
            Key::ApiKey => {
                return Err(Failure::usage(
                    "api_key cannot be set from the command line: it would land in your shell \
                     history and the process list",
                )
                .with_hint(
                    "use `leadctl config set-key` (reads the key from stdin, or prompts without \
                     echo); if what you typed was a real key, remove it from your shell history",
                ))
            }
            Key::ApiUrl => {
                let url = crate::api::check_url(raw_trimmed).map_err(|e| {
                    Failure::config(format!("invalid value for api_url: {e}"))
                        .with_hint(format!("the default is {}", crate::api::DEFAULT_API_URL))
                })?;
                toml_edit::Value::from(url.as_str())
            }
            Key::Channel => {
                let id = uuid::Uuid::try_parse(raw_trimmed).map_err(|_| {
                    bad("a channel UUID such as a1b2c3d4-e5f6-7890-abcd-ef1234567890")
                })?;
                toml_edit::Value::from(id.hyphenated().to_string())
            }
            Key::Timeout => match raw_trimmed.parse::<f64>() {
                Ok(t) if t > 0.0 && t.is_finite() && t <= MAX_TIMEOUT_SECS => {
                    if t.fract() == 0.0 {
                        toml_edit::Value::from(t as i64)
                    } else {
                        toml_edit::Value::from(t)
                    }
                }
                _ => return Err(bad("a number of seconds greater than 0, e.g. 30 or 2.5")),
            },
            Key::Concurrency => match Concurrency::parse(raw_trimmed) {
                Ok(Concurrency::Auto) => toml_edit::Value::from("auto"),
                Ok(Concurrency::Fixed(n)) => toml_edit::Value::from(n as i64),
                Err(_) => return Err(bad("auto or a whole number from 1 to 256, e.g. 8")),
            },
            Key::Output => {
                use clap::ValueEnum;
                let format = crate::output::OutputFormat::from_str(raw_trimmed, true)
                    .map_err(|_| bad("one of table, json, ndjson, csv, id"))?;
                let name = format
                    .to_possible_value()
                    .map(|v| v.get_name().to_string())
                    .unwrap_or_else(|| raw_trimmed.to_ascii_lowercase());
                toml_edit::Value::from(name)
            }
            Key::CaBundle => {
                if raw_trimmed.is_empty() {
                    return Err(bad("the path of a PEM file"));
                }
                // Stored absolute: a relative path would mean a different file in every directory.
                let path = std::path::absolute(raw_trimmed).map_err(|_| bad("a file path"))?;
                if !path.is_file() {
                    warnings.push(format!(
                        "{} does not exist (yet); requests will fail until it does",
                        path.display()
                    ));
                }
                toml_edit::Value::from(path.to_string_lossy().into_owned())
            }
            Key::Ledger => {
                if raw_trimmed.is_empty() {
                    return Err(bad("the path of the ledger file"));
                }
                if crate::ledger::postgres::is_postgres_url(raw_trimmed) {
                    return postgres_ledger(raw_trimmed).map(|value| Checked { value, warnings });
                }
                // Stored absolute, as ca_bundle.
                let path = std::path::absolute(raw_trimmed).map_err(|_| bad("a file path"))?;
                toml_edit::Value::from(path.to_string_lossy().into_owned())
            }
            Key::LeadKey => match crate::ledger::KeyKind::parse(raw_trimmed) {
                Some(k) => toml_edit::Value::from(k.as_str()),
                None => return Err(bad("one of business_id, email, fields")),
            },
            Key::DecimalSeparator => match raw_trimmed.parse::<crate::number::DecimalSeparator>() {
                Ok(sep) => toml_edit::Value::from(sep.to_string()),
                Err(_) => return Err(bad(", (1.234,50) or . (1,234.50)")),
            },
            Key::Timezone => {
                if raw_trimmed.is_empty() {
                    return Err(bad("an IANA time zone name such as Europe/Berlin or UTC"));
                }
                crate::date::Rules::new(Some(raw_trimmed), None).map_err(|e| {
                    Failure::config(format!("invalid value for timezone: {e}")).with_hint(
                        "list the names with `timedatectl list-timezones`, or see the IANA zone list",
                    )
                })?;
                toml_edit::Value::from(raw_trimmed)
            }
            Key::DateOrder => match raw_trimmed.parse::<crate::date::DateOrder>() {
                Ok(order) => toml_edit::Value::from(order.to_string()),
                Err(_) => return Err(bad("dmy (31/12/2024) or mdy (12/31/2024)")),
            },
            Key::MaxCreate | Key::MaxChanges => match raw_trimmed.parse::<u32>() {
                Ok(n) => toml_edit::Value::from(i64::from(n)),
                Err(_) => return Err(bad("a whole number of 0 or more, e.g. 500")),
            },
        };
        Ok(Checked { value, warnings })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A config file opened for editing: the parsed model (to check it) and the format-preserving
/// document (to change it).
pub struct Editable {
    pub path: PathBuf,
    pub existed: bool,
    doc: toml_edit::DocumentMut,
}

impl Editable {
    /// Reads the file for editing; a missing one starts empty. An invalid file is refused (exit 3,
    /// naming the line and column) rather than rewritten.
    pub fn open(path: &Path) -> Result<Editable, Failure> {
        // Only a regular file is edited: the atomic write would replace a device or a FIFO.
        let (text, existed) = match read_config_text(path, Accept::RegularFile) {
            Ok(text) => (text, true),
            Err(e) if e.kind() == ErrorKind::NotFound => (String::new(), false),
            Err(e) => {
                return Err(Failure::config(format!(
                    "cannot read the config file {}: {e}",
                    path.display()
                ))
                .with_hint("fix its permissions, or point LEADCTL_CONFIG at another file"))
            }
        };
        parse(&text, path)?;
        let doc = text.parse::<toml_edit::DocumentMut>().map_err(|e| {
            Failure::config(format!(
                "invalid config file {}: {}",
                path.display(),
                located(e.message(), e.span(), &text)
            ))
        })?;
        Ok(Editable {
            path: path.to_path_buf(),
            existed,
            doc,
        })
    }

    /// The model of the document as it is now.
    pub fn model(&self) -> Result<ConfigFile, Failure> {
        parse(&self.doc.to_string(), &self.path)
    }

    pub fn has_profile(&self, profile: &str) -> bool {
        self.profile_table(profile).is_some()
    }

    fn profile_table(&self, profile: &str) -> Option<&dyn toml_edit::TableLike> {
        self.doc
            .get("profiles")?
            .as_table_like()?
            .get(profile)?
            .as_table_like()
    }

    /// The value of a key in a profile, as written in the file.
    pub fn get(&self, profile: &str, key: Key) -> Option<&toml_edit::Value> {
        self.profile_table(profile)?.get(key.name())?.as_value()
    }

    /// Sets a key in a profile, creating `[profiles.NAME]` when needed. Returns whether the
    /// profile was created.
    pub fn set(&mut self, profile: &str, key: Key, value: toml_edit::Value) -> bool {
        let profiles = self.doc.entry("profiles").or_insert_with(|| {
            let mut t = toml_edit::Table::new();
            t.set_implicit(true);
            toml_edit::Item::Table(t)
        });
        if profiles.as_table_like().is_none() {
            *profiles = toml_edit::Item::Table(toml_edit::Table::new());
        }
        let profiles = profiles.as_table_like_mut().expect("made a table above");
        let created = profiles.get(profile).is_none();
        let table = profiles
            .entry(profile)
            .or_insert(toml_edit::Item::Table(toml_edit::Table::new()));
        if table.as_table_like().is_none() {
            *table = toml_edit::Item::Table(toml_edit::Table::new());
        }
        let table = table.as_table_like_mut().expect("made a table above");
        match table.get_mut(key.name()) {
            // Keep the decoration (comments, spacing) of an existing line.
            Some(toml_edit::Item::Value(old)) => {
                let decor = old.decor().clone();
                *old = value;
                *old.decor_mut() = decor;
            }
            _ => {
                table.insert(key.name(), toml_edit::Item::Value(value));
            }
        }
        created
    }

    /// Removes a key from a profile; returns whether it was there.
    pub fn unset(&mut self, profile: &str, key: Key) -> bool {
        self.doc
            .get_mut("profiles")
            .and_then(|p| p.as_table_like_mut())
            .and_then(|p| p.get_mut(profile))
            .and_then(|t| t.as_table_like_mut())
            .and_then(|t| t.remove(key.name()))
            .is_some()
    }

    pub fn set_default_profile(&mut self, profile: &str) {
        match self.doc.get_mut("default_profile") {
            Some(toml_edit::Item::Value(old)) => {
                let decor = old.decor().clone();
                *old = toml_edit::Value::from(profile);
                *old.decor_mut() = decor;
            }
            _ => {
                // At the top, before the first table, where a reader looks for it.
                // Top-level values print before the first table, where a reader looks for them.
                self.doc
                    .insert("default_profile", toml_edit::value(profile));
            }
        }
    }

    /// Writes the document back, atomically and with mode 0600, after checking that leadctl
    /// itself would read it.
    pub fn save(&self) -> Result<(), Failure> {
        let text = self.doc.to_string();
        parse(&text, &self.path).map_err(|e| Failure {
            message: format!("refusing to write an invalid config: {}", e.message),
            ..e
        })?;
        crate::fsutil::write_atomic(&self.path, text.as_bytes()).map_err(|e| {
            Failure::config(format!(
                "cannot write the config file {}: {e}",
                self.path.display()
            ))
            .with_hint("check the directory's permissions and free space, or point LEADCTL_CONFIG at another file")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn reads_profiles() {
        let cfg = parse(
            "default_profile = \"staging\"\n[profiles.staging]\napi_key = \" k \"\ntimeout = 5\n\
             [profiles.prod]\ntimeout = 2.5\nchannel = \"c\"\n",
            Path::new("c.toml"),
        )
        .unwrap();
        assert_eq!(cfg.default_profile.as_deref(), Some("staging"));
        assert_eq!(
            cfg.profiles["staging"].api_key.as_ref().map(|k| k.expose()),
            Some("k")
        );
        assert_eq!(cfg.profiles["staging"].timeout, Some(5.0));
        assert_eq!(cfg.profiles["prod"].timeout, Some(2.5));
    }

    #[test]
    fn parse_errors_never_quote_the_line_that_may_hold_the_key() {
        let key = "5a4d1c2b-8e7f-4a3b-9c6d-0e1f2a3b4c5d";
        for text in [
            format!("[profiles.x]\napi_key = \"{key}\n"),
            format!("[profiles.x]\napi_key = {key}\n"),
            format!("[profiles.x]\napi_key = \"{key}\"\napi_key = \"{key}\"\n"),
        ] {
            let err = parse(&text, Path::new("c.toml")).unwrap_err();
            assert!(!err.message.contains(key), "{}", err.message);
            assert!(
                err.message.contains("line 2") || err.message.contains("line 3"),
                "{}",
                err.message
            );
        }
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let err = parse("[profiles.x]\napi_kee = \"k\"\n", Path::new("/tmp/c.toml")).unwrap_err();
        assert!(err.message.contains("/tmp/c.toml"), "{}", err.message);
        assert!(err.message.contains("line 2, column 1"), "{}", err.message);
        assert!(
            err.message.contains("unknown field `api_kee`"),
            "{}",
            err.message
        );
        let err = parse("[profiles.x]\ntimeout = \"slow\"\n", Path::new("c.toml")).unwrap_err();
        assert!(err.message.contains("line 2"), "{}", err.message);
    }

    const KEY: &str = "0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a";

    #[test]
    fn edits_keep_comments_order_and_hand_written_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let original = "# my leadctl setup\n\n[profiles.prod]  # the real one\n\
            timeout = 5 # seconds, slow VPN\nchannel = \"a1b2c3d4-e5f6-7890-abcd-ef1234567890\"\n\n\
            # staging below\n[profiles.staging]\napi_url = \"https://staging.example/fn\"\n";
        fs::write(&path, original).unwrap();
        let mut doc = Editable::open(&path).unwrap();
        doc.set("prod", Key::Timeout, Key::Timeout.check("9").unwrap().value);
        doc.set(
            "staging",
            Key::Output,
            Key::Output.check("Json").unwrap().value,
        );
        assert!(doc.set("new", Key::Concurrency, toml_edit::Value::from(2)));
        doc.set_default_profile("prod");
        doc.save().unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "default_profile = \"prod\"\n# my leadctl setup\n\n[profiles.prod]  # the real one\n\
             timeout = 9 # seconds, slow VPN\nchannel = \"a1b2c3d4-e5f6-7890-abcd-ef1234567890\"\n\n\
             # staging below\n[profiles.staging]\napi_url = \"https://staging.example/fn\"\n\
             output = \"json\"\n\n[profiles.new]\nconcurrency = 2\n"
        );
        let model = parse(&text, &path).unwrap();
        assert_eq!(model.profiles["prod"].timeout, Some(9.0));
        assert!(doc.unset("staging", Key::Output));
        assert!(!doc.unset("staging", Key::Output));
        assert!(!doc.unset("nosuch", Key::Output));
    }

    #[test]
    fn inline_profile_tables_are_edited_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        fs::write(&path, "profiles = { ci = { timeout = 1 } }\n").unwrap();
        let mut doc = Editable::open(&path).unwrap();
        assert!(doc.has_profile("ci"));
        assert!(!doc.set("ci", Key::Timeout, toml_edit::Value::from(2)));
        assert_eq!(doc.model().unwrap().profiles["ci"].timeout, Some(2.0));
    }

    #[test]
    fn an_invalid_file_is_refused_not_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        fs::write(&path, "[profiles.x]\ntimeout = \"slow\"\n").unwrap();
        let err = Editable::open(&path).err().unwrap();
        assert_eq!(err.kind, crate::error::Kind::Config);
        assert!(err.message.contains("line 2"), "{}", err.message);
        fs::write(&path, "[profiles.x\n").unwrap();
        assert!(Editable::open(&path).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn warns_about_a_readable_file_holding_a_key() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        fs::write(&path, format!("[profiles.p]\napi_key = \"{KEY}\"\n")).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let loaded = load(Some(path.clone())).unwrap();
        let warning = permission_warning(&loaded).unwrap();
        assert!(warning.contains("mode 0644"), "{warning}");
        assert!(warning.contains(&format!("chmod 600 {}", path.display())));
        assert!(!warning.contains(KEY));
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        assert!(permission_warning(&loaded).is_none());
        fs::write(&path, "[profiles.p]\ntimeout = 3\n").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let loaded = load(Some(path)).unwrap();
        assert!(permission_warning(&loaded).is_none(), "no key, no warning");
    }

    #[test]
    fn values_are_checked_per_key() {
        let ok = |k: Key, v: &str| k.check(v).unwrap().value.to_string();
        assert_eq!(ok(Key::Timeout, "30"), "30");
        assert_eq!(ok(Key::Timeout, "2.5"), "2.5");
        assert_eq!(ok(Key::Concurrency, "8"), "8");
        assert_eq!(ok(Key::Output, "NDJSON"), "\"ndjson\"");
        assert_eq!(ok(Key::DecimalSeparator, " , "), "\",\"");
        assert_eq!(ok(Key::DecimalSeparator, "dot"), "\".\"");
        assert_eq!(ok(Key::Timezone, " Europe/Berlin "), "\"Europe/Berlin\"");
        assert_eq!(ok(Key::DateOrder, "DMY"), "\"dmy\"");
        assert_eq!(ok(Key::DateOrder, "mm/dd/yyyy"), "\"mdy\"");
        assert_eq!(
            ok(Key::Channel, "A1B2C3D4-E5F6-7890-ABCD-EF1234567890"),
            "\"a1b2c3d4-e5f6-7890-abcd-ef1234567890\""
        );
        assert_eq!(
            ok(Key::ApiUrl, "https://x.example/fn"),
            "\"https://x.example/fn\""
        );
        for (key, bad) in [
            (Key::Timeout, "abc"),
            (Key::Timeout, "0"),
            (Key::Timeout, "-1"),
            (Key::Timeout, "inf"),
            (Key::Concurrency, "0"),
            (Key::Concurrency, "1.5"),
            (Key::Output, "yaml"),
            (Key::Channel, "general"),
            (Key::ApiUrl, "http://api.example.com/fn"),
            (Key::ApiUrl, "not a url"),
            (Key::CaBundle, " "),
            (Key::DecimalSeparator, ";"),
            (Key::Timezone, "Mars/Olympus"),
            (Key::Timezone, " "),
            (Key::DateOrder, "ymd"),
            (Key::MaxCreate, "-1"),
            (Key::MaxChanges, "many"),
        ] {
            let err = key.check(bad).unwrap_err();
            assert_eq!(err.kind, crate::error::Kind::Config, "{key} {bad}");
        }
        let err = Key::ApiKey.check(KEY).unwrap_err();
        assert_eq!(err.kind, crate::error::Kind::Usage);
        assert!(!err.message.contains(KEY));
        assert!(err.hint.unwrap().contains("set-key"));
        let missing = Key::CaBundle.check("/nonexistent/ca.pem").unwrap();
        assert_eq!(missing.warnings.len(), 1);
        assert_eq!(Key::parse("API-URL").unwrap(), Key::ApiUrl);
        let err = Key::parse("colour").unwrap_err();
        assert_eq!(
            err.hint.as_deref(),
            Some("valid keys: api_key, api_url, channel, timeout, concurrency, output, ca_bundle, ledger, key, decimal_separator, timezone, date_order, max_create, max_changes")
        );
    }

    #[test]
    fn missing_file_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let loaded = load(Some(dir.path().join("none.toml"))).unwrap();
        assert!(loaded.file.profiles.is_empty());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn devices_are_no_config_files() {
        // /dev/null means "no config"; other devices are refused, and nothing is edited in place
        // of a device (the atomic write would replace it).
        let loaded = load(Some(PathBuf::from("/dev/null"))).unwrap();
        assert!(loaded.file.profiles.is_empty());
        let err = load(Some(PathBuf::from("/dev/zero"))).unwrap_err();
        assert_eq!(
            err.message,
            "cannot read the config file /dev/zero: it is a character device, not a regular file"
        );
        let err = Editable::open(Path::new("/dev/null")).err().unwrap();
        assert!(
            err.message.contains("not a regular file"),
            "{}",
            err.message
        );
    }
}

//! Where a ledger is (a SQLite file, memory, a PostgreSQL database), and the API URL as keys are
//! scoped by it.

use std::fmt;
use std::path::PathBuf;

use super::postgres;

/// Where the ledger lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    File(PathBuf),
    /// For `--sandbox`: gone with the process.
    Memory,
    /// A PostgreSQL database (`postgres://`); shown and debugged with its password masked.
    Postgres(Box<postgres::PgTarget>),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File(p) => write!(f, "{}", p.display()),
            Location::Memory => f.write_str("(in memory)"),
            Location::Postgres(t) => write!(f, "{t}"),
        }
    }
}

/// The default ledger file: `ledger.sqlite3` in the platform data directory
/// (`$XDG_DATA_HOME/leadctl/` or `~/.local/share/leadctl/` on Linux).
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "leadctl").map(|d| d.data_dir().join("ledger.sqlite3"))
}

/// Where a ledger's runs keep their sent notes (`sent.rs`): beside a ledger file
/// (`ledger.sqlite3-sent/`), in the data directory for a PostgreSQL ledger (`sent/<database>/`:
/// each machine its own), none for one in memory.
pub(super) fn notes_dir(location: &Location) -> Option<PathBuf> {
    match location {
        Location::File(p) => {
            let mut name = p.file_name()?.to_os_string();
            name.push("-sent");
            Some(p.with_file_name(name))
        }
        Location::Memory => None,
        // One directory per database (its target as shown, the password masked): one
        // database's runs never prune another's notes.
        Location::Postgres(t) => {
            let mut h = crate::identity::Fnv::default();
            h.write(t.to_string().as_bytes());
            let dir = format!("{:016x}", h.value());
            Some(default_path()?.parent()?.join("sent").join(dir))
        }
    }
}

/// The API URL as the ledger scopes keys by it: one spelling per address. No credentials, no
/// query (`?`, `?utm=1`), no fragment, no default port, no trailing slash, lower-case scheme and
/// host. Different host names for one server are told apart by its identity (`server`).
pub fn scope_url(url: &str) -> String {
    let trimmed = url.trim();
    match reqwest::Url::parse(trimmed) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.set_query(None);
            u.set_fragment(None);
            u.as_str().trim_end_matches('/').to_string()
        }
        Err(_) => trimmed
            .split(['?', '#'])
            .next()
            .unwrap_or_default()
            .trim_end_matches('/')
            .to_string(),
    }
}

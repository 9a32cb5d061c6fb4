//! The config file (`config.toml`): its model and where it lives. This module only reads it;
//! nothing here touches the network or the process environment (the path lookup takes the
//! `LEADCTL_CONFIG` value from its caller).

use std::collections::BTreeMap;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer};

use crate::exit::Failure;
use crate::secret::ApiKey;

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
    pub concurrency: Option<usize>,
    pub output: Option<String>,
    pub ca_bundle: Option<PathBuf>,
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
    let text = match std::fs::read_to_string(&path) {
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

pub fn parse(text: &str, path: &Path) -> Result<ConfigFile, Failure> {
    toml::from_str(text).map_err(|e| {
        Failure::config(format!(
            "invalid config file {}: {}",
            path.display(),
            e.to_string().trim_end()
        ))
        .with_hint(
            "valid profile keys: api_key, api_url, channel, timeout, concurrency, output, ca_bundle; \
             fix the file or point LEADCTL_CONFIG at another one",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn missing_file_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let loaded = load(Some(dir.path().join("none.toml"))).unwrap();
        assert!(loaded.file.profiles.is_empty());
    }
}

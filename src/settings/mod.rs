//! One resolved, checked `Settings` per run, made before any request: every value with the place
//! it came from. Precedence lives here and only here: flag > environment > profile > default.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use clap::ValueEnum;

use crate::api::event::retry_notice;
use crate::api::{
    ApiClient, ApiError, ClientConfig, Event, Observer, RetryPolicy, DEFAULT_API_URL,
};
use crate::cli::GlobalArgs;
use crate::config::{Loaded, Profile, DEFAULT_CONCURRENCY, MAX_CONCURRENCY, MAX_TIMEOUT_SECS};
use crate::error::Failure;
use crate::log::Log;
use crate::number::DecimalSeparator;
use crate::output::OutputFormat;
use crate::secret::ApiKey;

mod ledger;
mod origin;
mod profile;

use ledger::resolve_ledger;
pub use ledger::{command_line_password_warning, ledger_location};
use origin::{pick, sourced};
pub use origin::{use_color, Env, Origin, Sourced};
use profile::select_profile;
pub use profile::{profile_name, unknown_profile};

pub const DEFAULT_TIMEOUT_SECS: f64 = 30.0;

/// Where the settings that are not `Sourced` came from (for `config list`).
#[derive(Debug, Clone)]
pub struct Origins {
    pub profile: Origin,
    pub timeout: Origin,
    pub concurrency: Origin,
    pub output: Origin,
    /// `None` when no CA bundle is set.
    pub ca_bundle: Option<Origin>,
    pub ledger: Origin,
    /// `None` when no key kind is set (the default rule applies).
    pub lead_key: Option<Origin>,
    /// `None` when no decimal separator is set.
    pub decimal_separator: Option<Origin>,
    /// `None` when the profile sets no time zone (UTC applies) or no date order.
    pub timezone: Option<Origin>,
    pub date_order: Option<Origin>,
    /// `None` when the profile sets no limit.
    pub max_create: Option<Origin>,
    pub max_changes: Option<Origin>,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub profile: String,
    pub origins: Origins,
    pub api_url: Sourced<String>,
    pub api_key: Option<Sourced<ApiKey>>,
    /// The channel from the environment or the profile; a command's `--channel` beats it.
    pub channel: Option<Sourced<String>>,
    pub timeout: Duration,
    /// `auto` or a fixed number (the profile's, else auto); `--concurrency` beats it.
    pub concurrency: crate::deliver::setting::Concurrency,
    pub output: OutputFormat,
    pub ca_bundle: Option<PathBuf>,
    pub sandbox: bool,
    /// Where the ledger is; `None` with `--no-ledger`.
    pub ledger: Option<crate::ledger::Location>,
    /// The profile's `key`: what identifies a lead (a command's `--key` beats it).
    pub lead_key: Option<crate::ledger::KeyKind>,
    /// `LEADCTL_DECIMAL_SEPARATOR`, else the profile's `decimal_separator`: how number property
    /// values are read (a command's `--decimal-separator` beats it).
    pub decimal_separator: Option<DecimalSeparator>,
    /// The profile's `timezone` (checked: an IANA name) and `date_order`: how zone-less and
    /// slashed dates are read (a mapping file's keys and a command's flags beat them).
    pub timezone: Option<String>,
    pub date_order: Option<crate::date::DateOrder>,
    /// The profile's `max_create` and `max_changes` (the mapping file's and the flags beat them).
    pub limits: crate::import::limits::Limits,
    pub config_path: Option<PathBuf>,
    pub retry: RetryPolicy,
    /// Where checks of the server are cached and for how long (`LEADCTL_CHECK_CACHE` seconds,
    /// default 600; `0` turns the cache off): `None` when off or without a data directory.
    pub check_cache: Option<crate::api::cache::Where>,
    /// `-q`, `-v`/`-vv` and whether stderr gets colour: what `log()` is made from.
    pub quiet: bool,
    pub verbose: u8,
    pub color: bool,
    /// `LEADCTL_REPORT`: the run report's file when a command's `--report` is not given.
    pub report: Option<PathBuf>,
    /// Under GitHub Actions (`GITHUB_ACTIONS=true`): where the job summary and outputs go.
    pub github: Option<crate::report::github::Actions>,
    /// `HOSTNAME` or `COMPUTERNAME`: this machine's name where the system does not say it.
    pub host_hint: Option<String>,
}

impl Settings {
    pub fn resolve(args: &GlobalArgs, env: &Env, config: &Loaded) -> Result<Settings, Failure> {
        let (profile_name, profile_name_origin, profile) = select_profile(args, env, config)?;
        let profile_origin = || Origin::Profile {
            profile: profile_name.clone(),
            path: config.path.clone().unwrap_or_default(),
        };
        let text = |v: &str| Ok(v.to_string());
        let sandbox = args.sandbox || env.get("LEADCTL_SANDBOX").is_some_and(|v| v != "0");

        let api_url = pick(
            args.api_url.clone(),
            env,
            Some(("LEADCTL_API_URL", &text)),
            || Ok(profile.api_url.clone().map(|u| (u, profile_origin()))),
        )?
        .unwrap_or_else(|| sourced(DEFAULT_API_URL.to_string(), Origin::Default));

        let api_key = api_key_setting(env, &profile, &profile_origin)?;

        let channel = pick(None, env, Some(("LEADCTL_CHANNEL", &text)), || {
            Ok(profile.channel.clone().map(|c| (c, profile_origin())))
        })?;

        let output = output_setting(args, env, &profile, &profile_origin)?;

        let timeout = pick(args.timeout, env, None, || {
            Ok(profile.timeout.map(|t| (t, profile_origin())))
        })?
        .unwrap_or_else(|| sourced(DEFAULT_TIMEOUT_SECS, Origin::Default));
        let concurrency = pick(None, env, None, || {
            Ok(profile.concurrency.map(|c| (c, profile_origin())))
        })?
        .unwrap_or_else(|| sourced(DEFAULT_CONCURRENCY, Origin::Default));
        check_bounds(timeout.value, concurrency.value, &profile_origin())?;

        let ledger = resolve_ledger(args, env, sandbox, || {
            Ok(profile.ledger.clone().map(|l| (l, profile_origin())))
        })?;
        let lead_key = lead_key_setting(env, &profile, &profile_origin)?;
        let decimal_separator = decimal_separator_setting(env, &profile, &profile_origin)?;
        let (timezone, date_order) = date_settings(&profile, &profile_origin)?;

        let ca_bundle = pick(
            args.ca_bundle.clone(),
            env,
            Some(("LEADCTL_CA_BUNDLE", &|v| Ok(PathBuf::from(v)))),
            || Ok(profile.ca_bundle.clone().map(|p| (p, profile_origin()))),
        )?;

        let mut ledger = ledger;
        if let Some(crate::ledger::Location::Postgres(t)) = &mut ledger.value {
            // The URL's sslrootcert, else the CA bundle every TLS connection uses.
            if t.ca_bundle.is_none() {
                t.ca_bundle = ca_bundle.as_ref().map(|c| c.value.clone());
            }
        }

        Ok(Settings {
            profile: profile_name.clone(),
            origins: Origins {
                profile: profile_name_origin,
                timeout: timeout.origin,
                concurrency: concurrency.origin,
                output: output.origin,
                ca_bundle: ca_bundle.as_ref().map(|c| c.origin.clone()),
                ledger: ledger.origin.clone(),
                lead_key: lead_key.as_ref().map(|k| k.origin.clone()),
                decimal_separator: decimal_separator.as_ref().map(|d| d.origin.clone()),
                timezone: timezone.as_ref().map(|_| profile_origin()),
                date_order: date_order.as_ref().map(|_| profile_origin()),
                max_create: profile.max_create.map(|_| profile_origin()),
                max_changes: profile.max_changes.map(|_| profile_origin()),
            },
            api_url,
            api_key,
            channel,
            timeout: Duration::from_secs_f64(timeout.value),
            concurrency: concurrency.value,
            output: output.value,
            ca_bundle: ca_bundle.map(|c| c.value),
            sandbox,
            ledger: ledger.value,
            lead_key: lead_key.as_ref().map(|k| k.value),
            decimal_separator: decimal_separator.map(|d| d.value),
            timezone,
            date_order,
            limits: crate::import::limits::Limits {
                max_create: profile.max_create,
                max_changes: profile.max_changes,
            },
            config_path: config.path.clone(),
            retry: retry_policy(env)?,
            check_cache: check_cache(env)?,
            quiet: args.quiet,
            verbose: args.verbose,
            color: use_color(args.color, env, std::io::stderr().is_terminal()),
            report: env
                .get("LEADCTL_REPORT")
                .filter(|v| !v.trim().is_empty())
                .map(PathBuf::from),
            github: crate::report::github::Actions::from_env(|k| env.get(k)),
            host_hint: env
                .get("HOSTNAME")
                .or_else(|| env.get("COMPUTERNAME"))
                .map(str::to_string),
        })
    }

    /// The stderr messages of this run, as `-q`, `-v` and `--color` ask.
    pub fn log(&self) -> Log {
        Log::new(self.quiet, self.verbose, self.color)
    }

    /// Points this run at an in-process sandbox: its URL and key, and its primary channel unless
    /// the command names one.
    pub fn use_sandbox(&mut self, url: String, key: &str, channel: &str) {
        self.api_url = sourced(url, Origin::Sandbox);
        self.api_key = Some(sourced(ApiKey::new(key), Origin::Sandbox));
        self.channel = Some(sourced(channel.to_string(), Origin::Sandbox));
    }

    /// The API key, or exit 3 saying how to provide one.
    pub fn require_key(&self) -> Result<&ApiKey, Failure> {
        match &self.api_key {
            Some(k) => Ok(&k.value),
            None => Err(Failure::config("no API key").with_hint(format!(
                "set LEADCTL_API_KEY (or LEADCTL_API_KEY_FILE for a file holding it), or put \
                 api_key in profile {:?} of {}; keys are created in the KeenPartner web app under \
                 Settings > API keys. To try leadctl without one, add --sandbox",
                self.profile,
                self.config_display()
            ))),
        }
    }

    /// The channel for a command: its `--channel` flag, else the environment or profile; exit 3
    /// when there is none.
    pub fn require_channel(&self, flag: Option<&str>) -> Result<Sourced<String>, Failure> {
        if let Some(c) = flag {
            return Ok(sourced(c.to_string(), Origin::Flag));
        }
        self.channel.clone().ok_or_else(|| {
            Failure::config("no channel given").with_hint(format!(
                "pass --channel UUID, set LEADCTL_CHANNEL, or set channel in profile {:?} of {}",
                self.profile,
                self.config_display()
            ))
        })
    }

    pub fn config_display(&self) -> String {
        match &self.config_path {
            Some(p) => p.display().to_string(),
            None => "the config file".to_string(),
        }
    }

    /// The HTTP client; built only by commands that send requests (building it reads the TLS
    /// roots, which `--help` or `config` should not pay for).
    pub fn client(&self) -> Result<ApiClient, ApiError> {
        self.client_with(self.retry.clone())
    }

    /// The client with another retry policy (bulk imports wait longer through 429s).
    pub fn client_with(&self, retry: RetryPolicy) -> Result<ApiClient, ApiError> {
        ApiClient::new(ClientConfig {
            api_url: self.api_url.value.clone(),
            api_key: self.api_key.as_ref().map(|k| k.value.clone()),
            timeout: self.timeout,
            ca_bundle: self.ca_bundle.clone(),
            retry,
            observer: log_events(self.log()),
        })
    }
}

/// The API key: `LEADCTL_API_KEY`, else the file `LEADCTL_API_KEY_FILE` names (a second
/// environment source), else the profile's.
fn api_key_setting(
    env: &Env,
    profile: &Profile,
    profile_origin: &dyn Fn() -> Origin,
) -> Result<Option<Sourced<ApiKey>>, Failure> {
    pick(
        None,
        env,
        Some(("LEADCTL_API_KEY", &|v| Ok(ApiKey::new(v)))),
        || match key_file(env)? {
            Some(found) => Ok(Some(found)),
            None => Ok(profile.api_key.clone().map(|k| (k, profile_origin()))),
        },
    )
}

/// The output format: `--output`, `LEADCTL_OUTPUT`, the profile's, else a table.
fn output_setting(
    args: &GlobalArgs,
    env: &Env,
    profile: &Profile,
    profile_origin: &dyn Fn() -> Origin,
) -> Result<Sourced<OutputFormat>, Failure> {
    Ok(pick(
        args.output,
        env,
        Some(("LEADCTL_OUTPUT", &|v| {
            parse_output(v, "environment variable LEADCTL_OUTPUT")
        })),
        || {
            let origin = profile_origin();
            match &profile.output {
                Some(o) => Ok(Some((parse_output(o, &origin.to_string())?, origin))),
                None => Ok(None),
            }
        },
    )?
    .unwrap_or_else(|| sourced(OutputFormat::Table, Origin::Default)))
}

/// The profile's `key` (what identifies a lead), checked.
fn lead_key_setting(
    env: &Env,
    profile: &Profile,
    profile_origin: &dyn Fn() -> Origin,
) -> Result<Option<Sourced<crate::ledger::KeyKind>>, Failure> {
    pick(None, env, None, || {
        let origin = profile_origin();
        match &profile.key {
            Some(k) => match crate::ledger::KeyKind::parse(k) {
                Some(kind) => Ok(Some((kind, origin))),
                None => Err(Failure::config(format!(
                    "invalid key {k:?} ({origin}): expected business_id, email or fields"
                ))),
            },
            None => Ok(None),
        }
    })
}

/// `LEADCTL_DECIMAL_SEPARATOR`, else the profile's `decimal_separator`, checked.
fn decimal_separator_setting(
    env: &Env,
    profile: &Profile,
    profile_origin: &dyn Fn() -> Origin,
) -> Result<Option<Sourced<DecimalSeparator>>, Failure> {
    fn parse(v: &str, origin: &dyn std::fmt::Display) -> Result<DecimalSeparator, Failure> {
        v.parse::<DecimalSeparator>().map_err(|_| {
            Failure::config(format!(
                "invalid decimal_separator {v:?} ({origin}): expected , (1.234,50) or . (1,234.50)"
            ))
        })
    }
    pick(
        None,
        env,
        Some(("LEADCTL_DECIMAL_SEPARATOR", &|v| {
            parse(v, &"environment variable LEADCTL_DECIMAL_SEPARATOR")
        })),
        || {
            let origin = profile_origin();
            match &profile.decimal_separator {
                Some(v) => Ok(Some((parse(v, &origin)?, origin))),
                None => Ok(None),
            }
        },
    )
}

/// The profile's `timezone` and `date_order`, checked (a hand-edited file can hold anything).
type DateSettings = (Option<String>, Option<crate::date::DateOrder>);
fn date_settings(
    profile: &Profile,
    profile_origin: &dyn Fn() -> Origin,
) -> Result<DateSettings, Failure> {
    let timezone = match profile.timezone.as_deref().map(str::trim) {
        Some(zone) => {
            crate::date::Rules::new(Some(zone), None).map_err(|e| {
                Failure::config(format!("invalid timezone ({}): {e}", profile_origin()))
                    .with_hint("fix it with `leadctl config set timezone NAME`")
            })?;
            Some(zone.to_string())
        }
        None => None,
    };
    let date_order = match &profile.date_order {
        Some(v) => Some(v.parse::<crate::date::DateOrder>().map_err(|e| {
            Failure::config(format!("invalid date_order ({}): {e}", profile_origin()))
                .with_hint("fix it with `leadctl config set date_order dmy` (or mdy)")
        })?),
        None => None,
    };
    Ok((timezone, date_order))
}

/// The client's events on stderr: each wait as a notice (hidden by `-q`), and with `-v` each
/// request and answer (`-vv`: with the answer's headers and whole bodies). The key is never in
/// an event.
fn log_events(log: Log) -> Observer {
    Observer::new(move |event| match event {
        Event::Retry {
            why,
            wait,
            attempt,
            of,
        } => log.notice(&retry_notice(why, *wait, *attempt, *of)),
        Event::Request {
            url,
            key_sent,
            body,
        } if log.verbose() >= 1 => {
            let key_line = if *key_sent {
                "X-Api-Key: (redacted)"
            } else {
                "(no X-Api-Key)"
            };
            log.debug(&format!(
                "> POST {url} {key_line}\n> {}",
                log.body_excerpt(body)
            ));
        }
        Event::Response {
            status,
            elapsed,
            headers,
            body,
        } if log.verbose() >= 1 => {
            let mut msg = format!("< {status} in {} ms", elapsed.as_millis());
            if log.verbose() >= 2 {
                for (name, value) in headers.iter() {
                    msg.push_str(&format!("\n< {name}: {}", value.to_str().unwrap_or("?")));
                }
            }
            msg.push_str(&format!("\n< {}", log.body_excerpt(body)));
            log.debug(&msg);
        }
        Event::Request { .. } | Event::Response { .. } => {}
    })
}

fn check_bounds(
    timeout_secs: f64,
    concurrency: crate::deliver::setting::Concurrency,
    profile: &Origin,
) -> Result<(), Failure> {
    if !(timeout_secs > 0.0 && timeout_secs <= MAX_TIMEOUT_SECS) {
        return Err(Failure::config(format!(
            "timeout must be a number of seconds greater than 0 and at most {MAX_TIMEOUT_SECS} \
             ({profile})"
        )));
    }
    if !concurrency.in_bounds() {
        return Err(Failure::config(format!(
            "concurrency must be auto or between 1 and {MAX_CONCURRENCY} ({profile})"
        )));
    }
    Ok(())
}

/// The most an API key file may hold (a key is 36 characters; a secret mount holds one).
const MAX_KEY_FILE: u64 = 8 * 1024;

/// The key in the file named by `LEADCTL_API_KEY_FILE`, when that is set.
fn key_file(env: &Env) -> Result<Option<(ApiKey, Origin)>, Failure> {
    let Some(path) = env.get("LEADCTL_API_KEY_FILE") else {
        return Ok(None);
    };
    let path = PathBuf::from(path);
    let text = crate::fsutil::read_capped_string(
        &path,
        MAX_KEY_FILE,
        crate::fsutil::Accept::FileOrPipe,
        "an API key file",
    )
    .map_err(|e| {
        Failure::config(format!(
            "cannot read the API key file {} named by LEADCTL_API_KEY_FILE: {e}",
            path.display()
        ))
    })?;
    // Editors on Windows write a BOM; `ApiKey::new` trims the whitespace and CRLF around it.
    let key = ApiKey::new(text.trim_start().trim_start_matches('\u{feff}'));
    if key.is_empty() {
        return Err(Failure::config(format!(
            "the API key file {} named by LEADCTL_API_KEY_FILE is empty",
            path.display()
        )));
    }
    Ok(Some((key, Origin::KeyFile(path))))
}

/// The retry policy: the default, with the first back-off step from `LEADCTL_RETRY_BASE_MS`
/// (default 250 ms). Undocumented in --help: it exists so tests and CI jobs that exercise
/// connection failures need not wait for production back-offs.
fn retry_policy(env: &Env) -> Result<RetryPolicy, Failure> {
    let mut retry = RetryPolicy::default();
    if let Some(ms) = env.get("LEADCTL_RETRY_BASE_MS") {
        let ms: u64 = ms.parse().map_err(|_| {
            Failure::config(format!(
                "LEADCTL_RETRY_BASE_MS must be milliseconds, got {ms:?}"
            ))
        })?;
        retry.base_delay = Duration::from_millis(ms);
    }
    Ok(retry)
}

/// How long a check of the server is reused, from `LEADCTL_CHECK_CACHE` (seconds; `0` off), and
/// a channel's newest leads, from `LEADCTL_WINDOW_CACHE` (seconds; `0` never).
fn check_cache(env: &Env) -> Result<Option<crate::api::cache::Where>, Failure> {
    let secs = seconds(
        env,
        "LEADCTL_CHECK_CACHE",
        CHECK_CACHE_SECS,
        "turns the cache off",
    )?;
    let window = seconds(
        env,
        "LEADCTL_WINDOW_CACHE",
        WINDOW_CACHE_SECS,
        "reads them before every create",
    )?;
    if secs == 0 {
        return Ok(None);
    }
    Ok(
        directories::ProjectDirs::from("", "", "leadctl").map(|d| crate::api::cache::Where {
            dir: d.data_dir().join("checks"),
            ttl: Duration::from_secs(secs),
            window_ttl: Duration::from_secs(window),
        }),
    )
}

/// A number of seconds from the environment variable `name`, `default` when unset; `zero` says
/// what 0 does.
fn seconds(env: &Env, name: &str, default: u64, zero: &str) -> Result<u64, Failure> {
    match env.get(name) {
        None => Ok(default),
        Some(v) => v.trim().parse::<u64>().map_err(|_| {
            Failure::config(format!(
                "{name} must be a number of seconds (0 {zero}), got {}",
                crate::log::quoted(v)
            ))
            .with_hint(format!(
                "unset it for the default ({default}), or set {name}=0"
            ))
        }),
    }
}

/// How long a cached check of the server is used by default (10 minutes).
pub const CHECK_CACHE_SECS: u64 = 600;
/// How long a `create` uses the newest leads of a channel another `create` read, by default:
/// long enough for a script's loop of creates to read them once, short enough that a lead made
/// elsewhere meanwhile is rarely missed (doc/ledger.md, "Checks a `create` makes").
pub const WINDOW_CACHE_SECS: u64 = 5;

fn parse_output(value: &str, origin: &str) -> Result<OutputFormat, Failure> {
    match OutputFormat::from_str(value, true) {
        // A default for every command cannot be one only `template` writes.
        Ok(OutputFormat::Xlsx) | Err(_) => Err(Failure::config(format!(
            "invalid output format {value:?} ({origin})"
        ))
        .with_hint(
            "valid formats: table, json, ndjson, csv, id (xlsx only as -o for leadctl template)",
        )),
        Ok(f) => Ok(f),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{parse, ConfigFile};
    use std::path::Path;

    fn loaded(toml: &str) -> Loaded {
        Loaded {
            path: Some(PathBuf::from("/cfg/config.toml")),
            file: if toml.is_empty() {
                ConfigFile::default()
            } else {
                parse(toml, Path::new("/cfg/config.toml")).unwrap()
            },
        }
    }

    const CFG: &str = "default_profile = \"staging\"\n\
        [profiles.staging]\napi_url = \"https://staging.example/fn\"\napi_key = \"profile-key\"\n\
        channel = \"profile-channel\"\ntimeout = 9\noutput = \"csv\"\n\
        [profiles.prod]\napi_key = \"prod-key\"\n";

    #[test]
    fn defaults_without_anything() {
        let s = Settings::resolve(&GlobalArgs::default(), &Env::default(), &loaded("")).unwrap();
        assert_eq!(s.api_url.value, DEFAULT_API_URL);
        assert_eq!(s.api_url.origin, Origin::Default);
        assert!(s.api_key.is_none());
        assert!(s.channel.is_none());
        assert_eq!(s.timeout, Duration::from_secs(30));
        assert_eq!(s.output, OutputFormat::Table);
        assert_eq!(s.profile, "default");
        let err = s.require_key().unwrap_err();
        assert_eq!(err.kind, crate::error::Kind::Config);
        assert!(err.hint.unwrap().contains("LEADCTL_API_KEY"));
    }

    #[test]
    fn profile_beats_default() {
        let s = Settings::resolve(&GlobalArgs::default(), &Env::default(), &loaded(CFG)).unwrap();
        assert_eq!(s.profile, "staging");
        assert_eq!(s.api_url.value, "https://staging.example/fn");
        assert!(matches!(s.api_url.origin, Origin::Profile { .. }));
        assert_eq!(s.api_key.unwrap().value.expose(), "profile-key");
        assert_eq!(s.channel.unwrap().value, "profile-channel");
        assert_eq!(s.timeout, Duration::from_secs(9));
        assert_eq!(s.output, OutputFormat::Csv);
    }

    #[test]
    fn env_beats_profile() {
        let env = Env::from_pairs(&[
            ("LEADCTL_API_URL", "https://env.example/fn"),
            ("LEADCTL_API_KEY", "env-key"),
            ("LEADCTL_CHANNEL", "env-channel"),
            ("LEADCTL_OUTPUT", "ndjson"),
            ("LEADCTL_PROFILE", "prod"),
        ]);
        let s = Settings::resolve(&GlobalArgs::default(), &env, &loaded(CFG)).unwrap();
        assert_eq!(s.profile, "prod");
        assert_eq!(s.api_url.origin, Origin::Env("LEADCTL_API_URL"));
        assert_eq!(s.api_key.unwrap().value.expose(), "env-key");
        assert_eq!(s.channel.unwrap().origin, Origin::Env("LEADCTL_CHANNEL"));
        assert_eq!(s.output, OutputFormat::Ndjson);
    }

    #[test]
    fn flag_beats_env() {
        let env = Env::from_pairs(&[
            ("LEADCTL_API_URL", "https://env.example/fn"),
            ("LEADCTL_OUTPUT", "ndjson"),
            ("LEADCTL_PROFILE", "nope"),
        ]);
        let args = GlobalArgs {
            api_url: Some("https://flag.example/fn".into()),
            output: Some(OutputFormat::Id),
            profile: Some("prod".into()),
            timeout: Some(1.5),
            ..GlobalArgs::default()
        };
        let s = Settings::resolve(&args, &env, &loaded(CFG)).unwrap();
        assert_eq!(s.api_url.value, "https://flag.example/fn");
        assert_eq!(s.api_url.origin, Origin::Flag);
        assert_eq!(s.output, OutputFormat::Id);
        assert_eq!(s.profile, "prod");
        assert_eq!(s.timeout, Duration::from_millis(1500));
        let ch = s.require_channel(Some("flag-channel")).unwrap();
        assert_eq!(
            (ch.value.as_str(), ch.origin),
            ("flag-channel", Origin::Flag)
        );
    }

    #[test]
    fn key_file_is_used_when_the_key_var_is_unset() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("key");
        std::fs::write(&file, "file-key\n").unwrap();
        let file_str = file.to_str().unwrap();
        let env = Env::from_pairs(&[("LEADCTL_API_KEY_FILE", file_str)]);
        let s = Settings::resolve(&GlobalArgs::default(), &env, &loaded(CFG)).unwrap();
        let key = s.api_key.unwrap();
        assert_eq!(key.value.expose(), "file-key");
        assert_eq!(key.origin, Origin::KeyFile(file.clone()));

        let env = Env::from_pairs(&[
            ("LEADCTL_API_KEY", "env-key"),
            ("LEADCTL_API_KEY_FILE", file_str),
        ]);
        let s = Settings::resolve(&GlobalArgs::default(), &env, &loaded("")).unwrap();
        assert_eq!(s.api_key.unwrap().value.expose(), "env-key");

        let env = Env::from_pairs(&[("LEADCTL_API_KEY_FILE", "/nonexistent/key")]);
        let err = Settings::resolve(&GlobalArgs::default(), &env, &loaded("")).unwrap_err();
        assert!(err.message.contains("/nonexistent/key"), "{}", err.message);
    }

    #[test]
    fn unknown_profile_lists_the_known_ones() {
        let args = GlobalArgs {
            profile: Some("prdo".into()),
            ..GlobalArgs::default()
        };
        let err = Settings::resolve(&args, &Env::default(), &loaded(CFG)).unwrap_err();
        assert!(
            err.message.contains("unknown profile \"prdo\""),
            "{}",
            err.message
        );
        assert_eq!(err.hint.as_deref(), Some("profiles there: prod, staging"));
    }

    #[test]
    fn profile_values_out_of_range_are_config_errors_not_panics() {
        for toml in [
            "[profiles.default]\ntimeout = 1e300\n",
            "[profiles.default]\ntimeout = 1e19\n",
            "[profiles.default]\ntimeout = -1\n",
            "[profiles.default]\nconcurrency = 100000000\n",
            "[profiles.default]\nconcurrency = 0\n",
        ] {
            let err = Settings::resolve(&GlobalArgs::default(), &Env::default(), &loaded(toml));
            assert!(err.is_err(), "{toml}");
        }
    }

    #[test]
    fn bad_output_value_is_a_config_error() {
        let env = Env::from_pairs(&[("LEADCTL_OUTPUT", "yaml")]);
        let err = Settings::resolve(&GlobalArgs::default(), &env, &loaded("")).unwrap_err();
        assert!(err.message.contains("LEADCTL_OUTPUT"), "{}", err.message);
    }

    #[test]
    fn empty_env_values_count_as_unset() {
        let env = Env::from_pairs(&[("LEADCTL_API_KEY", ""), ("LEADCTL_API_URL", "")]);
        let s = Settings::resolve(&GlobalArgs::default(), &env, &loaded("")).unwrap();
        assert!(s.api_key.is_none());
        assert_eq!(s.api_url.origin, Origin::Default);
    }
}

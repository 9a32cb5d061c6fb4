//! `leadctl config ...` through the real binary: where the file is, its modes, edits that keep
//! comments, atomic writes, `set-key` from stdin, every refusal with its exit code, the
//! permission warning, precedence as `config list` reports it, and the key never printed. The
//! CA bundle and proxy settings: `network`.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use serde_json::json;

use crate::support::{Leadctl, CHANNEL, KEY};

/// Another key in KeenPartner's format, for a second profile.
const KEY2: &str = "5a4d1c2b-8e7f-4a3b-9c6d-0e1f2a3b4c5d";

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn config_of(cli: &Leadctl) -> std::path::PathBuf {
    cli.home.path().join("config.toml")
}

// ---- path, file and directory --------------------------------------------------------------

#[test]
fn path_names_leadctl_config_or_the_xdg_file_and_works_on_a_broken_file() {
    let cli = Leadctl::new();
    let file = cli.file("config.toml", "this is [not toml\n");
    cli.args(["config", "path"])
        .run()
        .code(0)
        .stdout_has(&format!("{}\n", file.display()));

    let cli = Leadctl::new().env_remove("LEADCTL_CONFIG");
    let expected = cli.home.path().join(".config/leadctl/config.toml");
    let out = cli.args(["config", "path"]).run();
    out.code(0);
    assert_eq!(out.stdout, format!("{}\n", expected.display()));
    out.stderr_has("does not exist yet");
}

#[test]
fn the_first_write_creates_a_0700_directory_and_a_0600_file_and_no_temp_file() {
    let cli = Leadctl::new().env_remove("LEADCTL_CONFIG");
    let dir = cli.home.path().join(".config/leadctl");
    let out = cli.args(["config", "set", "channel", CHANNEL]).run();
    out.code(0).stderr_has("set channel in profile \"default\"");
    assert_eq!(mode(&dir), 0o700);
    let file = dir.join("config.toml");
    assert_eq!(mode(&file), 0o600);
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        format!("[profiles.default]\nchannel = \"{CHANNEL}\"\n")
    );
    let names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        vec!["config.toml".to_string()],
        "a temporary file was left behind"
    );
}

#[test]
fn set_keeps_comments_order_and_hand_written_keys_and_tightens_the_mode() {
    let cli = Leadctl::new();
    let original = "# leadctl profiles, edited by hand\n\n\
        [profiles.prod]   # production\n\
        timeout = 5       # slow VPN\n\
        output = \"csv\"\n\n\
        # staging comes second\n\
        [profiles.staging]\n\
        api_url = \"https://staging.example/functions/v1/keen-api\"\n";
    let file = cli.file("config.toml", original);
    fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
    let out = cli
        .args(["--profile", "prod", "config", "set", "timeout", "12"])
        .run();
    out.code(0);
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        original.replace("timeout = 5", "timeout = 12")
    );
    assert_eq!(mode(&file), 0o600);
    let parent = file.parent().unwrap();
    assert_eq!(
        fs::read_dir(parent).unwrap().count(),
        1,
        "temporary file left"
    );
}

// ---- set-key ---------------------------------------------------------------------------------

#[test]
fn set_key_reads_stdin_stores_the_key_privately_and_never_prints_it() {
    let cli = Leadctl::new();
    let file = config_of(&cli);
    let out = cli
        .args(["config", "set-key", "--profile", "ci"])
        .stdin(format!("{KEY}\n"))
        .run();
    out.code(0)
        .never_shows(KEY)
        .stderr_has("saved the API key ****2b1a in profile \"ci\"");
    assert_eq!(mode(&file), 0o600);
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        format!("[profiles.ci]\napi_key = \"{KEY}\"\n")
    );
}

#[test]
fn set_key_refuses_what_is_not_a_uuid_with_exit_6_without_echoing_it() {
    let cli = Leadctl::new();
    let file = config_of(&cli);
    let pasted = "sk_live_THIS-IS-SOME-OTHER-SECRET";
    let out = cli
        .args(["config", "set-key"])
        .stdin(format!("{pasted}\n"))
        .run();
    out.code(6)
        .never_shows(pasted)
        .stderr_has("is not a KeenPartner API key (keys are UUIDs")
        .stderr_has("nothing was saved");
    assert!(file.parent().unwrap().exists() && !file.exists());

    Leadctl::new()
        .args(["config", "set-key"])
        .stdin("\n")
        .run()
        .code(6)
        .stderr_has("no API key was given");
    // No stdin at all (not a terminal, so no prompt): the same refusal, no hang.
    Leadctl::new()
        .args(["config", "set-key"])
        .run()
        .code(6)
        .stderr_has("no API key was given");
}

#[test]
fn set_key_on_an_invalid_file_exits_3_before_reading_the_key() {
    let cli = Leadctl::new();
    let file = cli.file("config.toml", "[profiles.x]\ntimeout = \"slow\"\n");
    let out = cli
        .args(["config", "set-key"])
        .stdin(format!("{KEY}\n"))
        .run();
    out.code(3)
        .never_shows(KEY)
        .stderr_has(&format!("invalid config file {}", file.display()))
        .stderr_has("line 2");
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        "[profiles.x]\ntimeout = \"slow\"\n"
    );
}

#[test]
fn set_key_warns_when_the_environment_overrides_it() {
    Leadctl::new()
        .env("LEADCTL_API_KEY", KEY2)
        .args(["config", "set-key"])
        .stdin(KEY)
        .run()
        .code(0)
        .never_shows(KEY)
        .never_shows(KEY2)
        .stderr_has("LEADCTL_API_KEY is set in this environment and takes precedence");
}

#[test]
fn set_api_key_is_refused_with_exit_2_pointing_to_set_key() {
    let cli = Leadctl::new();
    let file = config_of(&cli);
    let out = cli.args(["config", "set", "api_key", KEY]).run();
    out.code(2)
        .never_shows(KEY)
        .stderr_has("api_key cannot be set from the command line")
        .stderr_has("leadctl config set-key");
    assert!(file.parent().unwrap().exists() && !file.exists());
}

// ---- refusals --------------------------------------------------------------------------------

#[test]
fn bad_values_unknown_keys_and_profiles_exit_3_with_the_valid_choices() {
    let valid_keys =
        "valid keys: api_key, api_url, channel, timeout, concurrency, output, ca_bundle, ledger, key";
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["config", "set", "timeout", "abc"],
            &["invalid value \"abc\" for timeout: expected a number of seconds greater than 0"],
        ),
        (
            &["config", "set", "timeout", "-5"],
            &["invalid value \"-5\" for timeout"],
        ),
        (
            &["config", "set", "concurrency", "0"],
            &["expected auto or a whole number from 1 to 256"],
        ),
        (
            &["config", "set", "output", "yaml"],
            &["expected one of table, json, ndjson, csv, id"],
        ),
        (
            &["config", "set", "channel", "general"],
            &[
                "leadctl: error: \"general\" is not a channel id, and finding a channel by its \
                 title needs an API key (get_channels)",
                "hint: give the channel's UUID (`leadctl channels` lists them), or set \
                 LEADCTL_API_KEY",
            ],
        ),
        (
            &["config", "set", "api_url", "http://api.example.com/fn"],
            &["plain http is refused except to a loopback host"],
        ),
        (
            &["config", "set", "nosuchkey", "x"],
            &["unknown config key \"nosuchkey\"", valid_keys],
        ),
        (
            &["config", "get", "nosuchkey"],
            &["unknown config key \"nosuchkey\"", valid_keys],
        ),
        (
            &["config", "unset", "nosuchkey"],
            &["unknown config key \"nosuchkey\"", valid_keys],
        ),
        (
            &["config", "use", "nosuch"],
            &[
                "unknown profile \"nosuch\"",
                "profiles there: prod, staging",
            ],
        ),
        (
            &["-p", "nosuch", "config", "list"],
            &[
                "unknown profile \"nosuch\"",
                "profiles there: prod, staging",
            ],
        ),
        (
            &["-p", "nosuch", "config", "get", "timeout"],
            &[
                "unknown profile \"nosuch\"",
                "profiles there: prod, staging",
            ],
        ),
    ];
    let original = "[profiles.prod]\ntimeout = 5\n[profiles.staging]\n";
    for (args, messages) in cases {
        let cli = Leadctl::new();
        let file = cli.file("config.toml", original);
        let out = cli.args(*args).run();
        out.code(3);
        for m in *messages {
            out.stderr_has(m);
        }
        assert_eq!(fs::read_to_string(&file).unwrap(), original, "{args:?}");
    }
}

#[test]
fn an_invalid_file_exits_3_naming_file_line_and_column_for_list_and_set() {
    for (text, needles) in [
        (
            "[profiles.default]\napi_kee = \"x\"\n",
            vec![
                "line 2, column 1",
                "unknown field `api_kee`",
                "valid profile keys: api_key",
            ],
        ),
        (
            "[profiles.default]\ntimeout = \"slow\"\n",
            vec!["line 2, column 11"],
        ),
        ("[profiles.default\n", vec!["line 1, column"]),
    ] {
        for args in [
            &["config", "list"][..],
            &["config", "set", "timeout", "3"],
            &["config", "get", "timeout"],
        ] {
            let cli = Leadctl::new();
            let file = cli.file("config.toml", text);
            let out = cli.args(args).run();
            out.code(3)
                .stderr_has(&format!("invalid config file {}", file.display()));
            for n in &needles {
                out.stderr_has(n);
            }
            assert_eq!(fs::read_to_string(&file).unwrap(), text);
        }
    }
}

// ---- get, unset, use ---------------------------------------------------------------------------

#[test]
fn get_prints_the_stored_value_and_says_when_something_overrides_it() {
    let cli = Leadctl::new();
    cli.file(
        "config.toml",
        &format!(
            "[profiles.default]\napi_key = \"{KEY}\"\napi_url = \"https://a.example/fn\"\ntimeout = 2.5\n"
        ),
    );
    let home = cli.home.path().to_path_buf();
    let env_config = home.join("config.toml");
    let run = |args: &[&str]| {
        Leadctl::new()
            .env("LEADCTL_CONFIG", &env_config)
            .args(args)
            .run()
    };
    let out = run(&["config", "get", "timeout"]);
    assert_eq!(out.code(0).stdout, "2.5\n");
    let out = run(&["config", "get", "api_key"]);
    assert_eq!(out.code(0).never_shows(KEY).stdout, "****2b1a\n");
    let out = run(&["config", "get", "channel"]);
    assert_eq!(out.code(0).stdout, "");
    out.stderr_has("channel is not set in profile \"default\"");
    let out = Leadctl::new()
        .env("LEADCTL_CONFIG", &env_config)
        .env("LEADCTL_API_URL", "https://env.example/fn")
        .args(["config", "get", "api_url"])
        .run();
    assert_eq!(out.code(0).stdout, "https://a.example/fn\n");
    out.stderr_has(
        "api_url from environment variable LEADCTL_API_URL (https://env.example/fn) takes \
         precedence over the profile's value",
    );
    drop(cli);
}

#[test]
fn unset_removes_a_key_and_use_sets_the_default_profile() {
    let cli = Leadctl::new();
    let file = cli.file(
        "config.toml",
        "# mine\n[profiles.prod]\ntimeout = 5\noutput = \"csv\"\n[profiles.staging]\n",
    );
    let cfg = file.clone();
    // A dry run reads the channel's newest leads: from a server on loopback.
    let server = crate::support::server::ScriptedServer::sequence_importing(vec![
        crate::support::server::Reply::json(200, json!({})),
    ]);
    let url = server.url();
    let with = |args: &[&str]| {
        Leadctl::new()
            .env("LEADCTL_CONFIG", &cfg)
            .env("LEADCTL_API_URL", &url)
            .args(args)
            .run()
    };
    with(&["-p", "prod", "config", "unset", "output"])
        .code(0)
        .stderr_has("removed output from profile \"prod\"");
    with(&["-p", "prod", "config", "unset", "output"])
        .code(0)
        .stderr_has("output was not set in profile \"prod\"");
    with(&["config", "use", "staging"])
        .code(0)
        .stderr_has("default profile is now \"staging\"");
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        "default_profile = \"staging\"\n# mine\n[profiles.prod]\ntimeout = 5\n[profiles.staging]\n"
    );
    let list = with(&["config", "list", "-o", "json"]).code(0).json();
    assert_eq!(list["profile"], "staging");
    assert_eq!(list["profile_origin"]["source"], "config_file");
    assert_eq!(list["profiles"]["staging"]["default"], true);
    // LEADCTL_PROFILE beats default_profile, and `use` says so.
    Leadctl::new()
        .env("LEADCTL_CONFIG", &file)
        .env("LEADCTL_PROFILE", "staging")
        .args(["config", "use", "prod"])
        .run()
        .code(0)
        .stderr_has("LEADCTL_PROFILE=staging is set in this environment and takes precedence");
    drop(cli);
}

// ---- list: masking and origins -----------------------------------------------------------------

const TWO_PROFILES: &str = "default_profile = \"prod\"\n\
    [profiles.prod]\napi_key = \"0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a\"\n\
    channel = \"a1b2c3d4-e5f6-7890-abcd-ef1234567890\"\ntimeout = 9\nconcurrency = 2\n\
    output = \"json\"\napi_url = \"https://prod.example/functions/v1/keen-api\"\n\
    [profiles.staging]\napi_key = \"5a4d1c2b-8e7f-4a3b-9c6d-0e1f2a3b4c5d\"\n";

#[test]
fn list_shows_masked_keys_origins_and_every_profile() {
    let cli = Leadctl::new();
    let file = cli.file("config.toml", TWO_PROFILES);
    fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).unwrap();
    let out = cli.args(["config", "list", "-o", "table"]).run();
    out.code(0).never_shows(KEY).never_shows(KEY2);
    let from_file = format!("profile \"prod\" in {}", file.display());
    out.stdout_has(&format!("Config file: {}\n", file.display()))
        .stdout_has(&format!(
            "Profile:     prod (from default_profile in {})",
            file.display()
        ))
        .stdout_has("api_key            ****2b1a")
        .stdout_has(&from_file)
        .stdout_has("concurrency        2")
        .stdout_has("*  prod     yes")
        .stdout_has("staging           api_key=****4c5d");
    assert!(out.stderr.is_empty(), "{}", out.stderr);
}

/// The `settings` object of `config list` in JSON, for one environment and set of flags. JSON
/// comes from `-o json` unless the environment or the file asks for it (so that `output`'s own
/// origin can be seen).
fn origins(file_text: &str, env: &[(&str, &str)], args: &[&str]) -> serde_json::Value {
    let json_already =
        file_text.contains("output = \"json\"") || env.contains(&("LEADCTL_OUTPUT", "json"));
    let mut cli = Leadctl::new();
    let file = cli.file("config.toml", file_text);
    fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).unwrap();
    for (k, v) in env {
        cli = cli.env(k, v);
    }
    let out = cli
        .args(args)
        .args(["config", "list"])
        .args(if json_already {
            &[][..]
        } else {
            &["-o", "json"][..]
        })
        .run();
    out.code(0).never_shows(KEY).never_shows(KEY2);
    let mut doc = out.json();
    doc["settings"]["profile"] = json!({"value": doc["profile"], "origin": doc["profile_origin"]});
    doc["settings"].take()
}

fn source(settings: &serde_json::Value, key: &str) -> (String, String) {
    let s = &settings[key];
    let origin = &s["origin"];
    let detail = origin["name"]
        .as_str()
        .or(origin["profile"].as_str())
        .unwrap_or("")
        .to_string();
    (
        format!(
            "{}={}",
            s["value"].as_str().unwrap_or("null"),
            origin["source"].as_str().unwrap_or("none")
        ),
        detail,
    )
}

#[test]
fn precedence_default_then_profile() {
    let s = origins("", &[], &[]);
    for (key, value) in [
        (
            "api_url",
            "https://data.keenpartner.com/functions/v1/keen-api",
        ),
        ("timeout", "30"),
        ("concurrency", "auto"),
        ("profile", "default"),
    ] {
        assert_eq!(source(&s, key).0, format!("{value}=default"), "{key}");
    }
    assert_eq!(s["api_key"]["value"], serde_json::Value::Null);
    assert_eq!(s["channel"]["origin"], serde_json::Value::Null);
    assert_eq!(s["ca_bundle"]["value"], serde_json::Value::Null);
    assert_eq!(source(&s, "output").0, "json=flag");
    Leadctl::new()
        .args(["config", "list"])
        .run()
        .code(0)
        .stdout_has("output             table    ")
        .stdout_has("Profile:     default (no -p, LEADCTL_PROFILE or default_profile)");

    let s = origins(TWO_PROFILES, &[], &[]);
    for (key, value) in [
        ("api_key", "****2b1a"),
        ("api_url", "https://prod.example/functions/v1/keen-api"),
        ("channel", CHANNEL),
        ("timeout", "9"),
        ("concurrency", "2"),
        ("output", "json"),
    ] {
        assert_eq!(
            source(&s, key),
            (format!("{value}=config_file"), "prod".into()),
            "{key}"
        );
    }
    assert_eq!(source(&s, "profile").0, "prod=config_file");
}

#[test]
fn precedence_env_beats_profile() {
    let ca = "/etc/corp/root.pem";
    let s = origins(
        TWO_PROFILES,
        &[
            ("LEADCTL_PROFILE", "prod"),
            ("LEADCTL_API_KEY", KEY2),
            ("LEADCTL_API_URL", "https://env.example/fn"),
            ("LEADCTL_CHANNEL", "b1b2c3d4-e5f6-7890-abcd-ef1234567890"),
            ("LEADCTL_OUTPUT", "json"),
            ("LEADCTL_CA_BUNDLE", ca),
        ],
        &[],
    );
    for (key, value, var) in [
        ("profile", "prod", "LEADCTL_PROFILE"),
        ("api_key", "****4c5d", "LEADCTL_API_KEY"),
        ("api_url", "https://env.example/fn", "LEADCTL_API_URL"),
        (
            "channel",
            "b1b2c3d4-e5f6-7890-abcd-ef1234567890",
            "LEADCTL_CHANNEL",
        ),
        ("output", "json", "LEADCTL_OUTPUT"),
        ("ca_bundle", ca, "LEADCTL_CA_BUNDLE"),
    ] {
        assert_eq!(
            source(&s, key),
            (format!("{value}=env"), var.into()),
            "{key}"
        );
    }
    // Settings without an environment variable stay with the profile.
    assert_eq!(source(&s, "timeout").0, "9=config_file");
}

#[test]
fn precedence_key_file_then_key_var() {
    let cli = Leadctl::new();
    let key_file = cli.file("secret-key", &format!("{KEY2}\n"));
    let key_file = key_file.to_str().unwrap().to_string();
    let s = origins(TWO_PROFILES, &[("LEADCTL_API_KEY_FILE", &key_file)], &[]);
    assert_eq!(source(&s, "api_key").0, "****4c5d=key_file");
    assert_eq!(s["api_key"]["origin"]["path"], key_file.as_str());
    drop(cli);
    // LEADCTL_API_KEY beats LEADCTL_API_KEY_FILE (which is then not even read).
    let s = origins(
        TWO_PROFILES,
        &[
            ("LEADCTL_API_KEY_FILE", "/nonexistent"),
            ("LEADCTL_API_KEY", KEY2),
        ],
        &[],
    );
    assert_eq!(
        source(&s, "api_key"),
        ("****4c5d=env".into(), "LEADCTL_API_KEY".into())
    );
}

#[test]
fn precedence_flag_beats_env() {
    let s = origins(
        TWO_PROFILES,
        &[
            ("LEADCTL_PROFILE", "nosuch"),
            ("LEADCTL_API_URL", "https://env.example/fn"),
            ("LEADCTL_OUTPUT", "csv"),
            ("LEADCTL_CA_BUNDLE", "/env/ca.pem"),
        ],
        &[
            "-o",
            "json",
            "--profile",
            "staging",
            "--api-url",
            "https://flag.example/fn",
            "--timeout",
            "1.5",
            "--ca-bundle",
            "/flag/ca.pem",
        ],
    );
    for (key, value) in [
        ("profile", "staging"),
        ("api_url", "https://flag.example/fn"),
        ("timeout", "1.5"),
        ("ca_bundle", "/flag/ca.pem"),
        ("output", "json"),
    ] {
        assert_eq!(source(&s, key).0, format!("{value}=flag"), "{key}");
    }
    assert_eq!(
        source(&s, "api_key"),
        ("****4c5d=config_file".into(), "staging".into())
    );
}

#[test]
fn list_csv_has_one_row_per_setting() {
    let cli = Leadctl::new();
    let file = cli.file("config.toml", TWO_PROFILES);
    fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).unwrap();
    let out = cli.args(["config", "list", "-o", "csv"]).run();
    out.code(0).never_shows(KEY);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines[0], "key,value,source,origin");
    // Every setting: the ledger's default place, and `key` empty (the default rule applies).
    assert_eq!(lines.len(), 15, "{lines:?}");
    assert_eq!(lines[10], "decimal_separator,,,");
    assert_eq!(lines[11], "timezone,,,");
    assert_eq!(lines[12], "date_order,,,");
    assert_eq!(lines[13], "max_create,,,");
    assert_eq!(lines[14], "max_changes,,,");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("ledger,") && l.contains("ledger.sqlite3,default,")),
        "{lines:?}"
    );
    assert!(
        lines[1].starts_with("api_key,****2b1a,config_file,"),
        "{}",
        lines[1]
    );
}

// ---- the permission warning -------------------------------------------------------------------

#[test]
fn a_readable_file_holding_a_key_warns_on_every_run_but_does_not_fail() {
    let cli = Leadctl::new();
    let file = cli.file(
        "config.toml",
        &format!("[profiles.default]\napi_key = \"{KEY}\"\n"),
    );
    fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
    let warning = format!(
        "warning: {} holds an API key and is accessible to group or others (mode 0644); run \
         `chmod 600 {}`",
        file.display(),
        file.display()
    );
    let cfg = file.clone();
    // A dry run reads the channel's newest leads: from a server on loopback.
    let server = crate::support::server::ScriptedServer::sequence_importing(vec![
        crate::support::server::Reply::json(200, json!({})),
    ]);
    let url = server.url();
    let with = |args: &[&str]| {
        Leadctl::new()
            .env("LEADCTL_CONFIG", &cfg)
            .env("LEADCTL_API_URL", &url)
            .args(args)
            .run()
    };
    with(&["config", "list"])
        .code(0)
        .stderr_has(&warning)
        .never_shows(KEY);
    with(&["config", "get", "timeout"])
        .code(0)
        .stderr_has(&warning);
    with(&[
        "create",
        "--dry-run",
        "--channel",
        CHANNEL,
        "--email",
        "a@example.com",
    ])
    .code(0)
    .stderr_has(&warning)
    .never_shows(KEY);
    fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).unwrap();
    let out = with(&[
        "create",
        "--dry-run",
        "--channel",
        CHANNEL,
        "--email",
        "a@example.com",
    ]);
    assert!(!out.code(0).stderr.contains("warning"), "{}", out.stderr);
    // A file without a key may be readable: nothing secret in it.
    fs::write(&file, "[profiles.default]\ntimeout = 3\n").unwrap();
    fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
    let out = with(&["config", "list"]);
    assert!(!out.code(0).stderr.contains("warning"), "{}", out.stderr);
    drop(cli);
}

#[test]
fn the_ledger_and_key_profile_keys_round_trip_and_are_checked() {
    let cli = Leadctl::new();
    let home = cli.home().to_path_buf();
    let ledger = home.join("shared/ledger.sqlite3");
    let run = |args: &[&str]| {
        Leadctl::new()
            .env("LEADCTL_CONFIG", home.join("config.toml"))
            .args(args)
            .run()
    };
    run(&["config", "set", "ledger", ledger.to_str().unwrap()]).code(0);
    run(&["config", "set", "key", "Email"]).code(0);
    run(&["config", "get", "key"]).code(0).stdout_has("email");
    run(&["ledger", "path"])
        .code(0)
        .stdout_has(ledger.to_str().unwrap());
    // The flag and the environment beat the profile.
    Leadctl::new()
        .env("LEADCTL_CONFIG", home.join("config.toml"))
        .env("LEADCTL_LEDGER", "/tmp/from-env.sqlite3")
        .args(["ledger", "path"])
        .run()
        .code(0)
        .stdout_has("/tmp/from-env.sqlite3");
    let list = run(&["config", "list", "-o", "csv"]);
    list.code(0).stdout_has("key,email,config_file,");
    run(&["config", "set", "key", "phone"])
        .code(3)
        .stderr_has("invalid value \"phone\" for key: expected one of business_id, email, fields");
    run(&["config", "set", "ledger", "postgres://u:hunter2@h/db"])
        .code(3)
        .stderr_has("holds a password, which does not belong in the config file")
        .never_shows("hunter2");
    run(&["config", "set", "ledger", "postgres://u@h/db?sslmode=maybe"])
        .code(3)
        .stderr_has("sslmode");
    run(&[
        "config",
        "set",
        "ledger",
        "postgres://ci@db.example:5432/leads?sslmode=verify-full",
    ])
    .code(0);
    Leadctl::new()
        .env("LEADCTL_CONFIG", home.join("config.toml"))
        .args(["ledger", "path"])
        .run()
        .code(0)
        .stdout_has("postgres://ci@db.example:5432/leads?sslmode=verify-full");
}

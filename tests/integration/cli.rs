//! The command line itself: help, version, configuration errors, output format selection.

use crate::support::{Leadctl, CHANNEL};

#[test]
fn version_and_help() {
    let out = Leadctl::new().args(["--version"]).run();
    out.code(0);
    assert_eq!(
        out.stdout,
        format!("leadctl {}\n", env!("CARGO_PKG_VERSION"))
    );
    Leadctl::new()
        .args(["create", "--help"])
        .run()
        .code(0)
        .stdout_has("fires the channel's `new_lead` reward triggers")
        .stdout_has("Examples:");
}

#[test]
fn an_invalid_config_file_exits_3_with_line_and_column() {
    let cli = Leadctl::new();
    let path = cli.file("config.toml", "[profiles.default]\napi_kee = \"x\"\n");
    cli.args(["create", "--channel", CHANNEL, "--email", "a@example.com"])
        .run()
        .code(3)
        .stderr_has(&format!("invalid config file {}", path.display()))
        .stderr_has("line 2, column 1")
        .stderr_has("unknown field `api_kee`");
}

#[test]
fn an_unknown_profile_exits_3_listing_profiles() {
    let cli = Leadctl::new();
    cli.file(
        "config.toml",
        "[profiles.prod]\napi_key = \"k\"\n[profiles.staging]\n",
    );
    cli.args(["--profile", "dev", "create", "--email", "a@example.com"])
        .run()
        .code(3)
        .stderr_has("unknown profile \"dev\"")
        .stderr_has("profiles there: prod, staging");
}

#[test]
fn a_bad_output_env_value_exits_3() {
    Leadctl::new()
        .env("LEADCTL_OUTPUT", "yaml")
        .args(["create", "--email", "a@example.com"])
        .run()
        .code(3)
        .stderr_has("invalid output format \"yaml\" (environment variable LEADCTL_OUTPUT)");
}

#[test]
fn an_unreadable_key_file_exits_3() {
    Leadctl::new()
        .env("LEADCTL_API_KEY_FILE", "/nonexistent/secret")
        .args(["create", "--email", "a@example.com"])
        .run()
        .code(3)
        .stderr_has(
            "cannot read the API key file /nonexistent/secret named by LEADCTL_API_KEY_FILE",
        );
}

#[test]
fn completions_are_printed() {
    Leadctl::new()
        .args(["completions", "bash"])
        .run()
        .code(0)
        .stdout_has("_leadctl()");
}

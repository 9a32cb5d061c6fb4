//! `leadctl create` against a server that refuses or misbehaves: the exit code for each HTTP
//! status (one table), local refusals, timeouts, dropped connections, and which answers are
//! retried (429, boot errors) and announced, as doc/api.md's retry rules say.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::api::{create_ok, lead_response, lead_server};
use crate::support::server::{Reply, ScriptedServer};
use crate::support::{Leadctl, CHANNEL, KEY};

/// `create` of one lead by email on the test channel: the command every case here runs.
const CREATE_ONE: [&str; 5] = ["create", "--channel", CHANNEL, "--email", "a@example.com"];

#[test]
fn exit_2_for_usage_errors() {
    Leadctl::new()
        .args(["create", "--emali", "x"])
        .run()
        .code(2)
        .stderr_has("unexpected argument '--emali'");
    Leadctl::new()
        .args(["create", "--channel", CHANNEL])
        .env("LEADCTL_API_KEY", KEY)
        .run()
        .code(2)
        .stderr_has("nothing to create");
    Leadctl::new()
        .args(["--timeout", "0", "create"])
        .run()
        .code(2)
        .stderr_has("greater than 0");
}

#[test]
fn exit_3_without_a_key_says_how_to_provide_one() {
    let out = Leadctl::new().args(CREATE_ONE).run();
    out.code(3)
        .stderr_has("leadctl: error: no API key")
        .stderr_has("hint: set LEADCTL_API_KEY")
        .stderr_has("--sandbox");
}

#[test]
fn exit_3_without_a_channel() {
    let server = lead_server();
    Leadctl::against(&server.url())
        .args(["create", "--email", "a@example.com"])
        .run()
        .code(3)
        .stderr_has("no channel given")
        .stderr_has("pass --channel UUID, set LEADCTL_CHANNEL");
}

#[test]
fn exit_3_for_plain_http_to_a_remote_host() {
    Leadctl::new()
        .env("LEADCTL_API_KEY", KEY)
        .args([
            "--api-url",
            "http://data.keenpartner.com/functions/v1/keen-api",
            "create",
            "--channel",
            CHANNEL,
            "--email",
            "a@example.com",
        ])
        .run()
        .code(3)
        .stderr_has("plain http is refused except to a loopback host");
}

#[test]
fn exit_3_for_a_redirect_which_is_never_followed() {
    let target = ScriptedServer::sequence_importing(vec![create_ok()]);
    let server = ScriptedServer::sequence_importing(vec![
        Reply::text(307, "text/plain", "").header("Location", &target.url())
    ]);
    Leadctl::against(&server.url())
        .args(CREATE_ONE)
        .run()
        .code(3)
        .stderr_has(&format!("the server redirected (307) to {}", target.url()));
    assert!(
        target.requests().is_empty(),
        "the key must not reach the redirect target"
    );
}

/// One answer per row: the exit code and the stderr lines it must give. Each is answered once
/// and not retried: a create that got any of these either never ran or may have run.
struct StatusCase {
    name: &'static str,
    reply: Reply,
    code: i32,
    stderr: &'static [&'static str],
}

#[test]
fn each_http_status_has_its_exit_code_and_message() {
    let cases = [
        StatusCase {
            name: "404 NOT_FOUND from the platform: the wrong endpoint",
            reply: Reply::json(
                404,
                json!({"code": "NOT_FOUND", "message": "Requested function was not found"}),
            )
            .header("sb-error-code", "NOT_FOUND"),
            code: 3,
            stderr: &[
                "no KeenPartner API at",
                "Requested function was not found",
                "https://data.keenpartner.com/functions/v1/keen-api",
            ],
        },
        StatusCase {
            name: "401 Invalid API key",
            reply: Reply::error(401, "Invalid API key"),
            code: 4,
            stderr: &[
                "authentication refused (401): Invalid API key",
                "hint: check the API key",
            ],
        },
        StatusCase {
            name: "401 from the platform's JWT check",
            reply: Reply::json(401, json!({"msg": "Missing authorization header"}))
                .header("sb-error-code", "UNAUTHORIZED_NO_AUTH_HEADER"),
            code: 4,
            stderr: &["this URL does not look like KeenPartner's API"],
        },
        StatusCase {
            name: "403 Channel not accessible",
            reply: Reply::error(403, "Channel not accessible"),
            code: 5,
            stderr: &["permission refused (403): Channel not accessible"],
        },
        StatusCase {
            name: "400 channel_id required",
            reply: Reply::error(400, "channel_id required"),
            code: 6,
            stderr: &["the server rejected the request (400): channel_id required"],
        },
        StatusCase {
            name: "500 as an HTML page",
            reply: Reply::text(
                500,
                "text/html",
                "<html><head><title>500 Internal Server Error</title></head><body><h1>Oops</h1></body></html>",
            ),
            code: 7,
            stderr: &[
                "server error (500): 500 Internal Server Error Oops",
                "outcome unknown",
                "do not simply run the command again",
            ],
        },
        StatusCase {
            name: "546 WORKER_LIMIT",
            reply: Reply::text(546, "text/plain", "").header("sb-error-code", "WORKER_LIMIT"),
            code: 7,
            stderr: &["server error (546)", "outcome unknown"],
        },
    ];
    for case in cases {
        let server = ScriptedServer::sequence_importing(vec![case.reply]);
        let out = Leadctl::against(&server.url()).args(CREATE_ONE).run();
        assert_eq!(
            out.code, case.code,
            "{}: exit code\nstdout:\n{}\nstderr:\n{}",
            case.name, out.stdout, out.stderr
        );
        for needle in case.stderr {
            assert!(
                out.stderr.contains(needle),
                "{}: stderr lacks {needle:?}:\n{}",
                case.name,
                out.stderr
            );
        }
        assert_eq!(server.requests().len(), 1, "{}: not retried", case.name);
    }
}

#[test]
fn exit_7_for_a_timeout_which_is_not_retried() {
    let server =
        ScriptedServer::sequence_importing(vec![create_ok().delayed(Duration::from_secs(3))]);
    let started = Instant::now();
    let out = Leadctl::against(&server.url())
        .args([
            "--timeout",
            "0.5",
            "create",
            "--channel",
            CHANNEL,
            "--email",
            "a@example.com",
        ])
        .run();
    out.code(7)
        .stderr_has("no answer within 0.5s")
        .stderr_has("outcome unknown");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the timeout applies"
    );
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn exit_7_for_a_dropped_connection_after_the_request_was_sent() {
    let server = ScriptedServer::sequence_importing(vec![Reply::Drop]);
    Leadctl::against(&server.url())
        .args(CREATE_ONE)
        .run()
        .code(7)
        .stderr_has("outcome unknown");
    assert_eq!(server.requests().len(), 1, "never re-sent");
}

#[test]
fn exit_7_when_nothing_listens_after_announced_retries() {
    let url = crate::support::nothing_listens();
    Leadctl::against(&url)
        .env("LEADCTL_RETRY_BASE_MS", "10")
        .args(CREATE_ONE)
        .run()
        .code(7)
        .stderr_has("cannot connect")
        .stderr_has("retrying in")
        .stderr_has("(attempt 6 of 6)")
        .stderr_has("hint: check the network");
}

#[test]
fn a_429_is_retried_after_retry_after_and_the_wait_is_announced() {
    let server = ScriptedServer::sequence_importing(vec![
        Reply::error(429, "Rate limit exceeded").header("Retry-After", "1"),
        create_ok(),
    ]);
    let started = Instant::now();
    let out = Leadctl::against(&server.url())
        .args([
            "create",
            "--channel",
            CHANNEL,
            "--email",
            "a@example.com",
            "-o",
            "id",
        ])
        .run();
    out.code(0).stderr_has(
        "rate-limited by the server (429, Retry-After); retrying in 1.0s (attempt 2 of 6)",
    );
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was honoured"
    );
    assert_eq!(server.requests().len(), 2);
    assert_eq!(
        server.requests()[0].body,
        server.requests()[1].body,
        "the same body is re-sent"
    );
}

#[test]
fn a_429_with_an_http_date_is_honoured() {
    let when = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(2));
    let server = ScriptedServer::sequence_importing(vec![
        Reply::error(429, "Rate limit exceeded").header("Retry-After", &when),
        create_ok(),
    ]);
    let started = Instant::now();
    Leadctl::against(&server.url())
        .args(CREATE_ONE)
        .run()
        .code(0)
        .stderr_has("(429, Retry-After)");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "waited for the date"
    );
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn a_429_storm_without_retry_after_backs_off_then_gives_up_with_exit_7() {
    let server = ScriptedServer::sequence_importing(vec![Reply::error(429, "Rate limit exceeded")]);
    Leadctl::against(&server.url())
        .env("LEADCTL_RETRY_BASE_MS", "5")
        .args(CREATE_ONE)
        .run()
        .code(7)
        .stderr_has("(429, no Retry-After)")
        .stderr_has("still rate-limited (429) after 6 attempts: Rate limit exceeded");
    assert_eq!(server.requests().len(), 6);
}

#[test]
fn a_boot_error_is_retried_because_the_function_never_ran() {
    let server = ScriptedServer::sequence_importing(vec![
        Reply::json(
            503,
            json!({"code": "BOOT_ERROR", "message": "Worker failed to boot"}),
        )
        .header("sb-error-code", "BOOT_ERROR"),
        create_ok(),
    ]);
    Leadctl::against(&server.url())
        .env("LEADCTL_RETRY_BASE_MS", "5")
        .args(CREATE_ONE)
        .run()
        .code(0)
        .stderr_has("the platform answered 503 BOOT_ERROR (the function never ran)");
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn several_leads_with_one_refused_exit_8_and_print_the_rest() {
    let server = ScriptedServer::importing(|req, _| {
        if req.json()["email"] == "bad@example.com" {
            Reply::error(400, "channel_id required")
        } else {
            Reply::json(200, lead_response("ok@example.com"))
        }
    });
    let out = Leadctl::against(&server.url())
        .env("LEADCTL_CHANNEL", CHANNEL)
        .args(["create", "--json", "-", "-o", "id"])
        .stdin("{\"email\": \"ok@example.com\"}\n{\"email\": \"bad@example.com\"}\n{\"email\": \"ok2@example.com\"}\n")
        .run();
    out.code(8)
        .stderr_has("not created: lead 2 of 3 (stdin, object 2 (line 2)): the server rejected the request (400): channel_id required")
        .stderr_has("2 of 3 leads created; 1 not created");
    assert_eq!(out.stdout.lines().count(), 2);
    assert_eq!(server.requests().len(), 3);
}

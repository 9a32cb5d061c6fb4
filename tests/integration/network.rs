//! The network settings through the real binary: `--ca-bundle` (flag, environment, profile)
//! against a local TLS server whose certificate a throwaway CA signed, and HTTPS_PROXY /
//! NO_PROXY / HTTP_PROXY against a recording proxy.

use serde_json::json;

use crate::support::proxy::Proxy;
use crate::support::request::lines;
use crate::support::server::{Reply, ScriptedServer};
use crate::support::tls::TlsServer;
use crate::support::{Leadctl, CHANNEL, KEY};

fn lead_body() -> String {
    json!({"lead": {"id": "9b2f6c1e-3d4a-4b5c-8d7e-1f2a3b4c5d6e", "email": "a@example.com",
        "channels_id": CHANNEL}})
    .to_string()
}

fn create_against(url: &str) -> Leadctl {
    // --no-ledger: one request per run (no read of the channel's leads first), as these tests
    // are about the transport.
    Leadctl::against(url)
        .env("LEADCTL_RETRY_BASE_MS", "1")
        .args([
            "--no-ledger",
            "create",
            "--channel",
            CHANNEL,
            "--email",
            "a@example.com",
            "-o",
            "id",
        ])
}

#[test]
fn a_ca_bundle_adds_a_root_and_without_it_the_certificate_is_refused() {
    let server = TlsServer::start(lead_body());
    let cli = create_against(&server.url());
    let bundle = cli.file("corp-root.pem", &server.ca_pem);
    let out = cli.args(["--ca-bundle"]).args([&bundle]).run();
    out.code(0).never_shows(KEY);
    assert_eq!(out.stdout, "9b2f6c1e-3d4a-4b5c-8d7e-1f2a3b4c5d6e\n");
    assert_eq!(
        lines(&server.requests()),
        vec!["POST /functions/v1/keen-api"]
    );

    // The same through LEADCTL_CA_BUNDLE, and through the profile's ca_bundle.
    let cli = create_against(&server.url());
    let bundle = cli.file("corp-root.pem", &server.ca_pem);
    cli.env("LEADCTL_CA_BUNDLE", &bundle).run().code(0);
    let cli = create_against(&server.url());
    let bundle = cli.file("corp-root.pem", &server.ca_pem);
    cli.file(
        "config.toml",
        &format!("[profiles.default]\nca_bundle = \"{}\"\n", bundle.display()),
    );
    cli.run().code(0);
    assert_eq!(server.requests().len(), 3);

    // Without it: exit 7, a message that says what is wrong and what to do, and no retries
    // (a certificate does not get better by asking again).
    let refused_before = server.refused_handshakes();
    let out = create_against(&server.url()).run();
    out.code(7)
        .never_shows(KEY)
        .stderr_has("the server's TLS certificate is not trusted")
        .stderr_has("UnknownIssuer")
        .stderr_has("--ca-bundle");
    assert!(!out.stderr.contains("retrying"), "{}", out.stderr);
    // The server's thread counts the refusal after reading the client's alert, which can come
    // after the client has exited: wait for it a moment (a race seen under load).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while server.refused_handshakes() < refused_before + 1 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(server.refused_handshakes(), refused_before + 1);
    assert_eq!(
        server.requests().len(),
        3,
        "no request body may cross an untrusted connection"
    );
}

#[test]
fn a_missing_or_empty_ca_bundle_is_a_configuration_error() {
    let server = TlsServer::start(lead_body());
    create_against(&server.url())
        .args(["--ca-bundle", "/nonexistent/root.pem"])
        .run()
        .code(3)
        .stderr_has("cannot read CA bundle /nonexistent/root.pem");
    let cli = create_against(&server.url());
    let bundle = cli.file("empty.pem", "not a certificate\n");
    cli.args(["--ca-bundle"])
        .args([&bundle])
        .run()
        .code(3)
        .stderr_has("holds no PEM certificates");
    assert!(server.requests().is_empty());
}

#[test]
fn https_proxy_carries_the_request_and_no_proxy_bypasses_it() {
    let server = TlsServer::start(lead_body());
    let proxy = Proxy::start();
    let cli = create_against(&server.url()).env("HTTPS_PROXY", proxy.url());
    let bundle = cli.file("corp-root.pem", &server.ca_pem);
    cli.env("LEADCTL_CA_BUNDLE", &bundle).run().code(0);
    assert_eq!(
        lines(&proxy.requests()),
        vec![format!("CONNECT localhost:{}", server.port)]
    );
    assert_eq!(server.requests().len(), 1);

    for no_proxy in ["localhost", "*"] {
        let cli = create_against(&server.url())
            .env("HTTPS_PROXY", proxy.url())
            .env("NO_PROXY", no_proxy);
        let bundle = cli.file("corp-root.pem", &server.ca_pem);
        cli.env("LEADCTL_CA_BUNDLE", &bundle).run().code(0);
    }
    assert_eq!(
        proxy.requests().len(),
        1,
        "NO_PROXY was not honoured: {:?}",
        lines(&proxy.requests())
    );
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn plain_http_to_loopback_never_goes_through_a_proxy() {
    let server = ScriptedServer::sequence(vec![Reply::json(
        200,
        serde_json::from_str(&lead_body()).unwrap(),
    )]);
    let proxy = Proxy::start();
    create_against(&server.url())
        .env("HTTP_PROXY", proxy.url())
        .env("ALL_PROXY", proxy.url())
        .run()
        .code(0);
    assert!(
        proxy.requests().is_empty(),
        "{:?}",
        lines(&proxy.requests())
    );
    assert_eq!(server.requests().len(), 1);
}

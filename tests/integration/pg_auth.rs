//! The ledger's password never goes to an impostor (issue 32, item 6): a scripted server on
//! loopback that declines TLS and asks for the password in cleartext. Loopback is exempt by the
//! rule, so the test-only `LEADCTL_TEST_NOT_LOOPBACK` names its address as a remote host.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::{Leadctl, Outcome};

const PASSWORD: &str = "impostor-bait-7f3a9c";

/// A server on 127.0.0.1 that answers an SSLRequest with `N` and any startup with
/// AuthenticationCleartextPassword, recording every byte it receives.
fn impostor() -> (u16, Arc<Mutex<Vec<u8>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let recorded = seen.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let recorded = recorded.clone();
            std::thread::spawn(move || {
                let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
                let mut buf = [0u8; 4096];
                loop {
                    let n = match conn.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    recorded.lock().unwrap().extend_from_slice(&buf[..n]);
                    let chunk = &buf[..n];
                    // SSLRequest: length 8, code 80877103.
                    let answer: &[u8] = if chunk.len() >= 8 && chunk[4..8] == [4, 210, 22, 47] {
                        b"N"
                    } else if chunk.len() >= 8 && chunk[4..8] == [0, 3, 0, 0] {
                        // A startup message: AuthenticationCleartextPassword.
                        &[b'R', 0, 0, 0, 8, 0, 0, 0, 3]
                    } else {
                        // The password (or anything else): an error, then close.
                        break;
                    };
                    if conn.write_all(answer).is_err() {
                        break;
                    }
                }
            });
        }
    });
    (port, seen)
}

fn status(url: &str, not_loopback: Option<&str>) -> Outcome {
    let mut l = Leadctl::new()
        .env("LEADCTL_LEDGER", url)
        .args(["ledger", "status"]);
    if let Some(host) = not_loopback {
        l = l.env("LEADCTL_TEST_NOT_LOOPBACK", host);
    }
    l.run()
}

fn received(seen: &Mutex<Vec<u8>>) -> String {
    String::from_utf8_lossy(&seen.lock().unwrap()).into_owned()
}

#[test]
fn a_cleartext_password_request_of_an_unverified_remote_server_is_refused_unsent() {
    let (port, seen) = impostor();
    for mode in ["prefer", "require", "disable"] {
        let url = format!("postgres://ann:{PASSWORD}@127.0.0.1:{port}/leads?sslmode={mode}");
        let out = status(&url, Some("127.0.0.1"));
        out.code(3)
            .stderr_has(&format!(
                "warning: the ledger URL's sslmode={mode} does not verify the certificate of \
                 127.0.0.1: an impostor could answer in its place."
            ))
            .never_shows(PASSWORD);
        if mode == "require" {
            // Declined TLS: refused before authentication.
            out.stderr_has("refused the connection");
        } else {
            out.stderr_has("refused the connection")
                .stderr_has(&format!(
                    "the server at 127.0.0.1 asked for the password in a form an impostor could \
                 read (cleartext or MD5, or SCRAM without channel binding) over a connection \
                 whose certificate is not verified (sslmode={mode}); the password was not sent"
                ));
        }
        assert!(
            !received(&seen).contains(PASSWORD),
            "sslmode={mode}: the impostor got the password"
        );
    }
    // The same server as loopback (exempt by the rule): the password is sent, so the impostor
    // above would have seen it had leadctl not refused.
    let url = format!("postgres://ann:{PASSWORD}@127.0.0.1:{port}/leads?sslmode=prefer");
    let out = status(&url, None);
    assert_ne!(out.code, 0);
    out.never_shows(PASSWORD);
    assert!(received(&seen).contains(PASSWORD), "loopback is exempt");
}

//! The checks a `create` makes before it sends (#30): at most one round trip of them, none the
//! ledger and a recent check make useless, within `--timeout` on a hung server; the cache of
//! checks (`LEADCTL_CHECK_CACHE`) in the data directory. doc/ledger.md, "Checks a `create`
//! makes".

use std::path::Path;
use std::time::{Duration, Instant};

use leadctl::sandbox::{Options, Sandbox, API_KEY, PRIMARY_CHANNEL_ID};
use serde_json::{json, Value};

use crate::support::api::{channels_response, lead_response};
use crate::support::server::{Reply, ScriptedServer};
use crate::support::{Leadctl, Outcome, CHANNEL};

/// The sandbox's request counts by action.
fn counts(sb: &Sandbox) -> Value {
    sb.stats()["requests"]["by_action"].clone()
}

/// What the sandbox was asked since `before`, by action (only the actions asked).
fn asked(sb: &Sandbox, before: &Value) -> Vec<(String, u64)> {
    let now = counts(sb);
    let mut out: Vec<(String, u64)> = now
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| {
            let n = v.as_u64()? - before[k].as_u64().unwrap_or(0);
            (n > 0).then(|| (k.clone(), n))
        })
        .collect();
    out.sort();
    out
}

fn pairs(list: &[(&str, u64)]) -> Vec<(String, u64)> {
    list.iter().map(|(k, n)| (k.to_string(), *n)).collect()
}

/// `leadctl create --email EMAIL` with one ledger and one data directory (the cache's home); the
/// newest leads are read by every create unless `env` sets `LEADCTL_WINDOW_CACHE`.
fn create_in(sb: &Sandbox, data: &Path, email: &str, env: &[(&str, &str)]) -> Outcome {
    let mut l = Leadctl::new()
        .env("LEADCTL_API_URL", sb.url())
        .env("LEADCTL_API_KEY", API_KEY)
        .env("LEADCTL_CHANNEL", PRIMARY_CHANNEL_ID)
        .env("XDG_DATA_HOME", data)
        .env("LEADCTL_LEDGER", data.join("ledger.sqlite3"))
        .env("LEADCTL_WINDOW_CACHE", "0");
    for (k, v) in env {
        l = l.env(k, v);
    }
    l.args(["create", "--email", email, "-o", "id"]).run()
}

#[test]
fn a_create_makes_one_round_trip_of_checks_and_none_the_ledger_and_the_cache_make_useless() {
    // Answers that take a while, so that two requests asked at once are seen in flight together.
    let mut o = Options::ephemeral();
    o.latency = Duration::from_millis(200);
    let sb = Sandbox::start(o).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();

    // A fresh ledger: nothing to check it against; the newest leads, then the create.
    let before = counts(&sb);
    let first = create_in(&sb, data, "a@example.com", &[]);
    first.code(0);
    assert_eq!(
        asked(&sb, &before),
        pairs(&[("create_lead", 1), ("get_leads", 1)])
    );

    // A recorded lead to check the server by, at once with the newest leads.
    let before = counts(&sb);
    create_in(&sb, data, "b@example.com", &[]).code(0);
    assert_eq!(
        asked(&sb, &before),
        pairs(&[("create_lead", 1), ("get_lead_by_id", 1), ("get_leads", 1)])
    );
    let peak = sb.stats()["in_flight_peak"].as_u64().unwrap();
    assert_eq!(peak, 2, "the two checks were asked at once");

    // The check is remembered for a while: only the newest leads for a new key.
    let before = counts(&sb);
    create_in(&sb, data, "c@example.com", &[]).code(0);
    assert_eq!(
        asked(&sb, &before),
        pairs(&[("create_lead", 1), ("get_leads", 1)])
    );

    // A key the ledger knows: no check at all; the lead is read once to be printed.
    let before = counts(&sb);
    let again = create_in(&sb, data, "a@example.com", &[]);
    again.code(0).stderr_has("exists already");
    assert_eq!(again.stdout, first.stdout, "the same lead");
    assert_eq!(asked(&sb, &before), pairs(&[("get_lead_by_id", 1)]));

    // LEADCTL_CHECK_CACHE=0 bypasses the cache: the check is made again.
    let before = counts(&sb);
    create_in(&sb, data, "d@example.com", &[("LEADCTL_CHECK_CACHE", "0")]).code(0);
    assert_eq!(
        asked(&sb, &before),
        pairs(&[("create_lead", 1), ("get_lead_by_id", 1), ("get_leads", 1)])
    );

    // The cache's one file holds no key.
    let checks = data.join("leadctl/checks");
    let files: Vec<_> = std::fs::read_dir(&checks).unwrap().flatten().collect();
    assert_eq!(files.len(), 1, "one file per API URL and key");
    let text = std::fs::read_to_string(files[0].path()).unwrap();
    assert!(!text.contains(API_KEY), "{text}");
    assert_eq!(
        sb.stats()["leads_by_channel"][PRIMARY_CHANNEL_ID].as_u64(),
        Some(4)
    );
}

/// A server whose creates answer with a lead, except b's, which hangs (an unknown outcome).
fn b_hangs() -> ScriptedServer {
    ScriptedServer::start(|req, _| match req.action().as_str() {
        "get_leads" => Reply::json(200, json!([])),
        "create_lead" if req.json()["email"] == "b@example.com" => {
            Reply::Hang(Duration::from_secs(5))
        }
        _ => {
            let email = req.json()["email"]
                .as_str()
                .unwrap_or("a@example.com")
                .to_string();
            Reply::json(200, lead_response(&email))
        }
    })
}

/// `leadctl --timeout 0.5 create --email EMAIL` against `server`, with one ledger and data
/// directory in `dir`.
fn create_against(
    server: &ScriptedServer,
    dir: &Path,
    email: &str,
    env: &[(&str, &str)],
) -> Outcome {
    let mut l = Leadctl::against(&server.url())
        .env("LEADCTL_CHANNEL", CHANNEL)
        .env("XDG_DATA_HOME", dir)
        .env("LEADCTL_LEDGER", dir.join("ledger.sqlite3"));
    for (k, v) in env {
        l = l.env(k, v);
    }
    l.args(["--timeout", "0.5", "create", "--email", email, "-o", "id"])
        .run()
}

/// The actions `server` was asked from its request `from` on, sorted.
fn actions_since(server: &ScriptedServer, from: usize) -> Vec<String> {
    let mut a: Vec<String> = server.requests()[from..]
        .iter()
        .map(|r| r.action())
        .collect();
    a.sort();
    a
}

#[test]
fn a_known_key_still_reads_the_newest_leads_while_the_channel_has_an_unknown_outcome() {
    let server = b_hangs();
    let dir = tempfile::tempdir().unwrap();
    let run = |email: &str| create_against(&server, dir.path(), email, &[]);
    let actions = |from: usize| actions_since(&server, from);
    run("a@example.com").code(0);
    run("b@example.com")
        .code(7)
        .stderr_has("no answer within 0.5s");
    let from = server.requests().len();
    // Known to the ledger, but the channel holds an open outcome: the newest leads are read.
    run("a@example.com").code(0).stderr_has("exists already");
    assert_eq!(actions(from), ["get_lead_by_id", "get_leads"]);
}

#[test]
fn a_loop_of_creates_reads_the_newest_leads_once_in_a_while() {
    let sb = Sandbox::start(Options::ephemeral()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    // Ten minutes, so that no step below outlives it on a slow machine.
    let cached = [("LEADCTL_WINDOW_CACHE", "600")];

    let before = counts(&sb);
    create_in(&sb, data, "a@example.com", &cached).code(0);
    assert_eq!(
        asked(&sb, &before),
        pairs(&[("create_lead", 1), ("get_leads", 1)])
    );
    // A new key: the newest leads as the first create read them; the ledger's first recorded
    // lead is checked against the server once.
    let before = counts(&sb);
    create_in(&sb, data, "b@example.com", &cached).code(0);
    assert_eq!(
        asked(&sb, &before),
        pairs(&[("create_lead", 1), ("get_lead_by_id", 1)])
    );
    // Then nothing but the create: one round trip, as a curl would make.
    let before = counts(&sb);
    let out = create_in(&sb, data, "c@example.com", &cached);
    out.code(0);
    assert_eq!(asked(&sb, &before), pairs(&[("create_lead", 1)]));
    assert_eq!(out.stdout.lines().count(), 1, "one lead id: {}", out.stdout);

    // A lead this machine made meanwhile without the ledger (or through another one) is added to
    // the remembered newest leads: the next create knows it, and makes nothing.
    Leadctl::new()
        .env("LEADCTL_API_URL", sb.url())
        .env("LEADCTL_API_KEY", API_KEY)
        .env("XDG_DATA_HOME", data)
        .env("LEADCTL_WINDOW_CACHE", "600")
        .args(["--no-ledger", "create", "--channel", PRIMARY_CHANNEL_ID])
        .args(["--email", "y@example.com", "-o", "id"])
        .run()
        .code(0);
    let before = counts(&sb);
    let out = create_in(&sb, data, "y@example.com", &cached);
    out.code(0).stderr_has("exists already");
    assert_eq!(asked(&sb, &before), pairs(&[("get_lead_by_id", 1)]));

    // A lead made outside this ledger meanwhile (another machine, no ledger).
    let elsewhere = tempfile::tempdir().unwrap();
    Leadctl::new()
        .env("LEADCTL_API_URL", sb.url())
        .env("LEADCTL_API_KEY", API_KEY)
        .env("XDG_DATA_HOME", elsewhere.path())
        .args(["--no-ledger", "create", "--channel", PRIMARY_CHANNEL_ID])
        .args(["--email", "x@example.com", "-o", "id"])
        .run()
        .code(0);
    // LEADCTL_WINDOW_CACHE=0 reads the newest leads before the create: it is recognised (and
    // read once to be printed), not created again.
    let before = counts(&sb);
    let out = create_in(&sb, data, "x@example.com", &[("LEADCTL_WINDOW_CACHE", "0")]);
    out.code(0).stderr_has("exists already");
    assert_eq!(
        asked(&sb, &before),
        pairs(&[("get_lead_by_id", 1), ("get_leads", 1)])
    );
    assert_eq!(
        sb.stats()["leads_by_channel"][PRIMARY_CHANNEL_ID].as_u64(),
        Some(5),
        "a, b, c, y and x, once each"
    );
    // The cached newest leads hold no API key either.
    for f in std::fs::read_dir(data.join("leadctl/checks"))
        .unwrap()
        .flatten()
    {
        let text = std::fs::read_to_string(f.path()).unwrap();
        assert!(!text.contains(API_KEY), "{text}");
    }
}

#[test]
fn a_new_key_reads_the_newest_leads_again_while_the_channel_has_an_unknown_outcome() {
    let server = b_hangs();
    let dir = tempfile::tempdir().unwrap();
    let run = |email: &str| {
        create_against(
            &server,
            dir.path(),
            email,
            &[("LEADCTL_WINDOW_CACHE", "600")],
        )
    };
    let actions = |from: usize| actions_since(&server, from);
    run("a@example.com").code(0);
    let from = server.requests().len();
    run("b@example.com")
        .code(7)
        .stderr_has("no answer within 0.5s");
    assert_eq!(actions(from), ["create_lead", "get_lead_by_id"], "cached");
    // b's outcome is open: the next new key reads the newest leads (to settle b with them).
    let from = server.requests().len();
    run("c@example.com").code(0);
    assert_eq!(actions(from), ["create_lead", "get_leads"]);
}

#[test]
fn newest_leads_that_could_not_be_read_are_not_remembered() {
    // The newest leads cannot be read until the first lead is created.
    let created = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let seen = created.clone();
    let server = ScriptedServer::start(move |req, _| match req.action().as_str() {
        "get_leads" if !seen.load(std::sync::atomic::Ordering::SeqCst) => {
            Reply::json(500, json!({"error": "database busy"}))
        }
        "get_leads" => Reply::json(200, json!([])),
        _ => {
            seen.store(true, std::sync::atomic::Ordering::SeqCst);
            let email = req.json()["email"]
                .as_str()
                .unwrap_or("a@example.com")
                .to_string();
            Reply::json(200, lead_response(&email))
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let run = |email: &str| {
        Leadctl::against(&server.url())
            .env("LEADCTL_CHANNEL", CHANNEL)
            .env("XDG_DATA_HOME", dir.path())
            .env("LEADCTL_LEDGER", dir.path().join("ledger.sqlite3"))
            .env("LEADCTL_WINDOW_CACHE", "600")
            .env("LEADCTL_RETRY_BASE_MS", "1")
            .args(["create", "--email", email, "-o", "id"])
            .run()
    };
    run("a@example.com")
        .code(0)
        .stderr_has("could not read the newest leads of channel");
    let from = server.requests().len();
    run("b@example.com").code(0);
    assert_eq!(
        actions_since(&server, from),
        ["create_lead", "get_lead_by_id", "get_leads"]
    );
}

#[test]
fn a_bad_window_cache_setting_is_refused() {
    let out = Leadctl::new()
        .env("LEADCTL_WINDOW_CACHE", "soon")
        .args(["create", "--email", "a@example.com", "--channel", CHANNEL])
        .run();
    out.code(3).stderr_has(
        "LEADCTL_WINDOW_CACHE must be a number of seconds (0 reads them before every create), got \"soon\"",
    );
    out.stderr_has("unset it for the default (5), or set LEADCTL_WINDOW_CACHE=0");
}

#[test]
fn a_cached_check_that_the_server_contradicts_stops_and_is_forgotten() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let mut first = Sandbox::start(Options::ephemeral()).unwrap();
    create_in(&first, data, "a@example.com", &[]).code(0);
    create_in(&first, data, "b@example.com", &[]).code(0); // checked, and remembered
    let addr = first.addr().to_string();
    first.shutdown().unwrap();
    drop(first);

    // The same URL, a server with no state, within the cache's time.
    let sb = crate::ledger::sandbox_at(&addr);
    let out = create_in(&sb, data, "a@example.com", &[]);
    out.code(3)
        .stderr_has("the ledger records this lead as created")
        .stderr_has("does not know it: the ledger and the server may disagree")
        .stderr_has("run the command again");
    assert_eq!(counts(&sb)["create_lead"].as_u64().unwrap_or(0), 0);
    // The next run checks for itself, and stops before anything is sent.
    let again = create_in(&sb, data, "c@example.com", &[]);
    again
        .code(3)
        .stderr_has("the ledger and the server disagree, so nothing was sent");
    assert_eq!(counts(&sb)["create_lead"].as_u64().unwrap_or(0), 0);
}

#[test]
fn the_channels_are_read_once_for_a_while() {
    let sb = Sandbox::start(Options::ephemeral()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let run = |email: &str| {
        Leadctl::new()
            .env("LEADCTL_API_URL", sb.url())
            .env("LEADCTL_API_KEY", API_KEY)
            .env("XDG_DATA_HOME", dir.path())
            .args([
                "--no-ledger",
                "create",
                "--channel",
                "Acme Referral Program",
            ])
            .args(["--email", email, "-o", "id"])
            .run()
    };
    let before = counts(&sb);
    run("a@example.com").code(0);
    run("b@example.com").code(0);
    assert_eq!(
        asked(&sb, &before),
        pairs(&[("create_lead", 2), ("get_channels", 1)])
    );
}

#[test]
fn a_bad_check_cache_setting_is_refused() {
    let out = Leadctl::new()
        .env("LEADCTL_CHECK_CACHE", "ten minutes")
        .args(["create", "--email", "a@example.com", "--channel", CHANNEL])
        .run();
    out.code(3).stderr_has(
        "LEADCTL_CHECK_CACHE must be a number of seconds (0 turns the cache off), got \"ten minutes\"",
    );
}

#[test]
fn a_hung_server_fails_a_create_within_about_two_timeouts() {
    let server = ScriptedServer::start(|_, _| Reply::Hang(Duration::from_secs(30)));
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let out = Leadctl::against(&server.url())
        .env("LEADCTL_LEDGER", dir.path().join("ledger.sqlite3"))
        .args(["--timeout", "2", "create", "--channel", CHANNEL])
        .args(["--email", "a@example.com"])
        .run();
    let took = started.elapsed();
    out.code(7)
        .stderr_has("no answer within 2s (outcome unknown")
        .stderr_has("could not read the newest leads of channel");
    // Not a benchmark: a bound that only a check phase without retries meets.
    assert!(took < Duration::from_secs(10), "took {took:?}");
    let actions: Vec<String> = server.requests().iter().map(|r| r.action()).collect();
    assert_eq!(actions, ["get_leads", "create_lead"], "each asked once");
}

#[test]
fn a_name_the_cached_channels_lack_is_looked_up_on_the_server_before_it_is_refused() {
    // The second channel exists from the third request on (made in the app meanwhile).
    let server = ScriptedServer::importing(|req, n| match req.action().as_str() {
        "get_channels" => {
            let mut list = channels_response();
            if n > 1 {
                let mut second = list["channels"][0].clone();
                second["id"] = json!("b2c3d4e5-f6a7-4890-8bcd-ef1234567891");
                second["title"] = json!("Spring Campaign");
                list["channels"].as_array_mut().unwrap().push(second);
            }
            Reply::json(200, list)
        }
        _ => {
            let email = req.json()["email"]
                .as_str()
                .unwrap_or("x@example.com")
                .to_string();
            Reply::json(200, lead_response(&email))
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let run = |channel: &str, email: &str| {
        Leadctl::against(&server.url())
            .env("XDG_DATA_HOME", dir.path())
            .args([
                "--no-ledger",
                "create",
                "--channel",
                channel,
                "--email",
                email,
            ])
            .args(["-o", "id"])
            .run()
    };
    run("Acme Referral Program", "a@example.com").code(0);
    run("Spring Campaign", "b@example.com").code(0);
    let reqs = server.requests();
    let actions: Vec<String> = reqs.iter().map(|r| r.action()).collect();
    assert_eq!(
        actions,
        ["get_channels", "create_lead", "get_channels", "create_lead"],
        "the second run read the channels again, once"
    );
    assert_eq!(
        reqs[3].json()["channel_id"],
        "b2c3d4e5-f6a7-4890-8bcd-ef1234567891"
    );
    // A name that is nowhere is refused after that one look.
    let out = run("No Such Channel", "c@example.com");
    out.code(6);
    assert_eq!(
        server.requests().len(),
        5,
        "one more get_channels, no create"
    );
}

/// An import reads its channel's newest leads once (started while its ledger opens, and used as
/// the channel's one read), however many rows it creates.
#[test]
fn an_import_reads_the_newest_leads_once() {
    let sb = Sandbox::start(Options::ephemeral()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let csv = data.join("leads.csv");
    std::fs::write(
        &csv,
        "email,first_name\na@example.com,A\nb@example.com,B\nc@example.com,C\n",
    )
    .unwrap();
    let import = || {
        Leadctl::new()
            .env("LEADCTL_API_URL", sb.url())
            .env("LEADCTL_API_KEY", API_KEY)
            .env("LEADCTL_CHANNEL", PRIMARY_CHANNEL_ID)
            .env("XDG_DATA_HOME", data)
            .env("LEADCTL_LEDGER", data.join("ledger.sqlite3"))
            .args(["-q", "import"])
            .arg(&csv)
            .args(["--concurrency", "1"])
            .run()
    };
    let before = counts(&sb);
    import().code(0);
    assert_eq!(
        asked(&sb, &before),
        pairs(&[("create_lead", 3), ("get_leads", 1)])
    );
}

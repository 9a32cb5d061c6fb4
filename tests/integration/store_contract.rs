//! One contract for every ledger backend: what the delivery engine relies on from a `Store`
//! (through `Ledger`), run on a SQLite file and on a PostgreSQL schema of its own. A claim is
//! taken once, taken over only from the exact state it was read in, recorded, released back to
//! what it was; inserts never overwrite; keys are scoped by API URL and channel; reads, lists,
//! counts and forgetting see the same entries.

use std::collections::BTreeSet;

use leadctl::ledger::postgres::{PasswordSources, PgTarget};
use leadctl::ledger::{Applied, Entry, Fields, Filter, Ledger, Location, Op, State};

use crate::support::postgres;

const URL: &str = "http://127.0.0.1:9/api";
const OTHER_URL: &str = "http://127.0.0.1:10/api";

fn entry(channel: &str, key: &str, state: State, at: i64) -> Entry {
    let mut fields = Fields::new();
    fields.insert("email".into(), format!("{key}@x.example").into());
    Entry {
        api_url: URL.into(),
        channel: channel.into(),
        key: key.into(),
        state,
        lead_id: None,
        hash: format!("h-{key}"),
        fields,
        error: None,
        via: None,
        input: Some("in.csv".into()),
        row: Some(1),
        run: Some("run-a".into()),
        sent_at: Some(at),
        answered_at: None,
        first_at: at,
        updated_at: at,
    }
}

fn get(l: &Ledger, channel: &str, key: &str) -> Option<Entry> {
    l.get(URL, channel, key).expect("read")
}

/// The contract, on an empty ledger.
fn contract(l: &Ledger, backend: &str) {
    let claim = |e: &Entry, expect| {
        l.apply(Op::Claim {
            entry: e.clone(),
            expect,
        })
        .expect("claim")
    };
    // A claim of a new key is ours, once.
    let first = entry("c1", "k1", State::Sending, 100);
    assert_eq!(claim(&first, None), Applied::Claimed, "{backend}");
    let again = Entry {
        run: Some("run-b".into()),
        ..first.clone()
    };
    let Applied::Taken(current) = claim(&again, None) else {
        panic!("{backend}: a second claim of one key must lose");
    };
    assert_eq!(
        current, first,
        "{backend}: the loser sees the winner's entry whole"
    );
    assert_eq!(get(l, "c1", "k1"), Some(first.clone()), "{backend}");

    // Recorded: the entry as it is now, whole.
    let created = Entry {
        state: State::Created,
        lead_id: Some("L-1".into()),
        answered_at: Some(101),
        updated_at: 101,
        ..first.clone()
    };
    assert_eq!(
        l.apply(Op::Record(created.clone())).expect("record"),
        Applied::Done
    );
    assert_eq!(get(l, "c1", "k1"), Some(created.clone()), "{backend}");

    // Taken over only from the exact state and time it was read in.
    let retry = Entry {
        state: State::Sending,
        updated_at: 200,
        sent_at: Some(200),
        run: Some("run-b".into()),
        ..created.clone()
    };
    assert!(
        matches!(
            claim(&retry, Some((State::Created, 100))),
            Applied::Taken(_)
        ),
        "{backend}: a stale read takes nothing over"
    );
    assert!(
        matches!(
            claim(&retry, Some((State::Unknown, 101))),
            Applied::Taken(_)
        ),
        "{backend}: another state takes nothing over"
    );
    assert_eq!(
        claim(&retry, Some((State::Created, 101))),
        Applied::Claimed,
        "{backend}"
    );
    assert_eq!(get(l, "c1", "k1"), Some(retry.clone()), "{backend}");

    // Released: back to what it was before the claim, or gone when it was new.
    l.apply(Op::Release {
        entry: retry.clone(),
        previous: Some(created.clone()),
    })
    .expect("release");
    assert_eq!(get(l, "c1", "k1"), Some(created.clone()), "{backend}");
    let fresh = entry("c1", "k2", State::Sending, 300);
    assert_eq!(claim(&fresh, None), Applied::Claimed);
    l.apply(Op::Release {
        entry: fresh.clone(),
        previous: None,
    })
    .expect("release");
    assert_eq!(
        get(l, "c1", "k2"),
        None,
        "{backend}: a new key released is gone"
    );

    // An insert never overwrites; a put does.
    let found = Entry {
        state: State::Created,
        lead_id: Some("L-other".into()),
        via: Some("server".into()),
        ..entry("c1", "k1", State::Created, 400)
    };
    assert!(matches!(
        l.apply(Op::PutIfAbsent(found.clone())).expect("insert"),
        Applied::Taken(_)
    ));
    assert_eq!(get(l, "c1", "k1"), Some(created.clone()), "{backend}");
    let put = Entry {
        key: "k3".into(),
        ..found.clone()
    };
    l.apply(Op::PutIfAbsent(put.clone())).expect("insert");
    assert_eq!(get(l, "c1", "k3"), Some(put.clone()), "{backend}");
    let overwritten = Entry {
        lead_id: Some("L-3b".into()),
        ..put.clone()
    };
    l.apply(Op::Put(overwritten.clone())).expect("put");
    assert_eq!(get(l, "c1", "k3"), Some(overwritten.clone()), "{backend}");

    // Keys are scoped: the same key in another channel or under another URL is another key.
    let elsewhere = entry("c2", "k1", State::Sending, 500);
    assert_eq!(claim(&elsewhere, None), Applied::Claimed, "{backend}");
    let other_url = Entry {
        api_url: OTHER_URL.into(),
        ..entry("c1", "k1", State::Sending, 500)
    };
    assert_eq!(claim(&other_url, None), Applied::Claimed, "{backend}");
    assert_eq!(get(l, "c1", "k1"), Some(created.clone()), "{backend}");

    // Several keys at once, in order, None where unknown.
    let many = l
        .get_many(URL, "c1", &["k3".into(), "nope".into(), "k1".into()])
        .expect("get_many");
    assert_eq!(
        many,
        vec![Some(overwritten.clone()), None, Some(created.clone())]
    );

    // Lists, lead ids and counts see the same entries.
    let mut keys = BTreeSet::new();
    l.for_each(
        &Filter {
            api_url: Some(URL.into()),
            ..Filter::default()
        },
        &mut |e| {
            keys.insert((e.channel, e.key));
            Ok(())
        },
    )
    .expect("list");
    let want: BTreeSet<(String, String)> = [("c1", "k1"), ("c1", "k3"), ("c2", "k1")]
        .iter()
        .map(|(c, k)| (c.to_string(), k.to_string()))
        .collect();
    assert_eq!(keys, want, "{backend}");
    let mut ids = l.lead_ids(URL, "c1").expect("lead ids");
    ids.sort();
    assert_eq!(ids, ["L-1", "L-3b"], "{backend}");
    let mut counts = l.counts().expect("counts");
    counts.sort_by(|a, b| (&a.0, &a.1, a.2.as_str()).cmp(&(&b.0, &b.1, b.2.as_str())));
    assert_eq!(
        counts,
        vec![
            // Sorted: ":10" before ":9".
            (OTHER_URL.to_string(), "c1".to_string(), State::Sending, 1),
            (URL.to_string(), "c1".to_string(), State::Created, 2),
            (URL.to_string(), "c2".to_string(), State::Sending, 1),
        ],
        "{backend}"
    );

    // Forgetting removes what the filter names, and only that.
    let forgotten = l
        .forget(&Filter {
            api_url: Some(URL.into()),
            channel: Some("c1".into()),
            keys: vec!["k3".into()],
            ..Filter::default()
        })
        .expect("forget");
    assert_eq!(forgotten, 1, "{backend}");
    assert_eq!(get(l, "c1", "k3"), None, "{backend}");
    assert_eq!(get(l, "c1", "k1"), Some(created), "{backend}");
}

#[test]
fn the_store_contract_holds_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let l = Ledger::open(&Location::File(dir.path().join("ledger.sqlite3"))).expect("open");
    contract(&l, "sqlite");
}

#[test]
fn the_store_contract_holds_on_postgres() {
    let Some(pg) = postgres::shared("store_contract") else {
        return;
    };
    let none = PasswordSources {
        file: None,
        file_var: "LEADCTL_LEDGER_PASSWORD_FILE",
        env: None,
        default_user: None,
    };
    let target = PgTarget::parse(&pg.ledger(), &none).expect("a PostgreSQL URL");
    let l = Ledger::open(&Location::Postgres(Box::new(target))).expect("open");
    contract(&l, "postgres");
}

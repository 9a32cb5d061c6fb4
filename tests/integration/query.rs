//! `import --query ... --from URL` (issue 31): rows straight from a real PostgreSQL server (the
//! cluster `scripts/pg-test.sh` starts, a table of its own per test) and from SQLite files, sent
//! to the sandbox on 127.0.0.1; the ledger turns a re-read into creates, updates and nothing.

use std::path::{Path, PathBuf};

use leadctl::sandbox::Sandbox;
use serde_json::{json, Value};

use crate::import::{assert_no_duplicates, business_ids, leadctl, results, rows_with, sandbox};
use crate::support::postgres::{self, Pg};
use crate::support::{Leadctl, Outcome};

// ---- helpers --------------------------------------------------------------------------------

/// A table name no other test uses.
fn table() -> String {
    format!("leads_{:012x}", fastrand::u64(..) & 0xffff_ffff_ffff)
}

/// `import --query SQL --from URL -o ndjson` against the sandbox.
fn import(sb: &Sandbox, from: &str, sql: &str, extra: &[&str]) -> Leadctl {
    leadctl(sb)
        .args(["import", "--from", from, "--query", sql, "-o", "ndjson"])
        .args(extra)
}

/// A SQLite database file made by `sql`.
fn sqlite_db(dir: &Path, sql: &str) -> PathBuf {
    let path = dir.join("crm.db");
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch(sql).unwrap();
    path
}

/// The request bodies a dry run prints (`-o ndjson`), in order.
fn bodies(out: &Outcome) -> Vec<Value> {
    results(out)
}

/// First names on the sandbox by business id.
fn first_names(sb: &Sandbox) -> std::collections::BTreeMap<String, String> {
    crate::import::leads(sb)
        .into_iter()
        .filter_map(|l| {
            Some((
                l["business_id"].as_str()?.to_string(),
                l["first_name"].as_str().unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

/// The whole scenario of the issue on one database: 1,000 leads imported; then 10 changed and 5
/// added: the next run creates the 5 and reports the 10 as changed, and with `--update` updates
/// them; a last run has nothing to do. `exec` runs SQL on the database.
fn thousand_then_changes(sb: &Sandbox, from: &str, t: &str, exec: &dyn Fn(&str)) {
    let select = format!("SELECT email, first_name, business_id FROM {t} ORDER BY id");
    let first = import(sb, from, &select, &[]).run();
    first.code(0);
    assert_eq!(rows_with(&results(&first), "created").len(), 1000);
    assert_eq!(business_ids(sb).len(), 1000);

    exec(&format!(
        "UPDATE {t} SET first_name = 'Changed ' || id WHERE id <= 10"
    ));
    exec(&format!(
        "INSERT INTO {t} (id, email, first_name, business_id) VALUES \
         (1001, 'user1001@example.com', 'User 1001', 'B-1001'), \
         (1002, 'user1002@example.com', 'User 1002', 'B-1002'), \
         (1003, 'user1003@example.com', 'User 1003', 'B-1003'), \
         (1004, 'user1004@example.com', 'User 1004', 'B-1004'), \
         (1005, 'user1005@example.com', 'User 1005', 'B-1005')"
    ));
    let second = import(sb, from, &select, &[]).run();
    second.code(0);
    let r = results(&second);
    assert_eq!(rows_with(&r, "created"), (1001..=1005).collect::<Vec<_>>());
    assert_eq!(rows_with(&r, "changed"), (1..=10).collect::<Vec<_>>());
    assert_eq!(rows_with(&r, "skipped").len(), 990);
    assert_eq!(business_ids(sb).len(), 1005);

    let third = import(sb, from, &select, &["--update"]).run();
    third.code(0);
    let r = results(&third);
    assert_eq!(rows_with(&r, "updated"), (1..=10).collect::<Vec<_>>());
    assert_eq!(rows_with(&r, "skipped").len(), 995);
    assert!(rows_with(&r, "created").is_empty());
    let names = first_names(sb);
    assert_eq!(names["B-3"], "Changed 3");
    assert_eq!(names["B-11"], "User 11");

    let fourth = import(sb, from, &select, &["--update"]).run();
    fourth.code(0);
    assert_eq!(rows_with(&results(&fourth), "skipped").len(), 1005);

    // Both in one run: 10 more changed and 5 more added, read with --update at once.
    exec(&format!(
        "UPDATE {t} SET first_name = 'Again ' || id WHERE id BETWEEN 21 AND 30"
    ));
    exec(&format!(
        "INSERT INTO {t} (id, email, first_name, business_id) SELECT i, \
         'user' || i || '@example.com', 'User ' || i, 'B-' || i FROM ({}) n",
        (1006..=1010)
            .map(|i| format!("SELECT {i} AS i"))
            .collect::<Vec<_>>()
            .join(" UNION ALL ")
    ));
    let fifth = import(sb, from, &select, &["--update"]).run();
    fifth.code(0);
    let r = results(&fifth);
    assert_eq!(rows_with(&r, "created"), (1006..=1010).collect::<Vec<_>>());
    assert_eq!(rows_with(&r, "updated"), (21..=30).collect::<Vec<_>>());
    assert_eq!(rows_with(&r, "skipped").len(), 995);
    assert_eq!(first_names(sb)["B-25"], "Again 25");
    assert_eq!(business_ids(sb).len(), 1010);
    assert_no_duplicates(sb);
}

/// The shared PostgreSQL cluster, or `None` when the run opted out (said on stderr).
fn pg(test: &str) -> Option<Pg> {
    postgres::shared(test)
}

// ---- PostgreSQL -----------------------------------------------------------------------------

#[test]
fn postgres_table_of_1000_then_10_changed_and_5_added() {
    let Some(pg) = pg("postgres_table_of_1000_then_10_changed_and_5_added") else {
        return;
    };
    let t = table();
    pg.sql(&format!(
        "CREATE TABLE {t} (id int PRIMARY KEY, email text, first_name text, business_id text); \
         INSERT INTO {t} SELECT i, 'user' || i || '@example.com', 'User ' || i, 'B-' || i \
         FROM generate_series(1, 1000) i"
    ));
    let sb = sandbox(|_| {});
    thousand_then_changes(&sb, &pg.url, &t, &|sql| {
        pg.sql(sql);
    });
}

#[test]
fn postgres_cells_by_type_nulls_numerics_timestamps_booleans() {
    let Some(pg) = pg("postgres_cells_by_type_nulls_numerics_timestamps_booleans") else {
        return;
    };
    let t = table();
    pg.sql(&format!(
        "CREATE TABLE {t} (id int, email varchar(80), first_name text, last_name text, \
           amount numeric(12,2), big bigint, seen timestamptz, local_seen timestamp, \
           born date, active boolean, uid uuid, ratio double precision); \
         INSERT INTO {t} VALUES \
           (1, 'a@example.com', 'Ann', NULL, 1250.50, 4512345678, \
            '2026-11-30 09:15:00+02', '2026-11-30 09:15:00.5', '1999-12-31', true, \
            '6f1c1e2a-3b4c-4d5e-8f70-112233445566', 0.25), \
           (2, 'b@example.com', '', 'Brown', -0.05, NULL, NULL, NULL, NULL, false, NULL, NULL)"
    ));
    let sb = sandbox(|_| {});
    let sql = format!(
        "SELECT email, first_name, last_name, amount AS company, big AS phone, seen AS notes, \
           local_seen AS source, born AS employee, active AS business_id, \
           uid::text AS \"Lead Source\", ratio FROM {t} ORDER BY id"
    );
    let out = import(
        &sb,
        &pg.url,
        &sql,
        &[
            "--dry-run",
            "--map",
            "Lead Source=ignore",
            "--map",
            "ratio=ignore",
        ],
    )
    .run();
    out.code(0);
    let channel = leadctl::sandbox::PRIMARY_CHANNEL_ID;
    assert_eq!(
        bodies(&out),
        [
            json!({"action": "create_lead", "channel_id": channel, "email": "a@example.com",
                   "first_name": "Ann", "phone": "4512345678", "company_name": "1250.50",
                   "source": "2026-11-30T09:15:00.500", "employee": "1999-12-31",
                   "notes": "2026-11-30T07:15:00Z", "business_id": "true"}),
            json!({"action": "create_lead", "channel_id": channel, "email": "b@example.com",
                   "last_name": "Brown", "company_name": "-0.05", "business_id": "false"}),
        ]
    );
    // Each type once more, straight: uuid and double precision cells as text.
    let out = import(
        &sb,
        &pg.url,
        &format!("SELECT email, uid AS notes, ratio AS company FROM {t} WHERE id = 1"),
        &["--dry-run"],
    )
    .run();
    out.code(0);
    assert_eq!(
        bodies(&out),
        [
            json!({"action": "create_lead", "channel_id": channel, "email": "a@example.com",
                "company_name": "0.25", "notes": "6f1c1e2a-3b4c-4d5e-8f70-112233445566"})
        ]
    );
    // A type leadctl does not read is refused, naming the column, before any row.
    let out = import(
        &sb,
        &pg.url,
        &format!("SELECT email, '\\x00ff'::bytea AS photo FROM {t}"),
        &["--dry-run"],
    )
    .run();
    out.code(6)
        .stderr_has("column \"photo\" has the type bytea, which leadctl does not read");
    assert_eq!(out.stdout, "");
}

#[test]
fn postgres_query_error_names_its_position_and_exits_6() {
    let Some(pg) = pg("postgres_query_error_names_its_position_and_exits_6") else {
        return;
    };
    let sb = sandbox(|_| {});
    let out = import(
        &sb,
        &pg.url,
        "SELECT email\nFROM nowhere_at_all\nWHERE updated_at >= {{last_success}}",
        &["--dry-run"],
    )
    .run();
    out.code(6).stderr_has(
        "the query failed at line 2, column 6 (near \"nowhere_at_all\"): ERROR: relation \
         \"nowhere_at_all\" does not exist",
    );
    // After the placeholder (replaced in the SQL sent), the position is still the user's.
    let out = import(
        &sb,
        &pg.url,
        "SELECT 1 AS email WHERE now() >= {{last_success}} AND FORM",
        &["--dry-run"],
    )
    .run();
    out.code(6).stderr_has(
        "the query failed at line 1, column 55 (near \"FORM\"): ERROR: column \"form\" does not \
         exist",
    );
    assert_eq!(out.stdout, "");
    assert_eq!(crate::import::created(&sb), 0);
}

#[test]
fn postgres_write_statement_is_refused_by_the_read_only_session() {
    let Some(pg) = pg("postgres_write_statement_is_refused_by_the_read_only_session") else {
        return;
    };
    let t = table();
    pg.sql(&format!(
        "CREATE TABLE {t} (email text); INSERT INTO {t} VALUES ('a@example.com')"
    ));
    let sb = sandbox(|_| {});
    for sql in [
        format!("DELETE FROM {t} RETURNING email"),
        format!("WITH gone AS (DELETE FROM {t} RETURNING email) SELECT email FROM gone"),
    ] {
        let out = import(&sb, &pg.url, &sql, &[]).run();
        // (PostgreSQL names the statement it refused: DELETE, or SELECT for the WITH.)
        out.code(6)
            .stderr_has(
                "the query tries to write, and the source is read in a read-only transaction: \
                 ERROR: cannot execute ",
            )
            .stderr_has(" in a read-only transaction");
    }
    assert_eq!(pg.sql(&format!("SELECT count(*) FROM {t}")).trim(), "1");
    assert_eq!(crate::import::created(&sb), 0);
}

#[test]
fn postgres_password_never_shown_and_read_from_the_source_password_file() {
    let Some(pg) = pg("postgres_password_never_shown_and_read_from_the_source_password_file")
    else {
        return;
    };
    let password = pg.password();
    let t = table();
    pg.sql(&format!(
        "CREATE TABLE {t} (email text); INSERT INTO {t} VALUES ('a@example.com')"
    ));
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pw");
    std::fs::write(&file, format!("{password}\n")).unwrap();
    let url = pg.url_without_password();
    let sql = format!("SELECT email FROM {t}");
    // From LEADCTL_SOURCE_PASSWORD_FILE, with -v (which logs the query): never the password.
    let out = import(&sb, &url, &sql, &["-v", "--dry-run"])
        .env("LEADCTL_SOURCE_PASSWORD_FILE", &file)
        .run();
    out.code(0)
        .never_shows(&password)
        .stderr_has(&format!("the query (--query):\n{sql}"));
    // With the password in the URL: masked wherever the URL is shown.
    let out = import(&sb, &pg.url, &sql, &["--dry-run"]).run();
    out.code(0).never_shows(&password).stderr_has(":****@");
    // A wrong password: exit 3, saying where it came from, never showing either.
    std::fs::write(&file, "not-the-password-42\n").unwrap();
    let out = import(&sb, &url, &sql, &["--dry-run"])
        .env("LEADCTL_SOURCE_PASSWORD_FILE", &file)
        .run();
    out.code(3)
        .never_shows(&password)
        .never_shows("not-the-password-42")
        .stderr_has("refused the connection")
        .stderr_has("(LEADCTL_SOURCE_PASSWORD_FILE)");
    // Without -v the query text is not logged.
    let out = import(&sb, &pg.url, &sql, &["--dry-run"]).run();
    assert!(!out.stderr.contains(&sql), "{}", out.stderr);
}

#[test]
fn postgres_statement_timeout_from_timeout_exits_7() {
    let Some(pg) = pg("postgres_statement_timeout_from_timeout_exits_7") else {
        return;
    };
    let sb = sandbox(|_| {});
    let out = import(
        &sb,
        &pg.url,
        "SELECT 'a@example.com' AS email FROM pg_sleep(5)",
        &["--dry-run", "--timeout", "1"],
    )
    .run();
    out.code(7)
        .stderr_has("the query ran longer than the statement timeout")
        .stderr_has("canceling statement due to statement timeout");
}

#[test]
fn postgres_since_binds_last_success_as_a_parameter() {
    let Some(pg) = pg("postgres_since_binds_last_success_as_a_parameter") else {
        return;
    };
    let t = table();
    pg.sql(&format!(
        "CREATE TABLE {t} (email text, updated_at timestamptz); INSERT INTO {t} VALUES \
         ('old@example.com', '2026-01-01T00:00:00Z'), ('new@example.com', '2026-06-01T00:00:00Z')"
    ));
    let sb = sandbox(|_| {});
    let sql = format!("SELECT email FROM {t} WHERE updated_at >= {{{{last_success}}}} ORDER BY 1");
    let out = import(&sb, &pg.url, &sql, &["--dry-run", "--since", "2026-03-01"]).run();
    out.code(0).stderr_has(
        "{{last_success}} = 2026-03-01T00:00:00.000Z (--since: no earlier successful run of this \
         query in the ledger)",
    );
    let emails: Vec<Value> = bodies(&out).iter().map(|b| b["email"].clone()).collect();
    assert_eq!(emails, [json!("new@example.com")]);
    // The first time without --since: the epoch, so every row.
    let out = import(&sb, &pg.url, &sql, &["--dry-run"]).run();
    out.code(0)
        .stderr_has("{{last_success}} = 1970-01-01T00:00:00.000Z");
    assert_eq!(bodies(&out).len(), 2);
}

// ---- SQLite ---------------------------------------------------------------------------------

#[test]
fn sqlite_table_of_1000_then_10_changed_and_5_added() {
    let dir = tempfile::tempdir().unwrap();
    let mut sql = String::from(
        "CREATE TABLE leads (id INTEGER PRIMARY KEY, email TEXT, first_name TEXT, business_id TEXT);\n",
    );
    sql.push_str("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) \
         INSERT INTO leads SELECT i, 'user' || i || '@example.com', 'User ' || i, 'B-' || i FROM n;");
    let db = sqlite_db(dir.path(), &sql);
    let sb = sandbox(|_| {});
    let from = format!("sqlite:{}", db.display());
    thousand_then_changes(&sb, &from, "leads", &|sql| {
        rusqlite::Connection::open(&db)
            .unwrap()
            .execute_batch(sql)
            .unwrap();
    });
}

#[test]
fn sqlite_cells_by_type_and_blob_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_db(
        dir.path(),
        "CREATE TABLE leads (email TEXT, first_name TEXT, amount REAL, n INTEGER, \
           active BOOLEAN, seen TEXT, photo BLOB);\n\
         INSERT INTO leads VALUES ('a@example.com', 'Ann', 1250.5, 4512345678, 1, \
           '2026-11-30 09:15:00', x'00ff');\n\
         INSERT INTO leads VALUES ('b@example.com', NULL, NULL, -3, 0, NULL, NULL);",
    );
    let sb = sandbox(|_| {});
    let channel = leadctl::sandbox::PRIMARY_CHANNEL_ID;
    let out = import(
        &sb,
        &db.display().to_string(),
        "SELECT email, first_name, amount AS company, n AS phone, active AS business_id, \
         seen AS notes FROM leads ORDER BY email",
        &["--dry-run"],
    )
    .run();
    out.code(0).stderr_has("query on sqlite:");
    assert_eq!(
        bodies(&out),
        [
            json!({"action": "create_lead", "channel_id": channel, "email": "a@example.com",
                   "first_name": "Ann", "phone": "4512345678", "company_name": "1250.5",
                   "notes": "2026-11-30 09:15:00", "business_id": "true"}),
            json!({"action": "create_lead", "channel_id": channel, "email": "b@example.com",
                   "phone": "-3", "business_id": "false"}),
        ]
    );
    let out = import(
        &sb,
        &format!("sqlite:{}", db.display()),
        "SELECT email, photo FROM leads",
        &["--dry-run"],
    )
    .run();
    out.code(6).stderr_has(
        "row 1, column \"photo\": holds a blob (binary data), which leadctl does not read",
    );
    assert_eq!(out.stdout, "");
}

#[test]
fn sqlite_error_position_write_refused_and_file_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_db(
        dir.path(),
        "CREATE TABLE leads (email TEXT); INSERT INTO leads VALUES ('a@example.com');",
    );
    let from = format!("sqlite:{}", db.display());
    let sb = sandbox(|_| {});
    let out = import(
        &sb,
        &from,
        "SELECT email\n  FROM leads\n  WHERE email ==== 1",
        &[],
    )
    .run();
    out.code(6).stderr_has(
        "the query failed at line 3, column 17 (near \"== 1\"): near \"==\": syntax error",
    );
    for sql in [
        "DELETE FROM leads RETURNING email",
        "INSERT INTO leads VALUES ('x@example.com') RETURNING email",
    ] {
        let out = import(&sb, &from, sql, &[]).run();
        out.code(6)
            .stderr_has("the statement writes, and the source is opened read-only");
    }
    let c = rusqlite::Connection::open(&db).unwrap();
    let n: i64 = c
        .query_row("SELECT count(*) FROM leads", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(crate::import::created(&sb), 0);
}

#[test]
fn sqlite_since_picks_only_rows_changed_since() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_db(
        dir.path(),
        "CREATE TABLE leads (email TEXT, updated_at TEXT);\n\
         INSERT INTO leads VALUES ('old@example.com', '2026-01-01 00:00:00'), \
           ('new@example.com', '2026-06-01 12:00:00');",
    );
    let sb = sandbox(|_| {});
    let out = import(
        &sb,
        &format!("sqlite:{}", db.display()),
        "SELECT email FROM leads WHERE updated_at >= {{last_success}}",
        &["--since", "2026-06-01T12:00:00Z"],
    )
    .run();
    out.code(0);
    let r = results(&out);
    assert_eq!(rows_with(&r, "created"), [1]);
    let emails: Vec<String> = crate::import::leads(&sb)
        .iter()
        .filter_map(|l| l["email"].as_str().map(str::to_string))
        .filter(|e| e.ends_with("@example.com") && e != "jane@example.com")
        .collect();
    assert!(
        emails.contains(&"new@example.com".to_string()),
        "{emails:?}"
    );
    assert!(
        !emails.contains(&"old@example.com".to_string()),
        "{emails:?}"
    );
}

#[test]
fn query_results_failed_rows_go_to_query_errors_csv() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_db(
        dir.path(),
        "CREATE TABLE leads (email TEXT, first_name TEXT);\n\
         INSERT INTO leads VALUES ('a@example.com', 'Ann'), ('not-an-email', 'Bob');",
    );
    let sb = sandbox(|_| {});
    let errors = dir.path().join("out.errors.csv");
    let out = import(
        &sb,
        &format!("sqlite:{}", db.display()),
        "SELECT email, first_name FROM leads ORDER BY first_name",
        &["--skip-invalid", "--errors", errors.to_str().unwrap()],
    )
    .run();
    out.code(8);
    let text = std::fs::read_to_string(&errors).unwrap();
    let text = text.trim_start_matches('\u{feff}');
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("email,first_name,leadctl_row,leadctl_outcome,leadctl_error")
    );
    let second = lines.next().unwrap();
    assert!(
        second.starts_with("not-an-email,Bob,2,invalid,"),
        "{second}"
    );
    assert_eq!(lines.next(), None);
    // Without a line number: a query's rows are named by row and column.
    out.stderr_has("row 2, column 1 \"email\"");
}

#[test]
fn query_flags_refuse_what_does_not_fit() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_db(dir.path(), "CREATE TABLE leads (email TEXT);");
    let from = format!("sqlite:{}", db.display());
    // --query without --from, a FILE with --query: clap's usage errors.
    leadctl(&sb)
        .args(["import", "--query", "SELECT 1"])
        .run()
        .code(2)
        .stderr_has("--from <URL>");
    leadctl(&sb)
        .args([
            "import",
            "leads.csv",
            "--query",
            "SELECT 1",
            "--from",
            &from,
        ])
        .run()
        .code(2)
        .stderr_has("cannot be used with");
    leadctl(&sb).args(["import", "--from", &from]).run().code(2);
    let out = import(
        &sb,
        &from,
        "SELECT email FROM leads",
        &["--since", "2026-01-01"],
    )
    .run();
    out.code(2)
        .stderr_has("--since is what {{last_success}} is bound to, and the query does not use it");
    let out = import(
        &sb,
        &from,
        "SELECT email FROM leads WHERE x > '{{last_success}}'",
        &[],
    )
    .run();
    out.code(2).stderr_has("in quotes");
    let out = import(&sb, "leads.csv", "SELECT 1", &[]).run();
    out.code(2).stderr_has(
        "--from \"leads.csv\" is neither a postgres:// (postgresql://) URL nor sqlite:PATH",
    );
    let out = import(&sb, "sqlite:/nonexistent/dir/x.db", "SELECT 1", &[]).run();
    out.code(6)
        .stderr_has("/nonexistent/dir/x.db is not a file");
    // An empty result: nothing to do, exit 0 (an incremental query often has no rows).
    let out = import(&sb, &from, "SELECT email FROM leads", &[]).run();
    out.code(0)
        .stderr_has("0 row(s) read")
        .stderr_has("returned no rows: nothing to do");
    // --query-file reads the SQL from a file.
    let file = dir.path().join("q.sql");
    std::fs::write(&file, "SELECT 'q@example.com' AS email").unwrap();
    let out = leadctl(&sb)
        .args(["import", "--from", &from, "--query-file"])
        .arg(&file)
        .args(["--dry-run", "-o", "ndjson"])
        .run();
    out.code(0);
    assert_eq!(bodies(&out)[0]["email"], "q@example.com");
}

#[test]
fn last_success_is_the_start_of_the_last_good_run_of_the_same_query() {
    // Real runs only: the fingerprint a run records in the history and the one the next run
    // looks up must be the same.
    let day = 86_400_000i64;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let sqlite_time = |ms: i64| {
        let t = leadctl::time::format_rfc3339(
            std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms as u64),
        );
        format!("{} {}", &t[..10], &t[11..19])
    };
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_db(
        dir.path(),
        &format!(
            "CREATE TABLE leads (email TEXT, updated_at TEXT);\n\
             INSERT INTO leads VALUES ('old@example.com', '{}'), ('new@example.com', '{}');",
            sqlite_time(now - 20 * day),
            sqlite_time(now - 5 * day)
        ),
    );
    let sb = sandbox(|_| {});
    let from = format!("sqlite:{}", db.display());
    let sql = "SELECT email FROM leads WHERE updated_at >= {{last_success}}";
    // The first run has no history: --since, which takes the newer row only.
    let since = leadctl::time::format_rfc3339(
        std::time::UNIX_EPOCH + std::time::Duration::from_millis((now - 10 * day) as u64),
    );
    let out = import(&sb, &from, sql, &["--since", &since[..10]]).run();
    out.code(0)
        .stderr_has("(--since: no earlier successful run of this query in the ledger)");
    assert_eq!(rows_with(&results(&out), "created"), [1]);
    // Its start, as the history keeps it.
    let runs = leadctl(&sb).args(["ledger", "runs", "-o", "json"]).run();
    runs.code(0);
    let runs: Value = serde_json::from_str(&runs.stdout).unwrap();
    let first = runs[0]["started_at"].as_str().unwrap().to_string();
    // A row changed after that run started, and another query's run in between.
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute(
            "INSERT INTO leads VALUES ('later@example.com', ?1)",
            [sqlite_time(now + day)],
        )
        .unwrap();
    import(&sb, &from, "SELECT 'other@example.com' AS email", &[])
        .run()
        .code(0);
    // The same query again: bound to the first run's start, --since only counts the first time.
    let out = import(&sb, &from, sql, &["--since", "2020-01-01"]).run();
    // Bound to the second (the history keeps milliseconds, the binding whole seconds).
    out.code(0).stderr_has(&format!(
        "{{{{last_success}}}} = {}.000Z (the start of the last successful run of this query)",
        &first[..19]
    ));
    assert_eq!(rows_with(&results(&out), "created"), [1]);
    let emails: Vec<String> = crate::import::leads(&sb)
        .iter()
        .filter_map(|l| l["email"].as_str().map(str::to_string))
        .collect();
    for (email, there) in [
        ("old@example.com", false),
        ("new@example.com", true),
        ("later@example.com", true),
        ("other@example.com", true),
    ] {
        assert_eq!(
            emails.contains(&email.to_string()),
            there,
            "{email}: {emails:?}"
        );
    }
    // With --no-ledger there is no history: --since.
    let out = import(
        &sb,
        &from,
        sql,
        &["--no-ledger", "--since", "2026-06-01", "--dry-run"],
    )
    .run();
    out.code(0).stderr_has(
        "{{last_success}} = 2026-06-01T00:00:00.000Z (--since: --no-ledger keeps no run history)",
    );
}

#[test]
fn purchases_import_reads_a_query_once_each() {
    let dir = tempfile::tempdir().unwrap();
    let sb = sandbox(|_| {});
    let db = sqlite_db(
        dir.path(),
        "CREATE TABLE leads (email TEXT, business_id TEXT);\n\
         INSERT INTO leads VALUES ('p@example.com', 'B-P');",
    );
    let from = format!("sqlite:{}", db.display());
    let out = import(&sb, &from, "SELECT email, business_id FROM leads", &[]).run();
    out.code(0);
    let lead_id = results(&out)[0]["lead_id"].as_str().unwrap().to_string();
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch(&format!(
            "CREATE TABLE invoices (invoice TEXT, lead_id TEXT, amount NUMERIC, product TEXT);\n\
             INSERT INTO invoices VALUES ('INV-1', '{lead_id}', 1250.5, 'Pro'), \
               ('INV-2', '{lead_id}', 99, 'Add-on');"
        ))
        .unwrap();
    let purchases =
        |extra: &[&str]| {
            leadctl(&sb)
            .args(["purchases", "import", "--from", &from, "-o", "ndjson", "--query"])
            .arg("SELECT invoice AS purchase_id, lead_id, amount, product FROM invoices ORDER BY 1")
            .args(extra)
            .run()
        };
    let dir2 = tempfile::tempdir().unwrap();
    let plan = dir2.path().join("purchases.plan");
    let dry = purchases(&["--dry-run", "--plan-out", plan.to_str().unwrap()]);
    dry.code(0);
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&plan).unwrap()).unwrap();
    assert_eq!(saved["command"], "purchases import");
    assert_eq!(saved["query"]["from"], from);
    assert_eq!(saved["query"]["rows"], 2);
    assert_eq!(
        bodies(&dry),
        [
            json!({"action": "create_purchase", "lead_id": lead_id, "purchase_amount": 1250.5,
                   "product_name": "Pro"}),
            json!({"action": "create_purchase", "lead_id": lead_id, "purchase_amount": 99,
                   "product_name": "Add-on"}),
        ]
    );
    // The plan applied: both purchases recorded once; the query's own run then skips them.
    let first = leadctl(&sb)
        .args(["apply", plan.to_str().unwrap(), "-o", "ndjson"])
        .run();
    first.code(0);
    assert_eq!(rows_with(&results(&first), "created"), [1, 2]);
    let again = purchases(&[]);
    again.code(0);
    assert_eq!(rows_with(&results(&again), "skipped"), [1, 2]);
    assert_eq!(
        sb.stats()["requests"]["by_action"]["create_purchase"],
        json!(2),
        "each purchase recorded once"
    );
}

/// A plan made from a query (`--dry-run --plan-out`) and applied (`leadctl apply`): 2 of 5 rows
/// imported first, the plan holds the other 3; the plan names the database (`shown`, its
/// password masked) and the SQL's checksum, never `secret`; the table is dropped before `apply`,
/// which does not run the query again: it sends the 3 planned creates once, nothing the second
/// time. `exec` runs SQL on the database.
fn plan_from_a_query_then_apply(
    sb: &Sandbox,
    from: &str,
    t: &str,
    exec: &dyn Fn(&str),
    secret: Option<&str>,
) -> Value {
    exec(&format!(
        "CREATE TABLE {t} (id int PRIMARY KEY, email text, first_name text, business_id text)"
    ));
    exec(&format!(
        "INSERT INTO {t} VALUES (1, 'user1@example.com', 'User 1', 'B-1'), \
         (2, 'user2@example.com', 'User 2', 'B-2'), (3, 'user3@example.com', 'User 3', 'B-3'), \
         (4, 'user4@example.com', 'User 4', 'B-4'), (5, 'user5@example.com', 'User 5', 'B-5')"
    ));
    let select =
        |limit: &str| format!("SELECT email, first_name, business_id FROM {t} {limit} ORDER BY id");
    import(sb, from, &select("WHERE id <= 2"), &[])
        .run()
        .code(0)
        .stderr_has("2 created");
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.json");
    let sql = select("");
    let out = import(
        sb,
        from,
        &sql,
        &["--dry-run", "--plan-out", plan.to_str().unwrap()],
    )
    .run();
    out.code(0)
        .stderr_has("dry run: 3 leads would be created, 2 skipped as already created")
        .stderr_has(&format!("plan saved to {}: 3 writes", plan.display()));
    let text = std::fs::read_to_string(&plan).unwrap();
    if let Some(secret) = secret {
        out.never_shows(secret);
        assert!(!text.contains(secret), "the password is never in a plan");
    }
    let p: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(p["command"], "import");
    assert_eq!(p["inputs"], json!([]), "a query is not a file");
    assert_eq!(p["query"]["origin"], "--query");
    assert_eq!(
        p["query"]["sha256"],
        leadctl::report::Input::sha256_of(sql.as_bytes())
    );
    assert_eq!(p["query"]["rows"], 5);
    let writes: Vec<(u64, String)> = p["writes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["row"].as_u64().unwrap(),
                w["key"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        writes,
        [
            (3, "business_id:B-3".to_string()),
            (4, "business_id:B-4".into()),
            (5, "business_id:B-5".into())
        ]
    );
    // The query is not run again: its table is gone.
    exec(&format!("DROP TABLE {t}"));
    let apply = || {
        leadctl(sb)
            .args(["apply", plan.to_str().unwrap(), "-o", "ndjson"])
            .run()
    };
    let first = apply();
    first.code(0).stderr_has("3 created of 3 planned write(s)");
    assert_eq!(rows_with(&results(&first), "created"), [3, 4, 5]);
    assert_eq!(crate::import::created(sb), 5);
    let again = apply();
    again.code(0);
    let r = results(&again);
    assert_eq!(rows_with(&r, "skipped"), [3, 4, 5]);
    for row in &r {
        assert!(
            row["message"]
                .as_str()
                .unwrap()
                .starts_with("done: this plan created it"),
            "{row}"
        );
    }
    if let Some(secret) = secret {
        first.never_shows(secret);
        again.never_shows(secret);
    }
    assert_eq!(
        sb.stats()["requests"]["by_action"]["create_lead"],
        json!(5),
        "each lead created once"
    );
    assert_no_duplicates(sb);
    p["query"].clone()
}

#[test]
fn postgres_plan_from_a_query_applies_once_and_never_holds_the_password() {
    let Some(pg) = pg("postgres_plan_from_a_query_applies_once_and_never_holds_the_password")
    else {
        return;
    };
    let sb = sandbox(|_| {});
    let password = pg.password();
    let query = plan_from_a_query_then_apply(
        &sb,
        &pg.url,
        &table(),
        &|sql| {
            pg.sql(sql);
        },
        Some(&password),
    );
    let from = query["from"].as_str().unwrap();
    assert!(from.starts_with("postgres://"), "{from}");
    assert!(from.contains(":****@"), "the password masked: {from}");
}

#[test]
fn sqlite_plan_from_a_query_applies_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_db(dir.path(), "SELECT 1;");
    let sb = sandbox(|_| {});
    let from = format!("sqlite:{}", db.display());
    let query = plan_from_a_query_then_apply(
        &sb,
        &from,
        "leads",
        &|sql| {
            rusqlite::Connection::open(&db)
                .unwrap()
                .execute_batch(sql)
                .unwrap();
        },
        None,
    );
    assert_eq!(query["from"], from);
}

#[test]
fn postgres_last_success_is_not_moved_by_a_failed_run() {
    let Some(pg) = pg("postgres_last_success_is_not_moved_by_a_failed_run") else {
        return;
    };
    let t = table();
    pg.sql(&format!(
        "CREATE TABLE {t} (email text, updated_at timestamptz); \
         INSERT INTO {t} VALUES ('old@example.com', now() - interval '10 days')"
    ));
    let sb = sandbox(|_| {});
    let sql = format!("SELECT email FROM {t} WHERE updated_at >= {{{{last_success}}}} ORDER BY 1");
    // The first run: no history, so every row since --since.
    let first = import(&sb, &pg.url, &sql, &["--since", "2020-01-01"]).run();
    first.code(0);
    assert_eq!(rows_with(&results(&first), "created"), [1]);
    let runs = leadctl(&sb).args(["ledger", "runs", "-o", "json"]).run();
    runs.code(0);
    let runs: Value = serde_json::from_str(&runs.stdout).unwrap();
    let started = runs[0]["started_at"].as_str().unwrap()[..19].to_string();
    let bound = format!(
        "{{{{last_success}}}} = {started}.000Z (the start of the last successful run of this query)"
    );
    // A row changed since, which fails the check: the run exits 6 and is not a success.
    pg.sql(&format!("INSERT INTO {t} VALUES ('not-an-email', now())"));
    let failed = import(&sb, &pg.url, &sql, &[]).run();
    failed.code(6).stderr_has(&bound);
    // Fixed: the next run still starts from the first run, so the fixed row is read (and the
    // row older than the first run is not).
    pg.sql(&format!(
        "UPDATE {t} SET email = 'fixed@example.com', updated_at = now() WHERE email = 'not-an-email'"
    ));
    let fixed = import(&sb, &pg.url, &sql, &[]).run();
    fixed.code(0).stderr_has(&bound);
    let r = results(&fixed);
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(rows_with(&r, "created"), [1]);
    let emails: Vec<String> = crate::import::leads(&sb)
        .iter()
        .filter_map(|l| l["email"].as_str().map(str::to_string))
        .filter(|e| e == "old@example.com" || e == "fixed@example.com")
        .collect();
    assert_eq!(emails.len(), 2, "{emails:?}");
}

/// Ctrl-C before sending starts (here while the run waits for the server's first answer, its
/// query's rows already spilled) ends the process as it comes (exit 130, nothing sent) and
/// leaves no spill file in `TMPDIR`: the file has no name there (doc/sources.md).
#[test]
fn ctrl_c_before_sending_leaves_no_spill_file() {
    let sb = sandbox(|o| o.latency = std::time::Duration::from_secs(3));
    let dir = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let db = sqlite_db(
        dir.path(),
        "CREATE TABLE t (email TEXT, first_name TEXT, business_id TEXT);
         INSERT INTO t VALUES ('a@example.com', 'A', 'B-1'), ('b@example.com', 'B', 'B-2');",
    );
    let from = format!("sqlite:{}", db.display());
    let running = import(&sb, &from, "SELECT * FROM t", &[])
        .env("TMPDIR", tmp.path())
        .spawn();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while sb.stats()["in_flight_peak"].as_u64().unwrap_or(0) < 1 {
        assert!(std::time::Instant::now() < deadline, "no request came");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    running.signal("-INT");
    let out = running.wait(std::time::Duration::from_secs(30));
    assert_eq!(out.code, 130, "{}", out.stderr);
    assert_eq!(out.stdout, "");
    assert_eq!(crate::import::created(&sb), 0, "nothing sent");
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "left behind in TMPDIR: {left:?}");
}

//! `leadctl import FILE`: turns the arguments and settings into the engine's plain options
//! (`import::Options`, `import::Services`) and runs it.

use anyhow::Result;

use crate::cli::ImportArgs;
use crate::error::Failure;
use crate::import;
use crate::output::Output;
use crate::settings::Settings;

pub fn run(settings: &Settings, args: &ImportArgs, out: &mut Output) -> Result<()> {
    let (what, database) = bulk_run(
        settings,
        Bulk {
            command: "import",
            file: args.file.as_deref(),
            source: &args.source,
            channel: args.channel.as_deref(),
            shard: args.sending.shard,
            header_row: args.header_row,
            mapping: args.mapping.as_deref(),
            dry_run: args.dry_run,
        },
    )?;
    super::run_report::around(settings, &args.ci, what, |recorder| {
        import(settings, args, database, out, recorder)
    })
}

/// What a bulk run (`import`, `purchases import`) is made of, for its report and history.
pub(super) struct Bulk<'a> {
    pub command: &'a str,
    pub file: Option<&'a std::path::Path>,
    pub source: &'a crate::cli::QueryArgs,
    pub channel: Option<&'a str>,
    pub shard: Option<(u64, u64)>,
    pub header_row: Option<u64>,
    pub mapping: Option<&'a std::path::Path>,
    pub dry_run: bool,
}

/// The run report's description of a bulk run and its database query, if any, whose history
/// fingerprint is the one the report records (so `{{last_success}}` finds this run later).
pub(super) fn bulk_run<'a>(
    settings: &Settings,
    b: Bulk<'a>,
) -> Result<(super::run_report::What<'a>, Option<import::query::Query>), Failure> {
    let mut database = database_query(settings, b.source)?;
    let what = super::run_report::What {
        command: b.command,
        inputs: b.file.into_iter().collect(),
        query: super::run_report::query(settings, b.channel, b.shard, database.as_ref()),
        dry_run: b.dry_run,
        header_line: Some(
            b.header_row
                .or_else(|| import::mapping::file::header_row_of(b.mapping))
                .unwrap_or(1),
        ),
    };
    if let Some(q) = database.as_mut() {
        q.history = what.fingerprint(settings);
    }
    Ok((what, database))
}

fn import(
    settings: &Settings,
    args: &ImportArgs,
    query: Option<import::query::Query>,
    out: &mut Output,
    recorder: std::sync::Arc<crate::report::Recorder>,
) -> Result<()> {
    if args.journal.is_some() || args.no_journal {
        return Err(Failure::usage(
            "--journal and --no-journal were replaced by the ledger, which remembers every lead \
             across files and runs",
        )
        .with_hint("drop the flag: runs resume from the ledger; --ledger PATH chooses its file, --no-ledger keeps none")
        .into());
    }
    let (concurrency, max_concurrency) = concurrency(
        settings,
        args.sending.gate.concurrency,
        args.sending.gate.max_concurrency,
    )?;
    let mapping = args
        .mapping
        .as_deref()
        .map(import::mapping::file::load)
        .transpose()?;
    // The command line first, then the mapping file, then the environment and profile.
    let key = args
        .key
        .or(mapping.as_ref().and_then(|m| m.key))
        .or(settings.lead_key);
    let decimal_separator = args
        .decimal_separator
        .or(mapping.as_ref().and_then(|m| m.decimal_separator))
        .or(settings.decimal_separator);
    let mapping_limits = mapping.as_ref().map(|m| m.limits).unwrap_or_default();
    let header_row = args
        .header_row
        .or(mapping.as_ref().and_then(|m| m.header_row));
    let opts = import::Options {
        input: args.file.clone().unwrap_or_default(),
        query,
        map: args.map.clone(),
        ignore_unknown: args.ignore_unknown,
        skip_invalid: args.skip_invalid,
        dry_run: args.dry_run,
        encoding: args.encoding.clone(),
        delimiter: args.delimiter,
        sheet: args.sheet.clone(),
        header_row,
        concurrency,
        max_concurrency,
        rate: args.sending.gate.rate,
        shard: args.sending.shard,
        max_errors: args.sending.max_errors,
        retry_unknown: args.retry_unknown,
        retry_failed: args.retry_failed,
        errors: args.errors.clone(),
        format: out.format,
        resume: resume_command(),
        plan_out: args.plan_out.clone(),
        limits: limits(
            settings,
            (args.sending.max_create, args.sending.max_changes),
            mapping_limits,
        ),
        leads: Some(import::Leads {
            set: args.set.clone(),
            mapping,
            save_mapping: args.save_mapping.clone(),
            decimal_separator,
            update: args.update,
            clear_empty: args.clear_empty,
            key,
            reconcile: args.reconcile,
            fresh: fresh(args.new_ledger),
        }),
    };
    let counting = super::run_report::counting(&recorder);
    let client =
        |sending: bool| client(settings, sending).map(|c| c.also_observed_by(counting.clone()));
    let log = settings.log();
    let mut services = services(settings, &log, args.channel.as_deref(), &client);
    services.recorder = Some(recorder);
    import::run(&opts, &services, out)
}

/// A ledger new to a full channel: `--new-ledger` goes on, a terminal asks, else the run stops.
pub(super) fn fresh(new_ledger: bool) -> crate::lead::known::Fresh {
    use std::io::IsTerminal;
    if new_ledger {
        crate::lead::known::Fresh::Go
    } else if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
        crate::lead::known::Fresh::Ask
    } else {
        crate::lead::known::Fresh::Stop
    }
}

/// `--max-create` and `--max-changes`, else the mapping file's, else the profile's.
pub(super) fn limits(
    settings: &Settings,
    flags: (Option<u64>, Option<u64>),
    mapping: crate::plan::Limits,
) -> crate::plan::Limits {
    crate::plan::Limits {
        max_create: flags
            .0
            .or(mapping.max_create)
            .or(settings.limits.max_create),
        max_changes: flags
            .1
            .or(mapping.max_changes)
            .or(settings.limits.max_changes),
    }
}

/// `--query SQL | --query-file FILE --from URL [--since TIME]`, checked: the SQL read, the
/// database's URL parsed (its password from the URL, `LEADCTL_SOURCE_PASSWORD_FILE`, else
/// `PGPASSWORD`; TLS trusting `--ca-bundle` as the ledger does); `None` for a file import.
pub(super) fn database_query(
    settings: &Settings,
    args: &crate::cli::QueryArgs,
) -> Result<Option<import::query::Query>, Failure> {
    use import::query::{Database, Query, LAST_SUCCESS};
    if !args.given() {
        for (flag, given) in [
            ("--from", args.from.is_some()),
            ("--since", args.since.is_some()),
        ] {
            if given {
                return Err(Failure::usage(format!(
                    "{flag} is for reading from a database, and neither --query nor --query-file \
                     is given"
                ))
                .with_hint("pass --query SQL (or --query-file FILE) with --from URL, or a FILE"));
            }
        }
        return Ok(None);
    }
    let (sql, origin) = match (&args.query, &args.query_file) {
        (Some(sql), _) => (sql.clone(), "--query".to_string()),
        (None, Some(path)) => {
            let bytes = crate::fsutil::read_capped(
                path,
                1024 * 1024,
                crate::fsutil::Accept::FileOrPipe,
                "a query file",
            )
            .map_err(|e| {
                Failure::input(format!(
                    "cannot read the query file {}: {e}",
                    path.display()
                ))
            })?;
            let sql = String::from_utf8(bytes).map_err(|_| {
                Failure::input(format!(
                    "the query file {} is not UTF-8 text",
                    path.display()
                ))
            })?;
            (sql, format!("--query-file {}", path.display()))
        }
        (None, None) => unreachable!("given() checked"),
    };
    if sql.trim().is_empty() {
        return Err(Failure::usage(format!("{origin} is empty"))
            .with_hint("give the SELECT whose rows to import"));
    }
    let from = args.from.as_deref().unwrap_or_default();
    let env = crate::settings::Env::from_process();
    let sources = crate::ledger::postgres::PasswordSources {
        file: env.get("LEADCTL_SOURCE_PASSWORD_FILE"),
        file_var: "LEADCTL_SOURCE_PASSWORD_FILE",
        env: env.get("PGPASSWORD"),
        default_user: env.get("PGUSER").or_else(|| env.get("USER")),
    };
    let mut database = Database::parse(from, &sources).map_err(|why| {
        Failure::usage(format!(
            "--from {} {why}",
            crate::log::quoted(&crate::ledger::postgres::masked_url(from))
        ))
        .with_hint(
            "the forms are postgres://USER@HOST:PORT/DATABASE?sslmode=verify-full and \
             sqlite:PATH",
        )
    })?;
    if let Database::Postgres(t) = &mut database {
        if t.ca_bundle.is_none() {
            t.ca_bundle = settings.ca_bundle.clone();
        }
    }
    if args.since.is_some() && !sql.contains(LAST_SUCCESS) {
        return Err(Failure::usage(format!(
            "--since is what {LAST_SUCCESS} is bound to, and the query does not use it"
        ))
        .with_hint(format!(
            "add e.g. WHERE updated_at >= {LAST_SUCCESS} to the query, or drop --since"
        )));
    }
    Ok(Some(Query {
        sql,
        origin,
        from: database,
        since: args.since,
        timeout: settings.timeout,
        history: String::new(),
    }))
}

/// `--concurrency` (else the profile's) and `--max-concurrency`: a fixed N is its own maximum
/// unless `--max-concurrency` is given, and then may not exceed it ("never above
/// --max-concurrency").
pub(super) fn concurrency(
    settings: &Settings,
    flag: Option<crate::deliver::setting::Concurrency>,
    max: Option<usize>,
) -> Result<(crate::deliver::setting::Concurrency, usize), Failure> {
    use crate::deliver::setting::{Concurrency, DEFAULT_MAX};
    let (value, origin) = match flag {
        Some(c) => (c, "--concurrency".to_string()),
        None => (
            settings.concurrency,
            format!("concurrency ({})", settings.origins.concurrency),
        ),
    };
    match (value, max) {
        (Concurrency::Fixed(n), Some(max)) if n > max => Err(Failure::usage(format!(
            "{origin} {n} is above --max-concurrency {max}: leadctl never has more requests in \
             flight than --max-concurrency"
        ))
        .with_hint(format!(
            "pass --concurrency {max} or lower, --concurrency auto (which stays within \
             --max-concurrency), or raise --max-concurrency to {n}"
        ))),
        (Concurrency::Fixed(n), max) => Ok((value, max.unwrap_or(n))),
        (Concurrency::Auto, max) => Ok((value, max.unwrap_or(DEFAULT_MAX))),
    }
}

/// The engine's services from the settings: the log, the default channel (`--channel` first),
/// the key's presence, the client and the ledger.
/// The API client of a bulk run: when `sending`, one that waits out a longer 429 storm (a
/// bulk run's rows are worth waiting for; a read is not).
pub(super) fn client(settings: &Settings, sending: bool) -> Result<crate::api::ApiClient> {
    if sending {
        let mut retry = settings.retry.clone();
        retry.rate_limit_attempts = 30;
        Ok(settings.client_with(retry)?)
    } else {
        Ok(settings.client()?)
    }
}

pub(super) fn services<'a>(
    settings: &Settings,
    log: &'a crate::log::Log,
    channel: Option<&str>,
    client: &'a (dyn Fn(bool) -> Result<crate::api::ApiClient> + Sync),
) -> import::Services<'a> {
    import::Services {
        log,
        channel: settings
            .require_channel(channel)
            .map(|c| (c.value, c.origin.to_string())),
        key: settings.require_key().map(|_| ()),
        client,
        api_url: settings.api_url.value.clone(),
        ledger: settings.ledger.clone(),
        recorder: None,
    }
}

/// The command line of this run, quoted for a POSIX shell: what to run to resume.
pub(super) fn resume_command() -> String {
    let args: Vec<String> = std::env::args_os()
        .enumerate()
        .map(|(i, a)| {
            if i == 0 {
                "leadctl".to_string()
            } else {
                a.to_string_lossy().into_owned()
            }
        })
        .collect();
    shlex::try_join(args.iter().map(String::as_str)).unwrap_or_else(|_| args.join(" "))
}

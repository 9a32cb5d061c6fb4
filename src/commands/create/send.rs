//! Sending `create`'s leads exactly once through the ledger: a key already created prints that
//! lead (exit 0) unless `--force`; changed fields are named, and sent with `--update`; a key
//! sent earlier without an answer is `unknown` unless `--retry-unknown`. doc/ledger.md.

use std::collections::HashMap;

use anyhow::Result;

use crate::api::models::{Lead, NewLead};
use crate::api::{ApiClient, ApiError};
use crate::deliver::rule::after_lost_claim;
use crate::deliver::write::Changes;
use crate::deliver::{deliver, Attempt, Decision, Delivered, Place, Policy, Work};
use crate::error::{Failure, Kind};
use crate::lead::known::Known;
use crate::lead::once::{self, CreateLead, Judged, Keyed};
use crate::ledger::{identity, Entry, Ledger, State};
use crate::log::Log;
use crate::output::{Output, OutputFormat};
use crate::settings::Settings;

/// What the flags ask of the sending.
pub(super) struct Flags {
    pub public: bool,
    pub policy: Policy,
    pub key: Option<crate::ledger::KeyKind>,
    /// Property names by ledger key, when the channels were read (messages name properties).
    pub names: crate::deliver::write::Names,
    /// `--clear-empty`.
    pub clear_empty: bool,
    /// The fields each lead gives empty, in the order of the leads.
    pub emptied: Vec<Vec<String>>,
}

impl Flags {
    /// The `i`-th lead with its identity, its emptied fields and the run's rules: what the
    /// real run and the dry run decide on alike.
    pub(super) fn keyed(&self, i: usize, label: &str, lead: &NewLead) -> Result<Keyed, Failure> {
        let mut keyed = Keyed::new(lead.clone(), self.key)
            .map_err(|why| Failure::input(format!("{label} {why}")))?;
        keyed.names.clone_from(&self.names);
        keyed.emptied = self.emptied.get(i).cloned().unwrap_or_default();
        keyed.rules = self.clear_empty.then(|| {
            std::sync::Arc::new(crate::deliver::write::Rules {
                clear_empty: true,
                ..Default::default()
            })
        });
        Ok(keyed)
    }
}

/// What happened to one lead.
enum Done {
    Created(Lead),
    /// It exists already (the ledger or the server says so); the note says why.
    Existing(Lead, String),
    Updated(Lead, String),
}

/// A lead's failure, and whether the run must stop.
struct Failed(anyhow::Error, bool);

pub(super) fn send_all(
    client: &ApiClient,
    leads: &[(String, NewLead)],
    flags: &Flags,
    settings: &Settings,
    out: &mut Output,
    recorder: &crate::report::Recorder,
) -> Result<()> {
    let log = settings.log();
    let started = std::time::Instant::now();
    let mut tally = Tally::default();
    let ledger = match &settings.ledger {
        Some(location) => {
            let ledger = std::sync::Arc::new(Ledger::open(location)?);
            // The run's history is written on this connection, after the run.
            recorder.keep_ledger(ledger.clone());
            Some(ledger)
        }
        None => {
            log.warn(
                "--no-ledger: nothing is remembered, so a lead created before is created again",
            );
            None
        }
    };
    // The server behind the URL, whatever its spelling (one ledger per server).
    let channel = leads.first().map(|(_, l)| l.channel_id.to_lowercase());
    let scope = crate::deliver::scope::resolve(
        ledger.as_deref(),
        client,
        &settings.api_url.value,
        channel.as_deref(),
        &log,
        true,
    )?;
    let place = Place {
        ledger: ledger.as_deref(),
        scope_url: &scope,
        input: "create",
    };
    let ctx = Ctx {
        client,
        checks: super::checks::client(client),
        cache: super::checks::cache(settings),
        place: &place,
        known: Known::default(),
        has_key: settings.require_key().is_ok(),
        flags,
        log: &log,
    };
    let total = leads.len();
    let mut done = Vec::new();
    let mut failures: Vec<(usize, anyhow::Error)> = Vec::new();
    let mut unsent = 0;
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    // With -o id or ndjson, each lead is printed as soon as it exists: if the run is killed
    // half-way, what was printed is the record of what was created.
    let streaming = matches!(out.format, OutputFormat::Id | OutputFormat::Ndjson);
    let mut output_error: Option<std::io::Error> = None;
    for (i, (label, lead)) in leads.iter().enumerate() {
        let keyed = flags.keyed(i, label, lead)?;
        let id = (keyed.channel.clone(), keyed.key.clone());
        if let Some(first) = seen.get(&id) {
            tally.duplicate += 1;
            log.warn(&format!(
                "{label}: the same {} as lead {first}: one lead is created for both",
                identity::describe_key(&keyed.key)
            ));
            continue;
        }
        seen.insert(id, i + 1);
        let done_now = ctx.one(&keyed, i as u64 + 1);
        match &done_now {
            Ok(Done::Created(_)) => {}
            Ok(Done::Existing(..)) => tally.skipped += 1,
            Ok(Done::Updated(..)) => tally.updated += 1,
            Err(_) => {}
        }
        let lead = match done_now {
            Ok(Done::Created(lead)) => {
                tally.created += 1;
                lead
            }
            Ok(Done::Existing(lead, note)) | Ok(Done::Updated(lead, note)) => {
                let who = format!("the lead with {}", identity::describe_key(&keyed.key));
                if total == 1 {
                    log.notice(&format!("{who}: {note}"));
                } else {
                    log.notice(&format!("{label} ({who}): {note}"));
                }
                lead
            }
            Err(Failed(e, fatal)) => {
                let unknown = is_unknown(&e);
                if unknown {
                    tally.unknown += 1;
                } else {
                    tally.failed += 1;
                }
                recorder.attention(crate::report::Attention {
                    row: i as u64 + 1,
                    key: Some(keyed.key.clone()),
                    outcome: if unknown { "unknown" } else { "failed" }.to_string(),
                    message: format!("{e:#}"),
                });
                let err = if total == 1 {
                    e
                } else {
                    let err = e.context(format!("lead {} of {total} ({label})", i + 1));
                    // Shown even with -q: the summary refers to these lines.
                    log.problem(&format!("{}: {err:#}", what_failed(&err)));
                    err
                };
                failures.push((i, err));
                if fatal {
                    unsent = total - i - 1;
                    break;
                }
                continue;
            }
        };
        if streaming && output_error.is_none() {
            if let Err(e) = out.leads(std::slice::from_ref(&lead)) {
                output_error = Some(e);
            }
        }
        done.push(lead);
    }
    if !streaming && output_error.is_none() {
        if let Err(e) = out.leads(&done) {
            output_error = Some(e);
        }
    }
    // A closed stdout loses output, not leads: the failures still decide the exit code.
    if let Some(e) = output_error {
        if failures.is_empty() || e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(anyhow::Error::new(e).context("writing the created leads"));
        }
    }
    tally.not_sent = unsent as u64;
    recorder.ending(tally.ending(started.elapsed()));
    super::batch_result(done.len(), total, failures, unsent)
}

/// What `create` counts for its run report.
#[derive(Default)]
struct Tally {
    created: u64,
    updated: u64,
    skipped: u64,
    duplicate: u64,
    failed: u64,
    unknown: u64,
    not_sent: u64,
}

impl Tally {
    fn ending(&self, elapsed: std::time::Duration) -> crate::report::Ending {
        let counts = [
            ("created", self.created),
            ("updated", self.updated),
            ("skipped", self.skipped),
            ("duplicate", self.duplicate),
            ("failed", self.failed),
            ("unknown", self.unknown),
            ("not_sent", self.not_sent),
        ]
        .into_iter()
        .map(|(k, n)| (k.to_string(), n))
        .collect();
        crate::report::Ending {
            counts,
            sent: self.created + self.updated + self.failed + self.unknown,
            elapsed_secs: elapsed.as_secs_f64(),
            ..Default::default()
        }
    }
}

fn what_failed(err: &anyhow::Error) -> &'static str {
    if is_unknown(err) {
        "outcome unknown"
    } else {
        "not created"
    }
}

/// Whether an error leaves the lead possibly created.
pub(super) fn is_unknown(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<ApiError>()
            .is_some_and(ApiError::is_unknown_outcome)
            || c.downcast_ref::<Failure>()
                .is_some_and(|f| f.kind == Kind::Partial)
    })
}

struct Ctx<'a> {
    client: &'a ApiClient,
    /// The client of the checks before a create (one try each, `checks::client`).
    checks: ApiClient,
    /// What was learned of this server a short while ago (`checks`).
    cache: Option<crate::api::cache::Cache>,
    place: &'a Place<'a>,
    known: Known,
    has_key: bool,
    flags: &'a Flags,
    log: &'a Log,
}

impl Ctx<'_> {
    fn one(&self, k: &Keyed, row: u64) -> Result<Done, Failed> {
        let fatal = |e: anyhow::Error| Failed(e, true);
        let Some(ledger) = self.place.ledger else {
            let (lead, _) = self.send(k, row, None, None)?;
            return Ok(Done::Created(lead));
        };
        if self.has_key {
            self.check(ledger, k).map_err(fatal)?;
            // Settled first as the channel was read (`lead::window::settle_first`).
            self.known.say_settled(self.log);
        }
        let judged = once::judge(ledger, self.place, &self.known, k, row, self.flags.policy)
            .map_err(|f| fatal(f.into()))?;
        let decision = match judged {
            Judged::OnServer(id) => {
                let note = format!(
                    "exists already in KeenPartner as {id} (found among the channel's newest \
                     leads), so it was not created again; --force creates another"
                );
                return Ok(Done::Existing(self.fetch(&id), note));
            }
            Judged::Decided(d) => d,
        };
        match decision {
            Decision::Create { expect, previous } => {
                let (lead, forced) = self.send(k, row, expect, previous.as_ref())?;
                if forced {
                    self.log
                        .notice(&format!("--force: created another lead, {}", lead.id));
                }
                Ok(Done::Created(lead))
            }
            Decision::Update {
                lead_id,
                mut changes,
                previous,
            } => {
                // `if_empty` fields: only where the server holds none (the lead read first).
                let read = once::settle_if_empty(self.client, &lead_id, &mut changes);
                if changes.sends_nothing() {
                    // The values held back are recorded: the next run does not read again.
                    if let Some(f) = once::record_update(self.place, k, row, &previous, &changes) {
                        self.log.warn(&format!(
                            "the ledger could not record the values held back (write = \
                             \"if_empty\"); the next run reads the lead again: {}",
                            f.message
                        ));
                    }
                    let note = format!("exists already; {}", changes.why_nothing(&k.names));
                    // The lead as just read, else read now.
                    let lead = match read {
                        Some(lead) => lead,
                        None => self.recorded(k, &lead_id)?,
                    };
                    return Ok(Done::Existing(lead, note));
                }
                self.update(k, row, &lead_id, &changes, &previous)
            }
            Decision::Skip { lead_id, note } => {
                let id = lead_id.unwrap_or_default();
                Ok(Done::Existing(
                    self.recorded(k, &id)?,
                    format!(
                        "exists already ({}), so it was not created again; --force creates \
                         another",
                        note.strip_prefix("already ").unwrap_or(&note)
                    ),
                ))
            }
            Decision::Changed { lead_id, note, .. } => {
                let id = lead_id.unwrap_or_default();
                Ok(Done::Existing(self.recorded(k, &id)?, note))
            }
            Decision::Unknown { note, .. } => Err(Failed(unknown(&note), false)),
            Decision::Failed { note } => Err(Failed(Failure::input(note).into(), false)),
        }
    }

    /// The checks before a lead's create, in one round trip at most (`checks`).
    fn check(&self, ledger: &Ledger, k: &Keyed) -> Result<()> {
        // Read once a run: nothing left to decide what to skip for (`ensure` returns at once).
        if self.known.has_read(&k.channel) {
            return self.known.ensure(
                &k.channel,
                &self.checks,
                ledger,
                self.place.scope_url,
                &|_| {},
            );
        }
        let scope = self.place.scope_url;
        let cache = self.cache.as_ref();
        let mut skip = super::checks::skip(cache, ledger, scope, k)?;
        // A key the ledger has never seen: the newest leads an earlier create read a moment ago.
        let earlier = match skip.window {
            true => None,
            false => super::checks::window(cache, ledger, scope, &k.channel)?,
        };
        skip.window |= earlier.is_some();
        let warn = |text: &str| self.log.warn(text);
        self.known
            .ensure_with(&k.channel, &self.checks, ledger, scope, &warn, skip)?;
        if !skip.same_server && self.known.confirmed(&k.channel) {
            super::checks::remember(cache, ledger, scope, &k.channel);
        }
        match earlier {
            Some((keys, age)) => {
                self.log.debug(&format!(
                    "the newest leads of channel {} as a create read them {} ms ago \
                     (LEADCTL_WINDOW_CACHE)",
                    k.channel,
                    age.as_millis()
                ));
                self.known.read_earlier(&k.channel, keys);
            }
            None => {
                if let Some(keys) = self.known.window_read(&k.channel) {
                    super::checks::remember_window(cache, &k.channel, &keys);
                }
            }
        }
        Ok(())
    }

    /// Sends an update of what the input changed and records it.
    fn update(
        &self,
        k: &Keyed,
        row: u64,
        lead_id: &str,
        changes: &Changes,
        previous: &Entry,
    ) -> Result<Done, Failed> {
        // Sent without a claim: the rule's decision for an update (doc/ledger.md).
        let work = once::UpdateLead::new(k, lead_id, changes, previous);
        let sent = crate::deliver::deliver_update(self.place, &work, row, previous, |w| {
            w.send(self.client, &|_, _| {}, &|| true).0
        });
        match sent {
            Ok((lead, failed)) => {
                let mut note = format!(
                    "updated {lead_id} ({})",
                    changes.listed(&k.names).join(", ")
                );
                if let Some(left) = changes.emptied_note(&k.names) {
                    note.push_str(&format!("; {left}"));
                }
                if let Some(f) = failed {
                    note.push_str(&format!("; the ledger could not record it: {}", f.message));
                }
                Ok(Done::Updated(lead, note))
            }
            Err(e) => {
                let stops = e.stops_batch();
                Err(Failed(anyhow::Error::new(e).context("update_lead"), stops))
            }
        }
    }

    /// Claims, sends, records. `Ok((lead, true))` when it took over a created key (`--force`).
    fn send(
        &self,
        k: &Keyed,
        row: u64,
        expect: Option<(State, i64)>,
        previous: Option<&Entry>,
    ) -> Result<(Lead, bool), Failed> {
        let work = CreateLead {
            keyed: k,
            public: self.flags.public,
            no_id: "the server answered without a lead id; it may exist",
        };
        let at = Attempt {
            row,
            expect,
            previous,
            later: false,
        };
        // The plain calls: an answer whose lead has no id is the client's error here (exit 7,
        // "probably processed"), as `create` has always said it.
        let send = |w: &CreateLead<'_>, _: &dyn Fn() -> bool| {
            if w.public {
                self.client.lead_external(&w.keyed.lead)
            } else {
                self.client.create_lead(&w.keyed.lead)
            }
        };
        let answered = match deliver(self.place, &work, at, None, send) {
            Delivered::Sent(a) => a,
            Delivered::Taken(current) => {
                return match after_lost_claim(&current, &k.input()) {
                    Decision::Skip { lead_id, .. } | Decision::Changed { lead_id, .. } => {
                        Ok((self.fetch(&lead_id.unwrap_or_default()), false))
                    }
                    _ => Err(Failed(
                        unknown("another leadctl run sharing the ledger is sending it right now"),
                        false,
                    )),
                };
            }
            Delivered::Unclaimed(f) => return Err(Failed(f.into(), true)),
            Delivered::Unrenewed => {
                return Err(Failed(
                    Failure::config(
                        "its claim could not be renewed in the ledger before a retry, so it was \
                         not sent again",
                    )
                    .into(),
                    true,
                ))
            }
        };
        match (answered.answer, answered.error) {
            (Some(lead), _) => {
                super::checks::created(self.cache.as_ref(), &k.channel, &lead);
                if let Err(f) = answered.recorded {
                    self.log.warn(&format!(
                        "lead {} was created, but the ledger could not record it: {}",
                        lead.id, f.message
                    ));
                }
                Ok((lead, previous.is_some_and(|p| p.state == State::Created)))
            }
            (None, Some(e)) => {
                let stops = e.stops_batch();
                Err(Failed(self.explained(e), stops))
            }
            (None, None) => Err(Failed(
                unknown(answered.note.as_deref().unwrap_or("")),
                false,
            )),
        }
    }

    /// A refused create, with the hint that fits how it was sent: `--public` sends no key, so a
    /// 403 from `lead_external` is about the channel's public API, not the key's company.
    fn explained(&self, e: ApiError) -> anyhow::Error {
        if self.flags.public && matches!(e, ApiError::Forbidden { .. }) {
            return Failure::new(Kind::Permission, e.to_string())
                .with_hint(
                    "--public sends no API key: it needs a channel whose public API is on \
                     (`leadctl channels` shows PUBLIC API yes/no); turn it on in the KeenPartner \
                     app, or create the lead with a key (without --public)",
                )
                .into();
        }
        anyhow::Error::new(e)
    }

    /// A lead the ledger records as created, as the server has it (`fetch`). When this run
    /// trusted a cached check that the ledger and the server agree, a lead the server does not
    /// know ends the trust: the cache is told, and nothing more is sent.
    fn recorded(&self, k: &Keyed, id: &str) -> Result<Lead, Failed> {
        let cached = self.has_key
            && !self.known.confirmed(&k.channel)
            && self.place.ledger.is_some_and(|l| {
                super::checks::agrees(self.cache.as_ref(), l, self.place.scope_url, &k.channel)
            });
        if !cached {
            return Ok(self.fetch(id));
        }
        match self.client.get_lead_by_id(id) {
            Ok(lead) => Ok(lead),
            Err(ApiError::Rejected { status: 404, .. }) => {
                if let Some(l) = self.place.ledger {
                    super::checks::doubt(self.cache.as_ref(), l, self.place.scope_url, &k.channel);
                }
                Err(Failed(
                    Failure::config(format!(
                        "the ledger records this lead as created ({id}), but the server at {} \
                         does not know it: the ledger and the server may disagree (this run \
                         trusted an earlier check of them), so nothing more was sent",
                        self.place.scope_url
                    ))
                    .with_hint(
                        "run the command again: it checks the ledger against the server first",
                    )
                    .into(),
                    true,
                ))
            }
            Err(e) => {
                self.log.debug(&format!("reading lead {id}: {e}"));
                Ok(Lead::with_id(id))
            }
        }
    }

    /// The lead as the server has it, for printing; only its id when it cannot be read.
    fn fetch(&self, id: &str) -> Lead {
        if self.has_key {
            match self.client.get_lead_by_id(id) {
                Ok(lead) => return lead,
                Err(e) => self.log.debug(&format!("reading lead {id}: {e}")),
            }
        }
        Lead::with_id(id)
    }
}

/// A lead whose outcome is unknown (exit 8 when it is the only one).
fn unknown(note: &str) -> anyhow::Error {
    Failure::new(Kind::Partial, format!("outcome unknown: {note}"))
        .with_hint(
            "check it in KeenPartner (`leadctl leads list`); if it does not exist, run the same \
             command with --retry-unknown",
        )
        .into()
}

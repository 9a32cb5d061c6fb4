//! What the server already holds, read once per channel before the first create: the keys of
//! the channel's newest leads (`get_leads`, at most 100), so a lead another tool or a fresh
//! machine created recently is not created again; and one check that the ledger and the server
//! agree (a lead the ledger recorded must exist), so a reset server or another account behind
//! the same URL stops the run before anything is sent.

use std::collections::HashMap;
use std::sync::Mutex;

use super::window::{self, Clock, First};
use crate::api::{ApiClient, ApiError};
use crate::error::Failure;
use crate::identity;
use crate::ledger::{Filter, Ledger};

/// A channel's newest leads by key (lead id), or why they could not be read.
type ChannelLeads = Result<HashMap<String, String>, String>;

#[derive(Default)]
pub struct Known {
    channels: Mutex<HashMap<String, ChannelLeads>>,
    /// What the input leaves alone of what the ledger records the server holds (emptied cells,
    /// columns gone), counted per field and said once at the end (`write::Tally`).
    pub tally: crate::deliver::write::Tally,
    /// What to do when this ledger has never seen a channel whose newest-leads window is full.
    pub fresh: Fresh,
    /// A dry run: what the server lists is noted, never recorded in the ledger.
    pub dry: bool,
    /// A dry run: what settling first would leave of a key, by channel and key, read in place of
    /// the ledger's entry and never written (`Some`: found, recorded as created; `None`: proven
    /// never created, released).
    planned: Mutex<HashMap<(String, String), Option<crate::ledger::Entry>>>,
    /// The rows other runs sharing the ledger took (`deliver::split::Shared`).
    pub shared: crate::deliver::split::Shared,
    /// What settling first did per channel, as each was read, until the caller says it
    /// ([`Known::take_settled`]).
    settled: Mutex<Vec<(String, First)>>,
    /// The channels whose recorded lead the server showed in this run.
    confirmed: Mutex<std::collections::HashSet<String>>,
    /// The channels whose newest leads this run read from the server (not a failed read).
    read_ok: Mutex<std::collections::HashSet<String>>,
    /// A channel's newest leads read while the ledger was opening ([`Early`]), for the first
    /// read of that channel.
    early: Mutex<Option<Early>>,
}

/// A channel's newest leads, read before the ledger is open (and, for an import, before its
/// header is planned) so that the read and the opening overlap (the run's first creates wait for
/// both). Only the first read of its channel uses it; its time is taken before the request left,
/// as a read's is. It is one attempt, retried by no one and saying nothing: a read that failed
/// is made again, as any read is, when the channel is first read (a server that cannot be
/// reached is then reported once, not by two reads retrying side by side).
pub struct Early {
    channel: String,
    /// This machine's clock (seconds) before the request left.
    machine_before: i64,
    leads: Result<Vec<crate::api::models::Lead>, ApiError>,
}

impl Early {
    /// Starts reading `channel`'s newest leads on a thread of its own. The thread is not joined
    /// when the caller gives up first (a file's columns that cannot be mapped, a ledger that
    /// cannot be opened): the run stops at once, whatever the server is doing.
    pub fn start(client: &ApiClient, channel: &str) -> std::sync::mpsc::Receiver<Early> {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let client = client.clone().with_budget(std::time::Duration::ZERO);
        let channel = channel.to_lowercase();
        std::thread::spawn(move || {
            let machine_before = crate::ledger::now_secs();
            let leads = client.get_leads(&channel);
            let _ = tx.send(Early {
                channel,
                machine_before,
                leads,
            });
        });
        rx
    }

    /// The time before the request left, on the ledger's clock: the ledger's offset to this
    /// machine's, less a second for the whole seconds of both (earlier is the safe side: a read
    /// proves less the earlier it was).
    fn read_at(&self, ledger: &Ledger) -> i64 {
        self.machine_before + ledger.clock_offset() - 1
    }
}

/// What a channel's check may leave out, because it is known already.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Skip {
    /// The ledger and the server were found to agree a short while ago (a cached check).
    pub same_server: bool,
    /// The newest leads: nothing they could say would change what is decided (the ledger knows
    /// the key, and holds no unknown or sending key of the channel to settle with them).
    pub window: bool,
}

/// A ledger new to a channel of which `get_leads` shows a full window (older leads may exist and
/// cannot be checked): stop before the first create, go on (`--new-ledger`), or ask (a
/// terminal).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Fresh {
    /// No guard (a single `create`, `ledger adopt`).
    #[default]
    Go,
    /// Stop with exit 3, naming the ways on.
    Stop,
    /// Ask on the terminal; no (or no answer) stops as `Stop` does.
    Ask,
}

pub use super::window::WINDOW;

impl Known {
    pub fn new(fresh: Fresh, dry: bool) -> Known {
        Known {
            channels: Mutex::default(),
            tally: Default::default(),
            fresh,
            dry,
            shared: Default::default(),
            planned: Mutex::default(),
            settled: Mutex::default(),
            confirmed: Mutex::default(),
            read_ok: Mutex::default(),
            early: Mutex::default(),
        }
    }

    /// Hands over a read of a channel's newest leads started before the ledger was open
    /// ([`Early::start`]); the channel's first read uses it instead of asking the server again.
    pub fn with_early(self, early: Option<Early>) -> Known {
        *self.early.lock().unwrap_or_else(|p| p.into_inner()) = early;
        self
    }

    fn take_early(&self, channel: &str) -> Option<Early> {
        let mut early = self.early.lock().unwrap_or_else(|p| p.into_inner());
        match &*early {
            Some(e) if e.channel == channel => early.take(),
            _ => None,
        }
    }

    /// A dry run: the entry settling first would have left for this key (`Some(None)`: none,
    /// released as never created); `None` when settling would not touch it.
    pub fn planned(&self, channel: &str, key: &str) -> Option<Option<crate::ledger::Entry>> {
        let map = self.planned.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&(channel.to_string(), key.to_string())).cloned()
    }

    /// Reads a channel's newest leads (once) and checks the ledger against the server; the
    /// error stops the run.
    pub fn ensure(
        &self,
        channel: &str,
        client: &ApiClient,
        ledger: &Ledger,
        scope_url: &str,
        warn: &dyn Fn(&str),
    ) -> anyhow::Result<()> {
        self.ensure_with(channel, client, ledger, scope_url, warn, Skip::default())
    }

    /// As `ensure`, leaving out what `skip` says is known already. The two checks run at once
    /// (one round trip). A skipped window is not remembered as read: the next lead of the
    /// channel that needs it reads it.
    pub fn ensure_with(
        &self,
        channel: &str,
        client: &ApiClient,
        ledger: &Ledger,
        scope_url: &str,
        warn: &dyn Fn(&str),
        skip: Skip,
    ) -> anyhow::Result<()> {
        self.shared.start(ledger.now());
        let mut map = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(state) = map.get(channel) {
            return match state {
                Ok(_) => Ok(()),
                Err(e) => Err(Failure::config(e.clone()).into()),
            };
        }
        let check_server = !skip.same_server && !self.confirmed(channel);
        let (server, window) = std::thread::scope(|s| {
            let server =
                check_server.then(|| s.spawn(|| same_server(channel, client, ledger, scope_url)));
            let window = (!skip.window).then(|| self.read(channel, client, ledger, scope_url));
            let server = match server.map(|h| h.join()) {
                None => Ok(false),
                Some(Ok(answer)) => answer,
                Some(Err(_)) => Err(Failure::config(format!(
                    "the check of the ledger against the server (channel {channel}) stopped \
                     unexpectedly, so nothing was sent"
                ))
                .into()),
            };
            (server, window)
        });
        match server {
            Ok(true) => {
                self.confirmed
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(channel.to_string());
            }
            Ok(false) => {}
            Err(e) => {
                map.insert(channel.to_string(), Err(format!("{e:#}")));
                return Err(e);
            }
        }
        match window {
            None => Ok(()),
            Some(Ok(Ok(keys))) => {
                map.insert(channel.to_string(), Ok(keys));
                self.read_ok
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(channel.to_string());
                Ok(())
            }
            Some(Ok(Err(why))) => {
                warn(&format!(
                    "could not read the newest leads of channel {channel} ({why}): a lead created \
                     outside leadctl would not be recognised in this run (the ledger still knows \
                     every lead leadctl created)"
                ));
                map.insert(channel.to_string(), Ok(HashMap::new()));
                Ok(())
            }
            Some(Err(e)) => {
                map.insert(channel.to_string(), Err(format!("{e:#}")));
                Err(e)
            }
        }
    }

    /// Whether this channel's newest leads were read in this run (or their reading failed for
    /// good): [`Known::ensure`] then asks nothing more of it.
    pub fn has_read(&self, channel: &str) -> bool {
        self.channels
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(channel)
    }

    /// Whether this run found a lead the ledger recorded in this channel on the server (the
    /// server is the ledger's: a result worth remembering for a while).
    pub fn confirmed(&self, channel: &str) -> bool {
        self.confirmed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(channel)
    }

    /// What settling first did in the channels read since last asked (channels where it did
    /// something), to be said.
    pub fn take_settled(&self) -> Vec<(String, First)> {
        std::mem::take(&mut *self.settled.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Says what settling first did (or, in a dry run, would do) in the channels read since
    /// last said, a line each.
    pub fn say_settled(&self, log: &crate::log::Log) {
        for (channel, first) in self.take_settled() {
            log.notice(&settled_text(&channel, first, self.dry));
        }
    }

    /// The keys of a channel's newest leads (lead ids) when this run read them from the server;
    /// `None` when it did not, or the read failed.
    pub fn window_read(&self, channel: &str) -> Option<HashMap<String, String>> {
        if !self
            .read_ok
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(channel)
        {
            return None;
        }
        let map = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        map.get(channel)?.as_ref().ok().cloned()
    }

    /// Takes the keys of a channel's newest leads as read a moment ago by an earlier run (a
    /// cache), in place of reading them: nothing is settled with them, so the caller uses them
    /// only while the ledger holds no open outcome in the channel.
    pub fn read_earlier(&self, channel: &str, keys: HashMap<String, String>) {
        let mut map = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(channel.to_string()).or_insert(Ok(keys));
    }

    /// The id of the lead on the server with one of these keys, if it is among the newest.
    pub fn lead_with(&self, channel: &str, keys: &[String]) -> Option<String> {
        let map = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        let known = map.get(channel)?.as_ref().ok()?;
        keys.iter().find_map(|k| known.get(k).cloned())
    }
}

impl Known {
    fn read(
        &self,
        channel: &str,
        client: &ApiClient,
        ledger: &Ledger,
        scope_url: &str,
    ) -> anyhow::Result<Result<HashMap<String, String>, String>> {
        let fresh = self.fresh;
        let (before, leads) = match self.take_early(channel) {
            Some(early) if early.leads.is_ok() => {
                (Clock::before_read(early.read_at(ledger)), early.leads)
            }
            _ => (Clock::before_read(ledger.now()), client.get_leads(channel)),
        };
        let leads = match leads {
            Ok(leads) => leads,
            // The channel refuses this key: each create will be refused and reported per row.
            Err(ApiError::Forbidden { .. } | ApiError::Rejected { .. }) => Vec::new(),
            // What every request would meet (a refused key, a wrong endpoint, no connection, a bad
            // certificate) stops here; a slow or failing server does not.
            Err(
                e @ (ApiError::Unauthorized { .. }
                | ApiError::WrongEndpointAuth { .. }
                | ApiError::EndpointNotFound { .. }
                | ApiError::PaymentRequired { .. }
                | ApiError::Certificate { .. }
                | ApiError::Connect { .. }
                | ApiError::Redirect { .. }),
            ) => {
                return Err(anyhow::Error::new(e).context(format!(
                "reading the newest leads of channel {channel} (get_leads) before the first create"
            )))
            }
            // Not readable now (the server is struggling): the ledger still guards leadctl's own
            // leads; only leads made elsewhere go unrecognised, and the caller says so.
            Err(e) => return Ok(Err(e.to_string())),
        };
        if leads.len() >= WINDOW && fresh != Fresh::Go && !knows(ledger, scope_url, channel)? {
            guard(channel, ledger, scope_url, fresh)?;
        }
        // Settle first: what earlier runs left unknown in this channel, while it is among these
        // (before anything is created in it). A dry run writes nothing: it decides its rows with
        // what settling would leave, so it counts what the real run then does.
        {
            let clock = before.measured(client, ledger.now());
            let first = if self.dry {
                let plan = window::plan_first(ledger, scope_url, channel, &leads, clock);
                let mut map = self.planned.lock().unwrap_or_else(|p| p.into_inner());
                for (e, lead_id) in &plan.found {
                    let found = window::found_entry(ledger.now(), e, lead_id);
                    map.insert((channel.to_string(), e.key.clone()), Some(found));
                }
                for e in &plan.absent {
                    map.insert((channel.to_string(), e.key.clone()), None);
                }
                plan.first()
            } else {
                window::settle_first(ledger, scope_url, channel, &leads, clock)
            };
            if first != First::default() {
                self.settled
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push((channel.to_string(), first));
            }
        }
        let mut keys = HashMap::new();
        for lead in leads {
            for key in identity::server_keys(lead.business_id.as_deref(), lead.email.as_deref()) {
                keys.entry(key).or_insert_with(|| lead.id.clone());
            }
        }
        Ok(Ok(keys))
    }
}

/// The check that the ledger and the server agree: a lead the ledger recorded as created in
/// this channel must exist there. `Ok(true)` when the server showed it, `Ok(false)` when there
/// is nothing to check or the server could not say (the creates will meet the same).
fn same_server(
    channel: &str,
    client: &ApiClient,
    ledger: &Ledger,
    scope_url: &str,
) -> anyhow::Result<bool> {
    let Some(sample) = ledger.sample_created(scope_url, channel)? else {
        return Ok(false);
    };
    let id = sample.lead_id.clone().unwrap_or_default();
    match client.get_lead_by_id(&id) {
        Ok(lead) => Ok(lead.id == id),
        // Not reachable or not allowed: the create requests will say so themselves.
        Err(ApiError::Rejected { status: 404, .. }) => Err(Failure::config(format!(
            "the ledger {} records lead {id} as created in channel {channel} (key {}), \
             but the server at {scope_url} does not know it: the ledger and the server \
             disagree, so nothing was sent",
            ledger.location(),
            identity::describe_key(&sample.key),
        ))
        .with_hint(format!(
            "a restarted `sandbox serve` or another account behind the same URL does this; \
             if the server was reset on purpose, run `leadctl ledger forget --channel \
             {channel}` and import again"
        ))
        .into()),
        Err(_) => Ok(false),
    }
}

/// What settling first did, as said to the user.
/// `dry`: a dry run's, which settles nothing (what the run would do).
pub fn settled_text(channel: &str, first: First, dry: bool) -> String {
    let (count, sent) = if dry {
        ("would count", "would be sent")
    } else {
        ("count", "sent")
    };
    let mut parts = Vec::new();
    if first.found > 0 {
        parts.push(format!(
            "{} found among the channel's newest leads ({count} as created)",
            first.found
        ));
    }
    if first.absent > 0 {
        parts.push(format!(
            "{} proven never created ({sent} again through a new claim)",
            first.absent
        ));
    }
    if first.left > 0 {
        parts.push(format!(
            "{} not settled yet (unknown: too recent to prove absent, or ambiguous)",
            first.left
        ));
    }
    format!(
        "channel {channel}: of {} key(s) an earlier run left without an answer, {}",
        first.found + first.absent + first.left,
        parts.join(", ")
    )
}

/// Whether the ledger holds any key of this API URL and channel (in any state).
fn knows(ledger: &Ledger, scope_url: &str, channel: &str) -> Result<bool, Failure> {
    if ledger.sample_created(scope_url, channel)?.is_some() {
        return Ok(true);
    }
    // No created key: the channel's entries are few (unknown or failed), so reading until the
    // first one is cheap. The callback's error only stops the reading.
    let filter = Filter {
        api_url: Some(scope_url.to_string()),
        channel: Some(channel.to_string()),
        ..Filter::default()
    };
    let mut found = false;
    match ledger.for_each(&filter, &mut |_| {
        found = true;
        Err("found".into())
    }) {
        Err(_) if found => Ok(true),
        Err(e) => Err(e),
        Ok(()) => Ok(found),
    }
}

/// A ledger new to a channel with a full window: stop (or, on a terminal, ask).
fn guard(channel: &str, ledger: &Ledger, scope_url: &str, fresh: Fresh) -> Result<(), Failure> {
    let what = format!(
        "the ledger {} has never seen channel {channel} at {scope_url}, and the channel's newest \
         {WINDOW} leads (all the API shows) may hide older ones: leads created earlier from \
         another machine or ledger would be created again",
        ledger.location()
    );
    if fresh == Fresh::Ask && ask(&what) {
        return Ok(());
    }
    Err(
        Failure::config(format!("{what}; nothing was sent")).with_hint(
            "use the team's ledger (--ledger postgres://…, or `leadctl ledger copy` it here), \
         `leadctl ledger adopt` an export of the channel's leads, or pass --new-ledger to accept \
         that leads created earlier elsewhere may be created again",
        ),
    )
}

/// Asks on the terminal (stderr, stdin); anything but yes is no.
fn ask(what: &str) -> bool {
    use std::io::{BufRead, Write};
    let mut err = std::io::stderr().lock();
    let asked = write!(
        err,
        "leadctl: {what}.\n  Go on and create the file's leads the ledger does not know? [y/N] "
    )
    .and_then(|()| err.flush());
    if asked.is_err() {
        return false;
    }
    let mut answer = String::new();
    // One short line at most.
    let mut stdin = std::io::stdin().lock();
    let read = std::io::Read::take(&mut stdin, 64).read_line(&mut answer);
    read.is_ok() && matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Location;

    fn early(channel: &str, machine_before: i64) -> Early {
        Early {
            channel: channel.to_string(),
            machine_before,
            leads: Ok(Vec::new()),
        }
    }

    /// A read made before the ledger opened counts from before its request, on the ledger's
    /// clock, a second early (never later than it was).
    #[test]
    fn an_early_read_is_dated_before_its_request_on_the_ledgers_clock() {
        let ledger = Ledger::open(&Location::Memory).expect("memory ledger");
        // Started now: dated before the ledger's now, whatever the whole seconds of both.
        let e = early("c", crate::ledger::now_secs());
        assert!(e.read_at(&ledger) < ledger.now());
    }

    /// Only its own channel's first read uses an early read, once.
    #[test]
    fn an_early_read_serves_its_channel_once() {
        let known = Known::new(Fresh::Go, false).with_early(Some(early("a", 5)));
        assert!(known.take_early("b").is_none());
        assert_eq!(known.take_early("a").map(|e| e.machine_before), Some(5));
        assert!(known.take_early("a").is_none());
    }
}

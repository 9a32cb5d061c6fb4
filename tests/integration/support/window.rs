//! A scripted server that keeps the leads of one channel: `create_lead` creates one (after an
//! optional service time, as a real server keeps processing a request its client gave up on),
//! `get_leads` lists the channel's newest 100, newest first, as the API does. Its clock can be
//! set off by any number of seconds: every `created_at` it writes and its `Date` header are then
//! off by as much (a server whose clock is minutes ahead or behind). A business id in `drop`
//! has its create answered by a closed connection: after creating the lead (`Fault::After`) or
//! without (`Fault::Before`).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use serde_json::{json, Value};

use super::request::Request;
use super::server::{Reply, ScriptedServer};
use super::CHANNEL;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The lead is created, then the connection is closed without an answer.
    After,
    /// The connection is closed and nothing is created.
    Before,
}

#[derive(Default)]
struct State {
    /// Every lead, oldest first.
    leads: Vec<Value>,
    /// Creates received whose lead is not made yet (in their service time, or held).
    in_flight: usize,
    /// Creates wait before making their lead while set ([`Window::hold`]).
    held: bool,
    /// Business ids whose answer is never given.
    faults: BTreeMap<String, Fault>,
    next_id: u64,
}

pub struct Window {
    pub server: ScriptedServer,
    state: Arc<Mutex<State>>,
    /// Seconds the server's clock is ahead (negative: behind).
    skew: i64,
}

/// The server's clock: now, `skew` seconds off.
fn server_now(skew: i64) -> SystemTime {
    let now = SystemTime::now();
    if skew >= 0 {
        now + Duration::from_secs(skew as u64)
    } else {
        now - Duration::from_secs(skew.unsigned_abs())
    }
}

fn rfc3339(t: SystemTime) -> String {
    leadctl::time::format_rfc3339(t)
}

impl Window {
    /// `service`: how long a create takes before its lead exists; `faults`: business ids whose
    /// answer is never given.
    pub fn start(service: Duration, skew: i64, faults: BTreeMap<String, Fault>) -> Window {
        let state = Arc::new(Mutex::new(State {
            faults,
            ..State::default()
        }));
        let s = state.clone();
        let server = ScriptedServer::start(move |req: &Request, _| {
            let date = httpdate::fmt_http_date(server_now(skew));
            let reply = match req.action().as_str() {
                "get_channels" => Reply::json(200, super::api::channels_response()),
                "get_leads" => {
                    let mut all = s.lock().unwrap().leads.clone();
                    // Newest first by `created_at` (fixed width: text order is time order).
                    all.sort_by(|a, b| b["created_at"].as_str().cmp(&a["created_at"].as_str()));
                    all.truncate(100);
                    Reply::json(200, Value::Array(all))
                }
                "create_lead" => {
                    let body = req.json();
                    let bid = body["business_id"].as_str().unwrap_or("").to_string();
                    let fault = s.lock().unwrap().faults.get(&bid).copied();
                    if fault == Some(Fault::Before) {
                        return Reply::Drop;
                    }
                    s.lock().unwrap().in_flight += 1;
                    std::thread::sleep(service);
                    while s.lock().unwrap().held {
                        std::thread::sleep(Duration::from_millis(2));
                    }
                    let lead = {
                        let mut st = s.lock().unwrap();
                        st.in_flight -= 1;
                        st.next_id += 1;
                        let lead = json!({
                            "id": format!("00000000-0000-4000-8000-{:012}", st.next_id),
                            "created_at": rfc3339(server_now(skew)),
                            "email": body["email"],
                            "first_name": body["first_name"],
                            "business_id": body["business_id"],
                            "channels_id": CHANNEL,
                        });
                        st.leads.push(lead.clone());
                        lead
                    };
                    if fault == Some(Fault::After) {
                        return Reply::Drop;
                    }
                    Reply::json(200, json!({ "lead": lead }))
                }
                _ => Reply::error(400, "unexpected"),
            };
            reply.header("Date", &date)
        });
        Window {
            server,
            state,
            skew,
        }
    }

    /// Adds `n` leads made by someone else `ago` seconds ago (on the server's clock).
    pub fn seed(&self, n: usize, ago: u64) {
        let at = rfc3339(server_now(self.skew) - Duration::from_secs(ago));
        let mut st = self.state.lock().unwrap();
        for i in 0..n {
            st.next_id += 1;
            let id = format!("00000000-0000-4000-9000-{:012}", st.next_id);
            st.leads.push(json!({
                "id": id, "created_at": at, "email": format!("seed{i}@elsewhere.example"),
                "business_id": format!("S-{i}"), "channels_id": CHANNEL,
            }));
        }
    }

    /// Makes every lead look `secs` older (as a claim aged in the ledger).
    pub fn age(&self, secs: u64) {
        let mut st = self.state.lock().unwrap();
        for l in &mut st.leads {
            let t = leadctl::time::parse_rfc3339(l["created_at"].as_str().unwrap()).unwrap();
            let older = std::time::UNIX_EPOCH + Duration::from_secs((t - secs as i64) as u64);
            l["created_at"] = json!(rfc3339(older));
        }
    }

    /// Holds every create before it makes its lead (true) or lets them go on (false).
    pub fn hold(&self, held: bool) {
        self.state.lock().unwrap().held = held;
    }

    /// Answers every create from now on.
    pub fn heal(&self) {
        self.state.lock().unwrap().faults.clear();
    }

    /// (leads made, creates still in their service time).
    pub fn progress(&self) -> (usize, usize) {
        let st = self.state.lock().unwrap();
        (st.leads.len(), st.in_flight)
    }

    /// Business id → how many leads have it.
    pub fn business_ids(&self) -> BTreeMap<String, usize> {
        let mut m = BTreeMap::new();
        for l in &self.state.lock().unwrap().leads {
            if let Some(b) = l["business_id"].as_str() {
                *m.entry(b.to_string()).or_default() += 1;
            }
        }
        m
    }
}

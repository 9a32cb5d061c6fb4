//! `leadctl sandbox serve` as a child process on 127.0.0.1:0, driven over raw HTTP: started,
//! waited for (`listening on http://ADDR`), its stderr collected, signalled, killed on drop.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use leadctl::sandbox::{API_KEY, PRIMARY_CHANNEL_ID};
use serde_json::{json, Value};

use super::raw_http::{self, Response};

/// A `leadctl sandbox serve` child process; killed when dropped.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    stderr: Arc<Mutex<String>>,
    reader: Option<thread::JoinHandle<()>>,
}

pub fn leadctl() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_leadctl"));
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("LEADCTL_") {
            cmd.env_remove(k);
        }
    }
    cmd.env_remove("NO_COLOR");
    cmd
}

impl Server {
    pub fn start(args: &[&str]) -> Server {
        Self::try_start(args)
            .unwrap_or_else(|(status, err)| panic!("serve failed ({status:?}): {err}"))
    }

    /// Starts the server and waits for its `listening on http://ADDR` line; on failure, the
    /// exit status and everything it printed.
    pub fn try_start(args: &[&str]) -> Result<Server, (Option<ExitStatus>, String)> {
        let mut child = leadctl()
            .args(["sandbox", "serve", "--addr", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn leadctl");
        let stderr = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        let pipe = child.stderr.take().expect("piped stderr");
        let sink = Arc::clone(&stderr);
        // Keeps draining stderr for the server's whole life, so request logs never fill the pipe.
        let reader = thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                {
                    let mut s = sink.lock().unwrap_or_else(|e| e.into_inner());
                    s.push_str(&line);
                    s.push('\n');
                }
                if let Some(addr) = line.strip_prefix("listening on http://") {
                    let _ = tx.send(addr.trim().to_string());
                }
            }
        });
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(addr) => Ok(Server {
                child,
                addr: addr
                    .parse()
                    .expect("a socket address after 'listening on http://'"),
                stderr,
                reader: Some(reader),
            }),
            Err(_) => {
                let status = wait_timeout(&mut child, Duration::from_secs(10));
                if status.is_none() {
                    let _ = child.kill();
                }
                let _ = reader.join();
                let text = stderr.lock().map(|s| s.clone()).unwrap_or_default();
                Err((status, text))
            }
        }
    }

    pub fn post_as(&self, key: Option<&str>, body: Value) -> Response {
        raw_http::post_json(self.addr, key, &body).expect("an answer")
    }

    pub fn post(&self, body: Value) -> Response {
        self.post_as(Some(API_KEY), body)
    }

    pub fn ok(&self, body: Value) -> Value {
        let r = self.post(body);
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.header("content-type"), Some("application/json"));
        r.json()
    }

    pub fn create(&self, email: &str) -> Value {
        self.ok(json!({"action": "create_lead", "channel_id": PRIMARY_CHANNEL_ID, "email": email}))
            ["lead"]
            .clone()
    }

    pub fn stats(&self) -> Value {
        let r = raw_http::get(self.addr, "/__sandbox/stats").expect("stats");
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()
    }

    pub fn all_leads(&self) -> Vec<Value> {
        let r = raw_http::get(self.addr, "/__sandbox/leads").expect("leads");
        r.json().as_array().cloned().expect("an array of leads")
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// All of stderr once it contains `needle` (the server writes it asynchronously).
    pub fn stderr_once(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = self.stderr();
            if text.contains(needle) || Instant::now() > deadline {
                return text;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Sends a signal with kill(1), waits for the exit, returns status and all of stderr.
    pub fn signal_and_wait(mut self, signal: &str) -> (ExitStatus, String) {
        crate::support::send_signal(self.child.id(), signal);
        let status = wait_timeout(&mut self.child, Duration::from_secs(20))
            .expect("exited after the signal");
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        (status, self.stderr())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn wait_timeout(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        thread::sleep(Duration::from_millis(20));
    }
    None
}

#[track_caller]
pub fn assert_error(r: &Response, status: u16, message: &str) {
    assert_eq!(
        (r.status, r.error()),
        (status, message.to_string()),
        "{}",
        r.text()
    );
    assert_eq!(r.header("content-type"), Some("application/json"));
}

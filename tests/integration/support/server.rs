//! A scripted HTTP/1.1 server on 127.0.0.1 for tests: std only, one thread per connection,
//! keep-alive. A closure picks the reply for each request; every request is recorded (as a
//! [`Request`]) so a test can assert the exact body, the headers and how many requests were made.

use std::io::{BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use serde_json::Value;

use super::request::Request;

/// What the server does with one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Answer with a status, extra headers and a body, after a delay.
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
        delay: Duration,
    },
    /// Read the request, then close the connection without answering.
    Drop,
    /// Write these bytes as they are (a status line, headers and a body of any length, possibly
    /// cut short), then close the connection.
    Raw(Vec<u8>),
    /// Read the request, then answer nothing for this long, then close.
    Hang(Duration),
    /// A 200 whose `Content-Length` body of `len` bytes is sent in 64 KiB chunks, `pause`
    /// between chunks (a huge or slowly dripping answer), then the connection is closed.
    Stream { len: u64, pause: Duration },
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Reply {
        Reply::Respond {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.to_string(),
            delay: Duration::ZERO,
        }
    }

    pub fn error(status: u16, message: &str) -> Reply {
        Reply::json(status, serde_json::json!({ "error": message }))
    }

    pub fn text(status: u16, content_type: &str, body: &str) -> Reply {
        Reply::Respond {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.to_string(),
            delay: Duration::ZERO,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        if let Reply::Respond { headers, .. } = &mut self {
            headers.push((name.to_string(), value.to_string()));
        }
        self
    }

    pub fn delayed(mut self, by: Duration) -> Reply {
        if let Reply::Respond { delay, .. } = &mut self {
            *delay = by;
        }
        self
    }
}

type Script = dyn Fn(&Request, usize) -> Reply + Send + Sync;

pub struct ScriptedServer {
    pub port: u16,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl ScriptedServer {
    /// Starts a server whose reply to the n-th request (0-based) is `script(request, n)`.
    pub fn start(
        script: impl Fn(&Request, usize) -> Reply + Send + Sync + 'static,
    ) -> ScriptedServer {
        ScriptedServer::start_with(script, false)
    }

    fn start_with(
        script: impl Fn(&Request, usize) -> Reply + Send + Sync + 'static,
        answer_reads: bool,
    ) -> ScriptedServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local addr").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let script: Arc<Script> = Arc::new(script);
        let recorded = requests.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let script = script.clone();
                let recorded = recorded.clone();
                thread::spawn(move || serve(stream, &*script, &recorded, answer_reads));
            }
        });
        ScriptedServer { port, requests }
    }

    /// Like `start`, for imports: the reads an import makes before its first create
    /// (`get_leads`: an empty channel) are answered here, not recorded and not counted, so the
    /// script sees only the creates.
    pub fn importing(
        script: impl Fn(&Request, usize) -> Reply + Send + Sync + 'static,
    ) -> ScriptedServer {
        ScriptedServer::start_with(script, true)
    }

    /// Like `sequence`, for imports and creates (see `importing`).
    pub fn sequence_importing(replies: Vec<Reply>) -> ScriptedServer {
        ScriptedServer::importing(move |_, n| replies[n.min(replies.len() - 1)].clone())
    }

    /// Replies in order; the last one repeats.
    pub fn sequence(replies: Vec<Reply>) -> ScriptedServer {
        ScriptedServer::start(move |_, n| replies[n.min(replies.len() - 1)].clone())
    }

    /// A recording hop in front of another server (the sandbox at `addr`): each request is
    /// recorded as it came off the wire, then sent on with its own key and answered with the
    /// other's answer. So a test asserts the exact bodies leadctl sent while the sandbox
    /// keeps the state.
    pub fn forwarding(addr: std::net::SocketAddr) -> ScriptedServer {
        ScriptedServer::forwarding_then(addr, |_, _, reply| reply)
    }

    /// As [`ScriptedServer::forwarding`], the other server's answer to the `n`th request handed
    /// to `then`, which may replace it (e.g. drop it: an answer lost after the request was
    /// processed).
    pub fn forwarding_then(
        addr: std::net::SocketAddr,
        then: impl Fn(&Request, usize, Reply) -> Reply + Send + Sync + 'static,
    ) -> ScriptedServer {
        ScriptedServer::start(move |req, n| {
            let headers: Vec<(&str, &str)> = ["Content-Type", "X-Api-Key", "Authorization"]
                .into_iter()
                .filter_map(|n| req.header(n).map(|v| (n, v)))
                .collect();
            match super::raw_http::Conn::connect(addr).and_then(|mut c| {
                c.request(&req.method, super::raw_http::API_PATH, &headers, &req.body)
            }) {
                Ok(r) => {
                    let kind = r.header("Content-Type").unwrap_or("application/json");
                    let mut reply = Reply::text(r.status, kind, &r.text());
                    if let Some(after) = r.header("Retry-After") {
                        reply = reply.header("Retry-After", after);
                    }
                    then(req, n, reply)
                }
                Err(_) => Reply::Drop,
            }
        })
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/functions/v1/keen-api", self.port)
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

fn serve(stream: TcpStream, script: &Script, recorded: &Mutex<Vec<Request>>, answer_reads: bool) {
    let _ = stream.set_nodelay(true);
    let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
    let mut writer = stream;
    loop {
        let Ok(Some(request)) = Request::read(&mut reader) else {
            return;
        };
        if answer_reads && request.action() == "get_leads" {
            let body = b"{\"leads\": []}";
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            if writer
                .write_all(head.as_bytes())
                .and_then(|()| writer.write_all(body))
                .is_err()
            {
                return;
            }
            continue;
        }
        let n = {
            let mut all = recorded.lock().unwrap();
            all.push(request.clone());
            all.len() - 1
        };
        match script(&request, n) {
            Reply::Drop => {
                let _ = writer.shutdown(Shutdown::Both);
                return;
            }
            Reply::Raw(bytes) => {
                let _ = writer.write_all(&bytes);
                let _ = writer.shutdown(Shutdown::Both);
                return;
            }
            Reply::Hang(d) => {
                thread::sleep(d);
                let _ = writer.shutdown(Shutdown::Both);
                return;
            }
            Reply::Stream { len, pause } => {
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len}\r\n\r\n"
                );
                if writer.write_all(head.as_bytes()).is_err() {
                    return;
                }
                let chunk = vec![b'x'; 64 * 1024];
                let mut left = len;
                while left > 0 {
                    let n = left.min(chunk.len() as u64) as usize;
                    if writer.write_all(&chunk[..n]).is_err() {
                        return; // the client gave up
                    }
                    left -= n as u64;
                    thread::sleep(pause);
                }
                let _ = writer.shutdown(Shutdown::Both);
                return;
            }
            Reply::Respond {
                status,
                headers,
                body,
                delay,
            } => {
                thread::sleep(delay);
                let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
                for (k, v) in &headers {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
                if writer.write_all(head.as_bytes()).is_err()
                    || writer.write_all(body.as_bytes()).is_err()
                {
                    return;
                }
            }
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

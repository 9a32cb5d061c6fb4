//! A std-only HTTP/1.1 client for tests: writes requests byte for byte and reads answers
//! (status, headers, `Content-Length` or read-to-close bodies) from a `TcpStream`, so tests see
//! exactly what the server sent, including a connection closed without an answer.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use serde_json::Value;

use super::request::Request;

/// The API path of the sandbox.
pub const API_PATH: &str = "/functions/v1/keen-api";

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// Names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON; panics (failing the test) with the body text when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {:?}", self.text()))
    }

    /// The `error` string of an error body ("" if there is none).
    pub fn error(&self) -> String {
        self.json()["error"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

/// One keep-alive connection.
pub struct Conn {
    reader: BufReader<TcpStream>,
}

impl Conn {
    pub fn connect(addr: SocketAddr) -> io::Result<Conn> {
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(10))?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Conn {
            reader: BufReader::new(stream),
        })
    }

    /// Writes raw bytes (a request, part of one, or garbage).
    pub fn send(&mut self, raw: &[u8]) -> io::Result<()> {
        let s = self.reader.get_mut();
        s.write_all(raw)?;
        s.flush()
    }

    /// Sends a request with `Content-Length` and reads its answer.
    pub fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> io::Result<Response> {
        let mut req = Request::new(method, path).with_header("Host", "sandbox");
        for (n, v) in headers {
            req = req.with_header(n, v);
        }
        if !body.is_empty() || method == "POST" {
            req = req.with_header("Content-Length", &body.len().to_string());
        }
        self.send_request(&req.with_body(body))
    }

    /// Sends `req` as it is and reads its answer.
    pub fn send_request(&mut self, req: &Request) -> io::Result<Response> {
        self.send(&req.to_bytes())?;
        self.read_response()
    }

    /// POSTs `body` as JSON to the API path, with `X-Api-Key` when `key` is given.
    pub fn post_json(&mut self, key: Option<&str>, body: &Value) -> io::Result<Response> {
        let mut headers = vec![("Content-Type", "application/json")];
        if let Some(k) = key {
            headers.push(("X-Api-Key", k));
        }
        self.request("POST", API_PATH, &headers, body.to_string().as_bytes())
    }

    /// Sends `HEAD path` and reads the answer's head (a HEAD answer has no body).
    pub fn head(&mut self, path: &str) -> io::Result<Response> {
        self.send(
            &Request::new("HEAD", path)
                .with_header("Host", "sandbox")
                .to_bytes(),
        )?;
        self.read(false)
    }

    /// Reads one answer (skipping `1xx`). A connection closed before a status line is an
    /// `UnexpectedEof` (or the reset error the OS reports).
    pub fn read_response(&mut self) -> io::Result<Response> {
        self.read(true)
    }

    fn read(&mut self, with_body: bool) -> io::Result<Response> {
        loop {
            let status_line = self.line()?;
            let status: u16 = status_line
                .strip_prefix("HTTP/1.1 ")
                .or_else(|| status_line.strip_prefix("HTTP/1.0 "))
                .and_then(|rest| rest.get(..3))
                .and_then(|code| code.parse().ok())
                .ok_or_else(|| invalid(format!("bad status line {status_line:?}")))?;
            let mut headers = Vec::new();
            loop {
                let line = self.line()?;
                if line.is_empty() {
                    break;
                }
                let (n, v) = line
                    .split_once(':')
                    .ok_or_else(|| invalid(format!("bad header {line:?}")))?;
                headers.push((n.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
            if (100..200).contains(&status) {
                continue;
            }
            let mut resp = Response {
                status,
                headers,
                body: Vec::new(),
            };
            if !with_body {
                return Ok(resp);
            }
            match resp.header("content-length").map(str::parse::<usize>) {
                Some(Ok(n)) => {
                    resp.body = vec![0; n];
                    self.reader.read_exact(&mut resp.body)?;
                }
                Some(Err(_)) => return Err(invalid("bad Content-Length".into())),
                None => {
                    self.reader.read_to_end(&mut resp.body)?;
                }
            }
            return Ok(resp);
        }
    }

    /// Whether the server closed the connection (a read gives end of stream or an error).
    pub fn is_closed(&mut self) -> bool {
        let _ = self
            .reader
            .get_ref()
            .set_read_timeout(Some(Duration::from_secs(5)));
        let mut b = [0u8; 1];
        matches!(self.reader.read(&mut b), Ok(0) | Err(_))
    }

    fn line(&mut self) -> io::Result<String> {
        let mut buf = String::new();
        if self.reader.read_line(&mut buf)? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed without an answer",
            ));
        }
        Ok(buf.trim_end_matches(['\r', '\n']).to_string())
    }
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

/// One request on a fresh connection.
pub fn post_json(addr: SocketAddr, key: Option<&str>, body: &Value) -> io::Result<Response> {
    Conn::connect(addr)?.post_json(key, body)
}

/// `GET path` on a fresh connection.
pub fn get(addr: SocketAddr, path: &str) -> io::Result<Response> {
    Conn::connect(addr)?.request("GET", path, &[], b"")
}

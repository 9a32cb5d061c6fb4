//! The one notion of an HTTP request in the tests: what the scripted server, the TLS server and
//! the proxy record, and what `raw_http` sends. Reading stops right after the head and the
//! `Content-Length` body, so a proxy can tunnel whatever follows.

use std::io::{self, Read};

use serde_json::Value;

/// A request as received (or about to be sent): request line, headers in the order sent (names
/// as sent), body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// The request target as sent: `/path?query`, `host:port` for `CONNECT`, or absolute form.
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Longest head accepted when reading (a test server is not a place for huge heads).
const MAX_HEAD: usize = 64 * 1024;

impl Request {
    pub fn new(method: &str, path: &str) -> Request {
        Request {
            method: method.to_string(),
            path: path.to_string(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Request {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn with_body(mut self, body: &[u8]) -> Request {
        self.body = body.to_vec();
        self
    }

    /// The body as JSON; panics (failing the test) when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("request body is JSON")
    }

    /// The body's `action` ("" when there is none).
    pub fn action(&self) -> String {
        self.json()["action"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The request line without the HTTP version: "POST /functions/v1/keen-api",
    /// "CONNECT localhost:1234".
    pub fn line(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// The request as HTTP/1.1 bytes, headers exactly as given (add `Content-Length` yourself).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut head = format!("{} {} HTTP/1.1\r\n", self.method, self.path);
        for (n, v) in &self.headers {
            head.push_str(&format!("{n}: {v}\r\n"));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }

    /// Reads one request: the head (byte by byte, so nothing after it is consumed) and a
    /// `Content-Length` body. `Ok(None)` when the stream ends before the first byte; a head that
    /// is cut off or malformed is an `InvalidData`/`UnexpectedEof` error.
    pub fn read(r: &mut impl Read) -> io::Result<Option<Request>> {
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !(head.ends_with(b"\r\n\r\n") || head.ends_with(b"\n\n")) {
            if r.read(&mut byte)? == 0 {
                if head.is_empty() {
                    return Ok(None);
                }
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            head.push(byte[0]);
            if head.len() > MAX_HEAD {
                return Err(invalid("request head too long"));
            }
        }
        let mut req = Self::parse_head(&String::from_utf8_lossy(&head))?;
        let len: usize = req
            .header("content-length")
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        req.body = vec![0; len];
        r.read_exact(&mut req.body)?;
        Ok(Some(req))
    }

    fn parse_head(head: &str) -> io::Result<Request> {
        let mut lines = head.lines();
        let line = lines.next().unwrap_or_default();
        let mut parts = line.split_whitespace();
        let (Some(method), Some(path)) = (parts.next(), parts.next()) else {
            return Err(invalid("bad request line"));
        };
        let mut req = Request::new(method, path);
        for h in lines.map(str::trim_end).take_while(|h| !h.is_empty()) {
            let (k, v) = h.split_once(':').ok_or_else(|| invalid("bad header"))?;
            req.headers
                .push((k.trim().to_string(), v.trim().to_string()));
        }
        Ok(req)
    }
}

/// The request lines of `requests`, for asserting what arrived in which order.
pub fn lines(requests: &[Request]) -> Vec<String> {
    requests.iter().map(Request::line).collect()
}

fn invalid(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_string())
}

/// The support type itself: what `raw_http` sends is what the test servers record, and reading
/// stops right after the body (the proxy tunnels what follows).
#[test]
fn a_request_reads_back_from_its_bytes_and_reading_stops_after_the_body() {
    let req = Request::new("POST", "/functions/v1/keen-api?x=1")
        .with_header("X-Api-Key", "k")
        .with_header("Content-Length", "2")
        .with_body(b"{}");
    let mut wire = req.to_bytes();
    wire.extend_from_slice(b"NEXT");
    let mut r = &wire[..];
    assert_eq!(Request::read(&mut r).unwrap(), Some(req.clone()));
    assert_eq!(r, b"NEXT", "nothing after the body was consumed");
    assert_eq!(req.header("x-api-key"), Some("k"));
    assert_eq!(req.line(), "POST /functions/v1/keen-api?x=1");
    assert_eq!(lines(&[req]), ["POST /functions/v1/keen-api?x=1"]);

    assert_eq!(
        Request::read(&mut &b""[..]).unwrap(),
        None,
        "clean end of stream"
    );
    for cut in [
        &b"GET / HTTP/1.1\r\nHost: x\r\n"[..],
        b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab",
    ] {
        assert!(
            Request::read(&mut &cut[..]).is_err(),
            "{:?}",
            String::from_utf8_lossy(cut)
        );
    }
    assert!(Request::read(&mut &b"GET / HTTP/1.1\r\nno colon\r\n\r\n"[..]).is_err());
}

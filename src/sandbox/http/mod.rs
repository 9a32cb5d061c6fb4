//! A small HTTP/1.1 server side: reads one request from a buffered stream (the head framed here
//! and parsed by `httparse`, the body in `body`) and writes one response (`response`). Enough
//! for the sandbox and nothing more: no TLS, no pipelining guarantees beyond "requests are
//! answered in order", no trailers kept.
//!
//! It must never panic on what a client sends. Every malformed input becomes a
//! [`ParseError::Reject`] (answered with that status, then the connection is closed) and
//! every transport problem a [`ParseError::Io`] (the connection is just closed).

mod body;
mod response;

use std::io::{self, BufRead, Read, Write};

pub(crate) use response::Response;

/// Longest request line or header line accepted.
pub(crate) const MAX_LINE: usize = 8 * 1024;
/// Most header lines accepted in one request.
pub(crate) const MAX_HEADERS: usize = 100;
/// Largest request body accepted (the API's bodies are a few KiB).
pub(crate) const MAX_BODY: usize = 8 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    Http10,
    Http11,
}

#[derive(Debug)]
pub(crate) struct Request {
    pub method: String,
    /// The request target as sent (origin form `/path?query`, or absolute form).
    pub target: String,
    pub version: Version,
    /// Header names lower-cased, values trimmed, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path without query string; an absolute-form target (`http://host/path`) is
    /// reduced to its path.
    pub fn path(&self) -> &str {
        let mut t = self.target.as_str();
        if let Some(rest) = t
            .strip_prefix("http://")
            .or_else(|| t.strip_prefix("https://"))
        {
            t = rest.find('/').map_or("/", |i| &rest[i..]);
        }
        t.split(['?', '#']).next().unwrap_or(t)
    }

    /// Whether the client allows the connection to stay open after this request:
    /// HTTP/1.1 unless `Connection: close`, HTTP/1.0 only with `Connection: keep-alive`.
    pub fn keep_alive(&self) -> bool {
        let tokens: Vec<String> = self
            .headers
            .iter()
            .filter(|(n, _)| n == "connection")
            .flat_map(|(_, v)| v.split(','))
            .map(|t| t.trim().to_ascii_lowercase())
            .collect();
        if tokens.iter().any(|t| t == "close") {
            return false;
        }
        match self.version {
            Version::Http11 => true,
            Version::Http10 => tokens.iter().any(|t| t == "keep-alive"),
        }
    }
}

#[derive(Debug)]
pub(crate) enum ParseError {
    /// The peer closed, reset or timed out (or closed mid-request): close without answering.
    Io,
    /// The request is malformed or too large: answer `status` with `message`, then close.
    Reject { status: u16, message: String },
}

impl From<io::Error> for ParseError {
    fn from(_: io::Error) -> Self {
        ParseError::Io
    }
}

pub(super) fn bad(message: impl Into<String>) -> ParseError {
    ParseError::Reject {
        status: 400,
        message: message.into(),
    }
}

/// Reads one request. `Ok(None)` means the peer closed the connection cleanly between
/// requests. `out` is only used to send `100 Continue` to clients that ask for it
/// (`Expect: 100-continue`, as curl does for larger bodies).
///
/// The head is framed here, line by line (each line and the number of fields bounded), and
/// parsed by `httparse` after every line, so a malformed request line or header is refused as
/// soon as it arrives rather than when the head is complete; the body is read by `body`.
pub(crate) fn read_request<R: BufRead, W: Write>(
    r: &mut R,
    out: &mut W,
) -> Result<Option<Request>, ParseError> {
    let Some(mut req) = read_head(r)? else {
        return Ok(None);
    };
    req.body = body::read_body(r, out, &req)?;
    Ok(Some(req))
}

/// The request line and headers. `None` at a clean end of stream before the request line.
fn read_head<R: BufRead>(r: &mut R) -> Result<Option<Request>, ParseError> {
    // RFC 9112 2.2: ignore a few empty lines before the request line.
    let mut head = None;
    for _ in 0..4 {
        match read_raw_line(r)? {
            None => return Ok(None),
            Some(l) if is_blank(&l) => continue,
            Some(l) => {
                head = Some(l);
                break;
            }
        }
    }
    let mut head = head.ok_or_else(|| bad("expected a request line"))?;
    // The request line, at most MAX_HEADERS fields (httparse refuses one more), the empty line.
    for _ in 0..MAX_HEADERS + 2 {
        if let Some(req) = parse_head(&head)? {
            return Ok(Some(req));
        }
        let l = read_raw_line(r)?.ok_or_else(|| eof("in the headers"))?;
        // Refused on arrival, as httparse would take such bytes (obs-text) in a header value.
        if std::str::from_utf8(&l).is_err() {
            return Err(bad("a header line is not valid UTF-8"));
        }
        head.extend_from_slice(&l);
    }
    Err(too_many_headers())
}

fn too_many_headers() -> ParseError {
    ParseError::Reject {
        status: 431,
        message: format!("more than {MAX_HEADERS} header fields"),
    }
}

/// The connection ended in the middle of a request (`when` documents where).
pub(super) fn eof(_when: &str) -> ParseError {
    ParseError::Io
}

fn is_blank(line: &[u8]) -> bool {
    line == b"\n" || line == b"\r\n"
}

/// One line with its `\n` (or `\r\n`), at most [`MAX_LINE`] bytes before it (a longer one is
/// a 431). `None` at end of stream before any byte; a line cut off by the end of the stream
/// is a transport error.
pub(super) fn read_raw_line<R: BufRead>(r: &mut R) -> Result<Option<Vec<u8>>, ParseError> {
    let mut buf = Vec::new();
    let limit = (MAX_LINE + 2) as u64;
    r.by_ref().take(limit).read_until(b'\n', &mut buf)?;
    if buf.is_empty() {
        return Ok(None);
    }
    if buf.last() != Some(&b'\n') {
        if buf.len() as u64 >= limit {
            return Err(ParseError::Reject {
                status: 431,
                message: format!("line longer than {MAX_LINE} bytes"),
            });
        }
        return Err(eof("in the middle of a line"));
    }
    Ok(Some(buf))
}

/// One line without its line ending (chunk sizes and the end of chunk data), refused when it
/// holds a stray CR, a NUL or bytes that are not UTF-8.
pub(super) fn read_line<R: BufRead>(r: &mut R) -> Result<Option<Vec<u8>>, ParseError> {
    let Some(mut buf) = read_raw_line(r)? else {
        return Ok(None);
    };
    buf.pop();
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    if buf.contains(&b'\r') || buf.contains(&0) {
        return Err(bad("stray CR or NUL in a line"));
    }
    if std::str::from_utf8(&buf).is_err() {
        return Err(bad("a chunk line is not valid UTF-8"));
    }
    Ok(Some(buf))
}

/// The request a head read so far holds: `None` while it is incomplete but valid so far.
fn parse_head(head: &[u8]) -> Result<Option<Request>, ParseError> {
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut fields);
    match parsed.parse(head) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(head_error(head, e)),
    }
    let (Some(method), Some(target), Some(minor)) = (parsed.method, parsed.path, parsed.version)
    else {
        return Err(bad("incomplete request line"));
    };
    let version = if minor == 0 {
        Version::Http10
    } else {
        Version::Http11
    };
    Ok(Some(Request {
        method: method.to_string(),
        target: target.to_string(),
        version,
        headers: header_pairs(parsed.headers)?,
        body: Vec::new(),
    }))
}

/// Header names lower-cased, values trimmed and checked to be UTF-8.
fn header_pairs(fields: &[httparse::Header<'_>]) -> Result<Vec<(String, String)>, ParseError> {
    fields
        .iter()
        .map(|h| {
            let value = std::str::from_utf8(h.value)
                .map_err(|_| bad(format!("header {:?} is not valid UTF-8", h.name)))?;
            Ok((
                h.name.to_ascii_lowercase(),
                value.trim_matches([' ', '\t']).to_string(),
            ))
        })
        .collect()
}

/// The answer to a head `httparse` refused: 431 for too many fields, 505 for a request line
/// that is well formed but for an HTTP version other than 1.0 and 1.1, else 400.
fn head_error(head: &[u8], e: httparse::Error) -> ParseError {
    if e == httparse::Error::TooManyHeaders {
        return too_many_headers();
    }
    // The head is parsed after every line, so an error while it holds one line is in the
    // request line.
    let request_line_only = head.iter().filter(|&&b| b == b'\n').count() == 1;
    if let Some(v) = unsupported_version(head).filter(|_| request_line_only) {
        return ParseError::Reject {
            status: 505,
            message: format!("unsupported protocol version {v:?}"),
        };
    }
    bad(format!("malformed request head ({e})"))
}

/// The version of a refused request line that is otherwise well formed (a token, a target
/// without control characters, three parts) and starts with `HTTP/` but is neither
/// `HTTP/1.0` nor `HTTP/1.1`: a version this server does not speak, rather than garbage.
fn unsupported_version(line: &[u8]) -> Option<&str> {
    let line = line.strip_suffix(b"\n")?;
    let line = std::str::from_utf8(line.strip_suffix(b"\r").unwrap_or(line)).ok()?;
    let [method, target, version] = line.split(' ').collect::<Vec<_>>()[..] else {
        return None;
    };
    let is_token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
    };
    let plain = |s: &str| !s.is_empty() && !s.bytes().any(|b| b.is_ascii_control());
    let known = version == "HTTP/1.0" || version == "HTTP/1.1";
    let ours = is_token(method) && plain(target) && !line.contains(['\r', '\0']);
    (ours && version.starts_with("HTTP/") && !known && !version.contains(['\r', '\0']))
        .then_some(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &[u8]) -> (Result<Option<Request>, ParseError>, Vec<u8>) {
        let mut r = raw;
        let mut out = Vec::new();
        let res = read_request(&mut r, &mut out);
        (res, out)
    }

    fn ok(raw: &[u8]) -> Request {
        match parse(raw).0 {
            Ok(Some(req)) => req,
            other => panic!("expected a request, got {other:?}"),
        }
    }

    fn rejected(raw: &[u8]) -> (u16, String) {
        match parse(raw).0 {
            Err(ParseError::Reject { status, message }) => (status, message),
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    fn is_io(raw: &[u8]) -> bool {
        matches!(parse(raw).0, Err(ParseError::Io))
    }

    #[test]
    fn content_length_body_and_case_insensitive_headers() {
        let req = ok(b"POST /functions/v1/keen-api?x=1 HTTP/1.1\r\nHost: a\r\nCONTENT-length: 5\r\nX-Api-Key:  k1 \r\n\r\nhelloEXTRA");
        assert_eq!(req.method, "POST");
        assert_eq!(req.path(), "/functions/v1/keen-api");
        assert_eq!(req.body, b"hello");
        assert_eq!(req.header("x-api-key"), Some("k1"));
        assert_eq!(req.header("X-API-KEY"), Some("k1"));
        assert!(req.keep_alive());
    }

    #[test]
    fn two_requests_on_one_stream_are_read_in_turn() {
        let raw = b"POST /a HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}GET /b HTTP/1.1\r\n\r\n";
        let mut r = &raw[..];
        let mut out = Vec::new();
        let first = read_request(&mut r, &mut out)
            .ok()
            .flatten()
            .expect("first");
        assert_eq!(first.body, b"{}");
        let second = read_request(&mut r, &mut out)
            .ok()
            .flatten()
            .expect("second");
        assert_eq!(second.path(), "/b");
        assert!(second.body.is_empty());
        assert!(matches!(read_request(&mut r, &mut out), Ok(None)));
    }

    #[test]
    fn chunked_body_with_extensions_and_trailers() {
        let req = ok(b"POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n4;name=v\r\n{\"a\"\r\n9\r\n:1234567}\r\n0\r\nX-Trailer: t\r\n\r\n");
        assert_eq!(req.body, b"{\"a\":1234567}");
    }

    #[test]
    fn bare_lf_line_endings_and_leading_empty_line_are_accepted() {
        let req = ok(b"\r\nPOST /x HTTP/1.1\nContent-Length: 2\n\n{}");
        assert_eq!(req.body, b"{}");
    }

    #[test]
    fn connection_close_and_http10_keep_alive_rules() {
        assert!(!ok(b"GET / HTTP/1.1\r\nConnection: Close\r\n\r\n").keep_alive());
        assert!(!ok(b"GET / HTTP/1.1\r\nConnection: foo, close\r\n\r\n").keep_alive());
        assert!(!ok(b"GET / HTTP/1.0\r\n\r\n").keep_alive());
        assert!(ok(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").keep_alive());
    }

    #[test]
    fn absolute_form_target_is_reduced_to_its_path() {
        let req = ok(b"GET http://127.0.0.1:1/__sandbox/stats HTTP/1.1\r\n\r\n");
        assert_eq!(req.path(), "/__sandbox/stats");
    }

    #[test]
    fn expect_continue_is_answered_before_the_body() {
        let (res, out) =
            parse(b"POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}");
        assert!(matches!(res, Ok(Some(_))));
        assert_eq!(out, b"HTTP/1.1 100 Continue\r\n\r\n");
        let (_, out) = parse(b"POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}");
        assert!(out.is_empty());
    }

    #[test]
    fn clean_eof_between_requests_is_not_an_error() {
        assert!(matches!(parse(b"").0, Ok(None)));
    }

    #[test]
    fn malformed_requests_are_rejected_with_400() {
        for raw in [
            &b"GARBAGE\r\n\r\n"[..],
            b"GET  / HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1 extra\r\n\r\n",
            b"G(T / HTTP/1.1\r\n\r\n",
            b"GET / FTP/1.0\r\n\r\n",
            b"GET / HTTP/1.1\r\nNoColon\r\n\r\n",
            b"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
            b"GET / HTTP/1.1\r\nA: b\rc\r\n\r\n",
            b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
            b"POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n",
            b"POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
            b"POST / HTTP/1.1\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n\r\n",
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n",
            b"\xff\xfe / HTTP/1.1\r\n\r\n",
        ] {
            let (status, message) = rejected(raw);
            assert_eq!(status, 400, "{:?}: {message}", String::from_utf8_lossy(raw));
        }
    }

    #[test]
    fn what_httparse_refuses_is_400_with_its_reason() {
        for (raw, reason) in [
            (
                &b"GET / HTTP/1.1\r\nX: caf\xe9\r\n\r\n"[..],
                "not valid UTF-8",
            ),
            (
                b"GET / HTTP/1.1\r\nX: a\x00b\r\n\r\n",
                "malformed request head",
            ),
            (
                b"\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n",
                "expected a request line",
            ),
            (
                b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nBad Trailer: x\r\n\r\n",
                "malformed chunked trailer",
            ),
            // httparse follows RFC 9110: no control characters but tab in a field value.
            (
                b"GET / HTTP/1.1\r\nX: a\x01b\r\n\r\n",
                "malformed request head",
            ),
            // Refused as each line arrives, not when the head is complete: no blank line here.
            (b"NONSENSE\r\n", "malformed request head"),
            (b"GET / HTTP/1.1\r\nNoColon\r\n", "malformed request head"),
            (b"GET / HTTP/1.1\r\nX: caf\xe9\r\n", "not valid UTF-8"),
        ] {
            let (status, message) = rejected(raw);
            assert_eq!(status, 400, "{:?}: {message}", String::from_utf8_lossy(raw));
            assert!(message.contains(reason), "{message}");
        }
        let many: String = (0..=MAX_HEADERS).map(|i| format!("T{i}: v\r\n")).collect();
        let raw = format!("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n{many}\r\n");
        assert_eq!(
            rejected(raw.as_bytes()),
            (431, "too many trailer fields".into())
        );
    }

    #[test]
    fn other_rejections_have_their_own_status() {
        assert_eq!(rejected(b"GET / HTTP/2.0\r\n\r\n").0, 505);
        assert_eq!(rejected(b"GET / HTTP/1.0Z\r\n").0, 505);
        assert_eq!(rejected(b"GET /\r HTTP/2.0\r\n").0, 400);
        assert_eq!(
            rejected(b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n").0,
            501
        );
        let huge = format!(
            "POST / HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
            MAX_BODY + 1
        );
        assert_eq!(rejected(huge.as_bytes()).0, 413);
        let long = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(MAX_LINE + 10));
        assert_eq!(rejected(long.as_bytes()).0, 431);
        let many: String = (0..=MAX_HEADERS).map(|i| format!("H{i}: v\r\n")).collect();
        assert_eq!(
            rejected(format!("GET / HTTP/1.1\r\n{many}\r\n").as_bytes()).0,
            431
        );
    }

    #[test]
    fn truncated_requests_are_transport_errors() {
        assert!(is_io(b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nshort"));
        assert!(is_io(b"POST / HTTP/1.1\r\nHost: a\r\n"));
        assert!(is_io(
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"
        ));
        assert!(is_io(b"GET / HTTP/1.1"));
    }
}

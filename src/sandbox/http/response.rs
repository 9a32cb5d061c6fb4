//! Writing one response: status line, headers, `Content-Length`, `Date`, `Connection`, body.

use std::fmt::Write as _;
use std::io::{self, Write};

/// A response about to be written.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// A JSON response (`Content-Type: application/json`).
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        Response {
            status,
            headers: vec![("Content-Type", "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }

    /// `{"error": message}`, the API's error shape.
    pub fn error(status: u16, message: &str) -> Self {
        Self::json(status, &serde_json::json!({ "error": message }))
    }

    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// Writes head and body in one `write_all`, so that with `TCP_NODELAY` a small answer
    /// leaves in one segment. `head_only` (the answer to a `HEAD`) leaves the body out but
    /// keeps its `Content-Length`.
    pub fn write_to<W: Write>(
        &self,
        w: &mut W,
        keep_alive: bool,
        head_only: bool,
    ) -> io::Result<()> {
        let mut head = format!("HTTP/1.1 {} {}\r\n", self.status, reason(self.status));
        for (name, value) in &self.headers {
            let _ = write!(head, "{name}: {value}\r\n");
        }
        let _ = write!(
            head,
            "Content-Length: {}\r\nDate: {}\r\nConnection: {}\r\n\r\n",
            self.body.len(),
            httpdate::fmt_http_date(std::time::SystemTime::now()),
            if keep_alive { "keep-alive" } else { "close" }
        );
        let mut bytes = head.into_bytes();
        if !head_only {
            bytes.extend_from_slice(&self.body);
        }
        w.write_all(&bytes)?;
        w.flush()
    }
}

pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_is_written_with_length_and_connection_headers() {
        let mut out = Vec::new();
        Response::error(404, "Lead not found")
            .with_header("sb-error-code", "NOT_FOUND")
            .write_to(&mut out, false, false)
            .expect("write to a Vec");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(text.starts_with("HTTP/1.1 404 Not Found\r\n"), "{text}");
        assert!(text.contains("Content-Type: application/json\r\n"));
        assert!(text.contains("sb-error-code: NOT_FOUND\r\n"));
        assert!(text.contains("Content-Length: 26\r\n"));
        assert!(text.contains("Connection: close\r\n"));
        assert!(text.ends_with("\r\n\r\n{\"error\":\"Lead not found\"}"));
    }
}

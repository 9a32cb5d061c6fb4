//! The request body: `Content-Length` or chunked framing, `Expect: 100-continue`, the size
//! limit and the chunked trailer (checked by `httparse`, then dropped).

use std::io::{BufRead, Read, Write};

use super::{bad, eof, read_line, read_raw_line, ParseError, Request, Version};
use super::{MAX_BODY, MAX_HEADERS};

pub(super) fn read_body<R: BufRead, W: Write>(
    r: &mut R,
    out: &mut W,
    req: &Request,
) -> Result<Vec<u8>, ParseError> {
    let te: Vec<String> = req
        .headers
        .iter()
        .filter(|(n, _)| n == "transfer-encoding")
        .flat_map(|(_, v)| v.split(','))
        .map(|t| t.trim().to_ascii_lowercase())
        .collect();
    let cl: Vec<&str> = req
        .headers
        .iter()
        .filter(|(n, _)| n == "content-length")
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .collect();

    if !te.is_empty() {
        // A request with both is a smuggling attempt or a broken client (RFC 9112 6.3).
        if !cl.is_empty() {
            return Err(bad("both Transfer-Encoding and Content-Length given"));
        }
        if te != ["chunked"] {
            return Err(ParseError::Reject {
                status: 501,
                message: format!("unsupported Transfer-Encoding {:?}", te.join(", ")),
            });
        }
        send_continue(out, req)?;
        return read_chunked(r);
    }

    let Some(first) = cl.first() else {
        return Ok(Vec::new());
    };
    if cl.iter().any(|v| v != first) {
        return Err(bad("conflicting Content-Length values"));
    }
    if first.is_empty() || !first.bytes().all(|b| b.is_ascii_digit()) || first.len() > 19 {
        return Err(bad(format!("invalid Content-Length {first:?}")));
    }
    let len: u64 = first.parse().map_err(|_| bad("invalid Content-Length"))?;
    if len > MAX_BODY as u64 {
        return Err(too_large());
    }
    if len > 0 {
        send_continue(out, req)?;
    }
    read_exactly(r, len)
}

fn too_large() -> ParseError {
    ParseError::Reject {
        status: 413,
        message: format!("request body larger than {MAX_BODY} bytes"),
    }
}

fn send_continue<W: Write>(out: &mut W, req: &Request) -> Result<(), ParseError> {
    let wants = req
        .header("expect")
        .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"));
    if wants && req.version == Version::Http11 {
        out.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        out.flush()?;
    }
    Ok(())
}

fn read_exactly<R: Read>(r: &mut R, len: u64) -> Result<Vec<u8>, ParseError> {
    let mut body = Vec::new();
    r.take(len).read_to_end(&mut body)?;
    if (body.len() as u64) < len {
        return Err(eof("in the middle of the body"));
    }
    Ok(body)
}

fn read_chunked<R: BufRead>(r: &mut R) -> Result<Vec<u8>, ParseError> {
    let mut body = Vec::new();
    loop {
        let line = read_line(r)?.ok_or_else(|| eof("before a chunk size"))?;
        let size = chunk_size(&line)?;
        if size == 0 {
            read_trailers(r)?;
            return Ok(body);
        }
        if body.len() as u64 + size > MAX_BODY as u64 {
            return Err(too_large());
        }
        body.extend(read_exactly(r, size)?);
        match read_line(r)? {
            Some(l) if l.is_empty() => {}
            Some(_) => return Err(bad("chunk data longer than its size")),
            None => return Err(eof("after chunk data")),
        }
    }
}

/// The size on a chunk-size line, ignoring chunk extensions (`;name=value`).
fn chunk_size(line: &[u8]) -> Result<u64, ParseError> {
    let size = line.split(|&b| b == b';').next().unwrap_or_default();
    let size = size.trim_ascii();
    let invalid = || {
        bad(format!(
            "invalid chunk size {:?}",
            String::from_utf8_lossy(line)
        ))
    };
    if size.is_empty() || size.len() > 15 || !size.iter().all(u8::is_ascii_hexdigit) {
        return Err(invalid());
    }
    // Only hex digits, so UTF-8; at most 15 of them, so it fits.
    let size = std::str::from_utf8(size).map_err(|_| invalid())?;
    u64::from_str_radix(size, 16).map_err(|_| invalid())
}

/// Trailer fields after the last chunk: checked by `httparse` line by line (as the head is),
/// then ignored.
fn read_trailers<R: BufRead>(r: &mut R) -> Result<(), ParseError> {
    let too_many = || ParseError::Reject {
        status: 431,
        message: "too many trailer fields".into(),
    };
    let mut buf = Vec::new();
    for _ in 0..=MAX_HEADERS {
        let line = read_raw_line(r)?.ok_or_else(|| eof("in the chunked trailer"))?;
        if std::str::from_utf8(&line).is_err() {
            return Err(bad("a chunked trailer line is not valid UTF-8"));
        }
        buf.extend_from_slice(&line);
        let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
        match httparse::parse_headers(&buf, &mut fields) {
            Ok(httparse::Status::Complete(_)) => return Ok(()),
            Ok(httparse::Status::Partial) => {}
            Err(httparse::Error::TooManyHeaders) => return Err(too_many()),
            Err(e) => return Err(bad(format!("malformed chunked trailer ({e})"))),
        }
    }
    Err(too_many())
}

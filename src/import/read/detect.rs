//! What the input is written in: the encoding (`--encoding`, a byte-order mark, else UTF-8 if it
//! is valid UTF-8, else Windows-1252; UTF-16 without a BOM and UTF-8 with stray bad bytes are
//! refused rather than guessed) and the delimiter (`--delimiter`, else detected on a sample), and
//! the `Format` that says so.

use std::fs::File;
use std::io::{self, Read};

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};

use super::{ReadError, Source};

/// What was detected (or given) about the input, said on stderr before anything else.
#[derive(Debug, Clone)]
pub struct Format {
    pub encoding: &'static Encoding,
    pub encoding_how: &'static str,
    pub bom_len: usize,
    pub delimiter: u8,
    pub delimiter_how: &'static str,
}

impl Format {
    pub fn describe(&self) -> String {
        let bom = if self.bom_len > 0 { " with a BOM" } else { "" };
        format!(
            "{}{bom} ({}), delimiter {} ({})",
            self.encoding.name(),
            self.encoding_how,
            delimiter_name(self.delimiter),
            self.delimiter_how
        )
    }
}

pub fn delimiter_name(d: u8) -> String {
    match d {
        b'\t' => "tab".to_string(),
        b',' => "','".to_string(),
        b';' => "';'".to_string(),
        b'|' => "'|'".to_string(),
        other => format!("{:?}", other as char),
    }
}

/// `--encoding` names: any WHATWG label (utf-8, utf-16le, windows-1252, latin1, iso-8859-15, ...).
pub fn encoding_for_label(label: &str) -> Option<&'static Encoding> {
    match label.trim().to_ascii_lowercase().as_str() {
        "utf16le" | "utf-16" => Some(UTF_16LE),
        "utf16be" => Some(UTF_16BE),
        "utf8" => Some(UTF_8),
        "cp1252" => Some(WINDOWS_1252),
        other => Encoding::for_label(other.as_bytes()),
    }
}

/// `--delimiter`: one ASCII character, or the words tab, comma, semicolon, pipe.
pub fn delimiter_for_arg(arg: &str) -> Option<u8> {
    match arg {
        "tab" | "\\t" | "\t" => Some(b'\t'),
        "comma" => Some(b','),
        "semicolon" => Some(b';'),
        "pipe" => Some(b'|'),
        s if s.len() == 1 && s.is_ascii() && s != "\"" && s != "\n" && s != "\r" => {
            Some(s.as_bytes()[0])
        }
        _ => None,
    }
}

/// The encoding to read with, how it was chosen, and the length of the BOM to strip (only when
/// it belongs to that encoding). `head` is the input's first bytes.
pub(super) fn choose_encoding(
    source: &Source,
    head: &[u8],
    forced: Option<&'static Encoding>,
) -> Result<(&'static Encoding, &'static str, usize), ReadError> {
    let name = source.name();
    let io_err = |e: io::Error| ReadError(format!("cannot read {name}: {e}"));
    let (bom_encoding, bom_len) = match Encoding::for_bom(head) {
        Some((enc, len)) => (Some(enc), len),
        None => (None, 0),
    };
    let (encoding, how) = if let Some(enc) = forced {
        (enc, "--encoding")
    } else if let Some(enc) = bom_encoding {
        (enc, "byte-order mark")
    } else {
        if looks_like_utf16(head) {
            return Err(ReadError(format!(
                "{name} looks like UTF-16 without a byte-order mark (many NUL bytes); pass \
                 --encoding utf-16le or --encoding utf-16be"
            )));
        }
        let scan = match source {
            Source::File(p) => scan_utf8(File::open(p).map_err(io_err)?, true).map_err(io_err)?,
            Source::Stdin | Source::Stream(_) | Source::Query(_) => {
                scan_utf8(head, false).map_err(io_err)?
            }
        };
        match scan {
            Utf8Scan::Valid => (UTF_8, "detected"),
            // Valid multi-byte UTF-8 (`é` as C3 A9) next to invalid bytes: a UTF-8 file with a
            // few bad bytes pasted in. Windows-1252 text almost never forms valid UTF-8
            // sequences, and reading this one as Windows-1252 would garble every accent.
            Utf8Scan::Invalid {
                line,
                multibyte: true,
            } => {
                return Err(ReadError(format!(
                    "{name} is UTF-8 except for bytes on line {line} that are not valid UTF-8; \
                     read as Windows-1252 its accented letters would be garbled (é as Ã©), so \
                     it is not guessed: fix that line or re-save the file as UTF-8, or pass \
                     --encoding utf-8 (rows with bad bytes are then reported, and left out with \
                     --skip-invalid) or --encoding windows-1252"
                )))
            }
            Utf8Scan::Invalid { .. } => (WINDOWS_1252, "detected: not valid UTF-8"),
        }
    };
    // Strip a BOM only when it belongs to the encoding read with.
    let skip = if bom_encoding == Some(encoding) {
        bom_len
    } else {
        0
    };
    Ok((encoding, how, skip))
}

/// Many NUL bytes in text means UTF-16 (or binary) read as 8-bit.
fn looks_like_utf16(head: &[u8]) -> bool {
    let sample = &head[..head.len().min(4096)];
    sample.len() >= 4 && sample.iter().filter(|&&b| b == 0).count() * 4 >= sample.len()
}

/// What a pass over the bytes found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Utf8Scan {
    Valid,
    /// The first invalid byte is on `line`; `multibyte`: valid multi-byte UTF-8 appears too.
    Invalid {
        line: u64,
        multibyte: bool,
    },
}

/// Checks that the bytes are UTF-8 (a fast streaming pass). `complete`: the input ends here (a
/// file); otherwise (stdin's first 64 KiB) a sequence cut by the end is not an error.
fn scan_utf8(mut input: impl Read, complete: bool) -> io::Result<Utf8Scan> {
    let mut buf = vec![0u8; 256 * 1024];
    let mut carry = 0usize;
    let mut lines = 1u64;
    let mut first_bad: Option<u64> = None;
    let mut multibyte = false;
    loop {
        let n = input.read(&mut buf[carry..])?;
        let filled = carry + n;
        let mut at = 0;
        carry = 0;
        while at < filled {
            match std::str::from_utf8(&buf[at..filled]) {
                Ok(text) => {
                    multibyte |= !text.is_ascii();
                    lines += bytecount_lf(text.as_bytes());
                    at = filled;
                }
                Err(e) => {
                    let valid = &buf[at..at + e.valid_up_to()];
                    multibyte |= !valid.is_ascii();
                    lines += bytecount_lf(valid);
                    at += e.valid_up_to();
                    match e.error_len() {
                        Some(bad) => {
                            first_bad.get_or_insert(lines);
                            at += bad;
                        }
                        // An incomplete sequence at the end: keep it for the next read.
                        None if n > 0 => {
                            buf.copy_within(at..filled, 0);
                            carry = filled - at;
                            at = filled;
                        }
                        None => {
                            if complete {
                                first_bad.get_or_insert(lines);
                            }
                            at = filled;
                        }
                    }
                }
            }
        }
        // Both known: the answer cannot change.
        if n == 0 || (first_bad.is_some() && multibyte) {
            break;
        }
    }
    Ok(match first_bad {
        None => Utf8Scan::Valid,
        Some(line) => Utf8Scan::Invalid { line, multibyte },
    })
}

fn bytecount_lf(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// The candidate among `,` `;` tab `|` that splits the sample into the most columns with every
/// record agreeing; `,` when none splits anything.
pub fn detect_delimiter(sample: &[u8]) -> u8 {
    // Cut at the last newline so a record split by the sample's end does not count.
    let cut = sample
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(sample.len(), |i| i + 1);
    let sample = &sample[..cut];
    let mut best = (b',', 0usize, 0usize);
    for d in [b',', b';', b'\t', b'|'] {
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(d)
            .has_headers(false)
            .flexible(true)
            .from_reader(sample);
        let mut counts = Vec::new();
        for rec in rdr.byte_records().take(50) {
            match rec {
                Ok(r) => counts.push(r.len()),
                Err(_) => break,
            }
        }
        let Some(&header) = counts.first() else {
            continue;
        };
        let agreeing = counts.iter().filter(|&&c| c == header).count();
        // Prefer more columns; among equals, more agreeing records; ties keep the earlier one.
        if header > 1 && (header, agreeing) > (best.1, best.2) && agreeing * 10 >= counts.len() * 8
        {
            best = (d, header, agreeing);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{read_all, rows_of};
    use super::super::{open, Source};
    use super::*;

    #[test]
    fn utf8_with_a_stray_latin1_byte_is_refused_not_garbled() {
        let err = read_all(
            "Email,Name\na@x.example,José\nb@x.example,M"
                .as_bytes()
                .iter()
                .copied()
                .chain(*b"\xfcller\n")
                .collect::<Vec<u8>>()
                .as_slice(),
        )
        .unwrap_err();
        assert!(err.contains("is UTF-8 except for bytes on line 3"), "{err}");
        // Pure Windows-1252 (no valid multi-byte UTF-8) is still detected as such.
        let ok = read_all(b"Email,Name\na@x.example,Jos\xe9\n").unwrap();
        assert_eq!(ok[1][1], "José");
        assert_eq!(scan_utf8(&b"ab\xc3"[..], false).unwrap(), Utf8Scan::Valid);
        assert_eq!(
            scan_utf8(&b"ab\xc3"[..], true).unwrap(),
            Utf8Scan::Invalid {
                line: 1,
                multibyte: false
            }
        );
    }

    #[test]
    fn utf8_with_bom_and_semicolons() {
        let (f, rows) = rows_of(
            "\u{feff}Email;Vorname\r\njose@example.com;José\r\n".as_bytes(),
            None,
        );
        assert_eq!(f.encoding, UTF_8);
        assert_eq!(f.bom_len, 3);
        assert_eq!(f.delimiter, b';');
        assert_eq!(rows[0].fields, ["Email", "Vorname"]);
        assert_eq!(rows[1].fields, ["jose@example.com", "José"]);
        assert_eq!((rows[1].number, rows[1].line), (1, 2));
    }

    #[test]
    fn windows_1252_is_detected_when_not_utf8() {
        let (f, rows) = rows_of(b"Email;Name\nj@example.com;Jos\xe9 M\xfcller\n", None);
        assert_eq!(f.encoding, WINDOWS_1252);
        assert_eq!(rows[1].fields[1], "José Müller");
        assert!(rows[1].undecodable.is_empty());
    }

    #[test]
    fn utf16_with_bom() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "Email\tName\nj@example.com\tJosé\n".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        let (f, rows) = rows_of(&bytes, None);
        assert_eq!(f.encoding, UTF_16LE);
        assert_eq!(f.delimiter, b'\t');
        assert_eq!(rows[1].fields, ["j@example.com", "José"]);
    }

    #[test]
    fn utf16_without_bom_is_refused() {
        let mut bytes = Vec::new();
        for u in "Email,Name\na@b.example,X\n".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("u16.csv");
        std::fs::write(&path, bytes).unwrap();
        let err = open(&Source::File(path.clone()), None, None).err().unwrap();
        assert!(
            err.0
                .contains("looks like UTF-16 without a byte-order mark"),
            "{}",
            err.0
        );
        assert!(open(&Source::File(path), Some(UTF_16LE), None).is_ok());
    }

    #[test]
    fn delimiters() {
        assert_eq!(detect_delimiter(b"a,b,c\n1,2,3\n"), b',');
        assert_eq!(detect_delimiter(b"a;b;c\n1,5;2;3\n"), b';');
        assert_eq!(detect_delimiter(b"a\tb\n1\t2\n"), b'\t');
        assert_eq!(detect_delimiter(b"a|b|c\n1|2|3\n"), b'|');
        assert_eq!(detect_delimiter(b"email\nx@y.example\n"), b',');
        assert_eq!(delimiter_for_arg("tab"), Some(b'\t'));
        assert_eq!(delimiter_for_arg(";"), Some(b';'));
        assert_eq!(delimiter_for_arg("ab"), None);
        assert_eq!(encoding_for_label("latin1"), Some(WINDOWS_1252));
        assert_eq!(encoding_for_label("UTF-16LE"), Some(UTF_16LE));
        assert_eq!(encoding_for_label("klingon"), None);
    }

    #[test]
    fn utf8_split_across_buffer_boundaries_is_still_utf8() {
        let mut bytes = b"Email,Name\n".to_vec();
        while bytes.len() < 600 * 1024 {
            bytes.extend_from_slice("a@b.example,Zoë\n".as_bytes());
        }
        let (f, _) = rows_of(&bytes, None);
        assert_eq!(f.encoding, UTF_8);
    }
}

//! A zip-based workbook (.xlsx, .xlsm, .xlsb, .ods) checked before calamine reads it, so a bomb
//! is refused in bounded memory (exit 6, naming the limit) instead of exhausting memory: a few
//! megabytes of zip can inflate to gigabytes, and calamine holds some parts whole (shared
//! strings, an .ods sheet) and buffers the text between two XML tags whole.
//!
//! Every entry calamine may read is inflated once here, in 64 KiB pieces, never kept: its
//! inflated size, the longest run of text between two tags of an XML part, and the shared
//! strings' count are checked against the limits below (doc/import.md, "Workbook limits").

use std::io::{Read, Seek};

use super::Bytes;
use crate::import::read::sniff::WorkbookKind;
use crate::import::read::MAX_FIELD;

/// The most any one part of a workbook may inflate to (the input limit, applied inflated).
pub const MAX_PART: u64 = 512 * 1024 * 1024;
/// The most all parts together may inflate to.
pub const MAX_TOTAL: u64 = 1024 * 1024 * 1024;
/// The most an .xlsx's shared strings part may inflate to: calamine holds it whole.
pub const MAX_SHARED_STRINGS_PART: u64 = 48 * 1024 * 1024;
/// The most shared strings an .xlsx may hold.
pub const MAX_SHARED_STRINGS: u64 = 1_000_000;
/// The most an .ods's content may inflate to: calamine reads an .ods sheet whole.
pub const MAX_ODS_CONTENT: u64 = 16 * 1024 * 1024;
/// The longest text between two tags of an XML part (whitespace included): a cell's value
/// limit, with room for its markup-free neighbours.
pub const MAX_TEXT_RUN: u64 = 2 * MAX_FIELD as u64;

fn mib(n: u64) -> String {
    format!("{} MiB", n / (1024 * 1024))
}

/// Checks the workbook; the error names the part and the limit, and says what to do.
pub fn check(bytes: &Bytes, kind: WorkbookKind, name: &str) -> Result<(), String> {
    if matches!(kind, WorkbookKind::Xls) {
        return Ok(());
    }
    match bytes {
        Bytes::File(p) => {
            let f = std::fs::File::open(p).map_err(|e| format!("cannot read {name}: {e}"))?;
            check_zip(std::io::BufReader::new(f), kind, name)
        }
        Bytes::Memory(m) => check_zip(std::io::Cursor::new(m.as_slice()), kind, name),
    }
}

fn check_zip<R: Read + Seek>(reader: R, kind: WorkbookKind, name: &str) -> Result<(), String> {
    // Not a readable zip: calamine says why, in the usual words.
    let Ok(mut zip) = zip::ZipArchive::new(reader) else {
        return Ok(());
    };
    let refuse = |what: String| {
        format!(
            "{name} is refused: {what}; a real workbook stays far below this (a zip bomb does \
             not): open it in Excel or LibreOffice and save it as CSV, or check where it came from"
        )
    };
    let mut total = 0u64;
    for i in 0..zip.len() {
        let Ok(mut entry) = zip.by_index(i) else {
            continue;
        };
        if entry.is_dir() {
            continue;
        }
        let part = entry
            .name()
            .map(|n| n.into_owned())
            .unwrap_or_else(|_| format!("#{i}"));
        let lower = part.to_ascii_lowercase();
        let shared = lower.ends_with("sharedstrings.xml");
        let ods_content = matches!(kind, WorkbookKind::Ods) && lower == "content.xml";
        let (cap, limit_name) = if ods_content {
            (
                MAX_ODS_CONTENT,
                "the .ods content limit (an .ods sheet is read whole)",
            )
        } else if shared {
            (MAX_SHARED_STRINGS_PART, "the shared strings limit")
        } else {
            (MAX_PART, "the per-part limit")
        };
        // The size its zip entry declares first (a bomb may say so), then what it inflates to.
        let over = || {
            refuse(format!(
                "its part {part} inflates to more than {}, {limit_name}",
                mib(cap)
            ))
        };
        if entry.size() > cap {
            return Err(over());
        }
        let xml = lower.ends_with(".xml") || lower.ends_with(".rels");
        let mut scan = Scan::default();
        let mut buf = vec![0u8; 64 * 1024];
        let mut inflated = 0u64;
        loop {
            let n = match entry.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                // A damaged part: calamine reports it (or never reads it).
                Err(_) => break,
            };
            inflated += n as u64;
            total += n as u64;
            if inflated > cap {
                return Err(over());
            }
            if total > MAX_TOTAL {
                return Err(refuse(format!(
                    "its parts inflate to more than {} together",
                    mib(MAX_TOTAL)
                )));
            }
            if xml {
                scan.feed(&buf[..n]);
                if scan.longest > MAX_TEXT_RUN {
                    return Err(refuse(format!(
                        "its part {part} holds more than {} of text or whitespace between two \
                         tags, over the limit of {}",
                        mib(MAX_TEXT_RUN),
                        mib(MAX_TEXT_RUN)
                    )));
                }
                if shared && scan.items > MAX_SHARED_STRINGS {
                    return Err(refuse(format!(
                        "its part {part} holds more than {MAX_SHARED_STRINGS} shared strings"
                    )));
                }
            }
        }
    }
    Ok(())
}

/// The longest run of bytes outside tags, and how many `<si` (shared string items) began.
#[derive(Default)]
struct Scan {
    run: u64,
    longest: u64,
    items: u64,
    in_tag: bool,
    /// The tag's name so far (its first 3 bytes), until it ends.
    name: [u8; 3],
    name_len: usize,
    name_done: bool,
}

impl Scan {
    fn feed(&mut self, piece: &[u8]) {
        for &b in piece {
            if b == b'<' {
                self.in_tag = true;
                self.run = 0;
                self.name_len = 0;
                self.name_done = false;
                continue;
            }
            if !self.in_tag {
                self.run += 1;
                self.longest = self.longest.max(self.run);
                continue;
            }
            if !self.name_done {
                if matches!(b, b'>' | b'/' | b' ' | b'\t' | b'\n' | b'\r') && self.name_len > 0 {
                    self.name_done = true;
                    if self.name_len == 2 && &self.name[..2] == b"si" {
                        self.items += 1;
                    }
                } else if self.name_len < 3 {
                    self.name[self.name_len] = b;
                    self.name_len += 1;
                } else {
                    // A longer name: not `si`.
                    self.name_done = true;
                }
            }
            if b == b'>' {
                self.in_tag = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_between_tags_and_shared_strings_are_counted_across_pieces() {
        let mut s = Scan::default();
        s.feed(b"<sst><si><t>ab");
        s.feed(b"cd</t></si><s");
        s.feed(b"i><t>x</t></si><sic/><si\n/>   \n  ");
        assert_eq!(s.longest, 6);
        assert_eq!(s.items, 3);
    }
}

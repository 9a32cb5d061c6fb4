//! What an input is, from its first bytes: text (a CSV, JSON), a workbook (a zip holding `xl/`
//! or an OpenDocument spreadsheet, an OLE2 compound file), or some other binary file (a PDF, an
//! archive, an image, a program) that is refused with a message saying what it is and what to do,
//! never with an encoding hint. `import` reads workbooks (`workbook`); `create --json` refuses
//! them too, naming `import`.

use std::io::{Read, Seek};

/// The signature of an OLE2 compound file (.xls, an encrypted .xlsx, .doc, .msg, ...).
const OLE: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// What the first bytes say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sniffed {
    /// Text, or bytes no signature matched: the CSV (or JSON) reader decides.
    Text,
    /// A zip archive: a workbook (.xlsx, .xlsm, .xlsb, .ods) or something else, told by its
    /// entries (`classify_zip`).
    Zip,
    /// An OLE2 compound file: an .xls workbook, a password-protected .xlsx, or another old
    /// Office document.
    Ole,
    /// Another binary format, refused.
    Binary(Refusal),
}

/// A binary input that is not read: what it is and what to do instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// "a PDF document", "a gzip-compressed file", ...
    pub what: &'static str,
    pub hint: &'static str,
}

/// The kinds of workbook `import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkbookKind {
    Xlsx,
    Xlsm,
    Xlsb,
    Xls,
    Ods,
}

impl WorkbookKind {
    /// "an Excel workbook (.xlsx)".
    pub fn describe(self) -> &'static str {
        match self {
            WorkbookKind::Xlsx => "an Excel workbook (.xlsx)",
            WorkbookKind::Xlsm => "an Excel macro-enabled workbook (.xlsm)",
            WorkbookKind::Xlsb => "an Excel binary workbook (.xlsb)",
            WorkbookKind::Xls => "an Excel 97-2003 workbook (.xls)",
            WorkbookKind::Ods => "an OpenDocument spreadsheet (.ods)",
        }
    }
}

const EXPORT_CSV: &str =
    "leadctl reads CSV files and workbooks (.xlsx, .xlsm, .xlsb, .xls, .ods): export the leads \
     from the program that made this file as one of those";

/// Looks at the first bytes (a few KiB are enough).
pub fn sniff(head: &[u8]) -> Sniffed {
    let refuse = |what, hint| Sniffed::Binary(Refusal { what, hint });
    let starts = |sig: &[u8]| head.starts_with(sig);
    if starts(b"PK\x03\x04") || starts(b"PK\x05\x06") || starts(b"PK\x07\x08") {
        return Sniffed::Zip;
    }
    if starts(OLE) {
        return Sniffed::Ole;
    }
    if starts(b"%PDF-") {
        return refuse(
            "a PDF document",
            "a PDF's tables cannot be read reliably; export the leads as CSV or as a workbook \
             from the program the PDF was made with",
        );
    }
    if starts(b"\x1F\x8B") {
        return refuse(
            "a gzip-compressed file",
            "decompress it first: `gunzip -k FILE`, or `gunzip -c FILE | leadctl import -`",
        );
    }
    let compressed: &[(&[u8], &'static str)] = &[
        (b"BZh", "a bzip2-compressed file"),
        (b"\xFD7zXZ\x00", "an xz-compressed file"),
        (b"\x28\xB5\x2F\xFD", "a zstd-compressed file"),
        (b"7z\xBC\xAF\x27\x1C", "a 7-Zip archive"),
        (b"Rar!\x1A\x07", "a RAR archive"),
    ];
    for (sig, what) in compressed {
        // "BZh" alone could start a CSV line: bzip2 goes on with a block size digit and a magic.
        if starts(sig) && (*sig != b"BZh" || head.get(4..10) == Some(b"\x31\x41\x59\x26\x53\x59")) {
            return refuse(
                what,
                "unpack it first and import the CSV or workbook inside",
            );
        }
    }
    let images: &[(&[u8], &'static str)] = &[
        (b"\x89PNG\r\n\x1A\n", "a PNG image"),
        (b"\xFF\xD8\xFF", "a JPEG image"),
        (b"GIF87a", "a GIF image"),
        (b"GIF89a", "a GIF image"),
        (b"II*\x00", "a TIFF image"),
        (b"MM\x00*", "a TIFF image"),
    ];
    for (sig, what) in images {
        if starts(sig) {
            return refuse(
                what,
                "a picture of a table cannot be imported; export the leads as CSV or as a workbook",
            );
        }
    }
    if starts(b"RIFF") && head.get(8..12) == Some(b"WEBP") {
        return refuse(
            "a WebP image",
            "a picture of a table cannot be imported; export the leads as CSV or as a workbook",
        );
    }
    if starts(b"SQLite format 3\x00") {
        return refuse(
            "an SQLite database (a leadctl ledger?)",
            "leadctl import reads CSV files and workbooks; `leadctl ledger export` writes a \
             ledger's entries as CSV",
        );
    }
    let programs: &[&[u8]] = &[
        b"\x7FELF",
        b"\xFE\xED\xFA\xCE",
        b"\xFE\xED\xFA\xCF",
        b"\xCE\xFA\xED\xFE",
        b"\xCF\xFA\xED\xFE",
        b"\xCA\xFE\xBA\xBE",
        b"\x00asm",
    ];
    let has_nul = head.iter().take(4096).any(|&b| b == 0);
    if programs.iter().any(|sig| starts(sig)) || (starts(b"MZ") && has_nul) {
        return refuse(
            "a program (an executable or library)",
            "check the path: leadctl import reads CSV files and workbooks",
        );
    }
    if is_binary(head) {
        return refuse("binary data, not text", EXPORT_CSV);
    }
    Sniffed::Text
}

/// NUL bytes that are not the pattern of UTF-16 text (one in two bytes, on the same side):
/// text in any 8-bit encoding has none, so this is not a CSV in any encoding.
fn is_binary(head: &[u8]) -> bool {
    let sample = &head[..head.len().min(4096)];
    let nuls = sample.iter().filter(|&&b| b == 0).count();
    if nuls == 0 {
        return false;
    }
    // UTF-16 (with or without a BOM) of mostly ASCII text: NULs at even or at odd offsets.
    let even = sample.iter().step_by(2).filter(|&&b| b == 0).count();
    let odd = nuls - even;
    let pairs = sample.len() / 2;
    let utf16 = pairs > 0 && (even.max(odd) * 10 >= pairs * 3) && even.min(odd) * 20 <= nuls;
    if utf16 || sample.starts_with(b"\xFF\xFE") || sample.starts_with(b"\xFE\xFF") {
        return false;
    }
    // A stray NUL in a text file (the CSV reader reports it in its cell); many are binary.
    nuls >= 8 || (nuls >= 2 && nuls * 10 >= sample.len())
}

/// What a zip archive holds, by its entries: a workbook, or a refusal saying what it is.
pub fn classify_zip<R: Read + Seek>(reader: R) -> Result<WorkbookKind, Refusal> {
    let mut zip = zip::ZipArchive::new(reader).map_err(|_| Refusal {
        what: "a damaged or incomplete zip archive",
        hint: "if it is a workbook, open it in Excel or LibreOffice and save it again; if it was \
               downloaded, download it again",
    })?;
    let names: Vec<String> = zip
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .collect();
    let has = |name: &str| names.iter().any(|n| n == name);
    let any_under = |dir: &str| names.iter().any(|n| n.starts_with(dir));
    if has("xl/workbook.bin") {
        return Ok(WorkbookKind::Xlsb);
    }
    if any_under("xl/") {
        let macros = has("xl/vbaProject.bin");
        return Ok(if macros {
            WorkbookKind::Xlsm
        } else {
            WorkbookKind::Xlsx
        });
    }
    let mimetype = zip
        .by_name("mimetype")
        .ok()
        .and_then(|f| {
            let mut text = String::new();
            f.take(200).read_to_string(&mut text).ok().map(|_| text)
        })
        .unwrap_or_default();
    let mimetype = mimetype.trim();
    if mimetype == "application/vnd.oasis.opendocument.spreadsheet"
        || mimetype == "application/vnd.oasis.opendocument.spreadsheet-template"
    {
        return Ok(WorkbookKind::Ods);
    }
    let office = |what| Refusal {
        what,
        hint: "leadctl imports tables from CSV files and workbooks; copy the table into a \
               spreadsheet and save it as .xlsx or CSV",
    };
    if any_under("word/") || mimetype.starts_with("application/vnd.oasis.opendocument.text") {
        return Err(office("a text document (.docx or .odt)"));
    }
    if any_under("ppt/") || mimetype.starts_with("application/vnd.oasis.opendocument.presentation")
    {
        return Err(office("a presentation (.pptx or .odp)"));
    }
    let inside = names.iter().any(|n| {
        let lower = n.to_ascii_lowercase();
        lower.ends_with(".csv") || lower.ends_with(".xlsx") || lower.ends_with(".ods")
    });
    Err(Refusal {
        what: "a zip archive",
        hint: if !inside {
            "unzip it and import the CSV file or workbook inside"
        } else {
            "unzip it (`unzip FILE`) and import the CSV file or workbook inside, one at a time"
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures() {
        assert_eq!(sniff(b"Email,Name\na@b.example,Ann\n"), Sniffed::Text);
        assert_eq!(sniff(b""), Sniffed::Text);
        assert_eq!(sniff(b"PK\x03\x04\x14\x00"), Sniffed::Zip);
        assert_eq!(sniff(OLE), Sniffed::Ole);
        for (bytes, what) in [
            (&b"%PDF-1.7\n"[..], "a PDF document"),
            (b"\x1F\x8B\x08\x00", "a gzip-compressed file"),
            (b"\x89PNG\r\n\x1A\n....", "a PNG image"),
            (b"\x7FELF\x02\x01", "a program (an executable or library)"),
            (
                b"SQLite format 3\x00",
                "an SQLite database (a leadctl ledger?)",
            ),
        ] {
            match sniff(bytes) {
                Sniffed::Binary(r) => assert_eq!(r.what, what),
                other => panic!("{what}: {other:?}"),
            }
        }
        // Text that merely starts like a signature stays text.
        assert_eq!(sniff(b"BZh,MZ\nx,y\n"), Sniffed::Text);
        assert_eq!(sniff(b"MZ Motors,Email\n"), Sniffed::Text);
    }

    #[test]
    fn nul_bytes_binary_or_utf16() {
        let mut utf16 = Vec::new();
        for u in "Email,Name\na@b.example,X\n".encode_utf16() {
            utf16.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(sniff(&utf16), Sniffed::Text);
        // One stray NUL in a CSV: text (the reader names its cell).
        assert_eq!(sniff(b"Email,Name\na@b.example,A\x00nn\n"), Sniffed::Text);
        let noise: Vec<u8> = (0..2048u32).map(|i| (i * 7 % 251) as u8).collect();
        assert!(matches!(sniff(&noise), Sniffed::Binary(_)));
    }

    #[test]
    fn zips_by_their_entries() {
        use std::io::{Cursor, Write};
        let zip_of = |entries: &[(&str, &str)]| {
            let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
            for (name, body) in entries {
                w.start_file(*name, zip::write::SimpleFileOptions::default())
                    .unwrap();
                w.write_all(body.as_bytes()).unwrap();
            }
            w.finish().unwrap()
        };
        let kind = |entries: &[(&str, &str)]| classify_zip(zip_of(entries));
        assert_eq!(
            kind(&[("[Content_Types].xml", ""), ("xl/workbook.xml", "")]),
            Ok(WorkbookKind::Xlsx)
        );
        assert_eq!(
            kind(&[("xl/workbook.xml", ""), ("xl/vbaProject.bin", "")]),
            Ok(WorkbookKind::Xlsm)
        );
        assert_eq!(kind(&[("xl/workbook.bin", "")]), Ok(WorkbookKind::Xlsb));
        assert_eq!(
            kind(&[("mimetype", "application/vnd.oasis.opendocument.spreadsheet")]),
            Ok(WorkbookKind::Ods)
        );
        assert_eq!(
            kind(&[("word/document.xml", "")]).unwrap_err().what,
            "a text document (.docx or .odt)"
        );
        assert_eq!(
            kind(&[("leads.csv", "a")]).unwrap_err().what,
            "a zip archive"
        );
        assert_eq!(
            classify_zip(Cursor::new(b"PK\x03\x04garbage".to_vec()))
                .unwrap_err()
                .what,
            "a damaged or incomplete zip archive"
        );
    }
}

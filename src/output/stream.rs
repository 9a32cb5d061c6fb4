//! Items written as they come, in the one format chosen with `-o`: one JSON line each (ndjson), a
//! JSON array opened before the first and closed at the end (json), CSV rows under one header
//! (csv), or each item's id (id). The one streaming writer of every command that streams rows:
//! `import` and `purchases import` results, a dry run's request bodies, `ledger list`. A table
//! (and xlsx) is not a stream: the caller collects what [`ItemStream::item`] did not write.

use std::io;

use serde::Serialize;

use super::{Output, OutputFormat};

pub struct ItemStream {
    count: u64,
    /// The CSV header, written before the first row (or alone at the end when there was none).
    header: &'static [&'static str],
    csv_started: bool,
}

impl ItemStream {
    pub fn new(csv_header: &'static [&'static str]) -> ItemStream {
        ItemStream {
            count: 0,
            header: csv_header,
            csv_started: false,
        }
    }

    /// Writes one item: `value` as JSON, `cells` as a CSV row, `id` as a line (nothing without
    /// one). False when the format is not a stream (table, xlsx): nothing was written.
    pub fn item<T: Serialize + ?Sized>(
        &mut self,
        out: &mut Output,
        value: &T,
        cells: impl FnOnce() -> Vec<String>,
        id: Option<&str>,
    ) -> io::Result<bool> {
        match out.format {
            OutputFormat::Ndjson => out.ndjson_item(value)?,
            OutputFormat::Json => out.array_item(value, self.count == 0)?,
            OutputFormat::Csv => {
                self.start_csv(out)?;
                let cells = cells();
                out.csv_line(&cells.iter().map(String::as_str).collect::<Vec<_>>())?;
            }
            OutputFormat::Id => {
                if let Some(id) = id {
                    out.lines(&[id.to_string()])?;
                }
            }
            OutputFormat::Table | OutputFormat::Xlsx => return Ok(false),
        }
        self.count += 1;
        Ok(true)
    }

    /// How many items were written.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Closes the stream: a JSON array's end (`[]` when empty), a CSV header alone when no row
    /// came; flushes.
    pub fn finish(&mut self, out: &mut Output) -> io::Result<()> {
        match out.format {
            OutputFormat::Json => out.array_end(self.count == 0)?,
            OutputFormat::Csv => self.start_csv(out)?,
            _ => {}
        }
        out.flush()
    }

    fn start_csv(&mut self, out: &mut Output) -> io::Result<()> {
        if !self.csv_started && !self.header.is_empty() {
            self.csv_started = true;
            out.csv_line(self.header)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    use crate::output::Captured as Buf;

    /// Streams `n` items in `format`: what stdout gets, and whether each was written.
    fn streamed(format: OutputFormat, n: usize) -> (String, Vec<bool>) {
        let buf = Buf::default();
        let mut out = Output::new(format, Box::new(buf.clone()));
        let mut s = ItemStream::new(&["row", "id"]);
        let mut written = Vec::new();
        for i in 1..=n {
            let id = (i % 2 == 1).then(|| format!("L{i}"));
            let value = json!({"row": i, "id": id});
            let cells = || vec![i.to_string(), id.clone().unwrap_or_default()];
            written.push(
                s.item(&mut out, &value, cells, id.as_deref())
                    .expect("write"),
            );
        }
        s.finish(&mut out).expect("finish");
        (buf.text(), written)
    }

    #[test]
    fn each_format_streams_whole() {
        let (text, _) = streamed(OutputFormat::Ndjson, 2);
        assert_eq!(text, "{\"row\":1,\"id\":\"L1\"}\n{\"row\":2,\"id\":null}\n");
        let (text, _) = streamed(OutputFormat::Json, 2);
        assert_eq!(
            text,
            "[\n  {\"row\":1,\"id\":\"L1\"},\n  {\"row\":2,\"id\":null}\n]\n"
        );
        assert_eq!(streamed(OutputFormat::Json, 0).0, "[]\n");
        assert_eq!(streamed(OutputFormat::Csv, 2).0, "row,id\n1,L1\n2,\n");
        assert_eq!(streamed(OutputFormat::Csv, 0).0, "row,id\n");
        assert_eq!(streamed(OutputFormat::Id, 3).0, "L1\nL3\n");
        assert_eq!(
            streamed(OutputFormat::Table, 2),
            (String::new(), vec![false, false]),
            "a table is the caller's to collect"
        );
    }
}

//! `--query SQL | --query-file FILE --from URL [--since TIME]`: rows from a database instead of a
//! file, for `import` and `purchases import`.

use std::path::PathBuf;

use clap::Args;

#[derive(Debug, Clone, Args)]
pub struct QueryArgs {
    /// Read the rows from a database instead of a file: the result of this read-only query (its
    /// column names are the header); `{{last_success}}` in it is bound to the start of this
    /// query's last successful run. Needs --from
    #[arg(
        long,
        value_name = "SQL",
        requires = "from",
        conflicts_with = "query_file",
        help_heading = "From a database"
    )]
    pub query: Option<String>,

    /// As --query, the SQL read from FILE
    #[arg(
        long,
        value_name = "FILE",
        requires = "from",
        help_heading = "From a database"
    )]
    pub query_file: Option<PathBuf>,

    /// The database the query runs on: postgres://USER@HOST:PORT/DB?sslmode=... (password from
    /// LEADCTL_SOURCE_PASSWORD_FILE, PGPASSWORD or the URL), postgresql://..., sqlite:PATH, or a
    /// .sqlite/.sqlite3/.db file, opened read-only
    #[arg(long, value_name = "URL", help_heading = "From a database")]
    pub from: Option<String>,

    /// What {{last_success}} is bound to when this query has no successful run yet: an RFC 3339
    /// time (2026-11-01T00:00:00Z) or a date (2026-11-01, midnight UTC) [default: the Unix epoch]
    #[arg(long, value_name = "TIME", value_parser = parse_since, help_heading = "From a database")]
    pub since: Option<i64>,
}

impl QueryArgs {
    pub fn given(&self) -> bool {
        self.query.is_some() || self.query_file.is_some()
    }
}

/// `--since`: an RFC 3339 time, or a date meaning its midnight in UTC; Unix seconds.
pub fn parse_since(s: &str) -> Result<i64, String> {
    let t = s.trim();
    let full = if t.len() == 10 {
        format!("{t}T00:00:00Z")
    } else {
        t.to_string()
    };
    crate::time::parse_rfc3339(&full).ok_or_else(|| {
        format!("expected an RFC 3339 time such as 2026-11-01T09:30:00Z or a date such as 2026-11-01, got {s:?}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_a_time_or_a_date() {
        assert_eq!(parse_since("1970-01-02"), Ok(86_400));
        assert_eq!(parse_since("1970-01-01T00:01:00Z"), Ok(60));
        assert!(parse_since("yesterday").unwrap_err().contains("RFC 3339"));
    }
}

//! `leadctl purchases ...`'s arguments.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::SendingArgs;
use crate::cli::parse::{parse_amount, parse_delimiter, parse_encoding, parse_key_value};

#[derive(Debug, Clone, Subcommand)]
pub enum PurchasesCommand {
    /// Record a purchase on a lead (fires the channel's purchase reward triggers)
    #[command(after_help = "\
Without --trigger, every active purchase reward trigger of the channel fires; with --trigger,
only those. Percentage rewards use --amount, in the channel's currency.

Examples:
  leadctl purchases create --lead 9b2f6c1e-3d4a-4b5c-8d7e-1f2a3b4c5d6e --amount 1250.50 --product 'Pro plan'
  leadctl purchases create --lead LEAD_ID --amount 99 --date 2026-11-01T09:30:00Z --trigger TRIGGER_ID
  leadctl purchases create --lead LEAD_ID --amount 99 --date 01.11.2026 --timezone Europe/Berlin")]
    Create(PurchaseArgs),

    /// Record the purchases of a CSV file, each exactly once (a billing export)
    #[command(after_help = "\
Columns: the lead (lead_id, legacy_id, or business_id / email of a lead in the ledger), amount,
product, description, date (2024-06-01, 2024-06-01 10:00, 15.01.2024, 06/13/2024, RFC 3339;
--timezone, --date-order), trigger_ids, the purchase's own id (purchase_id:
Transaction ID, Line Item ID, ...) and its invoice (invoice: Invoice Number, Order ID, ...). Each
row is one purchase, a line: its key in the ledger is its purchase id, else its invoice plus its
position among that invoice's rows, else its values plus their occurrence. Importing the same export
again records nothing twice; a line added to an invoice later records that line only. Checked whole
before anything is sent.

Examples:
  leadctl purchases import billing.csv --dry-run -o ndjson
  leadctl purchases import billing.csv --decimal-separator ,
  leadctl purchases import stripe-invoice-lines.csv --mapping stripe.toml
  leadctl purchases import refunds.csv --allow-refunds")]
    Import(Box<PurchaseImportArgs>),
}

#[derive(Debug, Clone, Args)]
pub struct PurchaseImportArgs {
    /// The CSV file or workbook (.xlsx, .xlsm, .xlsb, .xls, .ods; `-` = stdin); a header row is
    /// required. Not with --query
    #[arg(
        value_name = "FILE",
        required_unless_present_any = ["query", "query_file"],
        conflicts_with_all = ["query", "query_file"]
    )]
    pub file: Option<PathBuf>,

    #[command(flatten)]
    pub source: super::QueryArgs,

    /// The workbook's sheet: its name or its position (1 = the first) [default: the only sheet
    /// with data]
    #[arg(long, value_name = "NAME|N")]
    pub sheet: Option<String>,

    /// The row holding the column names, when a title block sits above it (1 = the first row)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub header_row: Option<u64>,

    /// Resolve business ids and emails only among the leads of this channel in the ledger
    #[arg(long, value_name = "UUID")]
    pub channel: Option<String>,

    /// Map a column to a field: lead_id, legacy_id, business_id, email, amount, product,
    /// description, date, trigger_ids, purchase_id, invoice, ignore (repeatable)
    #[arg(long, value_name = "COLUMN=FIELD", value_parser = parse_key_value)]
    pub map: Vec<(String, String)>,

    /// Read a mapping file: [columns] "COLUMN" = "FIELD", ignore = [...], decimal_separator,
    /// date_order, timezone, header_row, max_changes (the command line wins over it)
    #[arg(long, value_name = "FILE.toml")]
    pub mapping: Option<PathBuf>,

    /// Leave columns that map to nothing out instead of stopping
    #[arg(long)]
    pub ignore_unknown: bool,

    /// Send the valid rows and report the invalid ones instead of stopping
    #[arg(long)]
    pub skip_invalid: bool,

    /// Check every row and print each valid row's request body (-o ndjson or json); send nothing
    #[arg(long)]
    pub dry_run: bool,

    /// With --dry-run: save the plan to FILE (JSON, doc/plan.md) for `leadctl apply FILE`,
    /// which sends exactly its writes, once
    #[arg(long, value_name = "FILE", requires = "dry_run")]
    pub plan_out: Option<std::path::PathBuf>,

    /// Send zero and negative amounts (refunds, corrections); without it they are invalid, since
    /// they still fire the channel's purchase rewards
    #[arg(long)]
    pub allow_refunds: bool,

    /// The amounts' decimal separator: . (1,234.50) or , (1.234,50) [default: the profile's
    /// decimal_separator, else only amounts that read one way]
    #[arg(long, value_name = ",|.", value_parser = crate::cli::parse::parse_decimal_separator)]
    pub decimal_separator: Option<crate::number::DecimalSeparator>,

    /// The zone of dates written without one (2024-06-01, 2024-06-01 10:00): an IANA name such
    /// as Europe/Berlin [default: the mapping file's timezone, else the profile's, else UTC]
    #[arg(long, value_name = "IANA_NAME")]
    pub timezone: Option<String>,

    /// The order of day and month in dates such as 03/04/2024: dmy (3 April) or mdy (March 4)
    /// [default: the mapping file's date_order, else the profile's, else only dates that read
    /// one way]
    #[arg(long, value_name = "dmy|mdy", value_parser = crate::cli::parse::parse_date_order)]
    pub date_order: Option<crate::date::DateOrder>,

    /// The file's encoding, e.g. utf-8, utf-16le, windows-1252, latin1 [default: detected]
    #[arg(long, value_name = "NAME", value_parser = parse_encoding)]
    pub encoding: Option<String>,

    /// The delimiter: one character, or tab, comma, semicolon, pipe [default: detected]
    #[arg(long, value_name = "CHAR", value_parser = parse_delimiter)]
    pub delimiter: Option<u8>,

    #[command(flatten)]
    pub sending: SendingArgs,

    /// Re-send rows an earlier run sent without a reliable answer (they may be recorded already)
    #[arg(long, help_heading = "Resuming")]
    pub retry_unknown: bool,

    /// Re-send rows the server refused in an earlier run
    #[arg(long, help_heading = "Resuming")]
    pub retry_failed: bool,

    /// Where to write the rows that were not recorded [default: FILE.errors.csv]
    #[arg(long, value_name = "PATH", help_heading = "Resuming")]
    pub errors: Option<PathBuf>,

    #[command(flatten)]
    pub ci: super::CiArgs,
}

#[derive(Debug, Clone, Args)]
pub struct PurchaseArgs {
    /// The lead the purchase belongs to
    #[arg(long, value_name = "LEAD_ID")]
    pub lead: String,
    /// The amount, sent as a JSON number (in the channel's currency)
    #[arg(long, value_name = "N", value_parser = parse_amount, allow_hyphen_values = true)]
    pub amount: Option<serde_json::Number>,
    /// The product's name
    #[arg(long, value_name = "NAME")]
    pub product: Option<String>,
    /// A description of the purchase
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
    /// When the purchase happened: RFC 3339, or as in a file (2024-06-01, 2024-06-01 10:00,
    /// 01.06.2024, 06/01/2024), read with --timezone and --date-order (default: now, set by the
    /// server)
    #[arg(long, value_name = "DATE")]
    pub date: Option<String>,
    /// The zone of a --date written without one: an IANA name such as Europe/Berlin [default:
    /// the profile's timezone, else UTC]
    #[arg(long, value_name = "IANA_NAME")]
    pub timezone: Option<String>,
    /// The order of day and month in a --date such as 03/04/2024: dmy or mdy [default: the
    /// profile's date_order, else only dates that read one way]
    #[arg(long, value_name = "dmy|mdy", value_parser = crate::cli::parse::parse_date_order)]
    pub date_order: Option<crate::date::DateOrder>,
    /// Only evaluate these reward triggers (repeatable); each must be active on the lead's channel
    #[arg(long = "trigger", value_name = "UUID")]
    pub triggers: Vec<String>,
    /// Send a zero or negative --amount (a refund or correction); without this flag it is refused,
    /// since it still fires the channel's purchase rewards
    #[arg(long)]
    pub allow_refunds: bool,
}

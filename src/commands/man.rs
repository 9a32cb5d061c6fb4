//! `leadctl man`: the manual page, generated from the same clap definition as `--help` and the
//! completions, plus the help topics (environment, exit codes). One page, `leadctl(1)`:
//! `leadctl man | man -l -`. The committed copy `doc/leadctl.1` is checked by a test.

use std::io::Write;

use anyhow::Result;
use clap::CommandFactory;
use clap_mangen::roff::{bold, roman, Roff};
use clap_mangen::Man;

use crate::cli::Cli;
use crate::commands::help;

/// Width the page is written for: no line of it runs past this many columns when read with
/// `MANWIDTH=100` (a test checks the preformatted blocks, which man does not re-flow).
const PAGE_WIDTH: usize = 100;

/// man indents a section's text by this much (`.SH` content, 7 columns in groff's man macros).
const INDENT: usize = 7;

/// Width the commands' help is rendered at inside the page: fixed, so the page does not depend
/// on the terminal it was generated in, and narrow enough that a preformatted line plus man's
/// indent fits `PAGE_WIDTH`. Prose paragraphs are re-flowed by man itself.
const WIDTH: usize = PAGE_WIDTH - INDENT;

pub fn run(out: &mut dyn Write) -> Result<()> {
    out.write_all(&page()?)?;
    out.flush()?;
    Ok(())
}

/// The whole page as roff source.
pub fn page() -> std::io::Result<Vec<u8>> {
    let mut cmd = Cli::command().term_width(WIDTH);
    cmd.build();
    let man = Man::new(cmd.clone())
        .title("LEADCTL")
        .section("1")
        .source(format!("leadctl {}", env!("CARGO_PKG_VERSION")))
        .manual("User Commands");

    let mut buf = Vec::new();
    man.render_title(&mut buf)?;
    man.render_name_section(&mut buf)?;
    man.render_synopsis_section(&mut buf)?;
    man.render_description_section(&mut buf)?;
    man.render_options_section(&mut buf)?;

    let mut roff = Roff::new();
    commands_section(&mut roff, &cmd);
    environment_section(&mut roff);
    columns_section(&mut roff);
    files_section(&mut roff);
    exit_status_section(&mut roff);
    examples_section(&mut roff, &cmd);
    roff.control("SH", ["SEE ALSO"]);
    roff.text([
        roman("leadctl help environment, leadctl help exit-codes, leadctl COMMAND --help; "),
        roman("the README at https://github.com/leadctl/leadctl"),
    ]);
    roff.to_writer(&mut buf)?;
    man.render_version_section(&mut buf)?;
    Ok(buf)
}

/// Every command, nested ones too, with its full `--help` text as a preformatted block.
fn commands_section(roff: &mut Roff, root: &clap::Command) {
    roff.control("SH", ["COMMANDS"]);
    roff.text([roman(
        "Each command below is shown with its own --help text; the global options above are \
         accepted by every command, before or after its name.",
    )]);
    let mut stack: Vec<clap::Command> = root
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .cloned()
        .collect();
    stack.reverse();
    while let Some(mut cmd) = stack.pop() {
        // clap's generated `help` subcommands of nested commands add nothing here.
        if cmd.get_name() == "help" && cmd.get_bin_name() != Some("leadctl help") {
            continue;
        }
        let title = cmd.get_bin_name().unwrap_or(cmd.get_name()).to_string();
        roff.control("SS", [title.as_str()]);
        let help = cmd.render_long_help().to_string();
        help_text(roff, &without_global_options(&help));
        let mut subs: Vec<clap::Command> = cmd
            .get_subcommands()
            .filter(|c| !c.is_hide_set())
            .cloned()
            .collect();
        subs.reverse();
        stack.extend(subs);
    }
}

/// A command's help without the "Global options" block, which the OPTIONS section already
/// documents once.
fn without_global_options(help: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in help.lines() {
        if line == "Global options:" {
            skipping = true;
            continue;
        }
        if skipping && (line.is_empty() || line.starts_with(' ')) {
            continue;
        }
        skipping = false;
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// A command's help text: prose paragraphs (blocks of unindented lines that are not a heading
/// such as `Options:` or a `Usage:` line) filled by man to the reader's width, everything else
/// (usage, option lists, examples) kept as it is.
fn help_text(roff: &mut Roff, help: &str) {
    for block in help.split("\n\n") {
        let lines: Vec<&str> = block.lines().map(str::trim_end).collect();
        if lines.iter().all(|l| l.is_empty()) {
            continue;
        }
        roff.control("PP", []);
        let prose = lines
            .iter()
            .all(|l| !l.starts_with(' ') && !l.ends_with(':') && !l.starts_with("Usage:"));
        if prose {
            roff.text([roman(lines.join(" "))]);
        } else {
            roff.control("nf", []);
            for line in lines {
                roff.text([roman(line)]);
            }
            roff.control("fi", []);
        }
    }
}

fn environment_section(roff: &mut Roff) {
    roff.control("SH", ["ENVIRONMENT"]);
    roff.text([roman(help::PRECEDENCE)]);
    for (name, about) in help::ENVIRONMENT {
        roff.control("TP", []);
        roff.text([bold(*name)]);
        roff.text([roman(*about)]);
    }
}

/// `leadctl help columns`, as the import's alias table generates it.
fn columns_section(roff: &mut Roff) {
    roff.control("SH", ["IMPORT COLUMNS"]);
    let text = crate::import::mapping::aliases::help_text();
    let mut lines = text.lines().skip(2);
    let intro: Vec<&str> = lines.by_ref().take_while(|l| !l.is_empty()).collect();
    roff.text([roman(intro.join(" "))]);
    roff.control("nf", []);
    for line in lines {
        roff.text([roman(line)]);
    }
    roff.control("fi", []);
}

fn files_section(roff: &mut Roff) {
    roff.control("SH", ["FILES"]);
    for (name, about) in [
        (
            "$XDG_CONFIG_HOME/leadctl/config.toml, ~/.config/leadctl/config.toml",
            "The config file on Linux (LEADCTL_CONFIG names another; `leadctl config path` \
             prints the one in use): default_profile, and [profiles.NAME] tables with api_key, \
             api_url, channel, timeout, concurrency, output, ca_bundle. Written with mode 0600.",
        ),
        (
            "$XDG_DATA_HOME/leadctl/ledger.sqlite3, ~/.local/share/leadctl/ledger.sqlite3",
            "The ledger on Linux: every lead leadctl created, by channel and key (business id, \
             else email, else a hash of the fields), so that imports and creates make each lead \
             once across files and runs (--ledger PATH or LEADCTL_LEDGER chooses another, \
             --no-ledger keeps none). Written with mode 0600; never holds the API key.",
        ),
        (
            "FILE.errors.csv",
            "The rows of an import that were not created, with leadctl_row, leadctl_outcome and \
             leadctl_error columns, ready to fix and import again (--errors PATH chooses another).",
        ),
    ] {
        roff.control("TP", []);
        roff.text([bold(name)]);
        roff.text([roman(about)]);
    }
}

fn exit_status_section(roff: &mut Roff) {
    roff.control("SH", ["EXIT STATUS"]);
    for (code, meaning) in help::EXIT_CODES {
        roff.control("TP", []);
        roff.text([bold(code.to_string())]);
        roff.text([roman(*meaning)]);
    }
}

/// The top-level `--help` examples.
fn examples_section(roff: &mut Roff, root: &clap::Command) {
    let Some(after) = root.get_after_help() else {
        return;
    };
    roff.control("SH", ["EXAMPLES"]);
    // The section heading says it: the help's own "Examples:" line would repeat it.
    let after = after.to_string();
    let after = after.strip_prefix("Examples:\n").unwrap_or(&after);
    help_text(roff, after);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_has_every_section_and_command() {
        let page = String::from_utf8(page().unwrap()).unwrap();
        for needle in [
            ".TH LEADCTL 1",
            ".SH NAME",
            ".SH SYNOPSIS",
            ".SH COMMANDS",
            ".SS \"leadctl leads list\"",
            ".SS \"leadctl config set-key\"",
            ".SS \"leadctl sandbox serve\"",
            ".SH ENVIRONMENT",
            "LEADCTL_API_KEY_FILE",
            ".SH \"EXIT STATUS\"",
            ".SH EXAMPLES",
        ] {
            assert!(page.contains(needle), "{needle:?} missing");
        }
    }

    /// man re-flows prose to the reader's width but not the preformatted blocks (usage, option
    /// lists, examples): each of their lines must fit beside man's indent.
    #[test]
    fn preformatted_lines_fit_a_100_column_reader() {
        let page = String::from_utf8(page().unwrap()).unwrap();
        let mut inside = false;
        let mut long = Vec::new();
        for line in page.lines() {
            match line {
                ".nf" => inside = true,
                ".fi" => inside = false,
                _ if inside => {
                    let shown = line.replace("\\-", "-").replace("\\*(Aq", "'");
                    if shown.chars().count() > WIDTH {
                        long.push(shown);
                    }
                }
                _ => {}
            }
        }
        assert!(
            long.is_empty(),
            "{} lines past {WIDTH} columns:\n{}",
            long.len(),
            long.join("\n")
        );
    }

    #[test]
    fn the_examples_section_has_no_second_heading() {
        let page = String::from_utf8(page().unwrap()).unwrap();
        let examples = page
            .split(".SH EXAMPLES")
            .nth(1)
            .expect("an EXAMPLES section");
        let first = examples
            .lines()
            .find(|l| !l.starts_with('.') && !l.is_empty());
        assert_ne!(first, Some("Examples:"), "{examples}");
    }

    #[test]
    fn prose_is_filled_and_the_rest_kept() {
        let mut roff = Roff::new();
        help_text(
            &mut roff,
            "About it\n\nUsage: x\n\nSome prose\nwrapped here.\n\nExamples:\n  x --y\n",
        );
        assert_eq!(
            roff.to_roff(),
            ".PP\nAbout it\n.PP\n.nf\nUsage: x\n.fi\n.PP\nSome prose wrapped here.\n.PP\n.nf\nExamples:\n  x \\-\\-y\n.fi\n"
        );
    }

    #[test]
    fn global_options_are_left_out_of_each_command() {
        let help = "Usage: x\n\nOptions:\n  -h\n\nGlobal options:\n  -p, --profile\n          text\n\nExamples:\n  x\n";
        assert_eq!(
            without_global_options(help),
            "Usage: x\n\nOptions:\n  -h\n\nExamples:\n  x\n"
        );
    }
}

# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_leadctl_global_optspecs
    string join \n p/profile= api-url= ca-bundle= sandbox ledger= no-ledger o/output= timeout= q/quiet v/verbose color= h/help V/version
end

function __fish_leadctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_leadctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_leadctl_using_subcommand
    set -l cmd (__fish_leadctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c leadctl -n "__fish_leadctl_needs_command" -s p -l profile -d 'Config profile to use [env: LEADCTL_PROFILE] (default: the config\'s default_profile, else "default")' -r
complete -c leadctl -n "__fish_leadctl_needs_command" -l api-url -d 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]' -r
complete -c leadctl -n "__fish_leadctl_needs_command" -l ca-bundle -d 'Extra PEM root certificates, added to the system\'s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]' -r -F
complete -c leadctl -n "__fish_leadctl_needs_command" -l ledger -d 'Where leadctl remembers the leads it created, so each is created once: a SQLite file, or a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile\'s ledger, else ledger.sqlite3 in the data directory; in memory with --sandbox]' -r -F
complete -c leadctl -n "__fish_leadctl_needs_command" -s o -l output -d 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]' -r -f -a "table\t'Human-readable table (default)'
json\t'The API objects as JSON (an array when there are several)'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
id\t'Only the id, one per line'"
complete -c leadctl -n "__fish_leadctl_needs_command" -l timeout -d 'Per-request timeout in seconds [default: 30]' -r
complete -c leadctl -n "__fish_leadctl_needs_command" -l color -d 'When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on] [default: auto]' -r -f -a "auto\t'Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c leadctl -n "__fish_leadctl_needs_command" -l sandbox -d 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
complete -c leadctl -n "__fish_leadctl_needs_command" -l no-ledger -d 'Remember nothing: leads created by earlier runs are created again'
complete -c leadctl -n "__fish_leadctl_needs_command" -s q -l quiet -d 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
complete -c leadctl -n "__fish_leadctl_needs_command" -s v -l verbose -d 'Print more on stderr; -v logs every request and response with the API key redacted'
complete -c leadctl -n "__fish_leadctl_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c leadctl -n "__fish_leadctl_needs_command" -s V -l version -d 'Print version'
complete -c leadctl -n "__fish_leadctl_needs_command" -f -a "create" -d 'Create one lead from flags, or several from JSON (fires reward triggers and webhooks)'
complete -c leadctl -n "__fish_leadctl_needs_command" -f -a "import" -d 'Create leads from the rows of a CSV file or workbook (fires reward triggers and webhooks per lead)'
complete -c leadctl -n "__fish_leadctl_needs_command" -f -a "template" -d 'Write an empty file to start an import from: a header row with every lead field and the channel\'s properties'
complete -c leadctl -n "__fish_leadctl_needs_command" -f -a "channels" -d 'List the channels your key can access, or show one with its properties and statuses'
complete -c leadctl -n "__fish_leadctl_needs_command" -f -a "leads" -d 'List, read, update and move leads through statuses'
complete -c leadctl -n "__fish_leadctl_needs_command" -f -a "purchases" -d 'Record purchases on leads (fires purchase reward triggers)'
complete -c leadctl -n "__fish_leadctl_needs_command" -f -a "apply" -d 'Execute a plan saved by `--dry-run --plan-out PLAN` (import, purchases import, create): exactly its writes, each once (fires reward triggers and webhooks per write)'
complete -c leadctl -n "__fish_leadctl_needs_command" -f -a "api" -d 'Send any API action, raw, with leadctl\'s key handling, errors and output (like `gh api`)'
complete -c leadctl -n "__fish_leadctl_needs_command" -f -a "ledger" -d 'Inspect and manage the ledger: every lead leadctl created, so each is created once'
complete -c leadctl -n "__fish_leadctl_needs_command" -f -a "sandbox" -d 'Run the built-in emulator of the KeenPartner API'
complete -c leadctl -n "__fish_leadctl_needs_command" -f -a "config" -d 'Show and change the config file: profiles, API keys, and where each setting comes from'
complete -c leadctl -n "__fish_leadctl_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c leadctl -n "__fish_leadctl_needs_command" -f -a "man" -d 'Print the manual page (roff), generated from this same command-line definition'
complete -c leadctl -n "__fish_leadctl_needs_command" -f -a "help" -d 'Show a help topic (environment, exit-codes, columns) or a command\'s help'
complete -c leadctl -n "__fish_leadctl_using_subcommand create" -l channel -d 'The channel to create the lead in: its id or title [env: LEADCTL_CHANNEL, else the profile\'s channel]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand create" -l json -d 'Read leads in the API\'s field names from FILE (`-` = stdin): one object, an array, or one object per line; for a single object, flags override its fields' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand create" -l plan-out -d 'With --dry-run: save the plan to FILE (JSON, doc/plan.md) for `leadctl apply FILE`, which sends exactly its writes, once' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand create" -l key -d 'What identifies a lead within its channel [default: business_id, else email, else a hash of all its fields]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand create" -l email -d 'The lead\'s email address' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand create" -l first-name -d 'First name' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand create" -l last-name -d 'Last name' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand create" -l phone -d 'Phone number' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand create" -l company -d 'Company name (the API\'s company_name)' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand create" -l source -d 'Where the lead came from, e.g. "Website" or "Referral"' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand create" -l employee -d 'Employee at the referring company' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand create" -l notes -d 'Free-text notes' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand create" -l business-id -d 'Your external or CRM id for the lead' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand create" -l property -d 'A custom property; KEY is a property definition UUID or its name on the channel (repeatable)' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand create" -l decimal-separator -d 'The decimal separator of number property values: , (1.234,50) or . (1,234.50) [default: the profile\'s decimal_separator; without one, values that read differently under the two are refused]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand create" -l report -d 'Write the run\'s report, one JSON document (doc/report.schema.json), to FILE when the run ends, also when it fails or is interrupted [env: LEADCTL_REPORT]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand create" -s p -l profile -d 'Config profile to use [env: LEADCTL_PROFILE] (default: the config\'s default_profile, else "default")' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand create" -l api-url -d 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand create" -l ca-bundle -d 'Extra PEM root certificates, added to the system\'s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand create" -l ledger -d 'Where leadctl remembers the leads it created, so each is created once: a SQLite file, or a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile\'s ledger, else ledger.sqlite3 in the data directory; in memory with --sandbox]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand create" -s o -l output -d 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]' -r -f -a "table\t'Human-readable table (default)'
json\t'The API objects as JSON (an array when there are several)'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
id\t'Only the id, one per line'"
complete -c leadctl -n "__fish_leadctl_using_subcommand create" -l timeout -d 'Per-request timeout in seconds [default: 30]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand create" -l color -d 'When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on] [default: auto]' -r -f -a "auto\t'Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c leadctl -n "__fish_leadctl_using_subcommand create" -l public -d 'Send `lead_external` instead: no API key is sent; the channel must have its public API enabled'
complete -c leadctl -n "__fish_leadctl_using_subcommand create" -l dry-run -d 'Plan and send nothing: each lead decided against the ledger and the channel\'s newest leads (read, never written); the body of each request that would be sent as JSON on stdout, the leads left alone and the counts on stderr'
complete -c leadctl -n "__fish_leadctl_using_subcommand create" -l force -d 'Create another lead even when the ledger says this one\'s key was created already'
complete -c leadctl -n "__fish_leadctl_using_subcommand create" -l update -d 'For a lead created earlier whose fields changed since: send update_lead with the changed fields (no rewards fire) instead of only printing the existing lead. Only the fields given are sent'
complete -c leadctl -n "__fish_leadctl_using_subcommand create" -l clear-empty -d 'With --update: clear a field given empty (--phone "", --property Region=, a JSON "" or null); by default an empty value is left as it is on the server (and never sent in a create)'
complete -c leadctl -n "__fish_leadctl_using_subcommand create" -l retry-unknown -d 'Send a lead an earlier run sent without a reliable answer (it may exist already)'
complete -c leadctl -n "__fish_leadctl_using_subcommand create" -l no-ci-annotations -d 'Under GitHub Actions (GITHUB_ACTIONS=true), write no job summary, no annotations and no step outputs'
complete -c leadctl -n "__fish_leadctl_using_subcommand create" -l sandbox -d 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
complete -c leadctl -n "__fish_leadctl_using_subcommand create" -l no-ledger -d 'Remember nothing: leads created by earlier runs are created again'
complete -c leadctl -n "__fish_leadctl_using_subcommand create" -s q -l quiet -d 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
complete -c leadctl -n "__fish_leadctl_using_subcommand create" -s v -l verbose -d 'Print more on stderr; -v logs every request and response with the API key redacted'
complete -c leadctl -n "__fish_leadctl_using_subcommand create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l query -d 'Read the rows from a database instead of a file: the result of this read-only query (its column names are the header); `{{last_success}}` in it is bound to the start of this query\'s last successful run. Needs --from' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l query-file -d 'As --query, the SQL read from FILE' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l from -d 'The database the query runs on: postgres://USER@HOST:PORT/DB?sslmode=... (password from LEADCTL_SOURCE_PASSWORD_FILE, PGPASSWORD or the URL), postgresql://..., sqlite:PATH, or a .sqlite/.sqlite3/.db file, opened read-only' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l since -d 'What {{last_success}} is bound to when this query has no successful run yet: an RFC 3339 time (2026-11-01T00:00:00Z) or a date (2026-11-01, midnight UTC) [default: the Unix epoch]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l channel -d 'The channel for rows without a channel_id column: its id or title [env: LEADCTL_CHANNEL, else the profile\'s]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l map -d 'Map a column to a field: email, first_name, ..., channel_id, property:NAME_OR_UUID, ignore (repeatable)' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l set -d 'Give every row a value: a lead field or property:NAME (repeatable); a column\'s value wins unless its cell is empty' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l mapping -d 'Read a saved mapping (columns, ignored columns, constants, value maps, key, decimal separator, header row, [fields.NAME] write rules); options on the command line win over it' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l save-mapping -d 'Write the mapping this run used, for --mapping next time' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l plan-out -d 'With --dry-run: save the plan to FILE (JSON, doc/plan.md) for `leadctl apply FILE`, which sends exactly its writes, once' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l encoding -d 'The file\'s encoding, e.g. utf-8, utf-16le, windows-1252, latin1 [default: detected]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l delimiter -d 'The delimiter: one character, or tab, comma, semicolon, pipe [default: detected]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l decimal-separator -d 'The decimal separator of number property values: , (1.234,50) or . (1,234.50) [default: the profile\'s decimal_separator; without one, values that read differently under the two are invalid]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l sheet -d 'The workbook\'s sheet: its name or its position (1 = the first) [default: the only sheet with data]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l header-row -d 'The row holding the column names, when a title block sits above it (1 = the first row)' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l concurrency -d 'Requests in flight at once: auto (adapts to the server\'s latency, 429s and overload answers) or a fixed number from 1 to 256 [default: the profile\'s concurrency, else auto]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l max-concurrency -d 'The most requests in flight: auto never goes past it, and a fixed --concurrency N above it is refused (exit 2) [default: 32; with a fixed --concurrency N, N]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l rate -d 'At most N requests a second' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l shard -d 'Only rows where (row - 1) mod N == K - 1, so N machines can split one file' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l max-errors -d 'Stop sending after N rows failed (or got no reliable answer)' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l max-create -d 'Send nothing when the plan would create more than N leads (exit 6) [default: the mapping file\'s max_create (import), else the profile\'s]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l max-changes -d 'Send nothing when the plan would make more than N changes: updates, status moves and purchases (exit 6) [default: the mapping file\'s max_changes (import), else the profile\'s]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l journal -d 'Replaced by the ledger (--ledger PATH, --no-ledger); kept to say so' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l key -d 'What identifies a lead within its channel [default: business_id, else email, else a hash of all its fields; profile key `key`]; a row without the forced key is invalid' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l errors -d 'Where to write the rows that were not created [default: FILE.errors.csv]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l report -d 'Write the run\'s report, one JSON document (doc/report.schema.json), to FILE when the run ends, also when it fails or is interrupted [env: LEADCTL_REPORT]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -s p -l profile -d 'Config profile to use [env: LEADCTL_PROFILE] (default: the config\'s default_profile, else "default")' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l api-url -d 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l ca-bundle -d 'Extra PEM root certificates, added to the system\'s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l ledger -d 'Where leadctl remembers the leads it created, so each is created once: a SQLite file, or a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile\'s ledger, else ledger.sqlite3 in the data directory; in memory with --sandbox]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -s o -l output -d 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]' -r -f -a "table\t'Human-readable table (default)'
json\t'The API objects as JSON (an array when there are several)'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
id\t'Only the id, one per line'"
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l timeout -d 'Per-request timeout in seconds [default: 30]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l color -d 'When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on] [default: auto]' -r -f -a "auto\t'Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l ignore-unknown -d 'Leave columns that map to nothing out instead of stopping'
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l skip-invalid -d 'Send the valid rows and report the invalid ones instead of stopping'
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l dry-run -d 'Plan the run and send nothing: each row decided against the ledger and the channel\'s newest leads (read, never written), the planned writes counted; -o ndjson prints each write\'s request body and each left-alone row\'s result'
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l new-ledger -d 'Go on although this ledger has never seen a channel whose newest-leads window is full (100 leads: older ones cannot be checked, so leads created elsewhere may be created again); without it such a run stops before the first create (exit 3), or asks on a terminal'
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l no-journal -d 'Replaced by --no-ledger; kept to say so'
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l update -d 'For leads created earlier whose fields changed since: send update_lead with the changed fields (no rewards fire) instead of reporting them as `changed`. Only what the file gives is sent: a column the file lacks is never blanked'
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l clear-empty -d 'With --update: clear a field on the server where its cell is empty (by default an emptied cell is left as it is on the server and counted in the summary)'
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l retry-unknown -d 'Re-send rows an earlier run sent without a reliable answer (they may exist already)'
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l retry-failed -d 'Re-send rows the server refused in an earlier run'
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l reconcile -d 'Only settle unknown rows: look them up among the channel\'s newest leads; send nothing'
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l no-ci-annotations -d 'Under GitHub Actions (GITHUB_ACTIONS=true), write no job summary, no annotations and no step outputs'
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l sandbox -d 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -l no-ledger -d 'Remember nothing: leads created by earlier runs are created again'
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -s q -l quiet -d 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -s v -l verbose -d 'Print more on stderr; -v logs every request and response with the API key redacted'
complete -c leadctl -n "__fish_leadctl_using_subcommand import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c leadctl -n "__fish_leadctl_using_subcommand template" -l channel -d 'The channel whose properties become columns: its id or title [env: LEADCTL_CHANNEL, else the profile\'s channel]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand template" -s p -l profile -d 'Config profile to use [env: LEADCTL_PROFILE] (default: the config\'s default_profile, else "default")' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand template" -l api-url -d 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand template" -l ca-bundle -d 'Extra PEM root certificates, added to the system\'s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand template" -l ledger -d 'Where leadctl remembers the leads it created, so each is created once: a SQLite file, or a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile\'s ledger, else ledger.sqlite3 in the data directory; in memory with --sandbox]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand template" -s o -l output -d 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]' -r -f -a "table\t'Human-readable table (default)'
json\t'The API objects as JSON (an array when there are several)'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
id\t'Only the id, one per line'"
complete -c leadctl -n "__fish_leadctl_using_subcommand template" -l timeout -d 'Per-request timeout in seconds [default: 30]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand template" -l color -d 'When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on] [default: auto]' -r -f -a "auto\t'Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c leadctl -n "__fish_leadctl_using_subcommand template" -l sandbox -d 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
complete -c leadctl -n "__fish_leadctl_using_subcommand template" -l no-ledger -d 'Remember nothing: leads created by earlier runs are created again'
complete -c leadctl -n "__fish_leadctl_using_subcommand template" -s q -l quiet -d 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
complete -c leadctl -n "__fish_leadctl_using_subcommand template" -s v -l verbose -d 'Print more on stderr; -v logs every request and response with the API key redacted'
complete -c leadctl -n "__fish_leadctl_using_subcommand template" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c leadctl -n "__fish_leadctl_using_subcommand channels; and not __fish_seen_subcommand_from show" -s p -l profile -d 'Config profile to use [env: LEADCTL_PROFILE] (default: the config\'s default_profile, else "default")' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand channels; and not __fish_seen_subcommand_from show" -l api-url -d 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand channels; and not __fish_seen_subcommand_from show" -l ca-bundle -d 'Extra PEM root certificates, added to the system\'s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand channels; and not __fish_seen_subcommand_from show" -l ledger -d 'Where leadctl remembers the leads it created, so each is created once: a SQLite file, or a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile\'s ledger, else ledger.sqlite3 in the data directory; in memory with --sandbox]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand channels; and not __fish_seen_subcommand_from show" -s o -l output -d 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]' -r -f -a "table\t'Human-readable table (default)'
json\t'The API objects as JSON (an array when there are several)'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
id\t'Only the id, one per line'"
complete -c leadctl -n "__fish_leadctl_using_subcommand channels; and not __fish_seen_subcommand_from show" -l timeout -d 'Per-request timeout in seconds [default: 30]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand channels; and not __fish_seen_subcommand_from show" -l color -d 'When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on] [default: auto]' -r -f -a "auto\t'Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c leadctl -n "__fish_leadctl_using_subcommand channels; and not __fish_seen_subcommand_from show" -l sandbox -d 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
complete -c leadctl -n "__fish_leadctl_using_subcommand channels; and not __fish_seen_subcommand_from show" -l no-ledger -d 'Remember nothing: leads created by earlier runs are created again'
complete -c leadctl -n "__fish_leadctl_using_subcommand channels; and not __fish_seen_subcommand_from show" -s q -l quiet -d 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
complete -c leadctl -n "__fish_leadctl_using_subcommand channels; and not __fish_seen_subcommand_from show" -s v -l verbose -d 'Print more on stderr; -v logs every request and response with the API key redacted'
complete -c leadctl -n "__fish_leadctl_using_subcommand channels; and not __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c leadctl -n "__fish_leadctl_using_subcommand channels; and not __fish_seen_subcommand_from show" -f -a "show" -d 'Show one channel: metadata, property definitions (id, name, type), lead statuses in order'
complete -c leadctl -n "__fish_leadctl_using_subcommand channels; and __fish_seen_subcommand_from show" -s p -l profile -d 'Config profile to use [env: LEADCTL_PROFILE] (default: the config\'s default_profile, else "default")' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand channels; and __fish_seen_subcommand_from show" -l api-url -d 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand channels; and __fish_seen_subcommand_from show" -l ca-bundle -d 'Extra PEM root certificates, added to the system\'s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand channels; and __fish_seen_subcommand_from show" -l ledger -d 'Where leadctl remembers the leads it created, so each is created once: a SQLite file, or a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile\'s ledger, else ledger.sqlite3 in the data directory; in memory with --sandbox]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand channels; and __fish_seen_subcommand_from show" -s o -l output -d 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]' -r -f -a "table\t'Human-readable table (default)'
json\t'The API objects as JSON (an array when there are several)'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
id\t'Only the id, one per line'"
complete -c leadctl -n "__fish_leadctl_using_subcommand channels; and __fish_seen_subcommand_from show" -l timeout -d 'Per-request timeout in seconds [default: 30]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand channels; and __fish_seen_subcommand_from show" -l color -d 'When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on] [default: auto]' -r -f -a "auto\t'Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c leadctl -n "__fish_leadctl_using_subcommand channels; and __fish_seen_subcommand_from show" -l sandbox -d 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
complete -c leadctl -n "__fish_leadctl_using_subcommand channels; and __fish_seen_subcommand_from show" -l no-ledger -d 'Remember nothing: leads created by earlier runs are created again'
complete -c leadctl -n "__fish_leadctl_using_subcommand channels; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
complete -c leadctl -n "__fish_leadctl_using_subcommand channels; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Print more on stderr; -v logs every request and response with the API key redacted'
complete -c leadctl -n "__fish_leadctl_using_subcommand channels; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and not __fish_seen_subcommand_from list get update status" -s p -l profile -d 'Config profile to use [env: LEADCTL_PROFILE] (default: the config\'s default_profile, else "default")' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and not __fish_seen_subcommand_from list get update status" -l api-url -d 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and not __fish_seen_subcommand_from list get update status" -l ca-bundle -d 'Extra PEM root certificates, added to the system\'s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and not __fish_seen_subcommand_from list get update status" -l ledger -d 'Where leadctl remembers the leads it created, so each is created once: a SQLite file, or a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile\'s ledger, else ledger.sqlite3 in the data directory; in memory with --sandbox]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and not __fish_seen_subcommand_from list get update status" -s o -l output -d 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]' -r -f -a "table\t'Human-readable table (default)'
json\t'The API objects as JSON (an array when there are several)'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
id\t'Only the id, one per line'"
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and not __fish_seen_subcommand_from list get update status" -l timeout -d 'Per-request timeout in seconds [default: 30]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and not __fish_seen_subcommand_from list get update status" -l color -d 'When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on] [default: auto]' -r -f -a "auto\t'Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and not __fish_seen_subcommand_from list get update status" -l sandbox -d 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and not __fish_seen_subcommand_from list get update status" -l no-ledger -d 'Remember nothing: leads created by earlier runs are created again'
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and not __fish_seen_subcommand_from list get update status" -s q -l quiet -d 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and not __fish_seen_subcommand_from list get update status" -s v -l verbose -d 'Print more on stderr; -v logs every request and response with the API key redacted'
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and not __fish_seen_subcommand_from list get update status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and not __fish_seen_subcommand_from list get update status" -f -a "list" -d 'List a channel\'s newest leads (the API returns at most the newest 100)'
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and not __fish_seen_subcommand_from list get update status" -f -a "get" -d 'Show one lead by its id, or by its integer id from the legacy system'
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and not __fish_seen_subcommand_from list get update status" -f -a "update" -d 'Change a lead\'s fields and custom properties (no rewards, webhooks or notifications fire)'
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and not __fish_seen_subcommand_from list get update status" -f -a "status" -d 'Move a lead to a status, by name or id (fires status-change reward triggers and webhooks)'
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from list" -l channel -d 'The channel: its id, or its title (case-insensitive) [env: LEADCTL_CHANNEL, else the profile\'s channel]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from list" -s p -l profile -d 'Config profile to use [env: LEADCTL_PROFILE] (default: the config\'s default_profile, else "default")' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from list" -l api-url -d 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from list" -l ca-bundle -d 'Extra PEM root certificates, added to the system\'s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from list" -l ledger -d 'Where leadctl remembers the leads it created, so each is created once: a SQLite file, or a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile\'s ledger, else ledger.sqlite3 in the data directory; in memory with --sandbox]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]' -r -f -a "table\t'Human-readable table (default)'
json\t'The API objects as JSON (an array when there are several)'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
id\t'Only the id, one per line'"
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from list" -l timeout -d 'Per-request timeout in seconds [default: 30]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from list" -l color -d 'When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on] [default: auto]' -r -f -a "auto\t'Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from list" -l sandbox -d 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from list" -l no-ledger -d 'Remember nothing: leads created by earlier runs are created again'
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Print more on stderr; -v logs every request and response with the API key redacted'
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from get" -l legacy-id -d 'The lead\'s integer id in the legacy (pre-2026) system' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from get" -s p -l profile -d 'Config profile to use [env: LEADCTL_PROFILE] (default: the config\'s default_profile, else "default")' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from get" -l api-url -d 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from get" -l ca-bundle -d 'Extra PEM root certificates, added to the system\'s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from get" -l ledger -d 'Where leadctl remembers the leads it created, so each is created once: a SQLite file, or a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile\'s ledger, else ledger.sqlite3 in the data directory; in memory with --sandbox]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from get" -s o -l output -d 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]' -r -f -a "table\t'Human-readable table (default)'
json\t'The API objects as JSON (an array when there are several)'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
id\t'Only the id, one per line'"
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from get" -l timeout -d 'Per-request timeout in seconds [default: 30]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from get" -l color -d 'When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on] [default: auto]' -r -f -a "auto\t'Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from get" -l sandbox -d 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from get" -l no-ledger -d 'Remember nothing: leads created by earlier runs are created again'
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from get" -s q -l quiet -d 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from get" -s v -l verbose -d 'Print more on stderr; -v logs every request and response with the API key redacted'
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from get" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from update" -l email -d 'The lead\'s email address' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from update" -l first-name -d 'First name' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from update" -l last-name -d 'Last name' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from update" -l phone -d 'Phone number' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from update" -l company -d 'Company name (the API\'s company_name)' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from update" -l source -d 'Where the lead came from, e.g. "Website" or "Referral"' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from update" -l employee -d 'Employee at the referring company' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from update" -l notes -d 'Free-text notes' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from update" -l business-id -d 'Your external or CRM id for the lead' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from update" -l property -d 'A custom property; KEY is a property definition UUID or its name on the lead\'s channel (repeatable)' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from update" -s p -l profile -d 'Config profile to use [env: LEADCTL_PROFILE] (default: the config\'s default_profile, else "default")' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from update" -l api-url -d 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from update" -l ca-bundle -d 'Extra PEM root certificates, added to the system\'s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from update" -l ledger -d 'Where leadctl remembers the leads it created, so each is created once: a SQLite file, or a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile\'s ledger, else ledger.sqlite3 in the data directory; in memory with --sandbox]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from update" -s o -l output -d 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]' -r -f -a "table\t'Human-readable table (default)'
json\t'The API objects as JSON (an array when there are several)'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
id\t'Only the id, one per line'"
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from update" -l timeout -d 'Per-request timeout in seconds [default: 30]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from update" -l color -d 'When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on] [default: auto]' -r -f -a "auto\t'Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from update" -l sandbox -d 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from update" -l no-ledger -d 'Remember nothing: leads created by earlier runs are created again'
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from update" -s q -l quiet -d 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from update" -s v -l verbose -d 'Print more on stderr; -v logs every request and response with the API key redacted'
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from update" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from status" -s p -l profile -d 'Config profile to use [env: LEADCTL_PROFILE] (default: the config\'s default_profile, else "default")' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from status" -l api-url -d 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from status" -l ca-bundle -d 'Extra PEM root certificates, added to the system\'s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from status" -l ledger -d 'Where leadctl remembers the leads it created, so each is created once: a SQLite file, or a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile\'s ledger, else ledger.sqlite3 in the data directory; in memory with --sandbox]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from status" -s o -l output -d 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]' -r -f -a "table\t'Human-readable table (default)'
json\t'The API objects as JSON (an array when there are several)'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
id\t'Only the id, one per line'"
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from status" -l timeout -d 'Per-request timeout in seconds [default: 30]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from status" -l color -d 'When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on] [default: auto]' -r -f -a "auto\t'Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from status" -l sandbox -d 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from status" -l no-ledger -d 'Remember nothing: leads created by earlier runs are created again'
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from status" -s v -l verbose -d 'Print more on stderr; -v logs every request and response with the API key redacted'
complete -c leadctl -n "__fish_leadctl_using_subcommand leads; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and not __fish_seen_subcommand_from create import" -s p -l profile -d 'Config profile to use [env: LEADCTL_PROFILE] (default: the config\'s default_profile, else "default")' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and not __fish_seen_subcommand_from create import" -l api-url -d 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and not __fish_seen_subcommand_from create import" -l ca-bundle -d 'Extra PEM root certificates, added to the system\'s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and not __fish_seen_subcommand_from create import" -l ledger -d 'Where leadctl remembers the leads it created, so each is created once: a SQLite file, or a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile\'s ledger, else ledger.sqlite3 in the data directory; in memory with --sandbox]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and not __fish_seen_subcommand_from create import" -s o -l output -d 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]' -r -f -a "table\t'Human-readable table (default)'
json\t'The API objects as JSON (an array when there are several)'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
id\t'Only the id, one per line'"
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and not __fish_seen_subcommand_from create import" -l timeout -d 'Per-request timeout in seconds [default: 30]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and not __fish_seen_subcommand_from create import" -l color -d 'When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on] [default: auto]' -r -f -a "auto\t'Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and not __fish_seen_subcommand_from create import" -l sandbox -d 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and not __fish_seen_subcommand_from create import" -l no-ledger -d 'Remember nothing: leads created by earlier runs are created again'
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and not __fish_seen_subcommand_from create import" -s q -l quiet -d 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and not __fish_seen_subcommand_from create import" -s v -l verbose -d 'Print more on stderr; -v logs every request and response with the API key redacted'
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and not __fish_seen_subcommand_from create import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and not __fish_seen_subcommand_from create import" -f -a "create" -d 'Record a purchase on a lead (fires the channel\'s purchase reward triggers)'
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and not __fish_seen_subcommand_from create import" -f -a "import" -d 'Record the purchases of a CSV file, each exactly once (a billing export)'
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from create" -l lead -d 'The lead the purchase belongs to' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from create" -l amount -d 'The amount, sent as a JSON number (in the channel\'s currency)' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from create" -l product -d 'The product\'s name' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from create" -l description -d 'A description of the purchase' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from create" -l date -d 'When the purchase happened: RFC 3339, or as in a file (2024-06-01, 2024-06-01 10:00, 01.06.2024, 06/01/2024), read with --timezone and --date-order (default: now, set by the server)' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from create" -l timezone -d 'The zone of a --date written without one: an IANA name such as Europe/Berlin [default: the profile\'s timezone, else UTC]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from create" -l date-order -d 'The order of day and month in a --date such as 03/04/2024: dmy or mdy [default: the profile\'s date_order, else only dates that read one way]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from create" -l trigger -d 'Only evaluate these reward triggers (repeatable); each must be active on the lead\'s channel' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from create" -s p -l profile -d 'Config profile to use [env: LEADCTL_PROFILE] (default: the config\'s default_profile, else "default")' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from create" -l api-url -d 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from create" -l ca-bundle -d 'Extra PEM root certificates, added to the system\'s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from create" -l ledger -d 'Where leadctl remembers the leads it created, so each is created once: a SQLite file, or a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile\'s ledger, else ledger.sqlite3 in the data directory; in memory with --sandbox]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from create" -s o -l output -d 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]' -r -f -a "table\t'Human-readable table (default)'
json\t'The API objects as JSON (an array when there are several)'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
id\t'Only the id, one per line'"
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from create" -l timeout -d 'Per-request timeout in seconds [default: 30]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from create" -l color -d 'When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on] [default: auto]' -r -f -a "auto\t'Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from create" -l allow-refunds -d 'Send a zero or negative --amount (a refund or correction); without this flag it is refused, since it still fires the channel\'s purchase rewards'
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from create" -l sandbox -d 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from create" -l no-ledger -d 'Remember nothing: leads created by earlier runs are created again'
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from create" -s v -l verbose -d 'Print more on stderr; -v logs every request and response with the API key redacted'
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -l query -d 'Read the rows from a database instead of a file: the result of this read-only query (its column names are the header); `{{last_success}}` in it is bound to the start of this query\'s last successful run. Needs --from' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -l query-file -d 'As --query, the SQL read from FILE' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -l from -d 'The database the query runs on: postgres://USER@HOST:PORT/DB?sslmode=... (password from LEADCTL_SOURCE_PASSWORD_FILE, PGPASSWORD or the URL), postgresql://..., sqlite:PATH, or a .sqlite/.sqlite3/.db file, opened read-only' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -l since -d 'What {{last_success}} is bound to when this query has no successful run yet: an RFC 3339 time (2026-11-01T00:00:00Z) or a date (2026-11-01, midnight UTC) [default: the Unix epoch]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -l sheet -d 'The workbook\'s sheet: its name or its position (1 = the first) [default: the only sheet with data]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -l header-row -d 'The row holding the column names, when a title block sits above it (1 = the first row)' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -l channel -d 'Resolve business ids and emails only among the leads of this channel in the ledger' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -l map -d 'Map a column to a field: lead_id, legacy_id, business_id, email, amount, product, description, date, trigger_ids, purchase_id, invoice, ignore (repeatable)' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -l mapping -d 'Read a mapping file: [columns] "COLUMN" = "FIELD", ignore = [...], decimal_separator, date_order, timezone, header_row, max_changes (the command line wins over it)' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -l plan-out -d 'With --dry-run: save the plan to FILE (JSON, doc/plan.md) for `leadctl apply FILE`, which sends exactly its writes, once' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -l decimal-separator -d 'The amounts\' decimal separator: . (1,234.50) or , (1.234,50) [default: the profile\'s decimal_separator, else only amounts that read one way]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -l timezone -d 'The zone of dates written without one (2024-06-01, 2024-06-01 10:00): an IANA name such as Europe/Berlin [default: the mapping file\'s timezone, else the profile\'s, else UTC]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -l date-order -d 'The order of day and month in dates such as 03/04/2024: dmy (3 April) or mdy (March 4) [default: the mapping file\'s date_order, else the profile\'s, else only dates that read one way]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -l encoding -d 'The file\'s encoding, e.g. utf-8, utf-16le, windows-1252, latin1 [default: detected]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -l delimiter -d 'The delimiter: one character, or tab, comma, semicolon, pipe [default: detected]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -l concurrency -d 'Requests in flight at once: auto (adapts to the server\'s latency, 429s and overload answers) or a fixed number from 1 to 256 [default: the profile\'s concurrency, else auto]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -l max-concurrency -d 'The most requests in flight: auto never goes past it, and a fixed --concurrency N above it is refused (exit 2) [default: 32; with a fixed --concurrency N, N]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -l rate -d 'At most N requests a second' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -l shard -d 'Only rows where (row - 1) mod N == K - 1, so N machines can split one file' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -l max-errors -d 'Stop sending after N rows failed (or got no reliable answer)' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -l max-create -d 'Send nothing when the plan would create more than N leads (exit 6) [default: the mapping file\'s max_create (import), else the profile\'s]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -l max-changes -d 'Send nothing when the plan would make more than N changes: updates, status moves and purchases (exit 6) [default: the mapping file\'s max_changes (import), else the profile\'s]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -l errors -d 'Where to write the rows that were not recorded [default: FILE.errors.csv]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -l report -d 'Write the run\'s report, one JSON document (doc/report.schema.json), to FILE when the run ends, also when it fails or is interrupted [env: LEADCTL_REPORT]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -s p -l profile -d 'Config profile to use [env: LEADCTL_PROFILE] (default: the config\'s default_profile, else "default")' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -l api-url -d 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -l ca-bundle -d 'Extra PEM root certificates, added to the system\'s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -l ledger -d 'Where leadctl remembers the leads it created, so each is created once: a SQLite file, or a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile\'s ledger, else ledger.sqlite3 in the data directory; in memory with --sandbox]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -s o -l output -d 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]' -r -f -a "table\t'Human-readable table (default)'
json\t'The API objects as JSON (an array when there are several)'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
id\t'Only the id, one per line'"
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -l timeout -d 'Per-request timeout in seconds [default: 30]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -l color -d 'When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on] [default: auto]' -r -f -a "auto\t'Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -l ignore-unknown -d 'Leave columns that map to nothing out instead of stopping'
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -l skip-invalid -d 'Send the valid rows and report the invalid ones instead of stopping'
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -l dry-run -d 'Check every row and print each valid row\'s request body (-o ndjson or json); send nothing'
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -l allow-refunds -d 'Send zero and negative amounts (refunds, corrections); without it they are invalid, since they still fire the channel\'s purchase rewards'
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -l retry-unknown -d 'Re-send rows an earlier run sent without a reliable answer (they may be recorded already)'
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -l retry-failed -d 'Re-send rows the server refused in an earlier run'
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -l no-ci-annotations -d 'Under GitHub Actions (GITHUB_ACTIONS=true), write no job summary, no annotations and no step outputs'
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -l sandbox -d 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -l no-ledger -d 'Remember nothing: leads created by earlier runs are created again'
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -s q -l quiet -d 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -s v -l verbose -d 'Print more on stderr; -v logs every request and response with the API key redacted'
complete -c leadctl -n "__fish_leadctl_using_subcommand purchases; and __fish_seen_subcommand_from import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c leadctl -n "__fish_leadctl_using_subcommand apply" -l max-create -d 'Send nothing when the plan holds more than N lead creates (exit 6) [default: the profile\'s max_create]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand apply" -l max-changes -d 'Send nothing when the plan holds more than N changes: updates, status moves and purchases (exit 6) [default: the profile\'s max_changes]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand apply" -l concurrency -d 'Requests in flight at once: auto (adapts to the server\'s latency, 429s and overload answers) or a fixed number from 1 to 256 [default: the profile\'s concurrency, else auto]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand apply" -l max-concurrency -d 'The most requests in flight: auto never goes past it, and a fixed --concurrency N above it is refused (exit 2) [default: 32; with a fixed --concurrency N, N]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand apply" -l rate -d 'At most N requests a second' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand apply" -l report -d 'Write the run\'s report, one JSON document (doc/report.schema.json), to FILE when the run ends, also when it fails or is interrupted [env: LEADCTL_REPORT]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand apply" -s p -l profile -d 'Config profile to use [env: LEADCTL_PROFILE] (default: the config\'s default_profile, else "default")' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand apply" -l api-url -d 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand apply" -l ca-bundle -d 'Extra PEM root certificates, added to the system\'s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand apply" -l ledger -d 'Where leadctl remembers the leads it created, so each is created once: a SQLite file, or a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile\'s ledger, else ledger.sqlite3 in the data directory; in memory with --sandbox]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand apply" -s o -l output -d 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]' -r -f -a "table\t'Human-readable table (default)'
json\t'The API objects as JSON (an array when there are several)'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
id\t'Only the id, one per line'"
complete -c leadctl -n "__fish_leadctl_using_subcommand apply" -l timeout -d 'Per-request timeout in seconds [default: 30]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand apply" -l color -d 'When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on] [default: auto]' -r -f -a "auto\t'Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c leadctl -n "__fish_leadctl_using_subcommand apply" -l new-ledger -d 'Go on although this ledger has never seen a channel whose newest-leads window is full (100 leads: older ones cannot be checked, so leads created elsewhere may be created again); without it such an apply stops before the first create (exit 3), or asks on a terminal'
complete -c leadctl -n "__fish_leadctl_using_subcommand apply" -l no-ci-annotations -d 'Under GitHub Actions (GITHUB_ACTIONS=true), write no job summary, no annotations and no step outputs'
complete -c leadctl -n "__fish_leadctl_using_subcommand apply" -l sandbox -d 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
complete -c leadctl -n "__fish_leadctl_using_subcommand apply" -l no-ledger -d 'Remember nothing: leads created by earlier runs are created again'
complete -c leadctl -n "__fish_leadctl_using_subcommand apply" -s q -l quiet -d 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
complete -c leadctl -n "__fish_leadctl_using_subcommand apply" -s v -l verbose -d 'Print more on stderr; -v logs every request and response with the API key redacted'
complete -c leadctl -n "__fish_leadctl_using_subcommand apply" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c leadctl -n "__fish_leadctl_using_subcommand api" -s f -l field -d 'A string field: KEY=VALUE (repeatable)' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand api" -s F -l raw-field -d 'A JSON field: KEY=JSON, e.g. -F legacy_id=42 or -F \'trigger_ids=["..."]\' (repeatable)' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand api" -l input -d 'Read the body\'s fields from a JSON object in FILE (`-` = stdin)' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand api" -s p -l profile -d 'Config profile to use [env: LEADCTL_PROFILE] (default: the config\'s default_profile, else "default")' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand api" -l api-url -d 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand api" -l ca-bundle -d 'Extra PEM root certificates, added to the system\'s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand api" -l ledger -d 'Where leadctl remembers the leads it created, so each is created once: a SQLite file, or a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile\'s ledger, else ledger.sqlite3 in the data directory; in memory with --sandbox]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand api" -s o -l output -d 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]' -r -f -a "table\t'Human-readable table (default)'
json\t'The API objects as JSON (an array when there are several)'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
id\t'Only the id, one per line'"
complete -c leadctl -n "__fish_leadctl_using_subcommand api" -l timeout -d 'Per-request timeout in seconds [default: 30]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand api" -l color -d 'When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on] [default: auto]' -r -f -a "auto\t'Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c leadctl -n "__fish_leadctl_using_subcommand api" -l sandbox -d 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
complete -c leadctl -n "__fish_leadctl_using_subcommand api" -l no-ledger -d 'Remember nothing: leads created by earlier runs are created again'
complete -c leadctl -n "__fish_leadctl_using_subcommand api" -s q -l quiet -d 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
complete -c leadctl -n "__fish_leadctl_using_subcommand api" -s v -l verbose -d 'Print more on stderr; -v logs every request and response with the API key redacted'
complete -c leadctl -n "__fish_leadctl_using_subcommand api" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and not __fish_seen_subcommand_from path status list forget adopt export import runs check copy" -s p -l profile -d 'Config profile to use [env: LEADCTL_PROFILE] (default: the config\'s default_profile, else "default")' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and not __fish_seen_subcommand_from path status list forget adopt export import runs check copy" -l api-url -d 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and not __fish_seen_subcommand_from path status list forget adopt export import runs check copy" -l ca-bundle -d 'Extra PEM root certificates, added to the system\'s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and not __fish_seen_subcommand_from path status list forget adopt export import runs check copy" -l ledger -d 'Where leadctl remembers the leads it created, so each is created once: a SQLite file, or a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile\'s ledger, else ledger.sqlite3 in the data directory; in memory with --sandbox]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and not __fish_seen_subcommand_from path status list forget adopt export import runs check copy" -s o -l output -d 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]' -r -f -a "table\t'Human-readable table (default)'
json\t'The API objects as JSON (an array when there are several)'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
id\t'Only the id, one per line'"
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and not __fish_seen_subcommand_from path status list forget adopt export import runs check copy" -l timeout -d 'Per-request timeout in seconds [default: 30]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and not __fish_seen_subcommand_from path status list forget adopt export import runs check copy" -l color -d 'When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on] [default: auto]' -r -f -a "auto\t'Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and not __fish_seen_subcommand_from path status list forget adopt export import runs check copy" -l sandbox -d 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and not __fish_seen_subcommand_from path status list forget adopt export import runs check copy" -l no-ledger -d 'Remember nothing: leads created by earlier runs are created again'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and not __fish_seen_subcommand_from path status list forget adopt export import runs check copy" -s q -l quiet -d 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and not __fish_seen_subcommand_from path status list forget adopt export import runs check copy" -s v -l verbose -d 'Print more on stderr; -v logs every request and response with the API key redacted'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and not __fish_seen_subcommand_from path status list forget adopt export import runs check copy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and not __fish_seen_subcommand_from path status list forget adopt export import runs check copy" -f -a "path" -d 'Print where the ledger is (--ledger, LEADCTL_LEDGER, the profile\'s ledger, or the default)'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and not __fish_seen_subcommand_from path status list forget adopt export import runs check copy" -f -a "status" -d 'Count the ledger\'s leads, status moves and purchases by API URL, channel and state'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and not __fish_seen_subcommand_from path status list forget adopt export import runs check copy" -f -a "list" -d 'List the ledger\'s keys (-o table, csv, json or ndjson)'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and not __fish_seen_subcommand_from path status list forget adopt export import runs check copy" -f -a "forget" -d 'Forget keys, so that the next import or create sends them again (asks on a terminal)'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and not __fish_seen_subcommand_from path status list forget adopt export import runs check copy" -f -a "adopt" -d 'Mark the leads of a CSV that already exist in KeenPartner as created, so imports skip them'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and not __fish_seen_subcommand_from path status list forget adopt export import runs check copy" -f -a "export" -d 'Write the ledger\'s keys as NDJSON (a backup, or to move it)'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and not __fish_seen_subcommand_from path status list forget adopt export import runs check copy" -f -a "import" -d 'Read keys written by `ledger export` (NDJSON; `-` = stdin); existing keys are overwritten'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and not __fish_seen_subcommand_from path status list forget adopt export import runs check copy" -f -a "runs" -d 'List the runs recorded in the ledger, newest first, or show one (`runs show ID`)'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and not __fish_seen_subcommand_from path status list forget adopt export import runs check copy" -f -a "check" -d 'Check the ledger for damage: the database\'s integrity check and every entry\'s checksum'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and not __fish_seen_subcommand_from path status list forget adopt export import runs check copy" -f -a "copy" -d 'Copy every key of one ledger into another: a SQLite file to PostgreSQL, or back'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from path" -s p -l profile -d 'Config profile to use [env: LEADCTL_PROFILE] (default: the config\'s default_profile, else "default")' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from path" -l api-url -d 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from path" -l ca-bundle -d 'Extra PEM root certificates, added to the system\'s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from path" -l ledger -d 'Where leadctl remembers the leads it created, so each is created once: a SQLite file, or a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile\'s ledger, else ledger.sqlite3 in the data directory; in memory with --sandbox]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from path" -s o -l output -d 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]' -r -f -a "table\t'Human-readable table (default)'
json\t'The API objects as JSON (an array when there are several)'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
id\t'Only the id, one per line'"
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from path" -l timeout -d 'Per-request timeout in seconds [default: 30]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from path" -l color -d 'When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on] [default: auto]' -r -f -a "auto\t'Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from path" -l sandbox -d 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from path" -l no-ledger -d 'Remember nothing: leads created by earlier runs are created again'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from path" -s q -l quiet -d 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from path" -s v -l verbose -d 'Print more on stderr; -v logs every request and response with the API key redacted'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from path" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from status" -s p -l profile -d 'Config profile to use [env: LEADCTL_PROFILE] (default: the config\'s default_profile, else "default")' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from status" -l api-url -d 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from status" -l ca-bundle -d 'Extra PEM root certificates, added to the system\'s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from status" -l ledger -d 'Where leadctl remembers the leads it created, so each is created once: a SQLite file, or a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile\'s ledger, else ledger.sqlite3 in the data directory; in memory with --sandbox]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from status" -s o -l output -d 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]' -r -f -a "table\t'Human-readable table (default)'
json\t'The API objects as JSON (an array when there are several)'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
id\t'Only the id, one per line'"
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from status" -l timeout -d 'Per-request timeout in seconds [default: 30]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from status" -l color -d 'When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on] [default: auto]' -r -f -a "auto\t'Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from status" -l sandbox -d 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from status" -l no-ledger -d 'Remember nothing: leads created by earlier runs are created again'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from status" -s v -l verbose -d 'Print more on stderr; -v logs every request and response with the API key redacted'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from list" -l channel -d 'Only this channel\'s keys (its id)' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from list" -l state -d 'Only keys in this state: sending, created, failed, unknown' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from list" -s p -l profile -d 'Config profile to use [env: LEADCTL_PROFILE] (default: the config\'s default_profile, else "default")' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from list" -l api-url -d 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from list" -l ca-bundle -d 'Extra PEM root certificates, added to the system\'s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from list" -l ledger -d 'Where leadctl remembers the leads it created, so each is created once: a SQLite file, or a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile\'s ledger, else ledger.sqlite3 in the data directory; in memory with --sandbox]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]' -r -f -a "table\t'Human-readable table (default)'
json\t'The API objects as JSON (an array when there are several)'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
id\t'Only the id, one per line'"
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from list" -l timeout -d 'Per-request timeout in seconds [default: 30]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from list" -l color -d 'When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on] [default: auto]' -r -f -a "auto\t'Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from list" -l all-urls -d 'Keys of every API URL, not only the current one\'s'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from list" -l sandbox -d 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from list" -l no-ledger -d 'Remember nothing: leads created by earlier runs are created again'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Print more on stderr; -v logs every request and response with the API key redacted'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from forget" -l channel -d 'Only this channel\'s keys (its id)' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from forget" -l state -d 'Only keys in this state: sending, created, failed, unknown' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from forget" -s p -l profile -d 'Config profile to use [env: LEADCTL_PROFILE] (default: the config\'s default_profile, else "default")' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from forget" -l api-url -d 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from forget" -l ca-bundle -d 'Extra PEM root certificates, added to the system\'s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from forget" -l ledger -d 'Where leadctl remembers the leads it created, so each is created once: a SQLite file, or a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile\'s ledger, else ledger.sqlite3 in the data directory; in memory with --sandbox]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from forget" -s o -l output -d 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]' -r -f -a "table\t'Human-readable table (default)'
json\t'The API objects as JSON (an array when there are several)'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
id\t'Only the id, one per line'"
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from forget" -l timeout -d 'Per-request timeout in seconds [default: 30]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from forget" -l color -d 'When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on] [default: auto]' -r -f -a "auto\t'Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from forget" -l all-urls -d 'Keys of every API URL, not only the current one\'s'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from forget" -s y -l yes -d 'Do not ask (needed when stdin is not a terminal)'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from forget" -l sandbox -d 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from forget" -l no-ledger -d 'Remember nothing: leads created by earlier runs are created again'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from forget" -s q -l quiet -d 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from forget" -s v -l verbose -d 'Print more on stderr; -v logs every request and response with the API key redacted'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from forget" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from adopt" -l channel -d 'The channel for rows without a channel_id column: its id or title [env: LEADCTL_CHANNEL, else the profile\'s]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from adopt" -l map -d 'Map a column to a field, as in `import` (repeatable)' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from adopt" -l key -d 'What identifies a lead [default: business_id, else email, else a hash of all its fields]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from adopt" -s p -l profile -d 'Config profile to use [env: LEADCTL_PROFILE] (default: the config\'s default_profile, else "default")' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from adopt" -l api-url -d 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from adopt" -l ca-bundle -d 'Extra PEM root certificates, added to the system\'s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from adopt" -l ledger -d 'Where leadctl remembers the leads it created, so each is created once: a SQLite file, or a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile\'s ledger, else ledger.sqlite3 in the data directory; in memory with --sandbox]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from adopt" -s o -l output -d 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]' -r -f -a "table\t'Human-readable table (default)'
json\t'The API objects as JSON (an array when there are several)'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
id\t'Only the id, one per line'"
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from adopt" -l timeout -d 'Per-request timeout in seconds [default: 30]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from adopt" -l color -d 'When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on] [default: auto]' -r -f -a "auto\t'Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from adopt" -l sandbox -d 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from adopt" -l no-ledger -d 'Remember nothing: leads created by earlier runs are created again'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from adopt" -s q -l quiet -d 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from adopt" -s v -l verbose -d 'Print more on stderr; -v logs every request and response with the API key redacted'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from adopt" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from export" -l channel -d 'Only this channel\'s keys (its id)' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from export" -l state -d 'Only keys in this state: sending, created, failed, unknown' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from export" -s p -l profile -d 'Config profile to use [env: LEADCTL_PROFILE] (default: the config\'s default_profile, else "default")' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from export" -l api-url -d 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from export" -l ca-bundle -d 'Extra PEM root certificates, added to the system\'s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from export" -l ledger -d 'Where leadctl remembers the leads it created, so each is created once: a SQLite file, or a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile\'s ledger, else ledger.sqlite3 in the data directory; in memory with --sandbox]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from export" -s o -l output -d 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]' -r -f -a "table\t'Human-readable table (default)'
json\t'The API objects as JSON (an array when there are several)'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
id\t'Only the id, one per line'"
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from export" -l timeout -d 'Per-request timeout in seconds [default: 30]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from export" -l color -d 'When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on] [default: auto]' -r -f -a "auto\t'Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from export" -l all-urls -d 'Keys of every API URL, not only the current one\'s'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from export" -l sandbox -d 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from export" -l no-ledger -d 'Remember nothing: leads created by earlier runs are created again'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from export" -s q -l quiet -d 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from export" -s v -l verbose -d 'Print more on stderr; -v logs every request and response with the API key redacted'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from import" -s p -l profile -d 'Config profile to use [env: LEADCTL_PROFILE] (default: the config\'s default_profile, else "default")' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from import" -l api-url -d 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from import" -l ca-bundle -d 'Extra PEM root certificates, added to the system\'s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from import" -l ledger -d 'Where leadctl remembers the leads it created, so each is created once: a SQLite file, or a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile\'s ledger, else ledger.sqlite3 in the data directory; in memory with --sandbox]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from import" -s o -l output -d 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]' -r -f -a "table\t'Human-readable table (default)'
json\t'The API objects as JSON (an array when there are several)'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
id\t'Only the id, one per line'"
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from import" -l timeout -d 'Per-request timeout in seconds [default: 30]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from import" -l color -d 'When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on] [default: auto]' -r -f -a "auto\t'Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from import" -l sandbox -d 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from import" -l no-ledger -d 'Remember nothing: leads created by earlier runs are created again'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from import" -s q -l quiet -d 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from import" -s v -l verbose -d 'Print more on stderr; -v logs every request and response with the API key redacted'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from runs" -s n -l limit -d 'How many runs to list (the newest)' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from runs" -s p -l profile -d 'Config profile to use [env: LEADCTL_PROFILE] (default: the config\'s default_profile, else "default")' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from runs" -l api-url -d 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from runs" -l ca-bundle -d 'Extra PEM root certificates, added to the system\'s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from runs" -l ledger -d 'Where leadctl remembers the leads it created, so each is created once: a SQLite file, or a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile\'s ledger, else ledger.sqlite3 in the data directory; in memory with --sandbox]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from runs" -s o -l output -d 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]' -r -f -a "table\t'Human-readable table (default)'
json\t'The API objects as JSON (an array when there are several)'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
id\t'Only the id, one per line'"
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from runs" -l timeout -d 'Per-request timeout in seconds [default: 30]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from runs" -l color -d 'When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on] [default: auto]' -r -f -a "auto\t'Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from runs" -l sandbox -d 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from runs" -l no-ledger -d 'Remember nothing: leads created by earlier runs are created again'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from runs" -s q -l quiet -d 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from runs" -s v -l verbose -d 'Print more on stderr; -v logs every request and response with the API key redacted'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from runs" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from runs" -f -a "show" -d 'Show one run\'s report (the document --report wrote), by its id or the id\'s first characters'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from check" -s p -l profile -d 'Config profile to use [env: LEADCTL_PROFILE] (default: the config\'s default_profile, else "default")' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from check" -l api-url -d 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from check" -l ca-bundle -d 'Extra PEM root certificates, added to the system\'s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from check" -l ledger -d 'Where leadctl remembers the leads it created, so each is created once: a SQLite file, or a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile\'s ledger, else ledger.sqlite3 in the data directory; in memory with --sandbox]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from check" -s o -l output -d 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]' -r -f -a "table\t'Human-readable table (default)'
json\t'The API objects as JSON (an array when there are several)'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
id\t'Only the id, one per line'"
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from check" -l timeout -d 'Per-request timeout in seconds [default: 30]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from check" -l color -d 'When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on] [default: auto]' -r -f -a "auto\t'Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from check" -l sandbox -d 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from check" -l no-ledger -d 'Remember nothing: leads created by earlier runs are created again'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from check" -s q -l quiet -d 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from check" -s v -l verbose -d 'Print more on stderr; -v logs every request and response with the API key redacted'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from copy" -s p -l profile -d 'Config profile to use [env: LEADCTL_PROFILE] (default: the config\'s default_profile, else "default")' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from copy" -l api-url -d 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from copy" -l ca-bundle -d 'Extra PEM root certificates, added to the system\'s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from copy" -l ledger -d 'Where leadctl remembers the leads it created, so each is created once: a SQLite file, or a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile\'s ledger, else ledger.sqlite3 in the data directory; in memory with --sandbox]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from copy" -s o -l output -d 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]' -r -f -a "table\t'Human-readable table (default)'
json\t'The API objects as JSON (an array when there are several)'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
id\t'Only the id, one per line'"
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from copy" -l timeout -d 'Per-request timeout in seconds [default: 30]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from copy" -l color -d 'When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on] [default: auto]' -r -f -a "auto\t'Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from copy" -l sandbox -d 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from copy" -l no-ledger -d 'Remember nothing: leads created by earlier runs are created again'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from copy" -s q -l quiet -d 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from copy" -s v -l verbose -d 'Print more on stderr; -v logs every request and response with the API key redacted'
complete -c leadctl -n "__fish_leadctl_using_subcommand ledger; and __fish_seen_subcommand_from copy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c leadctl -n "__fish_leadctl_using_subcommand sandbox; and not __fish_seen_subcommand_from serve" -s p -l profile -d 'Config profile to use [env: LEADCTL_PROFILE] (default: the config\'s default_profile, else "default")' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand sandbox; and not __fish_seen_subcommand_from serve" -l api-url -d 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand sandbox; and not __fish_seen_subcommand_from serve" -l ca-bundle -d 'Extra PEM root certificates, added to the system\'s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand sandbox; and not __fish_seen_subcommand_from serve" -l ledger -d 'Where leadctl remembers the leads it created, so each is created once: a SQLite file, or a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile\'s ledger, else ledger.sqlite3 in the data directory; in memory with --sandbox]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand sandbox; and not __fish_seen_subcommand_from serve" -s o -l output -d 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]' -r -f -a "table\t'Human-readable table (default)'
json\t'The API objects as JSON (an array when there are several)'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
id\t'Only the id, one per line'"
complete -c leadctl -n "__fish_leadctl_using_subcommand sandbox; and not __fish_seen_subcommand_from serve" -l timeout -d 'Per-request timeout in seconds [default: 30]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand sandbox; and not __fish_seen_subcommand_from serve" -l color -d 'When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on] [default: auto]' -r -f -a "auto\t'Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c leadctl -n "__fish_leadctl_using_subcommand sandbox; and not __fish_seen_subcommand_from serve" -l sandbox -d 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
complete -c leadctl -n "__fish_leadctl_using_subcommand sandbox; and not __fish_seen_subcommand_from serve" -l no-ledger -d 'Remember nothing: leads created by earlier runs are created again'
complete -c leadctl -n "__fish_leadctl_using_subcommand sandbox; and not __fish_seen_subcommand_from serve" -s q -l quiet -d 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
complete -c leadctl -n "__fish_leadctl_using_subcommand sandbox; and not __fish_seen_subcommand_from serve" -s v -l verbose -d 'Print more on stderr; -v logs every request and response with the API key redacted'
complete -c leadctl -n "__fish_leadctl_using_subcommand sandbox; and not __fish_seen_subcommand_from serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c leadctl -n "__fish_leadctl_using_subcommand sandbox; and not __fish_seen_subcommand_from serve" -f -a "serve" -d 'Serve the emulator on a loopback address until Ctrl-C'
complete -c leadctl -n "__fish_leadctl_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l addr -d 'Address to listen on (loopback only)' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l latency-ms -d 'Delay every answer by N milliseconds' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l error-rate -d 'Answer this fraction of requests with 500 before processing them' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l rate-limit -d 'Answer 429 with Retry-After past N requests a second' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l drop-rate -d 'Process this fraction of requests, then close the connection without answering' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l boot-error-rate -d 'Answer this fraction with 503 and `sb-error-code: BOOT_ERROR`, unprocessed' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l capacity -d 'Process at most N requests at once; the rest wait their turn, so latency grows with load (--latency-ms is each one\'s service time)' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l overload-at -d 'Past N requests in flight (waiting or processing), answer 546 WORKER_LIMIT: 7 in 10 before processing, 3 in 10 after it (the lead is created anyway: an unknown outcome)' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l seed -d 'Seed for the fault injection, for repeatable runs' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l state -d 'Keep the data in FILE across restarts (written atomically)' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -s p -l profile -d 'Config profile to use [env: LEADCTL_PROFILE] (default: the config\'s default_profile, else "default")' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l api-url -d 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l ca-bundle -d 'Extra PEM root certificates, added to the system\'s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l ledger -d 'Where leadctl remembers the leads it created, so each is created once: a SQLite file, or a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile\'s ledger, else ledger.sqlite3 in the data directory; in memory with --sandbox]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -s o -l output -d 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]' -r -f -a "table\t'Human-readable table (default)'
json\t'The API objects as JSON (an array when there are several)'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
id\t'Only the id, one per line'"
complete -c leadctl -n "__fish_leadctl_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l timeout -d 'Per-request timeout in seconds [default: 30]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l color -d 'When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on] [default: auto]' -r -f -a "auto\t'Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c leadctl -n "__fish_leadctl_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l sandbox -d 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
complete -c leadctl -n "__fish_leadctl_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l no-ledger -d 'Remember nothing: leads created by earlier runs are created again'
complete -c leadctl -n "__fish_leadctl_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -s q -l quiet -d 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
complete -c leadctl -n "__fish_leadctl_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -s v -l verbose -d 'Print more on stderr; -v logs every request and response with the API key redacted'
complete -c leadctl -n "__fish_leadctl_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and not __fish_seen_subcommand_from path list get set unset use set-key" -s p -l profile -d 'Config profile to use [env: LEADCTL_PROFILE] (default: the config\'s default_profile, else "default")' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and not __fish_seen_subcommand_from path list get set unset use set-key" -l api-url -d 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and not __fish_seen_subcommand_from path list get set unset use set-key" -l ca-bundle -d 'Extra PEM root certificates, added to the system\'s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and not __fish_seen_subcommand_from path list get set unset use set-key" -l ledger -d 'Where leadctl remembers the leads it created, so each is created once: a SQLite file, or a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile\'s ledger, else ledger.sqlite3 in the data directory; in memory with --sandbox]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and not __fish_seen_subcommand_from path list get set unset use set-key" -s o -l output -d 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]' -r -f -a "table\t'Human-readable table (default)'
json\t'The API objects as JSON (an array when there are several)'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
id\t'Only the id, one per line'"
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and not __fish_seen_subcommand_from path list get set unset use set-key" -l timeout -d 'Per-request timeout in seconds [default: 30]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and not __fish_seen_subcommand_from path list get set unset use set-key" -l color -d 'When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on] [default: auto]' -r -f -a "auto\t'Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and not __fish_seen_subcommand_from path list get set unset use set-key" -l sandbox -d 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and not __fish_seen_subcommand_from path list get set unset use set-key" -l no-ledger -d 'Remember nothing: leads created by earlier runs are created again'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and not __fish_seen_subcommand_from path list get set unset use set-key" -s q -l quiet -d 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and not __fish_seen_subcommand_from path list get set unset use set-key" -s v -l verbose -d 'Print more on stderr; -v logs every request and response with the API key redacted'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and not __fish_seen_subcommand_from path list get set unset use set-key" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and not __fish_seen_subcommand_from path list get set unset use set-key" -f -a "path" -d 'Print the config file\'s path (LEADCTL_CONFIG, else the platform config directory)'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and not __fish_seen_subcommand_from path list get set unset use set-key" -f -a "list" -d 'Show the active profile\'s effective settings, each with where it came from (flag, environment, key file, config file or default), and the other profiles; keys are masked'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and not __fish_seen_subcommand_from path list get set unset use set-key" -f -a "get" -d 'Print a key\'s value as stored in the profile (api_key and a ledger URL\'s password masked)'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and not __fish_seen_subcommand_from path list get set unset use set-key" -f -a "set" -d 'Set a key in the profile, creating the profile and the file when needed (api_key: use set-key)'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and not __fish_seen_subcommand_from path list get set unset use set-key" -f -a "unset" -d 'Remove a key from the profile'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and not __fish_seen_subcommand_from path list get set unset use set-key" -f -a "use" -d 'Make a profile the default (sets default_profile; LEADCTL_PROFILE and -p still win)'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and not __fish_seen_subcommand_from path list get set unset use set-key" -f -a "set-key" -d 'Store an API key in the profile: read from stdin, or prompted for without echo on a terminal, so it never lands in shell history. Must be a KeenPartner key (a UUID)'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from path" -s p -l profile -d 'Config profile to use [env: LEADCTL_PROFILE] (default: the config\'s default_profile, else "default")' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from path" -l api-url -d 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from path" -l ca-bundle -d 'Extra PEM root certificates, added to the system\'s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from path" -l ledger -d 'Where leadctl remembers the leads it created, so each is created once: a SQLite file, or a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile\'s ledger, else ledger.sqlite3 in the data directory; in memory with --sandbox]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from path" -s o -l output -d 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]' -r -f -a "table\t'Human-readable table (default)'
json\t'The API objects as JSON (an array when there are several)'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
id\t'Only the id, one per line'"
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from path" -l timeout -d 'Per-request timeout in seconds [default: 30]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from path" -l color -d 'When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on] [default: auto]' -r -f -a "auto\t'Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from path" -l sandbox -d 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from path" -l no-ledger -d 'Remember nothing: leads created by earlier runs are created again'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from path" -s q -l quiet -d 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from path" -s v -l verbose -d 'Print more on stderr; -v logs every request and response with the API key redacted'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from path" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from list" -s p -l profile -d 'Config profile to use [env: LEADCTL_PROFILE] (default: the config\'s default_profile, else "default")' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from list" -l api-url -d 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from list" -l ca-bundle -d 'Extra PEM root certificates, added to the system\'s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from list" -l ledger -d 'Where leadctl remembers the leads it created, so each is created once: a SQLite file, or a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile\'s ledger, else ledger.sqlite3 in the data directory; in memory with --sandbox]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]' -r -f -a "table\t'Human-readable table (default)'
json\t'The API objects as JSON (an array when there are several)'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
id\t'Only the id, one per line'"
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from list" -l timeout -d 'Per-request timeout in seconds [default: 30]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from list" -l color -d 'When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on] [default: auto]' -r -f -a "auto\t'Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from list" -l sandbox -d 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from list" -l no-ledger -d 'Remember nothing: leads created by earlier runs are created again'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Print more on stderr; -v logs every request and response with the API key redacted'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from get" -s p -l profile -d 'Config profile to use [env: LEADCTL_PROFILE] (default: the config\'s default_profile, else "default")' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from get" -l api-url -d 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from get" -l ca-bundle -d 'Extra PEM root certificates, added to the system\'s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from get" -l ledger -d 'Where leadctl remembers the leads it created, so each is created once: a SQLite file, or a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile\'s ledger, else ledger.sqlite3 in the data directory; in memory with --sandbox]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from get" -s o -l output -d 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]' -r -f -a "table\t'Human-readable table (default)'
json\t'The API objects as JSON (an array when there are several)'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
id\t'Only the id, one per line'"
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from get" -l timeout -d 'Per-request timeout in seconds [default: 30]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from get" -l color -d 'When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on] [default: auto]' -r -f -a "auto\t'Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from get" -l show-secret -d 'Print a ledger URL\'s password as stored (api_key stays masked: set-key replaces it)'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from get" -l sandbox -d 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from get" -l no-ledger -d 'Remember nothing: leads created by earlier runs are created again'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from get" -s q -l quiet -d 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from get" -s v -l verbose -d 'Print more on stderr; -v logs every request and response with the API key redacted'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from get" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from set" -s p -l profile -d 'Config profile to use [env: LEADCTL_PROFILE] (default: the config\'s default_profile, else "default")' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from set" -l api-url -d 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from set" -l ca-bundle -d 'Extra PEM root certificates, added to the system\'s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from set" -l ledger -d 'Where leadctl remembers the leads it created, so each is created once: a SQLite file, or a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile\'s ledger, else ledger.sqlite3 in the data directory; in memory with --sandbox]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from set" -s o -l output -d 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]' -r -f -a "table\t'Human-readable table (default)'
json\t'The API objects as JSON (an array when there are several)'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
id\t'Only the id, one per line'"
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from set" -l timeout -d 'Per-request timeout in seconds [default: 30]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from set" -l color -d 'When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on] [default: auto]' -r -f -a "auto\t'Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from set" -l sandbox -d 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from set" -l no-ledger -d 'Remember nothing: leads created by earlier runs are created again'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from set" -s q -l quiet -d 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from set" -s v -l verbose -d 'Print more on stderr; -v logs every request and response with the API key redacted'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from unset" -s p -l profile -d 'Config profile to use [env: LEADCTL_PROFILE] (default: the config\'s default_profile, else "default")' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from unset" -l api-url -d 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from unset" -l ca-bundle -d 'Extra PEM root certificates, added to the system\'s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from unset" -l ledger -d 'Where leadctl remembers the leads it created, so each is created once: a SQLite file, or a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile\'s ledger, else ledger.sqlite3 in the data directory; in memory with --sandbox]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from unset" -s o -l output -d 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]' -r -f -a "table\t'Human-readable table (default)'
json\t'The API objects as JSON (an array when there are several)'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
id\t'Only the id, one per line'"
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from unset" -l timeout -d 'Per-request timeout in seconds [default: 30]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from unset" -l color -d 'When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on] [default: auto]' -r -f -a "auto\t'Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from unset" -l sandbox -d 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from unset" -l no-ledger -d 'Remember nothing: leads created by earlier runs are created again'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from unset" -s q -l quiet -d 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from unset" -s v -l verbose -d 'Print more on stderr; -v logs every request and response with the API key redacted'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from unset" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from use" -s p -l profile -d 'Config profile to use [env: LEADCTL_PROFILE] (default: the config\'s default_profile, else "default")' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from use" -l api-url -d 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from use" -l ca-bundle -d 'Extra PEM root certificates, added to the system\'s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from use" -l ledger -d 'Where leadctl remembers the leads it created, so each is created once: a SQLite file, or a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile\'s ledger, else ledger.sqlite3 in the data directory; in memory with --sandbox]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from use" -s o -l output -d 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]' -r -f -a "table\t'Human-readable table (default)'
json\t'The API objects as JSON (an array when there are several)'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
id\t'Only the id, one per line'"
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from use" -l timeout -d 'Per-request timeout in seconds [default: 30]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from use" -l color -d 'When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on] [default: auto]' -r -f -a "auto\t'Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from use" -l sandbox -d 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from use" -l no-ledger -d 'Remember nothing: leads created by earlier runs are created again'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from use" -s q -l quiet -d 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from use" -s v -l verbose -d 'Print more on stderr; -v logs every request and response with the API key redacted'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from use" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from set-key" -s p -l profile -d 'Config profile to use [env: LEADCTL_PROFILE] (default: the config\'s default_profile, else "default")' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from set-key" -l api-url -d 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from set-key" -l ca-bundle -d 'Extra PEM root certificates, added to the system\'s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from set-key" -l ledger -d 'Where leadctl remembers the leads it created, so each is created once: a SQLite file, or a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile\'s ledger, else ledger.sqlite3 in the data directory; in memory with --sandbox]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from set-key" -s o -l output -d 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]' -r -f -a "table\t'Human-readable table (default)'
json\t'The API objects as JSON (an array when there are several)'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
id\t'Only the id, one per line'"
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from set-key" -l timeout -d 'Per-request timeout in seconds [default: 30]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from set-key" -l color -d 'When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on] [default: auto]' -r -f -a "auto\t'Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from set-key" -l sandbox -d 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from set-key" -l no-ledger -d 'Remember nothing: leads created by earlier runs are created again'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from set-key" -s q -l quiet -d 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from set-key" -s v -l verbose -d 'Print more on stderr; -v logs every request and response with the API key redacted'
complete -c leadctl -n "__fish_leadctl_using_subcommand config; and __fish_seen_subcommand_from set-key" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c leadctl -n "__fish_leadctl_using_subcommand completions" -s p -l profile -d 'Config profile to use [env: LEADCTL_PROFILE] (default: the config\'s default_profile, else "default")' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand completions" -l api-url -d 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand completions" -l ca-bundle -d 'Extra PEM root certificates, added to the system\'s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand completions" -l ledger -d 'Where leadctl remembers the leads it created, so each is created once: a SQLite file, or a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile\'s ledger, else ledger.sqlite3 in the data directory; in memory with --sandbox]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand completions" -s o -l output -d 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]' -r -f -a "table\t'Human-readable table (default)'
json\t'The API objects as JSON (an array when there are several)'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
id\t'Only the id, one per line'"
complete -c leadctl -n "__fish_leadctl_using_subcommand completions" -l timeout -d 'Per-request timeout in seconds [default: 30]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand completions" -l color -d 'When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on] [default: auto]' -r -f -a "auto\t'Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c leadctl -n "__fish_leadctl_using_subcommand completions" -l sandbox -d 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
complete -c leadctl -n "__fish_leadctl_using_subcommand completions" -l no-ledger -d 'Remember nothing: leads created by earlier runs are created again'
complete -c leadctl -n "__fish_leadctl_using_subcommand completions" -s q -l quiet -d 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
complete -c leadctl -n "__fish_leadctl_using_subcommand completions" -s v -l verbose -d 'Print more on stderr; -v logs every request and response with the API key redacted'
complete -c leadctl -n "__fish_leadctl_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c leadctl -n "__fish_leadctl_using_subcommand man" -s p -l profile -d 'Config profile to use [env: LEADCTL_PROFILE] (default: the config\'s default_profile, else "default")' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand man" -l api-url -d 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand man" -l ca-bundle -d 'Extra PEM root certificates, added to the system\'s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand man" -l ledger -d 'Where leadctl remembers the leads it created, so each is created once: a SQLite file, or a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile\'s ledger, else ledger.sqlite3 in the data directory; in memory with --sandbox]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand man" -s o -l output -d 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]' -r -f -a "table\t'Human-readable table (default)'
json\t'The API objects as JSON (an array when there are several)'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
id\t'Only the id, one per line'"
complete -c leadctl -n "__fish_leadctl_using_subcommand man" -l timeout -d 'Per-request timeout in seconds [default: 30]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand man" -l color -d 'When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on] [default: auto]' -r -f -a "auto\t'Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c leadctl -n "__fish_leadctl_using_subcommand man" -l sandbox -d 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
complete -c leadctl -n "__fish_leadctl_using_subcommand man" -l no-ledger -d 'Remember nothing: leads created by earlier runs are created again'
complete -c leadctl -n "__fish_leadctl_using_subcommand man" -s q -l quiet -d 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
complete -c leadctl -n "__fish_leadctl_using_subcommand man" -s v -l verbose -d 'Print more on stderr; -v logs every request and response with the API key redacted'
complete -c leadctl -n "__fish_leadctl_using_subcommand man" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c leadctl -n "__fish_leadctl_using_subcommand help" -s p -l profile -d 'Config profile to use [env: LEADCTL_PROFILE] (default: the config\'s default_profile, else "default")' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand help" -l api-url -d 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand help" -l ca-bundle -d 'Extra PEM root certificates, added to the system\'s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand help" -l ledger -d 'Where leadctl remembers the leads it created, so each is created once: a SQLite file, or a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile\'s ledger, else ledger.sqlite3 in the data directory; in memory with --sandbox]' -r -F
complete -c leadctl -n "__fish_leadctl_using_subcommand help" -s o -l output -d 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]' -r -f -a "table\t'Human-readable table (default)'
json\t'The API objects as JSON (an array when there are several)'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
id\t'Only the id, one per line'"
complete -c leadctl -n "__fish_leadctl_using_subcommand help" -l timeout -d 'Per-request timeout in seconds [default: 30]' -r
complete -c leadctl -n "__fish_leadctl_using_subcommand help" -l color -d 'When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on] [default: auto]' -r -f -a "auto\t'Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)'
always\t'Always, even into a pipe or a file'
never\t'Never'"
complete -c leadctl -n "__fish_leadctl_using_subcommand help" -l sandbox -d 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
complete -c leadctl -n "__fish_leadctl_using_subcommand help" -l no-ledger -d 'Remember nothing: leads created by earlier runs are created again'
complete -c leadctl -n "__fish_leadctl_using_subcommand help" -s q -l quiet -d 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
complete -c leadctl -n "__fish_leadctl_using_subcommand help" -s v -l verbose -d 'Print more on stderr; -v logs every request and response with the API key redacted'
complete -c leadctl -n "__fish_leadctl_using_subcommand help" -s h -l help -d 'Print help (see more with \'--help\')'


use builtin;
use str;

set edit:completion:arg-completer[leadctl] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'leadctl'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'leadctl'= {
            cand -p 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --profile 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --api-url 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]'
            cand --ca-bundle 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]'
            cand -o 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --output 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --timeout 'Per-request timeout in seconds [default: 30]'
            cand --color 'When to use colour [env: NO_COLOR disables it] [default: auto]'
            cand --sandbox 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
            cand -q 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand --quiet 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand -v 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand --verbose 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand create 'Create one lead from flags, or several from JSON (fires reward triggers and webhooks)'
            cand import 'Create leads from the rows of a CSV file (fires reward triggers and webhooks per lead)'
            cand channels 'List the channels your key can access, or show one with its properties and statuses'
            cand leads 'List, read, update and move leads through statuses'
            cand purchases 'Record purchases on leads (fires purchase reward triggers)'
            cand api 'Send any API action, raw, with leadctl''s key handling, errors and output (like `gh api`)'
            cand sandbox 'Run the built-in emulator of the KeenPartner API'
            cand config 'Show and change the config file: profiles, API keys, and where each setting comes from'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'leadctl;create'= {
            cand --channel 'The channel to create the lead in [env: LEADCTL_CHANNEL, else the profile''s channel]'
            cand --json 'Read leads in the API''s field names from FILE (`-` = stdin): one object, an array, or one object per line; for a single object, flags override its fields'
            cand --email 'The lead''s email address'
            cand --first-name 'First name'
            cand --last-name 'Last name'
            cand --phone 'Phone number'
            cand --company 'Company name (the API''s company_name)'
            cand --source 'Where the lead came from, e.g. "Website" or "Referral"'
            cand --employee 'Employee at the referring company'
            cand --notes 'Free-text notes'
            cand --business-id 'Your external or CRM id for the lead'
            cand --property 'A custom property; KEY is a property definition UUID or its name on the channel (repeatable)'
            cand -p 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --profile 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --api-url 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]'
            cand --ca-bundle 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]'
            cand -o 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --output 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --timeout 'Per-request timeout in seconds [default: 30]'
            cand --color 'When to use colour [env: NO_COLOR disables it] [default: auto]'
            cand --public 'Send `lead_external` instead: no API key is sent; the channel must have its public API enabled'
            cand --dry-run 'Validate and print the exact request body(ies) as JSON on stdout; send nothing'
            cand --sandbox 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
            cand -q 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand --quiet 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand -v 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand --verbose 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'leadctl;import'= {
            cand --channel 'The channel for rows without a channel_id column [env: LEADCTL_CHANNEL, else the profile''s]'
            cand --map 'Map a column to a field: email, first_name, ..., channel_id, property:NAME_OR_UUID, ignore (repeatable)'
            cand --encoding 'The file''s encoding, e.g. utf-8, utf-16le, windows-1252, latin1 [default: detected]'
            cand --delimiter 'The delimiter: one character, or tab, comma, semicolon, pipe [default: detected]'
            cand --concurrency 'Requests in flight at once [default: the profile''s concurrency, else 4]'
            cand --rate 'At most N requests a second'
            cand --shard 'Only rows where (row - 1) mod N == K - 1, so N machines can split one file'
            cand --max-errors 'Stop sending after N rows failed (or got no reliable answer)'
            cand --journal 'The journal that makes the import resumable [default: FILE.leadctl-journal]'
            cand --errors 'Where to write the rows that were not created [default: FILE.errors.csv]'
            cand -p 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --profile 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --api-url 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]'
            cand --ca-bundle 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]'
            cand -o 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --output 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --timeout 'Per-request timeout in seconds [default: 30]'
            cand --color 'When to use colour [env: NO_COLOR disables it] [default: auto]'
            cand --ignore-unknown 'Leave columns that map to nothing out instead of stopping'
            cand --skip-invalid 'Send the valid rows and report the invalid ones instead of stopping'
            cand --dry-run 'Check every row and print the request bodies (-o ndjson or json); send nothing'
            cand --no-journal 'Keep no journal: an interrupted import cannot be resumed without duplicates'
            cand --retry-unknown 'Re-send rows an earlier run sent without a reliable answer (they may exist already)'
            cand --retry-failed 'Re-send rows the server refused in an earlier run'
            cand --reconcile 'Only settle unknown rows: look them up among the channel''s newest leads; send nothing'
            cand --sandbox 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
            cand -q 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand --quiet 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand -v 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand --verbose 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'leadctl;channels'= {
            cand -p 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --profile 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --api-url 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]'
            cand --ca-bundle 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]'
            cand -o 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --output 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --timeout 'Per-request timeout in seconds [default: 30]'
            cand --color 'When to use colour [env: NO_COLOR disables it] [default: auto]'
            cand --sandbox 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
            cand -q 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand --quiet 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand -v 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand --verbose 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand show 'Show one channel: metadata, property definitions (id, name, type), lead statuses in order'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'leadctl;channels;show'= {
            cand -p 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --profile 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --api-url 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]'
            cand --ca-bundle 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]'
            cand -o 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --output 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --timeout 'Per-request timeout in seconds [default: 30]'
            cand --color 'When to use colour [env: NO_COLOR disables it] [default: auto]'
            cand --sandbox 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
            cand -q 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand --quiet 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand -v 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand --verbose 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'leadctl;channels;help'= {
            cand show 'Show one channel: metadata, property definitions (id, name, type), lead statuses in order'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'leadctl;channels;help;show'= {
        }
        &'leadctl;channels;help;help'= {
        }
        &'leadctl;leads'= {
            cand -p 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --profile 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --api-url 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]'
            cand --ca-bundle 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]'
            cand -o 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --output 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --timeout 'Per-request timeout in seconds [default: 30]'
            cand --color 'When to use colour [env: NO_COLOR disables it] [default: auto]'
            cand --sandbox 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
            cand -q 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand --quiet 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand -v 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand --verbose 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand list 'List a channel''s newest leads (the API returns at most the newest 100)'
            cand get 'Show one lead by its id, or by its integer id from the legacy system'
            cand update 'Change a lead''s fields and custom properties (no rewards, webhooks or notifications fire)'
            cand status 'Move a lead to a status, by name or id (fires status-change reward triggers and webhooks)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'leadctl;leads;list'= {
            cand --channel 'The channel: its id, or its title (case-insensitive) [env: LEADCTL_CHANNEL, else the profile''s channel]'
            cand -p 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --profile 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --api-url 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]'
            cand --ca-bundle 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]'
            cand -o 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --output 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --timeout 'Per-request timeout in seconds [default: 30]'
            cand --color 'When to use colour [env: NO_COLOR disables it] [default: auto]'
            cand --sandbox 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
            cand -q 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand --quiet 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand -v 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand --verbose 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'leadctl;leads;get'= {
            cand --legacy-id 'The lead''s integer id in the legacy (pre-2026) system'
            cand -p 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --profile 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --api-url 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]'
            cand --ca-bundle 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]'
            cand -o 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --output 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --timeout 'Per-request timeout in seconds [default: 30]'
            cand --color 'When to use colour [env: NO_COLOR disables it] [default: auto]'
            cand --sandbox 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
            cand -q 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand --quiet 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand -v 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand --verbose 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'leadctl;leads;update'= {
            cand --email 'The lead''s email address'
            cand --first-name 'First name'
            cand --last-name 'Last name'
            cand --phone 'Phone number'
            cand --company 'Company name (the API''s company_name)'
            cand --source 'Where the lead came from, e.g. "Website" or "Referral"'
            cand --employee 'Employee at the referring company'
            cand --notes 'Free-text notes'
            cand --business-id 'Your external or CRM id for the lead'
            cand --property 'A custom property; KEY is a property definition UUID or its name on the lead''s channel (repeatable)'
            cand -p 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --profile 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --api-url 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]'
            cand --ca-bundle 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]'
            cand -o 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --output 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --timeout 'Per-request timeout in seconds [default: 30]'
            cand --color 'When to use colour [env: NO_COLOR disables it] [default: auto]'
            cand --sandbox 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
            cand -q 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand --quiet 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand -v 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand --verbose 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'leadctl;leads;status'= {
            cand -p 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --profile 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --api-url 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]'
            cand --ca-bundle 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]'
            cand -o 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --output 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --timeout 'Per-request timeout in seconds [default: 30]'
            cand --color 'When to use colour [env: NO_COLOR disables it] [default: auto]'
            cand --sandbox 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
            cand -q 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand --quiet 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand -v 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand --verbose 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'leadctl;leads;help'= {
            cand list 'List a channel''s newest leads (the API returns at most the newest 100)'
            cand get 'Show one lead by its id, or by its integer id from the legacy system'
            cand update 'Change a lead''s fields and custom properties (no rewards, webhooks or notifications fire)'
            cand status 'Move a lead to a status, by name or id (fires status-change reward triggers and webhooks)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'leadctl;leads;help;list'= {
        }
        &'leadctl;leads;help;get'= {
        }
        &'leadctl;leads;help;update'= {
        }
        &'leadctl;leads;help;status'= {
        }
        &'leadctl;leads;help;help'= {
        }
        &'leadctl;purchases'= {
            cand -p 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --profile 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --api-url 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]'
            cand --ca-bundle 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]'
            cand -o 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --output 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --timeout 'Per-request timeout in seconds [default: 30]'
            cand --color 'When to use colour [env: NO_COLOR disables it] [default: auto]'
            cand --sandbox 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
            cand -q 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand --quiet 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand -v 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand --verbose 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand create 'Record a purchase on a lead (fires the channel''s purchase reward triggers)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'leadctl;purchases;create'= {
            cand --lead 'The lead the purchase belongs to'
            cand --amount 'The amount, sent as a JSON number (in the channel''s currency)'
            cand --product 'The product''s name'
            cand --description 'A description of the purchase'
            cand --date 'When the purchase happened, RFC 3339 (default: now, set by the server)'
            cand --trigger 'Only evaluate these reward triggers (repeatable); each must be active on the lead''s channel'
            cand -p 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --profile 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --api-url 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]'
            cand --ca-bundle 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]'
            cand -o 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --output 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --timeout 'Per-request timeout in seconds [default: 30]'
            cand --color 'When to use colour [env: NO_COLOR disables it] [default: auto]'
            cand --sandbox 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
            cand -q 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand --quiet 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand -v 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand --verbose 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'leadctl;purchases;help'= {
            cand create 'Record a purchase on a lead (fires the channel''s purchase reward triggers)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'leadctl;purchases;help;create'= {
        }
        &'leadctl;purchases;help;help'= {
        }
        &'leadctl;api'= {
            cand -f 'A string field: KEY=VALUE (repeatable)'
            cand --field 'A string field: KEY=VALUE (repeatable)'
            cand -F 'A JSON field: KEY=JSON, e.g. -F legacy_id=42 or -F ''trigger_ids=["..."]'' (repeatable)'
            cand --raw-field 'A JSON field: KEY=JSON, e.g. -F legacy_id=42 or -F ''trigger_ids=["..."]'' (repeatable)'
            cand --input 'Read the body''s fields from a JSON object in FILE (`-` = stdin)'
            cand -p 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --profile 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --api-url 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]'
            cand --ca-bundle 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]'
            cand -o 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --output 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --timeout 'Per-request timeout in seconds [default: 30]'
            cand --color 'When to use colour [env: NO_COLOR disables it] [default: auto]'
            cand --sandbox 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
            cand -q 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand --quiet 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand -v 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand --verbose 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'leadctl;sandbox'= {
            cand -p 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --profile 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --api-url 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]'
            cand --ca-bundle 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]'
            cand -o 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --output 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --timeout 'Per-request timeout in seconds [default: 30]'
            cand --color 'When to use colour [env: NO_COLOR disables it] [default: auto]'
            cand --sandbox 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
            cand -q 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand --quiet 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand -v 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand --verbose 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand serve 'Serve the emulator on a loopback address until Ctrl-C'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'leadctl;sandbox;serve'= {
            cand --addr 'Address to listen on (loopback only)'
            cand --latency-ms 'Delay every answer by N milliseconds'
            cand --error-rate 'Answer this fraction of requests with 500 before processing them'
            cand --rate-limit 'Answer 429 with Retry-After past N requests a second'
            cand --drop-rate 'Process this fraction of requests, then close the connection without answering'
            cand --boot-error-rate 'Answer this fraction with 503 and `sb-error-code: BOOT_ERROR`, unprocessed'
            cand --seed 'Seed for the fault injection, for repeatable runs'
            cand --state 'Keep the data in FILE across restarts (written atomically)'
            cand -p 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --profile 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --api-url 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]'
            cand --ca-bundle 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]'
            cand -o 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --output 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --timeout 'Per-request timeout in seconds [default: 30]'
            cand --color 'When to use colour [env: NO_COLOR disables it] [default: auto]'
            cand --sandbox 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
            cand -q 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand --quiet 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand -v 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand --verbose 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'leadctl;sandbox;help'= {
            cand serve 'Serve the emulator on a loopback address until Ctrl-C'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'leadctl;sandbox;help;serve'= {
        }
        &'leadctl;sandbox;help;help'= {
        }
        &'leadctl;config'= {
            cand -p 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --profile 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --api-url 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]'
            cand --ca-bundle 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]'
            cand -o 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --output 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --timeout 'Per-request timeout in seconds [default: 30]'
            cand --color 'When to use colour [env: NO_COLOR disables it] [default: auto]'
            cand --sandbox 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
            cand -q 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand --quiet 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand -v 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand --verbose 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand path 'Print the config file''s path (LEADCTL_CONFIG, else the platform config directory)'
            cand list 'Show the active profile''s effective settings, each with where it came from (flag, environment, key file, config file or default), and the other profiles; keys are masked'
            cand get 'Print a key''s value as stored in the profile (api_key masked)'
            cand set 'Set a key in the profile, creating the profile and the file when needed (api_key: use set-key)'
            cand unset 'Remove a key from the profile'
            cand use 'Make a profile the default (sets default_profile; LEADCTL_PROFILE and -p still win)'
            cand set-key 'Store an API key in the profile: read from stdin, or prompted for without echo on a terminal, so it never lands in shell history. Must be a KeenPartner key (a UUID)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'leadctl;config;path'= {
            cand -p 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --profile 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --api-url 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]'
            cand --ca-bundle 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]'
            cand -o 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --output 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --timeout 'Per-request timeout in seconds [default: 30]'
            cand --color 'When to use colour [env: NO_COLOR disables it] [default: auto]'
            cand --sandbox 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
            cand -q 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand --quiet 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand -v 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand --verbose 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'leadctl;config;list'= {
            cand -p 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --profile 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --api-url 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]'
            cand --ca-bundle 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]'
            cand -o 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --output 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --timeout 'Per-request timeout in seconds [default: 30]'
            cand --color 'When to use colour [env: NO_COLOR disables it] [default: auto]'
            cand --sandbox 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
            cand -q 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand --quiet 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand -v 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand --verbose 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'leadctl;config;get'= {
            cand -p 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --profile 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --api-url 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]'
            cand --ca-bundle 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]'
            cand -o 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --output 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --timeout 'Per-request timeout in seconds [default: 30]'
            cand --color 'When to use colour [env: NO_COLOR disables it] [default: auto]'
            cand --sandbox 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
            cand -q 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand --quiet 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand -v 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand --verbose 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'leadctl;config;set'= {
            cand -p 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --profile 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --api-url 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]'
            cand --ca-bundle 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]'
            cand -o 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --output 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --timeout 'Per-request timeout in seconds [default: 30]'
            cand --color 'When to use colour [env: NO_COLOR disables it] [default: auto]'
            cand --sandbox 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
            cand -q 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand --quiet 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand -v 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand --verbose 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'leadctl;config;unset'= {
            cand -p 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --profile 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --api-url 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]'
            cand --ca-bundle 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]'
            cand -o 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --output 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --timeout 'Per-request timeout in seconds [default: 30]'
            cand --color 'When to use colour [env: NO_COLOR disables it] [default: auto]'
            cand --sandbox 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
            cand -q 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand --quiet 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand -v 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand --verbose 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'leadctl;config;use'= {
            cand -p 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --profile 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --api-url 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]'
            cand --ca-bundle 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]'
            cand -o 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --output 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --timeout 'Per-request timeout in seconds [default: 30]'
            cand --color 'When to use colour [env: NO_COLOR disables it] [default: auto]'
            cand --sandbox 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
            cand -q 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand --quiet 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand -v 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand --verbose 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'leadctl;config;set-key'= {
            cand -p 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --profile 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --api-url 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]'
            cand --ca-bundle 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]'
            cand -o 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --output 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --timeout 'Per-request timeout in seconds [default: 30]'
            cand --color 'When to use colour [env: NO_COLOR disables it] [default: auto]'
            cand --sandbox 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
            cand -q 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand --quiet 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand -v 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand --verbose 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'leadctl;config;help'= {
            cand path 'Print the config file''s path (LEADCTL_CONFIG, else the platform config directory)'
            cand list 'Show the active profile''s effective settings, each with where it came from (flag, environment, key file, config file or default), and the other profiles; keys are masked'
            cand get 'Print a key''s value as stored in the profile (api_key masked)'
            cand set 'Set a key in the profile, creating the profile and the file when needed (api_key: use set-key)'
            cand unset 'Remove a key from the profile'
            cand use 'Make a profile the default (sets default_profile; LEADCTL_PROFILE and -p still win)'
            cand set-key 'Store an API key in the profile: read from stdin, or prompted for without echo on a terminal, so it never lands in shell history. Must be a KeenPartner key (a UUID)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'leadctl;config;help;path'= {
        }
        &'leadctl;config;help;list'= {
        }
        &'leadctl;config;help;get'= {
        }
        &'leadctl;config;help;set'= {
        }
        &'leadctl;config;help;unset'= {
        }
        &'leadctl;config;help;use'= {
        }
        &'leadctl;config;help;set-key'= {
        }
        &'leadctl;config;help;help'= {
        }
        &'leadctl;completions'= {
            cand -p 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --profile 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")'
            cand --api-url 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]'
            cand --ca-bundle 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]'
            cand -o 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --output 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]'
            cand --timeout 'Per-request timeout in seconds [default: 30]'
            cand --color 'When to use colour [env: NO_COLOR disables it] [default: auto]'
            cand --sandbox 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]'
            cand -q 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand --quiet 'Print less on stderr: no progress, notices or retry announcements (errors still print)'
            cand -v 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand --verbose 'Print more on stderr; -v logs every request and response with the API key redacted'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'leadctl;help'= {
            cand create 'Create one lead from flags, or several from JSON (fires reward triggers and webhooks)'
            cand import 'Create leads from the rows of a CSV file (fires reward triggers and webhooks per lead)'
            cand channels 'List the channels your key can access, or show one with its properties and statuses'
            cand leads 'List, read, update and move leads through statuses'
            cand purchases 'Record purchases on leads (fires purchase reward triggers)'
            cand api 'Send any API action, raw, with leadctl''s key handling, errors and output (like `gh api`)'
            cand sandbox 'Run the built-in emulator of the KeenPartner API'
            cand config 'Show and change the config file: profiles, API keys, and where each setting comes from'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'leadctl;help;create'= {
        }
        &'leadctl;help;import'= {
        }
        &'leadctl;help;channels'= {
            cand show 'Show one channel: metadata, property definitions (id, name, type), lead statuses in order'
        }
        &'leadctl;help;channels;show'= {
        }
        &'leadctl;help;leads'= {
            cand list 'List a channel''s newest leads (the API returns at most the newest 100)'
            cand get 'Show one lead by its id, or by its integer id from the legacy system'
            cand update 'Change a lead''s fields and custom properties (no rewards, webhooks or notifications fire)'
            cand status 'Move a lead to a status, by name or id (fires status-change reward triggers and webhooks)'
        }
        &'leadctl;help;leads;list'= {
        }
        &'leadctl;help;leads;get'= {
        }
        &'leadctl;help;leads;update'= {
        }
        &'leadctl;help;leads;status'= {
        }
        &'leadctl;help;purchases'= {
            cand create 'Record a purchase on a lead (fires the channel''s purchase reward triggers)'
        }
        &'leadctl;help;purchases;create'= {
        }
        &'leadctl;help;api'= {
        }
        &'leadctl;help;sandbox'= {
            cand serve 'Serve the emulator on a loopback address until Ctrl-C'
        }
        &'leadctl;help;sandbox;serve'= {
        }
        &'leadctl;help;config'= {
            cand path 'Print the config file''s path (LEADCTL_CONFIG, else the platform config directory)'
            cand list 'Show the active profile''s effective settings, each with where it came from (flag, environment, key file, config file or default), and the other profiles; keys are masked'
            cand get 'Print a key''s value as stored in the profile (api_key masked)'
            cand set 'Set a key in the profile, creating the profile and the file when needed (api_key: use set-key)'
            cand unset 'Remove a key from the profile'
            cand use 'Make a profile the default (sets default_profile; LEADCTL_PROFILE and -p still win)'
            cand set-key 'Store an API key in the profile: read from stdin, or prompted for without echo on a terminal, so it never lands in shell history. Must be a KeenPartner key (a UUID)'
        }
        &'leadctl;help;config;path'= {
        }
        &'leadctl;help;config;list'= {
        }
        &'leadctl;help;config;get'= {
        }
        &'leadctl;help;config;set'= {
        }
        &'leadctl;help;config;unset'= {
        }
        &'leadctl;help;config;use'= {
        }
        &'leadctl;help;config;set-key'= {
        }
        &'leadctl;help;completions'= {
        }
        &'leadctl;help;help'= {
        }
    ]
    $completions[$command]
}

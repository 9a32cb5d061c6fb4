
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'leadctl' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'leadctl'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'leadctl' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout in seconds [default: 30]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour [env: NO_COLOR disables it] [default: auto]')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create one lead from flags, or several from JSON (fires reward triggers and webhooks)')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Create leads from the rows of a CSV file (fires reward triggers and webhooks per lead)')
            [CompletionResult]::new('channels', 'channels', [CompletionResultType]::ParameterValue, 'List the channels your key can access, or show one with its properties and statuses')
            [CompletionResult]::new('leads', 'leads', [CompletionResultType]::ParameterValue, 'List, read, update and move leads through statuses')
            [CompletionResult]::new('purchases', 'purchases', [CompletionResultType]::ParameterValue, 'Record purchases on leads (fires purchase reward triggers)')
            [CompletionResult]::new('api', 'api', [CompletionResultType]::ParameterValue, 'Send any API action, raw, with leadctl''s key handling, errors and output (like `gh api`)')
            [CompletionResult]::new('sandbox', 'sandbox', [CompletionResultType]::ParameterValue, 'Run the built-in emulator of the KeenPartner API')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show and change the config file: profiles, API keys, and where each setting comes from')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'leadctl;create' {
            [CompletionResult]::new('--channel', '--channel', [CompletionResultType]::ParameterName, 'The channel to create the lead in [env: LEADCTL_CHANNEL, else the profile''s channel]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Read leads in the API''s field names from FILE (`-` = stdin): one object, an array, or one object per line; for a single object, flags override its fields')
            [CompletionResult]::new('--email', '--email', [CompletionResultType]::ParameterName, 'The lead''s email address')
            [CompletionResult]::new('--first-name', '--first-name', [CompletionResultType]::ParameterName, 'First name')
            [CompletionResult]::new('--last-name', '--last-name', [CompletionResultType]::ParameterName, 'Last name')
            [CompletionResult]::new('--phone', '--phone', [CompletionResultType]::ParameterName, 'Phone number')
            [CompletionResult]::new('--company', '--company', [CompletionResultType]::ParameterName, 'Company name (the API''s company_name)')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Where the lead came from, e.g. "Website" or "Referral"')
            [CompletionResult]::new('--employee', '--employee', [CompletionResultType]::ParameterName, 'Employee at the referring company')
            [CompletionResult]::new('--notes', '--notes', [CompletionResultType]::ParameterName, 'Free-text notes')
            [CompletionResult]::new('--business-id', '--business-id', [CompletionResultType]::ParameterName, 'Your external or CRM id for the lead')
            [CompletionResult]::new('--property', '--property', [CompletionResultType]::ParameterName, 'A custom property; KEY is a property definition UUID or its name on the channel (repeatable)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout in seconds [default: 30]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour [env: NO_COLOR disables it] [default: auto]')
            [CompletionResult]::new('--public', '--public', [CompletionResultType]::ParameterName, 'Send `lead_external` instead: no API key is sent; the channel must have its public API enabled')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Validate and print the exact request body(ies) as JSON on stdout; send nothing')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'leadctl;import' {
            [CompletionResult]::new('--channel', '--channel', [CompletionResultType]::ParameterName, 'The channel for rows without a channel_id column [env: LEADCTL_CHANNEL, else the profile''s]')
            [CompletionResult]::new('--map', '--map', [CompletionResultType]::ParameterName, 'Map a column to a field: email, first_name, ..., channel_id, property:NAME_OR_UUID, ignore (repeatable)')
            [CompletionResult]::new('--encoding', '--encoding', [CompletionResultType]::ParameterName, 'The file''s encoding, e.g. utf-8, utf-16le, windows-1252, latin1 [default: detected]')
            [CompletionResult]::new('--delimiter', '--delimiter', [CompletionResultType]::ParameterName, 'The delimiter: one character, or tab, comma, semicolon, pipe [default: detected]')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Requests in flight at once [default: the profile''s concurrency, else 4]')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'At most N requests a second')
            [CompletionResult]::new('--shard', '--shard', [CompletionResultType]::ParameterName, 'Only rows where (row - 1) mod N == K - 1, so N machines can split one file')
            [CompletionResult]::new('--max-errors', '--max-errors', [CompletionResultType]::ParameterName, 'Stop sending after N rows failed (or got no reliable answer)')
            [CompletionResult]::new('--journal', '--journal', [CompletionResultType]::ParameterName, 'The journal that makes the import resumable [default: FILE.leadctl-journal]')
            [CompletionResult]::new('--errors', '--errors', [CompletionResultType]::ParameterName, 'Where to write the rows that were not created [default: FILE.errors.csv]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout in seconds [default: 30]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour [env: NO_COLOR disables it] [default: auto]')
            [CompletionResult]::new('--ignore-unknown', '--ignore-unknown', [CompletionResultType]::ParameterName, 'Leave columns that map to nothing out instead of stopping')
            [CompletionResult]::new('--skip-invalid', '--skip-invalid', [CompletionResultType]::ParameterName, 'Send the valid rows and report the invalid ones instead of stopping')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Check every row and print the request bodies (-o ndjson or json); send nothing')
            [CompletionResult]::new('--no-journal', '--no-journal', [CompletionResultType]::ParameterName, 'Keep no journal: an interrupted import cannot be resumed without duplicates')
            [CompletionResult]::new('--retry-unknown', '--retry-unknown', [CompletionResultType]::ParameterName, 'Re-send rows an earlier run sent without a reliable answer (they may exist already)')
            [CompletionResult]::new('--retry-failed', '--retry-failed', [CompletionResultType]::ParameterName, 'Re-send rows the server refused in an earlier run')
            [CompletionResult]::new('--reconcile', '--reconcile', [CompletionResultType]::ParameterName, 'Only settle unknown rows: look them up among the channel''s newest leads; send nothing')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'leadctl;channels' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout in seconds [default: 30]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour [env: NO_COLOR disables it] [default: auto]')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one channel: metadata, property definitions (id, name, type), lead statuses in order')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'leadctl;channels;show' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout in seconds [default: 30]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour [env: NO_COLOR disables it] [default: auto]')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'leadctl;channels;help' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one channel: metadata, property definitions (id, name, type), lead statuses in order')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'leadctl;channels;help;show' {
            break
        }
        'leadctl;channels;help;help' {
            break
        }
        'leadctl;leads' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout in seconds [default: 30]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour [env: NO_COLOR disables it] [default: auto]')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List a channel''s newest leads (the API returns at most the newest 100)')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Show one lead by its id, or by its integer id from the legacy system')
            [CompletionResult]::new('update', 'update', [CompletionResultType]::ParameterValue, 'Change a lead''s fields and custom properties (no rewards, webhooks or notifications fire)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Move a lead to a status, by name or id (fires status-change reward triggers and webhooks)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'leadctl;leads;list' {
            [CompletionResult]::new('--channel', '--channel', [CompletionResultType]::ParameterName, 'The channel: its id, or its title (case-insensitive) [env: LEADCTL_CHANNEL, else the profile''s channel]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout in seconds [default: 30]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour [env: NO_COLOR disables it] [default: auto]')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'leadctl;leads;get' {
            [CompletionResult]::new('--legacy-id', '--legacy-id', [CompletionResultType]::ParameterName, 'The lead''s integer id in the legacy (pre-2026) system')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout in seconds [default: 30]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour [env: NO_COLOR disables it] [default: auto]')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'leadctl;leads;update' {
            [CompletionResult]::new('--email', '--email', [CompletionResultType]::ParameterName, 'The lead''s email address')
            [CompletionResult]::new('--first-name', '--first-name', [CompletionResultType]::ParameterName, 'First name')
            [CompletionResult]::new('--last-name', '--last-name', [CompletionResultType]::ParameterName, 'Last name')
            [CompletionResult]::new('--phone', '--phone', [CompletionResultType]::ParameterName, 'Phone number')
            [CompletionResult]::new('--company', '--company', [CompletionResultType]::ParameterName, 'Company name (the API''s company_name)')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Where the lead came from, e.g. "Website" or "Referral"')
            [CompletionResult]::new('--employee', '--employee', [CompletionResultType]::ParameterName, 'Employee at the referring company')
            [CompletionResult]::new('--notes', '--notes', [CompletionResultType]::ParameterName, 'Free-text notes')
            [CompletionResult]::new('--business-id', '--business-id', [CompletionResultType]::ParameterName, 'Your external or CRM id for the lead')
            [CompletionResult]::new('--property', '--property', [CompletionResultType]::ParameterName, 'A custom property; KEY is a property definition UUID or its name on the lead''s channel (repeatable)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout in seconds [default: 30]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour [env: NO_COLOR disables it] [default: auto]')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'leadctl;leads;status' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout in seconds [default: 30]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour [env: NO_COLOR disables it] [default: auto]')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'leadctl;leads;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List a channel''s newest leads (the API returns at most the newest 100)')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Show one lead by its id, or by its integer id from the legacy system')
            [CompletionResult]::new('update', 'update', [CompletionResultType]::ParameterValue, 'Change a lead''s fields and custom properties (no rewards, webhooks or notifications fire)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Move a lead to a status, by name or id (fires status-change reward triggers and webhooks)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'leadctl;leads;help;list' {
            break
        }
        'leadctl;leads;help;get' {
            break
        }
        'leadctl;leads;help;update' {
            break
        }
        'leadctl;leads;help;status' {
            break
        }
        'leadctl;leads;help;help' {
            break
        }
        'leadctl;purchases' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout in seconds [default: 30]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour [env: NO_COLOR disables it] [default: auto]')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Record a purchase on a lead (fires the channel''s purchase reward triggers)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'leadctl;purchases;create' {
            [CompletionResult]::new('--lead', '--lead', [CompletionResultType]::ParameterName, 'The lead the purchase belongs to')
            [CompletionResult]::new('--amount', '--amount', [CompletionResultType]::ParameterName, 'The amount, sent as a JSON number (in the channel''s currency)')
            [CompletionResult]::new('--product', '--product', [CompletionResultType]::ParameterName, 'The product''s name')
            [CompletionResult]::new('--description', '--description', [CompletionResultType]::ParameterName, 'A description of the purchase')
            [CompletionResult]::new('--date', '--date', [CompletionResultType]::ParameterName, 'When the purchase happened, RFC 3339 (default: now, set by the server)')
            [CompletionResult]::new('--trigger', '--trigger', [CompletionResultType]::ParameterName, 'Only evaluate these reward triggers (repeatable); each must be active on the lead''s channel')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout in seconds [default: 30]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour [env: NO_COLOR disables it] [default: auto]')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'leadctl;purchases;help' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Record a purchase on a lead (fires the channel''s purchase reward triggers)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'leadctl;purchases;help;create' {
            break
        }
        'leadctl;purchases;help;help' {
            break
        }
        'leadctl;api' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'A string field: KEY=VALUE (repeatable)')
            [CompletionResult]::new('--field', '--field', [CompletionResultType]::ParameterName, 'A string field: KEY=VALUE (repeatable)')
            [CompletionResult]::new('-F', '-F ', [CompletionResultType]::ParameterName, 'A JSON field: KEY=JSON, e.g. -F legacy_id=42 or -F ''trigger_ids=["..."]'' (repeatable)')
            [CompletionResult]::new('--raw-field', '--raw-field', [CompletionResultType]::ParameterName, 'A JSON field: KEY=JSON, e.g. -F legacy_id=42 or -F ''trigger_ids=["..."]'' (repeatable)')
            [CompletionResult]::new('--input', '--input', [CompletionResultType]::ParameterName, 'Read the body''s fields from a JSON object in FILE (`-` = stdin)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout in seconds [default: 30]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour [env: NO_COLOR disables it] [default: auto]')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'leadctl;sandbox' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout in seconds [default: 30]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour [env: NO_COLOR disables it] [default: auto]')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve the emulator on a loopback address until Ctrl-C')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'leadctl;sandbox;serve' {
            [CompletionResult]::new('--addr', '--addr', [CompletionResultType]::ParameterName, 'Address to listen on (loopback only)')
            [CompletionResult]::new('--latency-ms', '--latency-ms', [CompletionResultType]::ParameterName, 'Delay every answer by N milliseconds')
            [CompletionResult]::new('--error-rate', '--error-rate', [CompletionResultType]::ParameterName, 'Answer this fraction of requests with 500 before processing them')
            [CompletionResult]::new('--rate-limit', '--rate-limit', [CompletionResultType]::ParameterName, 'Answer 429 with Retry-After past N requests a second')
            [CompletionResult]::new('--drop-rate', '--drop-rate', [CompletionResultType]::ParameterName, 'Process this fraction of requests, then close the connection without answering')
            [CompletionResult]::new('--boot-error-rate', '--boot-error-rate', [CompletionResultType]::ParameterName, 'Answer this fraction with 503 and `sb-error-code: BOOT_ERROR`, unprocessed')
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'Seed for the fault injection, for repeatable runs')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'Keep the data in FILE across restarts (written atomically)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout in seconds [default: 30]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour [env: NO_COLOR disables it] [default: auto]')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'leadctl;sandbox;help' {
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve the emulator on a loopback address until Ctrl-C')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'leadctl;sandbox;help;serve' {
            break
        }
        'leadctl;sandbox;help;help' {
            break
        }
        'leadctl;config' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout in seconds [default: 30]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour [env: NO_COLOR disables it] [default: auto]')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print the config file''s path (LEADCTL_CONFIG, else the platform config directory)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Show the active profile''s effective settings, each with where it came from (flag, environment, key file, config file or default), and the other profiles; keys are masked')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Print a key''s value as stored in the profile (api_key masked)')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Set a key in the profile, creating the profile and the file when needed (api_key: use set-key)')
            [CompletionResult]::new('unset', 'unset', [CompletionResultType]::ParameterValue, 'Remove a key from the profile')
            [CompletionResult]::new('use', 'use', [CompletionResultType]::ParameterValue, 'Make a profile the default (sets default_profile; LEADCTL_PROFILE and -p still win)')
            [CompletionResult]::new('set-key', 'set-key', [CompletionResultType]::ParameterValue, 'Store an API key in the profile: read from stdin, or prompted for without echo on a terminal, so it never lands in shell history. Must be a KeenPartner key (a UUID)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'leadctl;config;path' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout in seconds [default: 30]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour [env: NO_COLOR disables it] [default: auto]')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'leadctl;config;list' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout in seconds [default: 30]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour [env: NO_COLOR disables it] [default: auto]')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'leadctl;config;get' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout in seconds [default: 30]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour [env: NO_COLOR disables it] [default: auto]')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'leadctl;config;set' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout in seconds [default: 30]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour [env: NO_COLOR disables it] [default: auto]')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'leadctl;config;unset' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout in seconds [default: 30]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour [env: NO_COLOR disables it] [default: auto]')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'leadctl;config;use' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout in seconds [default: 30]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour [env: NO_COLOR disables it] [default: auto]')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'leadctl;config;set-key' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout in seconds [default: 30]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour [env: NO_COLOR disables it] [default: auto]')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'leadctl;config;help' {
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print the config file''s path (LEADCTL_CONFIG, else the platform config directory)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Show the active profile''s effective settings, each with where it came from (flag, environment, key file, config file or default), and the other profiles; keys are masked')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Print a key''s value as stored in the profile (api_key masked)')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Set a key in the profile, creating the profile and the file when needed (api_key: use set-key)')
            [CompletionResult]::new('unset', 'unset', [CompletionResultType]::ParameterValue, 'Remove a key from the profile')
            [CompletionResult]::new('use', 'use', [CompletionResultType]::ParameterValue, 'Make a profile the default (sets default_profile; LEADCTL_PROFILE and -p still win)')
            [CompletionResult]::new('set-key', 'set-key', [CompletionResultType]::ParameterValue, 'Store an API key in the profile: read from stdin, or prompted for without echo on a terminal, so it never lands in shell history. Must be a KeenPartner key (a UUID)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'leadctl;config;help;path' {
            break
        }
        'leadctl;config;help;list' {
            break
        }
        'leadctl;config;help;get' {
            break
        }
        'leadctl;config;help;set' {
            break
        }
        'leadctl;config;help;unset' {
            break
        }
        'leadctl;config;help;use' {
            break
        }
        'leadctl;config;help;set-key' {
            break
        }
        'leadctl;config;help;help' {
            break
        }
        'leadctl;completions' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Config profile to use [env: LEADCTL_PROFILE] (default: the config''s default_profile, else "default")')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra PEM root certificates, added to the system''s (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout in seconds [default: 30]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour [env: NO_COLOR disables it] [default: auto]')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Run against the built-in emulator of the API, started for this one command; needs no key or config [env: LEADCTL_SANDBOX=1]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr: no progress, notices or retry announcements (errors still print)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr; -v logs every request and response with the API key redacted')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'leadctl;help' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create one lead from flags, or several from JSON (fires reward triggers and webhooks)')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Create leads from the rows of a CSV file (fires reward triggers and webhooks per lead)')
            [CompletionResult]::new('channels', 'channels', [CompletionResultType]::ParameterValue, 'List the channels your key can access, or show one with its properties and statuses')
            [CompletionResult]::new('leads', 'leads', [CompletionResultType]::ParameterValue, 'List, read, update and move leads through statuses')
            [CompletionResult]::new('purchases', 'purchases', [CompletionResultType]::ParameterValue, 'Record purchases on leads (fires purchase reward triggers)')
            [CompletionResult]::new('api', 'api', [CompletionResultType]::ParameterValue, 'Send any API action, raw, with leadctl''s key handling, errors and output (like `gh api`)')
            [CompletionResult]::new('sandbox', 'sandbox', [CompletionResultType]::ParameterValue, 'Run the built-in emulator of the KeenPartner API')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show and change the config file: profiles, API keys, and where each setting comes from')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'leadctl;help;create' {
            break
        }
        'leadctl;help;import' {
            break
        }
        'leadctl;help;channels' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one channel: metadata, property definitions (id, name, type), lead statuses in order')
            break
        }
        'leadctl;help;channels;show' {
            break
        }
        'leadctl;help;leads' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List a channel''s newest leads (the API returns at most the newest 100)')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Show one lead by its id, or by its integer id from the legacy system')
            [CompletionResult]::new('update', 'update', [CompletionResultType]::ParameterValue, 'Change a lead''s fields and custom properties (no rewards, webhooks or notifications fire)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Move a lead to a status, by name or id (fires status-change reward triggers and webhooks)')
            break
        }
        'leadctl;help;leads;list' {
            break
        }
        'leadctl;help;leads;get' {
            break
        }
        'leadctl;help;leads;update' {
            break
        }
        'leadctl;help;leads;status' {
            break
        }
        'leadctl;help;purchases' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Record a purchase on a lead (fires the channel''s purchase reward triggers)')
            break
        }
        'leadctl;help;purchases;create' {
            break
        }
        'leadctl;help;api' {
            break
        }
        'leadctl;help;sandbox' {
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve the emulator on a loopback address until Ctrl-C')
            break
        }
        'leadctl;help;sandbox;serve' {
            break
        }
        'leadctl;help;config' {
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print the config file''s path (LEADCTL_CONFIG, else the platform config directory)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Show the active profile''s effective settings, each with where it came from (flag, environment, key file, config file or default), and the other profiles; keys are masked')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Print a key''s value as stored in the profile (api_key masked)')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Set a key in the profile, creating the profile and the file when needed (api_key: use set-key)')
            [CompletionResult]::new('unset', 'unset', [CompletionResultType]::ParameterValue, 'Remove a key from the profile')
            [CompletionResult]::new('use', 'use', [CompletionResultType]::ParameterValue, 'Make a profile the default (sets default_profile; LEADCTL_PROFILE and -p still win)')
            [CompletionResult]::new('set-key', 'set-key', [CompletionResultType]::ParameterValue, 'Store an API key in the profile: read from stdin, or prompted for without echo on a terminal, so it never lands in shell history. Must be a KeenPartner key (a UUID)')
            break
        }
        'leadctl;help;config;path' {
            break
        }
        'leadctl;help;config;list' {
            break
        }
        'leadctl;help;config;get' {
            break
        }
        'leadctl;help;config;set' {
            break
        }
        'leadctl;help;config;unset' {
            break
        }
        'leadctl;help;config;use' {
            break
        }
        'leadctl;help;config;set-key' {
            break
        }
        'leadctl;help;completions' {
            break
        }
        'leadctl;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}

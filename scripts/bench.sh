#!/usr/bin/env bash
# Reproducible benchmarks for `leadctl import`; figures go to BENCHMARKS.md by hand.
#
#   scripts/bench.sh              # everything
#   scripts/bench.sh dry-run      # 200,000-row dry run: time on one core, peak memory vs 20,000 rows
#   scripts/bench.sh send         # 2,000 rows, sandbox latency 50 ms, concurrency 16:
#                                 # leadctl (ledger on and --no-ledger) vs the limit,
#                                 # `curl --parallel`, `xargs -P16 curl`
#   scripts/bench.sh ledger       # re-importing 200,000 rows that are all `skipped`; the ledger's
#                                 # size per million leads
#   scripts/bench.sh auto         # --concurrency auto vs fixed 1, 2, 4, ... 64 on four server
#                                 # profiles (AUTO_SECONDS each run), then 20,000 rows at 100 ms
#                                 # with no flags (the new user's case); AUTO_PROFILES="rate
#                                 # new-user" runs only those (none capacity rate overload new-user)
#   scripts/bench.sh create-loop  # 50 (LOOP_CREATES) `leadctl create` in a shell loop against a
#                                 # sandbox answering in 50 ms, beside a curl loop of the same
#                                 # creates, in one run: ledger on (a fresh ledger and data
#                                 # directory, as a new script would start) and --no-ledger
#   scripts/bench.sh auto-sweep   # 800 rows (SWEEP_ROWS) at 100 ms, each whole import from a fresh
#                                 # ledger and data directory: --concurrency auto vs fixed 8, 16, 32
#                                 # on the four server profiles, with unknown rows
#   scripts/bench.sh workbook     # the same 100,000 rows (WORKBOOK_ROWS) as CSV and as .xlsx:
#                                 # dry run time on one core and peak memory, side by side
#   scripts/bench.sh postgres     # 2,000 rows, latency 50 ms, concurrency 16: the ledger on
#                                 # PostgreSQL (loopback, fsync on) vs SQLite vs the limit, and two
#                                 # processes sharing the work through one PostgreSQL ledger vs one
#                                 # (runs itself under scripts/pg-test.sh unless
#                                 # LEADCTL_TEST_POSTGRES names a server)
#   scripts/bench.sh sql          # the same rows from a PostgreSQL table (--query --from) and from
#                                 # a CSV file, 100,000 and 1,000,000 (SQL_ROWS) rows, dry run on
#                                 # one core: time per row and peak memory side by side (runs
#                                 # itself under scripts/pg-test.sh unless LEADCTL_TEST_POSTGRES
#                                 # names a server)
#
# Needs: a Rust toolchain, curl, GNU time (/usr/bin/time), taskset (util-linux), awk; python3
# (standard library only) for `workbook`; for `postgres`, PostgreSQL 15 (pg_config --bindir) as
# scripts/pg-test.sh uses it.
set -euo pipefail
cd "$(dirname "$0")/.."

what=${1:-all}
# The PostgreSQL benchmark needs a server: a throwaway cluster, with fsync on (a real one's cost).
if [ "$what" = postgres ] && [ -z "${LEADCTL_TEST_POSTGRES:-}" ]; then
  PG_FSYNC=on exec scripts/pg-test.sh "$0" postgres
fi
if [ "$what" = sql ] && [ -z "${LEADCTL_TEST_POSTGRES:-}" ]; then
  exec scripts/pg-test.sh "$0" sql
fi
SEND_ROWS=${SEND_ROWS:-2000}
LATENCY_MS=${LATENCY_MS:-50}
CONCURRENCY=${CONCURRENCY:-16}

cargo build --release --locked -q
BIN=${CARGO_TARGET_DIR:-$PWD/target}/release/leadctl
WORK=$(mktemp -d)
# Never the user's own ledger: each run below names its file.
export LEADCTL_LEDGER=$WORK/ledger.sqlite3
SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# rows.csv with N rows: the columns of a typical CRM export, two of them custom properties.
gen() {
  local n=$1 out=$2
  {
    echo "Email,First Name,Last Name,Company,Phone,Lead Source,Deal size,Region,CRM ID"
    seq 1 "$n" | awk '{ printf "user%d@example.com,User%d,Last%d,Company %d,+1 555 %07d,Website,%d,EMEA,CRM-%d\n", $1, $1, $1, $1 % 997, $1, ($1 % 50) * 1000, $1 }'
  } > "$out"
}

# The same rows as an Excel export from continental Europe: semicolons, "12.500,50"-style deal
# sizes (read with --decimal-separator ,) and lower-case regions (matched to the option "EMEA").
gen_eu() {
  local n=$1 out=$2
  {
    echo "Email;First Name;Last Name;Company;Phone;Lead Source;Deal size;Region;CRM ID"
    seq 1 "$n" | awk '{ printf "user%d@example.com;User%d;Last%d;Company %d;+1 555 %07d;Website;%d.500,50;emea;CRM-%d\n", $1, $1, $1, $1 % 997, $1, ($1 % 50) + 1, $1 }'
  } > "$out"
}

# rows.xlsx with the rows of gen's CSV, as Excel stores them: text in the shared strings table,
# Deal size a number cell (python3's zipfile: no spreadsheet library needed).
gen_xlsx() {
  local csv=$1 out=$2
  python3 - "$csv" "$out" <<'PY'
import csv, sys, zipfile
from xml.sax.saxutils import escape
src, out = sys.argv[1], sys.argv[2]
strings, index, rows = [], {}, []
def sst(text):
    if text not in index:
        index[text] = len(strings)
        strings.append(text)
    return index[text]
def col(i):
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s
with open(src, newline="") as f:
    for r, record in enumerate(csv.reader(f), start=1):
        cells = []
        for c, value in enumerate(record):
            ref = f"{col(c)}{r}"
            if r > 1 and c == 6:
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="s"><v>{sst(value)}</v></c>')
        rows.append(f'<row r="{r}">{"".join(cells)}</row>')
ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    z.writestr("_rels/.rels", f'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    z.writestr("xl/workbook.xml", f'<?xml version="1.0"?><workbook {ns} xmlns:r="{rel}"><sheets><sheet name="Leads" sheetId="1" r:id="rId1"/></sheets></workbook>')
    z.writestr("xl/_rels/workbook.xml.rels", f'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    z.writestr("xl/sharedStrings.xml", f'<?xml version="1.0"?><sst {ns} count="{len(strings)}" uniqueCount="{len(strings)}">' + "".join(f"<si><t>{escape(s)}</t></si>" for s in strings) + "</sst>")
    z.writestr("xl/worksheets/sheet1.xml", f'<?xml version="1.0"?><worksheet {ns}><sheetData>' + "".join(rows) + "</sheetData></worksheet>")
PY
}

seconds() { awk -v s="$1" -v e="$2" 'BEGIN { printf "%.2f", (e - s) / 1e9 }'; }

dry_run() {
  echo "== dry run (one core: taskset -c 0)"
  for n in 20000 200000; do
    gen "$n" "$WORK/rows-$n.csv"
    for mode in "summary" "ndjson"; do
      local out=()
      [ "$mode" = ndjson ] && out=(-o ndjson)
      # %e elapsed seconds, %M peak resident set in KiB; best of 3 for time, max of 3 for memory.
      best=999; peak=0
      for _ in 1 2 3; do
        /usr/bin/time -f "%e %M" -o "$WORK/time" taskset -c 0 "$BIN" --sandbox -q import "$WORK/rows-$n.csv" --dry-run "${out[@]}" > /dev/null
        read -r t m < "$WORK/time"
        best=$(awk -v a="$best" -v b="$t" 'BEGIN { print (b < a) ? b : a }')
        [ "$m" -gt "$peak" ] && peak=$m
      done
      printf '  %7d rows, %-7s: %5.2f s, peak RSS %6.1f MiB\n' "$n" "$mode" "$best" "$(awk -v k="$peak" 'BEGIN { print k / 1024 }')"
    done
  done
  # Typed values that need reading: decimal commas and options in another case.
  gen_eu 200000 "$WORK/rows-eu.csv"
  best=999; peak=0
  for _ in 1 2 3; do
    /usr/bin/time -f "%e %M" -o "$WORK/time" taskset -c 0 "$BIN" --sandbox -q import "$WORK/rows-eu.csv" --dry-run --decimal-separator , > /dev/null
    read -r t m < "$WORK/time"
    best=$(awk -v a="$best" -v b="$t" 'BEGIN { print (b < a) ? b : a }')
    [ "$m" -gt "$peak" ] && peak=$m
  done
  printf '  %7d rows, %-7s: %5.2f s, peak RSS %6.1f MiB\n' 200000 "eu ," "$best" "$(awk -v k="$peak" 'BEGIN { print k / 1024 }')"
}

# Best of 3 (time) and highest of 3 (peak RSS) of a one-core dry run: prints "SECONDS MIB".
dry_measure() {
  local best=999 peak=0 t m
  for _ in 1 2 3; do
    /usr/bin/time -f "%e %M" -o "$WORK/time" taskset -c 0 "$BIN" --sandbox -q import "$@" --dry-run > /dev/null
    read -r t m < "$WORK/time"
    best=$(awk -v a="$best" -v b="$t" 'BEGIN { print (b < a) ? b : a }')
    [ "$m" -gt "$peak" ] && peak=$m
  done
  echo "$best $(awk -v k="$peak" 'BEGIN { printf "%.1f", k / 1024 }')"
}

workbook_bench() {
  local n=${WORKBOOK_ROWS:-100000}
  echo "== workbook: $n rows as CSV and as .xlsx (shared strings), dry run on one core (taskset -c 0)"
  gen "$n" "$WORK/rows.csv"
  gen_xlsx "$WORK/rows.csv" "$WORK/rows.xlsx"
  gen 10000 "$WORK/small.csv"
  gen_xlsx "$WORK/small.csv" "$WORK/small.xlsx"
  # The two inputs give the same request bodies.
  "$BIN" --sandbox -q import "$WORK/rows.csv" --dry-run -o ndjson | sha256sum > "$WORK/csv.sum"
  "$BIN" --sandbox -q import "$WORK/rows.xlsx" --dry-run -o ndjson | sha256sum > "$WORK/xlsx.sum"
  cmp -s "$WORK/csv.sum" "$WORK/xlsx.sum" && echo "  request bodies: identical" || echo "  request bodies: DIFFER"
  printf '  sizes: CSV %s bytes, xlsx %s bytes\n' "$(wc -c < "$WORK/rows.csv")" "$(wc -c < "$WORK/rows.xlsx")"
  for f in small.csv small.xlsx rows.csv rows.xlsx; do
    for mode in summary ndjson; do
      local out=()
      [ "$mode" = ndjson ] && out=(-o ndjson)
      read -r t m <<< "$(dry_measure "$WORK/$f" "${out[@]}")"
      printf '  %-10s %-7s: %5.2f s, peak RSS %6.1f MiB\n' "$f" "$mode" "$t" "$m"
    done
  done
}

# Extra arguments go to `sandbox serve` (--capacity, --overload-at, --rate-limit...).
start_sandbox() {
  "$BIN" sandbox serve --addr 127.0.0.1:0 --latency-ms "$LATENCY_MS" "$@" -q 2> "$WORK/serve.log" &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    ADDR=$(sed -n 's/^listening on http:\/\///p' "$WORK/serve.log")
    [ -n "$ADDR" ] && break
    sleep 0.1
  done
  URL="http://$ADDR/functions/v1/keen-api"
  KEY=5a4d1c2b-8e7f-4a3b-9c6d-0e1f2a3b4c5d
}

reset() { curl -s -o /dev/null -X POST "http://$ADDR/__sandbox/reset"; }
created() { curl -s "http://$ADDR/__sandbox/stats" | sed -n 's/.*"leads_by_channel":{[^}]*"a1b2c3d4-e5f6-7890-abcd-ef1234567890":\([0-9]*\).*/\1/p'; }

# Runs "$@" RUNS times against a freshly reset sandbox; prints the best wall time in seconds and
# checks that every run created exactly SEND_ROWS leads.
best_of() {
  local best=999 s e t n
  for _ in $(seq 1 "$RUNS"); do
    reset
    s=$(date +%s%N)
    "$@"
    e=$(date +%s%N)
    t=$(seconds "$s" "$e")
    n=$(created)
    [ "$n" = "$SEND_ROWS" ] || { echo "  ($* created $n leads, not $SEND_ROWS)" >&2; }
    best=$(awk -v a="$best" -v b="$t" 'BEGIN { print (b < a) ? b : a }')
  done
  echo "$best"
}

# A fresh ledger each run: the sandbox is reset between runs, so an old one would disagree with it.
leadctl_import() {
  rm -f "$WORK/send.csv.errors.csv" "$WORK"/send-ledger.sqlite3*
  "$BIN" -q --ledger "$WORK/send-ledger.sqlite3" import "$WORK/send.csv" --concurrency "$CONCURRENCY"
}

leadctl_no_ledger() {
  rm -f "$WORK/send.csv.errors.csv"
  "$BIN" -q --no-ledger import "$WORK/send.csv" --concurrency "$CONCURRENCY" 2> /dev/null
}

curl_parallel() {
  curl -s --no-progress-meter --parallel --parallel-max "$CONCURRENCY" -K "$WORK/curl.cfg"
}

xargs_curl() {
  xargs -P "$CONCURRENCY" -d '\n' -n 1 curl -s -o /dev/null -H 'Content-Type: application/json' \
    -H "X-Api-Key: $KEY" "$URL" --data-binary < "$WORK/bodies.ndjson"
}

send() {
  RUNS=${RUNS:-3}
  echo "== send: $SEND_ROWS rows, sandbox latency ${LATENCY_MS} ms, concurrency $CONCURRENCY (best of $RUNS)"
  start_sandbox
  gen "$SEND_ROWS" "$WORK/send.csv"
  export LEADCTL_API_URL=$URL LEADCTL_API_KEY=$KEY LEADCTL_CHANNEL=a1b2c3d4-e5f6-7890-abcd-ef1234567890
  # The exact request bodies leadctl sends, for the curl runs.
  "$BIN" -q import "$WORK/send.csv" --dry-run -o ndjson > "$WORK/bodies.ndjson"
  awk -v url="$URL" -v key="$KEY" '{
      gsub(/\\/, "\\\\"); gsub(/"/, "\\\"");
      if (NR > 1) print "next"
      printf "url = \"%s\"\nheader = \"Content-Type: application/json\"\nheader = \"X-Api-Key: %s\"\ndata-binary = \"%s\"\noutput = \"/dev/null\"\n", url, key, $0
    }' "$WORK/bodies.ndjson" > "$WORK/curl.cfg"

  limit=$(awk -v n="$SEND_ROWS" -v l="$LATENCY_MS" -v c="$CONCURRENCY" 'BEGIN { printf "%.2f", n * l / 1000 / c }')
  t_leadctl=$(best_of leadctl_import)
  t_bare=$(best_of leadctl_no_ledger)
  t_curl=$(best_of curl_parallel)
  t_xargs=$(best_of xargs_curl)
  echo "  limit (rows x latency / concurrency): $limit s"
  echo "  leadctl import (ledger on):           $t_leadctl s   limit/leadctl = $(awk -v a="$limit" -v b="$t_leadctl" 'BEGIN { printf "%.3f", a / b }')"
  echo "  leadctl import --no-ledger:           $t_bare s   ledger on / off = $(awk -v a="$t_leadctl" -v b="$t_bare" 'BEGIN { printf "%.3f", a / b }')"
  echo "  curl --parallel --parallel-max $CONCURRENCY:     $t_curl s   curl/leadctl = $(awk -v a="$t_curl" -v b="$t_leadctl" 'BEGIN { printf "%.2f", a / b }')"
  echo "  xargs -P$CONCURRENCY curl (a process per lead): $t_xargs s   xargs/leadctl = $(awk -v a="$t_xargs" -v b="$t_leadctl" 'BEGIN { printf "%.2f", a / b }')"
}

# Re-importing a file whose every row the ledger knows: the rows are adopted into a fresh ledger
# (`ledger adopt` reads the CSV as `import` does, so the keys and hashes are the import's), then
# imported against an empty sandbox (`sandbox serve`, so the API URL, which scopes the keys, stays
# the same; one get_leads; nothing sent).
ledger_bench() {
  echo "== ledger: re-import of rows that are all skipped; size per million leads"
  LATENCY_MS=0 start_sandbox
  export LEADCTL_API_URL=$URL LEADCTL_API_KEY=$KEY LEADCTL_CHANNEL=a1b2c3d4-e5f6-7890-abcd-ef1234567890
  for n in 200000 1000000; do
    gen "$n" "$WORK/skip-$n.csv"
    rm -f "$WORK"/skip-ledger.sqlite3*
    s=$(date +%s%N)
    "$BIN" -q --ledger "$WORK/skip-ledger.sqlite3" ledger adopt "$WORK/skip-$n.csv"
    e=$(date +%s%N)
    bytes=$(stat -c %s "$WORK/skip-ledger.sqlite3")
    printf '  %7d rows: adopt %5.2f s, ledger %6.1f MiB (%d bytes a lead, %.0f MiB a million)\n' \
      "$n" "$(seconds "$s" "$e")" "$(awk -v b="$bytes" 'BEGIN { print b / 1048576 }')" \
      "$((bytes / n))" "$(awk -v b="$bytes" -v n="$n" 'BEGIN { print b / n * 1e6 / 1048576 }')"
    [ "$n" = 200000 ] || continue
    best=999
    for _ in 1 2 3; do
      /usr/bin/time -f "%e %M" -o "$WORK/time" "$BIN" -q --ledger "$WORK/skip-ledger.sqlite3" \
        import "$WORK/skip-$n.csv" -o ndjson > "$WORK/skip.ndjson"
      read -r t m < "$WORK/time"
      best=$(awk -v a="$best" -v b="$t" 'BEGIN { print (b < a) ? b : a }')
    done
    skipped=$(grep -c '"outcome":"skipped"' "$WORK/skip.ndjson" || true)
    printf '  %7d rows re-imported: %5.2f s (best of 3), peak RSS %.1f MiB, %d skipped\n' \
      "$n" "$best" "$(awk -v k="$m" 'BEGIN { print k / 1024 }')" "$skipped"
  done
}

stop_sandbox() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
}

# A counter of /__sandbox/stats: stat by_status 429, stat by_action create_lead.
stat() {
  curl -s "http://$ADDR/__sandbox/stats" | sed -n "s/.*\"$1\":{[^}]*\"$2\":\([0-9]*\).*/\1/p" | grep . || echo 0
}

# One timed run against a freshly reset sandbox and a fresh ledger: `import` of the big file,
# stopped with SIGINT (Ctrl-C: requests in flight finish) after AUTO_SECONDS. --foreground: one
# SIGINT to leadctl only (without it, timeout signals its process group too, and a second Ctrl-C
# makes leadctl quit at once, without its summary). Prints
# "rows/s 429-share-% unknown" and leaves leadctl's stderr in $WORK/run.err.
auto_run() {
  reset
  rm -f "$WORK"/ledger.sqlite3* "$WORK/big.csv.errors.csv"
  local s e n limited posts unknown
  s=$(date +%s%N)
  LEADCTL_LEDGER=$WORK/ledger.sqlite3 timeout --foreground -s INT "$AUTO_SECONDS" \
    "$BIN" import "$WORK/big.csv" "$@" > /dev/null 2> "$WORK/run.err" || true
  e=$(date +%s%N)
  n=$(created)
  limited=$(stat by_status 429)
  posts=$(stat by_action create_lead)
  unknown=$(grep 'import [a-z]* in ' "$WORK/run.err" | grep -o '[0-9][0-9]* unknown' | cut -d' ' -f1 || true)
  awk -v n="${n:-0}" -v t="$(seconds "$s" "$e")" -v l="$limited" -v p="$posts" -v u="${unknown:-0}" \
    'BEGIN { printf "%.1f %.2f %d\n", n / t, (p > 0) ? 100 * l / p : 0, u }'
}

# What the last run's summary said of the concurrency (or its last lines, when it said nothing).
auto_said() {
  grep -o 'concurrency auto: .*' "$WORK/run.err" | tail -1 | grep . || tail -3 "$WORK/run.err" | tr '\n' ' '
}

auto_profile() {
  local name=$1; shift
  start_sandbox "$@"
  export LEADCTL_API_URL=$URL
  echo "== $name: sandbox serve --latency-ms $LATENCY_MS $* ($AUTO_SECONDS s a run, stopped by SIGINT)"
  printf '  %-26s %9s %10s %8s\n' concurrency rows/s "429 share" unknown
  local best=0 best_n='' clean=0 clean_n='' unknown4='' rate share unknown n
  local capped=0 capped_n=''
  for n in 1 2 4 8 16 32 64; do
    read -r rate share unknown < <(auto_run --concurrency "$n")
    printf '  %-26s %9s %9s%% %8s\n' "$n" "$rate" "$share" "$unknown"
    if awk -v a="$rate" -v b="$best" 'BEGIN { exit !(a > b) }'; then best=$rate; best_n=$n; fi
    if [ "$n" -le 32 ] && awk -v a="$rate" -v b="$capped" 'BEGIN { exit !(a > b) }'; then capped=$rate; capped_n=$n; fi
    if [ "$unknown" = 0 ] && awk -v a="$rate" -v b="$clean" 'BEGIN { exit !(a > b) }'; then clean=$rate; clean_n=$n; fi
    [ "$n" = 4 ] && unknown4=$unknown
  done
  for max in 32 64; do
    local label="auto" within=$capped within_n=$capped_n
    [ "$max" = 32 ] || { label="auto --max-concurrency $max"; within=$best; within_n=$best_n; }
    read -r rate share unknown < <(auto_run --max-concurrency "$max")
    printf '  %-26s %9s %9s%% %8s   %s of the best fixed (%s), %s of the best fixed within --max-concurrency %s (%s), %s of the best without unknown rows (%s); fixed 4: %s unknown\n' \
      "$label" "$rate" "$share" "$unknown" \
      "$(awk -v a="$rate" -v b="$best" 'BEGIN { printf "%.3f", (b > 0) ? a / b : 0 }')" "$best_n" \
      "$(awk -v a="$rate" -v b="$within" 'BEGIN { printf "%.3f", (b > 0) ? a / b : 0 }')" "$max" "$within_n" \
      "$(awk -v a="$rate" -v b="$clean" 'BEGIN { printf "%.3f", (b > 0) ? a / b : 0 }')" "$clean_n" "$unknown4"
    echo "    $(auto_said)"
  done
  stop_sandbox
}

auto() {
  AUTO_SECONDS=${AUTO_SECONDS:-15}
  AUTO_ROWS=${AUTO_ROWS:-20000}
  LATENCY_MS=100
  gen "$AUTO_ROWS" "$WORK/big.csv"
  export LEADCTL_API_KEY=5a4d1c2b-8e7f-4a3b-9c6d-0e1f2a3b4c5d LEADCTL_CHANNEL=a1b2c3d4-e5f6-7890-abcd-ef1234567890
  export LEADCTL_CONFIG=$WORK/config.toml  # no profile of the user's
  # AUTO_PROFILES picks some: any of none, capacity, rate, overload, new-user (default all).
  local want=${AUTO_PROFILES:-none capacity rate overload new-user}
  case " $want " in *" none "*) auto_profile "no limit" ;; esac
  case " $want " in *" capacity "*) auto_profile "capacity 20" --capacity 20 ;; esac
  case " $want " in *" rate "*) auto_profile "rate limit 100/s" --rate-limit 100 ;; esac
  case " $want " in *" overload "*) auto_profile "capacity 20, 546 past 30" --capacity 20 --overload-at 30 ;; esac
  case " $want " in *" new-user "*) ;; *) return 0 ;; esac
  # The new user's case: every row, no flags, a fresh ledger.
  start_sandbox
  export LEADCTL_API_URL=$URL
  rm -f "$WORK"/ledger.sqlite3* "$WORK/big.csv.errors.csv"
  local s e
  s=$(date +%s%N)
  LEADCTL_LEDGER=$WORK/ledger.sqlite3 "$BIN" import "$WORK/big.csv" > /dev/null 2> "$WORK/run.err" || true
  e=$(date +%s%N)
  echo "== new user: $AUTO_ROWS rows, sandbox serve --latency-ms $LATENCY_MS, leadctl import FILE (no flags)"
  local t_auto
  t_auto=$(seconds "$s" "$e")
  echo "  $t_auto s, $(created) created; $(auto_said)"
  # The same file with fixed 32 (auto's cap): the whole import, ramp-up and all, side by side.
  reset
  rm -f "$WORK"/ledger.sqlite3* "$WORK/big.csv.errors.csv"
  s=$(date +%s%N)
  LEADCTL_LEDGER=$WORK/ledger.sqlite3 "$BIN" import "$WORK/big.csv" --concurrency 32 > /dev/null 2> "$WORK/run.err" || true
  e=$(date +%s%N)
  local t_fixed
  t_fixed=$(seconds "$s" "$e")
  echo "  --concurrency 32: $t_fixed s, $(created) created; auto / fixed 32 throughput: $(awk -v a="$t_fixed" -v b="$t_auto" 'BEGIN { printf "%.3f", a / b }')"
  stop_sandbox
}

# N creates in a shell loop: curl, leadctl (ledger on), leadctl --no-ledger; best of RUNS each,
# the sandbox reset and the ledger and data directory (the cache of checks) fresh before each loop.
curl_loop() {
  local i
  for i in $(seq 1 "$LOOP_CREATES"); do
    curl -s -o /dev/null -H 'Content-Type: application/json' -H "X-Api-Key: $KEY" "$URL" \
      --data-binary "{\"action\":\"create_lead\",\"channel_id\":\"$LEADCTL_CHANNEL\",\"email\":\"loop$i@example.com\"}"
  done
}

leadctl_loop() {
  local i
  rm -rf "$WORK"/loop-ledger.sqlite3* "$WORK/data"
  for i in $(seq 1 "$LOOP_CREATES"); do
    XDG_DATA_HOME=$WORK/data "$BIN" -q --ledger "$WORK/loop-ledger.sqlite3" create --email "loop$i@example.com" -o id > /dev/null
  done
}

leadctl_loop_no_ledger() {
  local i
  for i in $(seq 1 "$LOOP_CREATES"); do
    "$BIN" -q --no-ledger create --email "loop$i@example.com" -o id > /dev/null 2>&1
  done
}

create_loop() {
  RUNS=${RUNS:-3}
  LOOP_CREATES=${LOOP_CREATES:-50}
  LATENCY_MS=${LOOP_LATENCY_MS:-50}
  SEND_ROWS=$LOOP_CREATES
  echo "== create-loop: $LOOP_CREATES creates in a shell loop, sandbox latency ${LATENCY_MS} ms (best of $RUNS)"
  start_sandbox
  export LEADCTL_API_URL=$URL LEADCTL_API_KEY=$KEY LEADCTL_CHANNEL=a1b2c3d4-e5f6-7890-abcd-ef1234567890
  export LEADCTL_CONFIG=$WORK/config.toml  # no profile of the user's
  local t_curl t_leadctl t_bare
  t_curl=$(best_of curl_loop)
  t_leadctl=$(best_of leadctl_loop)
  t_bare=$(best_of leadctl_loop_no_ledger)
  echo "  curl loop:                       $t_curl s"
  echo "  leadctl create loop (ledger on): $t_leadctl s   leadctl/curl = $(awk -v a="$t_leadctl" -v b="$t_curl" 'BEGIN { printf "%.2f", a / b }')"
  echo "  leadctl --no-ledger create loop: $t_bare s   leadctl/curl = $(awk -v a="$t_bare" -v b="$t_curl" 'BEGIN { printf "%.2f", a / b }')"
  stop_sandbox
}

# One whole import of the sweep's file against a reset sandbox, a fresh ledger and a fresh data
# directory: prints "rows/s unknown" and leaves leadctl's stderr in $WORK/run.err.
sweep_run() {
  reset
  rm -rf "$WORK"/sweep-ledger.sqlite3* "$WORK/sweep.csv.errors.csv" "$WORK/data"
  local s e n unknown
  s=$(date +%s%N)
  XDG_DATA_HOME=$WORK/data LEADCTL_LEDGER=$WORK/sweep-ledger.sqlite3 \
    "$BIN" import "$WORK/sweep.csv" "$@" > /dev/null 2> "$WORK/run.err" || true
  e=$(date +%s%N)
  n=$(created)
  unknown=$(grep 'import [a-z]* in ' "$WORK/run.err" | grep -o '[0-9][0-9]* unknown' | cut -d' ' -f1 || true)
  awk -v n="${n:-0}" -v t="$(seconds "$s" "$e")" -v u="${unknown:-0}" 'BEGIN { printf "%.1f %d\n", n / t, u }'
}

auto_sweep() {
  local rows=${SWEEP_ROWS:-800}
  LATENCY_MS=100
  gen "$rows" "$WORK/sweep.csv"
  export LEADCTL_API_KEY=5a4d1c2b-8e7f-4a3b-9c6d-0e1f2a3b4c5d LEADCTL_CHANNEL=a1b2c3d4-e5f6-7890-abcd-ef1234567890
  export LEADCTL_CONFIG=$WORK/config.toml  # no profile of the user's
  echo "== auto-sweep: $rows rows at ${LATENCY_MS} ms, whole imports, fresh ledger and data directory each"
  local profile name args
  for profile in "no limit|" "capacity 20|--capacity 20" "rate limit 100/s|--rate-limit 100" \
      "capacity 20, 546 past 30|--capacity 20 --overload-at 30"; do
    name=${profile%%|*}
    args=${profile#*|}
    # shellcheck disable=SC2086 # the profile's flags are words
    start_sandbox $args
    export LEADCTL_API_URL=$URL
    echo "  $name (sandbox serve --latency-ms $LATENCY_MS $args):"
    local best=0 best_n='' rate unknown unknown8=0 n
    for n in 8 16 32; do
      read -r rate unknown < <(sweep_run --concurrency "$n")
      printf '    fixed %-3s %7s rows/s %5s unknown\n' "$n" "$rate" "$unknown"
      [ "$n" = 8 ] && unknown8=$unknown
      if awk -v a="$rate" -v b="$best" 'BEGIN { exit !(a > b) }'; then best=$rate; best_n=$n; fi
    done
    read -r rate unknown < <(sweep_run --concurrency auto)
    printf '    auto      %7s rows/s %5s unknown   %s of the best fixed (%s); fixed 8: %s unknown\n' \
      "$rate" "$unknown" "$(awk -v a="$rate" -v b="$best" 'BEGIN { printf "%.3f", (b > 0) ? a / b : 0 }')" \
      "$best_n" "$unknown8"
    echo "      $(auto_said)"
    stop_sandbox
  done
}

# A fresh schema of the PostgreSQL ledger for each run (the sandbox is reset between runs).
pg_ledger() { echo "$LEADCTL_TEST_POSTGRES?schema=bench_$(date +%s%N)"; }

leadctl_postgres() {
  rm -f "$WORK/send.csv.errors.csv"
  "$BIN" -q --ledger "$(pg_ledger)" import "$WORK/send.csv" --concurrency "$CONCURRENCY"
}

# Two machines running the same import against one PostgreSQL ledger (work shared by claiming).
leadctl_postgres_two() {
  rm -f "$WORK/send.csv.errors.csv"
  local ledger a b
  ledger=$(pg_ledger)
  # Both start on an empty database: the first to connect makes the tables (under an advisory
  # lock), the other waits for them.
  "$BIN" -q --ledger "$ledger" import "$WORK/send.csv" --concurrency "$CONCURRENCY" --errors "$WORK/a.errors.csv" &
  a=$!
  "$BIN" -q --ledger "$ledger" import "$WORK/send.csv" --concurrency "$CONCURRENCY" --errors "$WORK/b.errors.csv" &
  b=$!
  wait "$a"; wait "$b"
}

postgres_bench() {
  RUNS=${RUNS:-3}
  echo "== postgres: $SEND_ROWS rows, sandbox latency ${LATENCY_MS} ms, concurrency $CONCURRENCY (best of $RUNS)"
  echo "  PostgreSQL: $(psql "$LEADCTL_TEST_POSTGRES" -tAc 'select version()' | cut -d' ' -f1-2), loopback, fsync $(psql "$LEADCTL_TEST_POSTGRES" -tAc 'show fsync')"
  start_sandbox
  gen "$SEND_ROWS" "$WORK/send.csv"
  export LEADCTL_API_URL=$URL LEADCTL_API_KEY=$KEY LEADCTL_CHANNEL=a1b2c3d4-e5f6-7890-abcd-ef1234567890
  limit=$(awk -v n="$SEND_ROWS" -v l="$LATENCY_MS" -v c="$CONCURRENCY" 'BEGIN { printf "%.2f", n * l / 1000 / c }')
  t_pg=$(best_of leadctl_postgres)
  t_sqlite=$(best_of leadctl_import)
  t_two=$(best_of leadctl_postgres_two)
  echo "  limit (rows x latency / concurrency):    $limit s"
  echo "  ledger on PostgreSQL:                    $t_pg s   limit/leadctl = $(awk -v a="$limit" -v b="$t_pg" 'BEGIN { printf "%.3f", a / b }')"
  echo "  ledger on SQLite:                        $t_sqlite s   limit/leadctl = $(awk -v a="$limit" -v b="$t_sqlite" 'BEGIN { printf "%.3f", a / b }')"
  echo "  two processes sharing one PostgreSQL ledger: $t_two s   two/one = $(awk -v a="$t_two" -v b="$t_pg" 'BEGIN { printf "%.3f", a / b }')"
}

# One dry run of `import "$@"` pinned to core 0; prints the lesser wall time, the lesser CPU time
# (user + sys) and the greater peak RSS (KiB) of this run and the ones given.
sql_measure() {
  local best_t=$1 best_c=$2 peak=$3
  shift 3
  /usr/bin/time -f "%e %U %S %M" -o "$WORK/time" taskset -c 0 "$BIN" --sandbox -q import "$@" --dry-run > /dev/null
  local t u s m
  read -r t u s m < "$WORK/time"
  awk -v bt="$best_t" -v bc="$best_c" -v p="$peak" -v t="$t" -v c="$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')" -v m="$m" \
    'BEGIN { printf "%s %s %s\n", (t < bt) ? t : bt, (c < bc) ? c : bc, (m > p) ? m : p }'
}

per_row() { awk -v t="$1" -v n="$2" 'BEGIN { printf "%.2f", t / n * 1e6 }'; }

# The rows of `gen` as a PostgreSQL table, read with --query: 100,000 and SQL_ROWS (1,000,000)
# rows against the same rows as CSV, a dry run on one core (the server on the other).
sql_bench() {
  local n=${SQL_ROWS:-1000000} small=100000 pg=$LEADCTL_TEST_POSTGRES
  echo "== sql: $small and $n rows from PostgreSQL (--query --from) vs the same rows as CSV, dry run on one core (taskset -c 0)"
  echo "  PostgreSQL: $(psql "$pg" -tAc 'select version()' | cut -d' ' -f1-2), loopback"
  psql "$pg" -q -v ON_ERROR_STOP=1 -c "DROP TABLE IF EXISTS bench_leads" \
    -c "CREATE TABLE bench_leads AS SELECT i AS id, 'user' || i || '@example.com' AS email, \
          'User' || i AS first_name, 'Last' || i AS last_name, 'Company ' || (i % 997) AS company, \
          '+1 555 ' || lpad(i::text, 7, '0') AS phone, 'Website' AS source, \
          ((i % 50) * 1000)::numeric AS deal_size, 'EMEA'::text AS region, 'CRM-' || i AS crm_id \
        FROM generate_series(1, $n) i" -c "VACUUM ANALYZE bench_leads"
  local select='SELECT email AS "Email", first_name AS "First Name", last_name AS "Last Name", company AS "Company", phone AS "Phone", source AS "Lead Source", deal_size AS "Deal size", region AS "Region", crm_id AS "CRM ID" FROM bench_leads'
  gen "$small" "$WORK/small.csv"
  gen "$n" "$WORK/rows.csv"
  # The two sources give the same request bodies.
  "$BIN" --sandbox -q import --from "$pg" --query "$select WHERE id <= $small ORDER BY id" --dry-run -o ndjson | sha256sum > "$WORK/sql.sum"
  "$BIN" --sandbox -q import "$WORK/small.csv" --dry-run -o ndjson | sha256sum > "$WORK/csv.sum"
  cmp -s "$WORK/sql.sum" "$WORK/csv.sum" && echo "  request bodies ($small rows): identical" || echo "  request bodies ($small rows): DIFFER"
  # Query and CSV runs alternate (3 each), so that a change in the machine's load falls on
  # both; best wall time, least CPU time (user + sys: what the other helpers' load inflates
  # least) and highest peak RSS of the three.
  echo "  load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  local rows f tq cq mq tc cc mc
  for rows in "$small" "$n"; do
    f=$WORK/rows.csv
    [ "$rows" = "$small" ] && f=$WORK/small.csv
    tq=999 cq=999 mq=0 tc=999 cc=999 mc=0
    for _ in 1 2 3; do
      read -r tq cq mq <<< "$(sql_measure "$tq" "$cq" "$mq" --from "$pg" --query "$select WHERE id <= $rows")"
      read -r tc cc mc <<< "$(sql_measure "$tc" "$cc" "$mc" "$f")"
    done
    printf '  %8d rows, query: %6.2f s wall (%5.2f us/row), %6.2f s CPU (%5.2f us/row), peak RSS %6.1f MiB\n' \
      "$rows" "$tq" "$(per_row "$tq" "$rows")" "$cq" "$(per_row "$cq" "$rows")" "$(awk -v k="$mq" 'BEGIN { printf "%.1f", k / 1024 }')"
    printf '  %8d rows, CSV:   %6.2f s wall (%5.2f us/row), %6.2f s CPU (%5.2f us/row), peak RSS %6.1f MiB\n' \
      "$rows" "$tc" "$(per_row "$tc" "$rows")" "$cc" "$(per_row "$cc" "$rows")" "$(awk -v k="$mc" 'BEGIN { printf "%.1f", k / 1024 }')"
    printf '  %8d rows, query/CSV: wall %.2fx, CPU %.2fx\n' "$rows" \
      "$(awk -v a="$tq" -v b="$tc" 'BEGIN { print a / b }')" "$(awk -v a="$cq" -v b="$cc" 'BEGIN { print a / b }')"
  done
  echo "  load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  psql "$pg" -q -c "DROP TABLE bench_leads"
}

case $what in
  dry-run) dry_run ;;
  send) send ;;
  ledger) ledger_bench ;;
  auto) auto ;;
  create-loop) create_loop ;;
  auto-sweep) auto_sweep ;;
  workbook) workbook_bench ;;
  postgres) postgres_bench ;;
  sql) sql_bench ;;
  all) dry_run; send; ledger_bench; auto; workbook_bench ;;
  *) echo "usage: $0 [dry-run|send|ledger|auto|create-loop|auto-sweep|workbook|postgres|sql|all]" >&2; exit 2 ;;
esac

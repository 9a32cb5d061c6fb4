#!/usr/bin/env bash
# Reproducible benchmarks for `leadctl import`; figures go to BENCHMARKS.md by hand.
#
#   scripts/bench.sh              # everything
#   scripts/bench.sh dry-run      # 200,000-row dry run: time on one core, peak memory vs 20,000 rows
#   scripts/bench.sh send         # 2,000 rows, sandbox latency 50 ms, concurrency 16:
#                                 # leadctl vs the limit, `curl --parallel`, `xargs -P16 curl`
#
# Needs: a Rust toolchain, curl, GNU time (/usr/bin/time), taskset (util-linux), awk.
set -euo pipefail
cd "$(dirname "$0")/.."

what=${1:-all}
SEND_ROWS=${SEND_ROWS:-2000}
LATENCY_MS=${LATENCY_MS:-50}
CONCURRENCY=${CONCURRENCY:-16}

cargo build --release --locked -q
BIN=$PWD/target/release/leadctl
WORK=$(mktemp -d)
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
}

start_sandbox() {
  "$BIN" sandbox serve --addr 127.0.0.1:0 --latency-ms "$LATENCY_MS" -q 2> "$WORK/serve.log" &
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

send() {
  echo "== send: $SEND_ROWS rows, sandbox latency ${LATENCY_MS} ms, concurrency $CONCURRENCY"
  start_sandbox
  gen "$SEND_ROWS" "$WORK/send.csv"
  export LEADCTL_API_URL=$URL LEADCTL_API_KEY=$KEY LEADCTL_CHANNEL=a1b2c3d4-e5f6-7890-abcd-ef1234567890
  # The exact request bodies leadctl sends, for the curl runs.
  "$BIN" -q import "$WORK/send.csv" --dry-run -o ndjson > "$WORK/bodies.ndjson"
  limit=$(awk -v n="$SEND_ROWS" -v l="$LATENCY_MS" -v c="$CONCURRENCY" 'BEGIN { printf "%.2f", n * l / 1000 / c }')
  echo "  limit (rows x latency / concurrency): $limit s"

  reset
  s=$(date +%s%N)
  "$BIN" -q import "$WORK/send.csv" --concurrency "$CONCURRENCY" --no-journal
  e=$(date +%s%N)
  t=$(seconds "$s" "$e")
  echo "  leadctl import:               $t s  ($(created) leads; limit/time = $(awk -v l="$limit" -v t="$t" 'BEGIN { printf "%.3f", l / t }'))"

  # One curl, reused connections, 16 transfers at a time.
  awk -v url="$URL" -v key="$KEY" '{
      gsub(/\\/, "\\\\"); gsub(/"/, "\\\"");
      printf "url = \"%s\"\nheader = \"Content-Type: application/json\"\nheader = \"X-Api-Key: %s\"\ndata-binary = \"%s\"\noutput = \"/dev/null\"\n", url, key, $0
      if (NR > 0) print "next"
    }' "$WORK/bodies.ndjson" > "$WORK/curl.cfg"
  reset
  s=$(date +%s%N)
  curl -s --parallel --parallel-max "$CONCURRENCY" -K "$WORK/curl.cfg"
  e=$(date +%s%N)
  echo "  curl --parallel-max $CONCURRENCY:       $(seconds "$s" "$e") s  ($(created) leads)"

  # What shell scripts do: one curl process per lead.
  reset
  s=$(date +%s%N)
  xargs -P "$CONCURRENCY" -d '\n' -n 1 curl -s -o /dev/null -H 'Content-Type: application/json' -H "X-Api-Key: $KEY" "$URL" --data-binary < "$WORK/bodies.ndjson"
  e=$(date +%s%N)
  echo "  xargs -P$CONCURRENCY curl:              $(seconds "$s" "$e") s  ($(created) leads)"
}

case $what in
  dry-run) dry_run ;;
  send) send ;;
  all) dry_run; send ;;
  *) echo "usage: $0 [dry-run|send|all]" >&2; exit 2 ;;
esac

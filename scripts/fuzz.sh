#!/usr/bin/env bash
# Runs each libFuzzer target in fuzz/ for a bounded time (default 60 s each) with nightly Rust and
# cargo-fuzz, starting from the committed seed corpora, and prints the executions per target.
#   scripts/fuzz.sh            # 60 s per target
#   FUZZ_SECS=600 scripts/fuzz.sh csv json_lead
# Without nightly or cargo-fuzz it says so and runs the stable, deterministic fuzzing in
# `cargo test` as a soak instead (LEADCTL_FUZZ_SECS per target).
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${FUZZ_SECS:-60}"
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(csv json_lead config api_response workbook)

if ! rustup toolchain list 2>/dev/null | grep -q nightly || ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "== nightly Rust or cargo-fuzz missing (rustup toolchain install nightly; cargo install cargo-fuzz --locked)"
    echo "== running the stable fuzz tests as a ${secs}s-per-target soak instead"
    LEADCTL_FUZZ_SECS="$secs" cargo test --locked --test integration fuzz_ -- --nocapture --test-threads 1 2>&1 \
        | grep -E 'executions|test result|panicked'
    exit "${PIPESTATUS[0]}"
fi

for t in "${targets[@]}"; do
    log="$(mktemp)"
    # New inputs go to a scratch corpus (first directory); the committed seeds are only read.
    work="${FUZZ_WORK:-$(mktemp -d)}/$t"
    mkdir -p "$work"
    # A crash leaves fuzz/artifacts/$t/crash-*: reproduce with `cargo +nightly fuzz run $t FILE`.
    cargo +nightly fuzz run "$t" "$work" "fuzz/corpus/$t" -- -max_total_time="$secs" \
        -rss_limit_mb=2048 -max_len=65536 2>"$log" || { tail -40 "$log"; echo "== $t: FAILED"; exit 1; }
    execs="$(grep -Eo 'Done [0-9]+ runs' "$log" | grep -Eo '[0-9]+' | tail -1)"
    echo "fuzz $t: ${execs:-?} executions in ${secs}s, 0 crashes"
    rm -f "$log"
done

//! Learning from the samples: closing a window of answers, and moving the limit (additive
//! increase, multiplicative decrease).

use super::{
    Cause, Change, Class, Controller, Reason, Sample, Sent, State, BASELINE_CREEP, CLIP,
    MAX_PROBE_HOLD, MAX_QUEUED_CHANGES, MIN_WINDOW, NOISE_ALPHA, NOISE_MARGIN, PROBE_HOLD,
    RATE_HEADROOM, SLOW_START_FLAT, SLOW_START_STEP, SLOW_TOP,
};

impl Controller {
    pub(super) fn learn(&self, state: &mut State, sent: Sent, sample: Sample) {
        state.history.samples += 1;
        *state.used.entry(sent.limit).or_insert(0) += 1;
        if let Class::Overload(_) = sample.class {
            state.history.overload_answers += 1;
        }
        // Answers to requests sent before the last decrease were sent under the old limit.
        if self.config.fixed.is_some() || sent.epoch != state.epoch {
            return;
        }
        match sample.class {
            Class::Neutral => {}
            Class::Overload(cause) => {
                self.decrease(state, cause.factor(), Reason::Overload(cause));
            }
            Class::Ok => {
                state.fresh = true;
                // In slow start a window judges the new limit only: answers to requests sent
                // under a lower one cannot show what it does to the latency.
                if state.slow_start && sent.limit < state.limit {
                    return;
                }
                // At least 1 µs, so that a baseline of 0 cannot hide every later rise.
                let latency = sample.latency.as_secs_f64().max(1e-6);
                state.window.push(latency);
                if sample.rate_waited {
                    state.window_rate_waited += 1;
                }
                // A round trip's worth at the limit.
                let full = state.window.len() >= state.limit.max(MIN_WINDOW);
                let closes = if state.slow_start {
                    // The requests that left when the limit was set (one round trip), among
                    // them those sent into its top slots: a server that queues the last
                    // arrivals shows it in the batch, one whose latency grows with the load
                    // in its top slots (the first of the batch met less of it). A pool that
                    // never reaches its top slots (a slow reader) closes on a full window.
                    let top = SLOW_TOP.min(state.limit);
                    if sent.in_flight > state.limit - top {
                        state.top.push(latency);
                    }
                    full || (state.window.len() >= state.slow_batch && state.top.len() >= top)
                } else {
                    full
                };
                if closes {
                    self.close_window(state);
                }
            }
        }
    }

    fn close_window(&self, state: &mut State) {
        // The mean sees a minority of requests that queued (a median hides them until they are
        // half); each is clipped at `CLIP` × the baseline so that a straggler does not rule.
        let typical = median(&mut state.window);
        let mean = |window: &[f64], b: f64| {
            let sum: f64 = window.iter().map(|l| l.min(b * CLIP)).sum();
            sum / window.len().max(1) as f64
        };
        let latency = match state.baseline {
            Some(b) => mean(&state.window, b),
            None => typical,
        };
        // In slow start, the top slots' answers judge too: the higher of the two.
        let latency = match state.baseline {
            Some(b) if !state.top.is_empty() => latency.max(mean(&state.top, b)),
            _ => latency,
        };
        state.top.clear();
        let rate_bound = state.window_rate_waited * 2 >= state.window.len();
        let saturated = state.reached && !rate_bound;
        state.window.clear();
        state.window_rate_waited = 0;
        state.reached = false;
        let baseline = state.baseline.unwrap_or(latency);
        let ratio = latency / baseline;
        // How much a window's latency wanders by chance: the mean step between consecutive
        // windows (1.128 σ for a normal spread), relative to the baseline.
        if let Some(previous) = state.last_latency {
            let step = ((latency - previous).abs() / baseline).min(0.5) / 1.128;
            state.noise += NOISE_ALPHA * (step - state.noise);
        }
        state.last_latency = Some(latency);
        // The baseline follows lower windows half-way at once, and rises by a creep.
        state.baseline = Some(if latency < baseline {
            baseline - (baseline - latency) / 2.0
        } else {
            latency.min(baseline * (1.0 + BASELINE_CREEP))
        });
        // A rise within what chance explains is not one.
        let tolerance = self.config.tolerance.max(1.0 + NOISE_MARGIN * state.noise);
        if ratio >= tolerance {
            if state
                .backoff_latency
                .is_some_and(|before| latency >= before * 0.9)
            {
                // Cutting did not lower the latency: our load is not what makes it slow.
                state.baseline = Some(typical);
                state.backoff_latency = None;
                return;
            }
            let factor = (0.9 / ratio).clamp(0.5, 0.9);
            self.decrease(state, factor, Reason::RisingLatency { ratio });
            state.backoff_latency = Some(latency);
            return;
        }
        state.backoff_latency = None;
        state.storm = false;
        state.last_good = state.limit;
        let ceiling = self.config.rate.map_or(self.config.max, |rate| {
            let usable = (rate * latency * RATE_HEADROOM).ceil();
            if usable >= self.config.max as f64 {
                self.config.max
            } else {
                (usable as usize).max(1)
            }
        });
        if state.limit > ceiling {
            self.set(state, ceiling, Reason::RateCeiling);
            state.history.rate_ceiling += 1;
        } else if saturated && state.limit < ceiling {
            if let Some(wall) = state.known_bad {
                if state.limit > wall + 1 {
                    // Two past the wall without a storm: it is gone.
                    state.known_bad = None;
                    state.next_hold = PROBE_HOLD;
                } else if state.limit >= wall && state.hold > 0 {
                    // At the wall: wait before probing past it once more.
                    state.slow_start = false;
                    state.hold -= 1;
                    return;
                }
            }
            if state.slow_start && ratio < SLOW_START_FLAT {
                // Doubling, by at most a step, and never past a known wall or the ceiling.
                let mut to = state.limit + state.limit.min(SLOW_START_STEP);
                if let Some(wall) = state.known_bad.filter(|w| *w > state.limit) {
                    to = to.min(wall);
                }
                self.set(state, to.min(ceiling), Reason::SlowStart);
                // The slots it added leave at once: their answers judge it.
                state.slow_batch = state.limit.saturating_sub(state.in_flight).max(1);
                return;
            }
            state.slow_start = false;
            let to = state.limit + 1;
            self.set(state, to, Reason::Increase);
        }
    }

    pub(super) fn decrease(&self, state: &mut State, factor: f64, reason: Reason) {
        self.cut(state, factor, reason, true);
    }

    /// Multiplies the limit by `factor`; `telling` (a decrease that says where this run's limit
    /// is): slow start ends and an overload storm marks a wall.
    pub(super) fn cut(&self, state: &mut State, factor: f64, reason: Reason, telling: bool) {
        let to = ((state.limit as f64 * factor).floor() as usize).max(1);
        // Even at the floor a new epoch starts, so that the same storm is judged once.
        state.epoch += 1;
        if telling {
            state.slow_start = false;
        }
        state.fresh = false;
        state.window.clear();
        state.top.clear();
        state.window_rate_waited = 0;
        state.reached = false;
        if to >= state.limit {
            return;
        }
        match reason {
            Reason::RisingLatency { .. } => state.history.backoffs_latency += 1,
            Reason::Overload(cause) => {
                if cause == Cause::RateLimited {
                    state.history.backoffs_rate_limited += 1;
                } else {
                    state.history.backoffs_overload += 1;
                }
                // Probing past where the server pushed back costs 429 pauses or unknown rows:
                // remember where the storm began and wait longer each time before trying again.
                if telling && !state.storm {
                    state.storm = true;
                    if state.known_bad.is_some_and(|w| state.limit > w) {
                        // A probe past the wall failed: wait twice as long this time.
                        state.next_hold = (state.next_hold * 2).min(MAX_PROBE_HOLD);
                    }
                    state.known_bad = Some((state.limit - 1).max(1));
                    state.hold = state.next_hold;
                }
            }
            Reason::Increase | Reason::SlowStart | Reason::RateCeiling => {}
        }
        self.set(state, to, reason);
    }

    fn set(&self, state: &mut State, to: usize, reason: Reason) {
        let to = to.clamp(1, self.config.max);
        if to == state.limit {
            return;
        }
        if state.changes.len() >= MAX_QUEUED_CHANGES {
            state.changes.pop_front();
        }
        state.changes.push_back(Change {
            from: state.limit,
            to,
            reason,
        });
        state.limit = to;
        state.history.lowest = state.history.lowest.min(to);
        state.history.highest = state.history.highest.max(to);
    }
}

/// The median of a non-empty window (0 for an empty one).
fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

//! Fault injection for `--error-rate`, `--rate-limit`, `--drop-rate`, `--boot-error-rate` and
//! `--seed` (doc/sandbox.md, "Fault injection"): what happens to each API request, decided
//! before it is processed.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::lock;

/// What the fault injector decided for one API request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    None,
    /// 429 + `Retry-After: 1`, not processed.
    RateLimited,
    /// 503 + `sb-error-code: BOOT_ERROR`, not processed.
    BootError,
    /// 500, not processed.
    ServerError,
    /// Processed and committed, then the connection is closed without an answer.
    Drop,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct FaultConfig {
    pub error_rate: f64,
    pub rate_limit: Option<u32>,
    pub drop_rate: f64,
    pub boot_error_rate: f64,
    pub seed: Option<u64>,
}

/// Fault decisions. Every API request draws exactly three numbers from the generator (boot,
/// error, drop), whatever the rates and the rate limiter say, so with `--seed` the n-th
/// request always meets the same fate.
pub(crate) struct Faults {
    cfg: FaultConfig,
    rng: Mutex<fastrand::Rng>,
    /// Start of the current one-second window and the requests let through in it.
    window: Mutex<(Instant, u32)>,
}

impl Faults {
    pub fn new(cfg: FaultConfig) -> Self {
        let rng = cfg
            .seed
            .map_or_else(fastrand::Rng::new, fastrand::Rng::with_seed);
        Faults {
            cfg,
            rng: Mutex::new(rng),
            window: Mutex::new((Instant::now(), 0)),
        }
    }

    pub fn decide(&self, now: Instant) -> Fault {
        let (boot, error, drop) = {
            let mut rng = lock(&self.rng);
            (rng.f64(), rng.f64(), rng.f64())
        };
        if let Some(limit) = self.cfg.rate_limit {
            let mut w = lock(&self.window);
            if now.saturating_duration_since(w.0) >= Duration::from_secs(1) {
                *w = (now, 0);
            }
            if w.1 >= limit {
                return Fault::RateLimited;
            }
            w.1 += 1;
        }
        if boot < self.cfg.boot_error_rate {
            Fault::BootError
        } else if error < self.cfg.error_rate {
            Fault::ServerError
        } else if drop < self.cfg.drop_rate {
            Fault::Drop
        } else {
            Fault::None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn faults(cfg: FaultConfig) -> Faults {
        Faults::new(cfg)
    }

    #[test]
    fn rate_limit_uses_one_second_windows() {
        let f = faults(FaultConfig {
            rate_limit: Some(3),
            ..Default::default()
        });
        let t0 = Instant::now();
        let got: Vec<Fault> = (0..5).map(|_| f.decide(t0)).collect();
        assert_eq!(
            got,
            [
                Fault::None,
                Fault::None,
                Fault::None,
                Fault::RateLimited,
                Fault::RateLimited
            ]
        );
        assert_eq!(
            f.decide(t0 + Duration::from_millis(999)),
            Fault::RateLimited
        );
        assert_eq!(f.decide(t0 + Duration::from_millis(1000)), Fault::None);
    }

    #[test]
    fn rates_of_zero_and_one_are_never_and_always() {
        let never = faults(FaultConfig::default());
        assert!((0..1000).all(|_| never.decide(Instant::now()) == Fault::None));
        for (cfg, want) in [
            (
                FaultConfig {
                    boot_error_rate: 1.0,
                    error_rate: 1.0,
                    drop_rate: 1.0,
                    ..Default::default()
                },
                Fault::BootError,
            ),
            (
                FaultConfig {
                    error_rate: 1.0,
                    drop_rate: 1.0,
                    ..Default::default()
                },
                Fault::ServerError,
            ),
            (
                FaultConfig {
                    drop_rate: 1.0,
                    ..Default::default()
                },
                Fault::Drop,
            ),
        ] {
            let f = faults(cfg);
            assert!(
                (0..100).all(|_| f.decide(Instant::now()) == want),
                "{want:?}"
            );
        }
    }

    #[test]
    fn a_seed_repeats_the_fault_sequence() {
        let cfg = FaultConfig {
            error_rate: 0.3,
            drop_rate: 0.3,
            boot_error_rate: 0.1,
            seed: Some(7),
            ..Default::default()
        };
        let run = || {
            let f = faults(cfg.clone());
            (0..200)
                .map(|_| f.decide(Instant::now()))
                .collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        for kind in [
            Fault::None,
            Fault::BootError,
            Fault::ServerError,
            Fault::Drop,
        ] {
            assert!(a.contains(&kind), "{kind:?} should occur in 200 draws");
        }
        let other = faults(FaultConfig {
            seed: Some(8),
            ..cfg
        });
        assert_ne!(
            a,
            (0..200)
                .map(|_| other.decide(Instant::now()))
                .collect::<Vec<_>>()
        );
    }
}

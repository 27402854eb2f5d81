//! Waiting between attempts to reach a server: doubling from a first wait to
//! a cap, each wait drawn from the upper half of its step ("equal jitter"),
//! so clients cut off together do not all come back at the same instant.
//! The producer, `logdeck tail` and the page's live log all wait this way.

use std::time::Duration;

/// The waits of one client's attempts since its last success.
#[derive(Debug, Clone)]
pub struct Backoff {
    first_ms: u64,
    cap_ms: u64,
    failures: u32,
    /// xorshift64* state; never 0.
    rng: u64,
}

impl Backoff {
    /// Waits from about `first` up to `cap`; `seed` makes this client's
    /// jitter its own (a clock reading will do; any value is accepted).
    pub fn new(first: Duration, cap: Duration, seed: u64) -> Backoff {
        let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        let first_ms = ms(first).max(1);
        Backoff {
            first_ms,
            cap_ms: ms(cap).max(first_ms),
            failures: 0,
            rng: mix(seed).max(1),
        }
    }

    /// [`Backoff::new`] seeded by the clock and the process id (native
    /// clients; the page seeds from the browser's clock).
    #[cfg(not(target_family = "wasm"))]
    pub fn seeded(first: Duration, cap: Duration) -> Backoff {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Backoff::new(first, cap, nanos ^ u64::from(std::process::id()) << 32)
    }

    /// Failures since the last success.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Counts a failure and returns the wait before the next attempt:
    /// between half and all of `first · 2^(failures − 1)`, at most `cap`.
    pub fn fail(&mut self) -> Duration {
        let step = self
            .first_ms
            .saturating_mul(1u64 << self.failures.min(32))
            .min(self.cap_ms);
        self.failures = self.failures.saturating_add(1);
        let half = step / 2;
        Duration::from_millis(step - half + self.next() % (half + 1))
    }

    /// A success: the next failure waits the first wait again.
    pub fn reset(&mut self) {
        self.failures = 0;
    }

    fn next(&mut self) -> u64 {
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// SplitMix64's finaliser: nearby seeds (two clocks a tick apart) start
/// far apart.
fn mix(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(d: Duration) -> u64 {
        d.as_millis() as u64
    }

    #[test]
    fn waits_double_to_the_cap_within_their_upper_half() {
        for seed in [0, 1, 42, u64::MAX] {
            let mut b = Backoff::new(Duration::from_millis(100), Duration::from_secs(3), seed);
            for (i, step) in [100, 200, 400, 800, 1600, 3000, 3000, 3000]
                .into_iter()
                .enumerate()
            {
                let w = ms(b.fail());
                assert!(
                    (step / 2..=step).contains(&w),
                    "seed {seed}, failure {}: {w} ms not in {}..={step}",
                    i + 1,
                    step / 2
                );
            }
            assert_eq!(b.failures(), 8);
            b.reset();
            assert!(ms(b.fail()) <= 100);
        }
    }

    #[test]
    fn clients_with_other_seeds_wait_differently() {
        let waits = |seed| {
            let mut b = Backoff::new(Duration::from_millis(500), Duration::from_secs(10), seed);
            (0..6).map(|_| ms(b.fail())).collect::<Vec<_>>()
        };
        assert_eq!(waits(7), waits(7));
        let distinct: std::collections::HashSet<_> = (0..20).map(waits).collect();
        assert!(distinct.len() >= 18, "{} of 20 differ", distinct.len());
    }

    #[test]
    fn many_failures_and_odd_settings_never_overflow() {
        let mut b = Backoff::new(Duration::ZERO, Duration::ZERO, 0);
        for _ in 0..100 {
            assert!(ms(b.fail()) <= 1);
        }
        let mut b = Backoff::new(Duration::from_secs(1), Duration::MAX, 3);
        for _ in 0..100 {
            b.fail();
        }
        assert_eq!(b.failures(), 100);
    }
}

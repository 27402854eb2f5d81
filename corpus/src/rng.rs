//! Seeded randomness: stream derivation and the few distributions the
//! generator needs (`rand_distr` is not a dependency).
//!
//! Every random choice goes through a [`Rng8`] (`ChaCha8Rng`), whose output is
//! specified and therefore stable across `rand` versions.

use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The generator used everywhere.
pub(crate) type Rng8 = ChaCha8Rng;

/// Independent random streams, so that one part of the output can be produced
/// without replaying the others.
#[derive(Clone, Copy)]
pub(crate) enum Stream {
    Users = 1,
    Inventory = 2,
    Damage = 3,
    Timeline = 4,
    Server = 5,
    Client = 6,
    DamageApply = 7,
    Large = 8,
}

/// SplitMix64 finaliser: a cheap, well-mixed hash of a `u64`.
pub(crate) fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A generator for `stream` of item `id` under the user's `seed`.
pub(crate) fn rng_for(seed: u64, stream: Stream, id: u64) -> Rng8 {
    let s = splitmix(splitmix(seed ^ ((stream as u64) << 56)) ^ splitmix(id));
    Rng8::seed_from_u64(s)
}

/// Uniform in `[0, 1)` with 32 bits of resolution (plenty here, and half
/// the generator output of a 53-bit float).
pub(crate) fn unit(r: &mut Rng8) -> f64 {
    f64::from(r.next_u32()) * (1.0 / 4_294_967_296.0)
}

/// `true` with probability `p`.
pub(crate) fn chance(r: &mut Rng8, p: f64) -> bool {
    unit(r) < p
}

/// Uniform integer in `lo..=hi`.
pub(crate) fn between(r: &mut Rng8, lo: u64, hi: u64) -> u64 {
    if hi - lo < u64::from(u32::MAX) {
        lo + u64::from(r.gen_range(0..=(hi - lo) as u32))
    } else {
        r.gen_range(lo..=hi)
    }
}

/// Uniform float in `[lo, hi)`.
pub(crate) fn uniform(r: &mut Rng8, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * unit(r)
}

/// Standard normal (Box–Muller).
pub(crate) fn normal(r: &mut Rng8) -> f64 {
    let u1 = 1.0 - unit(r); // (0, 1]
    let u2 = unit(r);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Log-normal with the given median and log-space standard deviation.
pub(crate) fn lognormal(r: &mut Rng8, median: f64, sigma: f64) -> f64 {
    median * (sigma * normal(r)).exp()
}

/// Exponential with the given mean.
pub(crate) fn exponential(r: &mut Rng8, mean: f64) -> f64 {
    -mean * (1.0 - unit(r)).ln()
}

/// One element of a non-empty slice.
pub(crate) fn pick<T: Copy>(r: &mut Rng8, items: &[T]) -> T {
    items[between(r, 0, items.len() as u64 - 1) as usize]
}

/// Index drawn with probability proportional to `weights` (not all zero).
pub(crate) fn weighted(r: &mut Rng8, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = unit(r) * total;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

/// Seconds to whole microseconds.
pub(crate) fn us(seconds: f64) -> i64 {
    (seconds * 1e6).round() as i64
}

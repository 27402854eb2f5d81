//! A population kept as counts on a logarithmic scale: what a build's
//! per-session figures become once stored, so that comparing it with any
//! other build costs its bins (a few hundred), not its sessions (up to
//! millions).
//!
//! A bin holds the values within 2 % of each other (`[R^k, R^(k+1))` for
//! `R` = [`BIN_RATIO`]), whatever their unit; zero and below (a session
//! without errors) have a bin of their own, below every other. The rank
//! test on bins is the exact Mann–Whitney test of the values rounded to
//! their bins' centres: values within a bin count as ties.

use crate::rank::{RankTest, from_groups};

/// The ratio of a bin's upper bound to its lower.
pub const BIN_RATIO: f64 = 1.02;

/// Bins are clamped to ±this (R^±3000 spans 1e±25, past every figure a
/// session has; infinities land at the ends).
const MAX_BIN: i32 = 3000;

/// Counts of values by bin.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Binned {
    /// Values at or below zero.
    pub zero: u64,
    /// The bin of `counts[0]`.
    pub first: i32,
    /// Values in bins `first`, `first + 1`, … (no trailing or leading
    /// empty bin).
    pub counts: Vec<u64>,
}

/// The bin of a positive value (`None` for zero and below, and NaN).
pub fn bin_of(x: f64) -> Option<i32> {
    if x.is_nan() || x <= 0.0 {
        return None;
    }
    let k = (x.ln() / BIN_RATIO.ln()).floor();
    Some(if k.is_finite() {
        (k as i64).clamp(-(MAX_BIN as i64), MAX_BIN as i64) as i32
    } else if k > 0.0 {
        MAX_BIN
    } else {
        -MAX_BIN
    })
}

/// The value a bin stands for: its geometric centre.
pub fn bin_value(bin: i32) -> f64 {
    BIN_RATIO.powf(f64::from(bin) + 0.5)
}

impl Binned {
    /// No values (as `Binned::default()`, usable in a `static`).
    pub const EMPTY: Binned = Binned {
        zero: 0,
        first: 0,
        counts: Vec::new(),
    };

    /// The bins of `v` (NaNs left out).
    pub fn of(v: &[f64]) -> Binned {
        let mut out = Binned::default();
        for &x in v {
            out.push(x);
        }
        out
    }

    /// Counts one more value (a NaN is not one).
    pub fn push(&mut self, x: f64) {
        if x.is_nan() {
            return;
        }
        let Some(k) = bin_of(x) else {
            self.zero += 1;
            return;
        };
        if self.counts.is_empty() {
            self.first = k;
            self.counts.push(0);
        } else if k < self.first {
            let grow = (self.first - k) as usize;
            self.counts.splice(0..0, std::iter::repeat_n(0, grow));
            self.first = k;
        } else if k >= self.first + self.counts.len() as i32 {
            self.counts.resize((k - self.first) as usize + 1, 0);
        }
        self.counts[(k - self.first) as usize] += 1;
    }

    /// Values counted.
    pub fn n(&self) -> u64 {
        self.zero + self.counts.iter().sum::<u64>()
    }

    /// The bins in ascending order as (value it stands for, count), the
    /// zero bin (value 0) first; empty bins left out.
    pub fn iter(&self) -> impl Iterator<Item = (f64, u64)> + '_ {
        let zero = (self.zero > 0).then_some((0.0, self.zero));
        zero.into_iter().chain(
            self.counts
                .iter()
                .enumerate()
                .filter(|(_, c)| **c > 0)
                .map(|(i, &c)| (bin_value(self.first + i as i32), c)),
        )
    }

    /// The value of the bin holding the `q` quantile (0 ≤ q ≤ 1; the
    /// lower middle value's bin for the median of an even count); `None`
    /// when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let n = self.n();
        if n == 0 {
            return None;
        }
        // The rank (0-based) of the value wanted.
        let want = ((q.clamp(0.0, 1.0) * (n - 1) as f64).floor()) as u64;
        let mut seen = 0;
        for (value, c) in self.iter() {
            seen += c;
            if seen > want {
                return Some(value);
            }
        }
        None
    }
}

/// [`crate::rank_test`] of the two populations' binned values; `None`
/// when either is empty.
pub fn rank_test_binned(x: &Binned, y: &Binned) -> Option<RankTest> {
    let mut groups = Vec::with_capacity(x.counts.len() + y.counts.len() + 1);
    if x.zero + y.zero > 0 {
        groups.push((x.zero, y.zero));
    }
    let at = |b: &Binned, k: i32| -> u64 {
        let i = k - b.first;
        if i < 0 {
            0
        } else {
            b.counts.get(i as usize).copied().unwrap_or(0)
        }
    };
    let ends =
        |b: &Binned| (!b.counts.is_empty()).then(|| (b.first, b.first + b.counts.len() as i32));
    let range = match (ends(x), ends(y)) {
        (Some(a), Some(b)) => Some((a.0.min(b.0), a.1.max(b.1))),
        (a, b) => a.or(b),
    };
    if let Some((lo, hi)) = range {
        for k in lo..hi {
            let g = (at(x, k), at(y, k));
            if g.0 + g.1 > 0 {
                groups.push(g);
            }
        }
    }
    from_groups(&groups)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rank_test;
    use proptest::prelude::*;

    /// Each value replaced by its bin's value.
    fn rounded(v: &[f64]) -> Vec<f64> {
        v.iter()
            .filter(|x| !x.is_nan())
            .map(|&x| bin_of(x).map_or(0.0, bin_value))
            .collect()
    }

    #[test]
    fn bins_are_two_percent_wide_and_hold_every_value() {
        let b = Binned::of(&[0.0, -3.0, 1.0, 1.01, 1.03, f64::NAN, f64::INFINITY, 1e-300]);
        assert_eq!(b.zero, 2);
        assert_eq!(b.n(), 7);
        assert_eq!(bin_of(1.0), Some(0));
        assert_eq!(bin_of(1.01), Some(0));
        assert_eq!(bin_of(1.03), Some(1));
        assert_eq!(bin_of(f64::INFINITY), Some(MAX_BIN));
        assert_eq!(bin_of(f64::MIN_POSITIVE), Some(-MAX_BIN));
        for x in [1e-9, 0.004, 0.0612, 61.0, 1e6] {
            let v = bin_value(bin_of(x).unwrap());
            assert!((v / x - 1.0).abs() < 0.02, "{x} -> {v}");
        }
        assert_eq!(Binned::of(&[]).quantile(0.5), None);
        let q = Binned::of(&[1.0, 2.0, 3.0, 4.0, 100.0]);
        assert!((q.quantile(0.5).unwrap() / 3.0 - 1.0).abs() < 0.02);
        assert!((q.quantile(1.0).unwrap() / 100.0 - 1.0).abs() < 0.02);
        assert_eq!(Binned::of(&[0.0, 0.0, 5.0]).quantile(0.5), Some(0.0));
    }

    proptest! {
        #[test]
        fn the_binned_test_is_the_rank_test_of_the_rounded_values(
            x in proptest::collection::vec(prop_oneof![Just(0.0), 0.001f64..10.0, 1.0f64..1e6], 1..60),
            y in proptest::collection::vec(prop_oneof![Just(0.0), 0.001f64..10.0, 1.0f64..1e6], 1..60),
        ) {
            let (bx, by) = (Binned::of(&x), Binned::of(&y));
            let binned = rank_test_binned(&bx, &by).unwrap();
            let plain = rank_test(&rounded(&x), &rounded(&y)).unwrap();
            prop_assert_eq!((binned.n_x, binned.n_y), (plain.n_x, plain.n_y));
            prop_assert!((binned.u_x - plain.u_x).abs() < 1e-9);
            prop_assert!((binned.cliffs_delta - plain.cliffs_delta).abs() < 1e-12);
            prop_assert!((binned.p - plain.p).abs() < 1e-12 || (binned.p.is_nan() && plain.p.is_nan()));
            // Pushing in any order gives the same bins.
            let mut rev = x.clone();
            rev.reverse();
            prop_assert_eq!(Binned::of(&rev), bx);
        }
    }
}

#[cfg(test)]
mod calibration {
    use super::*;

    use crate::testing::Rng;

    /// With both populations drawn from one distribution, the binned test
    /// finds a difference at level α about α of the time: for latency-like
    /// values, and for error-like ones (most sessions 0, the rest tied on
    /// few values), 40 and 25 sessions a side.
    #[test]
    fn with_no_difference_p_is_below_alpha_about_alpha_of_the_time() {
        let mut rng = Rng(31);
        let trials = 4000;
        for shape in ["latency", "errors"] {
            let mut below = [0usize; 2];
            for t in 0..trials {
                let n = if t % 2 == 0 { 40 } else { 25 };
                let mut draw = |k: usize| -> Vec<f64> {
                    (0..k)
                        .map(|_| match shape {
                            "latency" => 0.06 * (0.4 * rng.normal()).exp(),
                            _ if rng.unit() < 0.6 => 0.0,
                            _ => (rng.unit() * 4.0).floor(),
                        })
                        .collect()
                };
                let (x, y) = (Binned::of(&draw(40)), Binned::of(&draw(n)));
                let p = rank_test_binned(&x, &y).unwrap().p;
                below[0] += usize::from(p <= 0.05);
                below[1] += usize::from(p <= 0.01);
            }
            let rate = |b: usize| b as f64 / trials as f64;
            // Binomial(4000, 0.05): 200 ± 14 (sd); (4000, 0.01): 40 ± 6.
            assert!(
                (140..=260).contains(&below[0]),
                "{shape}: {} at 0.05",
                rate(below[0])
            );
            assert!(
                (15..=65).contains(&below[1]),
                "{shape}: {} at 0.01",
                rate(below[1])
            );
            eprintln!(
                "{shape}: p <= 0.05 in {:.4}, p <= 0.01 in {:.4} of {trials} same-distribution comparisons",
                rate(below[0]),
                rate(below[1])
            );
        }
    }
}

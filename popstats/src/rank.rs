//! The Mann–Whitney U rank test of two independent samples, two-sided,
//! with the normal approximation (tie-corrected variance, continuity
//! correction), and Cliff's delta from the same ranks.
//!
//! The approximation is what SciPy's `mannwhitneyu(..., method=
//! "asymptotic")` computes. SciPy's default switches to the exact
//! distribution when a sample has 8 values or fewer and nothing ties; the
//! comparisons here need more sessions than that before they say anything,
//! so only the approximation is offered.

use crate::normal::normal_sf;
use crate::values;

/// The outcome of [`rank_test`] of samples `x` and `y`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RankTest {
    /// Values in each sample (NaNs left out).
    pub n_x: usize,
    pub n_y: usize,
    /// U of `x`: the pairs (a from x, b from y) with a > b, plus half the
    /// pairs that tie.
    pub u_x: f64,
    /// The standardised statistic of the larger U (never negative but for
    /// the continuity correction; NaN when every value ties).
    pub z: f64,
    /// Two-sided p-value: the chance of a U at least this far from its
    /// mean if both samples came from one distribution.
    pub p: f64,
    /// Cliff's delta: P(a > b) − P(a < b) for a from x and b from y, in
    /// [-1, 1]; positive when x tends to be larger.
    pub cliffs_delta: f64,
}

/// Ranks `x` against `y`; `None` when either has no value.
pub fn rank_test(x: &[f64], y: &[f64]) -> Option<RankTest> {
    let (x, y) = (values(x), values(y));
    // Both samples in one order, each value tagged with its sample.
    let mut all: Vec<(f64, bool)> = x
        .iter()
        .map(|&v| (v, true))
        .chain(y.iter().map(|&v| (v, false)))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut groups = Vec::new();
    let mut i = 0;
    while i < all.len() {
        let mut j = i + 1;
        while j < all.len() && all[j].0 == all[i].0 {
            j += 1;
        }
        let in_x = all[i..j].iter().filter(|v| v.1).count() as u64;
        groups.push((in_x, (j - i) as u64 - in_x));
        i = j;
    }
    from_groups(&groups)
}

/// The test from the samples' values grouped by value: `groups` holds,
/// in ascending order of value, how many values of x and of y equal each
/// value. `None` when either sample is empty.
pub(crate) fn from_groups(groups: &[(u64, u64)]) -> Option<RankTest> {
    let n1: u64 = groups.iter().map(|g| g.0).sum();
    let n2: u64 = groups.iter().map(|g| g.1).sum();
    if n1 == 0 || n2 == 0 {
        return None;
    }
    // Average ranks over ties (1-based): x's rank sum and the tie term
    // Σ(t³ − t) over groups of t equal values.
    let mut rank_sum_x = 0.0f64;
    let mut tie_term = 0.0f64;
    let mut below = 0u64;
    for &(in_x, in_y) in groups {
        let t = (in_x + in_y) as f64;
        let rank = below as f64 + (t + 1.0) / 2.0;
        rank_sum_x += rank * in_x as f64;
        tie_term += t * t * t - t;
        below += in_x + in_y;
    }
    let (f1, f2) = (n1 as f64, n2 as f64);
    let n = f1 + f2;
    let pairs = f1 * f2;
    let u_x = rank_sum_x - f1 * (f1 + 1.0) / 2.0;
    let u = u_x.max(pairs - u_x);
    let mean = pairs / 2.0;
    let variance = pairs / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)));
    let (z, p) = if variance > 0.0 {
        let z = (u - mean - 0.5) / variance.sqrt();
        (z, (2.0 * normal_sf(z)).clamp(0.0, 1.0))
    } else {
        // Every value ties (or one value in all): nothing tells them apart.
        (f64::NAN, 1.0)
    };
    Some(RankTest {
        n_x: n1 as usize,
        n_y: n2 as usize,
        u_x,
        z,
        p,
        cliffs_delta: (2.0 * u_x - pairs) / pairs,
    })
}

#[cfg(test)]
mod tests {
    use super::rank_test;
    use proptest::prelude::*;

    /// U and Cliff's delta by counting every pair.
    fn by_pairs(x: &[f64], y: &[f64]) -> (f64, f64) {
        let (mut gt, mut lt, mut eq) = (0.0, 0.0, 0.0);
        for a in x {
            for b in y {
                if a > b {
                    gt += 1.0
                } else if a < b {
                    lt += 1.0
                } else {
                    eq += 1.0
                }
            }
        }
        let pairs = (x.len() * y.len()) as f64;
        (gt + eq / 2.0, (gt - lt) / pairs)
    }

    #[test]
    fn a_textbook_case() {
        // SciPy: mannwhitneyu([1,2,3,4,5],[6,7,8,9,10], method="asymptotic")
        // -> statistic 0.0, pvalue 0.012185780355344813
        let t = rank_test(&[1.0, 2.0, 3.0, 4.0, 5.0], &[6.0, 7.0, 8.0, 9.0, 10.0]).unwrap();
        assert_eq!(t.u_x, 0.0);
        assert_eq!(t.cliffs_delta, -1.0);
        assert!((t.p - 0.012185780355344813).abs() < 1e-15, "{t:?}");
    }

    #[test]
    fn empty_tied_and_nan_samples() {
        assert!(rank_test(&[], &[1.0]).is_none());
        assert!(rank_test(&[f64::NAN], &[1.0]).is_none());
        let same = rank_test(&[2.0; 5], &[2.0; 7]).unwrap();
        assert_eq!((same.p, same.cliffs_delta, same.u_x), (1.0, 0.0, 17.5));
        assert!(same.z.is_nan());
        let one = rank_test(&[1.0], &[2.0]).unwrap();
        assert_eq!(one.cliffs_delta, -1.0);
        assert!(one.p > 0.0 && one.p <= 1.0);
        let nan_out = rank_test(&[1.0, f64::NAN, 3.0], &[2.0]).unwrap();
        assert_eq!(nan_out.n_x, 2);
        let inf = rank_test(&[f64::INFINITY, 1.0], &[f64::NEG_INFINITY, 0.0]).unwrap();
        assert_eq!(inf.cliffs_delta, 1.0);
    }

    proptest! {
        #[test]
        fn u_and_delta_equal_the_pair_counts_and_swap_with_the_samples(
            x in proptest::collection::vec(prop_oneof![(-5i32..5).prop_map(f64::from), -1e3f64..1e3], 1..30),
            y in proptest::collection::vec(prop_oneof![(-5i32..5).prop_map(f64::from), -1e3f64..1e3], 1..30),
        ) {
            let t = rank_test(&x, &y).unwrap();
            let (u, delta) = by_pairs(&x, &y);
            prop_assert!((t.u_x - u).abs() < 1e-9);
            prop_assert!((t.cliffs_delta - delta).abs() < 1e-12);
            let s = rank_test(&y, &x).unwrap();
            prop_assert!((s.p - t.p).abs() < 1e-12);
            prop_assert!((s.cliffs_delta + t.cliffs_delta).abs() < 1e-12);
            prop_assert!((0.0..=1.0).contains(&t.p));
        }
    }
}

//! Statistics that compare populations of sessions: did one protocol build
//! make a metric worse than another ([`rank_test`]), by how much
//! ([`RankTest::cliffs_delta`], [`difference_of_medians`]), which of many
//! such comparisons still stand once their number is accounted for
//! ([`holm`]), and how far one session lies from its population
//! ([`Spread`]). A population kept as [`Binned`] counts is compared at the
//! cost of its bins, not its sessions ([`rank_test_binned`]).
//!
//! No I/O and no allocation beyond the samples' copies. NaN is not a
//! value: every function leaves NaNs out of its samples (a session without
//! a metric has nothing to compare). Infinities are ordinary, ordered
//! values. The figures match SciPy's (`mannwhitneyu` with
//! `method="asymptotic"`, `median_abs_deviation`); `tests/scipy.rs` checks
//! them against SciPy on generated samples.

mod binned;
mod normal;
mod rank;
mod robust;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use binned::{BIN_RATIO, Binned, bin_of, bin_value, rank_test_binned};
pub use normal::normal_sf;
pub use rank::{RankTest, rank_test};
pub use robust::{NORMAL_MAD, Spread, difference_of_medians, median};

/// Holm's step-down adjustment of `p` values for as many comparisons: a
/// comparison is significant at level `alpha`, with the chance of any
/// false finding among all of them at most `alpha`, when its adjusted
/// value is at most `alpha`. Adjusted values are in the input's order,
/// never below the raw ones, and at most 1. A NaN p (no test) stays NaN
/// and does not count as a comparison.
pub fn holm(p: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..p.len()).filter(|&i| !p[i].is_nan()).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let m = order.len();
    let mut out = vec![f64::NAN; p.len()];
    let mut running = 0.0f64;
    for (j, &i) in order.iter().enumerate() {
        running = running.max(((m - j) as f64 * p[i]).min(1.0));
        out[i] = running;
    }
    out
}

/// The finite-or-infinite values of `v` (NaNs left out).
fn values(v: &[f64]) -> Vec<f64> {
    v.iter().copied().filter(|x| !x.is_nan()).collect()
}

#[cfg(test)]
mod tests {
    use super::holm;

    #[test]
    fn holm_multiplies_by_the_comparisons_left_and_keeps_the_order() {
        // Sorted: 0.01 (x4), 0.02 (x3), 0.03 (x2), 0.04 (x1).
        let adj = holm(&[0.03, 0.01, 0.04, 0.02]);
        let want = [0.06, 0.04, 0.06, 0.06];
        for (a, w) in adj.iter().zip(want) {
            assert!((a - w).abs() < 1e-12, "{adj:?}");
        }
        assert_eq!(holm(&[0.9, 0.8]), vec![1.0, 1.0]);
        assert!(holm(&[]).is_empty());
        let with_nan = holm(&[f64::NAN, 0.01]);
        assert!(with_nan[0].is_nan());
        assert_eq!(with_nan[1], 0.01);
    }

    proptest::proptest! {
        #[test]
        fn holm_never_lowers_a_p_value_and_keeps_the_ranking(p in proptest::collection::vec(0.0f64..=1.0, 0..40)) {
            let adj = holm(&p);
            for i in 0..p.len() {
                proptest::prop_assert!(adj[i] >= p[i] && adj[i] <= 1.0);
                for j in 0..p.len() {
                    if p[i] < p[j] {
                        proptest::prop_assert!(adj[i] <= adj[j]);
                    }
                }
            }
        }
    }
}

//! Where a population lies and how far it spreads, by medians: a large
//! fraction of outliers (up to half) moves neither.

use crate::values;

/// The median absolute deviation times this estimates the standard
/// deviation of normal data (1 / Φ⁻¹(3/4), SciPy's `scale="normal"`).
pub const NORMAL_MAD: f64 = 1.482_602_218_505_602;

/// The median of `v` (the mean of the two middle values of an even
/// count); `None` without a value.
pub fn median(v: &[f64]) -> Option<f64> {
    let mut v = values(v);
    median_of(&mut v)
}

fn median_of(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[mid]
    } else {
        // Halfway, written so two huge values do not overflow.
        v[mid - 1] + (v[mid] - v[mid - 1]) / 2.0
    })
}

/// median(x) − median(y); `None` when either has no value.
pub fn difference_of_medians(x: &[f64], y: &[f64]) -> Option<f64> {
    Some(median(x)? - median(y)?)
}

/// A population's centre and spread, to score one member against.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    pub median: f64,
    /// Median absolute deviation from the median (unscaled).
    pub mad: f64,
    /// The scale a score divides by: `NORMAL_MAD × mad`, or, when more
    /// than half the values equal the median (a MAD of 0), the mean
    /// absolute deviation × √(π/2) (which estimates the same for normal
    /// data). 0 only when every value equals the median.
    pub scale: f64,
    /// Values it was computed from.
    pub n: usize,
}

impl Spread {
    /// `None` without a value.
    pub fn of(v: &[f64]) -> Option<Spread> {
        let mut v: Vec<f64> = values(v).into_iter().filter(|x| x.is_finite()).collect();
        let n = v.len();
        let median = median_of(&mut v)?;
        let mut dev: Vec<f64> = v.iter().map(|x| (x - median).abs()).collect();
        let mad = median_of(&mut dev)?;
        let scale = if mad > 0.0 {
            NORMAL_MAD * mad
        } else {
            let mean_dev = dev.iter().sum::<f64>() / n as f64;
            mean_dev * (std::f64::consts::PI / 2.0).sqrt()
        };
        Some(Spread {
            median,
            mad,
            scale,
            n,
        })
    }

    /// How many scales `x` lies above the median (negative below); 0 at
    /// the median, infinite away from it when the scale is 0.
    pub fn score(&self, x: f64) -> f64 {
        let d = x - self.median;
        if d == 0.0 {
            0.0
        } else if self.scale > 0.0 {
            d / self.scale
        } else {
            d.signum() * f64::INFINITY
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_spreads() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[f64::NAN]), None);
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[f64::MAX, f64::MAX]), Some(f64::MAX));
        assert_eq!(difference_of_medians(&[5.0, 7.0], &[1.0]), Some(5.0));
        let s = Spread::of(&[1.0, 2.0, 3.0, 4.0, 100.0]).unwrap();
        assert_eq!((s.median, s.mad), (3.0, 1.0));
        assert!((s.score(100.0) - 97.0 / NORMAL_MAD).abs() < 1e-12);
        // More than half at the median: the mean deviation stands in.
        let flat = Spread::of(&[5.0, 5.0, 5.0, 5.0, 9.0]).unwrap();
        assert_eq!(flat.mad, 0.0);
        assert!(flat.scale > 0.0 && flat.score(9.0) > 3.0);
        let all = Spread::of(&[2.0, 2.0]).unwrap();
        assert_eq!(
            (all.score(2.0), all.score(3.0), all.score(1.0)),
            (0.0, f64::INFINITY, f64::NEG_INFINITY)
        );
    }

    #[test]
    fn a_third_of_wild_values_barely_moves_the_median_and_mad() {
        // 1,000 values evenly spread over [0, 1), then 500 at 1e9.
        let clean: Vec<f64> = (0..1000).map(|i| i as f64 / 1000.0).collect();
        let base = Spread::of(&clean).unwrap();
        let mut dirty = clean.clone();
        dirty.extend(std::iter::repeat_n(1e9, 500));
        let hit = Spread::of(&dirty).unwrap();
        // They stay within the clean values' range, a billion away.
        assert!(hit.median < 0.75 && hit.mad <= 0.5, "{hit:?}");
        assert!((base.median - 0.4995).abs() < 1e-9);
        // And each wild value scores far out.
        assert!(hit.score(1e9) > 1e8);
    }
}

//! The standard normal distribution's upper tail.

/// P(Z > z) for a standard normal Z, accurate in the far tail too (through
/// `erfc`, not `1 - cdf`). Infinite z gives 0 or 1.
pub fn normal_sf(z: f64) -> f64 {
    0.5 * libm::erfc(z / std::f64::consts::SQRT_2)
}

#[cfg(test)]
mod tests {
    use super::normal_sf;

    #[test]
    fn known_points() {
        assert_eq!(normal_sf(0.0), 0.5);
        assert!((normal_sf(1.959963984540054) - 0.025).abs() < 1e-15);
        assert!((normal_sf(-1.0) - 0.841344746068543).abs() < 1e-14);
        // Far tail: relative accuracy, not absolute.
        let tail = normal_sf(10.0);
        assert!((tail / 7.619853024160527e-24 - 1.0).abs() < 1e-12, "{tail}");
        assert_eq!(normal_sf(f64::INFINITY), 0.0);
        assert_eq!(normal_sf(f64::NEG_INFINITY), 1.0);
    }
}

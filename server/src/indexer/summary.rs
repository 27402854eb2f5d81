//! A parsed log reduced to what the catalog keeps.

use logparse::{Level, LogReport, Metric, Point};
use model::LogSummary;

/// Templates kept per log (the most frequent).
pub const TOP_TEMPLATES: usize = 100;

/// Values in a run's latency sparkline.
pub const SPARKLINE_POINTS: usize = 48;

/// The summary of a parsed log of `bytes` bytes.
pub fn summarize(report: &LogReport, bytes: u64) -> LogSummary {
    LogSummary {
        bytes,
        lines: report.lines,
        parsed: report.parsed,
        malformed: report.malformed,
        debug: report.level(Level::Debug),
        info: report.level(Level::Info),
        warnings: report.level(Level::Warning),
        errors: report.level(Level::Error),
        duration_s: report.duration_s,
        latency: report.stats(Metric::Latency),
        decode_time: report.stats(Metric::DecodeTime),
        encode_time: report.stats(Metric::EncodeTime),
        encode_size: report.stats(Metric::EncodeSize),
        templates: report
            .templates
            .iter()
            .take(TOP_TEMPLATES)
            .cloned()
            .collect(),
        sparkline: sparkline(report.points(Metric::Latency), SPARKLINE_POINTS),
        skipped_bytes: 0,
        started_s: report.started_s,
    }
}

/// Adds to `summary` the levels that the lines of a program's `output` not
/// in the log format announce (those in the format are counted already),
/// so a task's counts agree with its viewers' level filters.
pub fn add_announced_levels(summary: &mut LogSummary, output: &[u8]) {
    for line in output.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if !matches!(
            logparse::classify(line, false),
            logparse::LineKind::Malformed
        ) {
            continue;
        }
        let text = String::from_utf8_lossy(line);
        match model::output::line_level(&text, true) {
            Some(Level::Error) => summary.errors += 1,
            Some(Level::Warning) => summary.warnings += 1,
            Some(Level::Info) => summary.info += 1,
            Some(Level::Debug) => summary.debug += 1,
            None => {}
        }
    }
}

/// Means of `n` equal slices of the points, in order (fewer when there are
/// fewer points).
pub fn sparkline(points: &[Point], n: usize) -> Vec<f32> {
    if points.is_empty() || n == 0 {
        return Vec::new();
    }
    let n = n.min(points.len());
    (0..n)
        .map(|i| {
            let slice = &points[i * points.len() / n..(i + 1) * points.len() / n];
            (slice.iter().map(|p| p.v).sum::<f64>() / slice.len() as f64) as f32
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_programs_output_counts_the_levels_its_viewers_filter_by() {
        let out = "compiling\n\nERROR: disk full\r\n\x1b[31merror\x1b[0m: linking failed\n   \n\
                   warning: unused\n00:00:02:000 | ERROR   | a | f:1 | parsed\nall good, no errors\n";
        let mut s = summarize(&logparse::parse(out.as_bytes()), out.len() as u64);
        add_announced_levels(&mut s, out.as_bytes());
        assert_eq!(s.lines, 6, "blank lines are not lines of the log");
        // The same rule the viewers' ERROR filter applies, line by line.
        let by_rule = |want: Level| {
            out.lines()
                .filter(|l| model::output::line_level(l, true) == Some(want))
                .count() as u64
        };
        assert_eq!((s.errors, s.warnings), (3, 1));
        assert_eq!(s.errors, by_rule(Level::Error));
        assert_eq!(s.warnings, by_rule(Level::Warning));
    }

    #[test]
    fn summarizes_levels_metrics_and_templates() {
        let log = b"00:00:00:000 | INFO    | a | f:1 | Latency: 0.010\n\
                    00:00:01:000 | INFO    | a | f:1 | Latency: 0.030\n\
                    00:00:02:000 | ERROR   | a | f:1 | disk 7 full\n\
                    00:00:03:000 | WARNING | a | f:1 | slow 12\n\
                    garbage\n";
        let s = summarize(&logparse::parse(log), log.len() as u64);
        assert_eq!((s.lines, s.parsed, s.malformed), (5, 4, 1));
        assert_eq!((s.info, s.errors, s.warnings), (2, 1, 1));
        assert_eq!(s.latency.count, 2);
        assert_eq!(s.latency.p50, Some(0.02));
        assert_eq!(s.duration_s, 3.0);
        assert_eq!(s.templates.len(), 2);
        assert_eq!(s.sparkline, vec![0.01, 0.03]);
        assert_eq!(s.bytes, log.len() as u64);
    }

    #[test]
    fn sparkline_averages_slices() {
        let pts: Vec<Point> = (0..10)
            .map(|i| Point {
                t: i as f64,
                v: i as f64,
                n: i + 1,
            })
            .collect();
        assert_eq!(sparkline(&pts, 5), vec![0.5, 2.5, 4.5, 6.5, 8.5]);
        assert_eq!(sparkline(&pts[..3], 48).len(), 3);
        assert!(sparkline(&[], 5).is_empty());
    }
}

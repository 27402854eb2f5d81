//! Measures parse throughput on one core, for `bench/parse_throughput.sh`.
//!
//! `throughput --write FILE --mb N` writes a generated log of about N MB;
//! `throughput FILE` reads it into memory and prints the best-of-15 MB/s.

use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [flag, file, mb_flag, mb] if flag == "--write" && mb_flag == "--mb" => {
            let mb: usize = mb.parse().expect("--mb takes a number");
            std::fs::write(file, corpus::large_log(1, mb << 20)).expect("write log");
        }
        [file] => {
            let bytes = std::fs::read(file).expect("read log");
            let mut best = f64::INFINITY;
            let mut report = None;
            for _ in 0..runs() {
                let t = Instant::now();
                let r = logparse::parse(&bytes);
                best = best.min(t.elapsed().as_secs_f64());
                report = Some(r);
            }
            let r = report.expect("ran");
            let points: usize = r.series.iter().map(Vec::len).sum();
            println!(
                "{{\"bytes\": {}, \"seconds\": {best:.6}, \"mb_per_s\": {:.1}, \"lines\": {}, \"points\": {points}, \"templates\": {}}}",
                bytes.len(),
                bytes.len() as f64 / best / 1e6,
                r.lines,
                r.templates.len()
            );
        }
        _ => {
            eprintln!("usage: throughput --write FILE --mb N | throughput FILE");
            std::process::exit(2);
        }
    }
}

/// Timed repetitions (`THROUGHPUT_RUNS`, default 15).
fn runs() -> usize {
    std::env::var("THROUGHPUT_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(15)
}

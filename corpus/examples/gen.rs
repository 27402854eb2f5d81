//! Generates the default corpus and reports time and size.
//!
//! `cargo run -p corpus --release --example gen -- [OUT_DIR] [CONNECTIONS] [SEED]`

use std::time::Instant;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let out = args
        .next()
        .map_or_else(|| std::env::temp_dir().join("logdeck-corpus"), Into::into);
    let mut config = corpus::Config::default();
    if let Some(n) = args.next() {
        config.connections = n.parse().expect("CONNECTIONS must be a number");
    }
    if let Some(s) = args.next() {
        config.seed = s.parse().expect("SEED must be a number");
    }
    let start = Instant::now();
    let summary = corpus::generate(&config, &out, |done, total| {
        if done % 100 == 0 || done == total {
            eprint!("\r{done}/{total}");
        }
    })?;
    eprintln!();
    println!(
        "{} connections, {} log files, {:.1} MB in {:.2} s -> {}",
        summary.connections,
        summary.files,
        summary.bytes as f64 / 1e6,
        start.elapsed().as_secs_f64(),
        out.display()
    );
    Ok(())
}

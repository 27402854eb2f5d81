//! `logdeck sample`: write the deterministic sample corpus.

use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::SampleArgs;

/// Runs the subcommand.
pub fn run(args: SampleArgs) -> anyhow::Result<()> {
    generate(&args.out, args.connections, args.seed, args.quiet)
}

/// Generates `connections` connections with `seed` into `out`, with a
/// progress bar on a terminal unless `quiet`.
pub fn generate(out: &Path, connections: usize, seed: u64, quiet: bool) -> anyhow::Result<()> {
    let started = Instant::now();
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(connections as u64)
    };
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} connections ({eta} left)")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_message("generating");
    let config = corpus::Config { connections, seed };
    let summary = corpus::generate(&config, out, |done, _| bar.set_position(done as u64))
        .with_context(|| format!("cannot write the sample corpus to {}", out.display()))?;
    bar.finish_and_clear();
    println!(
        "logdeck: wrote {} connections, {} log files, {:.1} MB to {} in {:.1} s",
        summary.connections,
        summary.files,
        summary.bytes as f64 / 1e6,
        out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

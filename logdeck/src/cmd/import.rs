//! `logdeck import FILE`: load an inventory into the catalog.

use std::io::Read;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::ImportArgs;
use server::import::{ImportReport, import_bytes};

/// Runs the subcommand.
pub async fn run(args: ImportArgs) -> anyhow::Result<()> {
    let bytes = if args.file.as_os_str() == "-" {
        let mut b = Vec::new();
        std::io::stdin()
            .read_to_end(&mut b)
            .context("cannot read standard input")?;
        b
    } else {
        std::fs::read(&args.file).with_context(|| format!("cannot read {}", args.file.display()))?
    };
    let catalog = args.storage.open_catalog().await?;
    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(0)
    };
    bar.set_style(
        ProgressStyle::with_template(
            "importing [{bar:40}] {pos}/{len} runs ({per_sec}, {eta} left)",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    let report = import_bytes(&catalog, &bytes, |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })
    .await?;
    bar.finish_and_clear();
    print_report(&args.file.display().to_string(), &report);
    catalog.close().await;
    if report.rows == 0 && !report.skipped.is_empty() {
        anyhow::bail!("no entry of {} could be imported", args.file.display());
    }
    Ok(())
}

/// Prints what an import did, skipped entries on standard error.
pub fn print_report(what: &str, r: &ImportReport) {
    for e in r.skipped.iter().take(50) {
        eprintln!("logdeck: {what}: skipped {e}");
    }
    if r.skipped.len() > 50 {
        eprintln!(
            "logdeck: {what}: … and {} more skipped entries",
            r.skipped.len() - 50
        );
    }
    println!(
        "logdeck: imported {} runs from {what} in {:.1} s ({} new, {} updated, {} skipped); {} logs queued for indexing",
        r.rows,
        r.seconds,
        r.stats.inserted,
        r.stats.updated,
        r.skipped.len(),
        r.stats.jobs_queued
    );
}

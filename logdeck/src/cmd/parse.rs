//! `logdeck parse`: counts, metrics and most common errors of log files.

use std::io::{Read, Write};
use std::path::Path;

use anyhow::Context;
use logparse::{Level, LogReport, Metric, Parser, Stats, TemplateCount};
use serde::Serialize;

use crate::cli::ParseArgs;

/// Read size when streaming a file through the parser.
const CHUNK: usize = 256 * 1024;

/// Runs the subcommand; fails (after reporting every file) if any file
/// could not be read.
pub fn run(args: ParseArgs) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut failed = 0;
    for file in &args.files {
        match parse_file(file) {
            Ok(report) => {
                let name = file.display().to_string();
                if args.json {
                    serde_json::to_writer(
                        &mut out,
                        &FileJson::new(&name, &report, args.series, args.top),
                    )?;
                    writeln!(out)?;
                } else {
                    write_text(&mut out, &name, &report, args.top)?;
                }
            }
            Err(e) => {
                failed += 1;
                out.flush()?;
                eprintln!("logdeck parse: {e:#}");
            }
        }
    }
    out.flush()?;
    if failed > 0 {
        anyhow::bail!("{failed} of {} files could not be read", args.files.len());
    }
    Ok(())
}

/// Streams one file (or `-` for standard input) through the parser.
pub fn parse_file(path: &Path) -> anyhow::Result<LogReport> {
    let mut reader: Box<dyn Read> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(
            std::fs::File::open(path)
                .with_context(|| format!("{}: cannot open", path.display()))?,
        )
    };
    let mut parser = Parser::new();
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e).with_context(|| format!("{}: read failed", path.display())),
        };
        parser.feed(&buf[..n]);
    }
    Ok(parser.finish())
}

/// The JSON object printed per file.
#[derive(Serialize)]
struct FileJson<'a> {
    file: &'a str,
    lines: u64,
    parsed: u64,
    malformed: u64,
    levels: LevelsJson,
    duration_s: f64,
    metrics: MetricsJson,
    top_errors: Vec<&'a TemplateCount>,
}

#[derive(Serialize)]
struct LevelsJson {
    #[serde(rename = "DEBUG")]
    debug: u64,
    #[serde(rename = "INFO")]
    info: u64,
    #[serde(rename = "WARNING")]
    warning: u64,
    #[serde(rename = "ERROR")]
    error: u64,
}

#[derive(Serialize)]
struct MetricsJson {
    latency: MetricJson,
    decode_time: MetricJson,
    encode_time: MetricJson,
    encode_size: MetricJson,
}

#[derive(Serialize)]
struct MetricJson {
    #[serde(flatten)]
    stats: Stats,
    #[serde(skip_serializing_if = "Option::is_none")]
    points: Option<Vec<[f64; 2]>>,
}

impl<'a> FileJson<'a> {
    fn new(file: &'a str, r: &'a LogReport, series: bool, top: usize) -> Self {
        let metric = |m: Metric| MetricJson {
            stats: r.stats(m),
            points: series.then(|| r.points(m).iter().map(|p| [p.t, p.v]).collect()),
        };
        FileJson {
            file,
            lines: r.lines,
            parsed: r.parsed,
            malformed: r.malformed,
            levels: LevelsJson {
                debug: r.level(Level::Debug),
                info: r.level(Level::Info),
                warning: r.level(Level::Warning),
                error: r.level(Level::Error),
            },
            duration_s: r.duration_s,
            metrics: MetricsJson {
                latency: metric(Metric::Latency),
                decode_time: metric(Metric::DecodeTime),
                encode_time: metric(Metric::EncodeTime),
                encode_size: metric(Metric::EncodeSize),
            },
            top_errors: r.templates.iter().take(top).collect(),
        }
    }
}

fn write_text(out: &mut impl Write, name: &str, r: &LogReport, top: usize) -> std::io::Result<()> {
    writeln!(out, "{}", client::terminal::printable(name, false))?;
    writeln!(
        out,
        "  lines {}  parsed {}  malformed {}  duration {:.1} s",
        r.lines, r.parsed, r.malformed, r.duration_s
    )?;
    let levels: Vec<String> = Level::ALL
        .iter()
        .map(|l| format!("{} {}", l.as_str(), r.level(*l)))
        .collect();
    writeln!(out, "  {}", levels.join("  "))?;
    writeln!(
        out,
        "  {:<12} {:>7} {:>12} {:>12} {:>12} {:>12}",
        "metric", "count", "mean", "p50", "p95", "p99"
    )?;
    for &m in Metric::ALL {
        let s = r.stats(m);
        let f = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.6}"));
        writeln!(
            out,
            "  {:<12} {:>7} {:>12} {:>12} {:>12} {:>12}",
            m.as_str(),
            s.count,
            f(s.mean),
            f(s.p50),
            f(s.p95),
            f(s.p99)
        )?;
    }
    if !r.templates.is_empty() {
        writeln!(out, "  most common errors and warnings:")?;
        for t in r.templates.iter().take(top) {
            writeln!(
                out,
                "  {:>7} {:<7} {}",
                t.count,
                t.level.as_str(),
                client::terminal::printable(&t.template, false)
            )?;
        }
    }
    Ok(())
}

//! `logdeck replay FILE`: streams a session log to a server as a
//! live run, line by line at the pace its time stamps give (faster by
//! `--speed`), for demos and tests of the live charts.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use model::live::{NewLiveRun, Stream};
use model::{CONNECTION_LABEL, SESSION_LABEL};
use tokio::sync::mpsc;

use crate::producer::{self, Feed, Target};

/// Options of `logdeck replay`.
#[derive(Debug, Clone, Args)]
pub struct ReplayArgs {
    /// The session log (client or server) to stream as a live run.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// How many times faster than written to replay.
    #[arg(long, default_value_t = 10.0)]
    pub speed: f64,
    /// Which session log it is (default: told from its metric lines).
    #[arg(long, value_parser = ["client", "server"])]
    pub session: Option<String>,
    /// The logdeck server to replay to.
    #[arg(long, env = "LOGDECK_SERVER", default_value = "http://127.0.0.1:3000")]
    pub server: url::Url,
    /// Producer token (one of the server's --ingest-token, or one made with
    /// `logdeck token create`).
    #[arg(long, env = "LOGDECK_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Print nothing but errors.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Longest pause between two lines, after `--speed`: a session idle for
/// minutes replays without the wait.
const MAX_PAUSE: Duration = Duration::from_secs(2);

/// Runs `logdeck replay`.
pub async fn run(args: ReplayArgs) -> anyhow::Result<()> {
    let path = args.file.clone();
    let token = args
        .token
        .clone()
        .context("replay needs a producer token: --token or LOGDECK_TOKEN")?;
    if !(args.speed.is_finite() && args.speed > 0.0) {
        bail!("--speed must be a positive number, not {}", args.speed);
    }
    let bytes = tokio::fs::read(&path)
        .await
        .with_context(|| format!("cannot read {}", path.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    let session = match &args.session {
        Some(s) => s.clone(),
        None => guess_session(&text)
            .with_context(|| {
                format!(
                    "{} has no metric lines to tell a client log from a server log; pass --session",
                    path.display()
                )
            })?
            .to_string(),
    };
    let mut labels = vec![
        (SESSION_LABEL.to_string(), session.clone()),
        ("replay".to_string(), "1".to_string()),
    ];
    if let Some(id) = connection_of(&path) {
        labels.push((CONNECTION_LABEL.to_string(), id.to_string()));
    }
    let file = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let target = Target {
        server: args.server.clone(),
        token,
        run: NewLiveRun {
            name: format!("replay of {file}"),
            command: Some(format!(
                "logdeck sample --replay {} --speed {}",
                path.display(),
                args.speed
            )),
            labels,
        },
    };
    let (tx, rx) = mpsc::channel(8192);
    let quiet = args.quiet;
    let uplink = tokio::spawn(producer::stream(target, rx, move |m| {
        if !quiet {
            eprintln!("logdeck: {m}; retrying");
        }
    }));
    if !args.quiet {
        eprintln!(
            "logdeck: replaying {} ({session} log, {} lines) at {}× speed",
            path.display(),
            text.lines().count(),
            args.speed
        );
    }
    let started = Instant::now();
    let mut due = Duration::ZERO;
    let mut previous = None::<u64>;
    for line in text.lines() {
        if let Some(t) = time_of(line) {
            if let Some(p) = previous {
                due += pause(p, t, args.speed);
            }
            previous = Some(t);
        }
        tokio::time::sleep_until((started + due).into()).await;
        let sent = tx
            .send(Feed::Line {
                stream: Stream::Out,
                time_us: now_us(),
                text: line.trim_end_matches('\r').to_string(),
            })
            .await;
        if sent.is_err() {
            break; // the uplink gave up; its error is reported below
        }
    }
    let _ = tx.send(Feed::Done { exit_code: Some(0) }).await;
    drop(tx);
    let report = uplink
        .await
        .context("uplink task")?
        .with_context(|| format!("streaming to {} failed", args.server))?;
    if !args.quiet {
        eprintln!(
            "logdeck: replayed {} lines in {:.1} s as run {} at {}?run={}",
            report.lines,
            started.elapsed().as_secs_f64(),
            report.run,
            args.server,
            report.run
        );
    }
    Ok(())
}

/// `client` for a log with latency or decode lines, `server` for encode
/// lines.
fn guess_session(text: &str) -> Option<&'static str> {
    let client = text.contains("Latency: ") || text.contains("Avg Decode Time: ");
    let server = text.contains("Average Encode Time: ") || text.contains("Average Encode Size: ");
    match (client, server) {
        (true, false) => Some("client"),
        (false, true) => Some("server"),
        _ => None,
    }
}

/// The connection id in a file name such as `client19772.txt`.
fn connection_of(path: &Path) -> Option<i64> {
    let stem = path.file_stem()?.to_str()?;
    let digits: String = stem
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// Nanoseconds since midnight of a log line's time field.
fn time_of(line: &str) -> Option<u64> {
    let field = line.split('|').next()?.trim();
    logparse::parse_time_of_day(field.as_bytes())
}

/// The wait between lines written at `from` and `to` (nanoseconds since
/// midnight; a smaller `to` has passed midnight), at `speed`.
fn pause(from: u64, to: u64, speed: f64) -> Duration {
    let day = logparse::NANOS_PER_DAY;
    let gap = if to >= from {
        to - from
    } else {
        to + day - from
    };
    Duration::from_secs_f64(gap as f64 / 1e9 / speed).min(MAX_PAUSE)
}

fn now_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_are_told_from_metric_lines() {
        assert_eq!(guess_session("x | Latency: 0.1"), Some("client"));
        assert_eq!(guess_session("x | Average Encode Size: 9"), Some("server"));
        assert_eq!(guess_session("nothing"), None);
        assert_eq!(connection_of(Path::new("/a/client19772.txt")), Some(19772));
        assert_eq!(connection_of(Path::new("session.log")), None);
    }

    #[test]
    fn pauses_follow_the_times_at_speed_and_across_midnight() {
        let t = |s: &str| time_of(&format!("{s} | INFO | a.c | f:1 | x")).unwrap();
        let a = t("23:59:59:500000");
        let b = t("00:00:00:500");
        assert_eq!(pause(a, b, 10.0), Duration::from_millis(100));
        assert_eq!(pause(t("10:00:00:000"), t("11:00:00:000"), 10.0), MAX_PAUSE);
        assert_eq!(time_of("not a line"), None);
    }
}

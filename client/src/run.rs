//! `logdeck run`: runs a program (or reads standard input), passes its
//! output through, and streams every line to the server.

use std::process::Stdio;

use anyhow::Context;
use clap::Args;
use model::live::{NewLiveRun, Stream};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

use crate::producer::{self, Feed, Target};

/// Options of `logdeck run`.
#[derive(Debug, Clone, Args)]
#[command(
    after_help = "Examples:\n  logdeck run --token $T -- make -j2\n  ./job.sh 2>&1 | logdeck run --token $T --stdin --name nightly-job"
)]
pub struct RunArgs {
    /// The logdeck server.
    #[arg(long, env = "LOGDECK_SERVER", default_value = "http://127.0.0.1:3000")]
    pub server: url::Url,
    /// Producer token (one of the server's --ingest-token).
    #[arg(long, env = "LOGDECK_TOKEN", hide_env_values = true)]
    pub token: String,
    /// A label `key=value` for the run; repeat for more.
    #[arg(long = "label", value_parser = parse_label)]
    pub labels: Vec<(String, String)>,
    /// Name shown for the run (default: the command line).
    #[arg(long)]
    pub name: Option<String>,
    /// The program is a streaming session writing its `client` or `server`
    /// log: its lines feed that log's charts live.
    #[arg(long, value_parser = ["client", "server"])]
    pub session: Option<String>,
    /// The connection whose session this is (with --session).
    #[arg(long, requires = "session")]
    pub connection: Option<i64>,
    /// Stream standard input instead of running a program (needs --name).
    #[arg(long, requires = "name", conflicts_with = "command")]
    pub stdin: bool,
    /// Do not print where the run can be watched, or retries.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// MiB of output not yet stored by the server kept in memory; past it,
    /// output waits in a file in --spool-dir.
    #[arg(long, default_value_t = 64, value_name = "MIB")]
    pub spool_memory: usize,
    /// GiB of output not yet stored by the server kept in all; past it the
    /// program waits on its output until the server catches up.
    #[arg(long, default_value_t = 4, value_name = "GIB")]
    pub spool_max: u64,
    /// Folder of the spool file (default: the system's temporary folder).
    #[arg(long, env = "LOGDECK_SPOOL_DIR", value_name = "DIR")]
    pub spool_dir: Option<std::path::PathBuf>,
    /// The program and its arguments (after `--`).
    #[arg(last = true, required_unless_present = "stdin")]
    pub command: Vec<String>,
}

/// A `--label key=value`.
fn parse_label(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!("a label is key=value, not {s:?}")),
    }
}

/// Longest line sent as one; longer ones are split, each piece but the last
/// ending with [`CONTINUED`].
pub const MAX_LINE: usize = 64 * 1024;
/// Marks a piece of a split line.
pub const CONTINUED: &str = " [continued]";

/// Longest name a run gets from its command line.
const NAME_CHARS: usize = 80;

/// The command line on one line, cut to [`NAME_CHARS`] characters.
fn short_name(command_line: &str) -> String {
    let flat: String = command_line
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    cut(flat.trim(), NAME_CHARS)
}

/// `text` cut to `max` characters, the last being `…` when it was cut.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// Runs the command; returns the exit code to leave with.
pub async fn run(args: RunArgs) -> anyhow::Result<i32> {
    let command_line = args.command.join(" ");
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| short_name(&command_line));
    let mut labels = args.labels.clone();
    if let Some(s) = &args.session {
        labels.push((model::SESSION_LABEL.into(), s.clone()));
    }
    if let Some(c) = args.connection {
        labels.push((model::CONNECTION_LABEL.into(), c.to_string()));
    }
    let target = Target {
        server: args.server.clone(),
        token: args.token.clone(),
        run: NewLiveRun {
            name,
            command: (!args.stdin).then(|| cut(&command_line, NewLiveRun::MAX_COMMAND)),
            labels,
        },
    };
    let spool = producer::SpoolConfig {
        memory_bytes: args.spool_memory.max(1).saturating_mul(1 << 20),
        max_bytes: args.spool_max.max(1).saturating_mul(1 << 30),
        dir: args.spool_dir.clone().unwrap_or_else(std::env::temp_dir),
    };
    let (tx, rx) = mpsc::channel(8192);
    let quiet = args.quiet;
    let server = args.server.clone();
    let uplink = tokio::spawn(async move {
        let mut last_warning = None::<std::time::Instant>;
        producer::stream_with(target, spool, rx, |m| {
            // At most one warning every 5 s while the server is away.
            if !quiet && last_warning.is_none_or(|t| t.elapsed().as_secs() >= 5) {
                eprintln!("logdeck: {m}; retrying (output is kept until the server has it)");
                last_warning = Some(std::time::Instant::now());
            }
        })
        .await
    });

    let exit_code = if args.stdin {
        capture(
            tokio::io::stdin(),
            tokio::io::stdout(),
            Stream::Out,
            tx.clone(),
        )
        .await;
        0
    } else {
        let mut child = tokio::process::Command::new(&args.command[0])
            .args(&args.command[1..])
            .stdin(Stdio::inherit())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot run {:?}", args.command[0]))?;
        let out = child.stdout.take().expect("piped");
        let err = child.stderr.take().expect("piped");
        let pid = child.id();
        let forward = tokio::spawn(forward_signals(pid));
        let a = tokio::spawn(capture(out, tokio::io::stdout(), Stream::Out, tx.clone()));
        let b = tokio::spawn(capture(err, tokio::io::stderr(), Stream::Err, tx.clone()));
        let status = child.wait().await.context("waiting for the program")?;
        let _ = a.await;
        let _ = b.await;
        forward.abort();
        status.code().unwrap_or_else(|| {
            use std::os::unix::process::ExitStatusExt;
            128 + status.signal().unwrap_or(0)
        })
    };
    let _ = tx
        .send(Feed::Done {
            exit_code: Some(exit_code),
        })
        .await;
    drop(tx);
    match uplink.await.context("uplink task")? {
        Ok(report) => {
            if !args.quiet {
                let waited = if report.spilled > 0 {
                    format!(" ({} waited in the spool file)", report.spilled)
                } else {
                    String::new()
                };
                eprintln!(
                    "logdeck: {} lines stored{waited}; run {} at {}?run={}",
                    report.lines, report.run, server, report.run
                );
            }
        }
        Err(e) => eprintln!("logdeck: streaming to {server} failed: {e}"),
    }
    Ok(exit_code)
}

/// Passes SIGINT and SIGTERM on to the program.
async fn forward_signals(pid: Option<u32>) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut int), Ok(mut term), Some(pid)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
        pid,
    ) else {
        return;
    };
    loop {
        let sig = tokio::select! {
            _ = int.recv() => libc::SIGINT,
            _ = term.recv() => libc::SIGTERM,
        };
        // SAFETY: kill(2) with a pid of our own child and a valid signal
        // number has no memory effects.
        unsafe {
            libc::kill(pid as libc::pid_t, sig);
        }
    }
}

/// Copies `input` to `echo` as it comes and feeds its lines to the uplink,
/// each timestamped when read.
async fn capture(
    mut input: impl AsyncRead + Unpin,
    mut echo: impl AsyncWrite + Unpin,
    stream: Stream,
    tx: mpsc::Sender<Feed>,
) {
    let mut buf = vec![0u8; 64 * 1024];
    let mut splitter = LineSplitter::default();
    loop {
        let n = match input.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let _ = echo.write_all(&buf[..n]).await;
        let _ = echo.flush().await;
        let now = now_us();
        for text in splitter.push(&buf[..n]) {
            if tx
                .send(Feed::Line {
                    stream,
                    time_us: now,
                    text,
                })
                .await
                .is_err()
            {
                return;
            }
        }
    }
    if let Some(text) = splitter.finish() {
        let _ = tx
            .send(Feed::Line {
                stream,
                time_us: now_us(),
                text,
            })
            .await;
    }
}

fn now_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

/// Cuts bytes into lines: on `\n`, dropping one `\r` before it, decoding
/// invalid UTF-8 lossily, and splitting lines longer than [`MAX_LINE`].
#[derive(Default)]
pub struct LineSplitter {
    partial: Vec<u8>,
}

impl LineSplitter {
    /// The lines completed by `bytes`.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        let mut rest = bytes;
        while let Some(i) = memchr::memchr(b'\n', rest) {
            self.partial.extend_from_slice(&rest[..i]);
            rest = &rest[i + 1..];
            if self.partial.last() == Some(&b'\r') {
                self.partial.pop();
            }
            let line = std::mem::take(&mut self.partial);
            self.split_long(line, &mut out, true);
        }
        self.partial.extend_from_slice(rest);
        if self.partial.len() > MAX_LINE {
            let line = std::mem::take(&mut self.partial);
            self.split_long(line, &mut out, false);
        }
        out
    }

    /// What is left when the input ends, as a last line.
    pub fn finish(&mut self) -> Option<String> {
        let line = std::mem::take(&mut self.partial);
        let mut out = Vec::new();
        if !line.is_empty() {
            self.split_long(line, &mut out, true);
        }
        let last = out.pop();
        debug_assert!(out.is_empty());
        last
    }

    /// Pushes `line` in pieces of at most [`MAX_LINE`] bytes (at character
    /// boundaries). With `complete` false, the tail shorter than a piece is
    /// kept back for more bytes.
    fn split_long(&mut self, line: Vec<u8>, out: &mut Vec<String>, complete: bool) {
        let text = String::from_utf8_lossy(&line).into_owned();
        let mut s = text.as_str();
        while s.len() > MAX_LINE {
            let mut cut = MAX_LINE;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            out.push(format!("{}{CONTINUED}", &s[..cut]));
            s = &s[cut..];
        }
        if complete {
            out.push(s.to_string());
        } else {
            self.partial = s.as_bytes().to_vec();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_command_lines_make_short_names() {
        assert_eq!(short_name("make -j2"), "make -j2");
        let long = format!("python3 -c 'import sys\n{}'", "x".repeat(300));
        let name = short_name(&long);
        assert_eq!(name.chars().count(), NAME_CHARS);
        assert!(name.starts_with("python3 -c 'import sys x") && name.ends_with('…'));
    }

    #[test]
    fn splits_lines_across_chunks() {
        let mut s = LineSplitter::default();
        assert_eq!(s.push(b"a\r\nb"), vec!["a"]);
        assert_eq!(s.push(b"c\n\n"), vec!["bc", ""]);
        assert_eq!(s.push(b"\xffz"), Vec::<String>::new());
        assert_eq!(s.finish(), Some("\u{FFFD}z".to_string()));
        assert_eq!(s.finish(), None);
    }

    #[test]
    fn long_lines_are_split_never_dropped() {
        let mut s = LineSplitter::default();
        let long = "é".repeat(MAX_LINE); // 2 bytes each
        let mut lines = s.push(long.as_bytes());
        lines.extend(s.push(b"\n"));
        assert!(lines.len() >= 2);
        for l in &lines[..lines.len() - 1] {
            assert!(l.ends_with(CONTINUED) && l.len() <= MAX_LINE + CONTINUED.len());
        }
        let joined: String = lines
            .iter()
            .map(|l| l.trim_end_matches(CONTINUED))
            .collect();
        assert_eq!(joined, long);
    }
}

//! `logdeck tail`: prints a live log's lines, following it if asked,
//! resuming after a dropped connection from the last line printed.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use futures::StreamExt;
use model::Backoff;
use model::live::{Line, Stream, ViewerMsg};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http;

/// Options of `logdeck tail`.
#[derive(Debug, Clone, Args)]
pub struct TailArgs {
    /// The run, optionally with the log: `RUN` or `RUN/LOG` (default log:
    /// `output`).
    pub log: String,
    /// The logdeck server.
    #[arg(long, env = "LOGDECK_SERVER", default_value = "http://127.0.0.1:3000")]
    pub server: url::Url,
    /// A producer token, for a server that asks people to sign in (it
    /// reads as a viewer).
    #[arg(long, env = "LOGDECK_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Start at this seq (line number).
    #[arg(long, conflicts_with = "last")]
    pub from: Option<u64>,
    /// Start with the last N lines.
    #[arg(long, short = 'n')]
    pub last: Option<u64>,
    /// Keep printing lines as they arrive, until the log is sealed.
    #[arg(long, short = 'f')]
    pub follow: bool,
    /// Prefix each line with its capture time (UTC).
    #[arg(long, short = 't')]
    pub timestamps: bool,
    /// Prefix each line with its seq.
    #[arg(long)]
    pub seq: bool,
    /// Colour standard-error lines: auto (on a terminal), always, never.
    #[arg(long, default_value = "auto", value_parser = ["auto", "always", "never"])]
    pub color: String,
}

/// Bytes read from the socket at a time.
const READ_CHUNK: usize = 8 * 1024;

/// Failed attempts in a row to reach the server before `tail` gives up.
const MAX_FAILURES: u32 = 20;
/// How a tail ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The log is sealed and every line was delivered.
    Sealed,
    /// Not following: every line there was at the start was delivered.
    CaughtUp,
}

/// What to follow.
#[derive(Debug, Clone)]
pub struct Follow<'a> {
    /// `http://host:port` of the server.
    pub server: &'a url::Url,
    /// The run.
    pub run: i64,
    /// The log's name.
    pub log: &'a str,
    /// First seq wanted.
    pub from: Option<u64>,
    /// Or: the last N lines there are when the first connection opens.
    pub last: Option<u64>,
    /// Keep going until the log is sealed (else stop at the end the log had
    /// when the first connection opened).
    pub follow: bool,
    /// A producer token to present (`Authorization: Bearer`).
    pub token: Option<&'a str>,
}

/// Follows a log, calling `line` for each line in order, exactly once,
/// across reconnects; `notice` hears of gaps, lag and reconnects.
pub async fn follow(
    what: Follow<'_>,
    mut line: impl FnMut(&Line),
    mut notice: impl FnMut(&str),
) -> anyhow::Result<End> {
    let Follow {
        server,
        run,
        log,
        from,
        last,
        follow,
        token,
    } = what;
    let mut next: Option<u64> = from;
    let mut stop_at: Option<u64> = None;
    let mut backoff = Backoff::seeded(Duration::from_millis(200), Duration::from_secs(3));
    loop {
        let mut url = server.clone();
        let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
        url.set_scheme(scheme)
            .map_err(|_| anyhow::anyhow!("bad server URL"))?;
        let mut url = url.join(&format!("api/runs/{run}/logs/{log}/live"))?;
        match (next, last) {
            (Some(n), _) => url.query_pairs_mut().append_pair("from", &n.to_string()),
            (None, Some(n)) => url.query_pairs_mut().append_pair("last", &n.to_string()),
            (None, None) => url.query_pairs_mut().append_pair("from", "1"),
        };
        // Small reads: tungstenite zeroes its whole read chunk before each
        // read, and a viewer gets many small messages. Nagle off (the last
        // argument): a pong is never held back waiting for an ACK.
        let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
            .read_buffer_size(READ_CHUNK);
        let mut request = url.as_str().into_client_request()?;
        if let Some(t) = token {
            request.headers_mut().insert(
                http::header::AUTHORIZATION,
                format!("Bearer {t}")
                    .parse()
                    .map_err(|_| anyhow::anyhow!("the token is not a valid header value"))?,
            );
        }
        let ws =
            match tokio_tungstenite::connect_async_with_config(request, Some(config), true).await {
                Ok((ws, _)) => ws,
                Err(tokio_tungstenite::tungstenite::Error::Http(res))
                    if res.status().is_client_error() =>
                {
                    let body = res
                        .body()
                        .as_deref()
                        .map(String::from_utf8_lossy)
                        .unwrap_or_default();
                    let reason = serde_json::from_str::<serde_json::Value>(&body)
                        .ok()
                        .and_then(|v| v["error"].as_str().map(str::to_owned))
                        .unwrap_or_else(|| body.trim().to_string());
                    bail!("{}: {reason}", res.status());
                }
                Err(e) => {
                    let wait = backoff.fail();
                    if backoff.failures() > MAX_FAILURES {
                        bail!("cannot reach {server}: {e}");
                    }
                    notice(&format!("cannot reach {server}: {e}; retrying"));
                    tokio::time::sleep(wait).await;
                    continue;
                }
            };
        let (_tx, mut rx) = ws.split();
        while let Some(msg) = rx.next().await {
            let Ok(msg) = msg else { break };
            let text = match msg {
                Message::Text(t) => t,
                Message::Close(Some(f)) if u16::from(f.code) >= 4000 => {
                    bail!("the server closed the log: {}", f.reason);
                }
                Message::Close(_) => break,
                _ => continue,
            };
            let msg: ViewerMsg = ViewerMsg::from_json(text.as_str())
                .context("unexpected message from the server")?;
            backoff.reset();
            match msg {
                ViewerMsg::Start { last_seq, .. } => {
                    if !follow && stop_at.is_none() {
                        stop_at = Some(last_seq);
                    }
                    if next.is_none() {
                        next = Some(match last {
                            Some(n) => (last_seq + 1).saturating_sub(n).max(1),
                            None => 1,
                        });
                    }
                }
                ViewerMsg::Lines { lines } => {
                    for l in &lines {
                        if next.is_some_and(|n| l.seq < n) {
                            continue; // already printed before a reconnect
                        }
                        if stop_at.is_some_and(|s| l.seq > s) {
                            return Ok(End::CaughtUp);
                        }
                        line(l);
                        next = Some(l.seq + 1);
                    }
                }
                ViewerMsg::Gap { from, to, reason } => {
                    notice(&format!("lines {from}-{to} are not available: {reason}"));
                    next = Some(to + 1);
                }
                ViewerMsg::Lagging { behind } => {
                    notice(&format!("{behind} lines behind the end of the log"))
                }
                ViewerMsg::Sealed {
                    last_seq,
                    exit_code,
                } => {
                    let code = exit_code.map_or("unknown".to_string(), |c| c.to_string());
                    notice(&format!("log complete: {last_seq} lines; exit code {code}"));
                    return Ok(End::Sealed);
                }
            }
            if let (Some(s), Some(n)) = (stop_at, next)
                && n > s
            {
                return Ok(End::CaughtUp);
            }
        }
        // Dropped: resume from the next line.
        notice("connection lost; resuming");
        tokio::time::sleep(backoff.fail()).await;
    }
}

/// Runs `logdeck tail`.
pub async fn run(args: TailArgs) -> anyhow::Result<()> {
    let (run, log) = match args.log.split_once('/') {
        Some((r, l)) => (r, l),
        None => (args.log.as_str(), model::LogName::Output.as_str()),
    };
    let run: i64 = run
        .parse()
        .with_context(|| format!("not a run id: {run:?}"))?;
    let colour = match args.color.as_str() {
        "always" => true,
        "never" => false,
        _ => std::io::stdout().is_terminal(),
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut failed = None;
    follow(
        Follow {
            server: &args.server,
            run,
            log,
            from: args.from,
            last: args.last,
            follow: args.follow,
            token: args.token.as_deref().filter(|t| !t.is_empty()),
        },
        |l| {
            let mut s = String::with_capacity(l.text.len() + 40);
            if args.seq {
                s.push_str(&format!("{:>7} ", l.seq));
            }
            if args.timestamps {
                s.push_str(&format_time(l.time_us));
                s.push(' ');
            }
            let err = l.stream == Stream::Err;
            if colour && err {
                s.push_str("\x1b[31m");
            }
            // Colours from the log are kept only when asked for colour;
            // every other control character is made visible.
            s.push_str(&crate::terminal::printable(&l.text, colour));
            if colour && err {
                s.push_str("\x1b[0m");
            }
            s.push('\n');
            if let Err(e) = out.write_all(s.as_bytes()) {
                failed.get_or_insert(e);
            }
            if args.follow {
                let _ = out.flush();
            }
        },
        |m| eprintln!("logdeck: {m}"),
    )
    .await?;
    out.flush()?;
    if let Some(e) = failed {
        return Err(e).context("writing to standard output");
    }
    Ok(())
}

/// `HH:MM:SS.ffffff` (UTC) of microseconds since the epoch.
fn format_time(us: i64) -> String {
    let secs = us.div_euclid(1_000_000);
    let frac = us.rem_euclid(1_000_000);
    let day = secs.rem_euclid(86_400);
    format!(
        "{:02}:{:02}:{:02}.{frac:06}",
        day / 3600,
        day % 3600 / 60,
        day % 60
    )
}

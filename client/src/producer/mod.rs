//! The producer's uplink: numbers lines, keeps every line the server has not
//! acknowledged, and streams them over the ingest websocket, reconnecting
//! with backoff and resending from the last acknowledgement after a network
//! cut or a server restart.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use model::Backoff;
use model::live::{IngestMsg, LiveRunCreated, NewLiveRun, ProducerMsg, Stream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};

mod spool;

use spool::Spool;
pub use spool::{SpoolConfig, SpoolError};

/// What the capture side feeds the uplink.
#[derive(Debug)]
pub enum Feed {
    /// One line.
    Line {
        /// Which output.
        stream: Stream,
        /// Capture time, µs since the epoch.
        time_us: i64,
        /// The text.
        text: String,
    },
    /// The program ended.
    Done {
        /// Its exit code (`None`: killed by a signal).
        exit_code: Option<i32>,
    },
}

/// Where and as whom to stream.
#[derive(Debug, Clone)]
pub struct Target {
    /// `http://host:port` of a logdeck server.
    pub server: url::Url,
    /// The producer token.
    pub token: String,
    /// The run to create.
    pub run: NewLiveRun,
}

/// How a stream went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The run id.
    pub run: i64,
    /// Lines sent and acknowledged.
    pub lines: u64,
    /// Connections made (1 when nothing went wrong).
    pub connections: u64,
    /// Lines that waited in the spool file (the memory bound was reached).
    pub spilled: u64,
}

/// Why streaming stopped for good.
#[derive(Debug, thiserror::Error)]
pub enum UplinkError {
    /// The server refused the token or the run; retrying will not help.
    #[error("the server refused: {0}")]
    Refused(String),
    /// The feed closed without saying the program ended.
    #[error("the output ended without an exit status")]
    NoExit,
    /// The spool file could not be written or read.
    #[error(transparent)]
    Spool(#[from] SpoolError),
}

/// Creates the run on the server.
async fn create_run(http: &reqwest::Client, target: &Target) -> Result<LiveRunCreated, Attempt> {
    let url = target
        .server
        .join("api/live/runs")
        .map_err(|e| Attempt::Fatal(e.to_string()))?;
    let body = serde_json::to_vec(&target.run).expect("serialises");
    let res = http
        .post(url)
        .bearer_auth(&target.token)
        .header("content-type", "application/json")
        .body(body)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map_err(|e| Attempt::Retry(format!("cannot reach {}: {e}", target.server)))?;
    let status = res.status();
    let text = res.text().await.unwrap_or_default();
    if status.is_success() {
        serde_json::from_str(&text)
            .map_err(|e| Attempt::Fatal(format!("unexpected answer {text:?}: {e}")))
    } else if status.is_client_error() {
        Err(Attempt::Fatal(format!("{status}: {}", error_text(&text))))
    } else {
        Err(Attempt::Retry(format!("{status}: {}", error_text(&text))))
    }
}

fn error_text(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["error"].as_str().map(str::to_owned))
        .unwrap_or_else(|| body.chars().take(200).collect())
}

/// What one attempt to talk to the server came to.
enum Attempt {
    /// Try again after a pause.
    Retry(String),
    /// Give up.
    Fatal(String),
}

/// Streams the feed to the server until the program has ended and the
/// server has sealed the log. Lines keep being taken (and spooled) while the
/// server is unreachable. `on_retry` hears of each failed attempt.
pub async fn stream(
    target: Target,
    feed: mpsc::Receiver<Feed>,
    on_retry: impl FnMut(&str),
) -> Result<Report, UplinkError> {
    stream_with(target, SpoolConfig::default(), feed, on_retry).await
}

/// [`stream`], keeping unacknowledged lines as `config` says.
pub async fn stream_with(
    target: Target,
    config: SpoolConfig,
    mut feed: mpsc::Receiver<Feed>,
    mut on_retry: impl FnMut(&str),
) -> Result<Report, UplinkError> {
    let http = httpclient::client();
    let mut spool = Spool::new(config);
    let mut exit: Option<Option<i32>> = None;
    let mut report = Report::default();
    let mut created: Option<LiveRunCreated> = None;
    let mut backoff = Backoff::seeded(Duration::from_millis(100), Duration::from_secs(5));
    loop {
        let acked_before = spool.acked;
        let attempt = match &created {
            None => match create_run(&http, &target).await {
                Ok(c) => {
                    report.run = c.run;
                    created = Some(c);
                    continue;
                }
                Err(a) => a,
            },
            Some(c) => {
                report.connections += 1;
                match connection(&target, c, &mut spool, &mut feed, &mut exit).await {
                    Ok(()) => {
                        report.lines = spool.acked;
                        report.spilled = spool.spilled_total;
                        return Ok(report);
                    }
                    Err(a) => a,
                }
            }
        };
        match attempt {
            Attempt::Fatal(m) => return Err(UplinkError::Refused(m)),
            Attempt::Retry(m) => on_retry(&m),
        }
        // Back off, still taking lines so the program is never held up.
        let deadline = tokio::time::Instant::now() + backoff.fail();
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(deadline) => break,
                f = feed.recv(), if exit.is_none() && spool.has_room() => {
                    take(f, &mut spool, &mut exit)?;
                }
            }
        }
        if spool.acked > acked_before {
            // That connection got lines through: start the backoff over.
            backoff.reset();
        }
    }
}

fn take(
    f: Option<Feed>,
    spool: &mut Spool,
    exit: &mut Option<Option<i32>>,
) -> Result<(), UplinkError> {
    match f {
        Some(Feed::Line {
            stream,
            time_us,
            text,
        }) => spool.push(stream, time_us, text)?,
        Some(Feed::Done { exit_code }) => *exit = Some(exit_code),
        None => return Err(UplinkError::NoExit),
    }
    Ok(())
}

/// One websocket connection: resend what is unacknowledged, then stream
/// new lines as they come; `Ok` once the server has sealed the log.
async fn connection(
    target: &Target,
    created: &LiveRunCreated,
    spool: &mut Spool,
    feed: &mut mpsc::Receiver<Feed>,
    exit: &mut Option<Option<i32>>,
) -> Result<(), Attempt> {
    let mut url = target.server.clone();
    let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
    url.set_scheme(scheme)
        .map_err(|_| Attempt::Fatal("bad server URL".into()))?;
    let url = url
        .join(&format!(
            "api/live/runs/{}/logs/{}/ingest",
            created.run, created.log
        ))
        .map_err(|e| Attempt::Fatal(e.to_string()))?;
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|e| Attempt::Fatal(e.to_string()))?;
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {}", target.token)
            .parse()
            .map_err(|_| Attempt::Fatal("the token is not valid header text".into()))?,
    );
    let connect = tokio::time::timeout(
        Duration::from_secs(10),
        // Acks are small: a small read chunk (tungstenite zeroes the whole
        // chunk before each read). Nagle off (the last argument): a batch of
        // lines goes out at once, not after the ACK of the one before.
        tokio_tungstenite::connect_async_with_config(
            request,
            Some(
                tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
                    .read_buffer_size(8 * 1024),
            ),
            true,
        ),
    );
    let (ws, _) = match connect.await {
        Err(_) => return Err(Attempt::Retry("connecting timed out".into())),
        Ok(Err(tungstenite::Error::Http(res))) => {
            let status = res.status();
            let body = res
                .body()
                .as_deref()
                .map(String::from_utf8_lossy)
                .unwrap_or_default();
            if status.as_u16() == 409 && exit.is_some() && spool.is_empty() {
                // Sealed by an earlier connection whose answer was lost.
                return Ok(());
            }
            let m = format!("{status}: {}", error_text(&body));
            return Err(if status.is_client_error() {
                Attempt::Fatal(m)
            } else {
                Attempt::Retry(m)
            });
        }
        Ok(Err(e)) => return Err(Attempt::Retry(format!("cannot connect: {e}"))),
        Ok(Ok(ws)) => ws,
    };
    let (mut tx, mut rx) = ws.split();
    let retry = |e: tungstenite::Error| Attempt::Retry(format!("connection lost: {e}"));
    // The server says where its copy ends.
    let ready = tokio::time::timeout(Duration::from_secs(10), rx.next())
        .await
        .map_err(|_| Attempt::Retry("no ready message".into()))?;
    match ready {
        Some(Ok(Message::Text(t))) => match serde_json::from_str::<IngestMsg>(t.as_str()) {
            Ok(IngestMsg::Ready { last_seq }) => spool.ack(last_seq).map_err(spool_failed)?,
            other => {
                return Err(Attempt::Fatal(format!(
                    "unexpected first message {other:?}"
                )));
            }
        },
        Some(Ok(Message::Close(frame))) => return Err(closed(frame)),
        Some(Err(e)) => return Err(retry(e)),
        _ => return Err(Attempt::Retry("connection closed before ready".into())),
    }
    let mut sent = spool.acked;
    let mut finish_sent = false;
    loop {
        // Send everything not yet sent on this connection.
        while let Some(batch) = spool.batch_after(sent) {
            sent = batch.last().expect("non-empty").seq;
            let text =
                serde_json::to_string(&ProducerMsg::Lines { lines: batch }).expect("serialises");
            tx.send(Message::Text(text.into())).await.map_err(retry)?;
        }
        if let Some(exit_code) = *exit
            && !finish_sent
            && spool.is_empty()
        {
            let msg = ProducerMsg::Finish {
                exit_code,
                last_seq: spool.last_seq(),
            };
            tx.send(Message::Text(
                serde_json::to_string(&msg).expect("serialises").into(),
            ))
            .await
            .map_err(retry)?;
            finish_sent = true;
        }
        tokio::select! {
            biased;
            msg = rx.next() => match msg {
                Some(Ok(Message::Text(t))) => match serde_json::from_str::<IngestMsg>(t.as_str()) {
                    Ok(IngestMsg::Ack { seq }) => spool.ack(seq).map_err(spool_failed)?,
                    Ok(IngestMsg::Sealed { .. }) => return Ok(()),
                    Ok(IngestMsg::Ready { .. }) | Err(_) => {
                        return Err(Attempt::Retry(format!("unexpected message {t}")));
                    }
                },
                Some(Ok(Message::Close(frame))) => return Err(closed(frame)),
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(retry(e)),
                None => return Err(Attempt::Retry("connection closed".into())),
            },
            f = feed.recv(), if exit.is_none() && spool.has_room() => {
                take(f, spool, exit).map_err(|e| Attempt::Fatal(e.to_string()))?;
                // Take whatever else is waiting, so lines go out in batches.
                while exit.is_none() && spool.has_room() {
                    match feed.try_recv() {
                        Ok(f) => take(Some(f), spool, exit).map_err(|e| Attempt::Fatal(e.to_string()))?,
                        Err(mpsc::error::TryRecvError::Empty) => break,
                        Err(mpsc::error::TryRecvError::Disconnected) => {
                            take(None, spool, exit).map_err(|e| Attempt::Fatal(e.to_string()))?;
                        }
                    }
                }
            }
        }
    }
}

fn spool_failed(e: SpoolError) -> Attempt {
    Attempt::Fatal(e.to_string())
}

/// A close from the server: some codes mean retrying cannot help.
fn closed(frame: Option<tungstenite::protocol::CloseFrame>) -> Attempt {
    use model::live::close;
    let Some(f) = frame else {
        return Attempt::Retry("the server closed the connection".into());
    };
    let code = u16::from(f.code);
    let m = format!("the server closed the connection ({code}: {})", f.reason);
    match code {
        close::BAD_MESSAGE
        | close::UNAUTHORIZED
        | close::FORBIDDEN
        | close::NOT_FOUND
        | close::SEALED
        | close::TOO_BIG => Attempt::Fatal(m),
        _ => Attempt::Retry(m),
    }
}

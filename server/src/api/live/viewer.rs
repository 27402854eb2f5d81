//! The viewer side: `GET /api/runs/{id}/logs/{log}/live?from=SEQ|last=N`.
//!
//! A viewer gets `start`, then every line from its position in order, as
//! they arrive, then `sealed`. It pulls from the live store at its own pace,
//! so a slow viewer only falls behind (and is told by `lagging`); it never
//! makes anyone lose a line.
//!
//! What a viewer holds is bounded: an archived log is read from its store a
//! page at a time as the viewer takes it (never whole, whatever its size),
//! a message that the client does not take within [`SEND_TIMEOUT`] ends
//! the connection, and a quiet connection is pinged every [`PING`] and
//! dropped when the client has not answered for three of them.

use axum::Json;
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use axum::response::{IntoResponse, Response};
use futures::{SinkExt, StreamExt};
use livestore::LogKey;
use model::live::{ViewerMsg, close};
use model::{LogName, RunKind};
use serde::Deserialize;

use crate::api::live::upgrade::Handshake;
use crate::api::path::RunLog;
use crate::api::query::{Bounded, Query};
use crate::archive;
use crate::problem::Problem;
use crate::state::AppState;

/// Lines per message.
const BATCH: usize = 2000;
/// Text per message from an archived log, at most (one line may exceed it).
const BATCH_BYTES: usize = 16 << 10;
/// Time a client has to take a message.
pub const SEND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
/// How often a quiet viewer is pinged.
pub const PING: std::time::Duration = std::time::Duration::from_secs(20);
/// Lines behind the end at which a viewer is told it lags.
const LAG_LINES: u64 = 100_000;
/// With more than [`MANY`] viewers on the server, a viewer at the end of a
/// log sends what arrived at most once per tick of this clock, on the same
/// ticks as every other viewer: a thousand viewers of a busy log then send
/// a message each per tick, not one per append, and read the same lines at
/// the same moment, so the first encodes them and the rest reuse the bytes
/// ([`Batches`](crate::live::Batches)). A line waits for the next tick at
/// most. Each message costs the server a send and its client a read (most
/// of it the kernel's, on loopback): with a thousand viewers on two cores,
/// a 20 ms tick kept both processes busy all the time and lines queued
/// behind each other; 25 ms sends a fifth fewer messages, for at most
/// 5 ms more of waiting.
pub const TICK: std::time::Duration = std::time::Duration::from_millis(25);
/// Viewers on the server above which they send on [`TICK`]s; fewer send
/// each line as it arrives.
pub const MANY: u64 = 32;
/// The viewers are spread over this many phases of the [`TICK`] clock,
/// `TICK / PHASES` (5 ms) apart, by the order they connected: each tick
/// then wakes a fifth of them, not all. A thousand viewers woken at one
/// moment queue behind each other, on the server's two cores and in
/// their clients', and the last of them got a line tens of milliseconds
/// after the first;
/// viewers of one phase still read and send the same lines at the same
/// moment, so a batch is encoded once per phase.
const PHASES: u32 = 5;

/// Where a viewer starts.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct From {
    /// First seq wanted (default 1).
    #[param(inline)]
    from: Option<Bounded<0, { i64::MAX }>>,
    /// The last N lines stored now (with `from` too: whichever starts
    /// later).
    #[param(inline)]
    last: Option<Bounded<0, { i64::MAX }>>,
}

/// Upgrades to the viewer websocket.
#[utoipa::path(get, path = "/api/runs/{id}/logs/{log}/live", operation_id = "follow_log",
    summary = "Websocket: follow a live log",
    description = "With a websocket handshake (RFC 6455: `Upgrade: websocket`, `Connection: Upgrade`, `Sec-WebSocket-Version: 13`, `Sec-WebSocket-Key`), the answer is `101` and the server sends `ViewerMsg` text frames (JSON; see the schema): `start`, then `lines` from the position asked for, as they arrive, then `sealed` (or `gap` where lines cannot be delivered, `lagging` when the viewer falls behind). The viewer sends nothing but pongs. A handshake with a wrong header is a 400 that names it. Without `Upgrade`, the answer is the `start` message alone: where the log stands now. See docs/formats.md, *Websockets*.",
    params(RunLog, From),
    responses((status = 200, description = "No handshake: where the log stands now (a `start` message)", body = ViewerMsg),
        (status = 101, description = "Switching to the websocket; `ViewerMsg` frames follow"),
        (status = 404, description = "No live log has this run and name", body = crate::problem::ErrorBody)))]
pub async fn live(
    State(s): State<AppState>,
    RunLog { id, log }: RunLog,
    Query(from): Query<From>,
    handshake: Handshake,
) -> Result<Response, Problem> {
    let key = LogKey::new(id, log.as_str()).map_err(|e| Problem::bad_request(e.to_string()))?;
    let progress = s.live.store.progress(&key).await.map_err(|e| Problem {
        status: axum::http::StatusCode::SERVICE_UNAVAILABLE,
        message: format!("live store: {e}"),
    })?;
    let status = s
        .catalog
        .run_state(id)
        .await?
        .filter(|st| st.kind == RunKind::Task && log == LogName::Output);
    if progress.is_none() && status.is_none() {
        return Err(Problem::not_found(format!("no live log {key}")));
    }
    // Once archived and gone from the live store, the archive serves it.
    let archived = status.and_then(|st| st.output_log);
    let progress = progress.unwrap_or_default();
    if let Some(loc) = archived.filter(|_| progress.removed || progress.last_seq == 0) {
        let unavailable = |e: archive::ArchiveError| Problem {
            status: axum::http::StatusCode::SERVICE_UNAVAILABLE,
            message: format!("archived log {loc}: {e}"),
        };
        let last_seq = s
            .live
            .archived_lines(&s.stores, &loc)
            .await
            .map_err(unavailable)?;
        let reader = archive::ArchiveReader::open(s.stores.clone(), &loc)
            .await
            .map_err(unavailable)?;
        let start = start_at(&from, last_seq);
        let Handshake::Upgrade(ws) = handshake else {
            return Ok(Json(ViewerMsg::Start {
                last_seq,
                sealed: true,
            })
            .into_response());
        };
        // Each message is written as it is sent: a client that stops reading
        // leaves at most one message here, not a buffer of them.
        return Ok(ws
            .read_buffer_size(4 * 1024)
            .write_buffer_size(0)
            .on_upgrade(move |socket| async move {
                let _viewing = crate::live::Viewing::new(&s.live);
                let (tx, _) = socket.split();
                let mut tx = Sender(tx);
                let start_msg = ViewerMsg::Start {
                    last_seq,
                    sealed: true,
                };
                let sent = async {
                    tx.send(text(&start_msg)).await?;
                    send_archived(&s, &key, reader, start, last_seq, &mut tx).await
                };
                if let Err(e) = sent.await {
                    tracing::debug!(log = %key, "viewer left: {e}");
                }
            }));
    }
    let start = start_at(&from, progress.last_seq);
    let Handshake::Upgrade(ws) = handshake else {
        return Ok(Json(ViewerMsg::Start {
            last_seq: progress.last_seq,
            sealed: progress.sealed,
        })
        .into_response());
    };
    // A viewer sends next to nothing: a small read chunk (tungstenite zeroes
    // the whole chunk before each read) keeps a thousand viewers cheap.
    Ok(ws
        .read_buffer_size(4 * 1024)
        .on_upgrade(move |socket| async move {
            let _viewing = crate::live::Viewing::new(&s.live);
            if let Err(e) = follow(&s, &key, start, socket).await {
                tracing::debug!(log = %key, "viewer left: {e}");
            }
        }))
}

/// Waits, when the server has many viewers, for the next tick of their
/// shared clock in `phase` (see [`TICK`], [`PHASES`]); says whether it
/// waited.
async fn pace(s: &AppState, phase: u32) -> bool {
    let many = many(s);
    if many {
        tokio::time::sleep_until(next_tick(tokio::time::Instant::now(), phase)).await;
    }
    many
}

/// Whether the server has more than [`MANY`] viewers.
fn many(s: &AppState) -> bool {
    s.live.viewers.load(std::sync::atomic::Ordering::Relaxed) > MANY
}

/// The phase of the next viewer to connect: they take turns.
fn next_phase() -> u32 {
    static VIEWERS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    VIEWERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % PHASES
}

/// The first tick of the viewers' shared clock in `phase` after `now`: the
/// ticks of phase `p` are `p * TICK / PHASES` after those of phase 0.
fn next_tick(now: tokio::time::Instant, phase: u32) -> tokio::time::Instant {
    static EPOCH: std::sync::OnceLock<tokio::time::Instant> = std::sync::OnceLock::new();
    let tick = TICK.as_nanos() as u64;
    let offset = tick / u64::from(PHASES) * u64::from(phase % PHASES);
    let epoch = *EPOCH.get_or_init(|| now) + std::time::Duration::from_nanos(offset);
    let since = now.saturating_duration_since(epoch).as_nanos() as u64;
    let ticks = if now < epoch { 0 } else { since / tick + 1 };
    epoch + std::time::Duration::from_nanos(ticks * tick)
}

/// The first seq to send, for a log whose last line is `last_seq`.
fn start_at(from: &From, last_seq: u64) -> u64 {
    let first = from.from.map_or(1, |Bounded(f)| f as u64).max(1);
    let tail = from
        .last
        .map_or(1, |Bounded(n)| (last_seq + 1).saturating_sub(n as u64));
    first.max(tail).max(1)
}

fn text(msg: &ViewerMsg) -> Message {
    Message::Text(serde_json::to_string(msg).expect("serialises").into())
}

/// The sending half of a viewer's socket, which gives up on a client that
/// does not take a message in time.
struct Sender(futures::stream::SplitSink<WebSocket, Message>);

impl Sender {
    async fn send(&mut self, msg: Message) -> Result<(), ViewerEnded> {
        match tokio::time::timeout(SEND_TIMEOUT, self.0.send(msg)).await {
            Ok(sent) => Ok(sent?),
            Err(_) => Err(ViewerEnded::Stalled),
        }
    }
}

/// Sends the archived lines of `reader` from seq `from` in batches, then
/// `sealed` and a close.
async fn send_archived(
    s: &AppState,
    key: &LogKey,
    mut reader: archive::ArchiveReader,
    from: u64,
    last_seq: u64,
    tx: &mut Sender,
) -> Result<(), ViewerEnded> {
    loop {
        let lines = match reader.next(from, BATCH, BATCH_BYTES).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(log = %key, error = %e, "reading an archived log failed");
                let _ = tx.send(closing(close::STORE_FAILED, &e.to_string())).await;
                return Err(ViewerEnded::Archive(e));
            }
        };
        if lines.is_empty() {
            break;
        }
        tx.send(text(&ViewerMsg::Lines { lines })).await?;
    }
    let msg = ViewerMsg::Sealed {
        last_seq,
        exit_code: exit_code(s, key.run()).await,
    };
    tx.send(text(&msg)).await?;
    tx.send(Message::Close(None)).await
}

/// A close frame with `code` and (the start of) `reason`.
fn closing(code: u16, reason: &str) -> Message {
    let mut cut = reason.to_string();
    while cut.len() > 120 {
        cut.pop();
    }
    Message::Close(Some(CloseFrame {
        code,
        reason: cut.into(),
    }))
}

/// The exit code the catalog has for a run, if any.
async fn exit_code(s: &AppState, run: i64) -> Option<i32> {
    s.catalog
        .run_state(run)
        .await
        .ok()
        .flatten()
        .and_then(|st| st.exit_code)
        .and_then(|c| i32::try_from(c).ok())
}

/// Why a viewer's connection ended before the log's end was sent.
#[derive(Debug, thiserror::Error)]
enum ViewerEnded {
    /// The live store failed (the viewer was told, close code 4500).
    #[error("the live store failed: {0}")]
    Store(#[from] livestore::LiveError),
    /// The live store's watch ended (the store is shutting down).
    #[error("the live store went away")]
    StoreGone,
    /// Sending to the viewer failed: it went away.
    #[error("sending failed: {0}")]
    Socket(#[from] axum::Error),
    /// The viewer took no message for [`SEND_TIMEOUT`].
    #[error("the client took nothing for {} s", SEND_TIMEOUT.as_secs())]
    Stalled,
    /// The viewer answered no ping for three periods.
    #[error("the client answered no ping for {} s", 3 * PING.as_secs())]
    Silent,
    /// The archived log could not be read.
    #[error("reading the archived log failed: {0}")]
    Archive(#[from] archive::ArchiveError),
}

async fn follow(
    s: &AppState,
    key: &LogKey,
    mut next: u64,
    socket: WebSocket,
) -> Result<(), ViewerEnded> {
    let store = &s.live.store;
    let (tx, mut rx) = socket.split();
    let mut tx = Sender(tx);
    let failed = |e: &livestore::LiveError| closing(close::STORE_FAILED, &e.to_string());
    let mut watch = match store.watch(key).await {
        Ok(w) => w,
        Err(e) => {
            let _ = tx.send(failed(&e)).await;
            return Err(e.into());
        }
    };
    let first = *watch.borrow_and_update();
    tx.send(text(&ViewerMsg::Start {
        last_seq: first.last_seq,
        sealed: first.sealed,
    }))
    .await?;
    let mut told_lagging = false;
    let phase = next_phase();
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + PING, PING);
    let mut heard = tokio::time::Instant::now();
    loop {
        let found = match s.live.batches.get(key, next) {
            Some(hit) => Some(hit),
            None => {
                let lines = match store.read(key, next, BATCH).await {
                    Ok(l) => l,
                    Err(e) => {
                        let _ = tx.send(failed(&e)).await;
                        return Err(e.into());
                    }
                };
                lines.last().map(|l| l.seq).map(|to| {
                    let msg = ViewerMsg::Lines { lines };
                    let text = Utf8Bytes::from(serde_json::to_string(&msg).expect("serialises"));
                    s.live.batches.put(key, next, to, text.clone());
                    (to, text)
                })
            }
        };
        let sent = found.is_some();
        if let Some((to, text)) = found {
            let full = to + 1 - next >= BATCH as u64;
            next = to + 1;
            let behind = watch.borrow().last_seq.saturating_sub(to);
            tx.send(Message::Text(text)).await?;
            if behind > LAG_LINES && !told_lagging {
                told_lagging = true;
                tx.send(self::text(&ViewerMsg::Lagging { behind })).await?;
            } else if behind <= LAG_LINES / 2 {
                told_lagging = false;
            }
            if full {
                // Catching up: the next batch at once.
                continue;
            }
        }
        let p = *watch.borrow_and_update();
        if p.removed && next <= p.last_seq {
            // Archived while this viewer was reading: the rest comes from
            // the archive, with the same seqs.
            let loc = s
                .catalog
                .run_state(key.run())
                .await
                .ok()
                .flatten()
                .and_then(|st| st.output_log);
            if let Some(loc) = loc {
                match archive::ArchiveReader::open(s.stores.clone(), &loc).await {
                    Ok(reader) => {
                        return send_archived(s, key, reader, next, p.last_seq, &mut tx).await;
                    }
                    Err(e) => {
                        tracing::warn!(log = %key, error = %e, "reading the archived log failed")
                    }
                }
            }
            let msg = ViewerMsg::Gap {
                from: next,
                to: p.last_seq,
                reason: "the lines left the live store; read the archived log".into(),
            };
            tx.send(text(&msg)).await?;
            next = p.last_seq + 1;
        }
        if p.sealed && next > p.last_seq {
            let msg = ViewerMsg::Sealed {
                last_seq: p.last_seq,
                exit_code: exit_code(s, key.run()).await,
            };
            tx.send(text(&msg)).await?;
            let _ = tx.send(Message::Close(None)).await;
            return Ok(());
        }
        if p.last_seq >= next {
            // More has arrived since the lines just sent: read again (on the
            // next tick, with many viewers). Or the read found nothing: the
            // store's readers in another process are ahead of this one's;
            // read again shortly.
            if !pace(s, phase).await && !sent {
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
            continue;
        }
        // At the end of a busy log with many viewers, the next lines are
        // looked for on this viewer's next tick, not on each append: a
        // thousand viewers woken by every append of the producer cost the
        // server as much as sending them what arrived. A tick that finds
        // nothing goes back to waiting for an append.
        let busy = sent && many(s);
        tokio::select! {
            changed = watch.changed(), if !busy => {
                if changed.is_err() {
                    return Err(ViewerEnded::StoreGone);
                }
                pace(s, phase).await;
            }
            () = tokio::time::sleep_until(next_tick(tokio::time::Instant::now(), phase)), if busy => {}
            incoming = rx.next() => match incoming {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return Ok(()),
                Some(Ok(_)) => heard = tokio::time::Instant::now(),
            },
            _ = ping.tick() => {
                if heard.elapsed() > 3 * PING {
                    return Err(ViewerEnded::Silent);
                }
                tx.send(Message::Ping(Default::default())).await?;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(f: Option<i64>, l: Option<i64>) -> From {
        From {
            from: f.map(Bounded),
            last: l.map(Bounded),
        }
    }

    #[test]
    fn viewers_woken_within_one_tick_send_on_the_same_next_tick_of_their_phase() {
        let t0 = tokio::time::Instant::now();
        let first = next_tick(t0, 0);
        assert!(first > t0 && first - t0 <= TICK);
        for phase in 0..PHASES {
            for ms in [0, 1, 5, 13, 19, 20, 37] {
                let now = t0 + std::time::Duration::from_millis(ms);
                let at = next_tick(now, phase);
                assert!(at > now && at - now <= TICK, "{ms} ms, phase {phase}");
            }
        }
        let a = next_tick(first + std::time::Duration::from_millis(1), 0);
        let b = next_tick(first + TICK - std::time::Duration::from_millis(1), 0);
        assert_eq!(a, b, "one tick, one moment");
        assert_eq!(a, first + TICK);
        assert_eq!(
            next_tick(first, 0),
            first + TICK,
            "a tick's own moment waits for the next"
        );
        // The phases' ticks are spread evenly over a tick, in order.
        let step = TICK / PHASES;
        for phase in 1..PHASES {
            assert_eq!(next_tick(first, phase), first + step * phase);
        }
        let later = first + std::time::Duration::from_millis(1);
        assert_eq!(next_tick(later, 1), first + step);
        assert_eq!(next_tick(first + step, 1), first + step + TICK);
    }

    #[test]
    fn a_viewer_starts_at_the_later_of_from_and_last() {
        // A log whose last line is 100.
        assert_eq!(start_at(&from(None, None), 100), 1);
        assert_eq!(start_at(&from(Some(0), None), 100), 1);
        assert_eq!(start_at(&from(Some(40), None), 100), 40);
        assert_eq!(start_at(&from(None, Some(10)), 100), 91);
        assert_eq!(start_at(&from(None, Some(0)), 100), 101, "nothing old");
        assert_eq!(start_at(&from(None, Some(500)), 100), 1);
        assert_eq!(start_at(&from(Some(40), Some(10)), 100), 91);
        assert_eq!(start_at(&from(Some(95), Some(10)), 100), 95);
        assert_eq!(
            start_at(&from(Some(i64::MAX), Some(i64::MAX)), 100),
            i64::MAX as u64
        );
    }
}

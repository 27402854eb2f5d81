//! `GET /api/events/stream?after=SEQ|now`: the event feed as server-sent
//! events (`after=now`: only events from now on).
//!
//! Each event carries its seq as the SSE id, so a browser's `EventSource`
//! resumes after a dropped connection from the last event it saw (it sends
//! `Last-Event-ID`); any client can replay from any seq with `after`.
//!
//! One task per process watches the catalog for new events (a cheap
//! `MAX(seq)` four times a second, whoever appended them); clients read the
//! catalog only when there is something new for them.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use app::model::Event;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures::Stream;

use super::error::Problem;
use super::params::Params;
use crate::state::AppState;

/// How often the catalog is asked for its newest event.
const POLL: Duration = Duration::from_millis(250);

/// The newest event seq, watched by one task for every client of the
/// process; started by the first client.
#[derive(Default)]
pub struct EventHub {
    newest: std::sync::OnceLock<tokio::sync::watch::Receiver<i64>>,
}

impl EventHub {
    /// A receiver of the newest event seq.
    fn subscribe(&self, catalog: &catalog::Catalog) -> tokio::sync::watch::Receiver<i64> {
        self.newest
            .get_or_init(|| {
                let (tx, rx) = tokio::sync::watch::channel(0);
                let catalog = catalog.clone();
                tokio::spawn(async move {
                    loop {
                        // The hub keeps one receiver; ask only for clients.
                        if tx.receiver_count() <= 1 {
                            tokio::time::sleep(POLL).await;
                            continue;
                        }
                        match catalog.last_event_seq().await {
                            Ok(seq) => {
                                tx.send_if_modified(|v| std::mem::replace(v, seq) != seq);
                            }
                            Err(e) => tracing::warn!(error = %e, "event feed cannot read the catalog; retrying"),
                        }
                        tokio::time::sleep(POLL).await;
                    }
                });
                rx
            })
            .clone()
    }
}

/// Streams events after `after` (or the `Last-Event-ID` header), oldest
/// first, then new ones as they are stored.
pub async fn stream(
    State(s): State<AppState>,
    headers: HeaderMap,
    p: Params,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, Problem> {
    p.only(&["after"])?;
    let resume = match headers.get("last-event-id") {
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(|t| t.trim().parse::<i64>().ok())
                .filter(|n| *n >= 0)
                .ok_or_else(|| Problem::bad_request("Last-Event-ID must be an event seq"))?,
        ),
        None => None,
    };
    let after = match resume {
        Some(seq) => seq,
        None if p.text("after").as_deref() == Some("now") => s.catalog.last_event_seq().await?,
        None => p.int("after", 0, 0, i64::MAX)?,
    };
    let newest = s.events.subscribe(&s.catalog);
    let state = (s, after, VecDeque::<Event>::new(), newest);
    let events = futures::stream::unfold(
        state,
        |(s, mut after, mut pending, mut newest)| async move {
            while pending.is_empty() {
                // Nothing new for this client: wait until the catalog has more.
                if *newest.borrow_and_update() <= after && newest.changed().await.is_err() {
                    return None;
                }
                match s.catalog.events_after(after, catalog::MAX_EVENTS).await {
                    Ok(found) => pending.extend(found),
                    Err(e) => {
                        tracing::warn!(error = %e, "event feed cannot read the catalog; retrying");
                        tokio::time::sleep(POLL * 4).await;
                    }
                }
            }
            let e = pending.pop_front().expect("not empty");
            after = e.seq;
            let sse = SseEvent::default()
                .id(e.seq.to_string())
                .event(e.topic.clone())
                .data(serde_json::to_string(&e).expect("events serialise"));
            Some((Ok(sse), (s, after, pending, newest)))
        },
    );
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

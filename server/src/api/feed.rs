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

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures::Stream;
use model::Event;

use super::query::{Query, from_text_opt};
use crate::events::POLL;
use crate::problem::Problem;
use crate::state::AppState;

/// Parameters of the event stream.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct StreamParams {
    /// Last seq seen (from the first event when absent); `now`: only new
    /// events.
    #[serde(deserialize_with = "from_text_opt")]
    #[param(value_type = Option<String>)]
    after: Option<After>,
}

/// `after=SEQ` or `after=now` (only events from now on).
#[derive(Debug, Clone, Copy)]
enum After {
    Now,
    Seq(i64),
}

impl std::str::FromStr for After {
    type Err = String;
    fn from_str(s: &str) -> Result<After, String> {
        if s == "now" {
            return Ok(After::Now);
        }
        match s.parse::<i64>() {
            Ok(n) if n >= 0 => Ok(After::Seq(n)),
            _ => Err(format!(
                "must be now or an integer from 0 to {}, not {s:?}",
                i64::MAX
            )),
        }
    }
}

/// Streams events after `after` (or the `Last-Event-ID` header), oldest
/// first, then new ones as they are stored.
#[utoipa::path(get, path = "/api/events/stream",
    summary = "Server-sent events: every event after a seq, then new ones as they happen (SSE id = seq; Last-Event-ID resumes; event = topic, data = the event)",
    params(StreamParams),
    responses((status = 200, description = "The feed", content_type = "text/event-stream"),
        (status = "default", description = "An error", body = crate::problem::ErrorBody)))]
pub async fn stream(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(p): Query<StreamParams>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, Problem> {
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
        None => match p.after {
            Some(After::Now) => s.catalog.last_event_seq().await?,
            Some(After::Seq(seq)) => seq,
            None => 0,
        },
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
                .event(e.topic.name())
                .data(serde_json::to_string(&e).expect("events serialise"));
            Some((Ok(sse), (s, after, pending, newest)))
        },
    );
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

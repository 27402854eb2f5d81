//! `GET /api/events/stream?after=SEQ|now`: the event feed as server-sent
//! events (`after=now`: only events from now on), for a client that asks
//! for them (`Accept: text/event-stream`, as `EventSource` does); any other
//! is answered at once with the events there are now, as JSON.
//!
//! Each event carries its seq as the SSE id, so a browser's `EventSource`
//! resumes after a dropped connection from the last event it saw (it sends
//! `Last-Event-ID`); any client can replay from any seq with `after`.
//!
//! One task per process watches the catalog for new events (a cheap
//! `MAX(seq)` four times a second, whoever appended them); clients read the
//! catalog only when there is something new for them.

use std::collections::VecDeque;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use model::Event;

use axum::response::{IntoResponse, Response};

use super::param::StreamStart;
use super::query::Query;
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
    #[param(inline)]
    after: Option<StreamStart>,
}

/// `Last-Event-ID`, which a browser's `EventSource` sends when it
/// reconnects: the seq of the last event it saw; it wins over `after`.
struct Resume;

impl utoipa::IntoParams for Resume {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        use utoipa::PartialSchema;
        vec![
            utoipa::openapi::path::ParameterBuilder::new()
                .name("Last-Event-ID")
                .parameter_in(utoipa::openapi::path::ParameterIn::Header)
                .description(Some(
                    "The seq of the last event seen (an `EventSource` sends it when it \
                     reconnects); it wins over `after`",
                ))
                .schema(Some(super::query::Bounded::<0, { i64::MAX }>::schema()))
                .build(),
        ]
    }
}

/// Streams events after `after` (or the `Last-Event-ID` header), oldest
/// first, then new ones as they are stored.
#[utoipa::path(get, path = "/api/events/stream",
    summary = "Server-sent events: every event after a seq, then new ones as they happen (SSE id = seq; Last-Event-ID resumes; event = topic, data = the event)",
    description = "Asked for `text/event-stream` (as `EventSource` does), the feed stays open and sends each event as it is stored. Asked for anything else, it answers the events stored after the position now (up to 1,000), as JSON, and ends.",
    params(StreamParams, Resume),
    responses((status = 200, description = "The feed", content(
        (String = "text/event-stream"),
        (Vec<Event> = "application/json")))))]
pub async fn stream(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(p): Query<StreamParams>,
) -> Result<Response, Problem> {
    let resume = match headers.get("last-event-id") {
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(super::query::integer)
                .filter(|n| *n >= 0)
                .ok_or_else(|| {
                    Problem::bad_request(format!(
                        "Last-Event-ID must be an integer from 0 to {}",
                        i64::MAX
                    ))
                })?,
        ),
        None => None,
    };
    let after = match resume {
        Some(seq) => seq,
        None => match p.after {
            Some(StreamStart::Now) => s.catalog.last_event_seq().await?,
            Some(StreamStart::After(seq)) => seq,
            None => 0,
        },
    };
    if !wants_stream(&headers) {
        let now = s.catalog.events_after(after, catalog::MAX_EVENTS).await?;
        return Ok(axum::Json(now).into_response());
    }
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
            Some((
                Ok::<_, std::convert::Infallible>(sse),
                (s, after, pending, newest),
            ))
        },
    );
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response())
}

/// Whether the client asked for the live feed (`Accept` names
/// `text/event-stream`).
fn wants_stream(headers: &HeaderMap) -> bool {
    headers
        .get_all(axum::http::header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| {
            t.split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("text/event-stream"))
        })
}

//! `POST /api/inventory`: the streaming service's backend sends each
//! connection's inventory entry (or many) as it ends, with a token that may
//! do nothing else. Entries are read as `logdeck import` reads a file and
//! written by the same steps, so sending an entry again changes nothing.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use catalog::inventory;
use model::{InventoryReport, SkippedEntry, TokenScope};

use super::live::ingest::refusal;
use super::query::{NoParams, Query};
use crate::problem::{ErrorBody, Problem};
use crate::state::AppState;

/// Content types a push may have; the layout itself is recognised from the
/// first byte, as `import` does (`[` a JSON array, `{` JSON Lines, else CSV).
const TYPES: &[&str] = &[
    "application/json",
    "application/x-ndjson",
    "application/jsonl",
    "text/csv",
    "text/plain",
];

/// `POST /api/inventory`
#[utoipa::path(post, path = "/api/inventory",
    summary = "Send inventory entries (a token of scope inventory required)",
    description = "The entries as a JSON array, JSON Lines or CSV, with the fields and rules of \
        `logdeck import` (docs/formats.md). Each entry is written or reported: the answer lists \
        every skipped entry with its line and reason. Entries are keyed by connection id, so \
        sending one again updates it in place. Entries are written in steps of 500, each a \
        transaction: when writing stops part way (503), the message says how many were written, \
        and sending the same body again finishes it. At most `--max-inventory-mib` MiB.",
    request_body(description = "Inventory entries", content(
        (String = "application/json"), (String = "application/x-ndjson"), (String = "text/csv"))),
    security(("bearer" = [])),
    responses((status = 200, description = "What was written and what was skipped", body = InventoryReport),
        (status = 413, description = "The body is larger than the server takes", body = ErrorBody),
        (status = 415, description = "Not JSON, JSON Lines or CSV", body = ErrorBody)))]
pub async fn push(State(s): State<AppState>, _: Query<NoParams>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    if let Err(refused) = admit(&s, &parts).await {
        // A client still sending its body when the answer comes may see the
        // connection reset instead: a small body is read first.
        let _ = axum::body::to_bytes(body, REFUSED_BODY).await;
        return refused;
    }
    match receive(&s, body).await {
        Ok(report) => Json(report).into_response(),
        Err(refused) => refused,
    }
}

/// Most of a refused request's body read before answering.
const REFUSED_BODY: usize = 64 << 10;

/// Checks the token (scope inventory) and the content type.
async fn admit(s: &AppState, parts: &axum::http::request::Parts) -> Result<(), Response> {
    crate::auth::presented_token(s, parts)
        .await
        .and_then(|h| h.with_scope(TokenScope::Inventory))
        .map_err(refusal)?;
    if let Some(given) = parts.headers.get(header::CONTENT_TYPE) {
        let essence = given
            .to_str()
            .unwrap_or_default()
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if !TYPES.contains(&essence.as_str()) {
            return Err(Problem {
                status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                message: format!("send entries as {}; not {essence:?}", TYPES.join(", ")),
            }
            .into_response());
        }
    }
    Ok(())
}

/// Reads and writes the entries of an admitted push.
async fn receive(s: &AppState, body: axum::body::Body) -> Result<InventoryReport, Response> {
    // One body in memory per turn: the wait costs a sender time, not the
    // server memory.
    let _turn = s.pushes.acquire().await.map_err(|_| {
        Problem {
            status: StatusCode::SERVICE_UNAVAILABLE,
            message: "the server is stopping".into(),
        }
        .into_response()
    })?;
    let limit = s.inventory_limit;
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        Problem {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            message: format!(
                "the body is larger than {} MiB (--max-inventory-mib), or was not sent whole; \
                 send the entries in smaller batches",
                limit >> 20
            ),
        }
        .into_response()
    })?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Problem::bad_request("the body has no entries").into_response());
    }
    let parsed = inventory::parse(&bytes).map_err(|e| {
        Problem::bad_request(format!("cannot read the entries: {e}")).into_response()
    })?;
    drop(bytes);
    let done = crate::import::import_rows(&s.catalog, &parsed.rows, |_, _| {})
        .await
        .map_err(|stopped| {
            Problem {
                status: StatusCode::SERVICE_UNAVAILABLE,
                message: format!(
                    "{}: {} of {} entries were written (in order); sending the same body again \
                     finishes it",
                    crate::problem::incident("writing inventory entries", &stopped.source),
                    stopped.written,
                    stopped.total
                ),
            }
            .into_response()
        })?;
    s.indexer.wake();
    Ok(InventoryReport {
        rows: done.rows,
        added: done.stats.inserted,
        updated: done.stats.updated,
        jobs_queued: done.stats.jobs_queued,
        skipped: parsed
            .errors
            .into_iter()
            .map(|e| SkippedEntry {
                line: e.line,
                reason: e.message,
            })
            .collect(),
    })
}

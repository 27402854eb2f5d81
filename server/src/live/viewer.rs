//! The viewer side: `GET /api/runs/{id}/logs/{log}/live?from=SEQ|last=N`.
//!
//! A viewer gets `start`, then every line from its position in order, as
//! they arrive, then `sealed`. It pulls from the live store at its own pace,
//! so a slow viewer only falls behind (and is told by `lagging`); it never
//! makes anyone lose a line.

use app::live::{ViewerMsg, close};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use futures::{SinkExt, StreamExt};
use livestore::LogKey;
use serde::Deserialize;

use super::to_wire;
use crate::api::error::Problem;
use crate::state::AppState;

/// Lines per message.
const BATCH: usize = 2000;
/// Lines behind the end at which a viewer is told it lags.
const LAG_LINES: u64 = 100_000;

/// Where a viewer starts.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct From {
    /// First seq wanted (default 1).
    from: Option<u64>,
    /// Or: the last N lines stored now.
    last: Option<u64>,
}

/// Upgrades to the viewer websocket.
pub async fn live(
    State(s): State<AppState>,
    Path((id, log)): Path<(i64, String)>,
    query: Result<Query<From>, axum::extract::rejection::QueryRejection>,
    ws: WebSocketUpgrade,
) -> Result<Response, Problem> {
    let Query(from) = query.map_err(|e| Problem::bad_request(e.body_text()))?;
    if from.from.is_some() && from.last.is_some() {
        return Err(Problem::bad_request("give from or last, not both"));
    }
    let key = LogKey::new(id, &log).map_err(|e| Problem::bad_request(e.to_string()))?;
    let progress = s.live.store.progress(&key).await.map_err(|e| Problem {
        status: axum::http::StatusCode::SERVICE_UNAVAILABLE,
        message: format!("live store: {e}"),
    })?;
    let known = progress.is_some()
        || s.catalog
            .run_status(id)
            .await?
            .is_some_and(|st| st.kind == "task" && log == super::ingest::TASK_LOG);
    if !known {
        return Err(Problem::not_found(format!("no live log {key}")));
    }
    let last_seq = progress.unwrap_or_default().last_seq;
    let start = match (from.from, from.last) {
        (_, Some(n)) => (last_seq + 1).saturating_sub(n).max(1),
        (Some(f), None) => f.max(1),
        (None, None) => 1,
    };
    Ok(ws.on_upgrade(move |socket| async move {
        if let Err(e) = follow(&s, &key, start, socket).await {
            tracing::debug!(log = %key, "viewer left: {e}");
        }
    }))
}

async fn follow(
    s: &AppState,
    key: &LogKey,
    mut next: u64,
    socket: WebSocket,
) -> Result<(), String> {
    let store = &s.live.store;
    let (mut tx, mut rx) = socket.split();
    let send =
        |msg: &ViewerMsg| Message::Text(serde_json::to_string(msg).expect("serialises").into());
    let failed = |e: livestore::LiveError| {
        Message::Close(Some(CloseFrame {
            code: close::STORE_FAILED,
            reason: e.to_string().chars().take(120).collect::<String>().into(),
        }))
    };
    let mut watch = match store.watch(key).await {
        Ok(w) => w,
        Err(e) => {
            let _ = tx.send(failed(e)).await;
            return Err("live store unavailable".into());
        }
    };
    let first = *watch.borrow_and_update();
    tx.send(send(&ViewerMsg::Start {
        last_seq: first.last_seq,
        sealed: first.sealed,
    }))
    .await
    .map_err(|e| e.to_string())?;
    let mut told_lagging = false;
    loop {
        let lines = match store.read(key, next, BATCH).await {
            Ok(l) => l,
            Err(e) => {
                let _ = tx.send(failed(e)).await;
                return Err("live store read failed".into());
            }
        };
        if let Some(last) = lines.last() {
            next = last.seq + 1;
            let behind = watch.borrow().last_seq.saturating_sub(last.seq);
            let msg = ViewerMsg::Lines {
                lines: lines.into_iter().map(to_wire).collect(),
            };
            tx.send(send(&msg)).await.map_err(|e| e.to_string())?;
            if behind > LAG_LINES && !told_lagging {
                told_lagging = true;
                tx.send(send(&ViewerMsg::Lagging { behind }))
                    .await
                    .map_err(|e| e.to_string())?;
            } else if behind <= LAG_LINES / 2 {
                told_lagging = false;
            }
            continue;
        }
        let p = *watch.borrow_and_update();
        if p.removed && next <= p.last_seq {
            let msg = ViewerMsg::Gap {
                from: next,
                to: p.last_seq,
                reason: "the lines left the live store; read the archived log".into(),
            };
            tx.send(send(&msg)).await.map_err(|e| e.to_string())?;
            next = p.last_seq + 1;
        }
        if p.sealed && next > p.last_seq {
            let exit_code = s
                .catalog
                .run_status(key.run())
                .await
                .ok()
                .flatten()
                .and_then(|st| st.exit_code)
                .and_then(|c| i32::try_from(c).ok());
            let msg = ViewerMsg::Sealed {
                last_seq: p.last_seq,
                exit_code,
            };
            tx.send(send(&msg)).await.map_err(|e| e.to_string())?;
            let _ = tx.send(Message::Close(None)).await;
            return Ok(());
        }
        if p.last_seq >= next {
            // The store said more than the read returned (a reader in
            // another process is ahead of this one): read again shortly.
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            continue;
        }
        tokio::select! {
            changed = watch.changed() => {
                if changed.is_err() {
                    return Err("live store went away".into());
                }
            }
            incoming = rx.next() => match incoming {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return Ok(()),
                Some(Ok(_)) => {}
            }
        }
    }
}

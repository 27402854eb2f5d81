//! The producer side: creating a live run and the ingest websocket.

use axum::Json;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use livestore::{LiveError, LogKey};
use model::live::{IngestMsg, LiveRunCreated, NewLiveRun, ProducerMsg, close};
use model::{LogName, RunKind, RunStatus};

use super::tokens::{AuthError, bearer};
use crate::api::error::Problem;
use crate::state::AppState;

/// A request from a producer: extracting it checks the bearer token
/// (401, or 503 when the catalog cannot say), and the producer's socket
/// checks it again while it is open.
pub struct Producer {
    token: Option<String>,
}

impl Producer {
    /// Whether the token the producer came with is still valid.
    async fn recheck(&self, s: &AppState) -> Result<(), AuthError> {
        let given = self.token.as_deref().ok_or(AuthError::Missing);
        s.live.tokens.check_bearer(given, &s.catalog).await
    }
}

impl FromRequestParts<AppState> for Producer {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Producer, Problem> {
        let given = bearer(&parts.headers);
        match s.live.tokens.check_bearer(given.clone(), &s.catalog).await {
            Ok(()) => Ok(Producer {
                token: given.ok().map(str::to_string),
            }),
            Err(AuthError::Unavailable(e)) => Err(Problem {
                status: StatusCode::SERVICE_UNAVAILABLE,
                message: crate::api::error::incident("checking a producer token", &e),
            }),
            Err(e) => Err(Problem {
                status: StatusCode::UNAUTHORIZED,
                message: e.to_string(),
            }),
        }
    }
}

/// How often a connected producer's token is checked again.
const TOKEN_RECHECK: std::time::Duration = std::time::Duration::from_millis(500);

/// Run ids given up in a row before creating a run fails.
const MAX_TAKEN_IDS: usize = 10;

/// `POST /api/live/runs`: creates a live task run.
#[utoipa::path(post, path = "/api/live/runs", summary = "Start a live task run (producer token required)",
    request_body = NewLiveRun, security(("bearer" = [])),
    responses((status = 201, description = "The run and the log to stream into", body = LiveRunCreated),
        (status = "default", description = "An error", body = crate::api::error::ErrorBody)))]
pub async fn create_run(
    State(s): State<AppState>,
    _: Producer,
    body: Result<Json<NewLiveRun>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, Problem> {
    let Json(new) = body.map_err(|e| Problem::bad_request(e.body_text()))?;
    new.check().map_err(Problem::bad_request)?;
    let name = new.name.trim();
    // A new run's log must be empty in the live store. It is not when
    // another catalog with the same identity (a restored backup) shares
    // the store and gave out the same id: that id is given up (recorded as
    // lost) and the next one taken, so no line is ever stored in, or
    // acknowledged from, another run's log.
    let mut id = 0;
    for attempt in 0..MAX_TAKEN_IDS {
        id = s
            .catalog
            .create_task_run(name, new.command.as_deref(), &new.labels, catalog::now_ms())
            .await?;
        let key = super::output_key(id).map_err(|e| Problem::bad_request(e.to_string()))?;
        match s.live.store.progress(&key).await {
            Ok(None) => break,
            Ok(Some(_)) => {
                tracing::warn!(
                    run = id,
                    "the live store already holds a log for this run id (another catalog \
                     shares it); giving the id up"
                );
                s.catalog
                    .abandon_task_run(
                        id,
                        "the live store already held a log under this run id (another \
                         catalog with this one's identity shares it); the run moved to the next id",
                        catalog::now_ms(),
                    )
                    .await?;
                if attempt + 1 == MAX_TAKEN_IDS {
                    return Err(Problem {
                        status: StatusCode::CONFLICT,
                        message: "the live store already holds logs for the next run ids; \
                                  is another catalog with the same identity sharing it?"
                            .into(),
                    });
                }
            }
            Err(e) => {
                return Err(Problem {
                    status: StatusCode::SERVICE_UNAVAILABLE,
                    message: crate::api::error::incident("reading the live store", &e),
                });
            }
        }
    }
    tracing::info!(run = id, name, "live run started");
    Ok((
        StatusCode::CREATED,
        Json(LiveRunCreated {
            run: id,
            log: LogName::Output,
            last_seq: 0,
        }),
    )
        .into_response())
}

/// `GET /api/live/runs/{id}/logs/{log}/ingest`: the producer's websocket.
#[utoipa::path(get, path = "/api/live/runs/{id}/logs/{log}/ingest",
    summary = "Websocket for the producer (token required; messages: model::live::ProducerMsg up, IngestMsg down)",
    params(("id" = i64, Path, description = "Run id"), ("log" = String, Path, description = "Which log")),
    security(("bearer" = [])),
    responses((status = 101, description = "Switching to the websocket"),
        (status = "default", description = "An error", body = crate::api::error::ErrorBody)))]
pub async fn ingest(
    State(s): State<AppState>,
    Path((id, log)): Path<(i64, String)>,
    ws: WebSocketUpgrade,
    producer: Producer,
) -> Result<Response, Problem> {
    let key = LogKey::new(id, &log).map_err(|e| Problem::bad_request(e.to_string()))?;
    let status = s
        .catalog
        .run_state(id)
        .await?
        .filter(|st| st.kind == RunKind::Task && log == LogName::Output.as_str())
        .ok_or_else(|| Problem::not_found(format!("no live log {key}")))?;
    if status.status != RunStatus::Live {
        return Err(Problem {
            status: StatusCode::CONFLICT,
            message: format!(
                "run {id} has finished ({}); it takes no more lines",
                status.status
            ),
        });
    }
    Ok(ws
        .max_message_size(super::MAX_FRAME)
        .max_frame_size(super::MAX_FRAME)
        .on_upgrade(move |socket| async move {
            if let Err(reason) = session(&s, &key, &producer, socket).await {
                tracing::warn!(log = %key, "producer connection ended: {reason}");
            }
        }))
}

/// Why a producer connection ended early.
type Ended = String;

async fn send(socket: &mut WebSocket, msg: &IngestMsg) -> Result<(), Ended> {
    let text = serde_json::to_string(msg).expect("messages serialise");
    socket
        .send(Message::Text(text.into()))
        .await
        .map_err(|e| format!("send failed: {e}"))
}

async fn close_with(socket: &mut WebSocket, code: u16, reason: &str) -> Ended {
    let frame = CloseFrame {
        code,
        reason: reason.chars().take(120).collect::<String>().into(),
    };
    let _ = socket.send(Message::Close(Some(frame))).await;
    format!("closed with {code}: {reason}")
}

/// One producer connection: `ready`, then lines in and acks out, until
/// `finish` seals the log or the connection drops (the producer reconnects
/// and resends what was not acknowledged).
async fn session(
    s: &AppState,
    key: &LogKey,
    producer: &Producer,
    mut socket: WebSocket,
) -> Result<(), Ended> {
    let store = &s.live.store;
    let progress = match store.progress(key).await {
        Ok(p) => p.unwrap_or_default(),
        Err(e) => return Err(close_with(&mut socket, close::STORE_FAILED, &e.to_string()).await),
    };
    // A sealed log still says where it ends: a producer whose `sealed`
    // answer was lost sends `finish` again and gets it (appending more is
    // refused).
    send(
        &mut socket,
        &IngestMsg::Ready {
            last_seq: progress.last_seq,
        },
    )
    .await?;
    // While a producer is connected its run is alive, output or not.
    let mut heartbeat = tokio::time::interval(super::reaper::period(s.live.silence));
    // A token revoked while its producer is connected ends the connection.
    let mut recheck = tokio::time::interval(TOKEN_RECHECK);
    loop {
        let msg = tokio::select! {
            m = socket.recv() => m,
            _ = recheck.tick() => {
                match producer.recheck(s).await {
                    Ok(()) | Err(AuthError::Unavailable(_)) => {}
                    Err(e) => {
                        let reason = format!("the producer token is no longer valid ({e})");
                        return Err(close_with(&mut socket, close::UNAUTHORIZED, &reason).await);
                    }
                }
                continue;
            }
            _ = heartbeat.tick() => {
                if let Err(e) = s.catalog.touch_live_run(key.run(), catalog::now_ms()).await {
                    tracing::warn!(log = %key, error = %e, "recording that a live run is alive failed");
                }
                continue;
            }
        };
        let Some(msg) = msg else { break };
        let msg = match msg {
            Ok(m) => m,
            Err(e) => {
                // Oversized messages end up here too.
                let reason = format!("unreadable frame: {e}");
                return Err(close_with(&mut socket, close::TOO_BIG, &reason).await);
            }
        };
        let text = match msg {
            Message::Text(t) => t,
            Message::Close(_) => return Ok(()),
            Message::Ping(_) | Message::Pong(_) => continue,
            Message::Binary(_) => {
                return Err(close_with(
                    &mut socket,
                    close::BAD_MESSAGE,
                    "binary frames are not part of the protocol",
                )
                .await);
            }
        };
        let parsed: ProducerMsg = match serde_json::from_str(text.as_str()) {
            Ok(m) => m,
            Err(e) => {
                let reason = format!("not a producer message: {e}");
                return Err(close_with(&mut socket, close::BAD_MESSAGE, &reason).await);
            }
        };
        match parsed {
            ProducerMsg::Lines { lines } => {
                // Line n of the archived log is seq n: a line is one line.
                if let Some(l) = lines.iter().find(|l| l.text.contains('\n')) {
                    let reason = format!("line {} contains a newline; split it first", l.seq);
                    return Err(close_with(&mut socket, close::BAD_MESSAGE, &reason).await);
                }
                let ack = match store.append(key, &lines).await {
                    Ok(a) => a.last_seq,
                    // Behind or ahead of the store: tell the producer where
                    // the store stands; it resends from there.
                    Err(LiveError::Gap { expected, .. }) => expected - 1,
                    Err(e @ LiveError::Unordered(_)) => {
                        return Err(
                            close_with(&mut socket, close::BAD_MESSAGE, &e.to_string()).await
                        );
                    }
                    Err(e @ LiveError::Sealed(_)) => {
                        return Err(close_with(&mut socket, close::SEALED, &e.to_string()).await);
                    }
                    Err(e) => {
                        tracing::error!(log = %key, error = %e, "storing live lines failed");
                        return Err(
                            close_with(&mut socket, close::STORE_FAILED, &e.to_string()).await
                        );
                    }
                };
                send(&mut socket, &IngestMsg::Ack { seq: ack }).await?;
            }
            ProducerMsg::Finish {
                exit_code,
                last_seq,
            } => {
                let stored = match store.progress(key).await {
                    Ok(p) => p.unwrap_or_default().last_seq,
                    Err(e) => {
                        return Err(
                            close_with(&mut socket, close::STORE_FAILED, &e.to_string()).await
                        );
                    }
                };
                if stored != last_seq {
                    let reason = format!(
                        "finish at seq {last_seq}, but lines up to {stored} are stored; send the rest first"
                    );
                    return Err(close_with(&mut socket, close::BAD_MESSAGE, &reason).await);
                }
                let status = if exit_code == Some(0) {
                    RunStatus::Succeeded
                } else {
                    RunStatus::Failed
                };
                if let Err(e) = s
                    .catalog
                    .finish_task_run(key.run(), status, exit_code, catalog::now_ms())
                    .await
                {
                    tracing::error!(log = %key, error = %e, "recording the end of a run failed");
                    return Err(close_with(&mut socket, close::STORE_FAILED, &e.to_string()).await);
                }
                // Recorded first, so viewers told `sealed` find the exit code.
                // Both steps are idempotent: a repeated finish completes
                // whatever a lost connection left undone.
                if let Err(e) = store.seal(key).await {
                    return Err(close_with(&mut socket, close::STORE_FAILED, &e.to_string()).await);
                }
                tracing::info!(log = %key, lines = last_seq, ?exit_code, "live run finished");
                let state = s.clone();
                let run = key.run();
                tokio::spawn(async move {
                    if let Err(e) = super::archive::archive(&state, run).await {
                        // The reaper's sweep tries again.
                        tracing::warn!(run, error = %e, "archiving a finished run failed");
                    }
                });
                send(&mut socket, &IngestMsg::Sealed { last_seq }).await?;
                let _ = socket.send(Message::Close(None)).await;
                return Ok(());
            }
        }
    }
    Ok(())
}

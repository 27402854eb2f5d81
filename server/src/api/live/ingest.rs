//! The producer side: creating a live run and the ingest websocket.

use axum::Json;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use livestore::{Line, LiveError, LogKey};
use model::live::{IngestMsg, LiveRunCreated, NewLiveRun, ProducerMsg, close};
use model::{LogName, RunKind, RunStatus, TokenScope};

use crate::api::live::upgrade::Handshake;
use crate::api::path::RunLog;
use crate::live::tokens::{AuthError, bearer, token_hash};
use crate::problem::Problem;
use crate::state::AppState;

/// A request from a producer: extracting it checks the bearer token
/// (401, or 503 when the catalog cannot say), and the producer's socket
/// checks it again while it is open.
pub struct Producer {
    token: String,
}

impl Producer {
    /// Whether the token the producer came with is still valid.
    async fn recheck(&self, s: &AppState) -> Result<(), AuthError> {
        s.live
            .tokens
            .check_bearer(Ok(&self.token), &s.catalog)
            .await
            .and_then(|h| h.with_scope(TokenScope::Producer))
            .map(drop)
    }

    /// Who the producer is, as the catalog records a run's creator.
    fn identity(&self) -> String {
        token_hash(&self.token)
    }
}

impl FromRequestParts<AppState> for Producer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Producer, Response> {
        let checked = crate::auth::presented_token(s, parts).await;
        match checked.and_then(|h| h.with_scope(TokenScope::Producer)) {
            Ok(_) => Ok(Producer {
                token: bearer(&parts.headers).unwrap_or_default().to_string(),
            }),
            Err(e) => Err(refusal(e)),
        }
    }
}

/// The answer to a client whose token is not accepted: 401, 403 for a
/// token of another scope, 429 with `Retry-After` for a client that
/// guessed too often, 503 when the catalog cannot say.
pub fn refusal(e: AuthError) -> Response {
    let status = match e {
        AuthError::TooManyFailures(_) => StatusCode::TOO_MANY_REQUESTS,
        AuthError::OtherScope { .. } => StatusCode::FORBIDDEN,
        AuthError::Unavailable(ref reason) => {
            return Problem {
                status: StatusCode::SERVICE_UNAVAILABLE,
                message: crate::problem::incident("checking a producer token", reason),
            }
            .into_response();
        }
        AuthError::NoTokens | AuthError::Missing | AuthError::Wrong => StatusCode::UNAUTHORIZED,
    };
    let wait = match e {
        AuthError::TooManyFailures(wait) => Some(wait.as_secs()),
        _ => None,
    };
    let mut res = Problem {
        status,
        message: e.to_string(),
    }
    .into_response();
    if let Some(wait) = wait {
        res.headers_mut()
            .insert(axum::http::header::RETRY_AFTER, wait.into());
    }
    res
}

/// How often a connected producer's token is checked again.
const TOKEN_RECHECK: std::time::Duration = std::time::Duration::from_millis(500);

/// Run ids given up in a row before creating a run fails.
const MAX_TAKEN_IDS: usize = 10;

/// `POST /api/live/runs`: creates a live task run.
#[utoipa::path(post, path = "/api/live/runs", summary = "Start a live task run (producer token required)",
    request_body = NewLiveRun, security(("bearer" = [])),
    responses((status = 201, description = "The run and the log to stream into", body = LiveRunCreated,
        links(("ingest" = (operation_id = "ingest", parameters(("id" = "$response.body#/run"), ("log" = "$response.body#/log")), description = "Stream its lines")),
            ("follow" = (operation_id = "follow_log", parameters(("id" = "$response.body#/run"), ("log" = "$response.body#/log")), description = "Follow its lines")),
            ("run" = (operation_id = "get_run", parameters(("id" = "$response.body#/run")), description = "The run")))),
        (status = 409, description = "The live store holds logs for the next run ids already", body = crate::problem::ErrorBody),
        (status = 413, description = "The body is too large", body = crate::problem::ErrorBody)))]
pub async fn create_run(
    State(s): State<AppState>,
    producer: Producer,
    _: crate::api::query::Query<crate::api::query::NoParams>,
    crate::api::body::Json(new): crate::api::body::Json<NewLiveRun>,
) -> Result<Response, Problem> {
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
            .create_task_run(
                name,
                new.command.as_deref(),
                &new.labels,
                &producer.identity(),
                catalog::now_ms(),
            )
            .await?;
        let key = crate::live::output_key(id).map_err(|e| Problem::bad_request(e.to_string()))?;
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
                    message: crate::problem::incident("reading the live store", &e),
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
    summary = "Websocket for the producer (token required)",
    description = "With a websocket handshake (RFC 6455, as for `/live`), the answer is `101`: the server sends `IngestMsg` frames (`ready` first, `ack` as lines are stored, `sealed` at the end) and the producer sends `ProducerMsg` frames (`lines`, then `finish`), each JSON text. The server closes with 4400 (a frame that is not a message), 4401 (the token was revoked), 4403 (another token created the run), 4409 (the log is sealed), 4413 (a frame too large) or 4500 (storing failed: reconnect and resend). A handshake with a wrong header is a 400 that names it. Without `Upgrade`, the answer is the `ready` message alone: where the stored log ends. See docs/formats.md, *Websockets*.",
    params(RunLog),
    security(("bearer" = [])),
    responses((status = 200, description = "No handshake: where the stored log ends (a `ready` message)", body = IngestMsg),
        (status = 101, description = "Switching to the websocket; `IngestMsg` frames follow"),
        (status = 404, description = "No live run has this id and log", body = crate::problem::ErrorBody),
        (status = 409, description = "The run has finished", body = crate::problem::ErrorBody)))]
pub async fn ingest(
    State(s): State<AppState>,
    RunLog { id, log }: RunLog,
    producer: Producer,
    handshake: Handshake,
    _: crate::api::query::Query<crate::api::query::NoParams>,
) -> Result<Response, Problem> {
    let key = LogKey::new(id, log.as_str()).map_err(|e| Problem::bad_request(e.to_string()))?;
    let status = s
        .catalog
        .run_state(id)
        .await?
        .filter(|st| st.kind == RunKind::Task && log == LogName::Output)
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
    // A token writes only into the runs it created (runs from before
    // creators were recorded have none). The refusal is a close frame, which
    // a browser's websocket can read, unlike an HTTP status.
    let foreign = status
        .producer
        .as_ref()
        .is_some_and(|creator| *creator != producer.identity());
    let Handshake::Upgrade(ws) = handshake else {
        if foreign {
            return Err(Problem {
                status: StatusCode::FORBIDDEN,
                message: format!(
                    "run {id} was created with another producer token; this one may not write to it"
                ),
            });
        }
        let progress = s.live.store.progress(&key).await.map_err(|e| Problem {
            status: StatusCode::SERVICE_UNAVAILABLE,
            message: crate::problem::incident("reading the live store", &e),
        })?;
        let last_seq = progress.unwrap_or_default().last_seq;
        return Ok(Json(IngestMsg::Ready { last_seq }).into_response());
    };
    Ok(ws
        .max_message_size(crate::live::MAX_FRAME)
        .max_frame_size(crate::live::MAX_FRAME)
        .on_upgrade(move |mut socket| async move {
            if foreign {
                tracing::warn!(log = %key, "a producer token tried to write into a run another token created");
                let refusal = Refusal::new(
                    close::FORBIDDEN,
                    format!("run {} was created with another producer token; this one may not write to it", key.run()),
                );
                let _ = socket.send(Message::Close(Some(refusal.frame()))).await;
                return;
            }
            if let Err(reason) = session(&s, &key, &producer, socket).await {
                tracing::warn!(log = %key, "producer connection ended: {reason}");
            }
        }))
}

/// The server refusing to go on with a producer: the close code and the
/// reason sent in the close frame.
#[derive(Debug)]
pub struct Refusal {
    code: u16,
    reason: String,
}

impl Refusal {
    fn new(code: u16, reason: impl Into<String>) -> Refusal {
        Refusal {
            code,
            reason: reason.into(),
        }
    }

    fn frame(&self) -> CloseFrame {
        CloseFrame {
            code: self.code,
            reason: self.reason.chars().take(120).collect::<String>().into(),
        }
    }

    /// The live store failed: the producer reconnects and resends.
    fn store(e: impl std::fmt::Display) -> Refusal {
        Refusal::new(close::STORE_FAILED, e.to_string())
    }
}

/// Why a producer's connection ended before its `finish`.
#[derive(Debug, thiserror::Error)]
pub enum Ended {
    /// The server refused and closed with a code.
    #[error("closed with {}: {}", .0.code, .0.reason)]
    Refused(Refusal),
    /// Sending to the producer failed: it went away.
    #[error("send failed: {0}")]
    Send(#[from] axum::Error),
    /// The producer answered no ping for three periods: it is gone without
    /// saying so (it reconnects and resends if it is not).
    #[error("the producer answered no ping for {} s", 3 * PING.as_secs())]
    Silent,
}

/// How often a producer's connection is pinged, so that a quiet program's
/// connection is not idle and a vanished producer is noticed.
const PING: std::time::Duration = crate::api::live::viewer::PING;

impl From<Refusal> for Ended {
    fn from(r: Refusal) -> Ended {
        Ended::Refused(r)
    }
}

async fn send(socket: &mut WebSocket, msg: &IngestMsg) -> Result<(), Ended> {
    let text = serde_json::to_string(msg).expect("messages serialise");
    Ok(socket.send(Message::Text(text.into())).await?)
}

/// One producer connection: `ready`, then lines in and acks out, until
/// `finish` seals the log or the connection drops (the producer reconnects
/// and resends what was not acknowledged). A refusal is sent as the close
/// frame.
async fn session(
    s: &AppState,
    key: &LogKey,
    producer: &Producer,
    mut socket: WebSocket,
) -> Result<(), Ended> {
    let ended = converse(s, key, producer, &mut socket).await;
    if let Err(Ended::Refused(r)) = &ended {
        let _ = socket.send(Message::Close(Some(r.frame()))).await;
    }
    ended
}

/// The conversation of [`session`]: ready, then each message in turn,
/// with the token checked again and the run kept alive meanwhile.
async fn converse(
    s: &AppState,
    key: &LogKey,
    producer: &Producer,
    socket: &mut WebSocket,
) -> Result<(), Ended> {
    let progress = s.live.store.progress(key).await.map_err(Refusal::store)?;
    // A sealed log still says where it ends: a producer whose `sealed`
    // answer was lost sends `finish` again and gets it (appending more is
    // refused).
    let last_seq = progress.unwrap_or_default().last_seq;
    send(socket, &IngestMsg::Ready { last_seq }).await?;
    // While a producer is connected its run is alive, output or not.
    let mut heartbeat = tokio::time::interval(crate::reaper::period(s.live.silence));
    // A token revoked while its producer is connected ends the connection.
    let mut recheck = tokio::time::interval(TOKEN_RECHECK);
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + PING, PING);
    let mut heard = tokio::time::Instant::now();
    loop {
        let frame = tokio::select! {
            m = socket.recv() => {
                heard = tokio::time::Instant::now();
                m
            }
            _ = ping.tick() => {
                if heard.elapsed() > 3 * PING {
                    return Err(Ended::Silent);
                }
                socket.send(Message::Ping(Default::default())).await?;
                continue;
            }
            _ = recheck.tick() => {
                match producer.recheck(s).await {
                    Ok(()) | Err(AuthError::Unavailable(_)) => {}
                    Err(e) => {
                        let reason = format!("the producer token is no longer valid ({e})");
                        return Err(Refusal::new(close::UNAUTHORIZED, reason).into());
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
        match incoming(frame)? {
            Incoming::End => return Ok(()),
            Incoming::Nothing => {}
            Incoming::Message(ProducerMsg::Lines { lines }) => {
                let seq = store_lines(s, key, &lines).await?;
                send(socket, &IngestMsg::Ack { seq }).await?;
            }
            Incoming::Message(ProducerMsg::Finish {
                exit_code,
                last_seq,
            }) => {
                finish(s, key, exit_code, last_seq).await?;
                send(socket, &IngestMsg::Sealed { last_seq }).await?;
                let _ = socket.send(Message::Close(None)).await;
                return Ok(());
            }
        }
    }
}

/// What a frame from the producer means.
enum Incoming {
    Message(ProducerMsg),
    /// A ping or pong.
    Nothing,
    /// The producer closed, or the connection ended.
    End,
}

/// Reads a frame: a text frame must be a producer message.
fn incoming(frame: Option<Result<Message, axum::Error>>) -> Result<Incoming, Refusal> {
    let text = match frame {
        None | Some(Ok(Message::Close(_))) => return Ok(Incoming::End),
        Some(Ok(Message::Ping(_) | Message::Pong(_))) => return Ok(Incoming::Nothing),
        Some(Ok(Message::Text(t))) => t,
        Some(Ok(Message::Binary(_))) => {
            return Err(Refusal::new(
                close::BAD_MESSAGE,
                "binary frames are not part of the protocol",
            ));
        }
        // Oversized messages end up here too.
        Some(Err(e)) => {
            return Err(Refusal::new(
                close::TOO_BIG,
                format!("unreadable frame: {e}"),
            ));
        }
    };
    serde_json::from_str(text.as_str())
        .map(Incoming::Message)
        .map_err(|e| Refusal::new(close::BAD_MESSAGE, format!("not a producer message: {e}")))
}

/// Stores a batch of lines; returns the seq to acknowledge: the store's
/// last, also when the batch was behind or ahead of it (the producer then
/// resends from there).
async fn store_lines(s: &AppState, key: &LogKey, lines: &[Line]) -> Result<u64, Refusal> {
    // Line n of the archived log is seq n: a line is one line.
    if let Some(l) = lines.iter().find(|l| l.text.contains('\n')) {
        let reason = format!("line {} contains a newline; split it first", l.seq);
        return Err(Refusal::new(close::BAD_MESSAGE, reason));
    }
    match s.live.store.append(key, lines).await {
        Ok(a) => Ok(a.last_seq),
        Err(LiveError::Gap { expected, .. }) => Ok(expected - 1),
        Err(e @ LiveError::Unordered(_)) => Err(Refusal::new(close::BAD_MESSAGE, e.to_string())),
        Err(e @ LiveError::Sealed(_)) => Err(Refusal::new(close::SEALED, e.to_string())),
        Err(e) => {
            tracing::error!(log = %key, error = %e, "storing live lines failed");
            Err(Refusal::store(e))
        }
    }
}

/// Ends the run: checks every line up to `last_seq` is stored, records
/// the end in the catalog, seals the live log, and archives it in the
/// background.
async fn finish(
    s: &AppState,
    key: &LogKey,
    exit_code: Option<i32>,
    last_seq: u64,
) -> Result<(), Refusal> {
    let progress = s.live.store.progress(key).await.map_err(Refusal::store)?;
    let stored = progress.unwrap_or_default().last_seq;
    if stored != last_seq {
        let reason = format!(
            "finish at seq {last_seq}, but lines up to {stored} are stored; send the rest first"
        );
        return Err(Refusal::new(close::BAD_MESSAGE, reason));
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
        return Err(Refusal::store(
            "recording the end of the run failed; send finish again",
        ));
    }
    // Recorded first, so viewers told `sealed` find the exit code. Both
    // steps are idempotent: a repeated finish completes whatever a lost
    // connection left undone.
    s.live.store.seal(key).await.map_err(Refusal::store)?;
    tracing::info!(log = %key, lines = last_seq, ?exit_code, "live run finished");
    let state = s.clone();
    let run = key.run();
    tokio::spawn(async move {
        if let Err(e) = crate::archive::archive(&state, run, crate::archive::LINGER).await {
            // The reaper's sweep tries again.
            tracing::warn!(run, error = %e, "archiving a finished run failed");
        }
    });
    Ok(())
}

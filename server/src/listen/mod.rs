//! The accept loop: HTTP/1.1 and HTTP/2 with upgrades (websockets), every
//! connection held to [`Limits`], and a graceful stop that gives open
//! requests a bounded time to finish.
//!
//! What a client can hold open is bounded: a connection must send its
//! first byte, its header and each request body in time, is closed when
//! it has been idle (nothing moved, no request being handled) for a while,
//! and past [`Limits::max_connections`] new connections are answered 503
//! and closed at once, so the process never runs out of file descriptors
//! (`/healthz` keeps answering). Each request carries its client's address
//! (`ConnectInfo`), for limits kept per client.

mod activity;
mod body;
mod fds;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tower::ServiceExt;

pub use activity::{Activity, Closed, Tracked, Watchdog};
pub use body::BodyTooSlow;
pub use fds::{connections_that_fit, raise_open_files};

/// What one connection may take; see the README's limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// From accepting a connection to its first byte.
    pub first_byte: Duration,
    /// For a request's whole header, once it has begun.
    pub header: Duration,
    /// For a request's whole body.
    pub body: Duration,
    /// Nothing moved either way and no request being handled.
    pub idle: Duration,
    /// Connections open at once; more are refused with a 503.
    pub max_connections: usize,
}

/// Default of [`Limits::max_connections`].
pub const MAX_CONNECTIONS: usize = 10_000;

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            first_byte: Duration::from_secs(10),
            header: Duration::from_secs(10),
            body: Duration::from_secs(60),
            idle: Duration::from_secs(60),
            max_connections: MAX_CONNECTIONS,
        }
    }
}

/// Connection counts for `/metrics`.
#[derive(Debug, Default)]
pub struct ConnStats {
    /// Connections open now.
    pub open: AtomicU64,
    /// Connections accepted and served.
    pub accepted: AtomicU64,
    /// Connections refused because [`Limits::max_connections`] were open.
    pub refused: AtomicU64,
    /// Closed for sending no first byte in time.
    pub first_byte_timeouts: AtomicU64,
    /// Closed for idleness.
    pub idle_closed: AtomicU64,
    /// Request bodies cut off for arriving too slowly.
    pub slow_bodies: Arc<AtomicU64>,
}

/// Time open connections get to finish once a stop is asked for.
const DRAIN: Duration = Duration::from_secs(10);

/// A connection's place under [`Limits::max_connections`], held by its
/// socket (also after an upgrade) and given back when the socket closes.
#[derive(Debug, Default)]
pub struct Slot(Option<(tokio::sync::OwnedSemaphorePermit, Arc<ConnStats>)>);

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some((_, stats)) = &self.0 {
            stats.open.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// Serves `app` on `listener` with `limits` until `stop` completes,
/// counting into `stats`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    stop: impl Future<Output = ()>,
    limits: Limits,
    stats: Arc<ConnStats>,
) {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header);
    builder.http2().timer(TokioTimer::new());
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let refusing = Arc::new(Semaphore::new(REFUSING));
    let graceful = GracefulShutdown::new();
    let watchdog = Watchdog {
        first_byte: limits.first_byte,
        idle: limits.idle,
    };
    let mut last_refusal_logged: Option<std::time::Instant> = None;
    tokio::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait, go on.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            stats.refused.fetch_add(1, Ordering::Relaxed);
            if last_refusal_logged.is_none_or(|t| t.elapsed() > Duration::from_secs(10)) {
                last_refusal_logged = Some(std::time::Instant::now());
                tracing::warn!(
                    limit = limits.max_connections,
                    "refusing connections: the limit of open connections is reached"
                );
            }
            refuse(stream, limits.max_connections, &refusing);
            continue;
        };
        stats.accepted.fetch_add(1, Ordering::Relaxed);
        stats.open.fetch_add(1, Ordering::Relaxed);
        let slot = Slot(Some((slot, stats.clone())));
        let _ = stream.set_nodelay(true);
        let activity = Activity::new();
        let service = TowerToHyperService::new(per_connection(
            app.clone(),
            peer,
            activity.clone(),
            limits.body,
            stats.slow_bodies.clone(),
        ));
        let conn = builder
            .serve_connection_with_upgrades(
                TokioIo::new(Tracked::new(stream, activity.clone(), slot)),
                service,
            )
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn({
            let stats = stats.clone();
            async move {
                match watchdog.watch(activity).await {
                    Some(Closed::FirstByte) => {
                        stats.first_byte_timeouts.fetch_add(1, Ordering::Relaxed)
                    }
                    Some(Closed::Idle) => stats.idle_closed.fetch_add(1, Ordering::Relaxed),
                    None => 0,
                };
            }
        });
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after {DRAIN:?}; stopping anyway");
    }
}

/// Connections being refused at once; past this, refused connections are
/// closed without an answer.
const REFUSING: usize = 64;

/// Tells a connection over the cap why and closes it. The answer is sent
/// at once; what the client sent meanwhile is read for up to a second so
/// that closing does not reset the connection before the client reads the
/// answer.
fn refuse(stream: TcpStream, limit: usize, refusing: &Arc<Semaphore>) {
    let body = format!(
        "{{\"error\":\"too many open connections (the limit is {limit}); try again in a moment\"}}\n"
    );
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
         retry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.try_write(answer.as_bytes());
    let Ok(permit) = refusing.clone().try_acquire_owned() else {
        return;
    };
    tokio::spawn(async move {
        use tokio::io::AsyncReadExt;
        let mut stream = stream;
        let _ = tokio::io::AsyncWriteExt::shutdown(&mut stream).await;
        let mut sink = [0u8; 1024];
        let drain = async { while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {} };
        let _ = tokio::time::timeout(Duration::from_secs(1), drain).await;
        drop(permit);
    });
}

/// The router for one connection: each request carries the client's
/// address, counts as the connection being busy while it is handled, and
/// has its body held to `body_limit`.
fn per_connection(
    app: Router,
    peer: SocketAddr,
    activity: Arc<Activity>,
    body_limit: Duration,
    slow_bodies: Arc<AtomicU64>,
) -> impl tower::Service<
    axum::http::Request<hyper::body::Incoming>,
    Response = axum::response::Response,
    Error = std::convert::Infallible,
    Future = impl Future<Output = Result<axum::response::Response, std::convert::Infallible>> + Send,
> + Clone {
    tower::service_fn(move |req: axum::http::Request<hyper::body::Incoming>| {
        let app = app.clone();
        let busy = activity.busy();
        let slow_bodies = slow_bodies.clone();
        async move {
            let mut req =
                req.map(|b| axum::body::Body::new(body::Deadline::new(b, body_limit, slow_bodies)));
            req.extensions_mut().insert(ConnectInfo(peer));
            let res = app.oneshot(req).await;
            drop(busy);
            res
        }
    })
}

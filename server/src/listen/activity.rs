//! What a connection has done lately, and the watchdog that closes it when
//! it has done nothing for too long.
//!
//! [`Tracked`] wraps a connection's socket: every read or write that moves
//! a byte is recorded, and once the watchdog gives up on the connection
//! every read and write fails, waking whichever is pending. That ends the
//! connection wherever it is: in hyper (HTTP/1 or HTTP/2) or, after an
//! upgrade, in a websocket handler.
//!
//! The rules (see [`Watchdog`]): a connection that has not sent its first
//! byte within `first_byte` is closed; after that, one that moved no byte
//! for `idle` while no request of it was being handled is closed. A request
//! being handled (a slow page, a long search) is not idleness; a response
//! stuck because the client stopped reading is.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures::task::AtomicWaker;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Shared between a connection's socket, its requests and its watchdog.
#[derive(Debug)]
pub struct Activity {
    opened: Instant,
    /// Milliseconds from `opened` to the last byte moved.
    last_ms: AtomicU64,
    got_byte: AtomicBool,
    /// Requests of this connection being handled.
    busy: AtomicUsize,
    killed: AtomicBool,
    /// The socket was dropped: the connection is over.
    ended: AtomicBool,
    read_waker: AtomicWaker,
    write_waker: AtomicWaker,
}

/// Why the watchdog closed a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    /// No byte arrived in time after accepting.
    FirstByte,
    /// Nothing moved for too long with no request being handled.
    Idle,
}

impl Activity {
    /// A connection accepted now.
    pub fn new() -> Arc<Activity> {
        Arc::new(Activity {
            opened: Instant::now(),
            last_ms: AtomicU64::new(0),
            got_byte: AtomicBool::new(false),
            busy: AtomicUsize::new(0),
            killed: AtomicBool::new(false),
            ended: AtomicBool::new(false),
            read_waker: AtomicWaker::new(),
            write_waker: AtomicWaker::new(),
        })
    }

    fn now_ms(&self) -> u64 {
        self.opened.elapsed().as_millis() as u64
    }

    fn touch(&self) {
        self.last_ms.store(self.now_ms(), Ordering::Relaxed);
    }

    /// Marks a request as being handled until the guard is dropped.
    pub fn busy(self: &Arc<Activity>) -> Busy {
        self.busy.fetch_add(1, Ordering::Relaxed);
        Busy(self.clone())
    }

    /// Ends the connection: its pending and later reads and writes fail.
    fn kill(&self) {
        self.killed.store(true, Ordering::Release);
        self.read_waker.wake();
        self.write_waker.wake();
    }

    fn killed_error() -> io::Error {
        io::Error::new(io::ErrorKind::TimedOut, "the connection was idle too long")
    }
}

/// A request of a connection being handled (see [`Activity::busy`]).
#[derive(Debug)]
pub struct Busy(Arc<Activity>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.touch();
        self.0.busy.fetch_sub(1, Ordering::Relaxed);
    }
}

/// When to give up on a connection.
#[derive(Debug, Clone, Copy)]
pub struct Watchdog {
    /// From accepting to the first byte received.
    pub first_byte: Duration,
    /// With no byte moved either way and no request being handled.
    pub idle: Duration,
}

impl Watchdog {
    /// Watches `a` until its connection ends; `Some` when it closed it.
    pub async fn watch(self, a: Arc<Activity>) -> Option<Closed> {
        loop {
            if a.ended.load(Ordering::Acquire) {
                return None;
            }
            let now = a.now_ms();
            let (due, why) = if !a.got_byte.load(Ordering::Relaxed) {
                (self.first_byte.as_millis() as u64, Closed::FirstByte)
            } else if a.busy.load(Ordering::Relaxed) > 0 {
                (now + self.idle.as_millis() as u64, Closed::Idle)
            } else {
                let last = a.last_ms.load(Ordering::Relaxed);
                (last + self.idle.as_millis() as u64, Closed::Idle)
            };
            if now >= due {
                a.kill();
                return Some(why);
            }
            // Waiting for the first byte, look again after an idle period
            // at most: once it has come, the idle rule applies.
            let wait = (due - now).min(self.idle.as_millis() as u64);
            tokio::time::sleep(Duration::from_millis(wait)).await;
        }
    }
}

/// A socket whose traffic is recorded in an [`Activity`].
#[derive(Debug)]
pub struct Tracked<S> {
    inner: S,
    activity: Arc<Activity>,
    _slot: super::Slot,
}

impl<S> Tracked<S> {
    /// Wraps `inner`, which holds `slot` until it is dropped.
    pub fn new(inner: S, activity: Arc<Activity>, slot: super::Slot) -> Tracked<S> {
        Tracked {
            inner,
            activity,
            _slot: slot,
        }
    }
}

impl<S> Drop for Tracked<S> {
    fn drop(&mut self) {
        self.activity.ended.store(true, Ordering::Release);
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Tracked<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let a = self.activity.clone();
        if a.killed.load(Ordering::Acquire) {
            return Poll::Ready(Err(Activity::killed_error()));
        }
        a.read_waker.register(cx.waker());
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            a.got_byte.store(true, Ordering::Relaxed);
            a.touch();
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> Tracked<S> {
    /// A write through `write`, recorded when it moves a byte.
    fn write_with(
        &mut self,
        cx: &mut Context<'_>,
        write: impl FnOnce(Pin<&mut S>, &mut Context<'_>) -> Poll<io::Result<usize>>,
    ) -> Poll<io::Result<usize>> {
        let a = self.activity.clone();
        if a.killed.load(Ordering::Acquire) {
            return Poll::Ready(Err(Activity::killed_error()));
        }
        a.write_waker.register(cx.waker());
        let polled = write(Pin::new(&mut self.inner), cx);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            a.touch();
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tracked<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.write_with(cx, |inner, cx| inner.poll_write(cx, buf))
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.write_with(cx, |inner, cx| inner.poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    const DOG: Watchdog = Watchdog {
        first_byte: Duration::from_millis(200),
        idle: Duration::from_millis(300),
    };

    #[tokio::test]
    async fn a_silent_connection_is_closed_after_the_first_byte_limit() {
        let (server, _client) = tokio::io::duplex(64);
        let a = Activity::new();
        let mut io = Tracked::new(server, a.clone(), Default::default());
        let dog = tokio::spawn(DOG.watch(a));
        let mut buf = [0u8; 8];
        let err = io.read(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert_eq!(dog.await.unwrap(), Some(Closed::FirstByte));
    }

    #[tokio::test]
    async fn traffic_and_busy_requests_keep_a_connection_and_silence_ends_it() {
        let (server, mut client) = tokio::io::duplex(64);
        let a = Activity::new();
        let mut io = Tracked::new(server, a.clone(), Default::default());
        let dog = tokio::spawn(DOG.watch(a.clone()));
        let started = Instant::now();
        // Talk for longer than the idle limit.
        for _ in 0..5 {
            client.write_all(b"x").await.unwrap();
            let mut b = [0u8; 1];
            io.read_exact(&mut b).await.unwrap();
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // A request being handled for longer than the limit is not idle.
        let busy = a.busy();
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(!a.killed.load(Ordering::Relaxed));
        drop(busy);
        // Then silence: closed one idle period later.
        let mut b = [0u8; 1];
        assert!(io.read(&mut b).await.is_err());
        assert!(started.elapsed() >= Duration::from_millis(1300));
        assert_eq!(dog.await.unwrap(), Some(Closed::Idle));
        assert!(io.write(b"late").await.is_err(), "writes fail too");
    }

    #[tokio::test]
    async fn the_watchdog_stops_when_the_connection_ends() {
        let (server, _client) = tokio::io::duplex(64);
        let a = Activity::new();
        let io = Tracked::new(server, a.clone(), Default::default());
        drop(io);
        assert_eq!(DOG.watch(a).await, None);
    }
}

//! A request body that must arrive whole within a time limit, however it
//! trickles in: one sent a byte a second fails at the limit, and the
//! handler reading it answers an error instead of waiting on it.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};

/// The body took longer than its limit.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within {} s", .0.as_secs())]
pub struct BodyTooSlow(pub Duration);

/// `B` with a deadline for its last frame.
pub struct Deadline<B> {
    inner: Pin<Box<B>>,
    limit: Duration,
    deadline: Pin<Box<tokio::time::Sleep>>,
    /// Counts bodies cut off, for `/metrics`.
    cut: Arc<AtomicU64>,
}

impl<B> Deadline<B> {
    /// `inner`, which must end within `limit` from now.
    pub fn new(inner: B, limit: Duration, cut: Arc<AtomicU64>) -> Deadline<B> {
        Deadline {
            inner: Box::pin(inner),
            limit,
            deadline: Box::pin(tokio::time::sleep(limit)),
            cut,
        }
    }
}

impl<B> Body for Deadline<B>
where
    B: Body<Data = Bytes>,
    B::Error: Into<axum::BoxError>,
{
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Poll::Ready(frame) = self.inner.as_mut().poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        if self.inner.is_end_stream() {
            return Poll::Ready(None);
        }
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => {
                self.cut.fetch_add(1, Ordering::Relaxed);
                Poll::Ready(Some(Err(BodyTooSlow(self.limit).into())))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn a_trickling_body_fails_at_the_limit_and_a_prompt_one_passes() {
        let cut = Arc::new(AtomicU64::new(0));
        let whole = Deadline::new(
            http_body_util::Full::new(Bytes::from_static(b"abc")),
            Duration::from_millis(100),
            cut.clone(),
        );
        assert_eq!(&whole.collect().await.unwrap().to_bytes()[..], b"abc");

        let (mut tx, rx) =
            futures::channel::mpsc::channel::<Result<Frame<Bytes>, std::io::Error>>(1);
        let trickle = tokio::spawn(async move {
            use futures::SinkExt;
            for _ in 0..100 {
                if tx
                    .send(Ok(Frame::data(Bytes::from_static(b"x"))))
                    .await
                    .is_err()
                {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        });
        let slow = Deadline::new(
            http_body_util::StreamBody::new(rx),
            Duration::from_millis(150),
            cut.clone(),
        );
        let started = std::time::Instant::now();
        let Err(err) = slow.collect().await else {
            panic!("the trickle was not cut off")
        };
        assert!(err.to_string().contains("did not arrive within"), "{err}");
        assert!(started.elapsed() < Duration::from_millis(1000));
        assert_eq!(cut.load(Ordering::Relaxed), 1);
        trickle.abort();
    }
}

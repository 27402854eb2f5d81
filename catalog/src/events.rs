//! The event feed: what happened, in order, replayable from any sequence
//! number.

use model::{Event, Topic};
use sqlx::{Any, Row};

use crate::{Backend, Catalog, CatalogError};

/// Largest number of events returned at once.
pub const MAX_EVENTS: u32 = 1000;

/// Appends an event inside `tx`.
///
/// In PostgreSQL, sequence numbers are handed out before commit, so two
/// concurrent transactions could commit out of order and a reader could skip
/// one; an advisory lock held to commit makes seq order commit order.
pub(crate) async fn append_event(
    tx: &mut sqlx::Transaction<'_, Any>,
    backend: Backend,
    now_ms: i64,
    topic: &Topic,
) -> Result<(), CatalogError> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock(727374)")
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query("INSERT INTO events (time_ms, topic, payload) VALUES ($1, $2, $3)")
        .bind(now_ms)
        .bind(topic.name())
        .bind(topic.payload())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl Catalog {
    /// The seq of the newest event; 0 when there is none.
    pub async fn last_event_seq(&self) -> Result<i64, CatalogError> {
        let row = sqlx::query("SELECT MAX(seq) AS seq FROM events")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<Option<i64>, _>("seq")?.unwrap_or(0))
    }

    /// Up to `limit` events with seq greater than `after`, oldest first.
    pub async fn events_after(&self, after: i64, limit: u32) -> Result<Vec<Event>, CatalogError> {
        if limit == 0 || limit > MAX_EVENTS {
            return Err(CatalogError::BadRequest(format!(
                "limit must be between 1 and {MAX_EVENTS}, not {limit}"
            )));
        }
        let rows = sqlx::query(
            "SELECT seq, time_ms, topic, payload FROM events WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let name: String = r.try_get("topic")?;
                let payload: String = r.try_get("payload")?;
                let seq: i64 = r.try_get("seq")?;
                let topic = Topic::from_parts(&name, &payload)
                    .map_err(|e| CatalogError::Corrupt(format!("event {seq} ({name}): {e}")))?;
                Ok(Event {
                    seq,
                    time_ms: r.try_get("time_ms")?,
                    topic,
                })
            })
            .collect()
    }
}

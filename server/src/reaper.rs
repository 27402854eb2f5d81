//! Seals live runs whose producer went silent: no connection and no line for
//! [`Live::silence`](crate::live::Live::silence). Their status becomes `lost`; the
//! lines stored so far stay readable, and viewers get `sealed`. Every ended
//! run not yet archived (lost, or whose archiving a crash cut short) is
//! archived on the same round.

use std::time::Duration;

use model::RunStatus;

use crate::state::AppState;

/// How often to look for silent runs, for a given silence.
pub fn period(silence: Duration) -> Duration {
    (silence / 4).clamp(Duration::from_millis(200), Duration::from_secs(30))
}

/// Looks for silent runs forever (several processes may do so at once:
/// sealing and finishing are idempotent).
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let silence = state.live.silence;
        loop {
            tokio::time::sleep(period(silence)).await;
            if let Err(e) = reap(&state).await {
                tracing::warn!("looking for silent live runs failed: {e}");
            }
            if let Err(e) = crate::archive::sweep(&state).await {
                tracing::warn!("looking for finished runs to archive failed: {e}");
            }
        }
    })
}

/// Seals every live run not heard from within the silence; returns them.
pub async fn reap(state: &AppState) -> anyhow::Result<Vec<i64>> {
    let silence = i64::try_from(state.live.silence.as_millis()).unwrap_or(i64::MAX);
    let now = catalog::now_ms();
    let silent = state
        .catalog
        .silent_live_runs(now.saturating_sub(silence))
        .await?;
    for &id in &silent {
        let key = crate::live::output_key(id)?;
        // Recorded before sealing, so viewers told `sealed` find the status.
        let recorded = state
            .catalog
            .finish_task_run(id, RunStatus::Lost, None, now)
            .await?;
        let p = state.live.store.seal(&key).await?;
        if recorded {
            tracing::warn!(
                run = id,
                lines = p.last_seq,
                "live run went silent; sealed as lost"
            );
        }
    }
    Ok(silent)
}

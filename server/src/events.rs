//! The newest event seq, watched for every event-feed client of the
//! process by one task: clients read the catalog only when there is
//! something new for them.

use std::time::Duration;

/// How often the catalog is asked for its newest event.
pub const POLL: Duration = Duration::from_millis(250);

/// The newest event seq, watched by one task for every client of the
/// process; started by the first client.
#[derive(Default)]
pub struct EventHub {
    newest: std::sync::OnceLock<tokio::sync::watch::Receiver<i64>>,
}

impl EventHub {
    /// A receiver of the newest event seq.
    pub fn subscribe(&self, catalog: &catalog::Catalog) -> tokio::sync::watch::Receiver<i64> {
        self.newest
            .get_or_init(|| {
                let (tx, rx) = tokio::sync::watch::channel(0);
                let catalog = catalog.clone();
                tokio::spawn(async move {
                    loop {
                        // The hub keeps one receiver; ask only for clients.
                        if tx.receiver_count() <= 1 {
                            tokio::time::sleep(POLL).await;
                            continue;
                        }
                        match catalog.last_event_seq().await {
                            Ok(seq) => {
                                tx.send_if_modified(|v| std::mem::replace(v, seq) != seq);
                            }
                            Err(e) => tracing::warn!(error = %e, "event feed cannot read the catalog; retrying"),
                        }
                        tokio::time::sleep(POLL).await;
                    }
                });
                rx
            })
            .clone()
    }
}

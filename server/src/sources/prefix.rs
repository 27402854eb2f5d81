//! A prefix where inventory files land (`s3://bucket/inventory/`): listed
//! from the start on every poll while it holds at most [`SMALL`] files, so
//! a file is found on the next poll whatever its key (names need not sort
//! in upload order: per-host folders, random ids). A larger prefix is
//! listed from the last key the catalog recorded, and from the start every
//! [`FULL_EVERY`]th poll, which a file whose key sorts before one already
//! seen waits for. Each new file is claimed in the
//! catalog, read, imported and marked done; one that can never be imported
//! (too large, not an inventory) is marked done with its reason, one that
//! failed for a passing cause is let go for the next poll.

use std::sync::atomic::{AtomicUsize, Ordering};

use catalog::inventory;
use catalog::now_ms;
use logstore::{Limits, Listed, LogStores, StoreError, StoreSpec};

use super::{Context, Polled, SourceError};

/// Polls between two listings from the start of a large prefix.
pub const FULL_EVERY: u64 = 10;

/// Files a prefix may hold and still be listed from the start on every
/// poll: ten pages of a listing.
pub const SMALL: usize = 10 * PAGE;

/// Keys listed per page.
const PAGE: usize = 1000;

/// How long a claimed file is this server's: longer than the largest
/// import takes (after it, another server may import the file again, which
/// is harmless).
const CLAIM_MS: i64 = 10 * 60_000;

/// What a prefix source keeps: the store to list and read, and how many
/// files the last listing from the start found.
pub struct PrefixState {
    store: LogStores,
    listed: AtomicUsize,
}

impl PrefixState {
    /// The store of `spec`, reading files up to `limit` bytes.
    pub fn new(spec: StoreSpec, limit: usize) -> Result<PrefixState, StoreError> {
        let limits = Limits {
            max_bytes: limit as u64,
            read_deadline: std::time::Duration::from_secs(120),
            ..Limits::default()
        };
        Ok(PrefixState {
            store: LogStores::new(vec![spec], limits)?,
            listed: AtomicUsize::new(usize::MAX),
        })
    }

    /// Whether poll number `n` (from 0) of this server lists the prefix
    /// from the start.
    pub fn lists_all(&self, n: u64) -> bool {
        n.is_multiple_of(FULL_EVERY) || self.listed.load(Ordering::Relaxed) <= SMALL
    }

    /// Lists the prefix (from the start when `full`) and imports every file
    /// no server has imported.
    pub async fn poll(
        &self,
        ctx: &Context,
        name: &str,
        prefix: &str,
        full: bool,
    ) -> Result<Polled, SourceError> {
        let (_, cursor) = ctx.catalog.source(name).await?;
        let mut after = if full { None } else { cursor.clone() };
        let mut polled = Polled {
            cursor,
            ..Polled::default()
        };
        let mut listed = 0;
        loop {
            let page = self
                .store
                .list_after(prefix, after.as_deref(), PAGE)
                .await?;
            listed += page.len();
            let Some(last) = page.last() else { break };
            after = Some(last.location.clone());
            if polled.cursor.as_deref() < after.as_deref() {
                polled.cursor = after.clone();
            }
            let keys: Vec<String> = page.iter().map(|f| f.location.clone()).collect();
            let settled = ctx
                .catalog
                .settled_source_files(name, &keys, now_ms())
                .await?;
            for file in page.iter().filter(|f| !settled.contains(&f.location)) {
                if file.location.ends_with('/') || file.location.contains('\0') {
                    continue;
                }
                if !ctx
                    .catalog
                    .claim_source_file(name, &file.location, &ctx.owner, CLAIM_MS, now_ms())
                    .await?
                {
                    continue;
                }
                match self.import(ctx, file, &mut polled).await {
                    Ok((rows, skipped)) => {
                        ctx.catalog
                            .finish_source_file(
                                name,
                                &file.location,
                                &ctx.owner,
                                rows,
                                skipped,
                                now_ms(),
                            )
                            .await?;
                        polled.report.files += 1;
                        polled.report.lag_ms = Some((now_ms() - file.modified_ms).max(0));
                    }
                    Err(e) if permanent(&e) => {
                        tracing::warn!(source = name, file = %file.location, error = %e, "an inventory file cannot be imported; skipping it for good");
                        polled.problem = Some(e.to_string());
                        ctx.catalog
                            .finish_source_file(name, &file.location, &ctx.owner, 0, 0, now_ms())
                            .await?;
                    }
                    Err(e) => {
                        let gone = matches!(e, SourceError::Store(StoreError::NotFound(_)));
                        if let Err(c) = ctx
                            .catalog
                            .release_source_file(name, &file.location, &ctx.owner)
                            .await
                        {
                            tracing::warn!(source = name, error = %c, "cannot let go of a claimed file; another server takes it when the claim ends");
                        }
                        // Deleted since it was listed: nothing to import.
                        if !gone {
                            return Err(e);
                        }
                    }
                }
            }
            if page.len() < PAGE {
                break;
            }
        }
        if full {
            self.listed.store(listed, Ordering::Relaxed);
        }
        Ok(polled)
    }

    /// Reads and imports one file: its entries written and skipped.
    async fn import(
        &self,
        ctx: &Context,
        file: &Listed,
        polled: &mut Polled,
    ) -> Result<(i64, i64), SourceError> {
        let limit = ctx.limit as u64;
        if file.size > limit {
            return Err(SourceError::TooLarge {
                what: file.location.clone(),
                size: file.size,
                limit,
            });
        }
        let bytes = self.store.read(&file.location).await?;
        let parsed = inventory::parse(&bytes).map_err(|e| SourceError::Unreadable {
            what: file.location.clone(),
            reason: e.to_string(),
        })?;
        drop(bytes);
        let before = polled.report.rows;
        super::write(ctx, &parsed.rows, parsed.errors.len(), &mut polled.report).await?;
        if let Some(first) = parsed.errors.first() {
            polled.problem = Some(format!(
                "{}: {} entries skipped; the first: {first}",
                file.location,
                parsed.errors.len()
            ));
        }
        Ok((polled.report.rows - before, parsed.errors.len() as i64))
    }
}

/// Whether trying the file again cannot help.
fn permanent(e: &SourceError) -> bool {
    match e {
        SourceError::TooLarge { .. } | SourceError::Unreadable { .. } => true,
        SourceError::Store(s) => s.is_permanent() && !matches!(s, StoreError::NotFound(_)),
        // A write that stopped part way, or the catalog: try again.
        _ => false,
    }
}

//! Reads logs from the stores logdeck is configured to read, and from
//! nowhere else.
//!
//! A log's location is a URL (`s3://bucket/key`, `https://host/path`) or a
//! relative path in the local store. A location is served only when it lies
//! under one of the configured stores: same scheme, host and port, and a path
//! under the store's path at a segment boundary, with no `.`/`..` segments,
//! credentials, query or fragment. So a request can never make the server
//! fetch another URL, and a local path can never leave the store's folder.

mod http;
mod spec;

use std::ops::Range;
use std::path::Path as FsPath;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::stream::{BoxStream, StreamExt};
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt};

pub use spec::{StoreKind, StoreSpec};

/// Largest log read by default (logs rotate at 5 MB; this leaves room).
pub const DEFAULT_MAX_BYTES: u64 = 64 << 20;

/// Why a log could not be read.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No configured store covers the location.
    #[error("{0:?} is not in a configured log store")]
    NotAllowed(String),
    /// The location is malformed or tries to leave its store.
    #[error("invalid log location {location:?}: {reason}")]
    BadLocation {
        /// The location.
        location: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The store has no such object.
    #[error("log not found: {0}")]
    NotFound(String),
    /// The object is larger than the configured cap.
    #[error("log {location} is {size} bytes; the limit is {cap}")]
    TooLarge {
        /// The location.
        location: String,
        /// Its size.
        size: u64,
        /// The cap.
        cap: u64,
    },
    /// The requested byte range does not fit the object.
    #[error("range not satisfiable for {location} ({size} bytes)")]
    BadRange {
        /// The location.
        location: String,
        /// Its size.
        size: u64,
    },
    /// The store failed (network, timeout, permissions …).
    #[error("reading {location} failed: {source}")]
    Backend {
        /// The location.
        location: String,
        /// The store's error.
        source: object_store::Error,
    },
    /// Writing a local file to disk failed.
    #[error("writing {location} failed: {source}")]
    Write {
        /// The location.
        location: String,
        /// The file system's error.
        source: std::io::Error,
    },
    /// The store refused the read for good: a redirect (never followed), a
    /// 4xx, or an answer that does not fit the request.
    #[error("reading {location} failed: {reason}")]
    Refused {
        /// The location.
        location: String,
        /// What the store answered.
        reason: String,
    },
    /// The store could not be reached or failed (retried).
    #[error("reading {location} failed: {reason}")]
    Unavailable {
        /// The location.
        location: String,
        /// What went wrong.
        reason: String,
    },
    /// The read did not finish within the deadline.
    #[error("reading {location} took longer than {} s", after.as_secs_f64())]
    TimedOut {
        /// The location.
        location: String,
        /// The deadline.
        after: Duration,
    },
    /// A store in the configuration is unusable.
    #[error("log store {spec:?}: {reason}")]
    Config {
        /// The store as configured.
        spec: String,
        /// Why it cannot be used.
        reason: String,
    },
}

impl StoreError {
    /// Whether retrying cannot help (missing, forbidden, too large, malformed).
    pub fn is_permanent(&self) -> bool {
        match self {
            StoreError::Backend { source, .. } => matches!(
                source,
                object_store::Error::PermissionDenied { .. }
                    | object_store::Error::Unauthenticated { .. }
                    | object_store::Error::InvalidPath { .. }
            ),
            StoreError::Write { .. }
            | StoreError::Unavailable { .. }
            | StoreError::TimedOut { .. } => false,
            _ => true,
        }
    }

    fn backend(location: &str, source: object_store::Error) -> StoreError {
        match source {
            object_store::Error::NotFound { .. } => StoreError::NotFound(location.to_string()),
            source => StoreError::Backend {
                location: location.to_string(),
                source,
            },
        }
    }
}

/// Timeouts, retries and size cap for reading logs.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connection set-up, per attempt.
    pub connect_timeout: Duration,
    /// Whole request, per attempt.
    pub request_timeout: Duration,
    /// Retries of a failed request (5xx, connection errors).
    pub max_retries: usize,
    /// Largest object read.
    pub max_bytes: u64,
    /// The whole of one read from a remote store, retries and body
    /// included: a hanging or trickling origin is cut off here.
    pub read_deadline: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            max_retries: 3,
            max_bytes: DEFAULT_MAX_BYTES,
            read_deadline: Duration::from_secs(30),
        }
    }
}

/// One configured store.
struct Store {
    spec: StoreSpec,
    inner: Backend,
}

/// What reads a store's objects.
pub(crate) enum Backend {
    /// object_store's client (a folder, S3).
    Object(Arc<dyn ObjectStore>),
    /// Our own HTTP client, which follows no redirect.
    Http(http::HttpStore),
}

/// The stores logdeck may read from.
pub struct LogStores {
    stores: Vec<Store>,
    limits: Limits,
}

impl std::fmt::Debug for LogStores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.stores.iter().map(|s| s.spec.to_string()))
            .finish()
    }
}

/// A location resolved to a store and an object path in it.
#[derive(Debug)]
pub struct Resolved {
    store: usize,
    /// The object's path inside its store.
    pub path: Path,
    /// The same, as the location wrote it after the store's prefix.
    raw: String,
}

/// An object a listing found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// Its location, as a log or inventory names it.
    pub location: String,
    /// Its size in bytes.
    pub size: u64,
    /// When it was last written, in ms since the Unix epoch.
    pub modified_ms: i64,
}

/// An open log: its size and a stream of the requested bytes.
pub struct LogRead {
    /// Size of the whole object.
    pub size: u64,
    /// The bytes this read returns.
    pub range: Range<u64>,
    /// The bytes, in order.
    pub stream: BoxStream<'static, Result<Bytes, StoreError>>,
}

impl LogStores {
    /// Opens the configured stores. A local folder must exist.
    pub fn new(specs: Vec<StoreSpec>, limits: Limits) -> Result<LogStores, StoreError> {
        let stores = specs
            .into_iter()
            .map(|spec| {
                let inner = spec.open(&limits)?;
                Ok(Store { spec, inner })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(LogStores { stores, limits })
    }

    /// Just a local folder.
    pub fn local(dir: &FsPath) -> Result<LogStores, StoreError> {
        LogStores::new(vec![StoreSpec::local(dir)], Limits::default())
    }

    /// The stores, as configured.
    pub fn specs(&self) -> impl Iterator<Item = &StoreSpec> {
        self.stores.iter().map(|s| &s.spec)
    }

    /// The limits reads obey.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Finds the store covering `location` and the object's path in it.
    pub fn resolve(&self, location: &str) -> Result<Resolved, StoreError> {
        let mut first_err = None;
        for (i, store) in self.stores.iter().enumerate() {
            match store.spec.relative(location) {
                Ok(Some(r)) => {
                    return Ok(Resolved {
                        store: i,
                        path: r.path,
                        raw: r.raw,
                    });
                }
                Ok(None) => {}
                Err(reason) => {
                    first_err.get_or_insert(StoreError::BadLocation {
                        location: location.to_string(),
                        reason,
                    });
                }
            }
        }
        Err(first_err.unwrap_or_else(|| StoreError::NotAllowed(location.to_string())))
    }

    /// Opens `location` for reading, the whole object or `range` of it.
    /// The whole of an object over the size cap is refused (it is the cap
    /// on what is read into memory at once); a range of one is not. A
    /// remote store's read, body included, ends with
    /// [`StoreError::TimedOut`] at the deadline.
    pub async fn open(
        &self,
        location: &str,
        range: Option<Range<u64>>,
    ) -> Result<LogRead, StoreError> {
        self.open_with(location, range, true).await
    }

    /// Opens all of `location` whatever its size, for a reader that holds
    /// only a chunk at a time. A remote store's read still ends at the
    /// deadline: a paged reader opens ranges instead.
    pub async fn open_streaming(&self, location: &str) -> Result<LogRead, StoreError> {
        self.open_with(location, None, false).await
    }

    async fn open_with(
        &self,
        location: &str,
        range: Option<Range<u64>>,
        capped: bool,
    ) -> Result<LogRead, StoreError> {
        let resolved = self.resolve(location)?;
        let store = &self.stores[resolved.store];
        let deadline = match store.spec.kind() {
            StoreKind::Local(dir) => {
                stays_inside(dir, &resolved.path, location).await?;
                None
            }
            _ => Some(tokio::time::Instant::now() + self.limits.read_deadline),
        };
        let timed_out = || StoreError::TimedOut {
            location: location.to_string(),
            after: self.limits.read_deadline,
        };
        let opened = self.open_in(&store.inner, &resolved, location, range, capped);
        let read = match deadline {
            None => opened.await?,
            Some(at) => tokio::time::timeout_at(at, opened)
                .await
                .map_err(|_| timed_out())??,
        };
        let Some(at) = deadline else {
            return Ok(read);
        };
        let err = timed_out();
        let stream = futures::stream::unfold(
            (read.stream, Some(err)),
            move |(mut stream, err)| async move {
                let err = err?;
                match tokio::time::timeout_at(at, stream.next()).await {
                    Ok(Some(item)) => Some((item, (stream, Some(err)))),
                    Ok(None) => None,
                    Err(_) => Some((Err(err), (stream, None))),
                }
            },
        )
        .boxed();
        Ok(LogRead { stream, ..read })
    }

    async fn open_in(
        &self,
        store: &Backend,
        resolved: &Resolved,
        location: &str,
        range: Option<Range<u64>>,
        capped: bool,
    ) -> Result<LogRead, StoreError> {
        let size = match store {
            Backend::Object(store) => {
                store
                    .head(&resolved.path)
                    .await
                    .map_err(|e| StoreError::backend(location, e))?
                    .size
            }
            Backend::Http(http) => http.size(location, &resolved.raw).await?,
        };
        if capped && range.is_none() && size > self.limits.max_bytes {
            return Err(StoreError::TooLarge {
                location: location.to_string(),
                size,
                cap: self.limits.max_bytes,
            });
        }
        let range = match range {
            None => 0..size,
            Some(r) if r.start < r.end && r.start < size => r.start..r.end.min(size),
            Some(r) if r.start == r.end && r.start <= size => r,
            Some(_) => {
                return Err(StoreError::BadRange {
                    location: location.to_string(),
                    size,
                });
            }
        };
        if range.is_empty() {
            return Ok(LogRead {
                size,
                range,
                stream: futures::stream::empty().boxed(),
            });
        }
        let body = match store {
            Backend::Object(store) => {
                let options = GetOptions {
                    range: (range != (0..size)).then(|| GetRange::Bounded(range.clone())),
                    ..GetOptions::default()
                };
                let owned = location.to_string();
                store
                    .get_opts(&resolved.path, options)
                    .await
                    .map_err(|e| StoreError::backend(location, e))?
                    .into_stream()
                    .map(move |c| c.map_err(|e| StoreError::backend(&owned, e)))
                    .boxed()
            }
            Backend::Http(http) => {
                http.get(location, &resolved.raw, range.clone(), size)
                    .await?
            }
        };
        // The object may have changed since its size was read: never pass
        // on more than was announced.
        let mut left = range.end - range.start;
        let stream = body
            .filter(|c| futures::future::ready(!matches!(c, Ok(b) if b.is_empty())))
            .map(move |chunk| {
                let mut chunk = chunk?;
                if chunk.len() as u64 > left {
                    chunk.truncate(left as usize);
                }
                left -= chunk.len() as u64;
                Ok(chunk)
            })
            .take_while(|c| futures::future::ready(!matches!(c, Ok(b) if b.is_empty())))
            .boxed();
        Ok(LogRead {
            size,
            range,
            stream,
        })
    }

    /// Writes `bytes` as the object at `location` (replacing it), in the
    /// store that covers it.
    pub async fn put(&self, location: &str, bytes: Bytes) -> Result<(), StoreError> {
        let resolved = self.resolve(location)?;
        let Backend::Object(store) = &self.stores[resolved.store].inner else {
            return Err(StoreError::Refused {
                location: location.to_string(),
                reason: "an HTTP store is read-only".into(),
            });
        };
        store
            .put(&resolved.path, bytes.into())
            .await
            .map_err(|e| StoreError::backend(location, e))?;
        // A local folder's file must be on disk before its source is let go.
        if let StoreKind::Local(dir) = self.stores[resolved.store].spec.kind() {
            let file = dir.join(resolved.path.as_ref());
            let synced = tokio::task::spawn_blocking(move || {
                std::fs::File::open(&file)?.sync_all()?;
                match file.parent() {
                    Some(p) => std::fs::File::open(p)?.sync_all(),
                    None => Ok(()),
                }
            })
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e)));
            synced.map_err(|source| StoreError::Write {
                location: location.to_string(),
                source,
            })?;
        }
        Ok(())
    }

    /// Up to `limit` objects under the folder `prefix` (a location ending
    /// in `/`) whose paths sort after `after` (a location an earlier listing
    /// returned), in path order: a prefix where files keep arriving is read
    /// a page at a time, from where the last listing stopped. Only S3 and
    /// local stores can be listed.
    pub async fn list_after(
        &self,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Listed>, StoreError> {
        let bad = |reason: String| StoreError::BadLocation {
            location: prefix.to_string(),
            reason,
        };
        let mut found = None;
        for store in &self.stores {
            if let Some(path) = store.spec.folder(prefix).map_err(bad)? {
                found = Some((store, path));
                break;
            }
        }
        let Some((store, dir)) = found else {
            return Err(StoreError::NotAllowed(prefix.to_string()));
        };
        let Backend::Object(object) = &store.inner else {
            return Err(StoreError::Refused {
                location: prefix.to_string(),
                reason: "an HTTP store cannot be listed".into(),
            });
        };
        let offset = match after {
            Some(a) => Some(
                store
                    .spec
                    .relative(a)
                    .map_err(bad)?
                    .ok_or_else(|| StoreError::NotAllowed(a.to_string()))?
                    .path,
            ),
            None => None,
        };
        let dir = (!dir.as_ref().is_empty()).then_some(dir);
        let mut listing = match &offset {
            Some(o) => object.list_with_offset(dir.as_ref(), o),
            None => object.list(dir.as_ref()),
        };
        let mut out = Vec::new();
        let deadline = tokio::time::Instant::now() + self.limits.read_deadline;
        // S3 lists in path order, a page at a time: the first `limit` are
        // the ones wanted. A local folder's listing comes in no order.
        let sorted = !matches!(store.spec.kind(), StoreKind::Local(_));
        while !sorted || out.len() < limit {
            let next = tokio::time::timeout_at(deadline, listing.next())
                .await
                .map_err(|_| StoreError::TimedOut {
                    location: prefix.to_string(),
                    after: self.limits.read_deadline,
                })?;
            let Some(meta) = next else { break };
            let meta = meta.map_err(|e| StoreError::backend(prefix, e))?;
            out.push(Listed {
                location: store.spec.location_of(&meta.location),
                size: meta.size,
                modified_ms: meta.last_modified.timestamp_millis(),
            });
        }
        out.sort_by(|a, b| a.location.cmp(&b.location));
        out.truncate(limit);
        Ok(out)
    }

    /// Reads a whole log into memory.
    pub async fn read(&self, location: &str) -> Result<Bytes, StoreError> {
        let mut read = self.open(location, None).await?;
        let mut out = Vec::with_capacity(read.size as usize);
        while let Some(chunk) = read.stream.next().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(out.into())
    }
}

/// Refuses a local path whose file, once every link on the way is followed,
/// is not inside `dir`: the location's text is checked when it is resolved,
/// but a link under the folder may still point out of it. A path that does
/// not exist is left to the read (a clear "not found").
async fn stays_inside(dir: &FsPath, path: &Path, location: &str) -> Result<(), StoreError> {
    // The file the local store would open, as it maps the path (decoded).
    let target = object_store::local::LocalFileSystem::new_with_prefix(dir)
        .and_then(|fs| fs.path_to_filesystem(path))
        .map_err(|e| StoreError::BadLocation {
            location: location.to_string(),
            reason: e.to_string(),
        })?;
    let (root, real) = match tokio::join!(
        tokio::fs::canonicalize(dir),
        tokio::fs::canonicalize(&target)
    ) {
        (Ok(root), Ok(real)) => (root, real),
        (_, Err(e)) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        (Err(e), _) | (_, Err(e)) => {
            return Err(StoreError::BadLocation {
                location: location.to_string(),
                reason: format!("cannot resolve it in the store: {e}"),
            });
        }
    };
    if real.starts_with(&root) {
        Ok(())
    } else {
        Err(StoreError::BadLocation {
            location: location.to_string(),
            reason: "a link leads out of the store".into(),
        })
    }
}

//! `logdeck bench` (the catalog at a million runs, search, import, indexing
//! and a large log's series), `logdeck bench-live` (live streaming on
//! loopback) and `logdeck bench-sources` (new sessions from an S3 prefix),
//! measured against the real parts and printed as tables.

pub mod catalog;
pub mod live;
pub mod sources;
pub mod summary;

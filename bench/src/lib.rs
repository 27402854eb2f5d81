//! `logdeck bench` (the catalog at a million runs, search, import, indexing
//! and a large log's series) and `logdeck bench-live` (live streaming on
//! loopback), measured against the real parts and printed as tables.

pub mod catalog;
pub mod live;

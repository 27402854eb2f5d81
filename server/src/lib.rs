//! The logdeck HTTP server: the JSON API, the rendered page, the event feed,
//! indexing workers, and live ingest and viewing.
//!
//! [`routes::router`] builds the whole HTTP application from a
//! [`state::AppState`], so tests drive it without a socket. The `logdeck`
//! binary (crate `logdeck`) runs it; the clients and benchmarks are crates
//! of their own.

#![recursion_limit = "512"]

pub mod api;
pub mod archive;
pub mod assets;
pub mod auth;
pub mod edge;
pub mod events;
pub mod import;
pub mod indexer;
pub mod listen;
pub mod live;
pub mod logcache;
pub mod metrics;
pub mod page_data;
pub mod population;
pub mod problem;
pub mod reaper;
pub mod routes;
pub mod site;
pub mod sources;
pub mod state;
pub mod storage;

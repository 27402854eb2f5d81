//! The logdeck server and command-line tools.
//!
//! [`routes::router`] builds the whole HTTP application from a [`state::AppState`],
//! so tests drive it without a socket; [`cmd`] holds one module per subcommand.

#![recursion_limit = "512"]

pub mod api;
pub mod cli;
pub mod cmd;
pub mod edge;
pub mod events;
pub mod import;
pub mod indexer;
pub mod listen;
pub mod live;
pub mod logcache;
pub mod metrics;
pub mod producer;
pub mod routes;
pub mod site;
pub mod source;
pub mod state;
pub mod storage;

//! The logdeck server and command-line tools.
//!
//! [`routes::router`] builds the whole HTTP application from a [`state::AppState`],
//! so tests drive it without a socket; [`cmd`] holds one module per subcommand.

pub mod catalog;
pub mod cli;
pub mod cmd;
pub mod routes;
pub mod site;
pub mod state;

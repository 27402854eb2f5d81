//! logdeck's user interface: the Leptos components, the URL's view state,
//! and the browser's side of the API (the types it speaks are in `model`).
//!
//! Built with the `ssr` feature into the server (which renders the page) and
//! with `hydrate` into the wasm bundle (which makes it interactive).

#![recursion_limit = "512"]

pub mod api;
pub mod client;
pub mod stream;
pub mod view;

mod components;

pub use components::App;

#[cfg(feature = "ssr")]
pub use components::shell;

/// Draws `n` synthetic points `reps` times with the chart code and returns
/// the mean milliseconds per draw (the browser's chart benchmark).
#[cfg(feature = "hydrate")]
pub use components::chart::draw::bench as bench_chart;

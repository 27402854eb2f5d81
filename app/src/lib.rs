//! logdeck's user interface (Leptos components) and the types the server and
//! the browser share.
//!
//! Built with the `ssr` feature into the server (which renders the page) and
//! with `hydrate` into the wasm bundle (which makes it interactive).

#![recursion_limit = "256"]

pub mod api;
pub mod model;

mod components;

pub use components::App;

#[cfg(feature = "ssr")]
pub use components::shell;

//! What the router tests share.

pub mod openapi;

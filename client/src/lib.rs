//! logdeck's clients of a running server: the producer (`logdeck run`
//! streams a program's output, `logdeck replay` a session log) and the
//! consumer (`logdeck tail`). They speak the live protocol of
//! `model::live` over websockets.

pub mod producer;
pub mod replay;
pub mod run;
pub mod tail;
pub mod terminal;

//! Data shared by server and browser.

use serde::{Deserialize, Serialize};

/// One connection of a streaming session, as listed in the inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connection {
    /// Unique connection id.
    pub id: u64,
    /// The user, when the inventory names one.
    pub username: Option<String>,
    /// IP address of the server VM.
    pub ip: String,
    /// When the logs were received, as the inventory writes it.
    pub last_updated: String,
    /// Build id of the streaming protocol.
    pub version: Option<String>,
    /// Location of the client log, or `None` when there is none.
    pub client_log: Option<String>,
    /// Location of the server log, or `None` when there is none.
    pub server_log: Option<String>,
}

/// Totals over the whole inventory.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Number of connections.
    pub connections: u64,
    /// Connections with a client log.
    pub client_logs: u64,
    /// Connections with a server log.
    pub server_logs: u64,
    /// Distinct usernames.
    pub users: u64,
}

/// A page of connections, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionPage {
    /// The rows of this page.
    pub rows: Vec<Connection>,
    /// Pass as `after` to get the next page; `None` on the last page.
    pub next: Option<u64>,
}

/// Largest page the server returns.
pub const MAX_PAGE: u32 = 500;

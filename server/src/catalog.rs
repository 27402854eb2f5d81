//! The connection catalog: the inventory held in memory, newest first.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use app::api::Catalog;
use app::model::{Connection, ConnectionPage, Totals};
use serde::Deserialize;

/// Problems reading an inventory.
#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    /// The file could not be read.
    #[error("cannot read inventory {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a JSON array of inventory entries.
    #[error("inventory {path} is not a JSON array of entries: {source}")]
    Format {
        /// The file.
        path: String,
        /// Why.
        source: serde_json::Error,
    },
}

/// One inventory entry as written in `inventory.json` (fields of `LOG_FORMAT.md`).
#[derive(Debug, Clone, Deserialize)]
pub struct InventoryRow {
    /// Unique connection id.
    pub connection_id: u64,
    /// User, if known.
    #[serde(default)]
    pub username: Option<String>,
    /// Server VM address.
    #[serde(default)]
    pub ip: String,
    /// `MM/DD/YYYY, HH:MM`.
    #[serde(default)]
    pub last_updated: String,
    /// Protocol build id.
    #[serde(default)]
    pub version: Option<String>,
    /// Client log location.
    #[serde(default)]
    pub client_logs: Option<String>,
    /// Server log location.
    #[serde(default)]
    pub server_logs: Option<String>,
}

impl From<InventoryRow> for Connection {
    fn from(r: InventoryRow) -> Self {
        let blank_to_none = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
        Connection {
            id: r.connection_id,
            username: blank_to_none(r.username),
            ip: r.ip,
            last_updated: r.last_updated,
            version: blank_to_none(r.version),
            client_log: blank_to_none(r.client_logs),
            server_log: blank_to_none(r.server_logs),
        }
    }
}

/// All connections in inventory order (newest first), with an index by id
/// for cursor pagination.
pub struct MemoryCatalog {
    rows: Vec<Connection>,
    position: HashMap<u64, usize>,
    totals: Totals,
}

impl MemoryCatalog {
    /// Builds the catalog; a repeated connection id keeps its first entry.
    pub fn new(rows: impl IntoIterator<Item = Connection>) -> Self {
        let mut position = HashMap::new();
        let mut kept = Vec::new();
        for row in rows {
            if let std::collections::hash_map::Entry::Vacant(e) = position.entry(row.id) {
                e.insert(kept.len());
                kept.push(row);
            }
        }
        let users: HashSet<&str> = kept.iter().filter_map(|c| c.username.as_deref()).collect();
        let totals = Totals {
            connections: kept.len() as u64,
            client_logs: kept.iter().filter(|c| c.client_log.is_some()).count() as u64,
            server_logs: kept.iter().filter(|c| c.server_log.is_some()).count() as u64,
            users: users.len() as u64,
        };
        MemoryCatalog {
            rows: kept,
            position,
            totals,
        }
    }

    /// Reads `inventory.json` (a JSON array of entries).
    pub fn load(path: &Path) -> Result<Self, InventoryError> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| InventoryError::Read {
            path: shown.clone(),
            source,
        })?;
        let rows: Vec<InventoryRow> =
            serde_json::from_slice(&bytes).map_err(|source| InventoryError::Format {
                path: shown,
                source,
            })?;
        Ok(Self::new(rows.into_iter().map(Connection::from)))
    }
}

impl Catalog for MemoryCatalog {
    fn totals(&self) -> Totals {
        self.totals
    }

    fn page(&self, after: Option<u64>, limit: usize) -> ConnectionPage {
        let start = match after {
            None => 0,
            // An unknown cursor yields an empty last page rather than restarting.
            Some(id) => self.position.get(&id).map_or(self.rows.len(), |p| p + 1),
        };
        let end = (start + limit).min(self.rows.len());
        let rows = self.rows[start..end].to_vec();
        let next = (end < self.rows.len())
            .then(|| rows.last().map(|c| c.id))
            .flatten();
        ConnectionPage { rows, next }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn(id: u64, user: Option<&str>) -> Connection {
        Connection {
            id,
            username: user.map(Into::into),
            ip: "1.2.3.4".into(),
            last_updated: "06/30/2020, 21:02".into(),
            version: None,
            client_log: None,
            server_log: Some(format!("server{id}.txt")),
        }
    }

    #[test]
    fn pages_follow_the_cursor_to_the_end() {
        let cat = MemoryCatalog::new(
            (0..7)
                .rev()
                .map(|i| conn(i, Some(["a", "b"][i as usize % 2]))),
        );
        let p1 = cat.page(None, 3);
        assert_eq!(p1.rows.iter().map(|c| c.id).collect::<Vec<_>>(), [6, 5, 4]);
        let p2 = cat.page(p1.next, 3);
        assert_eq!(p2.rows.iter().map(|c| c.id).collect::<Vec<_>>(), [3, 2, 1]);
        let p3 = cat.page(p2.next, 3);
        assert_eq!(p3.rows.iter().map(|c| c.id).collect::<Vec<_>>(), [0]);
        assert_eq!(p3.next, None);
        assert!(cat.page(Some(999), 3).rows.is_empty());
        assert_eq!(cat.totals().users, 2);
        assert_eq!(cat.totals().server_logs, 7);
    }

    #[test]
    fn duplicate_ids_keep_the_first() {
        let cat = MemoryCatalog::new([conn(1, Some("x")), conn(1, Some("y"))]);
        assert_eq!(cat.totals().connections, 1);
        assert_eq!(cat.page(None, 5).rows[0].username.as_deref(), Some("x"));
    }
}

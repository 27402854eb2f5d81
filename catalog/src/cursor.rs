//! Keyset cursors: the sort key and id of the last row of a page, as text.

use model::Sort;

/// A cursor that cannot be used with this request.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CursorError {
    /// Not something this server wrote.
    #[error("invalid cursor {0:?}: pass back the `next` value of the previous page")]
    Malformed(String),
    /// Written for another sort order.
    #[error("cursor {cursor:?} belongs to sort {found:?}, not {wanted:?}")]
    WrongSort {
        /// The cursor.
        cursor: String,
        /// The order it was written for.
        found: String,
        /// The order asked for.
        wanted: String,
    },
}

/// The position after which the next page starts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Cursor {
    /// Sort key of the last row: `updated_at` or a percentage / latency.
    pub key: Key,
    /// Id of the last row (ties on the key are broken by id).
    pub id: i64,
}

/// A sort key value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Key {
    Int(i64),
    Real(f64),
}

/// Whether `sort` orders by an integer key.
fn integer_key(sort: Sort) -> bool {
    matches!(sort, Sort::Newest | Sort::Oldest)
}

impl Cursor {
    /// `sort~key~id`.
    pub fn encode(&self, sort: Sort) -> String {
        match self.key {
            Key::Int(k) => format!("{}~{k}~{}", sort.as_str(), self.id),
            // `{:?}` prints the shortest text that reads back to the same f64.
            Key::Real(k) => format!("{}~{k:?}~{}", sort.as_str(), self.id),
        }
    }

    /// Reads a cursor written by [`Cursor::encode`] for `sort`.
    pub fn decode(text: &str, sort: Sort) -> Result<Cursor, CursorError> {
        let malformed = || CursorError::Malformed(text.to_string());
        let mut parts = text.split('~');
        let (Some(s), Some(key), Some(id), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(malformed());
        };
        let found: Sort = s.parse().map_err(|_| malformed())?;
        if found != sort {
            return Err(CursorError::WrongSort {
                cursor: text.to_string(),
                found: found.as_str().into(),
                wanted: sort.as_str().into(),
            });
        }
        let id = id.parse::<i64>().map_err(|_| malformed())?;
        let key = if integer_key(sort) {
            Key::Int(key.parse().map_err(|_| malformed())?)
        } else {
            let k: f64 = key.parse().map_err(|_| malformed())?;
            if !k.is_finite() {
                return Err(malformed());
            }
            Key::Real(k)
        };
        Ok(Cursor { key, id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for (sort, key) in [
            (Sort::Newest, Key::Int(1_593_550_920)),
            (Sort::Oldest, Key::Int(0)),
            (Sort::Errors, Key::Real(0.1 + 0.2)),
            (Sort::LatencyP95, Key::Real(-1.0)),
        ] {
            let c = Cursor { key, id: 42 };
            assert_eq!(Cursor::decode(&c.encode(sort), sort), Ok(c));
        }
    }

    #[test]
    fn rejects_foreign_text() {
        for bad in [
            "",
            "x",
            "newest~1",
            "newest~a~1",
            "newest~1~2~3",
            "errors~NaN~1",
            "bogus~1~1",
        ] {
            assert!(
                matches!(
                    Cursor::decode(bad, Sort::Newest).unwrap_err(),
                    CursorError::Malformed(_) | CursorError::WrongSort { .. }
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            Cursor::decode("errors~1.5~3", Sort::Newest),
            Err(CursorError::WrongSort { .. })
        ));
    }
}

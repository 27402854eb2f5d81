//! Reading an inventory: a JSON array, JSON Lines, or CSV, each entry with
//! the fields described in `docs/formats.md`. A bad entry is reported with
//! its line number and skipped; the others are kept.

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::time::parse_last_updated;

/// One valid inventory entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InventoryRow {
    /// Unique connection id (positive).
    pub connection_id: i64,
    /// User, if known.
    pub username: Option<String>,
    /// Server VM address.
    pub ip: String,
    /// As written in the inventory.
    pub last_updated: String,
    /// `last_updated` in seconds since the Unix epoch; 0 when unreadable.
    pub updated_at: i64,
    /// Protocol build id.
    pub version: Option<String>,
    /// Client log location.
    pub client_logs: Option<String>,
    /// Server log location.
    pub server_logs: Option<String>,
}

/// An entry that was skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// 1-based line where the entry starts.
    pub line: u64,
    /// What is wrong with it.
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// The file as a whole cannot be read as an inventory.
#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    /// A JSON array that is not valid JSON: no entry can be trusted.
    #[error("not a valid JSON array: {0}")]
    Json(serde_json::Error),
    /// A JSON document that is not UTF-8.
    #[error("JSON inventory is not valid UTF-8 (byte {0})")]
    Utf8(usize),
    /// A CSV file without the required `connection_id` column.
    #[error("CSV inventory has no connection_id column (header: {0})")]
    CsvHeader(String),
    /// The CSV reader failed outright.
    #[error("cannot read CSV: {0}")]
    Csv(#[from] csv::Error),
}

/// The three layouts an inventory may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `[ {…}, {…} ]`
    JsonArray,
    /// One JSON object per line.
    JsonLines,
    /// A header line naming the fields, then one entry per line.
    Csv,
}

impl Format {
    /// Guesses the layout from the first non-blank byte: `[` is a JSON array,
    /// `{` JSON Lines, anything else CSV.
    pub fn detect(bytes: &[u8]) -> Format {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'[') => Format::JsonArray,
            Some(b'{') => Format::JsonLines,
            _ => Format::Csv,
        }
    }
}

/// Entries read, and entries skipped with reasons.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Valid entries, in file order.
    pub rows: Vec<InventoryRow>,
    /// Skipped entries.
    pub errors: Vec<RowError>,
}

/// Reads an inventory in any of the three layouts; an empty one (or only
/// white space) has no entries.
pub fn parse(bytes: &[u8]) -> Result<Parsed, InventoryError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // Nothing at all (an inventory with no entries yet) has no layout.
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Parsed::default());
    }
    let read = match Format::detect(bytes) {
        Format::JsonArray => parse_json_array(bytes)?,
        Format::JsonLines => parse_json_lines(bytes),
        Format::Csv => parse_csv(bytes)?,
    };
    Ok(read.dedup())
}

/// Entries with their line numbers, before duplicates are dropped.
#[derive(Default)]
struct Read {
    rows: Vec<(u64, InventoryRow)>,
    errors: Vec<RowError>,
}

impl Read {
    fn push(&mut self, line: u64, row: Result<InventoryRow, String>) {
        match row {
            Ok(row) => self.rows.push((line, row)),
            Err(message) => self.errors.push(RowError { line, message }),
        }
    }

    /// Keeps the first entry of each connection id; later ones are reported.
    fn dedup(mut self) -> Parsed {
        let mut first = std::collections::HashMap::with_capacity(self.rows.len());
        let mut rows = Vec::with_capacity(self.rows.len());
        for (line, row) in self.rows {
            match first.entry(row.connection_id) {
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(line);
                    rows.push(row);
                }
                std::collections::hash_map::Entry::Occupied(e) => self.errors.push(RowError {
                    line,
                    message: format!(
                        "duplicate connection_id {} (first on line {})",
                        row.connection_id,
                        e.get()
                    ),
                }),
            }
        }
        self.errors.sort_by_key(|e| e.line);
        Parsed {
            rows,
            errors: self.errors,
        }
    }
}

/// An entry as written, before checking.
#[derive(Debug, Default, Deserialize)]
struct Raw {
    #[serde(alias = "id")]
    connection_id: Option<IdValue>,
    username: Option<String>,
    ip: Option<String>,
    last_updated: Option<String>,
    version: Option<String>,
    client_logs: Option<String>,
    server_logs: Option<String>,
}

/// A connection id written as a number or as a string of digits.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum IdValue {
    Int(i64),
    Float(f64),
    Text(String),
}

impl Raw {
    fn check(self) -> Result<InventoryRow, String> {
        let id = match self.connection_id {
            None => return Err("connection_id is missing".into()),
            Some(IdValue::Int(i)) => i,
            Some(IdValue::Float(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => f as i64,
            Some(IdValue::Float(f)) => return Err(format!("connection_id {f} is not an integer")),
            Some(IdValue::Text(s)) => s
                .trim()
                .parse::<i64>()
                .map_err(|_| format!("connection_id {s:?} is not an integer"))?,
        };
        if id <= 0 {
            return Err(format!("connection_id {id} must be positive"));
        }
        let last_updated = clean(self.last_updated.unwrap_or_default())
            .trim()
            .to_string();
        let updated_at = if last_updated.is_empty() {
            0
        } else {
            parse_last_updated(&last_updated)
                .ok_or_else(|| format!("last_updated {last_updated:?} is not MM/DD/YYYY, HH:MM"))?
        };
        Ok(InventoryRow {
            connection_id: id,
            username: present(self.username),
            ip: clean(self.ip.unwrap_or_default()).trim().to_string(),
            last_updated,
            updated_at,
            version: present(self.version),
            client_logs: present(self.client_logs),
            server_logs: present(self.server_logs),
        })
    }
}

/// Blank, `null` and `None` mean absent.
fn present(s: Option<String>) -> Option<String> {
    let s = clean(s?);
    let t = s.trim();
    if t.is_empty() || t == "null" || t == "None" {
        None
    } else if t.len() == s.len() {
        Some(s)
    } else {
        Some(t.to_string())
    }
}

fn clean(s: String) -> String {
    match crate::clean_text(&s) {
        std::borrow::Cow::Borrowed(_) => s,
        std::borrow::Cow::Owned(o) => o,
    }
}

fn parse_json_array(bytes: &[u8]) -> Result<Read, InventoryError> {
    let text = std::str::from_utf8(bytes).map_err(|e| InventoryError::Utf8(e.valid_up_to()))?;
    let items: Vec<&RawValue> = serde_json::from_str(text).map_err(InventoryError::Json)?;
    let mut out = Read::default();
    let mut lines = LineCounter::new(text);
    for item in items {
        let line = lines.line_of(item.get());
        let row = serde_json::from_str::<Raw>(item.get())
            .map_err(|e| format!("not an inventory entry: {e}"))
            .and_then(Raw::check);
        out.push(line, row);
    }
    Ok(out)
}

/// Finds line numbers of slices of a text, visited in order.
struct LineCounter<'a> {
    text: &'a str,
    pos: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        LineCounter {
            text,
            pos: 0,
            line: 1,
        }
    }

    fn line_of(&mut self, slice: &str) -> u64 {
        let offset = slice.as_ptr() as usize - self.text.as_ptr() as usize;
        if offset >= self.pos {
            self.line += self.text.as_bytes()[self.pos..offset]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64;
            self.pos = offset;
        }
        self.line
    }
}

fn parse_json_lines(bytes: &[u8]) -> Read {
    let mut out = Read::default();
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let line_no = i as u64 + 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let parsed = std::str::from_utf8(line)
            .map_err(|e| format!("not valid UTF-8 at column {}", e.valid_up_to() + 1))
            .and_then(|text| {
                serde_json::from_str::<Raw>(text)
                    .map_err(|e| format!("not an inventory entry: {e}"))
            })
            .and_then(Raw::check);
        out.push(line_no, parsed);
    }
    out
}

fn parse_csv(bytes: &[u8]) -> Result<Read, InventoryError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .trim(csv::Trim::Headers)
        .from_reader(bytes);
    let headers = reader.byte_headers()?.clone();
    let column = |name: &str| headers.iter().position(|h| h == name.as_bytes());
    let Some(id_col) = column("connection_id").or_else(|| column("id")) else {
        return Err(InventoryError::CsvHeader(
            String::from_utf8_lossy(headers.as_slice()).into_owned(),
        ));
    };
    let cols = [
        column("username"),
        column("ip"),
        column("last_updated"),
        column("version"),
        column("client_logs"),
        column("server_logs"),
    ];
    let mut out = Read::default();
    let mut record = csv::ByteRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(line, |p| p.line());
                out.push(line, csv_row(&record, id_col, &cols));
            }
            Err(e) => {
                let line = e.position().map_or(line, |p| p.line());
                match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => out.push(
                        line,
                        Err(format!("has {len} fields, the header has {expected_len}")),
                    ),
                    _ => return Err(e.into()),
                }
            }
        }
    }
    Ok(out)
}

fn csv_row(
    record: &csv::ByteRecord,
    id_col: usize,
    cols: &[Option<usize>; 6],
) -> Result<InventoryRow, String> {
    let field = |col: Option<usize>, name: &str| -> Result<Option<String>, String> {
        match col.and_then(|c| record.get(c)) {
            None => Ok(None),
            Some(bytes) => String::from_utf8(bytes.to_vec())
                .map(Some)
                .map_err(|_| format!("{name} is not valid UTF-8")),
        }
    };
    Raw {
        connection_id: field(Some(id_col), "connection_id")?.map(IdValue::Text),
        username: field(cols[0], "username")?,
        ip: field(cols[1], "ip")?,
        last_updated: field(cols[2], "last_updated")?,
        version: field(cols[3], "version")?,
        client_logs: field(cols[4], "client_logs")?,
        server_logs: field(cols[5], "server_logs")?,
    }
    .check()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_array_reports_bad_rows_by_line() {
        let text = br#"[
  {"connection_id": 2, "username": "a@x", "ip": "1.2.3.4", "last_updated": "06/30/2020, 21:02",
   "version": "V", "client_logs": null, "server_logs": "server2.txt"},
  {"connection_id": "three"},
  {"connection_id": 4, "last_updated": "tomorrow"},
  {"connection_id": 5, "username": "  ", "ip": "5.5.5.5"}
]"#;
        let p = parse(text).unwrap();
        assert_eq!(p.rows.len(), 2);
        assert_eq!(p.rows[0].connection_id, 2);
        assert_eq!(p.rows[0].updated_at, 1_593_550_920);
        assert_eq!(p.rows[0].client_logs, None);
        assert_eq!(p.rows[1].username, None);
        assert_eq!(
            p.errors.iter().map(|e| e.line).collect::<Vec<_>>(),
            vec![4, 5]
        );
        assert!(p.errors[0].message.contains("three"), "{}", p.errors[0]);
        assert!(p.errors[1].message.contains("tomorrow"), "{}", p.errors[1]);
    }

    #[test]
    fn duplicates_keep_the_first_and_are_reported() {
        let p = parse(b"{\"connection_id\": 1, \"ip\": \"a\"}\n{\"connection_id\": 2}\n{\"connection_id\": 1, \"ip\": \"b\"}\n").unwrap();
        assert_eq!(p.rows.len(), 2);
        assert_eq!(p.rows[0].ip, "a");
        assert_eq!(
            p.errors,
            vec![RowError {
                line: 3,
                message: "duplicate connection_id 1 (first on line 1)".into()
            }]
        );
    }

    #[test]
    fn broken_json_array_is_an_error() {
        assert!(matches!(
            parse(b"[{\"connection_id\": 1},"),
            Err(InventoryError::Json(_))
        ));
    }

    #[test]
    fn json_lines_skip_bad_lines() {
        let text = b"{\"connection_id\": 1, \"ip\": \"a\"}\n\n{\"connection_id\": \xff}\n{oops\n{\"connection_id\": 7}\n";
        let p = parse(text).unwrap();
        assert_eq!(
            p.rows.iter().map(|r| r.connection_id).collect::<Vec<_>>(),
            vec![1, 7]
        );
        assert_eq!(
            p.errors.iter().map(|e| e.line).collect::<Vec<_>>(),
            vec![3, 4]
        );
        assert!(p.errors[0].message.contains("UTF-8"));
    }

    #[test]
    fn csv_with_quotes_and_bad_rows() {
        let text = "connection_id,username,ip,last_updated,version,client_logs,server_logs\n\
                    10,a@x,1.1.1.1,\"06/30/2020, 21:02\",V1,client10.txt,server10.txt\n\
                    11,,2.2.2.2,\"06/30/2020, 21:03\",,,server11.txt\n\
                    x,b,3.3.3.3,,,,\n\
                    12,c,4.4.4.4\n\
                    -5,d,5.5.5.5,,,,\n";
        let p = parse(text.as_bytes()).unwrap();
        assert_eq!(
            p.rows.iter().map(|r| r.connection_id).collect::<Vec<_>>(),
            vec![10, 11]
        );
        assert_eq!(p.rows[1].username, None);
        assert_eq!(p.rows[1].client_logs, None);
        assert_eq!(p.rows[0].last_updated, "06/30/2020, 21:02");
        assert_eq!(
            p.errors.iter().map(|e| e.line).collect::<Vec<_>>(),
            vec![4, 5, 6]
        );
        assert!(p.errors[1].message.contains("7"), "{}", p.errors[1]);
    }

    #[test]
    fn an_empty_inventory_has_no_entries() {
        for empty in [&b""[..], b"\n  \r\n", b"\xEF\xBB\xBF"] {
            let p = parse(empty).unwrap();
            assert!(p.rows.is_empty() && p.errors.is_empty());
        }
    }

    #[test]
    fn csv_needs_the_id_column() {
        assert!(matches!(
            parse(b"user,ip\na,b\n"),
            Err(InventoryError::CsvHeader(_))
        ));
    }
}

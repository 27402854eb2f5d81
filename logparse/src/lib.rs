//! `logparse` — a fast, incremental parser for streaming-session logs.
//!
//! A log is a sequence of lines `TIME | LEVEL | FILE | FUNCTION:LINE | MESSAGE`
//! (see `docs/formats.md`). [`Parser`] accepts the bytes of one log in chunks of
//! any size — a line may be split anywhere, even inside a UTF-8 sequence — and
//! produces exactly the same [`LogReport`] as when the whole log is fed at once.
//!
//! Per log it extracts line counts, counts per level, the four metric series
//! ([`Metric`]) and the templates of WARNING/ERROR messages (numbers, hex,
//! ids and paths normalised) for "most common errors".
//!
//! The crate does no I/O and never panics on any input; the hot path does not
//! allocate per line (series and new templates grow amortised).

mod line;
mod metric;
mod parser;
mod scan;
mod stats;
mod template;
mod text;
mod time;

pub use line::{Level, LineKind, classify};
pub use metric::Metric;
pub use parser::{LogReport, MAX_LINE_BYTES, Parser, Point, parse};
pub use stats::{Stats, percentile};
pub use template::{MAX_TEMPLATES, TemplateCount, normalize};
pub use time::{NANOS_PER_DAY, parse_time_of_day};

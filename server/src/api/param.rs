//! The values the API's parameters take. Each type says once what it
//! accepts: the request is read with its `FromStr` (or `Deserialize`) and
//! the OpenAPI document states its schema, from the same constants and
//! patterns, so what the document allows is what the server accepts.
//!
//! Patterns are ECMA-262 regular expressions, as OpenAPI reads them, that
//! the `regex` crate reads the same way: anchored with `^…$`, no
//! look-around, no `\d`, `\w` or `\s` (their Unicode meaning differs
//! between engines); the server checks a value against the very pattern
//! the document publishes.

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use regex::Regex;
use serde::Deserialize;
use serde::de::{self, Deserializer};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

/// A pattern as the document states it and the server checks it.
pub struct Pattern {
    source: &'static str,
    compiled: OnceLock<Regex>,
}

impl Pattern {
    /// `source` must compile; a test compiles every pattern of the API.
    pub const fn new(source: &'static str) -> Pattern {
        Pattern {
            source,
            compiled: OnceLock::new(),
        }
    }

    /// The pattern's text, for the document.
    pub fn source(&self) -> &'static str {
        self.source
    }

    /// Whether `text` matches.
    pub fn matches(&self, text: &str) -> bool {
        self.compiled
            .get_or_init(|| Regex::new(self.source).expect("the API's patterns compile"))
            .is_match(text)
    }
}

/// Reads a value with its `FromStr`, whose error says what was expected.
fn parsed<'de, D: Deserializer<'de>, T: FromStr<Err = String>>(d: D) -> Result<T, D::Error> {
    let raw = String::deserialize(d)?;
    raw.parse().map_err(de::Error::custom)
}

/// Implements `Deserialize` through `FromStr` and the document's schema
/// through `$schema` for a parameter type.
macro_rules! parameter {
    ($ty:ty, $schema:expr) => {
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                parsed(d)
            }
        }

        impl utoipa::PartialSchema for $ty {
            fn schema() -> RefOr<Schema> {
                $schema
            }
        }

        impl utoipa::ToSchema for $ty {}
    };
}

/// Text of 1 to `MAX` characters, taken as sent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text<const MAX: usize>(pub String);

impl<const MAX: usize> FromStr for Text<MAX> {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let n = s.chars().count();
        if n == 0 || n > MAX {
            return Err(format!("must be 1 to {MAX} characters, not {n}"));
        }
        Ok(Text(s.to_string()))
    }
}

impl<'de, const MAX: usize> serde::Deserialize<'de> for Text<MAX> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        parsed(d)
    }
}

impl<const MAX: usize> utoipa::PartialSchema for Text<MAX> {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .max_length(Some(MAX))
            .into()
    }
}

impl<const MAX: usize> utoipa::ToSchema for Text<MAX> {}

/// An id of a run or an audit entry: an integer from 1 to 2⁶³−1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Id(pub i64);

impl FromStr for Id {
    type Err = String;
    fn from_str(s: &str) -> Result<Id, String> {
        match s.parse::<i64>() {
            Ok(n) if n >= 1 && !s.starts_with('+') => Ok(Id(n)),
            _ => Err(format!(
                "must be an integer from 1 to {}, not {s:?}",
                i64::MAX
            )),
        }
    }
}

/// The schema of [`Id`].
pub fn id_schema() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
            utoipa::openapi::KnownFormat::Int64,
        )))
        .minimum(Some(1))
        .maximum(Some(i64::MAX))
        .into()
}

parameter!(Id, id_schema());

/// A string schema with exactly these values.
fn one_of(words: &[&str]) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(words.iter().copied()))
        .into()
}

/// A string schema matching `pattern`.
fn matching(pattern: &Pattern) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(pattern.source()))
        .into()
}

/// The level of a template: only errors and warnings have templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TemplateLevel(pub model::Level);

/// The words a [`TemplateLevel`] is written as.
const TEMPLATE_LEVELS: [&str; 2] = ["ERROR", "WARNING"];

impl FromStr for TemplateLevel {
    type Err = String;
    fn from_str(s: &str) -> Result<TemplateLevel, String> {
        match s {
            "ERROR" => Ok(TemplateLevel(model::Level::Error)),
            "WARNING" => Ok(TemplateLevel(model::Level::Warning)),
            _ => Err(format!("must be ERROR or WARNING, not {s:?}")),
        }
    }
}

parameter!(TemplateLevel, one_of(&TEMPLATE_LEVELS));

/// Line levels, comma-separated (`ERROR,WARNING`), in capitals as logs
/// write them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Levels(pub Vec<model::Level>);

/// What [`Levels`] accepts.
pub static LEVELS: Pattern =
    Pattern::new("^(DEBUG|INFO|WARNING|ERROR)(,(DEBUG|INFO|WARNING|ERROR))*$");

impl FromStr for Levels {
    type Err = String;
    fn from_str(s: &str) -> Result<Levels, String> {
        if !LEVELS.matches(s) {
            return Err(format!(
                "must be levels among DEBUG, INFO, WARNING and ERROR, comma-separated, not {s:?}"
            ));
        }
        let mut levels: Vec<model::Level> = s
            .split(',')
            .map(|l| l.parse().expect("the pattern admits only levels"))
            .collect();
        levels.sort_by_key(|l| l.as_str());
        levels.dedup();
        Ok(Levels(levels))
    }
}

parameter!(Levels, matching(&LEVELS));

/// `missing=`: which logs a run must lack.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MissingLogs {
    /// Its client log.
    pub client: bool,
    /// Its server log.
    pub server: bool,
}

/// The words a [`MissingLogs`] is written as.
const MISSING: [&str; 4] = ["client", "server", "client,server", "server,client"];

impl FromStr for MissingLogs {
    type Err = String;
    fn from_str(s: &str) -> Result<MissingLogs, String> {
        if !MISSING.contains(&s) {
            return Err(format!(
                "must be client, server or client,server, not {s:?}"
            ));
        }
        Ok(MissingLogs {
            client: s.contains("client"),
            server: s.contains("server"),
        })
    }
}

parameter!(MissingLogs, one_of(&MISSING));

/// A page's cursor (`next` of the page before): `ORDER~KEY~ID`, as the
/// catalog writes it, the key an integer for `newest` and `oldest` and a
/// decimal number for the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageCursor(pub String);

/// What [`PageCursor`] accepts: every cursor the catalog writes, and only
/// text it reads back (the digits are bounded so that every number fits
/// an `i64`, or an `f64` without overflow).
pub static CURSOR: Pattern = Pattern::new(
    "^((newest|oldest)~-?[0-9]{1,18}|(errors|latency_p95)~-?[0-9]{1,18}(\\.[0-9]{1,24})?(e-?[0-9]{1,2})?)~[0-9]{1,18}$",
);

impl FromStr for PageCursor {
    type Err = String;
    fn from_str(s: &str) -> Result<PageCursor, String> {
        if CURSOR.matches(s) {
            Ok(PageCursor(s.to_string()))
        } else {
            Err(format!(
                "must be the `next` of the page before, not {:?}",
                crate::problem::cut_message(s)
            ))
        }
    }
}

parameter!(PageCursor, matching(&CURSOR));

/// Where the event stream starts: after a seq, or `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamStart {
    /// Only events from now on.
    Now,
    /// Events after this seq.
    After(i64),
}

impl FromStr for StreamStart {
    type Err = String;
    fn from_str(s: &str) -> Result<StreamStart, String> {
        if s == "now" {
            return Ok(StreamStart::Now);
        }
        match s.parse::<i64>() {
            Ok(n) if n >= 0 && !s.starts_with('+') => Ok(StreamStart::After(n)),
            _ => Err(format!(
                "must be now or an integer from 0 to {}, not {s:?}",
                i64::MAX
            )),
        }
    }
}

parameter!(StreamStart, {
    use utoipa::openapi::schema::OneOfBuilder;
    OneOfBuilder::new()
        .item(one_of(&["now"]))
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                    utoipa::openapi::KnownFormat::Int64,
                )))
                .minimum(Some(0))
                .maximum(Some(i64::MAX)),
        )
        .into()
});

impl fmt::Display for StreamStart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StreamStart::Now => f.write_str("now"),
            StreamStart::After(n) => write!(f, "{n}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        for p in [&LEVELS, &CURSOR] {
            Regex::new(p.source()).unwrap();
        }
    }

    #[test]
    fn cursors_the_catalog_writes_are_accepted() {
        for ok in [
            "newest~1593550920000~42",
            "oldest~0~1",
            "errors~0.30000000000000004~7",
            "latency_p95~-1.0~3",
            "errors~1e-7~3",
            "latency_p95~12~9",
        ] {
            assert!(ok.parse::<PageCursor>().is_ok(), "{ok}");
        }
        for bad in [
            "",
            "newest~1.5~2",
            "newest~1~2\n",
            "newest~+1~2",
            "errors~NaN~1",
            "errors~1e999~1",
            "newest~1~-2",
            "bogus~1~1",
        ] {
            assert!(bad.parse::<PageCursor>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn values_are_taken_exactly() {
        assert_eq!("7".parse::<Id>(), Ok(Id(7)));
        for bad in ["0", "-1", "+7", " 7", "7 ", "9223372036854775808", "1.0"] {
            assert!(bad.parse::<Id>().is_err(), "{bad:?}");
        }
        assert!("error".parse::<TemplateLevel>().is_err());
        assert_eq!(
            "ERROR,INFO,ERROR".parse::<Levels>().unwrap().0.len(),
            2,
            "duplicates are one level"
        );
        assert!("ERROR,".parse::<Levels>().is_err());
        assert!("client,client".parse::<MissingLogs>().is_err());
        assert_eq!("now".parse::<StreamStart>(), Ok(StreamStart::Now));
        assert!("-1".parse::<StreamStart>().is_err());
        assert!("".parse::<Text<3>>().is_err());
        assert!("日本語".parse::<Text<3>>().is_ok());
        assert!("日本語x".parse::<Text<3>>().is_err());
    }
}

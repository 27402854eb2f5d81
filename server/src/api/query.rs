//! Typed query strings: an endpoint names its parameters once, as the fields
//! of a struct, and [`Query`] deserialises the query string into it.
//!
//! Strict and explicit, as the API promises: a name the struct does not
//! have, a name given twice, or a value that does not read is a 400 that
//! says which parameter and why (`limit must be an integer from 1 to 500,
//! not "ten"`). Values are taken exactly as sent, never trimmed, and read
//! as the document says: integers and numbers as JSON writes them, flags as
//! `true` or `false`.
//!
//! The one rule for empty values: a parameter given with none (`x=`, or a
//! bare `x`) is a 400 whatever its type; leaving it out is how a request
//! asks for its default. [`state_empty_rule`] says so in the document.

use std::fmt;
use std::str::FromStr;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::Deserialize;
use serde::de::{self, DeserializeOwned, Deserializer, IntoDeserializer, Visitor};

use crate::problem::Problem;

/// The query string, deserialised into `T`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Problem> {
        parse(parts.uri.query().unwrap_or_default()).map(Query)
    }
}

/// Reads a query string (without `?`) as `T`.
pub fn parse<T: DeserializeOwned>(raw: &str) -> Result<T, Problem> {
    from_pairs(&pairs(raw)?)
}

/// A query string's name/value pairs, decoded; a name given twice is a 400.
pub fn pairs(raw: &str) -> Result<Vec<(String, String)>, Problem> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (k, v) in url::form_urlencoded::parse(raw.as_bytes()) {
        if pairs.iter().any(|(seen, _)| *seen == k) {
            return Err(Problem::bad_request(format!(
                "parameter {k:?} is given twice"
            )));
        }
        pairs.push((k.into_owned(), v.into_owned()));
    }
    Ok(pairs)
}

/// Reads decoded pairs (from [`pairs`]) as `T`.
pub fn from_pairs<T: DeserializeOwned>(pairs: &[(String, String)]) -> Result<T, Problem> {
    T::deserialize(Pairs(pairs)).map_err(|e| Problem::bad_request(e.0))
}

/// No parameters at all.
#[derive(Debug, Clone, Copy, Default, serde::Deserialize)]
pub struct NoParams {}

/// An integer parameter in `MIN..=MAX`, `DEFAULT` when absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Int<const MIN: i64, const MAX: i64, const DEFAULT: i64>(pub i64);

impl<const MIN: i64, const MAX: i64, const DEFAULT: i64> Default for Int<MIN, MAX, DEFAULT> {
    fn default() -> Self {
        Int(DEFAULT)
    }
}

/// An integer from `MIN` to `MAX`, `DEFAULT` when absent: the bounds the
/// parameter is read with are the bounds the document states.
impl<const MIN: i64, const MAX: i64, const DEFAULT: i64> utoipa::PartialSchema
    for Int<MIN, MAX, DEFAULT>
{
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(MIN))
            .maximum(Some(MAX))
            .default(Some(DEFAULT.into()))
            .into()
    }
}

impl<const MIN: i64, const MAX: i64, const DEFAULT: i64> utoipa::ToSchema
    for Int<MIN, MAX, DEFAULT>
{
}

impl<'de, const MIN: i64, const MAX: i64, const DEFAULT: i64> serde::Deserialize<'de>
    for Int<MIN, MAX, DEFAULT>
{
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        match integer(&raw) {
            Some(n) if (MIN..=MAX).contains(&n) => Ok(Int(n)),
            _ => Err(de::Error::custom(format!(
                "must be an integer from {MIN} to {MAX}, not {raw:?}"
            ))),
        }
    }
}

/// An integer parameter in `MIN..=MAX` with no default (an `Option` of it
/// is absent when not given).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounded<const MIN: i64, const MAX: i64>(pub i64);

impl<const MIN: i64, const MAX: i64> utoipa::PartialSchema for Bounded<MIN, MAX> {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(MIN))
            .maximum(Some(MAX))
            .into()
    }
}

impl<const MIN: i64, const MAX: i64> utoipa::ToSchema for Bounded<MIN, MAX> {}

impl<'de, const MIN: i64, const MAX: i64> serde::Deserialize<'de> for Bounded<MIN, MAX> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let Int(n) = Int::<MIN, MAX, MIN>::deserialize(d)?;
        Ok(Bounded(n))
    }
}

/// A parameter read with its type's `FromStr`, whose error says what was
/// expected (`must be one of …, not "x"`).
pub fn from_text<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: fmt::Display,
{
    let raw = String::deserialize(d)?;
    raw.parse().map_err(de::Error::custom)
}

/// [`from_text`] for an optional parameter (blank is absent).
pub fn from_text_opt<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: fmt::Display,
{
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(raw) => raw.parse().map(Some).map_err(de::Error::custom),
    }
}

/// An integer as JSON writes it (`-12`; no sign `+`, no spaces), that fits
/// an `i64`.
pub(crate) fn integer(text: &str) -> Option<i64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// A finite number as JSON writes it (`-1.5e3`; no `+`, `inf`, `.5` or
/// `1.`).
fn number(text: &str) -> Option<f64> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], Some(&unsigned[at + 1..])),
        None => (unsigned, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (mantissa, None),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        digits(
            e.strip_prefix('-')
                .or_else(|| e.strip_prefix('+'))
                .unwrap_or(e),
        )
    });
    if !digits(whole) || !fraction.is_none_or(digits) || !exponent_ok {
        return None;
    }
    text.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// States the rule for empty values in the document: every query
/// parameter that is text has at least one character (the rule itself is
/// in [`Fields`], for every type).
pub fn state_empty_rule(doc: &mut serde_json::Value) {
    let Some(paths) = doc.get_mut("paths").and_then(|p| p.as_object_mut()) else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for op in item.values_mut() {
            let Some(params) = op.get_mut("parameters").and_then(|p| p.as_array_mut()) else {
                continue;
            };
            for p in params {
                if p["in"] != "query" {
                    continue;
                }
                let schema = &mut p["schema"];
                if schema["type"] == "string" && schema.get("minLength").is_none() {
                    schema["minLength"] = 1.into();
                }
            }
        }
    }
}

/// Why a query string does not fit: the whole 400 message.
#[derive(Debug)]
pub struct ParamError(String);

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParamError {}

impl de::Error for ParamError {
    fn custom<M: fmt::Display>(msg: M) -> Self {
        ParamError(msg.to_string())
    }
}

/// The query string's pairs, as a struct's fields.
struct Pairs<'a>(&'a [(String, String)]);

impl<'de> Deserializer<'de> for Pairs<'_> {
    type Error = ParamError;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, ParamError> {
        Err(ParamError("query parameters are read into a struct".into()))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ParamError> {
        let mut unknown: Vec<&str> = self
            .0
            .iter()
            .map(|(k, _)| k.as_str())
            .filter(|k| !fields.contains(k))
            .collect();
        if !unknown.is_empty() {
            unknown.sort_unstable();
            return Err(ParamError(format!(
                "unknown parameter {}; this endpoint takes: {}",
                unknown
                    .iter()
                    .map(|k| format!("{k:?}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                fields.join(", ")
            )));
        }
        visitor.visit_map(Fields {
            pairs: self.0.iter(),
            value: None,
        })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

/// The pairs one by one; a value's error is prefixed with its name.
struct Fields<'a> {
    pairs: std::slice::Iter<'a, (String, String)>,
    value: Option<&'a (String, String)>,
}

impl<'de> de::MapAccess<'de> for Fields<'_> {
    type Error = ParamError;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ParamError> {
        let Some(pair) = self.pairs.next() else {
            return Ok(None);
        };
        self.value = Some(pair);
        seed.deserialize(pair.0.as_str().into_deserializer())
            .map(Some)
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, ParamError> {
        let (name, raw) = self.value.take().expect("a key was read first");
        if raw.is_empty() {
            return Err(ParamError(format!(
                "{name} has no value; leave the parameter out for its default"
            )));
        }
        seed.deserialize(Value(raw))
            .map_err(|e| ParamError(format!("{name} {}", e.0)))
    }
}

/// One parameter's value.
struct Value<'a>(&'a str);

impl<'de> Deserializer<'de> for Value<'_> {
    type Error = ParamError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        visitor.visit_str(self.0)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        visitor.visit_some(self)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        match self.0 {
            "false" => visitor.visit_bool(false),
            "true" => visitor.visit_bool(true),
            other => Err(ParamError(format!("must be true or false, not {other:?}"))),
        }
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        match integer(self.0).and_then(|n| u64::try_from(n).ok()) {
            Some(n) => visitor.visit_u64(n),
            None => Err(ParamError(format!(
                "must be an integer from 0 to {}, not {:?}",
                i64::MAX,
                self.0
            ))),
        }
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        match number(self.0) {
            Some(n) => visitor.visit_f64(n),
            None => Err(ParamError(format!("must be a number, not {:?}", self.0))),
        }
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i32 i64 i128 u8 u16 u32 u128 f32 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, Deserialize, PartialEq)]
    #[serde(default)]
    struct Sample {
        user: Option<String>,
        has_errors: bool,
        limit: Int<1, 500, 100>,
        #[serde(deserialize_with = "from_text_opt")]
        sort: Option<model::Sort>,
        from: Option<f64>,
        last: Option<u64>,
    }

    fn read(q: &str) -> Result<Sample, String> {
        parse::<Sample>(q).map_err(|p| p.message)
    }

    #[test]
    fn values_read_as_their_types() {
        assert_eq!(read("").unwrap(), Sample::default());
        assert_eq!(read("").unwrap().limit, Int(100));
        let s =
            read("user=+noah%20&has_errors=true&limit=7&sort=oldest&from=1.5e1&last=3").unwrap();
        assert_eq!(
            s,
            Sample {
                user: Some(" noah ".into()),
                has_errors: true,
                limit: Int(7),
                sort: Some(model::Sort::Oldest),
                from: Some(15.0),
                last: Some(3),
            }
        );
        assert!(!read("has_errors=false").unwrap().has_errors);
    }

    #[test]
    fn numbers_are_read_as_json_writes_them() {
        for (text, n) in [("0", 0.0), ("-2.5", -2.5), ("1e-05", 1e-5), ("3E+2", 300.0)] {
            assert_eq!(number(text), Some(n), "{text}");
        }
        for bad in [
            "", "+1", ".5", "1.", "inf", "NaN", "1e", "1e999", " 1", "0x10", "1_0",
        ] {
            assert_eq!(number(bad), None, "{bad:?}");
        }
        for bad in ["", "+1", "-", " 1", "1 ", "9223372036854775808", "1.0"] {
            assert_eq!(integer(bad), None, "{bad:?}");
        }
        assert_eq!(integer("-9223372036854775808"), Some(i64::MIN));
    }

    #[test]
    fn an_empty_value_is_refused_whatever_its_type() {
        for q in [
            "user=",
            "has_errors",
            "has_errors=",
            "limit=",
            "sort=",
            "from=",
            "last=",
        ] {
            let name = q.trim_end_matches('=');
            assert_eq!(
                read(q).unwrap_err(),
                format!("{name} has no value; leave the parameter out for its default"),
                "{q}"
            );
        }
    }

    #[test]
    fn every_refusal_names_the_parameter() {
        let cases = [
            (
                "limit=0",
                "limit must be an integer from 1 to 500, not \"0\"",
            ),
            (
                "limit=ten",
                "limit must be an integer from 1 to 500, not \"ten\"",
            ),
            (
                "has_errors=maybe",
                "has_errors must be true or false, not \"maybe\"",
            ),
            (
                "sort=up",
                "sort must be one of newest, oldest, errors, latency_p95, not \"up\"",
            ),
            ("from=inf", "from must be a number, not \"inf\""),
            (
                "last=-1",
                "last must be an integer from 0 to 9223372036854775807, not \"-1\"",
            ),
            (
                "has_errors=1",
                "has_errors must be true or false, not \"1\"",
            ),
            ("limit=1&limit=2", "parameter \"limit\" is given twice"),
            (
                "colour=red&b=1",
                "unknown parameter \"b\", \"colour\"; this endpoint takes: user, has_errors, \
                 limit, sort, from, last",
            ),
        ];
        for (q, want) in cases {
            assert_eq!(read(q).unwrap_err(), want, "{q}");
        }
        assert_eq!(
            parse::<NoParams>("x=1").unwrap_err().message,
            "unknown parameter \"x\"; this endpoint takes: "
        );
    }
}

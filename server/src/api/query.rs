//! Typed query strings: an endpoint names its parameters once, as the fields
//! of a struct, and [`Query`] deserialises the query string into it.
//!
//! Strict and explicit, as the API promises: a name the struct does not
//! have, a name given twice, or a value that does not read is a 400 that
//! says which parameter and why (`limit must be an integer from 1 to 500,
//! not "ten"`). Values are trimmed; a blank value is an absent one for an
//! `Option`, and a bare name (`?has_errors`) is `true` for a flag.

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
        match raw.trim().parse::<i64>() {
            Ok(n) if (MIN..=MAX).contains(&n) => Ok(Int(n)),
            _ => Err(de::Error::custom(format!(
                "must be an integer from {MIN} to {MAX}, not {raw:?}"
            ))),
        }
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
    raw.trim().parse().map_err(de::Error::custom)
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
        Some(raw) => raw.trim().parse().map(Some).map_err(de::Error::custom),
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
        let v = self.0.trim();
        if v.is_empty() {
            visitor.visit_none()
        } else {
            visitor.visit_some(Value(v))
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        match self.0 {
            "false" | "0" | "no" => visitor.visit_bool(false),
            "" | "true" | "1" | "yes" => visitor.visit_bool(true),
            other => Err(ParamError(format!("must be true or false, not {other:?}"))),
        }
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        match self.0.trim().parse::<u64>() {
            Ok(n) => visitor.visit_u64(n),
            Err(_) => Err(ParamError(format!(
                "must be a whole number, not {:?}",
                self.0
            ))),
        }
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        match self.0.trim().parse::<f64>() {
            Ok(n) if n.is_finite() => visitor.visit_f64(n),
            _ => Err(ParamError(format!("must be a number, not {:?}", self.0))),
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
        let s = read("user=+noah%20&has_errors&limit=7&sort=oldest&from=1.5&last=3").unwrap();
        assert_eq!(
            s,
            Sample {
                user: Some("noah".into()),
                has_errors: true,
                limit: Int(7),
                sort: Some(model::Sort::Oldest),
                from: Some(1.5),
                last: Some(3),
            }
        );
        let blank = read("user=%20&sort=&from=&has_errors=0").unwrap();
        assert_eq!(blank, Sample::default());
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
            ("last=-1", "last must be a whole number, not \"-1\""),
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

//! Enums that are written as words at the edges (log lines, SQL columns,
//! URLs, JSON): each word is spelled once, in the enum's declaration
//! ([`words!`]), and every conversion to and from text goes through
//! `as_str` and `FromStr`. Used by `logparse` (levels, metrics) and `model`
//! (everything else), so it sits below both.

use std::fmt;

/// A word that names none of an enum's variants. It reads as the end of a
/// sentence naming what was given (`sort must be one of newest, …, not "x"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownWord {
    /// The word as given.
    pub word: String,
    /// The words that would have been accepted.
    pub expected: &'static [&'static str],
}

impl fmt::Display for UnknownWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("must be one of ")?;
        for (i, w) in self.expected.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(w)?;
        }
        write!(f, ", not {:?}", self.word)
    }
}

impl std::error::Error for UnknownWord {}

#[doc(hidden)]
pub use serde as __serde;

/// Deserialises a value written as a string, with its `FromStr` and its
/// error as the message. One small visitor instead of a derived enum decoder
/// per type: the browser's bundle decodes many of these.
pub fn deserialize_parsed<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    struct Visit<T>(std::marker::PhantomData<T>);
    impl<T: std::str::FromStr> serde::de::Visitor<'_> for Visit<T>
    where
        T::Err: std::fmt::Display,
    {
        type Value = T;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<T, E> {
            s.parse().map_err(E::custom)
        }
    }
    d.deserialize_str(Visit(std::marker::PhantomData))
}

/// Declares an enum whose variants are written as the given words, with
/// `ALL`, `WORDS`, `as_str`, `FromStr`, `Display` and serde as those words;
/// with the calling crate's feature `openapi`, a string schema listing the
/// words (the caller then depends on `utoipa`).
#[macro_export]
macro_rules! words {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $word:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// Every variant's word, in declaration order.
            pub const WORDS: &'static [&'static str] = &[$($word),+];

            /// The word written at the edges.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $word, )+
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::UnknownWord;
            fn from_str(s: &str) -> Result<$name, $crate::UnknownWord> {
                match s {
                    $( $word => Ok($name::$variant), )+
                    _ => Err($crate::UnknownWord {
                        word: s.to_string(),
                        expected: $name::WORDS,
                    }),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        #[cfg(feature = "openapi")]
        impl ::utoipa::PartialSchema for $name {
            fn schema() -> ::utoipa::openapi::RefOr<::utoipa::openapi::schema::Schema> {
                ::utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(::utoipa::openapi::schema::Type::String)
                    .enum_values(Some($name::WORDS.iter().copied()))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl ::utoipa::ToSchema for $name {}

        impl $crate::__serde::Serialize for $name {
            fn serialize<S: $crate::__serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__serde::Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                $crate::deserialize_parsed(d)
            }
        }
    };
}

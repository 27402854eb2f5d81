//! Enums that are written as words at the edges (SQL columns, URLs, JSON):
//! each word is spelled once, in the enum's declaration, and every
//! conversion to and from text goes through `as_str` and `FromStr`.

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

/// Declares an enum whose variants are written as the given words, with
/// `ALL`, `WORDS`, `as_str`, `FromStr`, `Display` and serde as those words.
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
            type Err = $crate::words::UnknownWord;
            fn from_str(s: &str) -> Result<$name, $crate::words::UnknownWord> {
                match s {
                    $( $word => Ok($name::$variant), )+
                    _ => Err($crate::words::UnknownWord {
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

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                ::logparse::deserialize_parsed(d)
            }
        }
    };
}

pub(crate) use words;

//! The live-log protocol: what producers, the server and viewers send each
//! other over websockets, as JSON text frames.
//!
//! Producer (`logdeck run`): `POST /api/live/runs` creates a run, then the
//! websocket `/api/live/runs/{id}/logs/{log}/ingest` carries
//! [`ProducerMsg`]s up and [`IngestMsg`]s down. The server acknowledges the
//! highest seq it has durably stored; after a reconnect the producer resends
//! everything after the last acknowledgement and the server drops what it
//! already has.
//!
//! Viewer (browser, `logdeck tail`): the websocket
//! `/api/runs/{id}/logs/{log}/live?from=SEQ` sends [`ViewerMsg`]s: the lines
//! from `from` on, new lines as they come, and finally `sealed` — or `gap` if
//! lines are unavailable — so a viewer always knows whether it has them all.

use serde::{Deserialize, Serialize};

use crate::LogName;
use words::words;

words! {
    /// Which of a program's streams a line came from.
    pub enum Stream {
        /// Standard output.
        Out = "o",
        /// Standard error.
        Err = "e",
    }
}

impl Stream {
    /// The stream's one-byte code, as live stores and archives keep it.
    pub fn code(self) -> u8 {
        self.as_str().as_bytes()[0]
    }

    /// The stream of a one-byte code.
    pub fn from_code(c: u8) -> Option<Stream> {
        Stream::ALL.iter().copied().find(|s| s.code() == c)
    }
}

/// One line of a live log: as producers send it, as live stores keep it, as
/// viewers receive it. On the wire its fields are one letter long
/// (`seq`, `t`, `s`, `x`): a busy log sends many.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    /// Position in the log, from 1; never changes, also after archiving.
    pub seq: u64,
    /// Capture time, microseconds since the Unix epoch.
    #[serde(rename = "t")]
    pub time_us: i64,
    /// Which output of the program it came from.
    #[serde(rename = "s")]
    pub stream: Stream,
    /// Text without the line break.
    #[serde(rename = "x")]
    pub text: String,
}

/// What `POST /api/live/runs` takes.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewLiveRun {
    /// A short name shown in the table (the command, or `--name`); stored
    /// without the white space around it, of which it is not only made.
    #[cfg_attr(feature = "openapi", schema(schema_with = schemas::name))]
    pub name: String,
    /// The command line, if the producer runs one.
    #[cfg_attr(feature = "openapi", schema(schema_with = schemas::command))]
    #[serde(default)]
    pub command: Option<String>,
    /// Free labels `k=v`, each `[k, v]`.
    #[cfg_attr(feature = "openapi", schema(schema_with = schemas::labels))]
    #[serde(default)]
    pub labels: Vec<(String, String)>,
}

/// What `char::is_whitespace` (and `str::trim`) counts as white space, as
/// a character class every regular expression engine reads alike.
pub const WHITE_SPACE_CLASS: &str =
    "\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";

/// The schemas of [`NewLiveRun`]'s fields, from its limits.
#[cfg(feature = "openapi")]
mod schemas {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, Type};

    use super::{NewLiveRun, WHITE_SPACE_CLASS};

    /// Text of at most `max` characters, not only white space.
    fn not_blank(max: usize) -> ObjectBuilder {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .max_length(Some(max))
            .pattern(Some(format!("[^{WHITE_SPACE_CLASS}]")))
    }

    pub fn name() -> Schema {
        not_blank(NewLiveRun::MAX_NAME).into()
    }

    pub fn command() -> Schema {
        ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
                Type::String,
                Type::Null,
            ]))
            .max_length(Some(NewLiveRun::MAX_COMMAND))
            .into()
    }

    pub fn labels() -> Schema {
        let value = ObjectBuilder::new()
            .schema_type(Type::String)
            .max_length(Some(NewLiveRun::MAX_LABEL_VALUE));
        let pair = ArrayBuilder::new()
            .prefix_items([
                Schema::from(not_blank(NewLiveRun::MAX_LABEL_KEY)),
                Schema::from(value),
            ])
            .items(utoipa::openapi::schema::ArrayItems::False)
            .min_items(Some(2))
            .max_items(Some(2));
        ArrayBuilder::new()
            .items(pair)
            .max_items(Some(NewLiveRun::MAX_LABELS))
            .into()
    }
}

impl NewLiveRun {
    /// Longest name, in characters: a run's row is shown in every page of
    /// the table, so everything a producer names is capped.
    pub const MAX_NAME: usize = 200;
    /// Longest command line, in characters.
    pub const MAX_COMMAND: usize = 2000;
    /// Most labels.
    pub const MAX_LABELS: usize = 32;
    /// Longest label key, in characters.
    pub const MAX_LABEL_KEY: usize = 64;
    /// Longest label value, in characters.
    pub const MAX_LABEL_VALUE: usize = 256;

    /// Why the server refuses this run, if it does: a blank or too long
    /// name, a too long command, too many labels, or a blank or too long
    /// label (the limits the schema states).
    pub fn check(&self) -> Result<(), String> {
        let chars = |s: &str| s.chars().count();
        if self.name.trim().is_empty() || chars(&self.name) > Self::MAX_NAME {
            return Err(format!("name must be 1-{} characters", Self::MAX_NAME));
        }
        if self
            .command
            .as_deref()
            .is_some_and(|c| chars(c) > Self::MAX_COMMAND)
        {
            return Err(format!(
                "command must be at most {} characters",
                Self::MAX_COMMAND
            ));
        }
        if self.labels.len() > Self::MAX_LABELS {
            return Err(format!(
                "at most {} labels, not {}",
                Self::MAX_LABELS,
                self.labels.len()
            ));
        }
        for (k, v) in &self.labels {
            if k.trim().is_empty()
                || chars(k) > Self::MAX_LABEL_KEY
                || chars(v) > Self::MAX_LABEL_VALUE
            {
                return Err(format!(
                    "a label key must be 1-{} characters and its value at most {}",
                    Self::MAX_LABEL_KEY,
                    Self::MAX_LABEL_VALUE
                ));
            }
        }
        Ok(())
    }
}

/// What `POST /api/live/runs` answers.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveRunCreated {
    /// The run id.
    pub run: i64,
    /// The log to stream into.
    pub log: LogName,
    /// Highest seq already stored (0 for a new log).
    pub last_seq: u64,
}

/// Producer → server.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ProducerMsg {
    /// Lines, consecutive seqs; may repeat lines already acknowledged.
    Lines {
        /// The lines.
        lines: Vec<Line>,
    },
    /// The program ended; `last_seq` is the last line it produced.
    Finish {
        /// Its exit code (`None` if killed by a signal).
        exit_code: Option<i32>,
        /// Last seq of the log.
        last_seq: u64,
    },
}

/// Server → producer.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum IngestMsg {
    /// Sent first: where the stored log ends; send from `last_seq + 1`.
    Ready {
        /// Highest seq stored.
        last_seq: u64,
    },
    /// Everything up to `seq` is stored durably.
    Ack {
        /// Highest seq stored.
        seq: u64,
    },
    /// The log is sealed with `last_seq` lines; the producer may exit.
    Sealed {
        /// Its last seq.
        last_seq: u64,
    },
}

/// Server → viewer.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ViewerMsg {
    /// Sent first: how far the log is now.
    Start {
        /// Highest seq stored when the viewer connected.
        last_seq: u64,
        /// Whether the log is already complete.
        sealed: bool,
    },
    /// Consecutive lines following the previous message's.
    Lines {
        /// The lines.
        lines: Vec<Line>,
    },
    /// Lines `from..=to` cannot be delivered; the next lines start after
    /// `to`.
    Gap {
        /// First missing seq.
        from: u64,
        /// Last missing seq.
        to: u64,
        /// Why.
        reason: String,
    },
    /// The viewer fell behind by more than its buffer; lines keep coming from
    /// where it is (none are skipped), but it is `behind` lines behind.
    Lagging {
        /// Lines between what was sent and the end of the log.
        behind: u64,
    },
    /// The log is complete: every line up to `last_seq` has been sent.
    Sealed {
        /// Its last seq.
        last_seq: u64,
        /// The program's exit code, if known.
        exit_code: Option<i32>,
    },
}

impl ViewerMsg {
    /// Decodes a message. Same result as `serde_json::from_str`, without
    /// the buffering an internally tagged enum costs serde (a viewer decodes
    /// every batch of a busy log).
    pub fn from_json(text: &str) -> Result<ViewerMsg, serde_json::Error> {
        /// Every variant's fields, flat.
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Flat {
            #[serde(rename = "type")]
            kind: String,
            last_seq: Option<u64>,
            sealed: Option<bool>,
            lines: Option<Vec<Line>>,
            from: Option<u64>,
            to: Option<u64>,
            reason: Option<String>,
            behind: Option<u64>,
            #[serde(default, deserialize_with = "present")]
            exit_code: Option<Option<i32>>,
        }
        fn present<'de, D: serde::Deserializer<'de>>(
            d: D,
        ) -> Result<Option<Option<i32>>, D::Error> {
            Option::<i32>::deserialize(d).map(Some)
        }
        let f: Flat = serde_json::from_str(text)?;
        let missing = |field: &str| {
            <serde_json::Error as serde::de::Error>::custom(format!(
                "{} message without {field}",
                f.kind
            ))
        };
        Ok(match f.kind.as_str() {
            "start" => ViewerMsg::Start {
                last_seq: f.last_seq.ok_or_else(|| missing("last_seq"))?,
                sealed: f.sealed.ok_or_else(|| missing("sealed"))?,
            },
            "lines" => ViewerMsg::Lines {
                lines: f.lines.ok_or_else(|| missing("lines"))?,
            },
            "gap" => ViewerMsg::Gap {
                from: f.from.ok_or_else(|| missing("from"))?,
                to: f.to.ok_or_else(|| missing("to"))?,
                reason: f.reason.ok_or_else(|| missing("reason"))?,
            },
            "lagging" => ViewerMsg::Lagging {
                behind: f.behind.ok_or_else(|| missing("behind"))?,
            },
            "sealed" => ViewerMsg::Sealed {
                last_seq: f.last_seq.ok_or_else(|| missing("last_seq"))?,
                exit_code: f.exit_code.ok_or_else(|| missing("exit_code"))?,
            },
            other => {
                return Err(<serde_json::Error as serde::de::Error>::custom(format!(
                    "unknown message type {other:?}"
                )));
            }
        })
    }
}

/// Close codes the server uses on live websockets, with the reason in the
/// close frame.
pub mod close {
    /// A frame that is not a valid message.
    pub const BAD_MESSAGE: u16 = 4400;
    /// The token is missing or wrong.
    pub const UNAUTHORIZED: u16 = 4401;
    /// The token is valid but may not write here: another producer's token
    /// created the run.
    pub const FORBIDDEN: u16 = 4403;
    /// No such run or log.
    pub const NOT_FOUND: u16 = 4404;
    /// The log is sealed: nothing more can be written.
    pub const SEALED: u16 = 4409;
    /// A frame over the size limit.
    pub const TOO_BIG: u16 = 4413;
    /// The server failed to store lines; reconnect and resend.
    pub const STORE_FAILED: u16 = 4500;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_have_a_stable_shape() {
        let m = ProducerMsg::Lines {
            lines: vec![Line {
                seq: 3,
                time_us: 17,
                stream: Stream::Err,
                text: "a \"b\"".into(),
            }],
        };
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(
            json,
            r#"{"type":"lines","lines":[{"seq":3,"t":17,"s":"e","x":"a \"b\""}]}"#
        );
        assert_eq!(serde_json::from_str::<ProducerMsg>(&json).unwrap(), m);
        let v: ViewerMsg =
            serde_json::from_str(r#"{"type":"sealed","last_seq":9,"exit_code":null}"#).unwrap();
        assert_eq!(
            v,
            ViewerMsg::Sealed {
                last_seq: 9,
                exit_code: None
            }
        );
        assert!(serde_json::from_str::<ProducerMsg>(r#"{"type":"nope"}"#).is_err());
    }

    #[test]
    fn the_fast_decoder_agrees_with_serde() {
        let all = [
            ViewerMsg::Start {
                last_seq: 4,
                sealed: false,
            },
            ViewerMsg::Lines {
                lines: vec![Line {
                    seq: 1,
                    time_us: -5,
                    stream: Stream::Out,
                    text: "ü \u{1b}[31m\"x\"".into(),
                }],
            },
            ViewerMsg::Lines { lines: vec![] },
            ViewerMsg::Gap {
                from: 2,
                to: 9,
                reason: "gone".into(),
            },
            ViewerMsg::Lagging { behind: 100_001 },
            ViewerMsg::Sealed {
                last_seq: 9,
                exit_code: Some(3),
            },
            ViewerMsg::Sealed {
                last_seq: 0,
                exit_code: None,
            },
        ];
        for m in all {
            let json = serde_json::to_string(&m).unwrap();
            assert_eq!(ViewerMsg::from_json(&json).unwrap(), m, "{json}");
            assert_eq!(serde_json::from_str::<ViewerMsg>(&json).unwrap(), m);
        }
        for bad in [
            r#"{"type":"nope"}"#,
            r#"{"type":"start","last_seq":1}"#,
            r#"{"type":"sealed","last_seq":1}"#,
            r#"{"type":"lines","lines":[],"extra":1}"#,
            r#"[1]"#,
            "",
        ] {
            assert!(ViewerMsg::from_json(bad).is_err(), "{bad}");
        }
    }
}

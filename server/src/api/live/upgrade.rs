//! The websocket handshake (RFC 6455 §4.1) as the live endpoints take it.
//! A request with an `Upgrade` header asks for the websocket: its four
//! headers must hold what [`RULES`] says, or it is a JSON 400 that names
//! the header (checked before axum's own checks, which accept all that
//! these accept). A request without one is a plain `GET`, which the
//! endpoints answer with where the log stands, as JSON: what OpenAPI can
//! describe of a websocket endpoint, while docs/formats.md describes the
//! conversation.

use axum::extract::FromRequestParts;
use axum::extract::ws::WebSocketUpgrade;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};

use crate::api::param::Pattern;
use crate::problem::Problem;

/// A websocket handshake, checked, or a plain request.
pub enum Handshake {
    /// No `Upgrade` header: answer over HTTP.
    Plain,
    /// A valid handshake.
    Upgrade(WebSocketUpgrade),
}

/// One header of the handshake.
struct Rule {
    name: &'static str,
    pattern: Pattern,
    description: &'static str,
}

/// The handshake's headers and what each must hold.
static RULES: [Rule; 4] = [
    Rule {
        name: "Connection",
        pattern: Pattern::new("^([^,]*,)*[ \\t]*[Uu][Pp][Gg][Rr][Aa][Dd][Ee][ \\t]*(,[^,]*)*$"),
        description: "Names `Upgrade` among its options",
    },
    Rule {
        name: "Upgrade",
        pattern: Pattern::new("^[Ww][Ee][Bb][Ss][Oo][Cc][Kk][Ee][Tt]$"),
        description: "`websocket`, in any case",
    },
    Rule {
        name: "Sec-WebSocket-Version",
        pattern: Pattern::new("^13$"),
        description: "`13`",
    },
    Rule {
        name: "Sec-WebSocket-Key",
        pattern: Pattern::new("^[A-Za-z0-9+/]{21}[AQgw]==$"),
        description: "16 random bytes in base64",
    },
];

/// Why `headers` are not a handshake, if they are not.
fn refusal(headers: &HeaderMap) -> Option<String> {
    for rule in &RULES {
        let Some(value) = headers.get(rule.name) else {
            return Some(format!(
                "this is a websocket: the request needs a {} header ({})",
                rule.name, rule.description
            ));
        };
        let ok = value.to_str().is_ok_and(|v| rule.pattern.matches(v));
        if !ok {
            return Some(format!(
                "this is a websocket: the {} header must be {}",
                rule.name,
                rule.description.to_lowercase()
            ));
        }
    }
    None
}

impl<S: Send + Sync> FromRequestParts<S> for Handshake {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Handshake, Problem> {
        if !parts.headers.contains_key(axum::http::header::UPGRADE) {
            return Ok(Handshake::Plain);
        }
        if let Some(why) = refusal(&parts.headers) {
            return Err(Problem::bad_request(why));
        }
        WebSocketUpgrade::from_request_parts(parts, state)
            .await
            .map(Handshake::Upgrade)
            .map_err(|e| Problem {
                status: match e.status() {
                    s if s.is_client_error() => StatusCode::BAD_REQUEST,
                    s => s,
                },
                message: format!("this is a websocket: {}", e.body_text()),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (k.parse().unwrap(), v.parse().unwrap()))
            .collect()
    }

    #[test]
    fn a_browsers_handshake_passes_and_each_header_is_named_when_wrong() {
        let good = [
            ("connection", "keep-alive, Upgrade"),
            ("upgrade", "websocket"),
            ("sec-websocket-version", "13"),
            ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ];
        assert_eq!(refusal(&headers(&good)), None);
        for (i, (name, _)) in good.iter().enumerate() {
            let mut without = good.to_vec();
            without.remove(i);
            let why = refusal(&headers(&without)).unwrap();
            assert!(why.to_lowercase().contains(name), "{why}");
        }
        for (name, bad) in [
            ("connection", "keep-alive, upgrades"),
            ("upgrade", "websockets"),
            ("sec-websocket-version", "8"),
            ("sec-websocket-key", "short"),
        ] {
            let mut wrong = good.to_vec();
            wrong.retain(|(k, _)| *k != name);
            wrong.push((name, bad));
            assert!(refusal(&headers(&wrong)).is_some(), "{name}: {bad}");
        }
    }
}

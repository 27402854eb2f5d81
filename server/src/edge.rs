//! The HTTP edge: which `Host` names are answered, and the headers every
//! response carries.
//!
//! A page on another site can make a browser send requests here under a
//! name it controls that resolves to this server (DNS rebinding); the
//! browser then treats this server as that site. So a request is answered
//! only for an IP address (which no rebinding can produce), `localhost`,
//! or a name given with `--public-url`; anything else is a 421 — unless it
//! carries a producer's bearer token that is valid, which no such page can
//! know (any other `Authorization` header, which such a page can add, is
//! no exemption).
//!
//! A page on another site can also open a websocket here, or send a form,
//! from the user's own browser, which then says where the page came from
//! (`Origin`). A websocket upgrade or a request that changes something is
//! refused (403) when it carries an `Origin` other than this server's own
//! (the request's `Host`) or a `--public-url`'s; programs (`logdeck run`,
//! `tail`, curl) send no `Origin` and are not affected.
//!
//! The page's scripts are allowed by the per-request nonce Leptos puts on
//! them (`Content-Security-Policy`, set in [`page_policy`]); every response
//! forbids framing and MIME sniffing and sends no referrer off-site.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::problem::Problem;
use crate::state::AppState;

/// Whether a request naming `host` (a `Host` header's value, maybe with a
/// port) is answered, given the names of `--public-url`.
pub fn host_allowed(host: &str, public: &[String]) -> bool {
    let name = match host.strip_prefix('[') {
        // [v6]:port
        Some(rest) => match rest.split_once(']') {
            Some((v6, _)) => return v6.parse::<std::net::Ipv6Addr>().is_ok(),
            None => return false,
        },
        None => host.rsplit_once(':').map_or(host, |(h, port)| {
            if port.chars().all(|c| c.is_ascii_digit()) {
                h
            } else {
                host
            }
        }),
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name.parse::<std::net::Ipv4Addr>().is_ok()
        || name == "localhost"
        || name.ends_with(".localhost")
        || public.iter().any(|p| p.eq_ignore_ascii_case(&name))
}

/// The host names of `--public-url` values.
pub fn public_hosts(urls: &[url::Url]) -> Vec<String> {
    urls.iter()
        .filter_map(|u| u.host_str())
        .map(|h| {
            h.trim_start_matches('[')
                .trim_end_matches(']')
                .to_ascii_lowercase()
        })
        .collect()
}

/// Refuses requests for hosts not served; adds the common headers.
pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .map(|h| h.to_str().unwrap_or("\u{FFFD}").to_string())
        .or_else(|| req.uri().authority().map(|a| a.to_string()));
    // No Host at all (HTTP/1.0, or a test calling the router): nothing a
    // browser would send.
    if let Some(host) = host
        && !host_allowed(&host, &state.public_hosts)
        && !valid_token(&state, req.headers(), client_ip(req.extensions())).await
    {
        let mut res = Problem {
            status: StatusCode::MISDIRECTED_REQUEST,
            message: format!(
                "this server does not answer for host {host:?}; start it with \
                 --public-url naming it to allow it"
            ),
        }
        .into_response();
        common_headers(&mut res);
        return res;
    }
    if let Some(origin) = foreign_origin(&req, &state.public_hosts) {
        let mut res = Problem {
            status: StatusCode::FORBIDDEN,
            message: format!(
                "a page from {origin:?} may not open a connection or change anything here; \
                 start the server with --public-url naming the origin it is served at"
            ),
        }
        .into_response();
        common_headers(&mut res);
        return res;
    }
    let mut res = next.run(req).await;
    common_headers(&mut res);
    res
}

/// The `Origin` of a websocket upgrade or a state-changing request when it
/// is not one this server is served at: the request's own `Host`, or a
/// `--public-url` name. Reads and requests without `Origin` pass.
fn foreign_origin(req: &Request, public: &[String]) -> Option<String> {
    let upgrade = req
        .headers()
        .get(header::UPGRADE)
        .is_some_and(|u| u.as_bytes().eq_ignore_ascii_case(b"websocket"));
    let reads = matches!(
        *req.method(),
        axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS
    );
    if reads && !upgrade {
        return None;
    }
    let origin = req.headers().get(header::ORIGIN)?;
    let text = origin.to_str().unwrap_or("\u{FFFD}");
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok());
    if origin_allowed(text, host, public) {
        None
    } else {
        Some(text.to_string())
    }
}

/// Whether a page at `origin` (`scheme://host[:port]`) is this server's:
/// the same host and port as the request's `Host`, or a `--public-url`
/// name. `null` (a sandboxed frame, a file) never is.
pub fn origin_allowed(origin: &str, host: Option<&str>, public: &[String]) -> bool {
    let Ok(url) = url::Url::parse(origin) else {
        return false;
    };
    if !matches!(url.scheme(), "http" | "https") {
        return false;
    }
    let Some(name) = url.host_str() else {
        return false;
    };
    let authority = match url.port() {
        Some(p) => format!("{name}:{p}"),
        None => name.to_string(),
    };
    let same = host.is_some_and(|h| {
        let h = h.to_ascii_lowercase();
        h == authority
            || (url.port().is_none()
                && h.strip_suffix(if url.scheme() == "https" {
                    ":443"
                } else {
                    ":80"
                }) == Some(name))
    });
    let name = name.trim_start_matches('[').trim_end_matches(']');
    same || public.iter().any(|p| p.eq_ignore_ascii_case(name))
}

/// Whether the request carries a producer token this server accepts (a
/// wrong one counts against its client, as at the producer endpoints:
/// a 421 against a 200 would otherwise be a free oracle).
async fn valid_token(
    state: &AppState,
    headers: &HeaderMap,
    client: Option<std::net::IpAddr>,
) -> bool {
    headers.contains_key(header::AUTHORIZATION)
        && state
            .live
            .tokens
            .admit(headers, &state.catalog, client)
            .await
            .is_ok()
}

/// The address of the client a request came from, as the accept loop
/// records it ([`crate::listen`]); none for a router called without a
/// socket.
pub fn client_ip(extensions: &axum::http::Extensions) -> Option<std::net::IpAddr> {
    extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip())
}

fn common_headers(res: &mut Response) {
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // The page sets its own policy (with its nonce); everything else may
    // at least not be framed.
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("frame-ancestors 'none'; base-uri 'none'; object-src 'none'"),
        );
    }
}

/// The page's policy: its own origin only, scripts only with this
/// request's nonce (the hydration script), wasm compiled from its own
/// origin, no framing.
pub fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; \
         font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// Sets [`page_policy`] on the response being rendered (called in the
/// page's render context, where Leptos has made the nonce).
pub fn set_page_policy() {
    use leptos::prelude::use_context;
    let (Some(nonce), Some(res)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    if let Ok(v) = HeaderValue::from_str(&page_policy(&nonce.to_string())) {
        res.insert_header(header::CONTENT_SECURITY_POLICY, v);
    }
}

#[cfg(test)]
mod tests {
    use super::{host_allowed, origin_allowed};

    #[test]
    fn only_this_servers_own_origins_are_allowed() {
        let public = ["logs.example.com".to_string()];
        let host = Some("127.0.0.1:3000");
        for ok in [
            "http://127.0.0.1:3000",
            "https://logs.example.com",
            "https://LOGS.example.com:8443",
        ] {
            assert!(origin_allowed(ok, host, &public), "{ok}");
        }
        assert!(origin_allowed(
            "http://localhost",
            Some("localhost:80"),
            &[]
        ));
        assert!(origin_allowed("http://[::1]:3000", Some("[::1]:3000"), &[]));
        for bad in [
            "http://evil.example",
            "http://127.0.0.1:3001",
            "http://localhost:3000",
            "null",
            "file://",
            "chrome-extension://abc",
            "",
        ] {
            assert!(!origin_allowed(bad, host, &public), "{bad}");
        }
    }

    #[test]
    fn hosts() {
        let public = vec!["logs.example.com".to_string()];
        for ok in [
            "127.0.0.1:3000",
            "127.0.0.1",
            "10.1.2.3:80",
            "[::1]:3000",
            "localhost:3000",
            "LOCALHOST",
            "app.localhost:1",
            "logs.example.com",
            "Logs.Example.Com:443",
            "logs.example.com.",
        ] {
            assert!(host_allowed(ok, &public), "{ok}");
        }
        for bad in [
            "attacker.example",
            "attacker.example:3000",
            "localhost.attacker.example",
            "127.0.0.1.nip.io",
            "example.com",
            "[::1",
            "",
        ] {
            assert!(!host_allowed(bad, &public), "{bad}");
        }
    }
}

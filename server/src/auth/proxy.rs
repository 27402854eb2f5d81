//! `--auth proxy`: a reverse proxy in front (oauth2-proxy, an ingress's
//! external authentication, Grafana-style auth proxies) signs people in and
//! names them in a header on each request it forwards. The header is
//! believed only from the proxy's own addresses (`--trusted-proxy`): from
//! anywhere else it is ignored, counted and logged, since anyone can send
//! it.

use std::net::IpAddr;

use axum::http::HeaderMap;
pub use axum::http::HeaderName;
pub use ipnet::IpNet;

use super::{How, RoleMap, Who};
use crate::state::HttpStats;

/// Longest user name believed from a header, in bytes.
const MAX_NAME: usize = 256;

/// The proxy's headers, its addresses, and how groups map to roles.
#[derive(Debug, Clone)]
pub struct Proxy {
    /// The header naming the person (e.g. `X-Forwarded-User`).
    pub user_header: HeaderName,
    /// The header listing their groups, separated by commas (e.g.
    /// `X-Forwarded-Groups`); none: everyone gets the default role.
    pub groups_header: Option<HeaderName>,
    /// Where the proxy connects from.
    pub trusted: Vec<IpNet>,
    pub roles: RoleMap,
}

/// `--trusted-proxy` values: an address (`10.0.0.5`, `::1`) or a network
/// (`10.0.0.0/8`).
pub fn parse_net(s: &str) -> Result<IpNet, String> {
    let s = s.trim();
    s.parse::<IpNet>()
        .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("expected an address or a network like 10.0.0.0/8, not {s:?}"))
}

impl Proxy {
    /// The person the proxy names, if the request came from the proxy and
    /// names one. A name from anywhere else is counted in `stats` and
    /// logged, and the request is no one's.
    pub fn person(
        &self,
        headers: &HeaderMap,
        peer: Option<IpAddr>,
        stats: &HttpStats,
    ) -> Option<Who> {
        let named = headers.get(&self.user_header)?;
        // Only a socket's address counts: a router called without one (a
        // test) is not the proxy either.
        let trusted = peer.is_some_and(|ip| self.trusted.iter().any(|n| n.contains(&ip)));
        if !trusted {
            // Logged the 1st, 2nd, 4th, 8th… time: a client sending the
            // header on every request cannot fill the log.
            let seen = stats.untrusted_identity();
            if seen.is_power_of_two() {
                tracing::warn!(
                    client = ?peer,
                    header = %self.user_header,
                    ignored_so_far = seen,
                    "an identity header from an address that is not a trusted proxy was ignored"
                );
            }
            return None;
        }
        let name = named.to_str().ok()?.trim();
        if name.is_empty() || name.len() > MAX_NAME || name.chars().any(char::is_control) {
            return None;
        }
        let groups: Vec<String> = self
            .groups_header
            .as_ref()
            .and_then(|h| headers.get(h))
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|g| !g.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        Some(Who {
            name: name.to_string(),
            role: self.roles.role(groups.iter().map(String::as_str)),
            how: How::Proxy,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::Role;

    fn proxy() -> Proxy {
        Proxy {
            user_header: HeaderName::from_static("x-forwarded-user"),
            groups_header: Some(HeaderName::from_static("x-forwarded-groups")),
            trusted: vec![parse_net("10.1.0.0/16").unwrap(), parse_net("::1").unwrap()],
            roles: RoleMap {
                groups: vec![("qa".into(), Role::Editor)],
                default: Some(Role::Viewer),
            },
        }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn the_header_counts_from_the_proxy_only() {
        let p = proxy();
        let stats = HttpStats::default();
        let h = headers(&[("x-forwarded-user", "ana"), ("x-forwarded-groups", "x, qa")]);
        let from = |ip: &str| p.person(&h, Some(ip.parse().unwrap()), &stats);
        let ana = from("10.1.2.3").unwrap();
        assert_eq!((ana.name.as_str(), ana.role), ("ana", Some(Role::Editor)));
        assert_eq!(from("::1").unwrap().how, How::Proxy);
        assert_eq!(from("10.2.0.1"), None);
        assert_eq!(p.person(&h, None, &stats), None);
        assert_eq!(stats.untrusted_identities(), 2);
        // No groups: the default role; no or an empty name: no one.
        let plain = headers(&[("x-forwarded-user", "ben")]);
        let ip = Some("10.1.0.9".parse().unwrap());
        assert_eq!(
            p.person(&plain, ip, &stats).unwrap().role,
            Some(Role::Viewer)
        );
        assert_eq!(
            p.person(&headers(&[("x-forwarded-user", " ")]), ip, &stats),
            None
        );
        assert_eq!(p.person(&HeaderMap::new(), ip, &stats), None);
        assert!(parse_net("10.0.0.0/33").is_err() && parse_net("proxy").is_err());
    }
}

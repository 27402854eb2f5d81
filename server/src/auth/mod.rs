//! Who a request is for, and whether they may do what it asks.
//!
//! Each request is identified once, at the edge ([`identify`]), as:
//! - everyone's `local` admin when the server asks no one to sign in
//!   (`--auth none`: the default only on a loopback address);
//! - the person a trusted reverse proxy names in a header (`--auth proxy`,
//!   see [`proxy`]), with the role their groups map to ([`RoleMap`]);
//! - the holder of a producer token (`Authorization: Bearer`): a viewer,
//!   so `logdeck tail` reads what `logdeck run` streams;
//! - no one.
//!
//! Every API operation says what it needs where it is registered
//! (`api::endpoints`, [`Need`]), which is also what the OpenAPI document
//! says (`x-role`); the page and its server functions need a viewer. A
//! request that may not is answered 401 (no one) or 403 (naming the role
//! needed), as JSON.

pub mod oidc;
pub mod proxy;

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use catalog::audit::AuditNote;
use model::{AuditAction, Me, Role};

use crate::problem::Problem;
use crate::state::AppState;

/// The person (or program) a request is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Who {
    /// Their name: the proxy's, a token's, or `local`.
    pub name: String,
    /// What they may do; none when their groups map to no role.
    pub role: Option<Role>,
    /// How they were known.
    pub how: How,
}

/// How a request's person was known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// Nobody signs in (`--auth none`).
    Open,
    /// A trusted proxy's headers.
    Proxy,
    /// A producer token.
    Token,
    /// A session begun by signing in with the identity provider.
    Session,
}

impl Who {
    /// What the page shows of them.
    pub fn me(&self) -> Option<Me> {
        Some(Me {
            name: self.name.clone(),
            role: self.role?,
            signed_in: self.how != How::Open,
            can_sign_out: self.how == How::Session,
        })
    }
}

/// What an operation needs of the request's person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Anyone, signed in or not (health, the API's description).
    Anyone,
    /// A person with at least this role.
    Role(Role),
    /// A token of this scope, which the operation checks itself (a
    /// producer's also ties the run to the token that created it).
    Token(model::TokenScope),
}

impl Need {
    /// The word the OpenAPI document and the README's table give it.
    pub fn word(self) -> &'static str {
        match self {
            Need::Anyone => "anyone",
            Need::Token(scope) => scope.as_str(),
            Need::Role(r) => r.as_str(),
        }
    }
}

/// How people are authenticated (`--auth`).
#[derive(Debug, Clone, Default)]
pub enum AuthMode {
    /// Nobody signs in; everyone is the `local` admin.
    #[default]
    None,
    /// A reverse proxy in front authenticates and names the person.
    Proxy(proxy::Proxy),
    /// People sign in with an OpenID Connect provider.
    Oidc(Arc<oidc::Oidc>),
}

/// Which groups give which role, and the role of a person in none of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleMap {
    /// (group, role) pairs; a person gets the highest role of their groups.
    pub groups: Vec<(String, Role)>,
    /// The role of a person whose groups map to none; `None`: they may do
    /// nothing.
    pub default: Option<Role>,
}

impl RoleMap {
    /// The role of a member of `groups`.
    pub fn role<'a>(&self, groups: impl IntoIterator<Item = &'a str>) -> Option<Role> {
        let mut best = None::<Role>;
        for g in groups {
            for (group, role) in &self.groups {
                if group == g && best.is_none_or(|b| !b.allows(*role)) {
                    best = Some(*role);
                }
            }
        }
        best.or(self.default)
    }
}

/// `ROLE=GROUP` (as `--role`): members of GROUP get ROLE.
pub fn parse_role_rule(s: &str) -> Result<(String, Role), String> {
    let (role, group) = s
        .split_once('=')
        .ok_or_else(|| format!("expected ROLE=GROUP (e.g. editor=support), not {s:?}"))?;
    let role: Role = role.trim().parse().map_err(|e| format!("role {e}"))?;
    let group = group.trim();
    if group.is_empty() {
        return Err(format!("{s:?} names no group"));
    }
    Ok((group.to_string(), role))
}

/// How this server authenticates, shared by every request.
#[derive(Debug, Clone, Default)]
pub struct Auth {
    pub mode: AuthMode,
}

/// Identifies the request's person (see the module's documentation) and
/// puts a [`Who`] in its extensions when there is one; the page and its
/// server functions need a viewer.
pub async fn identify(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    // The bundle's files and the health probes are anyone's: no session
    // or token is looked up for them.
    if open_to_anyone(req.uri().path()) {
        return next.run(req).await;
    }
    let peer = crate::edge::client_ip(req.extensions());
    let (who, token) = who(&state, req.headers(), peer).await;
    if let Some(checked) = token {
        // A producer's operation reads the answer rather than counting a
        // wrong token twice.
        req.extensions_mut().insert(TokenChecked(checked));
    }
    let path = req.uri().path();
    if page_needs_viewer(path)
        && let Err(refusal) = allowed(who.as_ref(), Need::Role(Role::Viewer), &state.auth)
    {
        // A browser asking for the page goes to sign in, and comes back.
        if who.is_none()
            && matches!(state.auth.mode, AuthMode::Oidc(_))
            && req.method() == axum::http::Method::GET
            && !path.starts_with("/api/")
        {
            let next = req.uri().path_and_query().map_or("/", |p| p.as_str());
            let to = format!(
                "/auth/sign-in?next={}",
                url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
            );
            return axum::response::Redirect::to(&to).into_response();
        }
        return refusal.into_response();
    }
    if let Some(who) = who {
        req.extensions_mut().insert(who);
    }
    req.extensions_mut().insert(state.auth.clone());
    next.run(req).await
}

/// A producer token's check, made once per request (see [`identify`]).
#[derive(Debug, Clone)]
pub struct TokenChecked(pub Result<crate::live::tokens::Holder, crate::live::tokens::AuthError>);

/// The check of the request's bearer token: the one [`identify`] made, or
/// one made now (counting a wrong token against the client).
pub async fn presented_token(
    state: &AppState,
    parts: &axum::http::request::Parts,
) -> Result<crate::live::tokens::Holder, crate::live::tokens::AuthError> {
    match parts.extensions.get::<TokenChecked>() {
        Some(c) => c.0.clone(),
        None => {
            let client = crate::edge::client_ip(&parts.extensions);
            state
                .live
                .tokens
                .admit(&parts.headers, &state.catalog, client)
                .await
        }
    }
}

/// The person of a request, if any, and the check of the producer token it
/// presented, if one was checked.
async fn who(
    state: &AppState,
    headers: &HeaderMap,
    peer: Option<IpAddr>,
) -> (
    Option<Who>,
    Option<Result<crate::live::tokens::Holder, crate::live::tokens::AuthError>>,
) {
    let by_proxy = match &state.auth.mode {
        AuthMode::None => {
            let local = Who {
                name: "local".into(),
                role: Some(Role::Admin),
                how: How::Open,
            };
            return (Some(local), None);
        }
        AuthMode::Proxy(p) => p.person(headers, peer, &state.http),
        AuthMode::Oidc(o) => o.person(state, headers).await,
    };
    if by_proxy.is_some() || !headers.contains_key(axum::http::header::AUTHORIZATION) {
        return (by_proxy, None);
    }
    // A producer token's holder: a viewer named after the token. An
    // inventory token's may only send entries.
    let checked = state.live.tokens.admit(headers, &state.catalog, peer).await;
    let who = checked
        .as_ref()
        .ok()
        .filter(|h| h.scope == model::TokenScope::Producer)
        .map(|h| Who {
            name: h.name.clone(),
            role: Some(Role::Viewer),
            how: How::Token,
        });
    (who, Some(checked))
}

/// Paths outside the API that show data: the page (any path the router
/// renders) and its server functions. Health probes, the bundle's files
/// and the API (which checks per operation) are not among them.
fn page_needs_viewer(path: &str) -> bool {
    !(open_to_anyone(path)
        || path.starts_with("/auth/")
        || (path.starts_with("/api/") && !path.starts_with("/api/fn/")))
}

/// Paths anyone may fetch, whoever they are: the health probes and the
/// browser bundle's files.
fn open_to_anyone(path: &str) -> bool {
    path == "/healthz" || path == "/readyz" || path.starts_with("/pkg/") || path == "/favicon.ico"
}

/// Why a request may not go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: StatusCode,
    pub message: String,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut res = Problem {
            status: self.status,
            message: self.message,
        }
        .into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer realm=\"logdeck\""),
            );
        }
        res
    }
}

/// Whether `who` may do what needs `need`.
pub fn allowed(who: Option<&Who>, need: Need, auth: &Auth) -> Result<(), Refusal> {
    let role = match need {
        Need::Anyone | Need::Token(_) => return Ok(()),
        Need::Role(r) => r,
    };
    let Some(who) = who else {
        let how = match auth.mode {
            AuthMode::Proxy(_) => "through the proxy in front of this server",
            AuthMode::Oidc(_) => "at /auth/sign-in",
            AuthMode::None => "",
        };
        return Err(Refusal {
            status: StatusCode::UNAUTHORIZED,
            message: format!(
                "sign in {how} first: this needs the {role} role (a producer token gives the viewer role)"
            ),
        });
    };
    match who.role {
        Some(has) if has.allows(role) => Ok(()),
        Some(has) => Err(Refusal {
            status: StatusCode::FORBIDDEN,
            message: format!(
                "this needs the {role} role; {} has the {has} role",
                who.name
            ),
        }),
        None => Err(Refusal {
            status: StatusCode::FORBIDDEN,
            message: format!(
                "this needs the {role} role; {} is signed in but no role is given to their groups",
                who.name
            ),
        }),
    }
}

/// Refuses the request unless its person meets `need` (a route layer of
/// one API operation).
pub async fn require(need: Need, req: Request, next: Next) -> Response {
    let auth = req
        .extensions()
        .get::<Arc<Auth>>()
        .cloned()
        .unwrap_or_default();
    match allowed(req.extensions().get::<Who>(), need, &auth) {
        Ok(()) => next.run(req).await,
        Err(refusal) => refusal.into_response(),
    }
}

/// The person a request is for (if any) and the address it came from: what
/// a handler that changes something records in the audit trail.
#[derive(Debug, Clone, Default)]
pub struct Caller {
    pub who: Option<Who>,
    pub address: Option<IpAddr>,
}

impl Caller {
    /// The name the audit trail gives them.
    pub fn name(&self) -> &str {
        self.who.as_ref().map_or("anonymous", |w| w.name.as_str())
    }

    /// Records `action` on `target` in the audit trail. A failure to write
    /// it is logged: the change itself is done.
    pub async fn record(
        &self,
        state: &AppState,
        action: AuditAction,
        target: Option<String>,
        detail: Option<String>,
    ) {
        let note = AuditNote {
            actor: self.name(),
            action,
            target,
            address: self.address.map(|a| a.to_string()),
            detail,
        };
        if let Err(e) = state.catalog.audit(&note, catalog::now_ms()).await {
            tracing::error!(error = %e, action = %action, actor = note.actor, "the audit trail could not record a change");
        }
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Caller {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Caller, Self::Rejection> {
        Ok(Caller {
            who: parts.extensions.get::<Who>().cloned(),
            address: crate::edge::client_ip(&parts.extensions),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_gets_the_highest_role_of_their_groups_else_the_default() {
        let map = RoleMap {
            groups: vec![
                ("qa".into(), Role::Editor),
                ("ops".into(), Role::Admin),
                ("all".into(), Role::Viewer),
            ],
            default: None,
        };
        assert_eq!(map.role(["all", "qa"]), Some(Role::Editor));
        assert_eq!(map.role(["ops", "qa", "all"]), Some(Role::Admin));
        assert_eq!(map.role(["guests"]), None);
        let open = RoleMap {
            default: Some(Role::Viewer),
            ..map
        };
        assert_eq!(open.role([]), Some(Role::Viewer));
        assert_eq!(
            parse_role_rule("editor=qa leads"),
            Ok(("qa leads".into(), Role::Editor))
        );
        assert!(parse_role_rule("root=qa").is_err());
        assert!(parse_role_rule("editor=").is_err());
        assert!(parse_role_rule("editor").is_err());
    }

    #[test]
    fn refusals_say_who_and_what_is_needed() {
        let auth = Auth::default();
        let viewer = Who {
            name: "ana".into(),
            role: Some(Role::Viewer),
            how: How::Proxy,
        };
        assert!(allowed(Some(&viewer), Need::Role(Role::Viewer), &auth).is_ok());
        let no = allowed(Some(&viewer), Need::Role(Role::Editor), &auth).unwrap_err();
        assert_eq!(no.status, StatusCode::FORBIDDEN);
        assert!(
            no.message
                .contains("needs the editor role; ana has the viewer role")
        );
        let nobody = allowed(None, Need::Role(Role::Viewer), &auth).unwrap_err();
        assert_eq!(nobody.status, StatusCode::UNAUTHORIZED);
        assert!(allowed(None, Need::Anyone, &auth).is_ok());
        let roleless = Who {
            role: None,
            ..viewer
        };
        assert_eq!(
            allowed(Some(&roleless), Need::Role(Role::Viewer), &auth)
                .unwrap_err()
                .status,
            StatusCode::FORBIDDEN
        );
        assert!(page_needs_viewer("/") && page_needs_viewer("/api/fn/list_runs"));
        assert!(!page_needs_viewer("/pkg/x.wasm") && !page_needs_viewer("/api/runs"));
    }
}

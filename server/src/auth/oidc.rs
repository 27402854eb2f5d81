//! `--auth oidc`: sign-in with an OpenID Connect provider (Keycloak, Okta,
//! Entra ID, Google, Dex, Authentik…), as a confidential or public client.
//!
//! The flow: `/auth/sign-in` sends the browser to the provider's
//! authorization endpoint (found by discovery) with a fresh `state`,
//! `nonce` and PKCE challenge, which it also keeps in a short-lived
//! `HttpOnly` cookie; `/auth/callback` checks `state` against that cookie,
//! exchanges the code (with the PKCE verifier), verifies the ID token
//! against the provider's published keys (signature, issuer, audience,
//! expiry and `nonce`), reads the person's name and groups (from the ID
//! token, else from the userinfo endpoint), maps the groups to a role, and
//! starts a server-side session (in the catalog) behind an `HttpOnly`,
//! `SameSite=Lax` cookie, `Secure` when the public URL is https. A session
//! lasts `--session-hours` from its last renewal; used past half of that it
//! is renewed. `/auth/sign-out` ends it here and at the provider.
//!
//! Every sign-in and every refused one is in the audit trail.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use catalog::sessions::Session;
use model::AuditAction;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::sync::RwLock;

use super::{Caller, How, RoleMap, Who};
use crate::state::AppState;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "logdeck_session";
/// The cookie that carries a sign-in in progress.
const SIGNIN_COOKIE: &str = "logdeck_signin";
/// How long a sign-in may take at the provider.
const SIGNIN_TTL: Duration = Duration::from_secs(600);
/// Longest wait for the provider.
const PROVIDER_DEADLINE: Duration = Duration::from_secs(10);
/// Largest answer read from the provider.
const MAX_ANSWER: usize = 1 << 20;

/// The provider and this client, as configured.
#[derive(Debug, Clone)]
pub struct OidcConfig {
    /// The issuer, exactly as the provider names itself.
    pub issuer: url::Url,
    pub client_id: String,
    /// None: a public client (PKCE alone).
    pub client_secret: Option<String>,
    /// The dashboard's public URL: the redirect URI is `/auth/callback`
    /// under it.
    pub public_url: url::Url,
    /// Scopes asked for (`openid` is always among them).
    pub scopes: Vec<String>,
    /// The claim naming the person (`preferred_username`, else `email`,
    /// else `sub`).
    pub name_claim: String,
    /// The claim listing their groups.
    pub groups_claim: String,
    pub roles: RoleMap,
    /// How long a session lasts unless used.
    pub session: Duration,
}

/// The provider's endpoints and keys, read once and again when a key is
/// not found (the provider rotated its keys).
#[derive(Debug, Clone, Deserialize)]
struct Discovered {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    #[serde(default)]
    userinfo_endpoint: Option<String>,
    #[serde(default)]
    end_session_endpoint: Option<String>,
}

/// OpenID Connect sign-in, shared by every request.
#[derive(Debug)]
pub struct Oidc {
    pub config: OidcConfig,
    http: reqwest::Client,
    provider: RwLock<Option<(Discovered, jsonwebtoken::jwk::JwkSet)>>,
    /// Refused sign-ins by client address: past the limit an address is
    /// refused (429) for a while, which also bounds what it can write to
    /// the audit trail.
    failures: crate::live::guesses::Guesses,
}

/// Why a sign-in is refused: said to the person and kept in the audit
/// trail.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("the identity provider could not be reached: {0}")]
    Provider(String),
    #[error("this sign-in was not started here, or took longer than 10 minutes; start again")]
    State,
    #[error("the identity provider refused: {0}")]
    Refused(String),
    #[error("the identity provider's token is not valid: {0}")]
    Token(String),
    #[error("the catalog could not keep the session")]
    Catalog,
}

impl Oidc {
    pub fn new(config: OidcConfig) -> anyhow::Result<Oidc> {
        let http = httpclient::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(PROVIDER_DEADLINE)
            .build()?;
        Ok(Oidc {
            config,
            http,
            provider: RwLock::new(None),
            failures: Default::default(),
        })
    }

    /// Whether the session cookie must only travel over https.
    fn secure(&self) -> bool {
        self.config.public_url.scheme() == "https"
    }

    fn redirect_uri(&self) -> String {
        self.under("auth/callback")
    }

    /// `path` under the public URL.
    fn under(&self, path: &str) -> String {
        let mut base = self.config.public_url.clone();
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        base.join(path)
            .map_or_else(|_| path.to_string(), String::from)
    }

    async fn fetch_json<T: serde::de::DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<T, SignInError> {
        let res = req
            .send()
            .await
            .map_err(|e| SignInError::Provider(e.to_string()))?;
        let status = res.status();
        let bytes = res
            .bytes()
            .await
            .map_err(|e| SignInError::Provider(e.to_string()))?;
        if bytes.len() > MAX_ANSWER {
            return Err(SignInError::Provider("its answer is too large".into()));
        }
        if !status.is_success() {
            let why: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
            let text = why["error_description"]
                .as_str()
                .or(why["error"].as_str())
                .map_or_else(|| format!("HTTP {status}"), str::to_string);
            return Err(SignInError::Refused(crate::problem::cut_message(&text)));
        }
        serde_json::from_slice(&bytes)
            .map_err(|e| SignInError::Provider(format!("unexpected answer: {e}")))
    }

    /// The provider's endpoints and keys; `fresh` reads them again.
    async fn provider(
        &self,
        fresh: bool,
    ) -> Result<(Discovered, jsonwebtoken::jwk::JwkSet), SignInError> {
        if !fresh && let Some(p) = self.provider.read().await.clone() {
            return Ok(p);
        }
        let issuer = self.config.issuer.as_str().trim_end_matches('/');
        let url = format!("{issuer}/.well-known/openid-configuration");
        let found: Discovered = self.fetch_json(self.http.get(&url)).await?;
        if found.issuer.trim_end_matches('/') != issuer {
            return Err(SignInError::Provider(format!(
                "it names itself {:?}, not {issuer:?}",
                found.issuer
            )));
        }
        let keys: jsonwebtoken::jwk::JwkSet =
            self.fetch_json(self.http.get(&found.jwks_uri)).await?;
        *self.provider.write().await = Some((found.clone(), keys.clone()));
        Ok((found, keys))
    }

    /// Where to send the browser to sign in, and the cookie that remembers
    /// this sign-in until it comes back.
    pub async fn start(&self, next: &str) -> Result<(String, String), SignInError> {
        let (p, _) = self.provider(false).await?;
        let state = random();
        let nonce = random();
        let verifier = format!("{}{}", random(), random());
        let challenge = B64.encode(Sha256::digest(verifier.as_bytes()));
        let mut url = url::Url::parse(&p.authorization_endpoint)
            .map_err(|e| SignInError::Provider(format!("bad authorization endpoint: {e}")))?;
        let mut scopes = vec!["openid".to_string()];
        scopes.extend(
            self.config
                .scopes
                .iter()
                .filter(|s| *s != "openid")
                .cloned(),
        );
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.config.client_id)
            .append_pair("redirect_uri", &self.redirect_uri())
            .append_pair("scope", &scopes.join(" "))
            .append_pair("state", &state)
            .append_pair("nonce", &nonce)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        let pending = format!(
            "{state}.{nonce}.{verifier}.{}",
            B64.encode(local_path(next))
        );
        let cookie = self.cookie(SIGNIN_COOKIE, &pending, Some(SIGNIN_TTL), "/auth/");
        Ok((url.into(), cookie))
    }

    /// Finishes a sign-in: the person it is for, and where they were going.
    pub async fn finish(
        &self,
        headers: &HeaderMap,
        answer: &Callback,
    ) -> Result<(Who, String), SignInError> {
        let pending = cookie(headers, SIGNIN_COOKIE).ok_or(SignInError::State)?;
        let mut parts = pending.split('.');
        let (Some(state), Some(nonce), Some(verifier), Some(next)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(SignInError::State);
        };
        let given = answer.state.as_deref().unwrap_or_default();
        if !bool::from(subtle::ConstantTimeEq::ct_eq(
            given.as_bytes(),
            state.as_bytes(),
        )) {
            return Err(SignInError::State);
        }
        if let Some(e) = &answer.error {
            let more = answer.error_description.as_deref().unwrap_or_default();
            return Err(SignInError::Refused(crate::problem::cut_message(&format!(
                "{e} {more}"
            ))));
        }
        let code = answer
            .code
            .as_deref()
            .ok_or_else(|| SignInError::Refused("no code in the answer".into()))?;
        let (p, _) = self.provider(false).await?;
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "authorization_code")
            .append_pair("code", code)
            .append_pair("redirect_uri", &self.redirect_uri())
            .append_pair("client_id", &self.config.client_id)
            .append_pair("code_verifier", verifier)
            .finish();
        let mut req = self
            .http
            .post(&p.token_endpoint)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .body(form);
        if let Some(secret) = &self.config.client_secret {
            req = req.basic_auth(
                form_encode(&self.config.client_id),
                Some(form_encode(secret)),
            );
        }
        let tokens: TokenAnswer = self.fetch_json(req).await?;
        let claims = self.verify(&tokens.id_token, nonce).await?;
        let claims = match self.missing_claims(&claims) {
            false => claims,
            true => {
                self.with_userinfo(claims, &p, tokens.access_token.as_deref())
                    .await
            }
        };
        let name = [
            self.config.name_claim.as_str(),
            "preferred_username",
            "email",
            "sub",
        ]
        .iter()
        .find_map(|c| claims[*c].as_str().filter(|s| !s.trim().is_empty()))
        .unwrap_or("unknown")
        .to_string();
        let groups: Vec<String> = match &claims[self.config.groups_claim.as_str()] {
            serde_json::Value::Array(a) => a
                .iter()
                .filter_map(|g| g.as_str().map(str::to_string))
                .collect(),
            serde_json::Value::String(s) => s
                .split([',', ' '])
                .filter(|g| !g.is_empty())
                .map(str::to_string)
                .collect(),
            _ => Vec::new(),
        };
        let who = Who {
            name,
            role: self.config.roles.role(groups.iter().map(String::as_str)),
            how: How::Session,
        };
        let next = B64
            .decode(next)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .map_or_else(|| "/".to_string(), |n| local_path(&n).to_string());
        Ok((who, next))
    }

    fn missing_claims(&self, claims: &serde_json::Value) -> bool {
        claims.get(&self.config.groups_claim).is_none()
            || claims.get(&self.config.name_claim).is_none()
    }

    /// The ID token's claims, once its signature, issuer, audience, expiry
    /// and nonce are checked.
    async fn verify(&self, token: &str, nonce: &str) -> Result<serde_json::Value, SignInError> {
        let head =
            jsonwebtoken::decode_header(token).map_err(|e| SignInError::Token(e.to_string()))?;
        let mut found = None;
        for fresh in [false, true] {
            let (_, keys) = self.provider(fresh).await?;
            found = match &head.kid {
                Some(kid) => keys.find(kid).cloned(),
                None => keys.keys.first().cloned(),
            };
            if found.is_some() {
                break;
            }
        }
        let jwk = found.ok_or_else(|| {
            SignInError::Token("signed with a key the provider does not publish".into())
        })?;
        // The algorithm is the key's, not only the token's say: a token
        // that names HMAC (a shared secret) or another algorithm than its
        // key's is refused.
        use jsonwebtoken::Algorithm::{HS256, HS384, HS512};
        if matches!(head.alg, HS256 | HS384 | HS512) {
            return Err(SignInError::Token(
                "HMAC-signed ID tokens are not accepted".into(),
            ));
        }
        if let Some(alg) = jwk.common.key_algorithm
            && alg.to_string() != format!("{:?}", head.alg)
        {
            return Err(SignInError::Token(format!(
                "signed with {:?}, but its key is for {alg}",
                head.alg
            )));
        }
        let key = jsonwebtoken::DecodingKey::from_jwk(&jwk)
            .map_err(|e| SignInError::Token(e.to_string()))?;
        let mut rules = jsonwebtoken::Validation::new(head.alg);
        rules.set_audience(&[&self.config.client_id]);
        rules.set_issuer(&[
            self.config.issuer.as_str().trim_end_matches('/'),
            self.config.issuer.as_str(),
        ]);
        rules.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        rules.leeway = 30;
        let data = jsonwebtoken::decode::<serde_json::Value>(token, &key, &rules)
            .map_err(|e| SignInError::Token(e.to_string()))?;
        let claims = data.claims;
        if claims["nonce"].as_str() != Some(nonce) {
            return Err(SignInError::Token("its nonce is not this sign-in's".into()));
        }
        Ok(claims)
    }

    /// The userinfo endpoint's claims over the ID token's (for providers
    /// that put only `sub` in the ID token). The same `sub` or nothing.
    async fn with_userinfo(
        &self,
        mut claims: serde_json::Value,
        p: &Discovered,
        access_token: Option<&str>,
    ) -> serde_json::Value {
        let (Some(url), Some(token)) = (&p.userinfo_endpoint, access_token) else {
            return claims;
        };
        let info: Result<serde_json::Value, _> =
            self.fetch_json(self.http.get(url).bearer_auth(token)).await;
        match info {
            Ok(serde_json::Value::Object(more)) if more.get("sub") == claims.get("sub") => {
                if let Some(c) = claims.as_object_mut() {
                    for (k, v) in more {
                        c.entry(k).or_insert(v);
                    }
                }
            }
            Ok(_) => tracing::warn!("the userinfo answer is for someone else; it is ignored"),
            Err(e) => tracing::warn!(error = %e, "the userinfo endpoint could not be read"),
        }
        claims
    }

    /// A `Set-Cookie` value: `HttpOnly`, `SameSite=Lax`, `Secure` on https.
    fn cookie(&self, name: &str, value: &str, max_age: Option<Duration>, path: &str) -> String {
        let mut c = format!("{name}={value}; Path={path}; HttpOnly; SameSite=Lax");
        if let Some(age) = max_age {
            c.push_str(&format!("; Max-Age={}", age.as_secs()));
        }
        if self.secure() {
            c.push_str("; Secure");
        }
        c
    }

    /// The person of a session cookie, renewing the session when more than
    /// half of it is used.
    pub async fn person(&self, state: &AppState, headers: &HeaderMap) -> Option<Who> {
        let secret = cookie(headers, SESSION_COOKIE)?;
        let hash = session_hash(&secret);
        let now = catalog::now_ms();
        let s = match state.catalog.session(&hash, now).await {
            Ok(s) => s?,
            Err(e) => {
                tracing::error!(error = %e, "sessions could not be read");
                return None;
            }
        };
        let life = self.config.session.as_millis() as i64;
        if s.expires_ms - now < life / 2 {
            let _ = state.catalog.renew_session(&hash, now + life).await;
        }
        Some(Who {
            name: s.name,
            role: s.role,
            how: How::Session,
        })
    }
}

/// What the provider sends the browser back with.
#[derive(Debug, Default, Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

#[derive(Debug, Deserialize)]
struct TokenAnswer {
    id_token: String,
    #[serde(default)]
    access_token: Option<String>,
}

/// 32 random bytes, URL-safe.
fn random() -> String {
    B64.encode(rand::random::<[u8; 32]>())
}

/// What the catalog keeps of a session's secret.
pub fn session_hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `client_secret_basic` form-encodes the id and secret before Basic.
fn form_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A path on this site to go to after signing in: only a local path
/// (`/…`, not `//host` or a URL), else `/`.
fn local_path(next: &str) -> &str {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(char::is_control);
    if ok { next } else { "/" }
}

/// A cookie's value from the request.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The sign-in routes: `/auth/sign-in`, `/auth/callback`, `/auth/sign-out`
/// and `/auth/signed-out`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/sign-in", get(sign_in))
        .route("/auth/callback", get(callback))
        .route("/auth/sign-out", post(sign_out))
        .route("/auth/signed-out", get(signed_out))
}

fn oidc(state: &AppState) -> Option<Arc<Oidc>> {
    match &state.auth.mode {
        super::AuthMode::Oidc(o) => Some(o.clone()),
        _ => None,
    }
}

#[derive(Debug, Default, Deserialize)]
struct SignIn {
    next: Option<String>,
}

async fn sign_in(State(s): State<AppState>, Query(q): Query<SignIn>) -> Response {
    let Some(o) = oidc(&s) else {
        return Redirect::to("/").into_response();
    };
    match o.start(q.next.as_deref().unwrap_or("/")).await {
        Ok((url, cookie)) => with_cookie(Redirect::to(&url).into_response(), &cookie),
        Err(e) => page(
            StatusCode::SERVICE_UNAVAILABLE,
            "Sign-in is not available",
            &e.to_string(),
            None,
        ),
    }
}

async fn callback(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Query(answer): Query<Callback>,
) -> Response {
    let Some(o) = oidc(&s) else {
        return Redirect::to("/").into_response();
    };
    let clear = o.cookie(SIGNIN_COOKIE, "", Some(Duration::ZERO), "/auth/");
    let now = std::time::Instant::now();
    if let Some(ip) = caller.address
        && let Some(wait) = o.failures.refused_for(ip, now)
    {
        let mut res = page(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many failed sign-ins",
            &format!(
                "Too many sign-ins from this address failed; try again in {} s.",
                wait.as_secs().max(1)
            ),
            None,
        );
        res.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(wait.as_secs().max(1)),
        );
        return with_cookie(res, &clear);
    }
    let result = match o.finish(&headers, &answer).await {
        Ok((who, next)) => start_session(&s, &o, who, next).await,
        Err(e) => Err(e),
    };
    match result {
        Ok((who, next, session_cookie)) => {
            let signed = Caller {
                who: Some(who),
                address: caller.address,
            };
            signed.record(&s, AuditAction::SignIn, None, None).await;
            let res = with_cookie(Redirect::to(&next).into_response(), &clear);
            with_cookie(res, &session_cookie)
        }
        Err(e) => {
            if let Some(ip) = caller.address {
                o.failures.failed(ip, now);
            }
            caller
                .record(&s, AuditAction::SignInFailed, None, Some(e.to_string()))
                .await;
            tracing::warn!(client = ?caller.address, reason = %e, "a sign-in was refused");
            with_cookie(
                page(
                    StatusCode::UNAUTHORIZED,
                    "Sign-in failed",
                    &e.to_string(),
                    None,
                ),
                &clear,
            )
        }
    }
}

async fn start_session(
    s: &AppState,
    o: &Oidc,
    who: Who,
    next: String,
) -> Result<(Who, String, String), SignInError> {
    let secret = random();
    let now = catalog::now_ms();
    let session = Session {
        name: who.name.clone(),
        role: who.role,
        created_ms: now,
        expires_ms: now + o.config.session.as_millis() as i64,
    };
    s.catalog
        .create_session(&session_hash(&secret), &session)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "a session could not be stored");
            SignInError::Catalog
        })?;
    // The cookie outlives the session a little: the catalog says when it ends.
    let cookie = o.cookie(SESSION_COOKIE, &secret, Some(o.config.session * 2), "/");
    Ok((who, next, cookie))
}

async fn sign_out(State(s): State<AppState>, caller: Caller, headers: HeaderMap) -> Response {
    let Some(o) = oidc(&s) else {
        return Redirect::to("/").into_response();
    };
    if let Some(secret) = cookie(&headers, SESSION_COOKIE) {
        let _ = s
            .catalog
            .end_session(&session_hash(&secret), catalog::now_ms())
            .await;
        caller.record(&s, AuditAction::SignOut, None, None).await;
    }
    let clear = o.cookie(SESSION_COOKIE, "", Some(Duration::ZERO), "/");
    // The page's policy keeps its forms (and their redirects) on this
    // site: the provider is reached from the signed-out page.
    with_cookie(
        Redirect::to("/auth/signed-out?at_provider=1").into_response(),
        &clear,
    )
}

#[derive(Debug, Default, Deserialize)]
struct SignedOut {
    #[serde(default)]
    at_provider: Option<String>,
}

/// Signed out here; on the way to be signed out at the provider too, when
/// it offers that (RP-initiated logout), which sends the browser back here.
async fn signed_out(State(s): State<AppState>, Query(q): Query<SignedOut>) -> Response {
    let done = page(
        StatusCode::OK,
        "Signed out",
        "You are signed out of logdeck.",
        None,
    );
    let (Some(o), Some(_)) = (oidc(&s), q.at_provider) else {
        return done;
    };
    let Some(end) = o
        .provider(false)
        .await
        .ok()
        .and_then(|(p, _)| p.end_session_endpoint)
    else {
        return done;
    };
    match url::Url::parse(&end) {
        Ok(mut u) => {
            u.query_pairs_mut()
                .append_pair("client_id", &o.config.client_id)
                .append_pair("post_logout_redirect_uri", &o.under("auth/signed-out"));
            page(
                StatusCode::OK,
                "Signed out",
                "You are signed out of logdeck; now signing you out at the identity provider…",
                Some(u.as_str()),
            )
        }
        Err(_) => done,
    }
}

fn with_cookie(mut res: Response, cookie: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// A small page of its own for the sign-in's outcomes (the dashboard's
/// page needs a session to render).
fn page(status: StatusCode, title: &str, text: &str, go: Option<&str>) -> Response {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let refresh = go.map_or(String::new(), |to| {
        format!(
            "<meta http-equiv=\"refresh\" content=\"0;url={}\">",
            esc(to)
        )
    });
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">{refresh}\
         <title>{t} · logdeck</title><style>body{{font:16px system-ui,sans-serif;max-width:36em;margin:12vh auto;padding:0 16px;color-scheme:light dark}}</style></head>\
         <body><h1>{t}</h1><p data-testid=\"auth-message\">{m}</p><p><a href=\"/auth/sign-in\" data-testid=\"sign-in\">Sign in</a></p></body></html>",
        t = esc(title),
        m = esc(text)
    );
    (status, Html(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key made for these tests only (a PKCS#8 PEM) and its public
    /// modulus, as a provider would publish it.
    const TEST_KEY: &str = include_str!("oidc_test_key.pem");
    const TEST_N: &str = "sCgtLDZHK-yD0r8vQPFJmF2xti4yFGMXPE1-UtJlSaBLaYbsmBJyGE63wEpApzkakDi-yt9BJztfJICkfG-c-QvGnig4wHp1tJmJ6XZloILJsoeMnYD2FJVd7NQBmXELBB2srvWXPcci1tk3XLzA1pMjDdTXhC0qgeerPzTj4krVT8uNnNsguafqsmpFVvh01qCaIJ26kyesfmwh_2YRGQN8suIcV2yRdOLB_uTG99OzDN4KxrMzuBajBoaKI8HXb41Nt7sy3Zm03JJzLQYbAdx8EqW3-0o0bAhTRMNB640aBqXMaguOw0GqzZIgjOSnqlmhNMFtm06SOe3faz5Cpw";

    /// A provider that publishes its discovery document and `TEST_KEY`'s
    /// public half as `k1`, on a port of its own.
    async fn provider() -> Oidc {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let doc = serde_json::json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/auth"),
            "token_endpoint": format!("{issuer}/token"),
            "jwks_uri": format!("{issuer}/jwks"),
        });
        let keys = serde_json::json!({"keys": [{"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256", "n": TEST_N, "e": "AQAB"}]});
        let app = Router::new()
            .route(
                "/.well-known/openid-configuration",
                get(move || async move { axum::Json(doc) }),
            )
            .route("/jwks", get(move || async move { axum::Json(keys) }));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Oidc::new(OidcConfig {
            issuer: issuer.parse().unwrap(),
            client_id: "logdeck".into(),
            client_secret: None,
            public_url: "https://logs.example.com".parse().unwrap(),
            scopes: vec![],
            name_claim: "preferred_username".into(),
            groups_claim: "groups".into(),
            roles: RoleMap::default(),
            session: Duration::from_secs(3600),
        })
        .unwrap()
    }

    fn token(
        o: &Oidc,
        alg: jsonwebtoken::Algorithm,
        kid: &str,
        change: impl FnOnce(&mut serde_json::Value),
    ) -> String {
        let now = jsonwebtoken::get_current_timestamp();
        let mut claims = serde_json::json!({
            "iss": o.config.issuer.as_str().trim_end_matches('/'),
            "aud": "logdeck", "sub": "u1", "nonce": "n1",
            "iat": now, "exp": now + 300, "preferred_username": "ana",
        });
        change(&mut claims);
        let mut head = jsonwebtoken::Header::new(alg);
        head.kid = Some(kid.into());
        let key = match alg {
            jsonwebtoken::Algorithm::HS256 => {
                jsonwebtoken::EncodingKey::from_secret(TEST_N.as_bytes())
            }
            _ => jsonwebtoken::EncodingKey::from_rsa_pem(TEST_KEY.as_bytes()).unwrap(),
        };
        jsonwebtoken::encode(&head, &claims, &key).unwrap()
    }

    #[tokio::test]
    async fn id_tokens_are_verified_against_the_providers_keys() {
        use jsonwebtoken::Algorithm::{HS256, RS256};
        let o = provider().await;
        let good = token(&o, RS256, "k1", |_| {});
        assert_eq!(
            o.verify(&good, "n1").await.unwrap()["preferred_username"],
            "ana"
        );
        let refused = [
            ("another sign-in's nonce", good.clone(), "n2"),
            (
                "for another client",
                token(&o, RS256, "k1", |c| c["aud"] = "other".into()),
                "n1",
            ),
            (
                "from another issuer",
                token(&o, RS256, "k1", |c| {
                    c["iss"] = "https://evil.example".into()
                }),
                "n1",
            ),
            (
                "expired",
                token(&o, RS256, "k1", |c| c["exp"] = 1_000.into()),
                "n1",
            ),
            ("an unpublished key", token(&o, RS256, "k9", |_| {}), "n1"),
            (
                "HMAC with public data as the secret",
                token(&o, HS256, "k1", |_| {}),
                "n1",
            ),
            (
                "without a nonce",
                token(&o, RS256, "k1", |c| {
                    c.as_object_mut().unwrap().remove("nonce");
                }),
                "n1",
            ),
        ];
        for (what, t, nonce) in refused {
            assert!(
                o.verify(&t, nonce).await.is_err(),
                "accepted a token {what}"
            );
        }
        // A tampered payload breaks the signature.
        let mut parts: Vec<String> = good.split('.').map(str::to_string).collect();
        parts[1] = B64
            .encode(br#"{"iss":"x","aud":"logdeck","sub":"root","nonce":"n1","exp":9999999999}"#);
        assert!(o.verify(&parts.join("."), "n1").await.is_err());
    }

    #[test]
    fn only_local_paths_are_gone_to_after_signing_in() {
        assert_eq!(local_path("/?run=4&log=client"), "/?run=4&log=client");
        for bad in [
            "//evil.example/x",
            "https://evil.example",
            "/\\evil",
            "",
            "x",
            "/a\nb",
        ] {
            assert_eq!(local_path(bad), "/", "{bad:?}");
        }
    }

    #[test]
    fn cookies_are_read_by_name() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            "a=1; logdeck_session=s3; b=2".parse().unwrap(),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("s3"));
        assert_eq!(cookie(&h, "logdeck"), None);
    }
}

//! Who may do what: roles, the person a request is for, and the audit
//! trail of what people changed.

use serde::{Deserialize, Serialize};
use words::words;

words! {
    /// What a person may do. Each role may do everything the roles before
    /// it may (see [`Role::allows`]).
    pub enum Role {
        /// Reads every run, log, chart and live output.
        Viewer = "viewer",
        /// Also bookmarks runs and retries a log's indexing.
        Editor = "editor",
        /// Also manages producer tokens and reads the audit trail.
        Admin = "admin",
    }
}

impl Role {
    /// Whether this role may do what `needed` may.
    pub fn allows(self, needed: Role) -> bool {
        self.rank() >= needed.rank()
    }

    fn rank(self) -> usize {
        Role::ALL.iter().position(|r| *r == self).unwrap_or(0)
    }
}

/// The person the page is for, as the header shows them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    /// Their name: the identity provider's or the proxy's, a producer
    /// token's, or `local` when the server asks no one to sign in.
    pub name: String,
    /// What they may do.
    pub role: Role,
    /// Whether the server asks people to sign in (false: everyone is
    /// `local`, and the page does not show who).
    pub signed_in: bool,
    /// Whether they can sign out here (signed in through this server).
    pub can_sign_out: bool,
}

impl Me {
    /// Whether they may do what `role` may.
    pub fn may(&self, role: Role) -> bool {
        self.role.allows(role)
    }
}

words! {
    /// A kind of change the audit trail records.
    pub enum AuditAction {
        /// A run bookmarked, or its note changed.
        Bookmark = "bookmark",
        /// A bookmark removed.
        Unbookmark = "unbookmark",
        /// A log's indexing queued again.
        Retry = "retry",
        /// A producer token created.
        TokenCreate = "token.create",
        /// A producer token revoked.
        TokenRevoke = "token.revoke",
        /// A person signed in.
        SignIn = "sign-in",
        /// A sign-in was refused.
        SignInFailed = "sign-in.failed",
        /// A person signed out.
        SignOut = "sign-out",
    }
}

/// One change: who, what, when and from where.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Increasing with time; the cursor of the next page.
    pub id: i64,
    /// When, in milliseconds since the Unix epoch.
    pub at_ms: i64,
    /// Who: a person's name, a producer token's, or `local`; for a refused
    /// sign-in, the name that was claimed if any.
    pub actor: String,
    /// What.
    pub action: AuditAction,
    /// What it was done to: a run (`run 42`), a log (`run 42 client`), a
    /// token's name.
    pub target: Option<String>,
    /// The client's address, as the server saw it.
    pub address: Option<String>,
    /// More: a bookmark's note, why a sign-in was refused.
    pub detail: Option<String>,
}

/// A page of the audit trail, newest first.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Give as `before` for the next (older) page; none at the end.
    pub next: Option<i64>,
}

words! {
    /// What a token may do: each scope only its own.
    #[derive(Default)]
    pub enum TokenScope {
        /// Stream runs (`logdeck run`) and read the runs it streams
        /// (`logdeck tail`).
        #[default]
        Producer = "producer",
        /// Send inventory entries (`POST /api/inventory`), nothing else: for
        /// the streaming service's backend.
        Inventory = "inventory",
    }
}

/// A token as listed: its secret is shown once, when created.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    pub name: String,
    /// What it may do.
    #[serde(default)]
    pub scope: TokenScope,
    /// When it was created, in milliseconds since the Unix epoch.
    pub created_ms: i64,
}

/// A token just created: the only time its secret is shown.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewToken {
    pub name: String,
    /// What it may do.
    #[serde(default)]
    pub scope: TokenScope,
    /// Give it to `logdeck run --token` or `LOGDECK_TOKEN`; it is kept
    /// only as a hash and cannot be shown again.
    pub token: String,
}

#[cfg(test)]
mod tests {
    use super::Role;

    #[test]
    fn each_role_allows_what_the_ones_before_it_allow() {
        use Role::*;
        assert!(Admin.allows(Editor) && Admin.allows(Viewer) && Admin.allows(Admin));
        assert!(Editor.allows(Viewer) && !Editor.allows(Admin));
        assert!(!Viewer.allows(Editor) && Viewer.allows(Viewer));
        assert_eq!("editor".parse::<Role>().unwrap(), Editor);
        assert!("root".parse::<Role>().is_err());
    }
}

//! `logdeck token create|list|revoke`: producer tokens in the catalog.

use anyhow::bail;

use crate::cli::{TokenAction, TokenArgs};
use model::AuditAction;
use server::api::path::token_name;
use server::live::tokens::{new_token, token_hash};

/// Runs the token command.
pub async fn run(args: TokenArgs) -> anyhow::Result<()> {
    let storage = match &args.action {
        TokenAction::Create { storage, .. }
        | TokenAction::List { storage }
        | TokenAction::Revoke { storage, .. } => storage,
    };
    let catalog = storage.open_catalog().await?;
    match args.action {
        TokenAction::Create { name, scope, .. } => {
            let name = token_name(&name).map_err(anyhow::Error::msg)?;
            let token = new_token();
            if !catalog
                .create_token(&name, &token_hash(&token), scope, catalog::now_ms())
                .await?
            {
                bail!("a token named {name:?} exists; revoke it first or pick another name");
            }
            audit(&catalog, AuditAction::TokenCreate, &name).await?;
            eprintln!("logdeck: created {scope} token {name:?}; it is shown only now:");
            println!("{token}");
        }
        TokenAction::List { .. } => {
            let tokens = catalog.tokens().await?;
            if tokens.is_empty() {
                eprintln!("logdeck: no tokens; create one with `logdeck token create NAME`");
            }
            for t in tokens {
                println!("{}\t{}\tcreated {}", t.name, t.scope, t.created_ms / 1000);
            }
        }
        TokenAction::Revoke { name, .. } => {
            if !catalog.revoke_token(&name).await? {
                bail!("no token named {name:?}");
            }
            audit(&catalog, AuditAction::TokenRevoke, &name).await?;
            eprintln!("logdeck: revoked token {name:?}");
        }
    }
    catalog.close().await;
    Ok(())
}

/// Records a token change made from the command line in the audit trail,
/// as the machine's user.
async fn audit(catalog: &catalog::Catalog, action: AuditAction, name: &str) -> anyhow::Result<()> {
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown user".into());
    let note = catalog::audit::AuditNote {
        actor: &format!("{user} (logdeck token)"),
        action,
        target: Some(name.to_string()),
        address: None,
        detail: None,
    };
    catalog.audit(&note, catalog::now_ms()).await?;
    Ok(())
}

//! `logdeck token create|list|revoke`: producer tokens in the catalog.

use anyhow::bail;

use crate::cli::{TokenAction, TokenArgs};
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
        TokenAction::Create { name, .. } => {
            let name = name.trim();
            if name.is_empty() || name.len() > 100 {
                bail!("a token name is 1-100 characters");
            }
            let token = new_token();
            if !catalog
                .create_token(name, &token_hash(&token), catalog::now_ms())
                .await?
            {
                bail!("a token named {name:?} exists; revoke it first or pick another name");
            }
            eprintln!("logdeck: created token {name:?}; it is shown only now:");
            println!("{token}");
        }
        TokenAction::List { .. } => {
            let tokens = catalog.tokens().await?;
            if tokens.is_empty() {
                eprintln!("logdeck: no tokens; create one with `logdeck token create NAME`");
            }
            for (name, created_ms) in tokens {
                println!("{name}\tcreated {}", created_ms / 1000);
            }
        }
        TokenAction::Revoke { name, .. } => {
            if !catalog.revoke_token(&name).await? {
                bail!("no token named {name:?}");
            }
            eprintln!("logdeck: revoked token {name:?}");
        }
    }
    catalog.close().await;
    Ok(())
}

//! The admin page (`page=admin`): producer tokens (create, shown once;
//! list; revoke) and the audit trail, newest first, a page at a time. The
//! server refuses all of it to anyone but an admin; the page says so.

use leptos::prelude::*;
use leptos::task::spawn_local;
use model::{AuditEntry, AuditPage, NewToken, TokenInfo};

use super::format::utc;
use super::loaded::loaded;
use crate::client::{get_json, send, send_json};

/// Entries read per page of the audit trail.
const AUDIT_PAGE: u32 = 50;

#[component]
pub fn Admin() -> impl IntoView {
    view! {
        <section class="admin" data-testid="admin">
            <h2>"Admin"</h2>
            <Tokens/>
            <Audit/>
        </section>
    }
}

/// Producer tokens: a form to create one (its secret shown once), the list
/// with a Revoke button each.
#[component]
fn Tokens() -> impl IntoView {
    let changed = RwSignal::new(0u32);
    let list = LocalResource::new(move || {
        changed.track();
        get_json::<Vec<TokenInfo>>("/api/tokens".into())
    });
    let name = RwSignal::new(String::new());
    let made = RwSignal::new(None::<Result<NewToken, String>>);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = serde_json::json!({ "name": name.get_untracked() }).to_string();
        spawn_local(async move {
            let answer = send_json::<NewToken>("POST", "/api/tokens".into(), Some(body)).await;
            if answer.is_ok() {
                name.set(String::new());
                changed.update(|c| *c += 1);
            }
            made.set(Some(answer));
        });
    };
    let revoke = move |token: String| {
        spawn_local(async move {
            let url = format!("/api/tokens/{}", crate::view::encode(&token));
            match send("DELETE", url, None).await {
                Ok(()) => changed.update(|c| *c += 1),
                Err(e) => made.set(Some(Err(e))),
            }
        });
    };
    view! {
        <div class="card" data-testid="tokens">
            <h3>"Producer tokens"</h3>
            <p class="small muted">"What "<code>"logdeck run --token"</code>" and "<code>"logdeck tail --token"</code>" present. A token is shown once, when it is made; only its hash is kept."</p>
            <form class="token-form" on:submit=create>
                <label>"Name " <input type="text" required maxlength="100" data-testid="token-name"
                    prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/></label>
                <button type="submit" data-testid="token-create">"Create"</button>
            </form>
            {move || made.get().map(|m| match m {
                Ok(t) => view! {
                    <p class="made" role="status" data-testid="token-made">
                        "Token " <b>{t.name}</b> " — copy it now, it is not shown again: "
                        <code class="mono secret">{t.token}</code>
                    </p>
                }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
            })}
            {move || loaded(list.get(), "Loading tokens…", |tokens| {
                if tokens.is_empty() {
                    return view! { <p class="muted">"No tokens yet."</p> }.into_any();
                }
                view! {
                    <table class="tokens">
                        <thead><tr><th>"name"</th><th>"created (UTC)"</th><th></th></tr></thead>
                        <tbody>
                            {tokens.into_iter().map(|t| {
                                let n = t.name.clone();
                                view! {
                                    <tr data-testid="token">
                                        <td class="mono">{t.name.clone()}</td>
                                        <td class="mono">{utc(t.created_ms / 1000)}</td>
                                        <td><button class="small" on:click=move |_| revoke(n.clone())>"Revoke"</button></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            })}
        </div>
    }
}

/// The audit trail, newest first; *Older* reads the next page.
#[component]
fn Audit() -> impl IntoView {
    let entries = RwSignal::new(Vec::<AuditEntry>::new());
    let next = RwSignal::new(None::<i64>);
    let state = RwSignal::new(None::<Result<(), String>>);
    let more = move |before: Option<i64>| {
        spawn_local(async move {
            let after = before.map_or(String::new(), |b| format!("&before={b}"));
            let url = format!("/api/audit?limit={AUDIT_PAGE}{after}");
            match get_json::<AuditPage>(url).await {
                Ok(p) => {
                    entries.update(|e| e.extend(p.entries));
                    next.set(p.next);
                    state.set(Some(Ok(())));
                }
                Err(e) => state.set(Some(Err(e))),
            }
        });
    };
    Effect::new(move |_| more(None));
    view! {
        <div class="card" data-testid="audit">
            <h3>"Audit trail"</h3>
            {move || loaded(state.get(), "Loading the audit trail…", move |()| {
                if entries.with(Vec::is_empty) {
                    return view! { <p class="muted">"Nothing changed yet."</p> }.into_any();
                }
                view! {
                    <div class="scroll" tabindex="0" role="region" aria-label="Audit trail entries"><table class="audit">
                        <thead><tr><th>"when (UTC)"</th><th>"who"</th><th>"what"</th><th>"on"</th><th>"from"</th><th>"detail"</th></tr></thead>
                        <tbody>
                            {entries.get().into_iter().map(|e| view! {
                                <tr data-testid="audit-entry">
                                    <td class="mono">{utc(e.at_ms / 1000)}</td>
                                    <td>{e.actor}</td>
                                    <td class="mono">{e.action.as_str()}</td>
                                    <td>{e.target.unwrap_or_default()}</td>
                                    <td class="mono">{e.address.unwrap_or_default()}</td>
                                    <td>{e.detail.unwrap_or_default()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table></div>
                }.into_any()
            })}
            {move || next.get().map(|n| view! {
                <button class="small" data-testid="audit-older" on:click=move |_| more(Some(n))>"Older"</button>
            })}
        </div>
    }
}

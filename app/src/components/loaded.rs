//! What a fetched value shows while it loads and when it fails: one wording
//! and one look for every card, page and panel.

use leptos::prelude::*;

/// The view of a fetched value's state (a resource's `get()`): `waiting`
/// in a muted line until it arrives, the error in an alert line if it
/// failed, else what `ready` makes of the value (its own empty state
/// included). Called inside the reactive closure: `{move || loaded(r.get(),
/// "Loading…", |v| …)}`.
pub(super) fn loaded<T>(
    state: Option<Result<T, String>>,
    waiting: &'static str,
    ready: impl FnOnce(T) -> AnyView,
) -> AnyView {
    match state {
        Some(Ok(v)) => ready(v),
        Some(Err(e)) => not_ready(waiting, Some(e)),
        None => not_ready(waiting, None),
    }
}

/// The waiting line, or the error: not generic, so the page's bundle holds
/// one copy of these views however many values are fetched.
fn not_ready(waiting: &'static str, error: Option<String>) -> AnyView {
    match error {
        None => view! { <p class="muted" data-testid="loading">{waiting}</p> }.into_any(),
        Some(e) => {
            view! { <p class="error" role="alert" data-testid="load-error">{e}</p> }.into_any()
        }
    }
}

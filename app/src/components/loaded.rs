//! What a fetched value shows while it loads and when it fails: one wording
//! and one look for every card, page and panel.

use leptos::prelude::*;

/// A view of what `res` holds: `waiting` in a muted line until it arrives,
/// the error in an alert line if it failed, else what `ready` makes of the
/// value (its own empty state included).
pub(super) fn loaded<T, V>(
    res: LocalResource<Result<T, String>>,
    waiting: &'static str,
    ready: impl Fn(T) -> V + 'static,
) -> impl Fn() -> AnyView
where
    T: Clone + 'static,
    V: IntoView + 'static,
{
    move || match res.get() {
        None => view! { <p class="muted" data-testid="loading">{waiting}</p> }.into_any(),
        Some(Err(e)) => {
            view! { <p class="error" role="alert" data-testid="load-error">{e}</p> }.into_any()
        }
        Some(Ok(v)) => ready(v).into_any(),
    }
}

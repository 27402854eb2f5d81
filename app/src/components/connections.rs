//! The table of connections, newest first, loaded a page at a time.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::list_connections;
use crate::model::Connection;

/// Rows fetched per page.
const PAGE: u32 = 50;

/// Connections, newest first, with a button that appends the next page.
#[component]
pub fn ConnectionTable() -> impl IntoView {
    let first = Resource::new(|| (), |_| list_connections(None, PAGE));
    // Pages appended after the first, and the cursor after the last of them.
    let more = RwSignal::new(Vec::<Connection>::new());
    let next_after_more = RwSignal::new(None::<Option<u64>>);
    let loading = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);

    let next_cursor = move || match next_after_more.get() {
        Some(next) => next,
        None => first.get().and_then(|r| r.ok()).and_then(|p| p.next),
    };
    let shown =
        move || first.get().and_then(|r| r.ok()).map_or(0, |p| p.rows.len()) + more.with(Vec::len);

    let load_more = move |_| {
        let Some(after) = next_cursor() else { return };
        loading.set(true);
        error.set(None);
        spawn_local(async move {
            match list_connections(Some(after), PAGE).await {
                Ok(page) => {
                    more.update(|rows| rows.extend(page.rows));
                    next_after_more.set(Some(page.next));
                }
                Err(e) => error.set(Some(e.to_string())),
            }
            loading.set(false);
        });
    };

    view! {
        <section class="connections">
            <table class="runs" data-testid="connections">
                <thead>
                    <tr>
                        <th class="num">"connection"</th>
                        <th>"user"</th>
                        <th>"ip"</th>
                        <th>"last updated"</th>
                        <th>"version"</th>
                        <th>"client log"</th>
                        <th>"server log"</th>
                    </tr>
                </thead>
                <Suspense fallback=|| view! { <tbody><tr><td colspan="7" class="muted">"Loading connections…"</td></tr></tbody> }>
                    {move || Suspend::new(async move {
                        match first.await {
                            Ok(page) if page.rows.is_empty() => view! {
                                <tbody><tr><td colspan="7" class="empty">"No connections yet. Import an inventory to see them here."</td></tr></tbody>
                            }
                            .into_any(),
                            Ok(page) => view! {
                                <tbody>{page.rows.into_iter().map(|c| view! { <Row c/> }).collect_view()}</tbody>
                            }
                            .into_any(),
                            Err(e) => view! {
                                <tbody><tr><td colspan="7" class="error">{format!("Could not load connections: {e}")}</td></tr></tbody>
                            }
                            .into_any(),
                        }
                    })}
                </Suspense>
                <tbody>
                    <For each=move || more.get() key=|c| c.id children=|c| view! { <Row c/> }/>
                </tbody>
            </table>
            <footer class="table-footer">
                <span class="muted" data-testid="shown">{move || format!("{} shown", shown())}</span>
                {move || error.get().map(|e| view! { <span class="error">{format!("Could not load more: {e}")}</span> })}
                <Show when=move || next_cursor().is_some()>
                    <button
                        class="load-more"
                        data-testid="load-more"
                        on:click=load_more
                        disabled=move || loading.get()
                    >
                        {move || if loading.get() { "Loading…" } else { "Load more" }}
                    </button>
                </Show>
            </footer>
        </section>
    }
}

#[component]
fn Row(c: Connection) -> impl IntoView {
    view! {
        <tr data-connection=c.id>
            <td class="num mono">{c.id}</td>
            <td>{c.username.unwrap_or_else(|| "—".into())}</td>
            <td class="mono">{c.ip}</td>
            <td class="mono">{c.last_updated}</td>
            <td class="mono">{c.version.unwrap_or_else(|| "—".into())}</td>
            <td><LogLink location=c.client_log/></td>
            <td><LogLink location=c.server_log/></td>
        </tr>
    }
}

/// A link to a log, or a clear badge when the log is missing.
#[component]
fn LogLink(location: Option<String>) -> impl IntoView {
    match location {
        Some(name) => {
            let href = format!("/logs/{name}");
            view! { <a class="log-link" href=href target="_blank" rel="noopener">{name}</a> }
                .into_any()
        }
        None => view! { <span class="badge missing">"missing"</span> }.into_any(),
    }
}

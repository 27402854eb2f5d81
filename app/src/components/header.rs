//! The top bar: product name and totals.

use leptos::prelude::*;

use crate::api::get_totals;

/// Product name and totals over all connections.
#[component]
pub fn Header() -> impl IntoView {
    let totals = Resource::new(|| (), |_| get_totals());
    view! {
        <header class="topbar">
            <a class="brand" href="/">"logdeck"</a>
            <Suspense fallback=|| view! { <span class="totals muted">"Loading totals…"</span> }>
                {move || Suspend::new(async move {
                    match totals.await {
                        Ok(t) => view! {
                            <dl class="totals" data-testid="totals">
                                <Stat label="connections" value=t.connections/>
                                <Stat label="client logs" value=t.client_logs/>
                                <Stat label="server logs" value=t.server_logs/>
                                <Stat label="users" value=t.users/>
                            </dl>
                        }
                        .into_any(),
                        Err(e) => view! {
                            <span class="totals error">{format!("Totals unavailable: {e}")}</span>
                        }
                        .into_any(),
                    }
                })}
            </Suspense>
        </header>
    }
}

#[component]
fn Stat(label: &'static str, value: u64) -> impl IntoView {
    view! {
        <div class="stat">
            <dt>{label}</dt>
            <dd>{group_thousands(value)}</dd>
        </div>
    }
}

/// `1234567` → `1,234,567`.
pub(crate) fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn groups_thousands() {
        assert_eq!(super::group_thousands(0), "0");
        assert_eq!(super::group_thousands(999), "999");
        assert_eq!(super::group_thousands(1000), "1,000");
        assert_eq!(super::group_thousands(1234567), "1,234,567");
    }
}

//! The page and its parts.

mod connections;
mod header;

use leptos::prelude::*;
use leptos_meta::{Meta, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    StaticSegment,
    components::{Route, Router, Routes},
};

/// The HTML document the server renders around [`App`].
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    use leptos_meta::MetaTags;
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <HydrationScripts options/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The single-page dashboard.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser: mark the page once hydrated (tests and
    // styles can tell a live page from server-rendered HTML).
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Stylesheet id="logdeck" href="/pkg/logdeck.css"/>
        <Title text="logdeck"/>
        <Meta name="color-scheme" content="light dark"/>
        <Router>
            <Routes fallback=NotFound>
                <Route path=StaticSegment("") view=Dashboard/>
            </Routes>
        </Router>
    }
}

#[component]
fn Dashboard() -> impl IntoView {
    view! {
        <header::Header/>
        <main class="content">
            <connections::ConnectionTable/>
        </main>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <main class="content notfound">
            <h1>"Not found"</h1>
            <p>"There is nothing at this address. " <a href="/">"Back to the dashboard"</a></p>
        </main>
    }
}

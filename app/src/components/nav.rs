//! Reading and changing the view state, which lives in the URL.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::view::View;

/// The view state and a way to change it; provided by the dashboard.
#[derive(Clone, Copy)]
pub struct Nav {
    /// The current state, from the URL.
    pub view: Memo<View>,
    go: Callback<(View, bool)>,
}

impl Nav {
    /// Creates the context (inside the router).
    pub fn provide() -> Nav {
        let query = use_query_map();
        let view = Memo::new(move |_| query.with(|q| View::from_pairs(|k| q.get(k))));
        let navigate = use_navigate();
        let go = Callback::new(move |(v, replace): (View, bool)| {
            navigate(
                &v.href(),
                NavigateOptions {
                    replace,
                    scroll: false,
                    ..NavigateOptions::default()
                },
            );
        });
        let nav = Nav { view, go };
        provide_context(nav);
        nav
    }

    /// The dashboard's navigation context.
    pub fn get() -> Nav {
        expect_context::<Nav>()
    }

    /// Changes the state as a new history entry (back returns).
    pub fn push(&self, change: impl FnOnce(&mut View)) {
        let mut v = self.view.get_untracked();
        change(&mut v);
        self.go.run((v, false));
    }

    /// Changes the state in place (typing, scrolling).
    pub fn replace(&self, change: impl FnOnce(&mut View)) {
        let mut v = self.view.get_untracked();
        change(&mut v);
        self.go.run((v, true));
    }

    /// An input handler that, once typing has paused for `ms`, puts the
    /// trimmed text into the state with `apply` (in place).
    pub fn on_typing(
        self,
        ms: u64,
        apply: fn(&mut View, String),
    ) -> impl Fn(leptos::ev::Event) + Copy + 'static {
        let nav = self;
        let pending = StoredValue::new(None::<TimeoutHandle>);
        move |ev: leptos::ev::Event| {
            let text = event_target_value(&ev).trim().to_string();
            if let Some(h) = pending.get_value() {
                h.clear();
            }
            let h = set_timeout_with_handle(
                move || nav.replace(|v| apply(v, text)),
                std::time::Duration::from_millis(ms),
            );
            pending.set_value(h.ok());
        }
    }
}

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

    /// Text typed into the state, debounced by `ms`, with a way to apply
    /// it at once (Enter, Esc) that drops the pending change.
    pub fn typing(self, ms: u64, apply: fn(&mut View, String)) -> Typing {
        Typing {
            nav: self,
            ms,
            apply,
            pending: StoredValue::new(None),
        }
    }
}

/// Typed text on its way into the view state (see [`Nav::typing`]).
#[derive(Clone, Copy)]
pub struct Typing {
    nav: Nav,
    ms: u64,
    apply: fn(&mut View, String),
    pending: StoredValue<Option<TimeoutHandle>>,
}

impl Typing {
    /// The text changed: apply it once typing pauses.
    pub fn input(self, text: String) {
        self.cancel();
        let text = text.trim().to_string();
        let h = set_timeout_with_handle(
            move || self.nav.replace(|v| (self.apply)(v, text)),
            std::time::Duration::from_millis(self.ms),
        );
        self.pending.set_value(h.ok());
    }

    /// Applies `text` now, as a new history entry when `push`.
    pub fn now(self, text: String, push: bool) {
        self.cancel();
        let text = text.trim().to_string();
        let apply = self.apply;
        if push {
            self.nav.push(|v| apply(v, text));
        } else {
            self.nav.replace(|v| apply(v, text));
        }
    }

    fn cancel(self) {
        if let Some(h) = self.pending.get_value() {
            h.clear();
        }
        self.pending.set_value(None);
    }
}

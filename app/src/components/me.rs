//! Who the page is for: the header names them (when the server asks people
//! to sign in), and their role decides which controls the page offers. The
//! server refuses what the role may not do whatever the page shows.

use leptos::prelude::*;
use model::{Me, Role};

use crate::client::get_json;

/// The person, read once the page runs (`/api/me`).
#[derive(Clone, Copy)]
pub struct Signed(LocalResource<Result<Me, String>>);

impl Signed {
    /// Provided by the dashboard.
    pub fn provide() {
        provide_context(Signed(LocalResource::new(|| {
            get_json::<Me>("/api/me".into())
        })));
    }

    pub fn get() -> Signed {
        expect_context()
    }

    /// Whether the server asks people to sign in (names are worth showing
    /// then): false until known (tracked).
    pub fn signed_in(self) -> bool {
        self.0
            .get()
            .is_some_and(|m| m.as_ref().is_ok_and(|m| m.signed_in))
    }

    /// Whether they may do what `role` may: false until known (tracked).
    pub fn may(self, role: Role) -> bool {
        self.0
            .get()
            .is_some_and(|m| m.as_ref().is_ok_and(|m| m.may(role)))
    }
}

/// The signed-in person and their role, in the header.
#[component]
pub fn MeBadge() -> impl IntoView {
    let me = Signed::get().0;
    move || {
        me.get().and_then(Result::ok).filter(|m| m.signed_in).map(|m| {
            view! {
                <span class="me" data-testid="me" title=format!("Signed in as {} ({})", m.name, m.role)>
                    <span class="me-name">{m.name.clone()}</span>
                    <span class="badge role">{m.role.as_str()}</span>
                    {m.can_sign_out.then(|| view! {
                        <form method="post" action="/auth/sign-out" class="sign-out">
                            <button type="submit" class="link" data-testid="sign-out">"Sign out"</button>
                        </form>
                    })}
                </span>
            }
        })
    }
}

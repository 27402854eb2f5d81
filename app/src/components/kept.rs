//! Small choices the browser keeps across visits (`localStorage`). On the
//! server, and where the browser refuses (private windows), nothing is
//! kept: the choice lasts until the page is left.

/// The text kept under `key`, if any.
#[cfg(feature = "hydrate")]
pub fn kept(key: &str) -> Option<String> {
    let storage = web_sys::window()?.local_storage().ok()??;
    storage.get_item(key).ok()?
}

/// Keeps `text` under `key`.
#[cfg(feature = "hydrate")]
pub fn keep(key: &str, text: &str) {
    if let Some(Ok(Some(s))) = web_sys::window().map(|w| w.local_storage()) {
        let _ = s.set_item(key, text);
    }
}

#[cfg(not(feature = "hydrate"))]
pub fn kept(_key: &str) -> Option<String> {
    None
}

#[cfg(not(feature = "hydrate"))]
pub fn keep(_key: &str, _text: &str) {}

//! Long-lived connections from the browser: a live log's websocket and the
//! server's event feed (server-sent events). Each is closed when its handle
//! is dropped. On the server (rendering) these are never opened.

use model::Event;
use model::live::ViewerMsg;

#[cfg(feature = "hydrate")]
mod browser {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::Closure;
    use web_sys::{CloseEvent, EventSource, MessageEvent, WebSocket};

    use super::*;

    /// An open websocket to a live log.
    pub struct LogSocket {
        ws: WebSocket,
        _on_message: Closure<dyn FnMut(MessageEvent)>,
        _on_close: Closure<dyn FnMut(CloseEvent)>,
    }

    impl Drop for LogSocket {
        fn drop(&mut self) {
            self.ws.set_onmessage(None);
            self.ws.set_onclose(None);
            let _ = self.ws.close();
        }
    }

    /// The `ws:`/`wss:` URL of a path on this page's server.
    fn ws_url(path: &str) -> Result<String, String> {
        let loc = web_sys::window().ok_or("no window")?.location();
        let scheme = if loc.protocol().map_err(|_| "no protocol")? == "https:" {
            "wss"
        } else {
            "ws"
        };
        Ok(format!(
            "{scheme}://{}{path}",
            loc.host().map_err(|_| "no host")?
        ))
    }

    /// Opens the live log at `path`; `on_msg` gets every message, `on_close`
    /// the close code and reason (1006 when the connection just dropped).
    pub fn open_log(
        path: &str,
        on_msg: impl Fn(ViewerMsg) + 'static,
        on_close: impl Fn(u16, String) + 'static,
    ) -> Result<LogSocket, String> {
        let ws = WebSocket::new(&ws_url(path)?).map_err(|e| format!("{e:?}"))?;
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            let Some(text) = ev.data().as_string() else {
                return;
            };
            match ViewerMsg::from_json(&text) {
                Ok(m) => on_msg(m),
                Err(e) => leptos::logging::warn!("unreadable live message: {e}"),
            }
        });
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |ev: CloseEvent| {
            on_close(ev.code(), ev.reason());
        });
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Ok(LogSocket {
            ws,
            _on_message: on_message,
            _on_close: on_close,
        })
    }

    /// The event feed, from now on.
    pub struct EventFeed {
        source: EventSource,
        _listener: Closure<dyn FnMut(MessageEvent)>,
    }

    impl Drop for EventFeed {
        fn drop(&mut self) {
            self.source.close();
        }
    }

    /// Opens the event feed after event `after`; `on_event` gets each event
    /// of [`TopicName`](model::TopicName). The browser reconnects by itself and resumes after
    /// the last event.
    pub fn open_events(
        after: i64,
        on_event: impl Fn(Event) + 'static,
    ) -> Result<EventFeed, String> {
        let source = EventSource::new(&format!("/api/events/stream?after={after}"))
            .map_err(|e| format!("{e:?}"))?;
        let listener = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            if let Some(Ok(e)) = ev
                .data()
                .as_string()
                .map(|t| serde_json::from_str::<Event>(&t))
            {
                on_event(e);
            }
        });
        for &topic in model::TopicName::WORDS {
            source
                .add_event_listener_with_callback(topic, listener.as_ref().unchecked_ref())
                .map_err(|e| format!("{e:?}"))?;
        }
        Ok(EventFeed {
            source,
            _listener: listener,
        })
    }

    /// Offers `text` to the user as a file named `name`.
    pub fn save_text(name: &str, text: &str) -> Result<(), String> {
        let parts = js_sys_array(text);
        let opts = web_sys::BlobPropertyBag::new();
        opts.set_type("text/plain;charset=utf-8");
        let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts)
            .map_err(|e| format!("{e:?}"))?;
        let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| format!("{e:?}"))?;
        let doc = web_sys::window()
            .and_then(|w| w.document())
            .ok_or("no document")?;
        let a: web_sys::HtmlAnchorElement = doc
            .create_element("a")
            .map_err(|e| format!("{e:?}"))?
            .unchecked_into();
        a.set_href(&url);
        a.set_download(name);
        a.click();
        let _ = web_sys::Url::revoke_object_url(&url);
        Ok(())
    }

    fn js_sys_array(text: &str) -> wasm_bindgen::JsValue {
        let arr = web_sys::js_sys::Array::new();
        arr.push(&wasm_bindgen::JsValue::from_str(text));
        arr.into()
    }
}

#[cfg(feature = "hydrate")]
pub use browser::{EventFeed, LogSocket, open_events, open_log, save_text};

/// On the server: never opened.
#[cfg(not(feature = "hydrate"))]
pub struct LogSocket;

/// On the server: never opened.
#[cfg(not(feature = "hydrate"))]
pub struct EventFeed;

/// On the server: never opened.
#[cfg(not(feature = "hydrate"))]
pub fn open_log(
    _path: &str,
    _on_msg: impl Fn(ViewerMsg) + 'static,
    _on_close: impl Fn(u16, String) + 'static,
) -> Result<LogSocket, String> {
    Err("live logs open in the browser".into())
}

/// On the server: never opened.
#[cfg(not(feature = "hydrate"))]
pub fn open_events(_after: i64, _on_event: impl Fn(Event) + 'static) -> Result<EventFeed, String> {
    Err("the event feed opens in the browser".into())
}

/// On the server: nothing to save.
#[cfg(not(feature = "hydrate"))]
pub fn save_text(_name: &str, _text: &str) -> Result<(), String> {
    Err("saving happens in the browser".into())
}

//! Calls to the JSON API from the browser (the page reads what curl reads).

use serde::de::DeserializeOwned;

/// GETs `url` and decodes its JSON; the API's `{"error": …}` on failure.
#[cfg(feature = "hydrate")]
pub async fn get_json<T: DeserializeOwned>(url: String) -> Result<T, String> {
    let res = gloo_net::http::Request::get(&url)
        .send()
        .await
        .map_err(|e| format!("the server did not answer: {e}"))?;
    if res.ok() {
        res.json::<T>()
            .await
            .map_err(|e| format!("unexpected answer: {e}"))
    } else {
        let status = res.status();
        let body: serde_json::Value = res.json().await.unwrap_or_default();
        Err(body["error"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| format!("HTTP {status}")))
    }
}

/// Sends `method` with a JSON body to `url`; the API's error on failure.
#[cfg(feature = "hydrate")]
async fn request(
    method: &str,
    url: String,
    body: Option<String>,
) -> Result<gloo_net::http::Response, String> {
    use gloo_net::http::Request;
    let req = match method {
        "PUT" => Request::put(&url),
        "DELETE" => Request::delete(&url),
        _ => Request::post(&url),
    };
    let res = match body {
        Some(b) => {
            req.header("content-type", "application/json")
                .body(b)
                .map_err(|e| e.to_string())?
                .send()
                .await
        }
        None => req.send().await,
    }
    .map_err(|e| format!("the server did not answer: {e}"))?;
    if res.ok() {
        Ok(res)
    } else {
        let status = res.status();
        let body: serde_json::Value = res.json().await.unwrap_or_default();
        Err(body["error"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| format!("HTTP {status}")))
    }
}

/// Sends `method` with a JSON body to `url`; the API's error on failure.
#[cfg(feature = "hydrate")]
pub async fn send(method: &str, url: String, body: Option<String>) -> Result<(), String> {
    request(method, url, body).await.map(drop)
}

/// As [`send`], and decodes the answer's JSON.
#[cfg(feature = "hydrate")]
pub async fn send_json<T: DeserializeOwned>(
    method: &str,
    url: String,
    body: Option<String>,
) -> Result<T, String> {
    request(method, url, body)
        .await?
        .json::<T>()
        .await
        .map_err(|e| format!("unexpected answer: {e}"))
}

/// On the server these never run (they back client-only resources).
#[cfg(not(feature = "hydrate"))]
pub async fn get_json<T: DeserializeOwned>(_url: String) -> Result<T, String> {
    std::future::pending().await
}

/// On the server these never run (they back client-only actions).
#[cfg(not(feature = "hydrate"))]
pub async fn send(_method: &str, _url: String, _body: Option<String>) -> Result<(), String> {
    std::future::pending().await
}

/// On the server these never run (they back client-only actions).
#[cfg(not(feature = "hydrate"))]
pub async fn send_json<T: DeserializeOwned>(
    _method: &str,
    _url: String,
    _body: Option<String>,
) -> Result<T, String> {
    std::future::pending().await
}

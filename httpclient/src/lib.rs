//! Every HTTP client of logdeck's is built here, and the S3 store after
//! [`install_tls`].
//!
//! TLS is rustls with *ring* for its cryptography, the library the rest of
//! the workspace (sqlx, the JWT checks) already links. reqwest and the S3
//! client are built without a cryptography of their own (reqwest's default
//! would compile AWS-LC's C library as well), so they take the process's
//! default, which must be installed before the first client is built: a
//! client built without it panics. The workspace's `clippy.toml` forbids
//! the constructors that skip this crate.

use std::sync::Once;

/// Installs ring as the process's TLS cryptography, once; later calls and
/// a provider installed by someone else first are left as they are.
pub fn install_tls() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // An error means a provider is already installed: that one serves.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// `reqwest::Client::builder()`, with TLS ready.
#[allow(clippy::disallowed_methods)]
pub fn builder() -> reqwest::ClientBuilder {
    install_tls();
    reqwest::Client::builder()
}

/// A client with reqwest's defaults.
///
/// # Panics
///
/// Only if reqwest cannot start its resolver or TLS at all, as
/// `reqwest::Client::new` would.
pub fn client() -> reqwest::Client {
    builder()
        .build()
        .expect("an HTTP client with default settings")
}

#[cfg(test)]
mod tests {
    /// A server that is not TLS: the handshake fails, as an error.
    #[tokio::test]
    async fn an_https_request_to_a_plain_server_is_an_error_not_a_panic() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            while let Ok((mut s, _)) = listener.accept().await {
                let _ = s.write_all(b"HTTP/1.1 200 OK\r\n\r\n").await;
            }
        });
        let res = super::client().get(format!("https://{addr}/")).send().await;
        assert!(res.is_err(), "{res:?}");
    }
}

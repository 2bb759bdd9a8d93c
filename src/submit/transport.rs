//! How a unit reaches the receiver. [`Transport`] is the seam: the HTTP transport of the
//! raw-X12 REST contract is here; SFTP or CAQH CORE batch transports can follow.
//!
//! The HTTP contract: `POST {endpoint}` with JSON body `{"x12": "<ISA…IEA>"}`, header
//! `Idempotency-Key: <key>`, and `Authorization` when configured (read from the environment
//! by the caller, marked sensitive so it never appears in debug output).

use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};

use super::classify::Seen;

/// The largest response body read (a 999 for a large set is a few MB).
pub const MAX_RESPONSE_BYTES: usize = 64 << 20;

/// A response as the transport received it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// The `Retry-After` header, if any.
    pub retry_after: Option<String>,
    /// The body (possibly cut at [`MAX_RESPONSE_BYTES`]).
    pub body: Vec<u8>,
}

/// What became of one attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// The receiver answered.
    Response(Response),
    /// Nothing reached the receiver (no connection): a short reason, no data.
    NotSent(String),
    /// The request went out but no answer came (timeout, reset): it may have arrived.
    SentNoResponse(String),
}

impl Delivery {
    /// The view [`classify`](super::classify) reads.
    pub fn seen(&self) -> Seen<'_> {
        match self {
            Delivery::Response(r) => Seen::Response {
                status: r.status,
                retry_after: r.retry_after.as_deref(),
                body: &r.body,
            },
            Delivery::NotSent(_) => Seen::NotSent,
            Delivery::SentNoResponse(_) => Seen::SentNoResponse,
        }
    }

    /// A short description for logs and the ledger: status or failure kind, never data.
    pub fn describe(&self) -> String {
        match self {
            Delivery::Response(r) => format!("HTTP {}", r.status),
            Delivery::NotSent(why) => format!("not sent ({why})"),
            Delivery::SentNoResponse(why) => format!("sent, no response ({why})"),
        }
    }
}

/// Sends one unit: the JSON body (built from the unit's payload for each attempt, the same
/// bytes every time) under its idempotency key.
pub trait Transport: Send + Sync + 'static {
    /// One attempt. The body is `Bytes`, which the HTTP client sends without copying it.
    fn send(&self, key: &str, body: Bytes) -> impl Future<Output = Delivery> + Send;
}

/// The JSON body of the contract for a payload; `None` when the payload is not UTF-8 (a
/// JSON string cannot carry it unchanged).
pub fn json_body(payload: &[u8]) -> Option<Vec<u8>> {
    #[derive(serde::Serialize)]
    struct Body<'a> {
        x12: &'a str,
    }
    let text = std::str::from_utf8(payload).ok()?;
    // The text is written straight from the payload (no copy into a JSON value first),
    // into one buffer with room for the braces and a few escapes.
    let mut body = Vec::with_capacity(text.len() + text.len() / 8 + 16);
    serde_json::to_writer(&mut body, &Body { x12: text }).ok()?;
    Some(body)
}

/// Why the HTTP transport could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The endpoint is not an http(s) URL.
    #[error("endpoint {0:?} is not an http:// or https:// URL")]
    Endpoint(String),
    /// The authorization value cannot be a header (it is not printed).
    #[error("the authorization value is not a valid HTTP header value")]
    Authorization,
    /// The HTTP client could not start (TLS set-up).
    #[error("the HTTP client could not start: {0}")]
    Client(String),
}

/// The raw-X12 REST contract over HTTP(S) (reqwest, rustls).
#[derive(Clone, Debug)]
pub struct HttpTransport {
    client: reqwest::Client,
    endpoint: reqwest::Url,
    authorization: Option<HeaderValue>,
}

impl HttpTransport {
    /// A transport to `endpoint`, with a whole-request `timeout` (after which an attempt
    /// that was sent is in doubt) and an `Authorization` value, if any.
    pub fn new(
        endpoint: &str,
        timeout: Duration,
        authorization: Option<&str>,
    ) -> Result<Self, TransportError> {
        let url = reqwest::Url::parse(endpoint)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| TransportError::Endpoint(endpoint.to_string()))?;
        // One process-wide TLS provider (ring); a second install is a harmless no-op.
        // rustls 0.23.48 deprecates ring's provider for lacking post-quantum key exchange;
        // the alternative (aws-lc-rs) needs cmake and a C toolchain to build, which this
        // project keeps out of its dependency tree. Classical TLS 1.2/1.3 as before.
        #[allow(deprecated)]
        let provider = rustls::crypto::ring::default_provider();
        let _ = provider.install_default();
        let authorization = authorization
            .map(|value| {
                let mut value =
                    HeaderValue::from_str(value).map_err(|_| TransportError::Authorization)?;
                value.set_sensitive(true);
                Ok::<_, TransportError>(value)
            })
            .transpose()?;
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .pool_idle_timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| TransportError::Client(e.without_url().to_string()))?;
        Ok(HttpTransport {
            client,
            endpoint: url,
            authorization,
        })
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &str {
        self.endpoint.as_str()
    }
}

/// A short, data-free name for a client error, and whether the request may have arrived.
fn failure(error: &reqwest::Error) -> Delivery {
    if error.is_connect() {
        return Delivery::NotSent("connection failed".into());
    }
    if error.is_builder() {
        return Delivery::NotSent("request could not be built".into());
    }
    let why = if error.is_timeout() {
        "timeout"
    } else if error.is_body() || error.is_decode() {
        "response body failed"
    } else {
        "connection reset or closed"
    };
    // Anything after the connection was made may have delivered the request.
    Delivery::SentNoResponse(why.into())
}

impl Transport for HttpTransport {
    async fn send(&self, key: &str, body: Bytes) -> Delivery {
        let Ok(key_value) = HeaderValue::from_str(key) else {
            return Delivery::NotSent("key is not a valid header value".into());
        };
        let mut request = self
            .client
            .post(self.endpoint.clone())
            .header(CONTENT_TYPE, "application/json")
            .header("Idempotency-Key", key_value)
            .body(body);
        if let Some(auth) = &self.authorization {
            request = request.header(AUTHORIZATION, auth.clone());
        }
        let mut response = match request.send().await {
            Ok(response) => response,
            Err(e) => return failure(&e),
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let room = MAX_RESPONSE_BYTES.saturating_sub(body.len());
                    body.extend_from_slice(&chunk[..chunk.len().min(room)]);
                }
                Ok(None) => break,
                Err(e) => {
                    // The status arrived: the receiver decided. A cut body of a success
                    // still leaves the status, which is what the contract keys on.
                    if status >= 300 {
                        break;
                    }
                    return failure(&e);
                }
            }
        }
        Delivery::Response(Response {
            status,
            retry_after,
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_is_the_contracts_json_and_keeps_control_characters() {
        let body = json_body(b"ISA*00\x1dX~").expect("utf-8");
        let value: serde_json::Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(value["x12"].as_str(), Some("ISA*00\u{1d}X~"));
        assert_eq!(json_body(&[0xff, 0xfe]), None);
    }

    #[test]
    fn endpoints_must_be_http() {
        assert!(matches!(
            HttpTransport::new("ftp://x", Duration::from_secs(1), None),
            Err(TransportError::Endpoint(_))
        ));
        assert!(HttpTransport::new("http://127.0.0.1:9/", Duration::from_secs(1), None).is_ok());
        assert!(matches!(
            HttpTransport::new("http://127.0.0.1:9/", Duration::from_secs(1), Some("a\nb")),
            Err(TransportError::Authorization)
        ));
    }
}

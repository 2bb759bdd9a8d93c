//! A local clearinghouse: the raw-X12 claim submission REST contract, served on a local
//! port, with idempotency by key, a journal of commits and deterministic fault injection.
//!
//! It is what the submitter is tested against (in-process through [`RunningSim`], or as
//! `x12pipe sim`). It speaks exactly what [`crate::submit::classify`] reads:
//!
//! | request | answer |
//! |---|---|
//! | `Authorization` missing or wrong, when a token is configured | 401 `{"status":"UNAUTHORIZED"}` |
//! | no `Idempotency-Key`, or a body that is not JSON with a string `x12` | 400 `{"status":"INVALID","message":"..."}` |
//! | syntax errors (our validator), or not one interchange with one transaction set | 400 `{"status":"INVALID","errors_count":N}` |
//! | business errors (claim edits) | 200 `{"status":"ERROR","errors":[{"code":"...","field":"CLM02"}]}` |
//! | accepted | 200 `{"status":"SUCCESS","id":"SIM-000001","x12_999":"ISA*..."}` |
//! | same key, same payload, answered before | the recorded answer again (not journaled again) |
//! | same key, different payload, after an acceptance | 422 `{"status":"CONFLICT"}` |
//! | same key while its first request is being processed | 409 `{"status":"IN_PROGRESS"}`, `Retry-After: 1` |
//!
//! Answers carry finding codes and element positions, never claim data. Faults
//! ([`FaultKind`]) are decided per request by a hash of (seed, key, the n-th request for
//! that key), so they do not depend on how concurrent requests interleave.
//!
//! Every acceptance is committed before its answer is sent: a journal line (JSON:
//! `{"key","payload_sha256","at_ms","reference"}`) written and fsync'd, and the answer
//! recorded for replay. An outside test counts journal keys to check exactly-once.
//!
//! ```no_run
//! # async fn example() -> std::io::Result<()> {
//! use x12pipe::sim::{RunningSim, SimConfig};
//!
//! let sim = RunningSim::start(SimConfig { fault_rate: 0.3, ..SimConfig::default() }).await?;
//! println!("POST claims to {}", sim.url());
//! // ... submit ...
//! println!("{} commits", sim.stats().commits);
//! sim.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod check;
mod fault;
mod store;

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::{JoinHandle, JoinSet};

use crate::submit::key::payload_sha256;

pub use check::{BusinessError, Verdict, judge};
pub use fault::{Fault, FaultKind, UnknownFaultKind, decide};

use store::{Admission, InFlight, Record, Reply, Store};

/// The largest request body read (a 5000-claim transaction set is far smaller).
const MAX_BODY: usize = 64 * 1024 * 1024;

/// How long [`RunningSim::shutdown`] lets requests in progress finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// How the simulator behaves.
#[derive(Clone)]
pub struct SimConfig {
    /// Where to listen; port 0 picks a free port (see [`RunningSim::addr`]).
    pub listen: SocketAddr,
    /// Seed of the fault decisions.
    pub seed: u64,
    /// Probability (0.0 to 1.0) that a request gets a fault.
    pub fault_rate: f64,
    /// The faults drawn from, uniformly. Default [`FaultKind::TRANSIENT`].
    pub fault_kinds: Vec<FaultKind>,
    /// How long a [`FaultKind::Slow`] answer waits after committing (longer than the
    /// client's timeout). Default 5 s.
    pub slow: Duration,
    /// Append a line per commit to this file (JSON lines), fsync'd before answering.
    pub journal: Option<PathBuf>,
    /// When set, requests need `Authorization: Bearer <token>`.
    pub token: Option<String>,
    /// Replay the recorded answer for a known key (default true). Off, every request is
    /// processed and committed anew: a receiver without idempotency, to show duplicates.
    pub dedup: bool,
}

impl Default for SimConfig {
    /// 127.0.0.1 on a free port, no faults, no journal, no token, replay by key.
    fn default() -> Self {
        SimConfig {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            seed: 0,
            fault_rate: 0.0,
            fault_kinds: FaultKind::TRANSIENT.to_vec(),
            slow: Duration::from_secs(5),
            journal: None,
            token: None,
            dedup: true,
        }
    }
}

impl fmt::Debug for SimConfig {
    /// Never prints the token.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimConfig")
            .field("listen", &self.listen)
            .field("seed", &self.seed)
            .field("fault_rate", &self.fault_rate)
            .field("fault_kinds", &self.fault_kinds)
            .field("slow", &self.slow)
            .field("journal", &self.journal)
            .field("token", &self.token.as_ref().map(|_| "<set>"))
            .field("dedup", &self.dedup)
            .finish()
    }
}

/// What the simulator has seen so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SimStats {
    /// Requests received (every one, faults included).
    pub requests: u64,
    /// Acceptances committed (journaled): first commits of a key only.
    pub commits: u64,
    /// Recorded answers replayed for a known key and payload.
    pub replays: u64,
    /// 422: a key reused with another payload.
    pub conflicts: u64,
    /// 409: a key sent again while in progress.
    pub in_progress: u64,
    /// 400 INVALID for a payload with syntax errors (or not one set).
    pub rejected_syntax: u64,
    /// 200 ERROR: business rejections, injected claim edits included.
    pub rejected_business: u64,
    /// 400/404/405 before any payload was read: no key, not JSON, wrong path or method.
    pub bad_requests: u64,
    /// 401.
    pub unauthorized: u64,
    /// Faults injected, by kind.
    pub faults: BTreeMap<FaultKind, u64>,
}

struct Shared {
    config: SimConfig,
    store: Arc<Store>,
    stats: Mutex<SimStats>,
}

impl Shared {
    fn count(&self, update: impl FnOnce(&mut SimStats)) {
        let mut stats = self
            .stats
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        update(&mut stats);
    }
}

/// A simulator serving on [`RunningSim::addr`] until [`RunningSim::shutdown`] (or until it
/// is dropped). Start it inside a tokio runtime.
pub struct RunningSim {
    /// The address it listens on.
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    server: JoinHandle<()>,
}

impl fmt::Debug for RunningSim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunningSim")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl RunningSim {
    /// Binds `config.listen`, opens the journal (appending) and starts serving on the
    /// current tokio runtime.
    pub async fn start(config: SimConfig) -> io::Result<RunningSim> {
        let store = Arc::new(Store::open(config.journal.as_deref())?);
        let listener = TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            config,
            store,
            stats: Mutex::new(SimStats::default()),
        });
        let (stop, stopped) = watch::channel(false);
        let server = tokio::spawn(serve(listener, Arc::clone(&shared), stopped));
        Ok(RunningSim {
            addr,
            shared,
            stop,
            server,
        })
    }

    /// `http://ADDR`, the URL to POST claims to.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The counts so far.
    pub fn stats(&self) -> SimStats {
        self.shared
            .stats
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Stops accepting, lets requests in progress finish (for up to 2 s), then closes.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.server.await;
    }
}

/// The accept loop: one task per connection, until told to stop.
async fn serve(listener: TcpListener, shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            // A send or a dropped `RunningSim` both stop the server.
            _ = stop.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(connection(stream, Arc::clone(&shared), stop.clone()));
                }
                Err(error) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(%error, "sim: accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    let drained = async { while connections.join_next().await.is_some() {} };
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, drained).await;
    connections.shutdown().await;
}

/// Serves one connection. A [`FaultKind::Drop`] answer notifies `abort`: the connection is
/// then dropped, closing the socket with no answer written.
async fn connection(stream: TcpStream, shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let abort = Arc::new(Notify::new());
    let service = {
        let abort = Arc::clone(&abort);
        service_fn(move |request| answer(Arc::clone(&shared), Arc::clone(&abort), request))
    };
    let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    let mut stopping = false;
    loop {
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(error) = result {
                    tracing::debug!(%error, "sim: connection ended");
                }
                return;
            }
            () = abort.notified() => return,
            _ = stop.changed(), if !stopping => {
                stopping = true;
                connection.as_mut().graceful_shutdown();
            }
        }
    }
}

/// What became of a request, for the answer and the log line.
struct Handled {
    reply: Reply,
    key: Option<String>,
    fault: Option<Fault>,
}

/// Answers one request: handles it, then plays a slow or dropped answer if that is the
/// fault drawn, and logs one line (key, status, fault: never the payload).
async fn answer(
    shared: Arc<Shared>,
    abort: Arc<Notify>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let handled = handle(&shared, request).await;
    let key = handled.key.as_deref().unwrap_or("-");
    let fault = handled.fault.map_or("-", |f| f.kind.name());
    match handled.fault.map(|f| f.kind) {
        Some(FaultKind::Drop) => {
            tracing::info!(key, status = "none", fault, "sim: request");
            abort.notify_one();
            // The connection task drops this future with the connection.
            std::future::pending::<()>().await;
        }
        Some(FaultKind::Slow) => tokio::time::sleep(shared.config.slow).await,
        _ => {}
    }
    tracing::info!(key, status = handled.reply.status, fault, "sim: request");
    Ok(response(&handled.reply))
}

fn response(reply: &Reply) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(reply.body.clone())));
    *response.status_mut() =
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Some(seconds) = reply.retry_after {
        headers.insert(RETRY_AFTER, HeaderValue::from_static(seconds));
    }
    response
}

fn invalid(message: &str) -> Reply {
    Reply::json(400, json!({"status": "INVALID", "message": message}))
}

/// The `Idempotency-Key`, if present and printable (at most 256 visible ASCII bytes).
fn idempotency_key(request: &Request<Incoming>) -> Option<String> {
    let value = request.headers().get("idempotency-key")?.to_str().ok()?;
    (!value.is_empty() && value.len() <= 256 && value.bytes().all(|b| b.is_ascii_graphic()))
        .then(|| value.to_string())
}

fn authorized(config: &SimConfig, request: &Request<Incoming>) -> bool {
    let Some(token) = &config.token else {
        return true;
    };
    let given = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    given.is_some_and(|given| given.as_bytes() == token.as_bytes())
}

/// The answer for a fault that answers before anything is committed.
fn early_fault(fault: Fault) -> Option<Reply> {
    let status = fault.kind.early_status()?;
    let body = if status == 429 {
        json!({"status": "THROTTLED"})
    } else {
        json!({"status": "SERVER_ERROR"})
    };
    let mut reply = Reply::json(status, body);
    reply.retry_after = match fault.kind {
        FaultKind::Throttled => Some("1"),
        FaultKind::Unavailable if fault.retry_after => Some("1"),
        _ => None,
    };
    Some(reply)
}

/// The `x12` string of a `{"x12": "..."}` body.
fn x12_of(body: &[u8]) -> Option<String> {
    match serde_json::from_slice::<serde_json::Value>(body).ok()? {
        serde_json::Value::Object(mut map) => match map.remove("x12")? {
            serde_json::Value::String(x12) => Some(x12),
            _ => None,
        },
        _ => None,
    }
}

async fn handle(shared: &Arc<Shared>, request: Request<Incoming>) -> Handled {
    shared.count(|s| s.requests += 1);
    let refuse = |reply: Reply, key: Option<String>| {
        shared.count(|s| s.bad_requests += 1);
        Handled {
            reply,
            key,
            fault: None,
        }
    };
    if !matches!(request.uri().path(), "/" | "/claims") {
        return refuse(Reply::json(404, json!({"status": "NOT_FOUND"})), None);
    }
    if request.method() != Method::POST {
        let reply = Reply::json(405, json!({"status": "INVALID", "message": "use POST"}));
        return refuse(reply, None);
    }
    let config = &shared.config;
    if !authorized(config, &request) {
        shared.count(|s| s.unauthorized += 1);
        return Handled {
            reply: Reply::json(401, json!({"status": "UNAUTHORIZED"})),
            key: None,
            fault: None,
        };
    }
    let Some(key) = idempotency_key(&request) else {
        return refuse(invalid("an Idempotency-Key header is required"), None);
    };
    let attempt = shared.store.next_attempt(&key);
    let fault = decide(
        config.seed,
        &key,
        attempt,
        config.fault_rate,
        &config.fault_kinds,
    );
    if let Some(fault) = fault {
        shared.count(|s| *s.faults.entry(fault.kind).or_insert(0) += 1);
        if let Some(reply) = early_fault(fault) {
            return Handled {
                reply,
                key: Some(key),
                fault: Some(fault),
            };
        }
    }
    let body = match Limited::new(request.into_body(), MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            return refuse(
                invalid("the body could not be read (64 MiB at most)"),
                Some(key),
            );
        }
    };
    let Some(x12) = x12_of(&body) else {
        return refuse(
            invalid("the body must be a JSON object with a string \"x12\""),
            Some(key),
        );
    };
    let payload_sha256 = payload_sha256(x12.as_bytes());
    let reply = match shared.store.admit(&key, &payload_sha256, config.dedup) {
        Admission::Busy => {
            shared.count(|s| s.in_progress += 1);
            let mut reply = Reply::json(409, json!({"status": "IN_PROGRESS"}));
            reply.retry_after = Some("1");
            reply
        }
        Admission::Replay(reply) => {
            shared.count(|s| s.replays += 1);
            reply
        }
        Admission::Conflict => {
            shared.count(|s| s.conflicts += 1);
            Reply::json(422, json!({"status": "CONFLICT"}))
        }
        Admission::Process(in_flight) => {
            let claim_edit = fault.is_some_and(|f| f.kind == FaultKind::ClaimEdit);
            let task = {
                let shared = Arc::clone(shared);
                let key = key.clone();
                // Validation and the fsync block; the task also owns the in-flight guard, so
                // the key is released only after its answer is recorded, even if the client
                // goes away meanwhile.
                tokio::task::spawn_blocking(move || {
                    process(&shared, in_flight, &key, payload_sha256, &x12, claim_edit)
                })
            };
            match task.await {
                Ok(reply) => reply,
                Err(error) => {
                    tracing::error!(%error, "sim: processing failed");
                    Reply::json(500, json!({"status": "SERVER_ERROR"}))
                }
            }
        }
    };
    Handled {
        reply,
        key: Some(key),
        fault,
    }
}

/// Judges a payload, commits an acceptance, records the answer.
fn process(
    shared: &Shared,
    in_flight: InFlight,
    key: &str,
    payload_sha256: String,
    x12: &str,
    claim_edit: bool,
) -> Reply {
    let verdict = if claim_edit {
        Verdict::Business(vec![BusinessError {
            code: "SIM-EDIT-1".to_string(),
            field: "CLM02".to_string(),
        }])
    } else {
        judge(x12.as_bytes())
    };
    let (reply, accepted) = match verdict {
        Verdict::Invalid {
            errors_count,
            message,
        } => {
            shared.count(|s| s.rejected_syntax += 1);
            let mut body = json!({"status": "INVALID", "errors_count": errors_count});
            if let Some(message) = message {
                body["message"] = json!(message);
            }
            (Reply::json(400, body), false)
        }
        Verdict::Business(errors) => {
            shared.count(|s| s.rejected_business += 1);
            let errors: Vec<_> = errors
                .iter()
                .map(|e| json!({"code": e.code, "field": e.field}))
                .collect();
            (
                Reply::json(200, json!({"status": "ERROR", "errors": errors})),
                false,
            )
        }
        Verdict::Accepted { ack_999 } => match shared.store.commit(key, &payload_sha256) {
            Ok(reference) => {
                shared.count(|s| s.commits += 1);
                let body = json!({"status": "SUCCESS", "id": reference, "x12_999": ack_999});
                (Reply::json(200, body), true)
            }
            Err(error) => {
                // Not committed, so not recorded: a retry tries again.
                tracing::error!(%error, "sim: journal write failed");
                return Reply::json(500, json!({"status": "SERVER_ERROR"}));
            }
        },
    };
    shared.store.record(
        &in_flight,
        Record {
            payload_sha256,
            reply: reply.clone(),
            accepted,
        },
    );
    drop(in_flight);
    reply
}

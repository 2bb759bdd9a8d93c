//! The simulator's memory: per-key request counts, keys in flight, the recorded answer of
//! each key, and the journal of commits.
//!
//! The rule the exactly-once tests rely on: a submission is committed (journal line written
//! and fsync'd, answer recorded) before any answer leaves, and a key leaves the in-flight set
//! only after its answer is recorded, so a retry either waits (409) or replays.

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

/// An answer as sent: status, JSON body, `Retry-After`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Reply {
    pub status: u16,
    pub body: String,
    pub retry_after: Option<&'static str>,
}

impl Reply {
    pub fn json(status: u16, value: serde_json::Value) -> Reply {
        Reply {
            status,
            body: value.to_string(),
            retry_after: None,
        }
    }
}

/// The recorded outcome of a key.
#[derive(Clone, Debug)]
pub(crate) struct Record {
    pub payload_sha256: String,
    pub reply: Reply,
    /// Accepted (committed): a different payload under this key is a conflict. A rejected
    /// key may be sent again with a corrected payload.
    pub accepted: bool,
}

/// What the idempotency check says about a request.
pub(crate) enum Admission {
    /// New (or a corrected resubmission of a rejected key): process it; the guard keeps the
    /// key in flight until dropped.
    Process(InFlight),
    /// The same key is being processed.
    Busy,
    /// Same key, same payload: this is the recorded answer.
    Replay(Reply),
    /// Same key, different payload, after an acceptance.
    Conflict,
}

#[derive(Default)]
struct Keys {
    attempts: HashMap<String, u64>,
    in_flight: HashSet<String>,
    records: HashMap<String, Record>,
}

/// One journal line, fields in this order.
#[derive(serde::Serialize)]
struct JournalLine<'a> {
    key: &'a str,
    payload_sha256: &'a str,
    at_ms: u64,
    reference: &'a str,
}

/// The journal file and the reference counter, behind one lock so that references follow
/// journal order and lines never interleave.
struct Journal {
    file: Option<File>,
    last_reference: u64,
}

pub(crate) struct Store {
    keys: Mutex<Keys>,
    journal: Mutex<Journal>,
}

/// A poisoned lock only means another request panicked; the maps are still consistent
/// (every update is a single insert or remove).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Store {
    pub fn open(journal: Option<&Path>) -> io::Result<Store> {
        let file = match journal {
            Some(path) => Some(OpenOptions::new().create(true).append(true).open(path)?),
            None => None,
        };
        Ok(Store {
            keys: Mutex::new(Keys::default()),
            journal: Mutex::new(Journal {
                file,
                last_reference: 0,
            }),
        })
    }

    /// Counts a request for `key`; returns how many came before it.
    pub fn next_attempt(&self, key: &str) -> u64 {
        let mut keys = lock(&self.keys);
        let count = keys.attempts.entry(key.to_string()).or_insert(0);
        let attempt = *count;
        *count += 1;
        attempt
    }

    /// The idempotency check. Without `dedup` every request is processed.
    pub fn admit(self: &Arc<Self>, key: &str, payload_sha256: &str, dedup: bool) -> Admission {
        if !dedup {
            return Admission::Process(InFlight {
                store: Arc::clone(self),
                key: None,
            });
        }
        let mut keys = lock(&self.keys);
        if keys.in_flight.contains(key) {
            return Admission::Busy;
        }
        if let Some(record) = keys.records.get(key) {
            if record.payload_sha256 == payload_sha256 {
                return Admission::Replay(record.reply.clone());
            }
            if record.accepted {
                return Admission::Conflict;
            }
        }
        keys.in_flight.insert(key.to_string());
        Admission::Process(InFlight {
            store: Arc::clone(self),
            key: Some(key.to_string()),
        })
    }

    /// Commits an acceptance: the next reference, its journal line written and fsync'd.
    /// Blocking (file I/O): call it off the async threads.
    pub fn commit(&self, key: &str, payload_sha256: &str) -> io::Result<String> {
        let mut journal = lock(&self.journal);
        let reference = format!("SIM-{:06}", journal.last_reference + 1);
        if let Some(file) = journal.file.as_mut() {
            let at_ms = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64);
            let mut line = serde_json::to_string(&JournalLine {
                key,
                payload_sha256,
                at_ms,
                reference: &reference,
            })
            .map_err(io::Error::other)?;
            line.push('\n');
            file.write_all(line.as_bytes())?;
            file.sync_data()?;
        }
        journal.last_reference += 1;
        Ok(reference)
    }

    /// Records the answer of a key (while it is still in flight, so no retry slips between).
    pub fn record(&self, guard: &InFlight, record: Record) {
        if let Some(key) = &guard.key {
            lock(&self.keys).records.insert(key.clone(), record);
        }
    }
}

/// Holds a key in flight; dropping it (answered, failed or cancelled) releases the key.
pub(crate) struct InFlight {
    store: Arc<Store>,
    key: Option<String>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            lock(&self.store.keys).in_flight.remove(&key);
        }
    }
}

//! The submission loop: lease due units from the ledger, send them, record what happened.
//!
//! One control loop owns the decisions; attempts run as tasks beside it, at most
//! `concurrency` at a time. Every attempt is committed to the ledger (state `in_flight`,
//! attempt counted, lease taken) before its first byte is sent, and every outcome is
//! committed before the unit can be leased again. Outcomes that arrive together are
//! recorded in one transaction (group commit), so the ledger's disk syncs do not grow with
//! the request rate.
//!
//! Rules:
//! - transient failures (408, 429, 409 for a key still processing, 5xx, connection
//!   failures) are retried with full-jitter backoff or the receiver's `Retry-After`, until
//!   the retry policy's attempts or elapsed time run out (then `dead`);
//! - a request sent without an answer (timeout, reset) is retried with the same key only
//!   when the receiver deduplicates by key and the unit is inside the receiver's window;
//!   otherwise it is `in_doubt` for an operator: never resent blindly;
//! - rejections (syntax, business) and conflicts (422) are final: attempted once;
//! - 401/403/404 stop the run (the unit goes back to wait: nothing was accepted);
//! - a circuit breaker pauses the queue after consecutive transient failures.
//!
//! Time comes from [`Clock`], which follows `tokio::time`: under a paused test runtime the
//! whole loop runs in virtual time.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::finding::Code;
use crate::ledger::{
    Enqueued, Event, LeaseRequest, Ledger, LedgerError, NewUnit, Record, Recorded, State, Unit,
};

use super::classify::{Outcome, classify};
use super::policy::{Breaker, BreakerState, RetryPolicy};
use super::prepare::{Gate, PreparedUnit};
use super::transport::{Delivery, Transport, json_body};

/// Maps and sets keyed by unit keys. A key is a hex SHA-256 digest, which no input can
/// steer towards collisions, so a fast seeded hash (foldhash) serves instead of SipHash,
/// which cost some 10,000 instructions a unit here (callgrind, `cargo bench --bench submit`).
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
type HashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// A ledger shared between the loop and its blocking calls.
pub type SharedLedger = Arc<Mutex<Box<dyn Ledger>>>;

/// Wall-clock milliseconds that advance with `tokio::time` (virtual under a paused runtime).
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    origin: Instant,
    origin_unix_ms: i64,
}

impl Clock {
    /// The system clock, now.
    pub fn system() -> Self {
        let unix_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        Clock::starting_at(unix_ms)
    }

    /// A clock that reads `unix_ms` now and advances with `tokio::time`.
    pub fn starting_at(unix_ms: i64) -> Self {
        Clock {
            origin: Instant::now(),
            origin_unix_ms: unix_ms,
        }
    }

    /// Milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        self.origin_unix_ms + self.since_origin().as_millis() as i64
    }

    /// Time since the clock started (the breaker's time line).
    pub fn since_origin(&self) -> Duration {
        Instant::now().saturating_duration_since(self.origin)
    }

    /// The `tokio::time` instant of a wall-clock millisecond.
    fn instant_of(&self, unix_ms: i64) -> Instant {
        let offset = unix_ms.saturating_sub(self.origin_unix_ms).max(0) as u64;
        self.origin + Duration::from_millis(offset)
    }
}

/// How the loop behaves.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// This worker's id (lease owner): unique per process.
    pub worker: String,
    /// Backoff and give-up rules.
    pub policy: RetryPolicy,
    /// Consecutive transient failures that open the breaker.
    pub breaker_threshold: u32,
    /// How long the breaker stays open before a probe.
    pub breaker_cool_down: Duration,
    /// Attempts in flight at most.
    pub concurrency: usize,
    /// Attempts started per second at most (`None`: no limit).
    pub rate_per_second: Option<f64>,
    /// Units leased beyond the slots at most, so the requests keep flowing while the ledger
    /// syncs (`None`: four times `concurrency`). The loop leases what the slots use up in
    /// about three commits, at least `concurrency` (when this allows), at most this many. A
    /// worker killed with units leased and not yet sent leaves them to expire like any
    /// other lease (`in_doubt` unless the receiver deduplicates), so this bounds that too.
    pub lease_ahead: Option<usize>,
    /// How long a lease lasts: longer than a request's timeout, so only a dead worker's
    /// leases expire.
    pub lease: Duration,
    /// The receiver deduplicates by key for this long: a request sent without an answer is
    /// retried with the same key inside it. `None`: such a unit is in doubt.
    pub dedup_window: Option<Duration>,
    /// Seed of the backoff jitter.
    pub seed: u64,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            worker: "worker".into(),
            policy: RetryPolicy::default(),
            breaker_threshold: 8,
            breaker_cool_down: Duration::from_secs(5),
            concurrency: 16,
            rate_per_second: None,
            lease_ahead: None,
            lease: Duration::from_secs(90),
            dedup_window: None,
            seed: 0,
        }
    }
}

/// What the loop reports as it goes (for progress bars); logs are written with `tracing`.
#[derive(Clone, Debug)]
pub enum EngineEvent<'a> {
    /// Units are in the ledger: how many will be sent by this run. A large input is
    /// enqueued in two parts (sending starts after the first), so this comes twice: the
    /// first part's count, then the whole run's.
    Queued {
        /// Units to send, so far.
        to_send: usize,
    },
    /// An attempt starts.
    Attempt {
        /// The unit.
        key: &'a str,
        /// Attempt number (ledger count).
        attempt: u32,
    },
    /// An attempt ended and its outcome is committed.
    Recorded {
        /// The unit.
        key: &'a str,
        /// Its new state.
        state: State,
        /// What happened (codes and statuses).
        detail: &'a str,
    },
    /// The breaker is open: the queue pauses.
    Paused {
        /// For how long.
        wait: Duration,
    },
}

/// Why a run stopped before its work was done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The receiver refused the credentials or the endpoint (401, 403, 404).
    Configuration {
        /// HTTP status.
        status: u16,
    },
    /// Asked to stop (Ctrl-C).
    Interrupted,
}

/// One unit's fate at the end of the run, for the operator.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Fate {
    /// The key.
    pub key: String,
    /// ISA13.
    pub interchange: String,
    /// GS06.
    pub group: String,
    /// ST02.
    pub transaction: String,
    /// Source file.
    pub source: String,
    /// Where it is.
    pub state: State,
    /// Attempts in the ledger.
    pub attempts: u32,
    /// The last error (codes and statuses).
    pub last_error: Option<String>,
    /// It was already in this state before this run (not sent again).
    pub earlier: bool,
}

/// A set that was not recorded because its key is taken by another payload.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Conflict {
    /// The key.
    pub key: String,
    /// ISA13.
    pub interchange: String,
    /// GS06.
    pub group: String,
    /// ST02.
    pub transaction: String,
    /// Source file.
    pub source: String,
    /// Hex SHA-256 of this set's payload.
    pub payload_sha256: String,
    /// Where the other payload is: earlier in this input, or in the ledger.
    pub reason: String,
}

/// The end of a run.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Report {
    /// Sets whose key another payload holds (same ISA13/GS06/ST02 and partners, different
    /// content): never sent; the file needs new control numbers.
    pub conflicts: Vec<Conflict>,
    /// Every unit of the input recorded in the ledger, in input order.
    pub units: Vec<Fate>,
    /// Attempts this run started.
    pub attempts: u64,
    /// Of those, retries (attempts after a unit's first of this run).
    pub retries: u64,
    /// Sets that appeared twice in the input with the same key and payload (sent once).
    pub duplicates: u64,
    /// Why the run stopped early, if it did.
    #[serde(skip)]
    pub stopped: Option<Stop>,
}

impl Report {
    /// Units per state, every state listed.
    pub fn counts(&self) -> Vec<(State, usize)> {
        State::ALL
            .iter()
            .map(|s| (*s, self.units.iter().filter(|u| u.state == *s).count()))
            .collect()
    }

    /// Units in `state`.
    pub fn count(&self, state: State) -> usize {
        self.units.iter().filter(|u| u.state == state).count()
    }
}

/// A failure of the run itself (not of a unit).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The ledger failed: the run stops, nothing is sent without a committed attempt.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// Runs a blocking ledger call off the async threads.
pub async fn with_ledger<R, F>(ledger: &SharedLedger, f: F) -> Result<R, LedgerError>
where
    R: Send + 'static,
    F: FnOnce(&mut dyn Ledger) -> Result<R, LedgerError> + Send + 'static,
{
    spawn_on_ledger(ledger, f)
        .await
        .map_err(|e| LedgerError::Database(format!("ledger task failed: {e}")))?
}

/// Starts a blocking ledger call on a blocking thread, holding the ledger's lock for it;
/// the handle gives its result (for the send loop, which awaits it beside other work).
fn spawn_on_ledger<R, F>(
    ledger: &SharedLedger,
    f: F,
) -> tokio::task::JoinHandle<Result<R, LedgerError>>
where
    R: Send + 'static,
    F: FnOnce(&mut dyn Ledger) -> Result<R, LedgerError> + Send + 'static,
{
    let ledger = Arc::clone(ledger);
    tokio::task::spawn_blocking(move || {
        let mut guard = ledger
            .lock()
            .map_err(|_| LedgerError::Database("the ledger lock was poisoned".into()))?;
        f(guard.as_mut())
    })
}

/// The longest an outcome waits for others to share its commit (the group commit in the
/// send loop).
const COMMIT_HOLD: Duration = Duration::from_millis(2);

/// SplitMix64: the jitter's random numbers, seeded for reproducible tests.
fn next_random(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// What the loop keeps of a unit it may send.
struct Sendable {
    /// The transaction set (checked to be UTF-8 text); each attempt's task builds the JSON
    /// body from it, so the bodies of a whole file are never held at once and their
    /// building runs beside the requests instead of before the first one.
    payload: bytes::Bytes,
}

/// An attempt under way.
struct InFlight {
    attempt: u32,
    created_at: i64,
}

/// A finished attempt, from its task.
struct Finished {
    key: String,
    /// What the transport saw, in short (status or failure kind).
    seen: String,
    /// What it means, classified in the attempt's task (the body is parsed there, off the
    /// control loop, and dropped).
    outcome: Outcome,
}

/// How many units of a run are enqueued before the first is sent: enough to keep the
/// slots busy while the rest are enqueued (four leases' worth), or all of them when they
/// are few.
fn head_len(units: usize, concurrency: usize) -> usize {
    let head = (4 * concurrency).max(32);
    if units <= 2 * head { units } else { head }
}

/// Units enqueued and sorted by the gate, on a blocking thread ([`intake`]).
struct Intake {
    /// The units, in input order (the payloads of those to send moved to `sendable`).
    units: Vec<PreparedUnit>,
    /// The units to send, in input order.
    sendable: Vec<(String, Sendable)>,
    /// The gate's rejections: key, detail, and what the ledger made of them.
    gate: Vec<(String, String, Result<State, LedgerError>)>,
    /// Keys the ledger held already, in a state that is not sent again.
    earlier: Vec<String>,
    /// Keys the ledger holds with another payload.
    conflicts: Vec<Conflict>,
}

/// What a run knows of its input while it runs: every unit enqueued so far, and which
/// were there before or conflict.
#[derive(Default)]
struct Known {
    units: Vec<PreparedUnit>,
    earlier: HashSet<String>,
    conflicted: HashSet<String>,
    /// Units this run sends, for the progress bar.
    to_send: usize,
}

/// The part of a run's input not enqueued yet: waiting for the first lease, being
/// enqueued, or done (nothing left).
enum Tail {
    Waiting(Vec<PreparedUnit>),
    Running(tokio::task::JoinHandle<Result<Intake, LedgerError>>),
    Done,
}

fn conflict_of(unit: &PreparedUnit, reason: &str) -> Conflict {
    Conflict {
        key: unit.key.clone(),
        interchange: unit.control_numbers.0.clone(),
        group: unit.control_numbers.1.clone(),
        transaction: unit.control_numbers.2.clone(),
        source: unit.source.clone(),
        payload_sha256: unit.payload_sha256.clone(),
        reason: reason.to_string(),
    }
}

/// Enqueues `units` (one transaction), sorts them by what the ledger held and by the
/// gate, and records the gate's rejections (one more).
fn intake(
    ledger: &mut dyn Ledger,
    mut units: Vec<PreparedUnit>,
    now: i64,
) -> Result<Intake, LedgerError> {
    let new_units: Vec<NewUnit> = units
        .iter()
        .map(|u| NewUnit {
            key: u.key.clone(),
            payload_sha256: u.payload_sha256.clone(),
            control_numbers: u.control_numbers.clone(),
            source: u.source.clone(),
        })
        .collect();
    let enqueued = ledger.enqueue_all(&new_units, now)?;
    drop(new_units);
    let mut sendable = Vec::new();
    let mut gate_records: Vec<(String, Event, String)> = Vec::new();
    let mut earlier = Vec::new();
    let mut conflicts = Vec::new();
    for (unit, result) in units.iter_mut().zip(&enqueued) {
        let open = match result {
            Enqueued::New | Enqueued::Known(State::Pending) => true,
            Enqueued::Known(State::RetryWait | State::InFlight) => true,
            Enqueued::Known(state) => {
                tracing::info!(key = %unit.key, state = %state, "already in the ledger; not sent again");
                earlier.push(unit.key.clone());
                false
            }
            Enqueued::Conflict { recorded } => {
                tracing::warn!(
                    key = %unit.key,
                    recorded_sha256 = %recorded,
                    payload_sha256 = %unit.payload_sha256,
                    "conflict: the ledger holds this key with another payload; not sent (a changed file must get new control numbers)"
                );
                conflicts.push(conflict_of(
                    unit,
                    "the ledger holds these control numbers and partners with another payload",
                ));
                false
            }
        };
        if !open {
            continue;
        }
        match &unit.gate {
            Gate::RejectSyntax(why) => gate_records.push((
                unit.key.clone(),
                Event::RejectedSyntax,
                format!("gate: {why}"),
            )),
            Gate::RejectBusiness(why) => gate_records.push((
                unit.key.clone(),
                Event::RejectedBusiness,
                format!("gate: {why}"),
            )),
            Gate::Submit if std::str::from_utf8(&unit.payload).is_ok() => {
                // The payload moves to the sendable unit (nothing else reads it).
                let payload = bytes::Bytes::from(std::mem::take(&mut unit.payload));
                sendable.push((unit.key.clone(), Sendable { payload }));
            }
            Gate::Submit => gate_records.push((
                unit.key.clone(),
                Event::RejectedSyntax,
                "gate: the payload is not UTF-8 text".into(),
            )),
        }
    }
    let mut gate = Vec::new();
    if !gate_records.is_empty() {
        let records: Vec<Record<'_>> = gate_records
            .iter()
            .map(|(key, event, detail)| Record {
                key,
                owner: None,
                event: event.clone(),
                detail,
                remote_reference: None,
            })
            .collect();
        let results = ledger.record_all(&records, now)?;
        drop(records);
        gate = gate_records
            .into_iter()
            .zip(results)
            .map(|((key, _, detail), r)| (key, detail, r))
            .collect();
    }
    Ok(Intake {
        units,
        sendable,
        gate,
        earlier,
        conflicts,
    })
}

/// Takes what [`intake`] found into the run: the gate's rejections reported, the units to
/// send queued in input order.
fn take_intake(
    intake: Intake,
    sendable: &mut HashMap<String, Sendable>,
    queue: &mut Queue,
    report: &mut Report,
    known: &mut Known,
    on_event: &mut (dyn FnMut(&EngineEvent<'_>) + Send),
) {
    for (key, detail, result) in intake.gate {
        match result {
            Ok(state) => {
                tracing::warn!(key = %key, state = %state, detail = %detail, "rejected by the gate; not sent");
                on_event(&EngineEvent::Recorded {
                    key: &key,
                    state,
                    detail: &detail,
                });
            }
            Err(e) => tracing::warn!(key = %key, error = %e, "gate rejection not recorded"),
        }
    }
    known
        .conflicted
        .extend(intake.conflicts.iter().map(|c| c.key.clone()));
    report.conflicts.extend(intake.conflicts);
    known.earlier.extend(intake.earlier);
    known.to_send += intake.sendable.len();
    for (key, unit) in intake.sendable {
        queue.push(&key);
        sendable.insert(key, unit);
    }
    known.units.extend(intake.units);
    on_event(&EngineEvent::Queued {
        to_send: known.to_send,
    });
}

/// What a commit did: the outcomes it recorded (with their results) and the units it
/// leased.
struct Committed {
    records: Vec<(String, Decision, u32)>,
    results: Recorded,
    leased: Vec<Unit>,
    /// The lease asked for: `(limit, among)`.
    asked: Option<(usize, Vec<String>)>,
}

/// Where a run's time went, logged at debug level when it ends: how many commits, how many
/// outcomes and leases each carried, how long each took, and how full the slots were.
struct LoopStats {
    start: Instant,
    last: Instant,
    commits: u64,
    records: u64,
    leased: u64,
    commit_started: Instant,
    committing: Duration,
    /// Time integrals of the attempts in flight and of the units leased and waiting.
    in_flight: f64,
    ready: f64,
    /// The counts since the last [`LoopStats::tick`].
    now_in_flight: usize,
    now_ready: usize,
}

impl LoopStats {
    fn new() -> Self {
        let now = Instant::now();
        LoopStats {
            start: now,
            last: now,
            commits: 0,
            records: 0,
            leased: 0,
            commit_started: now,
            committing: Duration::ZERO,
            in_flight: 0.0,
            ready: 0.0,
            now_in_flight: 0,
            now_ready: 0,
        }
    }

    /// The counts change to these: the time since the last tick is counted at the counts
    /// it had. Called as the loop starts to wait, after it refilled the slots, so a slot
    /// freed and refilled within one turn never counts as empty.
    fn tick(&mut self, in_flight: usize, ready: usize) {
        let now = Instant::now();
        let dt = now.duration_since(self.last).as_secs_f64();
        self.in_flight += dt * self.now_in_flight as f64;
        self.ready += dt * self.now_ready as f64;
        self.last = now;
        self.now_in_flight = in_flight;
        self.now_ready = ready;
    }

    fn commit_started(&mut self, records: usize) {
        self.commits += 1;
        self.records += records as u64;
        self.commit_started = Instant::now();
    }

    fn commit_finished(&mut self, leased: usize) {
        self.leased += leased as u64;
        self.committing += self.commit_started.elapsed();
    }

    fn log(&self) {
        let total = self.start.elapsed().as_secs_f64().max(1e-9);
        let per_commit = |n: u64| n as f64 / self.commits.max(1) as f64;
        tracing::debug!(
            commits = self.commits,
            outcomes_per_commit = format!("{:.1}", per_commit(self.records)),
            leases_per_commit = format!("{:.1}", per_commit(self.leased)),
            commit_ms = format!(
                "{:.2}",
                self.committing.as_secs_f64() * 1000.0 / self.commits.max(1) as f64
            ),
            committing_share = format!("{:.2}", self.committing.as_secs_f64() / total),
            average_in_flight = format!("{:.1}", self.in_flight / total),
            average_ready = format!("{:.1}", self.ready / total),
            "engine loop"
        );
    }
}

/// The attempts under way and what the run counts of them.
struct Slots {
    tasks: JoinSet<Finished>,
    in_flight: HashMap<String, InFlight>,
    attempts_this_run: HashMap<String, u32>,
    first_attempt: HashMap<String, Duration>,
    next_slot: Instant,
}

/// What an outcome means for the ledger and the run.
struct Decision {
    event: Event,
    detail: String,
    reference: Option<String>,
    /// A transient failure (for the breaker); `None` says nothing of the endpoint.
    transient: Option<bool>,
    stop: Option<Stop>,
}

fn duration_text(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// The units this worker believes due, so a lease asks the ledger about a few keys rather
/// than every open unit. What it cannot know (another worker's changes) the ledger tells
/// when the loop is idle ([`Engine::remaining`]).
#[derive(Default)]
struct Queue {
    due: VecDeque<String>,
    queued: HashSet<String>,
    /// Keys due at a later time (a retry, the end of someone's lease).
    later: HashMap<String, i64>,
}

impl Queue {
    fn push(&mut self, key: &str) {
        if self.queued.insert(key.to_string()) {
            self.due.push_back(key.to_string());
        }
    }

    /// Puts keys a lease did not reach back at the head of the queue, in their order.
    fn push_front(&mut self, keys: Vec<String>) {
        for key in keys.into_iter().rev() {
            if self.queued.insert(key.clone()) {
                self.due.push_front(key);
            }
        }
    }

    fn at(&mut self, key: &str, time: i64) {
        self.later.insert(key.to_string(), time);
    }

    /// Moves the keys whose time has come to the due queue.
    fn promote(&mut self, now: i64) {
        let ready: Vec<String> = self
            .later
            .iter()
            .filter(|(_, t)| **t <= now)
            .map(|(k, _)| k.clone())
            .collect();
        for key in ready {
            self.later.remove(&key);
            self.push(&key);
        }
    }

    /// The first `n` due keys, taken off the queue: the ones the ledger does not lease
    /// are not due there, and come back through [`Engine::remaining`].
    fn take(&mut self, n: usize) -> Vec<String> {
        let n = n.min(self.due.len());
        let keys: Vec<String> = self.due.drain(..n).collect();
        for key in &keys {
            self.queued.remove(key);
        }
        keys
    }

    fn next_time(&self) -> Option<i64> {
        self.later.values().min().copied()
    }
}

/// The keys a lease asked about and did not lease, when it may not have reached them: it
/// stopped at its limit, so they go back to the queue. When it leased fewer than its limit
/// it looked at every key, and those it left are not due here (another worker holds them,
/// or their time has not come): `None`, they come back through [`Engine::remaining`].
fn unreached(asked: Option<(usize, Vec<String>)>, leased: &[Unit]) -> Option<Vec<String>> {
    let (limit, among) = asked?;
    if leased.len() < limit {
        return None;
    }
    let leased: HashSet<&str> = leased.iter().map(|u| u.key.as_str()).collect();
    let rest: Vec<String> = among
        .into_iter()
        .filter(|k| !leased.contains(k.as_str()))
        .collect();
    (!rest.is_empty()).then_some(rest)
}

/// The submission loop.
pub struct Engine<T> {
    ledger: SharedLedger,
    transport: Arc<T>,
    config: EngineConfig,
    clock: Clock,
    breaker: Breaker,
    random: u64,
}

impl<T: Transport> Engine<T> {
    /// A loop over `ledger` and `transport`.
    pub fn new(
        ledger: SharedLedger,
        transport: Arc<T>,
        config: EngineConfig,
        clock: Clock,
    ) -> Self {
        let breaker = Breaker::new(config.breaker_threshold, config.breaker_cool_down);
        let random = config.seed ^ 0x5851_f42d_4c95_7f2d;
        Engine {
            ledger,
            transport,
            config,
            clock,
            breaker,
            random,
        }
    }

    /// Enqueues `units`, records the gate's rejections, sends the rest until each is final,
    /// in doubt, or the run stops (`stop` turns true: finish the attempts in flight, start
    /// no new ones). Units leased by other workers are left to them.
    pub async fn run(
        &mut self,
        units: Vec<PreparedUnit>,
        mut stop: watch::Receiver<bool>,
        on_event: &mut (dyn FnMut(&EngineEvent<'_>) + Send),
    ) -> Result<Report, EngineError> {
        let mut report = Report::default();
        // One unit per key; the same key twice with the same payload is one unit.
        let mut seen: HashMap<String, String> = HashMap::default();
        let mut order: Vec<PreparedUnit> = Vec::with_capacity(units.len());
        let mut input_conflicts: Vec<PreparedUnit> = Vec::new();
        for unit in units {
            match seen.get(&unit.key) {
                Some(hash) if *hash == unit.payload_sha256 => report.duplicates += 1,
                Some(_) => input_conflicts.push(unit),
                None => {
                    seen.insert(unit.key.clone(), unit.payload_sha256.clone());
                    order.push(unit);
                }
            }
        }
        for unit in &input_conflicts {
            tracing::warn!(
                key = %unit.key,
                interchange = %unit.control_numbers.0,
                group = %unit.control_numbers.1,
                transaction = %unit.control_numbers.2,
                "conflict: an earlier set of the input has this key with another payload; not sent"
            );
            report.conflicts.push(conflict_of(
                unit,
                "an earlier set of this input has the same control numbers and partners with another payload",
            ));
        }

        // The first units are enqueued alone, so that sending starts after one small
        // commit; the rest are enqueued (and their gate rejections recorded) on a blocking
        // thread while the first are sent (`Tail`).
        let tail_units = order.split_off(head_len(order.len(), self.config.concurrency));
        let started = Instant::now();
        let now = self.clock.now_ms();
        let head = with_ledger(&self.ledger, move |l| intake(l, order, now)).await?;
        let enqueue_time = started.elapsed();
        let mut sendable: HashMap<String, Sendable> = HashMap::default();
        let mut queue = Queue::default();
        let mut known = Known::default();
        take_intake(
            head,
            &mut sendable,
            &mut queue,
            &mut report,
            &mut known,
            on_event,
        );
        let mut tail = if tail_units.is_empty() {
            Tail::Done
        } else {
            Tail::Waiting(tail_units)
        };
        let sending = Instant::now();
        report.stopped = self
            .send_all(
                &mut sendable,
                &mut queue,
                &mut report,
                &mut stop,
                (&mut tail, &mut known),
                on_event,
            )
            .await?;
        let send_time = sending.elapsed();
        let reading = Instant::now();

        // The fate of every input unit, as the ledger has it now.
        let Known {
            units: order,
            earlier,
            conflicted,
            ..
        } = known;
        let keys: Vec<(String, (String, String, String), String)> = order
            .iter()
            .filter(|u| !conflicted.contains(&u.key))
            .map(|u| (u.key.clone(), u.control_numbers.clone(), u.source.clone()))
            .collect();
        let units = with_ledger(&self.ledger, move |l| {
            let just_keys: Vec<String> = keys.iter().map(|(key, _, _)| key.clone()).collect();
            let units = l.statuses(&just_keys)?;
            Ok(units
                .into_iter()
                .zip(keys)
                .map(|(unit, (key, control, source))| (unit, key, control, source))
                .collect::<Vec<_>>())
        })
        .await?;
        for (unit, key, (interchange, group, transaction), source) in units {
            let Some(unit) = unit else {
                return Err(LedgerError::NotFound(key).into());
            };
            report.units.push(Fate {
                earlier: earlier.contains(&key),
                key,
                interchange,
                group,
                transaction,
                source,
                state: unit.state,
                attempts: unit.attempts,
                last_error: unit.last_error,
            });
        }
        tracing::debug!(
            units = report.units.len(),
            first_enqueue_ms = format!("{:.1}", enqueue_time.as_secs_f64() * 1000.0),
            send_ms = format!("{:.1}", send_time.as_secs_f64() * 1000.0),
            report_ms = format!("{:.1}", reading.elapsed().as_secs_f64() * 1000.0),
            "engine run"
        );
        Ok(report)
    }

    /// Sends until every unit in `sendable` is final or in doubt, or the run stops.
    async fn send_all(
        &mut self,
        sendable: &mut HashMap<String, Sendable>,
        queue: &mut Queue,
        report: &mut Report,
        stop: &mut watch::Receiver<bool>,
        (tail, known): (&mut Tail, &mut Known),
        on_event: &mut (dyn FnMut(&EngineEvent<'_>) + Send),
    ) -> Result<Option<Stop>, EngineError> {
        let mut stopped: Option<Stop> = None;
        let mut commits_done = 0usize;
        let mut slots = Slots {
            tasks: JoinSet::new(),
            in_flight: HashMap::default(),
            attempts_this_run: HashMap::default(),
            first_attempt: HashMap::default(),
            next_slot: Instant::now(),
        };
        let mut ready: VecDeque<Unit> = VecDeque::new();
        let mut committing: Option<tokio::task::JoinHandle<Result<Committed, LedgerError>>> = None;
        let mut last_expiry = i64::MIN;
        let poll = (self.config.lease / 4).clamp(Duration::from_millis(50), Duration::from_secs(2));

        // Outcomes decided but not yet committed: they go with the next lease, in one
        // transaction, before anything else happens to their units.
        let mut unrecorded: Vec<(String, Decision, u32)> = Vec::new();
        let mut stats = LoopStats::new();
        // Outcomes the last commit carried: the attempts that ended while one commit ran.
        let mut last_outcomes = 0usize;
        // When the oldest outcome not yet committed arrived (see `worth` below).
        let mut first_unrecorded: Option<Instant> = None;
        loop {
            if *stop.borrow() && stopped.is_none() {
                stopped = Some(Stop::Interrupted);
            }
            let now = self.clock.now_ms();

            // The rest of the input is enqueued once the first lease is in (so that it
            // does not wait behind it), or at once when there is nothing to send before.
            if let Tail::Waiting(_) = tail
                && (commits_done > 0
                    || stopped.is_some()
                    || (committing.is_none()
                        && slots.in_flight.is_empty()
                        && ready.is_empty()
                        && queue.due.is_empty()))
                && let Tail::Waiting(units) = std::mem::replace(tail, Tail::Done)
            {
                *tail = Tail::Running(spawn_on_ledger(&self.ledger, move |l| {
                    intake(l, units, now)
                }));
            }
            let tail_done = matches!(tail, Tail::Done);

            // Leases of dead workers (or of this worker's earlier, killed process).
            if now.saturating_sub(last_expiry) >= poll.as_millis() as i64 {
                last_expiry = now;
                let dedup = self.config.dedup_window.is_some();
                let expired =
                    with_ledger(&self.ledger, move |l| l.expire_leases(now, dedup)).await?;
                for key in expired {
                    tracing::warn!(key = %key, dedup, "a lease ran out (its worker is gone)");
                }
            }

            let concurrency = self.config.concurrency.max(1);
            let batch = (concurrency / 4).max(1);
            let mut breaker_wait = None;
            let breaker_closed = matches!(self.breaker.state(), BreakerState::Closed { .. });

            // Units leased and not sent go back when the run stops or the breaker opens,
            // so that no lease is left to expire on a unit that never left.
            if (stopped.is_some() || !breaker_closed) && !ready.is_empty() {
                let why = if stopped.is_some() {
                    "leased, not sent: the run stopped"
                } else {
                    "leased, not sent: the circuit breaker opened"
                };
                for unit in ready.drain(..) {
                    queue.push(&unit.key);
                    unrecorded.push((
                        unit.key,
                        Decision {
                            event: Event::RetryAt(now),
                            detail: why.to_string(),
                            reference: None,
                            transient: None,
                            stop: None,
                        },
                        unit.attempts,
                    ));
                }
            }

            // Keep the slots busy and enough units leased and ready to replace every attempt
            // that ends before the next lease lands: three times the outcomes the last
            // commit carried (what the slots used up during one commit), at least the slots
            // again, at most `lease_ahead`. A slow ledger (a disk sync per commit) gets the
            // deeper buffer it needs; a fast one keeps few units leased and unsent, which
            // is what a crash would leave in doubt. Lease in batches (a quarter of the
            // slots at least): each lease is a commit. While the breaker is not closed,
            // lease only a unit for its probe.
            let hold = self.breaker.hold(self.clock.since_origin());
            if let Some(wait) = hold {
                breaker_wait = Some(wait);
            }
            let want = if stopped.is_some() {
                0
            } else if breaker_closed {
                let most = self.config.lease_ahead.unwrap_or(4 * concurrency);
                let ahead = (3 * last_outcomes).clamp(concurrency.min(most), most);
                (concurrency + ahead).saturating_sub(slots.in_flight.len() + ready.len())
            } else if hold.is_none() {
                // The cool-down is over: one unit for the probe.
                usize::from(ready.is_empty() && slots.in_flight.is_empty())
            } else {
                0
            };
            let idle = slots.in_flight.is_empty() && ready.is_empty();
            // Group commit: a commit waits until it carries one and a half outcomes per
            // slot (the slots keep going from the units leased ahead meanwhile), so that
            // its disk sync (and its hand-over to a blocking thread) is shared, unless
            // fewer than half the slots' units are left leased and ready, nothing is in
            // flight (nothing more will come), the run stops, or its oldest outcome has
            // waited `COMMIT_HOLD`. A commit as soon as the last one ended carried about
            // five outcomes on disk, and each sync cost some 0.2 ms of system time
            // (`cargo bench --bench submit`, paired rounds: 0.60-0.63 of the baseline with
            // SQLite on disk; waiting for 8, 16 or 24 outcomes: 0.61-0.65, 0.66-0.67,
            // 0.67-0.69 in two runs each; on 2026-12-07 at 14:00 UTC, alternated pairs of
            // 21 rounds, one / one and a half / two outcomes per slot: 0.63-0.66 /
            // 0.65-0.68 / 0.60-0.64; past that the leases ahead run out first).
            let half = (concurrency / 2).max(1);
            let company = concurrency + half;
            if unrecorded.is_empty() {
                first_unrecorded = None;
            } else if first_unrecorded.is_none() {
                first_unrecorded = Some(Instant::now());
            }
            let worth = unrecorded.len() >= company
                || ready.len() < half
                || slots.in_flight.is_empty()
                || stopped.is_some()
                || first_unrecorded.is_some_and(|t| t.elapsed() >= COMMIT_HOLD);
            let lease = if committing.is_none() && worth && want > 0 && (want >= batch || idle) {
                queue.promote(now);
                let among = queue.take(want.saturating_mul(2));
                (!among.is_empty()).then_some((want, among))
            } else {
                None
            };
            // One commit at a time, in the background: the loop keeps starting ready units
            // and gathering outcomes while the ledger syncs.
            if committing.is_none() && worth && (lease.is_some() || !unrecorded.is_empty()) {
                first_unrecorded = None;
                last_outcomes = unrecorded.len();
                stats.commit_started(unrecorded.len());
                committing = Some(self.start_commit(std::mem::take(&mut unrecorded), now, lease));
            }
            if let Some(wait) =
                self.fill(&mut ready, &mut slots, sendable, &mut unrecorded, on_event)
            {
                breaker_wait = Some(wait);
            }
            let settled = slots.in_flight.is_empty()
                && committing.is_none()
                && unrecorded.is_empty()
                && tail_done;
            if sendable.is_empty() && settled {
                break;
            }
            if stopped.is_some() && settled && ready.is_empty() {
                break;
            }

            // When to look again: the next retry, a breaker probe, or a poll for other
            // workers' changes (and expired leases).
            let mut wake = Instant::now() + poll;
            if let Some(wait) = breaker_wait {
                wake = wake.min(Instant::now() + wait);
            }
            if settled && ready.is_empty() && queue.due.is_empty() {
                // Nothing of ours under way or known due: ask the ledger what is left.
                if self.remaining(sendable, queue).await? == 0 {
                    break;
                }
            }
            if let Some(t) = queue.next_time() {
                wake = wake.min(self.clock.instant_of(t));
            }
            if !queue.due.is_empty()
                && slots.in_flight.len() < self.config.concurrency.max(1)
                && committing.is_none()
                && worth
            {
                wake = Instant::now();
            }
            if let Some(wait) = breaker_wait {
                // Nothing may start before the breaker lets a probe through.
                wake = wake.max(Instant::now() + wait);
            }
            if !unrecorded.is_empty() && committing.is_none() {
                wake = match first_unrecorded {
                    // Held for company: commit when the hold ends, or sooner when more
                    // outcomes arrive (the loop turns on each).
                    Some(first) if !worth => wake.min(first + COMMIT_HOLD),
                    _ => Instant::now(),
                };
            }
            if wake <= Instant::now() && committing.is_none() && unrecorded.is_empty() {
                // Due work that could not be leased (taken by another worker meanwhile):
                // look again shortly rather than spin.
                wake = Instant::now() + Duration::from_millis(10);
            }

            stats.tick(slots.in_flight.len(), ready.len());
            let mut finished = Vec::new();
            tokio::select! {
                done = slots.tasks.join_next(), if !slots.tasks.is_empty() => {
                    if let Some(done) = done {
                        match done {
                            Ok(f) => finished.push(f),
                            Err(e) => tracing::error!(error = %e, "an attempt task failed"),
                        }
                    }
                }
                done = async {
                    match committing.as_mut() {
                        Some(handle) => handle.await,
                        None => std::future::pending().await,
                    }
                }, if committing.is_some() => {
                    committing = None;
                    commits_done += 1;
                    let mut output = done
                        .map_err(|e| LedgerError::Database(format!("ledger task failed: {e}")))??;
                    let asked = output.asked.take();
                    let leased = self.finish_commit(output, sendable, on_event);
                    if let Some(keys) = unreached(asked, &leased) {
                        queue.push_front(keys);
                    }
                    stats.commit_finished(leased.len());
                    ready.extend(leased);
                    if stopped.is_none() && !*stop.borrow() {
                        self.fill(
                            &mut ready,
                            &mut slots,
                            sendable,
                            &mut unrecorded,
                            on_event,
                        );
                    }
                }
                done = async {
                    match tail {
                        Tail::Running(handle) => handle.await,
                        _ => std::future::pending().await,
                    }
                }, if matches!(tail, Tail::Running(_)) => {
                    *tail = Tail::Done;
                    let rest = done
                        .map_err(|e| LedgerError::Database(format!("ledger task failed: {e}")))??;
                    take_intake(rest, sendable, queue, report, known, on_event);
                }
                _ = tokio::time::sleep_until(wake) => {}
                _ = stop.changed(), if stopped.is_none() => {}
            }
            // Group commit: every outcome that has arrived goes into the next commit.
            while let Some(done) = slots.tasks.try_join_next() {
                match done {
                    Ok(f) => finished.push(f),
                    Err(e) => tracing::error!(error = %e, "an attempt task failed"),
                }
            }
            if finished.is_empty() {
                continue;
            }
            let now = self.clock.now_ms();
            let mut records: Vec<(String, Decision, u32)> = Vec::with_capacity(finished.len());
            for f in finished {
                let Some(flight) = slots.in_flight.remove(&f.key) else {
                    continue;
                };
                report.attempts += 1;
                let run_attempts = slots.attempts_this_run.get(&f.key).copied().unwrap_or(1);
                if run_attempts > 1 {
                    report.retries += 1;
                }
                let first = slots
                    .first_attempt
                    .get(&f.key)
                    .copied()
                    .unwrap_or_else(|| self.clock.since_origin());
                let elapsed = self.clock.since_origin().saturating_sub(first);
                let decision = self.decide(
                    &f.seen,
                    f.outcome,
                    now,
                    run_attempts,
                    elapsed,
                    flight.created_at,
                );
                if let Some(transient) = decision.transient {
                    if transient {
                        self.breaker.failure(self.clock.since_origin());
                    } else {
                        self.breaker.success();
                    }
                }
                if let Some(s) = &decision.stop
                    && stopped.is_none()
                {
                    stopped = Some(s.clone());
                }
                if let Event::RetryAt(at) = decision.event {
                    queue.at(&f.key, at);
                }
                records.push((f.key, decision, flight.attempt));
            }
            unrecorded.append(&mut records);
            // Replace the finished attempts at once from the units already leased; their
            // outcomes are committed at the top of the loop, with the next lease.
            if stopped.is_none() && !*stop.borrow() {
                self.fill(&mut ready, &mut slots, sendable, &mut unrecorded, on_event);
            }
        }
        stats.tick(0, 0);
        stats.log();
        Ok(stopped)
    }

    /// Starts committing outcomes and, when asked, leasing `(limit, among)` in the same
    /// transaction, on a blocking thread.
    fn start_commit(
        &self,
        records: Vec<(String, Decision, u32)>,
        now: i64,
        lease: Option<(usize, Vec<String>)>,
    ) -> tokio::task::JoinHandle<Result<Committed, LedgerError>> {
        let owner = self.config.worker.clone();
        let lease_ms = self.config.lease.as_millis() as i64;
        spawn_on_ledger(&self.ledger, move |ledger| {
            let batch: Vec<Record<'_>> = records
                .iter()
                .map(|(key, d, _)| Record {
                    key,
                    owner: Some(&owner),
                    event: d.event.clone(),
                    detail: &d.detail,
                    remote_reference: d.reference.as_deref(),
                })
                .collect();
            let request = lease.as_ref().map(|(limit, among)| LeaseRequest {
                owner: &owner,
                lease_ms,
                limit: *limit,
                among: Some(among),
            });
            let (results, leased) = ledger.record_then_lease(&batch, now, request.as_ref())?;
            drop(batch);
            Ok(Committed {
                records,
                results,
                leased,
                asked: lease,
            })
        })
    }

    /// Reports the outcomes of a finished commit and returns the units it leased.
    fn finish_commit(
        &mut self,
        committed: Committed,
        sendable: &mut HashMap<String, Sendable>,
        on_event: &mut (dyn FnMut(&EngineEvent<'_>) + Send),
    ) -> Vec<Unit> {
        for ((key, decision, attempt), result) in
            committed.records.into_iter().zip(committed.results)
        {
            match result {
                Ok(state) => {
                    log_outcome(&key, attempt, state, &decision);
                    on_event(&EngineEvent::Recorded {
                        key: &key,
                        state,
                        detail: &decision.detail,
                    });
                    if state != State::RetryWait && state != State::Pending {
                        sendable.remove(&key);
                    }
                }
                Err(e) => {
                    // The lease ran out and the unit was taken back (a stall longer than
                    // the lease): its state is the ledger's now; say what was seen.
                    tracing::error!(key = %key, attempt, error = %e, seen = %decision.detail, "outcome not recorded");
                }
            }
        }
        committed.leased
    }

    /// Starts leased units while there are free slots and the breaker lets requests
    /// through; returns how long the breaker holds the rest.
    fn fill(
        &mut self,
        ready: &mut VecDeque<Unit>,
        slots: &mut Slots,
        sendable: &HashMap<String, Sendable>,
        unrecorded: &mut Vec<(String, Decision, u32)>,
        on_event: &mut (dyn FnMut(&EngineEvent<'_>) + Send),
    ) -> Option<Duration> {
        while slots.in_flight.len() < self.config.concurrency.max(1) && !ready.is_empty() {
            let since = self.clock.since_origin();
            if let Err(wait) = self.breaker.admit(since) {
                on_event(&EngineEvent::Paused { wait });
                return Some(wait);
            }
            let Some(unit) = ready.pop_front() else {
                break;
            };
            let Some(item) = sendable.get(&unit.key) else {
                // Not ours to send any more (cannot happen: leases are asked only for
                // open units); give the lease back rather than let it expire.
                tracing::error!(key = %unit.key, "leased a unit this run does not hold");
                unrecorded.push((
                    unit.key,
                    Decision {
                        event: Event::RetryAt(self.clock.now_ms()),
                        detail: "leased, not sent: not held by this run".into(),
                        reference: None,
                        transient: None,
                        stop: None,
                    },
                    unit.attempts,
                ));
                continue;
            };
            *slots.attempts_this_run.entry(unit.key.clone()).or_insert(0) += 1;
            slots.first_attempt.entry(unit.key.clone()).or_insert(since);
            on_event(&EngineEvent::Attempt {
                key: &unit.key,
                attempt: unit.attempts,
            });
            let payload = item.payload.clone();
            self.start(unit, payload, slots);
        }
        None
    }

    /// Starts one attempt of a leased unit.
    fn start(&mut self, unit: Unit, payload: bytes::Bytes, slots: &mut Slots) {
        let Slots {
            tasks,
            in_flight,
            next_slot,
            ..
        } = slots;
        // Under a rate limit the attempt waits for its slot; otherwise it starts now (a
        // timer, even one already due, would cost a tick of the timer wheel).
        let at = self
            .config
            .rate_per_second
            .filter(|r| *r > 0.0)
            .map(|rate| {
                let at = Instant::now().max(*next_slot);
                *next_slot = at + Duration::from_secs_f64(1.0 / rate);
                at
            });
        tracing::debug!(key = %unit.key, attempt = unit.attempts, "sending");
        let transport = Arc::clone(&self.transport);
        let clock = self.clock;
        let key = unit.key.clone();
        tasks.spawn(async move {
            if let Some(at) = at {
                tokio::time::sleep_until(at).await;
            }
            // The same payload gives the same bytes at every attempt. It was checked to be
            // UTF-8 before it became sendable; were it not, nothing would be sent.
            let delivery = match json_body(&payload) {
                Some(body) => transport.send(&key, bytes::Bytes::from(body)).await,
                None => Delivery::NotSent("the payload is not UTF-8 text".into()),
            };
            let seen = delivery.describe();
            let outcome = classify(delivery.seen(), clock.now_ms().div_euclid(1000));
            Finished { key, seen, outcome }
        });
        in_flight.insert(
            unit.key,
            InFlight {
                attempt: unit.attempts,
                created_at: unit.created_at,
            },
        );
    }

    /// How many of our units are still open in the ledger, and when the next one is due
    /// (a retry time, or the end of another worker's lease).
    async fn remaining(
        &self,
        sendable: &mut HashMap<String, Sendable>,
        queue: &mut Queue,
    ) -> Result<usize, EngineError> {
        let keys: Vec<String> = sendable.keys().cloned().collect();
        let units = with_ledger(&self.ledger, move |l| {
            let units = l.get_many(&keys)?;
            Ok(keys.into_iter().zip(units).collect::<Vec<_>>())
        })
        .await?;
        let now = self.clock.now_ms();
        for (key, unit) in units {
            let due = match unit {
                Some(u) => match u.state {
                    State::Pending => Some(now),
                    State::RetryWait => Some(u.next_at.unwrap_or(now)),
                    State::InFlight => Some(u.lease_until.unwrap_or(now).saturating_add(1)),
                    _ => None,
                },
                None => None,
            };
            match due {
                Some(t) if t <= now => queue.push(&key),
                Some(t) => queue.at(&key, t),
                None => {
                    sendable.remove(&key);
                }
            }
        }
        Ok(sendable.len())
    }

    /// What an attempt's delivery means.
    fn decide(
        &mut self,
        seen: &str,
        outcome: Outcome,
        now: i64,
        run_attempts: u32,
        elapsed: Duration,
        created_at: i64,
    ) -> Decision {
        let decision = |event, detail: String| Decision {
            event,
            detail,
            reference: None,
            transient: Some(false),
            stop: None,
        };
        match outcome {
            Outcome::Accepted { reference } => Decision {
                reference,
                ..decision(Event::Accepted, format!("accepted ({seen})"))
            },
            Outcome::RejectedBusiness { codes } => decision(
                Event::RejectedBusiness,
                format!("receiver claim edits ({seen}): {}", codes.join(", ")),
            ),
            Outcome::RejectedSyntax { status } => decision(
                Event::RejectedSyntax,
                format!("receiver found the file malformed (HTTP {status})"),
            ),
            Outcome::Conflict => decision(
                Event::GiveUp,
                format!(
                    "{seen}: the receiver holds this key with another payload (conflict); never retried"
                ),
            ),
            Outcome::Configuration { status } => Decision {
                event: Event::RetryAt(now),
                detail: format!(
                    "HTTP {status}: credentials or endpoint refused; nothing was accepted, the run stops"
                ),
                reference: None,
                transient: None,
                stop: Some(Stop::Configuration { status }),
            },
            Outcome::Transient { code, retry_after } => {
                self.retry_or_give_up(code, retry_after, seen, now, run_attempts, elapsed)
            }
            Outcome::InDoubt => {
                let inside_window = self.config.dedup_window.is_some_and(|window| {
                    now.saturating_sub(created_at) < window.as_millis() as i64
                });
                if inside_window {
                    let mut d = self.retry_or_give_up(
                        Code::TransportFailure,
                        None,
                        &format!("{seen}; the receiver deduplicates by key"),
                        now,
                        run_attempts,
                        elapsed,
                    );
                    if d.event == Event::GiveUp {
                        // Out of retries with the outcome unknown: an operator decides.
                        d.event = Event::Unknown;
                    }
                    d
                } else {
                    Decision {
                        event: Event::Unknown,
                        detail: format!(
                            "{seen}: it may have arrived; not resent (the receiver does not deduplicate by key, or its window passed): an operator decides"
                        ),
                        reference: None,
                        transient: Some(true),
                        stop: None,
                    }
                }
            }
        }
    }

    fn retry_or_give_up(
        &mut self,
        code: Code,
        retry_after: Option<Duration>,
        seen: &str,
        now: i64,
        run_attempts: u32,
        elapsed: Duration,
    ) -> Decision {
        let random = next_random(&mut self.random);
        let wait = self.config.policy.delay(run_attempts, random, retry_after);
        let (event, detail) = if self.config.policy.allows(run_attempts, elapsed, wait) {
            let after = if retry_after.is_some() {
                " (Retry-After)"
            } else {
                ""
            };
            (
                Event::RetryAt(now.saturating_add(wait.as_millis() as i64)),
                format!(
                    "{} {seen}: retry in {}{after}",
                    code.id(),
                    duration_text(wait)
                ),
            )
        } else {
            (
                Event::GiveUp,
                format!(
                    "{} {seen}: gave up after {run_attempts} attempts in this run",
                    code.id()
                ),
            )
        };
        Decision {
            event,
            detail,
            reference: None,
            transient: Some(true),
            stop: None,
        }
    }
}

fn log_outcome(key: &str, attempt: u32, state: State, decision: &Decision) {
    let category = match (&decision.event, decision.transient) {
        (Event::RejectedSyntax, _) => "syntax",
        (Event::RejectedBusiness, _) => "business",
        (_, Some(true)) => "transient",
        _ => "none",
    };
    match state {
        State::Accepted => {
            tracing::info!(key, attempt, state = %state, category, detail = %decision.detail, "attempt recorded")
        }
        State::RetryWait | State::Pending => {
            tracing::info!(key, attempt, state = %state, category, detail = %decision.detail, "attempt recorded")
        }
        _ => {
            tracing::warn!(key, attempt, state = %state, category, detail = %decision.detail, "attempt recorded")
        }
    }
}

//! The submission loop against a scripted transport, in virtual time (tokio's paused clock):
//! what is retried, what is attempted once, how long retries wait.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;
use x12pipe::ledger::sqlite::SqliteLedger;
use x12pipe::ledger::{Ledger, State};
use x12pipe::submit::engine::{
    Clock, Engine, EngineConfig, EngineEvent, Report, SharedLedger, Stop,
};
use x12pipe::submit::policy::RetryPolicy;
use x12pipe::submit::transport::{Delivery, Response, Transport};
use x12pipe::submit::{Gate, PreparedUnit, prepare};
use x12pipe::synth::{ClaimKind, GenOptions, write_interchange};
use x12pipe::validate::ValidateOptions;

/// Answers from a script per key (the last answer repeats), and remembers every send.
#[derive(Default)]
struct Script {
    answers: Mutex<HashMap<String, VecDeque<Delivery>>>,
    default: Mutex<Option<Delivery>>,
    sends: Mutex<Vec<(String, Instant)>>,
}

impl Script {
    fn sends_of(&self, key: &str) -> Vec<Instant> {
        let sends = self.sends.lock().expect("lock");
        sends
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, t)| *t)
            .collect()
    }
    fn total(&self) -> usize {
        self.sends.lock().expect("lock").len()
    }
}

impl Transport for Script {
    async fn send(&self, key: &str, _body: bytes::Bytes) -> Delivery {
        self.sends
            .lock()
            .expect("lock")
            .push((key.to_string(), Instant::now()));
        tokio::time::sleep(Duration::from_millis(5)).await;
        let mut answers = self.answers.lock().expect("lock");
        match answers.get_mut(key) {
            Some(queue) if queue.len() > 1 => queue.pop_front().expect("queue"),
            Some(queue) => queue.front().cloned().expect("queue"),
            None => self
                .default
                .lock()
                .expect("lock")
                .clone()
                .unwrap_or_else(|| ok("SIM-1")),
        }
    }
}

fn respond(status: u16, retry_after: Option<&str>, body: &str) -> Delivery {
    Delivery::Response(Response {
        status,
        retry_after: retry_after.map(str::to_string),
        body: body.as_bytes().to_vec(),
    })
}

fn ok(id: &str) -> Delivery {
    respond(200, None, &format!(r#"{{"status":"SUCCESS","id":"{id}"}}"#))
}

fn units(sets: u64) -> Vec<PreparedUnit> {
    let mut options = GenOptions::new(ClaimKind::Professional, sets, 11);
    options.claims_per_transaction = 1;
    let mut file = Vec::new();
    write_interchange(&mut file, &options).expect("generate");
    let mut validate = ValidateOptions::new();
    validate.today = time::Date::from_calendar_date(2026, time::Month::November, 23).expect("date");
    let units = prepare(&file[..], "batch.x12", &validate).expect("prepare");
    assert_eq!(units.len() as u64, sets);
    assert!(units.iter().all(|u| u.gate == Gate::Submit));
    units
}

fn config() -> EngineConfig {
    EngineConfig {
        worker: "test-worker".into(),
        policy: RetryPolicy {
            base: Duration::from_millis(100),
            cap: Duration::from_secs(2),
            max_attempts: 5,
            max_elapsed: Duration::from_secs(3600),
            retry_after_cap: Duration::from_secs(600),
        },
        breaker_threshold: 100,
        breaker_cool_down: Duration::from_secs(10),
        concurrency: 4,
        rate_per_second: None,
        lease_ahead: None,
        lease: Duration::from_secs(60),
        dedup_window: None,
        seed: 7,
    }
}

async fn run(
    script: Arc<Script>,
    units: Vec<PreparedUnit>,
    config: EngineConfig,
) -> (Report, SharedLedger) {
    let ledger: Box<dyn Ledger> = Box::new(SqliteLedger::in_memory().expect("ledger"));
    let shared: SharedLedger = Arc::new(Mutex::new(ledger));
    let mut engine = Engine::new(
        Arc::clone(&shared),
        script,
        config,
        Clock::starting_at(1_790_000_000_000),
    );
    let (_stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let report = engine.run(units, stop_rx, &mut |_| {}).await.expect("run");
    (report, shared)
}

#[tokio::test(start_paused = true)]
async fn retry_after_seconds_is_honoured_in_virtual_time() {
    let units = units(1);
    let key = units[0].key.clone();
    let script = Arc::new(Script::default());
    script.answers.lock().expect("lock").insert(
        key.clone(),
        VecDeque::from([respond(429, Some("120"), "{}"), ok("A-1")]),
    );
    let (report, _) = run(Arc::clone(&script), units, config()).await;
    assert_eq!(report.count(State::Accepted), 1);
    let sends = script.sends_of(&key);
    assert_eq!(sends.len(), 2);
    let waited = sends[1] - sends[0];
    assert!(
        waited >= Duration::from_secs(120) && waited < Duration::from_secs(122),
        "waited {waited:?} for Retry-After: 120"
    );
    assert_eq!((report.attempts, report.retries), (2, 1));
}

#[tokio::test(start_paused = true)]
async fn retry_after_as_an_http_date_and_its_cap() {
    let units = units(2);
    let (a, b) = (units[0].key.clone(), units[1].key.clone());
    let script = Arc::new(Script::default());
    // The clock starts at 1_790_000_000 s: Mon, 21 Sep 2026 14:13:20 GMT; 30 s later:
    script.answers.lock().expect("lock").insert(
        a.clone(),
        VecDeque::from([
            respond(503, Some("Mon, 21 Sep 2026 14:13:50 GMT"), "{}"),
            ok("A"),
        ]),
    );
    // Asking for an hour is capped at retry_after_cap.
    script.answers.lock().expect("lock").insert(
        b.clone(),
        VecDeque::from([respond(429, Some("3600"), "{}"), ok("B")]),
    );
    let mut config = config();
    config.policy.retry_after_cap = Duration::from_secs(90);
    let (report, _) = run(Arc::clone(&script), units, config).await;
    assert_eq!(report.count(State::Accepted), 2);
    let sa = script.sends_of(&a);
    let waited = sa[1] - sa[0];
    assert!(
        waited >= Duration::from_secs(29) && waited <= Duration::from_secs(31),
        "HTTP-date Retry-After: waited {waited:?}"
    );
    let sb = script.sends_of(&b);
    let waited = sb[1] - sb[0];
    assert!(
        waited >= Duration::from_secs(90) && waited < Duration::from_secs(92),
        "capped Retry-After: waited {waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn permanent_errors_are_attempted_exactly_once() {
    let units = units(5);
    let keys: Vec<String> = units.iter().map(|u| u.key.clone()).collect();
    let script = Arc::new(Script::default());
    {
        let mut answers = script.answers.lock().expect("lock");
        answers.insert(
            keys[0].clone(),
            VecDeque::from([respond(400, None, r#"{"status":"INVALID"}"#)]),
        );
        answers.insert(
            keys[1].clone(),
            VecDeque::from([respond(
                200,
                None,
                r#"{"status":"ERROR","errors":[{"code":"E-17","field":"CLM02"}]}"#,
            )]),
        );
        answers.insert(
            keys[2].clone(),
            VecDeque::from([respond(
                400,
                None,
                r#"{"status":"ERROR","errors":[{"code":"E-3"}]}"#,
            )]),
        );
        answers.insert(
            keys[3].clone(),
            VecDeque::from([respond(422, None, r#"{"status":"CONFLICT"}"#)]),
        );
        answers.insert(keys[4].clone(), VecDeque::from([respond(418, None, "")]));
    }
    let (report, shared) = run(Arc::clone(&script), units, config()).await;
    for key in &keys {
        assert_eq!(script.sends_of(key).len(), 1, "attempted once: {key}");
    }
    let state = |k: &str| {
        let ledger = shared.lock().expect("lock");
        ledger.get(k).expect("get").expect("unit")
    };
    assert_eq!(state(&keys[0]).state, State::RejectedSyntax);
    let business = state(&keys[1]);
    assert_eq!(business.state, State::RejectedBusiness);
    assert!(
        business
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("E-17"))
    );
    assert_eq!(state(&keys[2]).state, State::RejectedBusiness);
    assert_eq!(
        state(&keys[3]).state,
        State::Dead,
        "422 conflict: never retried"
    );
    assert_eq!(state(&keys[4]).state, State::RejectedSyntax);
    assert_eq!(report.retries, 0);
}

#[tokio::test(start_paused = true)]
async fn a_request_without_an_answer_is_in_doubt_unless_the_receiver_deduplicates() {
    let script = Arc::new(Script::default());
    *script.default.lock().expect("lock") = Some(Delivery::SentNoResponse("timeout".into()));
    let (report, _) = run(Arc::clone(&script), units(3), config()).await;
    assert_eq!(report.count(State::InDoubt), 3);
    assert_eq!(script.total(), 3, "never resent blindly");

    // The same with a receiver that deduplicates: retried with the same key, then accepted.
    let units = units(3);
    let script = Arc::new(Script::default());
    for u in &units {
        script.answers.lock().expect("lock").insert(
            u.key.clone(),
            VecDeque::from([Delivery::SentNoResponse("reset".into()), ok("R")]),
        );
    }
    let mut config = config();
    config.dedup_window = Some(Duration::from_secs(86_400));
    let (report, _) = run(Arc::clone(&script), units, config).await;
    assert_eq!(report.count(State::Accepted), 3);
    assert_eq!(script.total(), 6);
}

#[tokio::test(start_paused = true)]
async fn transient_failures_retry_until_the_policy_gives_up() {
    let units = units(2);
    let script = Arc::new(Script::default());
    script.answers.lock().expect("lock").insert(
        units[0].key.clone(),
        VecDeque::from([
            respond(502, None, ""),
            Delivery::NotSent("connection failed".into()),
            respond(504, None, ""),
            ok("X"),
        ]),
    );
    script.answers.lock().expect("lock").insert(
        units[1].key.clone(),
        VecDeque::from([respond(500, None, "")]),
    );
    let (key0, key1) = (units[0].key.clone(), units[1].key.clone());
    let (report, shared) = run(Arc::clone(&script), units, config()).await;
    assert_eq!(script.sends_of(&key0).len(), 4);
    assert_eq!(script.sends_of(&key1).len(), 5, "max_attempts = 5");
    let ledger = shared.lock().expect("lock");
    assert_eq!(
        ledger.get(&key0).expect("get").map(|u| u.state),
        Some(State::Accepted)
    );
    let dead = ledger.get(&key1).expect("get").expect("unit");
    assert_eq!((dead.state, dead.attempts), (State::Dead, 5));
    assert_eq!(report.count(State::Dead), 1);
    // Backoff waits grow but stay under the cap (full jitter: from zero to the ceiling).
    let sends = script.sends_of(&key1);
    for pair in sends.windows(2) {
        assert!(pair[1] - pair[0] <= Duration::from_secs(2) + Duration::from_millis(100));
    }
}

#[tokio::test(start_paused = true)]
async fn the_breaker_pauses_the_queue_instead_of_burning_attempts() {
    let units = units(20);
    let script = Arc::new(Script::default());
    *script.default.lock().expect("lock") = Some(respond(503, None, ""));
    let mut config = config();
    config.breaker_threshold = 3;
    config.breaker_cool_down = Duration::from_secs(30);
    config.concurrency = 1;
    config.policy.max_elapsed = Duration::from_secs(65);
    config.policy.max_attempts = 100;
    let start = Instant::now();
    let (report, _) = run(Arc::clone(&script), units, config).await;
    // Three consecutive failures open the breaker; from then on one probe per cool-down,
    // whichever set it is: never a burst of retries.
    let mut times: Vec<Instant> = script
        .sends
        .lock()
        .expect("lock")
        .iter()
        .map(|(_, t)| *t)
        .collect();
    times.sort();
    assert!(times.len() > 4, "probes continue: {}", times.len());
    for pair in times[2..].windows(2) {
        assert!(
            pair[1] - pair[0] >= Duration::from_secs(30),
            "a send {:?} after the previous one while the breaker was open",
            pair[1] - pair[0]
        );
    }
    let elapsed = Instant::now() - start;
    assert!(times.len() as u64 <= 3 + elapsed.as_secs() / 30 + 1);
    assert_eq!(report.count(State::Accepted), 0);
    assert_eq!(
        report.count(State::Dead),
        20,
        "each set gives up after its max elapsed time"
    );
}

#[tokio::test(start_paused = true)]
async fn a_configuration_error_stops_the_run_and_loses_nothing() {
    let units = units(10);
    let script = Arc::new(Script::default());
    *script.default.lock().expect("lock") = Some(respond(401, None, ""));
    let mut config = config();
    config.concurrency = 1;
    let (report, _) = run(Arc::clone(&script), units, config).await;
    assert_eq!(report.stopped, Some(Stop::Configuration { status: 401 }));
    assert_eq!(script.total(), 1, "the run stops at the first 401");
    assert_eq!(report.count(State::Accepted), 0);
    assert_eq!(
        report.count(State::Pending) + report.count(State::RetryWait),
        10,
        "every set is still waiting: {:?}",
        report.counts()
    );
}

#[tokio::test(start_paused = true)]
async fn a_second_run_sends_nothing_that_was_accepted() {
    let units = units(4);
    let ledger: Box<dyn Ledger> = Box::new(SqliteLedger::in_memory().expect("ledger"));
    let shared: SharedLedger = Arc::new(Mutex::new(ledger));
    let script = Arc::new(Script::default());
    for _ in 0..2 {
        let mut engine = Engine::new(
            Arc::clone(&shared),
            Arc::clone(&script),
            config(),
            Clock::starting_at(1_790_000_000_000),
        );
        let (_tx, rx) = tokio::sync::watch::channel(false);
        let report = engine
            .run(units.clone(), rx, &mut |_| {})
            .await
            .expect("run");
        assert_eq!(report.count(State::Accepted), 4);
    }
    assert_eq!(script.total(), 4);
}

/// The slots stay full: with every unit due at once, 64 sends of 5 ms at 4 in flight take
/// 16 rounds, about 80 ms of virtual time. (A lease that dropped the keys it did not reach
/// drained the pipeline until the loop noticed them again, round after round.)
#[tokio::test(start_paused = true)]
async fn the_slots_stay_full_while_units_are_due() {
    let script = Arc::new(Script::default());
    let start = Instant::now();
    let (report, _) = run(Arc::clone(&script), units(64), config()).await;
    let elapsed = start.elapsed();
    assert_eq!(report.count(State::Accepted), 64);
    assert_eq!(script.total(), 64);
    assert!(
        elapsed >= Duration::from_millis(80) && elapsed <= Duration::from_millis(90),
        "64 sends of 5 ms at 4 in flight took {elapsed:?} (16 rounds: 80 ms)"
    );
}

/// Answers every send with success after 5 ms, and notes the most units the ledger held
/// `in_flight` (sending or leased ahead) at any send.
struct Watching {
    ledger: Mutex<Option<SharedLedger>>,
    most: Mutex<usize>,
}

impl Transport for Watching {
    async fn send(&self, _key: &str, _body: bytes::Bytes) -> Delivery {
        let ledger = self.ledger.lock().expect("lock").clone();
        if let Some(ledger) = ledger {
            let held = ledger
                .lock()
                .expect("ledger lock")
                .list(Some(State::InFlight))
                .expect("list")
                .len();
            let mut most = self.most.lock().expect("lock");
            *most = (*most).max(held);
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
        ok("SIM-1")
    }
}

/// `lease_ahead` bounds the units leased and not yet sent (what a crash would leave in
/// doubt): never more than the slots plus it are `in_flight` in the ledger.
#[tokio::test(start_paused = true)]
async fn lease_ahead_bounds_the_units_leased_and_not_sent() {
    for (ahead, bound) in [(Some(0), 4), (Some(2), 6), (None, 4 + 16)] {
        let ledger: Box<dyn Ledger> = Box::new(SqliteLedger::in_memory().expect("ledger"));
        let shared: SharedLedger = Arc::new(Mutex::new(ledger));
        let watching = Arc::new(Watching {
            ledger: Mutex::new(Some(Arc::clone(&shared))),
            most: Mutex::new(0),
        });
        let config = EngineConfig {
            lease_ahead: ahead,
            ..config()
        };
        let mut engine = Engine::new(
            Arc::clone(&shared),
            Arc::clone(&watching),
            config,
            Clock::starting_at(1_790_000_000_000),
        );
        let (_tx, rx) = tokio::sync::watch::channel(false);
        let report = engine.run(units(40), rx, &mut |_| {}).await.expect("run");
        assert_eq!(report.count(State::Accepted), 40, "lease_ahead {ahead:?}");
        let most = *watching.most.lock().expect("lock");
        assert!(
            most <= bound && most >= 4,
            "lease_ahead {ahead:?}: {most} units in flight in the ledger at once (bound {bound})"
        );
    }
}

/// Answers every send with success after 1 to 4 ms (by the order of the sends), so that
/// outcomes arrive one by one.
#[derive(Default)]
struct Staggered {
    sent: Mutex<u64>,
}

impl Transport for Staggered {
    async fn send(&self, _key: &str, _body: bytes::Bytes) -> Delivery {
        let n = {
            let mut sent = self.sent.lock().expect("lock");
            *sent += 1;
            *sent
        };
        tokio::time::sleep(Duration::from_millis(1 + n % 4)).await;
        ok("SIM-1")
    }
}

/// Outcomes that arrive one by one share commits (one disk sync for several), and none
/// waits long: the outcome rows of 40 units carry few distinct commit times.
#[tokio::test(start_paused = true)]
async fn outcomes_share_commits() {
    let ledger: Box<dyn Ledger> = Box::new(SqliteLedger::in_memory().expect("ledger"));
    let shared: SharedLedger = Arc::new(Mutex::new(ledger));
    let mut engine = Engine::new(
        Arc::clone(&shared),
        Arc::new(Staggered::default()),
        config(),
        Clock::starting_at(1_790_000_000_000),
    );
    let (_tx, rx) = tokio::sync::watch::channel(false);
    let start = Instant::now();
    let report = engine.run(units(40), rx, &mut |_| {}).await.expect("run");
    let elapsed = start.elapsed();
    assert_eq!(report.count(State::Accepted), 40);
    let ledger = shared.lock().expect("lock");
    let mut commits = std::collections::BTreeSet::new();
    for fate in &report.units {
        for entry in ledger.audit(&fate.key).expect("audit") {
            if entry.to == State::Accepted {
                commits.insert(entry.at);
            }
        }
    }
    // 14 here; committing each time the last commit ended made 24.
    assert!(
        commits.len() <= 16,
        "40 outcomes in {} commits (times {commits:?})",
        commits.len()
    );
    // Each unit's send takes at most 4 ms, 4 at a time; holding outcomes for company
    // costs little: 10 rounds of at most 4 ms, plus holds of at most 2 ms.
    assert!(elapsed <= Duration::from_millis(70), "took {elapsed:?}");
}

/// A payload that is not UTF-8 text cannot travel in the contract's JSON string: the gate
/// rejects it as syntax, and it is never sent; the others go.
#[tokio::test(start_paused = true)]
async fn a_payload_that_is_not_text_is_rejected_unsent() {
    let script = Arc::new(Script::default());
    let mut units = units(3);
    let bad = units[1].key.clone();
    units[1].payload.push(0xff);
    let (report, _) = run(Arc::clone(&script), units, config()).await;
    assert_eq!(report.count(State::Accepted), 2);
    assert!(script.sends_of(&bad).is_empty());
    let fate = report
        .units
        .iter()
        .find(|u| u.key == bad)
        .expect("the unit's fate");
    assert_eq!(fate.state, State::RejectedSyntax);
    assert_eq!(fate.attempts, 0);
    assert_eq!(
        fate.last_error.as_deref(),
        Some("gate: the payload is not UTF-8 text")
    );
}

/// A large input is enqueued in two parts, the second while the first is sent: every
/// unit of both parts is still sorted by the gate and the ledger, sent once, and reported.
#[tokio::test(start_paused = true)]
async fn a_large_input_enqueued_in_two_parts_loses_nothing() {
    let all = units(100);
    let ledger: Box<dyn Ledger> = Box::new(SqliteLedger::in_memory().expect("ledger"));
    let shared: SharedLedger = Arc::new(Mutex::new(ledger));
    let script = Arc::new(Script::default());
    let engine = |script: &Arc<Script>| {
        Engine::new(
            Arc::clone(&shared),
            Arc::clone(script),
            config(),
            Clock::starting_at(1_790_000_000_000),
        )
    };
    // An earlier run accepted unit 85 and units 90 to 95 (all in the second part).
    let earlier: Vec<PreparedUnit> = [85, 90, 91, 92, 93, 94, 95]
        .iter()
        .map(|&i| all[i].clone())
        .collect();
    let (_tx, rx) = tokio::sync::watch::channel(false);
    let first = engine(&script)
        .run(earlier, rx, &mut |_| {})
        .await
        .expect("first run");
    assert_eq!(first.count(State::Accepted), 7);
    let sent_before = script.total();

    // Now: a payload that is not text in each part, and unit 85 with another payload.
    let mut input = all.clone();
    input[3].payload.push(0xff);
    input[70].payload.push(0xff);
    input[85].payload_sha256 = "0".repeat(64);
    let mut queued = Vec::new();
    let (_tx, rx) = tokio::sync::watch::channel(false);
    let report = engine(&script)
        .run(input, rx, &mut |event| {
            if let EngineEvent::Queued { to_send } = event {
                queued.push(*to_send);
            }
        })
        .await
        .expect("second run");

    assert_eq!(
        script.total() - sent_before,
        91,
        "each sendable unit sent once"
    );
    assert_eq!(queued.len(), 2, "one count per part: {queued:?}");
    assert_eq!(queued.last(), Some(&91));
    assert_eq!(report.conflicts.len(), 1);
    assert_eq!(report.conflicts[0].key, all[85].key);
    assert_eq!(
        report.units.len(),
        99,
        "every unit but the conflict reported"
    );
    assert_eq!(report.count(State::Accepted), 97);
    assert_eq!(report.count(State::RejectedSyntax), 2);
    assert_eq!(report.units.iter().filter(|u| u.earlier).count(), 6);
    for i in [3, 70] {
        let fate = report
            .units
            .iter()
            .find(|u| u.key == all[i].key)
            .expect("the gate's rejection is reported");
        assert_eq!(fate.state, State::RejectedSyntax);
        assert!(script.sends_of(&all[i].key).is_empty());
    }
    // Reported in input order.
    let keys: Vec<&str> = report.units.iter().map(|u| u.key.as_str()).collect();
    let expected: Vec<&str> = all
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 85)
        .map(|(_, u)| u.key.as_str())
        .collect();
    assert_eq!(keys, expected);
}

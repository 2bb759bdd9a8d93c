//! A ledger that keeps everything in a `HashMap` and nothing on disk: **for benchmarks
//! only**, to tell the submit engine's own cost from the cost of a real ledger. It applies
//! the same transition rules ([`transition`]) but none of the durability, so a crash loses
//! everything; never use it to submit.

use std::collections::HashMap;

use x12pipe::ledger::{
    AuditEntry, Enqueued, Event, Ledger, LedgerError, NewUnit, Record, State, Unit, transition,
};

#[derive(Default)]
pub struct MemoryLedger {
    units: HashMap<String, Unit>,
    /// Keys in enqueue order: leases go oldest first.
    order: Vec<String>,
    audit: HashMap<String, Vec<AuditEntry>>,
}

impl MemoryLedger {
    fn log(
        &mut self,
        key: &str,
        at: i64,
        from: Option<State>,
        to: State,
        attempt: u32,
        detail: &str,
    ) {
        self.audit
            .entry(key.to_string())
            .or_default()
            .push(AuditEntry {
                at,
                from,
                to,
                attempt,
                detail: detail.to_string(),
            });
    }

    fn due(unit: &Unit, now: i64) -> bool {
        match unit.state {
            State::Pending => true,
            State::RetryWait => unit.next_at.is_none_or(|at| at <= now),
            _ => false,
        }
    }
}

impl Ledger for MemoryLedger {
    fn enqueue_all(&mut self, units: &[NewUnit], now: i64) -> Result<Vec<Enqueued>, LedgerError> {
        let mut found = Vec::with_capacity(units.len());
        for new in units {
            if let Some(known) = self.units.get(&new.key) {
                found.push(if known.payload_sha256 == new.payload_sha256 {
                    Enqueued::Known(known.state)
                } else {
                    Enqueued::Conflict {
                        recorded: known.payload_sha256.clone(),
                    }
                });
                continue;
            }
            let (interchange, group, transaction) = new.control_numbers.clone();
            self.units.insert(
                new.key.clone(),
                Unit {
                    key: new.key.clone(),
                    payload_sha256: new.payload_sha256.clone(),
                    state: State::Pending,
                    attempts: 0,
                    lease_owner: None,
                    lease_until: None,
                    next_at: None,
                    remote_reference: None,
                    last_error: None,
                    interchange,
                    group,
                    transaction,
                    source: new.source.clone(),
                    created_at: now,
                    updated_at: now,
                },
            );
            self.order.push(new.key.clone());
            self.log(&new.key, now, None, State::Pending, 0, "enqueued");
            found.push(Enqueued::New);
        }
        Ok(found)
    }

    fn lease_due(
        &mut self,
        owner: &str,
        now: i64,
        lease_ms: i64,
        limit: usize,
        among: Option<&[String]>,
    ) -> Result<Vec<Unit>, LedgerError> {
        let keys: Vec<String> = match among {
            Some(keys) => keys.to_vec(),
            None => self.order.clone(),
        };
        let mut leased = Vec::new();
        for key in keys {
            if leased.len() == limit {
                break;
            }
            let Some(unit) = self.units.get_mut(&key) else {
                continue;
            };
            if !Self::due(unit, now) {
                continue;
            }
            let from = unit.state;
            unit.state = State::InFlight;
            unit.attempts += 1;
            unit.lease_owner = Some(owner.to_string());
            unit.lease_until = Some(now + lease_ms);
            unit.updated_at = now;
            let (attempt, copy) = (unit.attempts, unit.clone());
            self.log(&key, now, Some(from), State::InFlight, attempt, owner);
            leased.push(copy);
        }
        Ok(leased)
    }

    fn record_all(
        &mut self,
        records: &[Record<'_>],
        now: i64,
    ) -> Result<Vec<Result<State, LedgerError>>, LedgerError> {
        let mut results = Vec::with_capacity(records.len());
        for record in records {
            let Some(unit) = self.units.get_mut(record.key) else {
                results.push(Err(LedgerError::NotFound(record.key.to_string())));
                continue;
            };
            if unit.state == State::InFlight
                && record.owner.is_some()
                && unit.lease_owner.as_deref() != record.owner
            {
                results.push(Err(LedgerError::NotLeaseHolder(record.key.to_string())));
                continue;
            }
            let from = unit.state;
            let Some(to) = transition(from, &record.event) else {
                results.push(Err(LedgerError::Transition {
                    key: record.key.to_string(),
                    state: from,
                    event: format!("{:?}", record.event),
                }));
                continue;
            };
            unit.state = to;
            unit.next_at = match record.event {
                Event::RetryAt(at) => Some(at),
                _ => None,
            };
            if to != State::InFlight {
                unit.lease_owner = None;
                unit.lease_until = None;
            }
            if !record.detail.is_empty() {
                unit.last_error = Some(record.detail.to_string());
            }
            if let Some(reference) = record.remote_reference {
                unit.remote_reference = Some(reference.to_string());
            }
            unit.updated_at = now;
            let attempt = unit.attempts;
            self.log(record.key, now, Some(from), to, attempt, record.detail);
            results.push(Ok(to));
        }
        Ok(results)
    }

    fn expire_leases(&mut self, now: i64, dedup: bool) -> Result<Vec<String>, LedgerError> {
        let expired: Vec<String> = self
            .units
            .values()
            .filter(|u| u.state == State::InFlight && u.lease_until.is_some_and(|t| t <= now))
            .map(|u| u.key.clone())
            .collect();
        for key in &expired {
            let record = Record {
                key,
                owner: None,
                event: Event::LeaseExpired { dedup },
                detail: "lease expired",
                remote_reference: None,
            };
            self.record_all(std::slice::from_ref(&record), now)?;
        }
        Ok(expired)
    }

    fn get(&self, key: &str) -> Result<Option<Unit>, LedgerError> {
        Ok(self.units.get(key).cloned())
    }

    fn list(&self, state: Option<State>) -> Result<Vec<Unit>, LedgerError> {
        Ok(self
            .order
            .iter()
            .filter_map(|key| self.units.get(key))
            .filter(|u| state.is_none_or(|s| u.state == s))
            .cloned()
            .collect())
    }

    fn counts(&self) -> Result<Vec<(State, u64)>, LedgerError> {
        Ok(State::ALL
            .iter()
            .map(|&s| {
                (
                    s,
                    self.units.values().filter(|u| u.state == s).count() as u64,
                )
            })
            .collect())
    }

    fn audit(&self, key: &str) -> Result<Vec<AuditEntry>, LedgerError> {
        Ok(self.audit.get(key).cloned().unwrap_or_default())
    }
}

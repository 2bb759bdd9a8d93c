use std::time::Instant;
use x12pipe::ledger::sqlite::SqliteLedger;
use x12pipe::ledger::{Event, Ledger, NewUnit, Record};
fn main() {
    for mem in [true, false] {
        let path = std::env::temp_dir().join(format!("lc-{}.sqlite", std::process::id()));
        let mut l: Box<dyn Ledger> = if mem {
            Box::new(SqliteLedger::in_memory().unwrap())
        } else {
            Box::new(SqliteLedger::open(&path).unwrap())
        };
        let units: Vec<NewUnit> = (0..1000)
            .map(|i| NewUnit {
                key: format!("v1:{:064x}", i),
                payload_sha256: "ab".repeat(32),
                control_numbers: ("000000001".into(), "1".into(), format!("{i:04}")),
                source: "f.x12".into(),
            })
            .collect();
        let keys: Vec<String> = units.iter().map(|u| u.key.clone()).collect();
        let t = Instant::now();
        l.enqueue_all(&units, 1).unwrap();
        let t1 = t.elapsed();
        let mut done = 0;
        let mut i = 0;
        let t = Instant::now();
        while i < keys.len() {
            let among: Vec<String> = keys[i..(i + 32).min(keys.len())].to_vec();
            let leased = l.lease_due("w", 2, 90_000, 16, Some(&among)).unwrap();
            i += leased.len();
            let recs: Vec<Record> = leased
                .iter()
                .map(|u| Record {
                    key: &u.key,
                    owner: Some("w"),
                    event: Event::Accepted,
                    detail: "accepted (HTTP 200)",
                    remote_reference: Some("SIM-1"),
                })
                .collect();
            done += l.record_all(&recs, 3).unwrap().len();
        }
        let t2 = t.elapsed();
        let t = Instant::now();
        for k in &keys {
            l.get(k).unwrap();
        }
        let t3 = t.elapsed();
        println!(
            "mem={mem} enqueue {:?} lease+record {:?} ({} units) gets {:?}",
            t1, t2, done, t3
        );
        let _ = std::fs::remove_file(&path);
    }
}

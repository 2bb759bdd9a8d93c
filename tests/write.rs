//! `x12pipe write` and the claim writer as users see them: the binary writes the JSON
//! fixtures under `tests/claims/` (synthetic data only) as interchanges our validator
//! accepts, with the right counts and control numbers; bad input gives errors that name the
//! claim and the field and never echo a value; and a property test writes generated claims
//! and checks that every interchange validates and its HL tree matches the claims' grouping.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use proptest::prelude::*;
use x12pipe::claim::write::{WriteOptions, write_claims};
use x12pipe::claim::{
    Address, Claim, ClaimType, DateValue, HealthCode, Party, Patient, Procedure, Reference,
    ServiceLine, Subscriber, Transaction,
};
use x12pipe::envelope::{Event, Reader};
use x12pipe::finding::Severity;
use x12pipe::validate::{EachFinding, Summary, ValidateOptions, validate};

const KINDS: [(&str, ClaimType); 3] = [
    ("837p", ClaimType::Professional),
    ("837i", ClaimType::Institutional),
    ("837d", ClaimType::Dental),
];

fn fixture(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/claims")
        .join(format!("{kind}.json"))
}

fn x12pipe(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_x12pipe"));
    command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("x12pipe runs");
    {
        use std::io::Write;
        let mut pipe = child.stdin.take().expect("stdin");
        if let Some(input) = stdin {
            // A usage error exits before reading its input: a closed pipe is not a failure.
            match pipe.write_all(input) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                other => other.expect("stdin written"),
            }
        }
    }
    child.wait_with_output().expect("x12pipe ends")
}

fn validate_options() -> ValidateOptions {
    let mut options = ValidateOptions::new();
    options.today = time::Date::from_calendar_date(2026, time::Month::November, 23).expect("date");
    options
}

/// Validates `x12`; returns the summary and every error or warning as `code: message`.
fn check(x12: &[u8]) -> (Summary, Vec<String>) {
    let options = validate_options();
    let mut problems = Vec::new();
    let summary = validate(
        x12,
        &options,
        &mut EachFinding(|f: &x12pipe::finding::Finding| {
            if f.severity != Severity::Note {
                problems.push(format!("{:?}: {}", f.code, f.message));
            }
        }),
    )
    .expect("validation reads");
    (summary, problems)
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn every_fixture_is_written_as_an_interchange_the_validator_accepts() {
    for (kind, claim_type) in KINDS {
        let path = fixture(kind);
        let claims: Vec<Claim> =
            serde_json::from_slice(&std::fs::read(&path).expect("fixture")).expect("claims");
        assert!(claims.iter().all(|c| c.claim_type == claim_type));
        let output = x12pipe(
            &[
                "write",
                "--kind",
                kind,
                path.to_str().expect("path"),
                "--control-number",
                "4242",
                "--date",
                "2025-03-28",
                "--time",
                "0930",
            ],
            None,
        );
        assert!(output.status.success(), "{kind}: {}", stderr(&output));
        let (summary, problems) = check(&output.stdout);
        assert!(problems.is_empty(), "{kind}: {problems:#?}");
        assert_eq!(summary.claims, claims.len() as u64, "{kind}");
        assert_eq!(summary.transaction_sets, 1, "{kind}");
        let text = String::from_utf8(output.stdout).expect("ASCII");
        assert!(
            text.contains("*250328*0930*^*00501*000004242*0*T*:~"),
            "{kind}"
        );
        assert!(text.contains("*20250328*0930*4242*X*00501"), "{kind}");
        assert!(text.ends_with("GE*1*4242~\nIEA*1*000004242~\n"), "{kind}");
    }
}

#[test]
fn ndjson_and_stdin_give_the_same_bytes_as_an_array() {
    let path = fixture("837p");
    let claims: Vec<Claim> =
        serde_json::from_slice(&std::fs::read(&path).expect("fixture")).expect("claims");
    let ndjson: String = claims
        .iter()
        .map(|c| serde_json::to_string(c).expect("json") + "\n")
        .collect();
    let fixed = ["--date", "2025-03-28", "--time", "0930"];
    let mut args = vec!["write", "--kind", "837p", path.to_str().expect("path")];
    args.extend(fixed);
    let from_array = x12pipe(&args, None);
    let mut args = vec!["write", "--kind", "837p", "-"];
    args.extend(fixed);
    let from_ndjson = x12pipe(&args, Some(ndjson.as_bytes()));
    assert!(from_ndjson.status.success(), "{}", stderr(&from_ndjson));
    assert_eq!(from_array.stdout, from_ndjson.stdout);
}

#[test]
fn the_output_file_gets_a_summary_and_counts_are_right() {
    let dir = std::env::temp_dir().join(format!("x12pipe-write-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let out = dir.join("out.x12");
    let output = x12pipe(
        &[
            "write",
            "--kind",
            "837p",
            fixture("837p").to_str().expect("path"),
            "-o",
            out.to_str().expect("path"),
            "--claims-per-set",
            "2",
            "--sender-id",
            "MYCLINIC",
            "--receiver-qualifier",
            "30",
            "--receiver-id",
            "123456789",
            "--usage",
            "P",
            "--element",
            "|",
            "--component",
            ">",
            "--crlf",
        ],
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("837P 005010X222A1: 3 claims in 2 transaction sets"),
        "{}",
        stderr(&output)
    );
    let x12 = std::fs::read(&out).expect("output");
    let (summary, problems) = check(&x12);
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!((summary.claims, summary.transaction_sets), (3, 2));
    let text = String::from_utf8(x12).expect("ASCII");
    assert!(
        text.starts_with("ISA|00|          |00|          |ZZ|MYCLINIC       |30|123456789      |")
    );
    assert!(text.contains("|P|>~\r\nGS|HC|MYCLINIC|123456789|"));
    // Every SE01 counts its set, ST and SE included, and SE02 repeats ST02.
    let mut reader = Reader::new(text.as_bytes());
    let mut sets = Vec::new();
    while let Some(event) = reader.next_event().expect("parses") {
        if let Event::Transaction(set) = event {
            assert!(set.problems().is_empty());
            sets.push(set.control_number().to_vec());
        }
    }
    assert_eq!(sets, [b"0001".to_vec(), b"0002".to_vec()]);
    std::fs::remove_dir_all(&dir).ok();
}

/// The fixture with one change, as NDJSON.
fn edited(edit: impl FnOnce(&mut Vec<Claim>)) -> Vec<u8> {
    let mut claims: Vec<Claim> =
        serde_json::from_slice(&std::fs::read(fixture("837p")).expect("fixture")).expect("claims");
    edit(&mut claims);
    claims
        .iter()
        .map(|c| serde_json::to_string(c).expect("json") + "\n")
        .collect::<String>()
        .into_bytes()
}

fn refused(input: &[u8], kind: &str, secret: &str) -> String {
    let output = x12pipe(&["write", "--kind", kind, "-"], Some(input));
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert!(output.stdout.is_empty() || !message.is_empty());
    if !secret.is_empty() {
        assert!(!message.contains(secret), "the value leaked: {message}");
    }
    message
}

#[test]
fn bad_claims_are_named_by_position_and_field_never_by_value() {
    let message = refused(
        &edited(|c| c[2].lines[0].charge = "44*0".into()),
        "837p",
        "44*0",
    );
    assert!(
        message.contains("claim 2: lines[0].charge: holds the element separator '*'"),
        "{message}"
    );

    let message = refused(
        &edited(|c| c[1].subscriber.member.name = "WILSON~JONES".into()),
        "837p",
        "JONES",
    );
    assert!(message.contains("claim 1: subscriber.member.name: holds the segment terminator"));

    let message = refused(
        &edited(|c| c[0].subscriber.member.birth_date = Some("1980-02-30".into())),
        "837p",
        "1980",
    );
    assert!(message.contains("claim 0: subscriber.member.birth_date: is not a real calendar date"));

    let message = refused(
        &edited(|c| c[0].lines[1].dates[0].value = "03/21/2025".into()),
        "837p",
        "03/21",
    );
    assert!(message.contains("claim 0: lines[1].dates[0].value: is not an ISO 8601 date"));

    let message = refused(&edited(|c| c[0].id = String::new().into()), "837p", "");
    assert!(message.contains("claim 0: id: is empty"), "{message}");

    let message = refused(&edited(|_| {}), "837i", "");
    assert!(
        message.contains("claim 0: type: the claim is 837P but the interchange is 837I"),
        "{message}"
    );
}

#[test]
fn bad_json_is_located_without_echoing_values() {
    // A value of the wrong type: serde would quote it.
    let input = edited(|_| {}).replace_str(
        "\"total_charge\":\"272\"",
        "\"total_charge\":[\"CONFIDENTIAL\"]",
    );
    let message = refused(&input, "837p", "CONFIDENTIAL");
    assert!(
        message.contains("claim 1: invalid value at line 2"),
        "{message}"
    );

    let input = edited(|c| c[0].source = None).replace_str(
        "\"type\":\"professional\"",
        "\"type\":\"PATIENT-NAME-HERE\"",
    );
    let message = refused(&input, "837p", "PATIENT-NAME-HERE");
    assert!(message.contains("claim 0: unknown claim type"), "{message}");

    let input = edited(|_| {}).replace_str("\"frequency\"", "\"frequncy\"");
    let message = refused(&input, "837p", "");
    assert!(
        message.contains("claim 0: unknown field `frequncy`"),
        "{message}"
    );

    let array = br#"[{"type": "professional", "id": "SECRET-ID" "#;
    let message = refused(array, "837p", "SECRET-ID");
    assert!(message.contains("not valid JSON at line 1"), "{message}");

    let message = refused(b"  \n", "837p", "");
    assert!(message.contains("the input is empty"), "{message}");

    let message = refused(b"[]", "837p", "");
    assert!(message.contains("no claims to write"), "{message}");
}

#[test]
fn a_refused_claim_leaves_no_output_file() {
    let dir = std::env::temp_dir().join(format!("x12pipe-write-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let input = dir.join("claims.ndjson");
    std::fs::write(&input, edited(|c| c[2].lines[0].charge = "x".into())).expect("input");
    let out = dir.join("out.x12");
    let output = x12pipe(
        &[
            "write",
            "--kind",
            "837p",
            input.to_str().expect("path"),
            "-o",
            out.to_str().expect("path"),
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("claim 2: lines[0].charge: is not a decimal number"));
    assert!(!out.exists());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn usage_errors_exit_2_and_help_teaches() {
    let output = x12pipe(&["write", "--kind", "837x", "-"], None);
    assert_eq!(output.status.code(), Some(2));
    let output = x12pipe(
        &["write", "--kind", "837p", "-", "--component", "*"],
        Some(b"[]"),
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("used as both"),
        "{}",
        stderr(&output)
    );
    let output = x12pipe(&["write", "--help"], None);
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("x12pipe write --kind 837p claims.json -o claims.x12"));
    assert!(help.contains("\"total_charge\""));
}

trait ReplaceStr {
    fn replace_str(self, from: &str, to: &str) -> Vec<u8>;
}

impl ReplaceStr for Vec<u8> {
    fn replace_str(self, from: &str, to: &str) -> Vec<u8> {
        let text = String::from_utf8(self).expect("UTF-8");
        assert!(text.contains(from), "{from} not in the input");
        text.replacen(from, to, 1).into_bytes()
    }
}

// ---- property test ------------------------------------------------------------------------

/// A valid NPI: 9 digits drawn, the Luhn check digit (with the 80840 prefix) computed.
fn npi(seed: u32) -> String {
    let body = format!("1{:08}", seed % 100_000_000);
    let check = x12pipe::npi::check_digit(body.as_bytes()).expect("9 digits");
    format!("{body}{}", check as char)
}

fn iso(day: u32) -> String {
    // Days from 2025-01-01 (all in the past for the validator's "today").
    let date = time::Date::from_calendar_date(2025, time::Month::January, 1).expect("date")
        + time::Duration::days(i64::from(day));
    format!(
        "{}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

fn org(entity: &str, name: &str, qualifier: &str, id: &str) -> Party {
    Party {
        entity: entity.into(),
        entity_type: "2".into(),
        name: name.into(),
        id_qualifier: Some(qualifier.into()),
        id: Some(id.into()),
        ..Party::default()
    }
}

fn address(line1: &str, zip: &str) -> Address {
    Address {
        line1: line1.into(),
        city: "DES MOINES".into(),
        state: Some("IA".into()),
        postal_code: Some(zip.into()),
        ..Address::default()
    }
}

fn person(entity: &str, last: &str, first: &str, birth_day: u32) -> Party {
    Party {
        entity: entity.into(),
        entity_type: "1".into(),
        name: last.into(),
        first_name: Some(first.into()),
        address: Some(address("12 ELM ST", "50301")),
        birth_date: Some(
            iso(birth_day)
                .replacen("2025", "1980", 1)
                .replacen("2026", "1981", 1)
                .into(),
        ),
        gender: Some("F".into()),
        ..Party::default()
    }
}

/// The shape of one generated claim: which provider, subscriber and patient it has (small
/// pools, so consecutive claims often share them), and its lines' charges in cents.
#[derive(Clone, Debug)]
struct Shape {
    kind: ClaimType,
    provider: u32,
    subscriber: u32,
    patient: Option<u32>,
    charges: Vec<u32>,
    diagnoses: usize,
    day: u32,
}

fn shape(kind: ClaimType) -> impl Strategy<Value = Shape> {
    (
        0u32..3,
        0u32..3,
        prop::option::of(0u32..2),
        prop::collection::vec(1u32..500_000, 1..6),
        1usize..15,
        0u32..300,
    )
        .prop_map(
            move |(provider, subscriber, patient, charges, diagnoses, day)| Shape {
                kind,
                provider,
                subscriber,
                patient,
                charges,
                diagnoses,
                day,
            },
        )
}

fn cents(n: u32) -> String {
    if n.is_multiple_of(100) {
        format!("{}", n / 100)
    } else {
        format!("{}.{:02}", n / 100, n % 100)
    }
}

const DIAGNOSES: [&str; 14] = [
    "E1165", "I10", "J029", "Z23", "R109", "F419", "M5450", "H6690", "K0262", "E785", "J069",
    "R0602", "E669", "Z0121",
];

fn claim(shape: &Shape, index: usize) -> Claim {
    let kind = shape.kind;
    let mut billing = org(
        "85",
        &format!("PRACTICE {}", shape.provider),
        "XX",
        &npi(1000 + shape.provider * 7919),
    );
    billing.provider_code = Some("BI".into());
    billing.taxonomy = Some(
        match kind {
            ClaimType::Professional => "207Q00000X",
            ClaimType::Institutional => "282N00000X",
            ClaimType::Dental => "122300000X",
        }
        .into(),
    );
    billing.address = Some(address("4909 CEDAR LN", "503070815"));
    billing.references = vec![Reference {
        qualifier: "EI".into(),
        value: "810437482".into(),
    }];
    let dependent = shape.patient.is_some();
    let mut member = person("IL", "SUBSCRIBER", &format!("S{}", shape.subscriber), 40);
    member.id_qualifier = Some("MI".into());
    member.id = Some(format!("MEMBER{}", shape.subscriber).into());
    if dependent {
        member.birth_date = None;
        member.gender = None;
    }
    let subscriber = Subscriber {
        payer_responsibility: "P".into(),
        relationship: (!dependent).then(|| "18".into()),
        group_number: Some("GRP1".into()),
        claim_filing: Some("CI".into()),
        member,
        ..Subscriber::default()
    };
    let patient = shape.patient.map(|p| Patient {
        relationship: "19".into(),
        person: person("QC", "DEPENDENT", &format!("D{p}"), 100),
    });
    let day = iso(shape.day.max(120));
    let diagnoses: Vec<HealthCode> = DIAGNOSES
        .iter()
        .take(match kind {
            ClaimType::Institutional => shape.diagnoses,
            ClaimType::Professional => shape.diagnoses.min(12),
            ClaimType::Dental => shape.diagnoses.min(4),
        })
        .enumerate()
        .map(|(i, code)| HealthCode {
            qualifier: if i == 0 { "ABK" } else { "ABF" }.into(),
            code: (*code).into(),
            ..HealthCode::default()
        })
        .collect();
    let lines = shape
        .charges
        .iter()
        .enumerate()
        .map(|(i, &charge)| {
            let mut line = ServiceLine {
                number: (i + 1).to_string().into(),
                charge: cents(charge).into(),
                units: Some("1".into()),
                dates: vec![DateValue {
                    qualifier: "472".into(),
                    format: "D8".into(),
                    value: day.clone().into(),
                }],
                references: vec![Reference {
                    qualifier: "6R".into(),
                    value: format!("C{index}L{i}").into(),
                }],
                ..ServiceLine::default()
            };
            match kind {
                ClaimType::Professional => {
                    line.procedure = Some(procedure("HC", "99213"));
                    line.unit_basis = Some("UN".into());
                    line.diagnosis_pointers = vec!["1".into()];
                }
                ClaimType::Institutional => {
                    line.revenue_code = Some("0450".into());
                    line.procedure = Some(procedure("HC", "99283"));
                    line.unit_basis = Some("UN".into());
                }
                ClaimType::Dental => {
                    line.procedure = Some(procedure("AD", "D0120"));
                    line.diagnosis_pointers = vec!["1".into()];
                }
            }
            line
        })
        .collect();
    let total: u32 = shape.charges.iter().sum();
    let institutional = kind == ClaimType::Institutional;
    let mut providers = Vec::new();
    if institutional {
        let mut attending = person("71", "ATTENDING", "ANN", 10);
        attending.address = None;
        attending.birth_date = None;
        attending.gender = None;
        attending.id_qualifier = Some("XX".into());
        attending.id = Some(npi(424_242).into());
        providers.push(attending);
    }
    Claim {
        claim_type: kind,
        source: None,
        transaction: Transaction {
            purpose: "00".into(),
            reference: "PROPBATCH".into(),
            date: "2025-12-01".into(),
            time: "1200".into(),
            claim_or_encounter: "CH".into(),
        },
        submitter: Party {
            contacts: vec![x12pipe::claim::Contact {
                function: "IC".into(),
                name: Some("BILLING OFFICE".into()),
                numbers: vec![x12pipe::claim::CommunicationNumber {
                    qualifier: "TE".into(),
                    value: "5155550100".into(),
                }],
            }],
            ..org("41", "SUBMITTER", "46", "SUBMITTER01")
        },
        receiver: org("40", "RECEIVER", "46", "RECEIVER01"),
        billing_provider: billing,
        subscriber,
        payer: org("PR", "PAYER ONE", "PI", "PAYER1"),
        patient,
        id: format!("PCN{index:05}").into(),
        total_charge: cents(total).into(),
        facility_code: if institutional { "13" } else { "11" }.into(),
        facility_qualifier: if institutional { "A" } else { "B" }.into(),
        frequency: "1".into(),
        provider_signature: (!institutional).then(|| "Y".into()),
        assignment: Some("A".into()),
        benefits_assigned: Some("Y".into()),
        release_of_information: Some("Y".into()),
        dates: if institutional {
            vec![DateValue {
                qualifier: "434".into(),
                format: "RD8".into(),
                value: format!("{day}/{day}").into(),
            }]
        } else {
            Vec::new()
        },
        institutional: institutional.then(|| x12pipe::claim::InstitutionalCodes {
            admission_type: Some("3".into()),
            admission_source: None,
            patient_status: Some("01".into()),
        }),
        diagnoses,
        providers,
        lines,
        ..Claim::default()
    }
}

fn procedure(qualifier: &str, code: &str) -> Procedure {
    Procedure {
        qualifier: qualifier.into(),
        code: code.into(),
        ..Procedure::default()
    }
}

/// The HL levels the grouping rules give: a new 2000A when the provider changes, a new
/// 2000B when the subscriber or the presence of a patient changes, a new 2000C when the
/// patient changes; everything restarts with a new transaction set.
fn expected_levels(shapes: &[Shape], per_set: usize) -> Vec<Vec<&'static str>> {
    let mut sets = Vec::new();
    for chunk in shapes.chunks(per_set) {
        let mut levels = Vec::new();
        let mut previous: Option<&Shape> = None;
        for s in chunk {
            let new_provider = previous.is_none_or(|p| p.provider != s.provider);
            let new_subscriber = new_provider
                || previous.is_some_and(|p| {
                    p.subscriber != s.subscriber || p.patient.is_some() != s.patient.is_some()
                });
            let new_patient = s.patient.is_some()
                && (new_subscriber || previous.is_some_and(|p| p.patient != s.patient));
            if new_provider {
                levels.push("20");
            }
            if new_subscriber {
                levels.push("22");
            }
            if new_patient {
                levels.push("23");
            }
            previous = Some(s);
        }
        sets.push(levels);
    }
    sets
}

/// One HL as read back: HL01, HL02, HL03, HL04.
type Level = (u64, Option<u64>, String, String);

/// Reads back every HL, per transaction set.
fn hl_tree(x12: &[u8]) -> Vec<Vec<Level>> {
    let mut reader = Reader::new(x12);
    let mut sets = Vec::new();
    while let Some(event) = reader.next_event().expect("parses") {
        if let Event::Transaction(set) = event {
            let mut levels = Vec::new();
            for segment in set.segments() {
                if segment.id() == b"HL" {
                    let element = |n: usize| {
                        segment
                            .element(n)
                            .map(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
                            .unwrap_or_default()
                    };
                    levels.push((
                        element(1).parse().expect("HL01"),
                        element(2).parse().ok(),
                        element(3),
                        element(4),
                    ));
                }
            }
            sets.push(levels);
        }
    }
    sets
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn written_claims_validate_and_follow_the_grouping(
        kind in prop::sample::select(vec![ClaimType::Professional, ClaimType::Institutional, ClaimType::Dental]),
        shapes in prop::collection::vec(shape(ClaimType::Professional), 1..25),
        per_set in 1usize..8,
    ) {
        let shapes: Vec<Shape> = shapes.into_iter().map(|s| Shape { kind, ..s }).collect();
        let claims: Vec<Claim> = shapes.iter().enumerate().map(|(i, s)| claim(s, i)).collect();
        let mut options = WriteOptions::new(kind);
        options.claims_per_set = per_set as u64;
        options.control_number = Some(991);
        let mut x12 = Vec::new();
        let summary = write_claims(&mut x12, options, &claims).expect("written");
        let (validated, problems) = check(&x12);
        prop_assert!(problems.is_empty(), "{:#?}", problems);
        prop_assert_eq!(validated.claims, claims.len() as u64);
        prop_assert_eq!(summary.transaction_sets as usize, claims.len().div_ceil(per_set));

        // And they read back as the same claims (the round trip of issue 5, over claims
        // that did not come from a file).
        let mut read_back = Vec::new();
        x12pipe::claim::extract(&x12[..], &validate_options(), |claim, _| {
            read_back.push(claim.without_source());
            Ok(())
        })
        .expect("extracts");
        prop_assert_eq!(read_back.len(), claims.len());
        for (i, (back, original)) in read_back.iter().zip(&claims).enumerate() {
            prop_assert_eq!(back, &original.without_source(), "claim {}", i);
        }

        let tree = hl_tree(&x12);
        let expected = expected_levels(&shapes, per_set);
        prop_assert_eq!(tree.len(), expected.len());
        for (levels, expected) in tree.iter().zip(&expected) {
            let codes: Vec<&str> = levels.iter().map(|l| l.2.as_str()).collect();
            prop_assert_eq!(&codes, expected);
            // HL01 counts from 1; each parent is the latest level above; HL04 says whether
            // a child level follows.
            let mut last_of = std::collections::HashMap::new();
            for (i, (hl01, hl02, hl03, hl04)) in levels.iter().enumerate() {
                prop_assert_eq!(*hl01, i as u64 + 1);
                let parent = match hl03.as_str() {
                    "20" => None,
                    "22" => last_of.get("20").copied(),
                    _ => last_of.get("22").copied(),
                };
                prop_assert_eq!(*hl02, parent);
                let child = levels.get(i + 1).map(|l| l.2.as_str());
                let has_children = match hl03.as_str() {
                    "20" => true,
                    "22" => child == Some("23"),
                    _ => false,
                };
                prop_assert_eq!(hl04.as_str(), if has_children { "1" } else { "0" });
                last_of.insert(hl03.as_str(), *hl01);
            }
        }
    }
}

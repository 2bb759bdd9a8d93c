//! The full round trip X12 → claims → X12 → claims, for generated files of every kind, the
//! valid samples, the validation grammar tests, the corpus claims and the JSON fixtures: the
//! claims come back equal (their `source` aside), the rewritten file validates, and it keeps
//! the original's structure (its HL tree, set by set); a generated file even comes back
//! byte for byte.

use x12pipe::claim::write::{ClaimWriter, WriteOptions};
use x12pipe::claim::{Claim, ClaimType, extract};
use x12pipe::envelope::{Event, Reader};
use x12pipe::synth::{ClaimKind, GenOptions, write_interchange};
use x12pipe::validate::ValidateOptions;

fn validate_options() -> ValidateOptions {
    let mut options = ValidateOptions::new();
    options.today = time::Date::from_calendar_date(2026, time::Month::November, 23).expect("date");
    options
}

/// Every claim of `x12`, with the number of validation errors seen.
fn claims_of(x12: &[u8]) -> (Vec<Claim>, u64) {
    let mut claims = Vec::new();
    let summary = extract(x12, &validate_options(), |claim, _| {
        claims.push(claim.clone());
        Ok(())
    })
    .expect("extracts");
    (claims, summary.validation.errors)
}

/// Writes `claims` with the envelope values of `original` (the ISA date and time are not in
/// the model; the rest comes from the claims' source).
fn rewrite(claims: &[Claim], kind: ClaimType, original: &[u8], per_set: u64) -> Vec<u8> {
    let mut options = WriteOptions::new(kind);
    let isa = std::str::from_utf8(&original[..106]).expect("ASCII ISA");
    let yymmdd = &isa[70..76];
    let year = 2000 + yymmdd[..2].parse::<i32>().expect("year");
    let month = yymmdd[2..4].parse::<u8>().expect("month");
    let day = yymmdd[4..].parse::<u8>().expect("day");
    options.date =
        time::Date::from_calendar_date(year, time::Month::try_from(month).expect("month"), day)
            .ok();
    options.time = Some((
        isa[77..79].parse().expect("hour"),
        isa[79..81].parse().expect("minute"),
    ));
    options.claims_per_set = per_set;
    let mut out = Vec::new();
    let mut writer = ClaimWriter::new(&mut out, options);
    for claim in claims {
        writer.write(claim).expect("writable");
    }
    writer.finish().expect("finished");
    out
}

/// HL01..HL04 of every transaction set.
fn hl_tree(x12: &[u8]) -> Vec<Vec<String>> {
    let mut reader = Reader::new(x12);
    let mut sets = Vec::new();
    while let Some(event) = reader.next_event().expect("parses") {
        if let Event::Transaction(set) = event {
            sets.push(
                set.segments()
                    .filter(|s| s.id() == b"HL")
                    .map(|s| {
                        // Element by element, so that files with other delimiters compare.
                        (1..=4)
                            .map(|n| {
                                s.element(n)
                                    .map(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
                                    .unwrap_or_default()
                            })
                            .collect::<Vec<_>>()
                            .join("*")
                    })
                    .collect(),
            );
        }
    }
    sets
}

#[test]
fn generated_files_survive_x12_claims_x12_claims() {
    let kinds = [
        (ClaimKind::Professional, ClaimType::Professional),
        (ClaimKind::Institutional, ClaimType::Institutional),
        (ClaimKind::Dental, ClaimType::Dental),
    ];
    for (gen_kind, kind) in kinds {
        for seed in 1..=4 {
            let mut options = GenOptions::new(gen_kind, 60, seed);
            options.claims_per_transaction = 25;
            let mut original = Vec::new();
            write_interchange(&mut original, &options).expect("generated");
            let (claims, errors) = claims_of(&original);
            assert_eq!((claims.len(), errors), (60, 0), "{kind:?} seed {seed}");

            let rewritten = rewrite(&claims, kind, &original, 25);
            let (again, errors) = claims_of(&rewritten);
            assert_eq!(
                errors, 0,
                "{kind:?} seed {seed}: the rewritten file validates"
            );
            assert_eq!(again.len(), claims.len());
            for (i, (a, b)) in claims.iter().zip(&again).enumerate() {
                assert_eq!(
                    a.without_source(),
                    b.without_source(),
                    "{kind:?} seed {seed}: claim {i}"
                );
            }
            assert_eq!(
                hl_tree(&original),
                hl_tree(&rewritten),
                "{kind:?} seed {seed}: same loops"
            );
            // The generator and the writer agree byte for byte, envelopes included.
            assert_eq!(
                String::from_utf8_lossy(&original),
                String::from_utf8_lossy(&rewritten),
                "{kind:?} seed {seed}"
            );
        }
    }
}

#[test]
fn the_json_fixtures_survive_claims_x12_claims() {
    for (name, kind) in [
        ("837p", ClaimType::Professional),
        ("837i", ClaimType::Institutional),
        ("837d", ClaimType::Dental),
    ] {
        let path = format!("{}/tests/claims/{name}.json", env!("CARGO_MANIFEST_DIR"));
        let claims: Vec<Claim> =
            serde_json::from_slice(&std::fs::read(path).expect("fixture")).expect("claims");
        let mut x12 = Vec::new();
        let mut writer = ClaimWriter::new(&mut x12, WriteOptions::new(kind));
        for claim in &claims {
            writer.write(claim).expect("writable");
        }
        writer.finish().expect("finished");
        let (again, errors) = claims_of(&x12);
        assert_eq!(errors, 0, "{name}");
        let again: Vec<Claim> = again.iter().map(Claim::without_source).collect();
        assert_eq!(again, claims, "{name}");
    }
}

#[test]
fn the_valid_samples_survive_x12_claims_x12_claims() {
    let dir = format!("{}/samples", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("samples/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "x12"))
        .collect();
    names.sort();
    let mut done = Vec::new();
    for path in names {
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let original = std::fs::read(&path).expect("sample");
        let (claims, errors) = claims_of(&original);
        if errors > 0 || claims.is_empty() {
            continue; // an invalid sample (samples/README.md says which and why)
        }
        let kind = claims[0].claim_type;
        let rewritten = rewrite(&claims, kind, &original, 5000);
        let (again, errors) = claims_of(&rewritten);
        assert_eq!(errors, 0, "{name}: the rewritten file validates");
        let strip = |c: &[Claim]| c.iter().map(Claim::without_source).collect::<Vec<_>>();
        assert_eq!(strip(&claims), strip(&again), "{name}");
        assert_eq!(
            hl_tree(&original),
            hl_tree(&rewritten),
            "{name}: same loops"
        );
        done.push(name);
    }
    // Every valid sample of every kind took part (a sample that stops validating shows up
    // here rather than silently dropping out).
    assert_eq!(
        done,
        [
            "837d.x12",
            "837i-one-line.x12",
            "837i.x12",
            "837p-multi.x12",
            "837p-pipe-crlf.x12",
            "837p.x12"
        ],
    );
}

/// The corpus of other people's files: every 837 claim that can be read comes back the same
/// through X12. The one claim there (staedi's sample 837) carries segments our samples do
/// not (NTE, LIN/CTP, an ordering provider on the line); its file says ST03 `005010X222`
/// (the guide before its addenda) and has NPIs that fail the check digit, so it is read with
/// those two checks off.
#[test]
fn the_corpus_claims_survive_claims_x12_claims() {
    use x12pipe::finding::Code;
    let mut options = validate_options();
    options.disabled = vec![Code::ElementInvalidCode, Code::NpiInvalid];
    let extract_all = |x12: &[u8]| {
        let mut claims = Vec::new();
        extract(x12, &options, |claim, _| {
            claims.push(claim.without_source());
            Ok(())
        })
        .expect("extracts");
        claims
    };
    let dir = format!("{}/tests/corpus", env!("CARGO_MANIFEST_DIR"));
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/corpus")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e != "md"))
        .collect();
    paths.sort();
    let mut with_claims = 0;
    for path in paths {
        let name = path.display().to_string();
        let original = std::fs::read(&path).expect("corpus file");
        let claims = extract_all(&original);
        if claims.is_empty() {
            continue;
        }
        with_claims += 1;
        let mut written = WriteOptions::new(claims[0].claim_type);
        written.control_number = Some(1);
        let mut out = Vec::new();
        let mut writer = ClaimWriter::new(&mut out, written);
        for claim in &claims {
            writer.write(claim).expect("writable");
        }
        writer.finish().expect("finished");
        assert_eq!(extract_all(&out), claims, "{name}");
    }
    assert!(with_claims >= 1, "no corpus file gave a claim");
}

/// Every validation grammar test whose claims can be read goes through X12 → claims → X12 →
/// claims: the claims come back equal and the rewritten file has no syntax finding. The
/// writer may refuse only what cannot be written validly, with the claim or option named:
/// a date that is not a real one, or an ISA qualifier the guides do not list.
#[test]
fn the_grammar_test_claims_survive_x12_claims_x12_claims() {
    use x12pipe::claim::write::{Problem, WriteError};
    use x12pipe::finding::Category;
    use x12pipe::validate::{EachFinding, validate};
    let dir = format!("{}/grammar-tests/validate", env!("CARGO_MANIFEST_DIR"));
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("grammar-tests/validate")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "x12"))
        .collect();
    paths.sort();
    let (mut survived, mut refused) = (0, 0);
    for path in paths {
        let name = path.display().to_string();
        let original = std::fs::read(&path).expect("grammar test");
        let (claims, _) = claims_of(&original);
        if claims.is_empty() {
            continue;
        }
        let mut options = WriteOptions::new(claims[0].claim_type);
        options.date = time::Date::from_calendar_date(2026, time::Month::November, 20).ok();
        options.time = Some((12, 0));
        let mut out = Vec::new();
        let mut writer = ClaimWriter::new(&mut out, options);
        let written = claims
            .iter()
            .try_for_each(|claim| writer.write(claim).map(|_| ()))
            .and_then(|()| writer.finish().map(|_| ()));
        match written {
            Ok(()) => {}
            Err(WriteError::Claim {
                problem: Problem::NotRealDate,
                ..
            }) => {
                refused += 1;
                continue;
            }
            Err(WriteError::Options(message)) if message.contains("qualifier") => {
                refused += 1;
                continue;
            }
            Err(e) => panic!("{name}: {e}"),
        }
        let (again, _) = claims_of(&out);
        let strip = |c: &[Claim]| c.iter().map(Claim::without_source).collect::<Vec<_>>();
        assert_eq!(strip(&claims), strip(&again), "{name}");
        let mut syntax = Vec::new();
        let mut each = EachFinding(|f: &x12pipe::finding::Finding| {
            if f.category() == Category::Syntax {
                syntax.push(f.code);
            }
        });
        validate(&out[..], &validate_options(), &mut each).expect("validates");
        assert!(syntax.is_empty(), "{name}: {syntax:?}");
        survived += 1;
    }
    // 99 and 4 when written; a new grammar test whose claims the writer refuses must be
    // looked at.
    assert!(
        survived >= 99 && refused <= 4,
        "{survived} survived, {refused} refused"
    );
}

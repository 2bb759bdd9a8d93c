//! The generator proper: the envelopes, the HL hierarchy of each transaction set, and the
//! claims of each kind, drawn from one seeded stream and written as they are drawn.
//!
//! Layout of every transaction set (X12-REFERENCE.md section 4):
//!
//! ```text
//! ST BHT  1000A NM1*41 PER   1000B NM1*40
//!   2000A HL*n**20*1 PRV*BI  2010AA NM1*85 N3 N4 REF*EI          (a run of claims)
//!     2000B HL*n*a*22*0|1 SBR  2010BA NM1*IL N3 N4 [DMG]  2010BB NM1*PR
//!       [2000C HL*n*b*23*0 PAT  2010CA NM1*QC N3 N4 DMG]        (patient ≠ subscriber)
//!         2300 CLM ... HI [2310 provider]                        (1-3 per patient)
//!           2400 LX SV1|SV2|SV3 [TOO] DTP*472 REF*6R            (service lines)
//! SE
//! ```

use std::io::{self, Write};

use super::calendar::{Day, put_digits};
use super::data::{self, DentalProcedure, Payer, Practice, TeethGroup, ToothSite};
use super::rng::{SplitMix64, mix64};
use super::{ClaimKind, GenOptions, GenSummary};
use crate::npi;
use crate::writer::{Digits, SegmentWriter};

/// ISA06 / GS02 / 1000A NM109: the sender, obviously a test system.
const SENDER_ID: &[u8] = b"X12PIPESYNTH";
/// ISA08 / GS03 / 1000B NM109.
const RECEIVER_ID: &[u8] = b"X12PIPETESTRCV";
const SUBMITTER_NAME: &[u8] = b"X12PIPE SYNTHETIC SUBMITTER";
const RECEIVER_NAME: &[u8] = b"X12PIPE TEST RECEIVER";

/// Interchange dates are drawn from the three years starting here.
const FIRST_INTERCHANGE_DAY: (i64, u32, u32) = (2023, 1, 1);
const INTERCHANGE_DAYS: u64 = 3 * 365;

/// Services happen 1 to this many days before the interchange date (inpatient stays start
/// up to a week earlier); everyone is born at least [`BORN_BEFORE`] days before it, so
/// birth dates always precede service dates.
const SERVICE_WINDOW: u64 = 45;
const BORN_BEFORE: u64 = 60;

/// Diagnosis pointers as written (SV107, SV311), 1-based.
const POINTERS: [&[u8]; 5] = [b"0", b"1", b"2", b"3", b"4"];

/// Present-on-admission indicators (HIxx-9 on inpatient diagnoses) and how often each is
/// drawn: Y present, N not present, U documentation insufficient.
const POA: &[(u32, &[u8])] = &[(85, b"Y"), (10, b"N"), (5, b"U")];

/// A valid first two digits of an EIN (IRS campus prefixes).
const EIN_PREFIXES: &[u64] = &[
    10, 12, 20, 27, 30, 33, 35, 38, 41, 45, 46, 47, 52, 54, 56, 58, 61, 65, 71, 74, 75, 77, 81, 84,
    86, 88, 91, 93, 94, 95, 98,
];

#[derive(Clone, Copy)]
struct Address {
    number: u64,
    street: &'static str,
    suite: Option<&'static str>,
    city: &'static str,
    state: &'static str,
    zip: [u8; 9],
    zip_len: usize,
}

impl Address {
    fn zip(&self) -> &[u8] {
        &self.zip[..self.zip_len]
    }
}

#[derive(Clone, Copy)]
struct PersonName {
    last: &'static str,
    first: &'static str,
    middle: Option<u8>,
    /// The first name is from the female list (DMG03 `F`).
    female: bool,
}

#[derive(Clone, Copy)]
enum Name {
    Organization {
        prefix: &'static str,
        kind: &'static str,
        suffix: Option<&'static str>,
    },
    Person(PersonName),
}

#[derive(Clone, Copy)]
struct Person {
    name: PersonName,
    gender: &'static [u8],
    birth: Day,
    address: Address,
}

struct Provider {
    name: Name,
    practice: &'static Practice,
    npi: [u8; 10],
    address: Address,
    ein: [u8; 9],
}

impl Provider {
    fn is_organization(&self) -> bool {
        matches!(self.name, Name::Organization { .. })
    }
}

/// One 837P service line.
struct ProfessionalLine {
    code: &'static str,
    modifier: Option<&'static str>,
    units: u64,
    cents: u64,
    pointers: [usize; 4],
    pointer_count: usize,
}

/// One 837I service line.
struct InstitutionalLine {
    revenue: &'static str,
    hcpcs: Option<&'static str>,
    basis: &'static str,
    units: u64,
    cents: u64,
    from: Day,
    to: Day,
}

/// Where an 837D line was done.
enum Site {
    Mouth,
    Quadrant(&'static str),
    Tooth {
        number: u8,
        surfaces: [&'static str; 5],
        count: usize,
    },
}

/// One 837D service line.
struct DentalLine {
    code: &'static str,
    cents: u64,
    site: Site,
}

/// Writes one interchange; see the module documentation for the layout.
pub(super) struct Generator<'o, W: Write> {
    options: &'o GenOptions,
    rng: SplitMix64,
    w: SegmentWriter<W>,
    /// ISA13 as a number (1..=999999999); also GS06.
    control: u64,
    /// ISA09 / GS04 / BHT04.
    today: Day,
    /// ISA10 / GS05 / BHT05 as HHMM.
    time: [u8; 4],
    /// Makes patient control numbers unique per claim without remembering them.
    pcn_key: u64,
    claims_written: u64,
    /// The last HL01 written in the current transaction set.
    hl: u64,
}

impl<'o, W: Write> Generator<'o, W> {
    pub(super) fn new(out: W, options: &'o GenOptions) -> Self {
        let mut rng = SplitMix64::new(options.seed);
        let control = rng.range(1, 999_999_999);
        let today = Day::from_ymd(
            FIRST_INTERCHANGE_DAY.0,
            FIRST_INTERCHANGE_DAY.1,
            FIRST_INTERCHANGE_DAY.2,
        )
        .plus(rng.below(INTERCHANGE_DAYS) as i64);
        let time = hhmm(rng.range(6, 20), rng.below(60));
        let pcn_key = rng.next_u64();
        Generator {
            options,
            rng,
            w: SegmentWriter::new(out, options.delimiters, options.line_break()),
            control,
            today,
            time,
            pcn_key,
            claims_written: 0,
            hl: 0,
        }
    }

    pub(super) fn run(mut self) -> io::Result<GenSummary> {
        self.isa()?;
        let version = self.options.kind.version().as_bytes();
        let today = self.today.ccyymmdd();
        self.w
            .segment(b"GS")
            .e(b"HC")
            .e(SENDER_ID)
            .e(RECEIVER_ID)
            .e(&today)
            .e(&self.time)
            .num(self.control)
            .e(b"X")
            .e(version)
            .end()?;
        let mut sets = 0;
        let mut left = self.options.claims;
        while left > 0 {
            let claims = left.min(self.options.claims_per_transaction);
            sets += 1;
            self.transaction_set(sets, claims)?;
            left -= claims;
        }
        self.w.segment(b"GE").num(sets).num(self.control).end()?;
        self.w
            .segment(b"IEA")
            .num(1)
            .e(Digits::padded(self.control, 9).as_bytes())
            .end()?;
        let bytes = self.w.finish()?;
        Ok(GenSummary {
            claims: self.claims_written,
            transaction_sets: sets,
            segments: self.w.segments(),
            bytes,
        })
    }

    /// The fixed-width ISA: every element padded to its width, 106 bytes with the
    /// terminator.
    fn isa(&mut self) -> io::Result<()> {
        let d = self.options.delimiters;
        let today = self.today.yymmdd();
        self.w
            .segment(b"ISA")
            .e(b"00")
            .e(b"          ")
            .e(b"00")
            .e(b"          ")
            .e(b"ZZ")
            .e(&padded::<15>(SENDER_ID))
            .e(b"ZZ")
            .e(&padded::<15>(RECEIVER_ID))
            .e(&today)
            .e(&self.time)
            .delimiter_value(d.repetition.unwrap_or(b'^'))
            .e(b"00501")
            .e(Digits::padded(self.control, 9).as_bytes())
            .e(b"0")
            .e(b"T")
            .delimiter_value(d.component)
            .end()
    }

    fn transaction_set(&mut self, number: u64, claims: u64) -> io::Result<()> {
        let st02 = Digits::padded(number, 4);
        let version = self.options.kind.version().as_bytes();
        self.w.start_set();
        self.w
            .segment(b"ST")
            .e(b"837")
            .e(st02.as_bytes())
            .e(version)
            .end()?;
        let today = self.today.ccyymmdd();
        self.w
            .segment(b"BHT")
            .e(b"0019")
            .e(b"00")
            .joined(&[Digits::padded(self.control, 9).as_bytes(), st02.as_bytes()])
            .e(&today)
            .e(&self.time)
            .e(b"CH")
            .end()?;
        // 1000A submitter and 1000B receiver.
        self.w
            .segment(b"NM1")
            .e(b"41")
            .e(b"2")
            .e(SUBMITTER_NAME)
            .skip(4)
            .e(b"46")
            .e(SENDER_ID)
            .end()?;
        let contact = self.person_name();
        let phone = self.phone();
        self.w
            .segment(b"PER")
            .e(b"IC")
            .joined(&[contact.first.as_bytes(), b" ", contact.last.as_bytes()])
            .e(b"TE")
            .e(&phone)
            .end()?;
        self.w
            .segment(b"NM1")
            .e(b"40")
            .e(b"2")
            .e(RECEIVER_NAME)
            .skip(4)
            .e(b"46")
            .e(RECEIVER_ID)
            .end()?;

        self.hl = 0;
        let mut left = claims;
        while left > 0 {
            // A billing provider and a run of its claims.
            let run = self.rng.range(1, 25).min(left);
            let provider = self.provider();
            let provider_hl = self.billing_provider(&provider)?;
            let mut provider_left = run;
            while provider_left > 0 {
                // Most patients have one claim in a file; office patients sometimes have
                // a follow-up visit or two.
                let per_patient: &[(u32, u64)] = match self.options.kind {
                    ClaimKind::Professional => &[(85, 1), (12, 2), (3, 3)],
                    _ => &[(93, 1), (7, 2)],
                };
                let for_patient = (*self.rng.weighted(per_patient)).min(provider_left);
                self.subscriber(provider_hl, &provider, for_patient)?;
                provider_left -= for_patient;
            }
            left -= run;
        }
        let se01 = self.w.set_segments() + 1;
        self.w.segment(b"SE").num(se01).e(st02.as_bytes()).end()
    }

    /// 2000A and 2010AA; returns the provider's HL01.
    fn billing_provider(&mut self, provider: &Provider) -> io::Result<u64> {
        let hl = self.next_hl();
        self.w
            .segment(b"HL")
            .num(hl)
            .e(b"")
            .e(b"20")
            .e(b"1")
            .end()?;
        self.w
            .segment(b"PRV")
            .e(b"BI")
            .e(b"PXC")
            .e(provider.practice.taxonomy.as_bytes())
            .end()?;
        self.name(b"85", &provider.name, id(b"XX", &provider.npi))?;
        self.address(&provider.address)?;
        self.w.segment(b"REF").e(b"EI").e(&provider.ein).end()?;
        Ok(hl)
    }

    /// 2000B (and 2000C when the patient is a dependent) followed by the patient's claims.
    fn subscriber(&mut self, parent: u64, provider: &Provider, claims: u64) -> io::Result<()> {
        let payers = match self.options.kind {
            ClaimKind::Dental => data::DENTAL_PAYERS,
            _ => data::MEDICAL_PAYERS,
        };
        let payer: &Payer = self.rng.weighted(payers);
        let dependent = payer.dependents && self.rng.chance(30);
        // Dental patients are at least 3 (the first visit is usually around then).
        let youngest = if self.options.kind == ClaimKind::Dental {
            3
        } else {
            0
        };
        let (min_age, max_age) = match payer.filing {
            "MB" | "16" => (65, 92),
            "MC" => (youngest.max(1), 64),
            _ => (19, 64),
        };
        let subscriber = self.person(min_age, max_age, None);
        let group = self.group_number(payer);
        let member_id = self.member_id(payer);

        let subscriber_hl = self.next_hl();
        self.w
            .segment(b"HL")
            .num(subscriber_hl)
            .num(parent)
            .e(b"22")
            .e(if dependent { b"1" } else { b"0" })
            .end()?;
        self.w
            .segment(b"SBR")
            .e(b"P")
            .e(if dependent { b"" } else { b"18" })
            .e(group.as_ref().map_or(&b""[..], Code::as_bytes))
            .skip(5)
            .e(payer.filing.as_bytes())
            .end()?;
        self.name(
            b"IL",
            &Name::Person(subscriber.name),
            id(b"MI", member_id.as_bytes()),
        )?;
        self.address(&subscriber.address)?;
        if !dependent {
            self.demographics(&subscriber)?;
        }
        let payer_name = Name::Organization {
            prefix: payer.name,
            kind: "",
            suffix: None,
        };
        self.name(b"PR", &payer_name, id(b"PI", payer.id.as_bytes()))?;

        let patient = if dependent {
            let child = self.rng.chance(65);
            let patient = if child {
                self.person(youngest, 25, Some(&subscriber))
            } else {
                self.person(19, 64, Some(&subscriber))
            };
            let hl = self.next_hl();
            self.w
                .segment(b"HL")
                .num(hl)
                .num(subscriber_hl)
                .e(b"23")
                .e(b"0")
                .end()?;
            self.w
                .segment(b"PAT")
                .e(if child { b"19" } else { b"01" })
                .end()?;
            self.name(b"QC", &Name::Person(patient.name), None)?;
            self.address(&patient.address)?;
            self.demographics(&patient)?;
            patient
        } else {
            subscriber
        };

        for _ in 0..claims {
            match self.options.kind {
                ClaimKind::Professional => self.professional_claim(provider)?,
                ClaimKind::Institutional => self.institutional_claim(provider)?,
                ClaimKind::Dental => self.dental_claim(provider, &patient)?,
            }
            self.claims_written += 1;
        }
        Ok(())
    }

    /// 837P 2300 and 2400 loops.
    fn professional_claim(&mut self, provider: &Provider) -> io::Result<()> {
        let visit = *self.rng.weighted(provider.practice.visits);
        let place = self.rng.pick(visit.places).as_bytes();
        let service = self.service_day();

        let dx_count =
            (*self.rng.weighted(&[(40, 1), (30, 2), (20, 3), (10, 4)])).min(visit.diagnoses.len());
        let mut dx = [0; 4];
        self.distinct(visit.diagnoses.len(), &mut dx[..dx_count]);

        let extra = if visit.ancillary.is_empty() {
            0
        } else {
            (*self
                .rng
                .weighted(&[(45, 0), (25, 1), (15, 2), (10, 3), (5, 4)]))
            .min(visit.ancillary.len())
        };
        let mut ancillary = [0; 4];
        self.distinct(visit.ancillary.len(), &mut ancillary[..extra]);
        let evaluation = self.rng.pick(visit.evaluation);
        let needs_25 = ancillary[..extra]
            .iter()
            .any(|&i| visit.ancillary[i].needs_25);

        let mut lines = Vec::with_capacity(1 + extra);
        // One line per code: a therapy visit may draw its first code again.
        let procedures = std::iter::once(evaluation).chain(
            ancillary[..extra]
                .iter()
                .map(|&i| &visit.ancillary[i])
                .filter(|p| p.code != evaluation.code),
        );
        for (i, procedure) in procedures.enumerate() {
            let modifier = match procedure.modifier {
                None if i == 0 && needs_25 => Some("25"),
                other => other,
            };
            let units = self.units(procedure.max_units);
            let cents = self.charge(procedure.dollars) * units;
            let mut pointers = [0; 4];
            let pointer_count = self.pointers(i, dx_count, &mut pointers);
            lines.push(ProfessionalLine {
                code: procedure.code,
                modifier,
                units,
                cents,
                pointers,
                pointer_count,
            });
        }
        let total = lines.iter().map(|l| l.cents).sum();

        let pcn = self.pcn();
        self.w
            .segment(b"CLM")
            .e(pcn.as_bytes())
            .amount(total)
            .skip(2)
            .composite(&[place, b"B", b"1"])
            .e(b"Y")
            .e(b"A")
            .e(b"Y")
            .e(b"Y")
            .end()?;
        let hi = self.w.segment(b"HI");
        for (j, &d) in dx[..dx_count].iter().enumerate() {
            let qualifier: &[u8] = if j == 0 { b"ABK" } else { b"ABF" };
            hi.composite(&[qualifier, visit.diagnoses[d].as_bytes()]);
        }
        hi.end()?;
        if provider.is_organization() && self.rng.chance(60) {
            // 2310B rendering provider: the clinician who saw the patient.
            let taxonomy = *self.rng.pick(provider.practice.clinicians);
            self.clinician(b"82", b"PE", taxonomy)?;
        }
        for (i, line) in lines.iter().enumerate() {
            let number = i as u64 + 1;
            self.w.segment(b"LX").num(number).end()?;
            let procedure: &[&[u8]] = match line.modifier {
                Some(m) => &[b"HC", line.code.as_bytes(), m.as_bytes()],
                None => &[b"HC", line.code.as_bytes()],
            };
            let mut pointers: [&[u8]; 4] = [b""; 4];
            for (slot, &p) in pointers
                .iter_mut()
                .zip(&line.pointers[..line.pointer_count])
            {
                *slot = POINTERS[p];
            }
            self.w
                .segment(b"SV1")
                .composite(procedure)
                .amount(line.cents)
                .e(b"UN")
                .num(line.units)
                .skip(2)
                .composite(&pointers[..line.pointer_count])
                .end()?;
            self.service_date(service, service)?;
            self.line_control_number(pcn.as_bytes(), number)?;
        }
        Ok(())
    }

    /// 837I 2300 and 2400 loops: an outpatient visit (type of bill 13x, 85x) or an inpatient
    /// stay (11x).
    fn institutional_claim(&mut self, provider: &Provider) -> io::Result<()> {
        let facility = *self.rng.weighted(&[(65, "13"), (20, "11"), (15, "85")]);
        let inpatient = facility == "11";
        let last_day = self.service_day();
        let mut lines = Vec::new();
        let first_day;
        if inpatient {
            let stay = self.rng.range(1, 7);
            first_day = last_day.plus(-(stay as i64));
            let (revenue, rate) = *self.rng.pick(data::ROOM_AND_BOARD);
            // Room and board is billed per night: the discharge day is not a day.
            lines.push(InstitutionalLine {
                revenue,
                hcpcs: None,
                basis: "DA",
                units: stay,
                cents: self.charge(rate) * stay,
                from: first_day,
                to: last_day.plus(-1),
            });
            let count = self.rng.range(2, 6) as usize;
            let mut picked = [0; 6];
            self.distinct(data::INPATIENT_LINES.len(), &mut picked[..count]);
            for &i in &picked[..count] {
                let template = &data::INPATIENT_LINES[i];
                let units = self.units(template.max_units);
                let day = first_day.plus(self.rng.below(stay + 1) as i64);
                lines.push(InstitutionalLine {
                    revenue: template.revenue,
                    hcpcs: template.hcpcs,
                    basis: template.basis,
                    units,
                    cents: self.charge(template.dollars) * units,
                    from: day,
                    to: day,
                });
            }
        } else {
            first_day = last_day.plus(-(*self.rng.weighted(&[(80, 0), (15, 1), (5, 2)])));
            let count = *self
                .rng
                .weighted(&[(30, 1), (30, 2), (20, 3), (12, 4), (8, 5)]);
            let mut picked = [0; 5];
            self.distinct(data::OUTPATIENT_LINES.len(), &mut picked[..count]);
            let days = last_day.days_since(first_day) as u64;
            for &i in &picked[..count] {
                let template = &data::OUTPATIENT_LINES[i];
                let units = self.units(template.max_units);
                let day = first_day.plus(self.rng.below(days + 1) as i64);
                lines.push(InstitutionalLine {
                    revenue: template.revenue,
                    hcpcs: template.hcpcs,
                    basis: template.basis,
                    units,
                    cents: self.charge(template.dollars) * units,
                    from: day,
                    to: day,
                });
            }
        }
        let total = lines.iter().map(|l| l.cents).sum();

        let pcn = self.pcn();
        self.w
            .segment(b"CLM")
            .e(pcn.as_bytes())
            .amount(total)
            .skip(2)
            .composite(&[facility.as_bytes(), b"A", b"1"])
            .e(b"")
            .e(b"A")
            .e(b"Y")
            .e(b"Y")
            .end()?;
        let admitted = hhmm(self.rng.range(0, 23), self.rng.below(60));
        if inpatient {
            let discharged = hhmm(self.rng.range(9, 17), self.rng.below(60));
            self.w
                .segment(b"DTP")
                .e(b"096")
                .e(b"TM")
                .e(&discharged)
                .end()?;
        }
        let (from, to) = (first_day.ccyymmdd(), last_day.ccyymmdd());
        self.w
            .segment(b"DTP")
            .e(b"434")
            .e(b"RD8")
            .joined(&[&from, b"-", &to])
            .end()?;
        if inpatient {
            self.w
                .segment(b"DTP")
                .e(b"435")
                .e(b"DT")
                .joined(&[&from, &admitted])
                .end()?;
            let admission_type = *self.rng.weighted(&[(50, "1"), (25, "2"), (25, "3")]);
            let source = *self.rng.weighted(&[(70, "1"), (20, "2"), (10, "4")]);
            let status = *self.rng.weighted(&[(75, "01"), (15, "06"), (10, "03")]);
            self.w
                .segment(b"CL1")
                .e(admission_type.as_bytes())
                .e(source.as_bytes())
                .e(status.as_bytes())
                .end()?;
        } else {
            // CL101 (admission type) is required in 005010X223A2 even for outpatient
            // claims: 3, elective.
            self.w.segment(b"CL1").e(b"3").skip(1).e(b"01").end()?;
        }

        // Diagnoses: principal (ABK), admitting (ABJ, inpatient), others (ABF); inpatient
        // codes carry a present-on-admission indicator in component 9.
        let principal = if inpatient {
            *self.rng.pick(data::INPATIENT_DIAGNOSES)
        } else {
            *self.rng.pick(data::OUTPATIENT_DIAGNOSES)
        };
        let others = if inpatient {
            self.rng.range(1, 4) as usize
        } else {
            self.rng.range(0, 2) as usize
        };
        let mut picked = [0; 4];
        self.distinct(data::COMORBIDITIES.len(), &mut picked[..others]);
        let mut other = [""; 4];
        let mut other_count = 0;
        for &i in &picked[..others] {
            if data::COMORBIDITIES[i] != principal {
                other[other_count] = data::COMORBIDITIES[i];
                other_count += 1;
            }
        }
        let poa = if inpatient {
            Some(*self.rng.weighted(POA))
        } else {
            None
        };
        self.w.segment(b"HI");
        self.diagnosis(b"ABK", principal, poa);
        self.w.end()?;
        if inpatient {
            let admitting = *self.rng.pick(data::ADMITTING_DIAGNOSES);
            self.w
                .segment(b"HI")
                .composite(&[b"ABJ", admitting.as_bytes()])
                .end()?;
        }
        if other_count > 0 {
            self.w.segment(b"HI");
            for code in &other[..other_count] {
                let poa = if inpatient {
                    Some(*self.rng.weighted(POA))
                } else {
                    None
                };
                self.diagnosis(b"ABF", code, poa);
            }
            self.w.end()?;
        }
        // 2310A attending provider.
        let taxonomy = *self.rng.pick(provider.practice.clinicians);
        self.clinician(b"71", b"AT", taxonomy)?;

        for (i, line) in lines.iter().enumerate() {
            let number = i as u64 + 1;
            self.w.segment(b"LX").num(number).end()?;
            let sv2 = self.w.segment(b"SV2").e(line.revenue.as_bytes());
            match line.hcpcs {
                Some(code) => sv2.composite(&[b"HC", code.as_bytes()]),
                None => sv2.e(b""),
            };
            sv2.amount(line.cents)
                .e(line.basis.as_bytes())
                .num(line.units)
                .end()?;
            self.service_date(line.from, line.to)?;
            self.line_control_number(pcn.as_bytes(), number)?;
        }
        Ok(())
    }

    /// 837D 2300 and 2400 loops: a recall visit or treatment.
    fn dental_claim(&mut self, provider: &Provider, patient: &Person) -> io::Result<()> {
        let service = self.service_day();
        let age = service.days_since(patient.birth) / 365;
        let recall = self.rng.chance(60);
        let mut lines = Vec::new();
        if recall {
            let exam = if self.rng.chance(80) {
                &data::PERIODIC_EXAM
            } else {
                &data::COMPREHENSIVE_EXAM
            };
            self.dental_line(exam, &mut lines);
            if age < 14 {
                self.dental_line(&data::CHILD_CLEANING, &mut lines);
                if self.rng.chance(70) {
                    self.dental_line(&data::FLUORIDE, &mut lines);
                }
                if age >= 6 && self.rng.chance(30) {
                    self.dental_line(&data::SEALANT, &mut lines);
                }
            } else {
                self.dental_line(&data::ADULT_CLEANING, &mut lines);
            }
            if self.rng.chance(45) {
                let xrays = if self.rng.chance(80) {
                    &data::BITEWINGS
                } else {
                    &data::FULL_MOUTH_XRAYS
                };
                self.dental_line(xrays, &mut lines);
            }
        } else {
            let count = *self.rng.weighted(&[(55, 1), (30, 2), (15, 3)]);
            let mut picked = [0; 3];
            self.distinct(data::DENTAL_TREATMENT.len(), &mut picked[..count]);
            for &i in &picked[..count] {
                self.dental_line(&data::DENTAL_TREATMENT[i], &mut lines);
            }
        }
        let total = lines.iter().map(|l| l.cents).sum();

        // HI is situational in 837D: sent on most claims here.
        let mut dx: [&str; 2] = ["", ""];
        let dx_count = if !self.rng.chance(75) {
            0
        } else if recall {
            dx[0] = *self.rng.pick(data::DENTAL_EXAM_DIAGNOSES);
            1
        } else {
            let n = *self.rng.weighted(&[(70, 1), (30, 2)]);
            let mut picked = [0; 2];
            self.distinct(data::DENTAL_DIAGNOSES.len(), &mut picked[..n]);
            for (slot, &i) in dx.iter_mut().zip(&picked[..n]) {
                *slot = data::DENTAL_DIAGNOSES[i];
            }
            n
        };

        let pcn = self.pcn();
        self.w
            .segment(b"CLM")
            .e(pcn.as_bytes())
            .amount(total)
            .skip(2)
            .composite(&[b"11", b"B", b"1"])
            .e(b"Y")
            .e(b"A")
            .e(b"Y")
            .e(b"Y")
            .end()?;
        if dx_count > 0 {
            let hi = self.w.segment(b"HI");
            for (j, code) in dx[..dx_count].iter().enumerate() {
                let qualifier: &[u8] = if j == 0 { b"ABK" } else { b"ABF" };
                hi.composite(&[qualifier, code.as_bytes()]);
            }
            hi.end()?;
        }
        if provider.is_organization() && self.rng.chance(70) {
            // 2310B rendering dentist.
            let taxonomy = *self.rng.pick(provider.practice.clinicians);
            self.clinician(b"82", b"PE", taxonomy)?;
        }
        for (i, line) in lines.iter().enumerate() {
            let number = i as u64 + 1;
            self.w.segment(b"LX").num(number).end()?;
            let quadrant: &[u8] = match line.site {
                Site::Quadrant(q) => q.as_bytes(),
                _ => b"",
            };
            let sv3 = self
                .w
                .segment(b"SV3")
                .composite(&[b"AD", line.code.as_bytes()])
                .amount(line.cents)
                .e(b"")
                .e(quadrant)
                .e(b"")
                .e(b"1");
            if dx_count > 0 {
                // SV311: point at every diagnosis on the claim.
                sv3.skip(4).composite(&POINTERS[1..=dx_count]);
            }
            sv3.end()?;
            if let Site::Tooth {
                number,
                surfaces,
                count,
            } = &line.site
            {
                let too = self
                    .w
                    .segment(b"TOO")
                    .e(b"JP")
                    .e(Digits::new(u64::from(*number)).as_bytes());
                if *count > 0 {
                    let mut written: [&[u8]; 5] = [b""; 5];
                    for (slot, surface) in written.iter_mut().zip(&surfaces[..*count]) {
                        *slot = surface.as_bytes();
                    }
                    too.composite(&written[..*count]);
                }
                too.end()?;
            }
            self.service_date(service, service)?;
            self.line_control_number(pcn.as_bytes(), number)?;
        }
        Ok(())
    }

    /// Draws where a dental procedure was done and its charge.
    fn dental_line(&mut self, procedure: &DentalProcedure, lines: &mut Vec<DentalLine>) {
        let site = match procedure.site {
            ToothSite::Mouth => Site::Mouth,
            ToothSite::Quadrant => {
                let quadrant = *self.rng.pick(data::QUADRANTS);
                Site::Quadrant(quadrant)
            }
            ToothSite::Tooth(group) => {
                let (number, _) = self.tooth(group);
                Site::Tooth {
                    number,
                    surfaces: [""; 5],
                    count: 0,
                }
            }
            ToothSite::Surfaces(group, count) => {
                let (number, all) = self.tooth(group);
                let count = usize::from(count).min(all.len());
                let mut picked = [0; 5];
                self.distinct(all.len(), &mut picked[..count]);
                // Surfaces are written in the usual order (MOD, not DOM).
                picked[..count].sort_unstable();
                let mut surfaces = [""; 5];
                for (slot, &i) in surfaces.iter_mut().zip(&picked[..count]) {
                    *slot = all[i];
                }
                Site::Tooth {
                    number,
                    surfaces,
                    count,
                }
            }
        };
        let cents = self.charge(procedure.dollars);
        lines.push(DentalLine {
            code: procedure.code,
            cents,
            site,
        });
    }

    /// A tooth of `group` and the surfaces it has.
    fn tooth(&mut self, group: TeethGroup) -> (u8, &'static [&'static str]) {
        let anterior = match group {
            TeethGroup::Anterior => true,
            TeethGroup::Any => self.rng.chance(35),
            TeethGroup::Posterior | TeethGroup::Molar => false,
        };
        if anterior {
            (
                *self.rng.pick(data::ANTERIOR_TEETH),
                data::ANTERIOR_SURFACES,
            )
        } else if group == TeethGroup::Molar {
            (*self.rng.pick(data::MOLARS), data::POSTERIOR_SURFACES)
        } else {
            (
                *self.rng.pick(data::POSTERIOR_TEETH),
                data::POSTERIOR_SURFACES,
            )
        }
    }

    /// An HI composite: qualifier, code, and a present-on-admission indicator in
    /// component 9 when given.
    fn diagnosis(&mut self, qualifier: &[u8], code: &str, poa: Option<&'static [u8]>) {
        match poa {
            Some(poa) => self.w.composite(&[
                qualifier,
                code.as_bytes(),
                b"",
                b"",
                b"",
                b"",
                b"",
                b"",
                poa,
            ]),
            None => self.w.composite(&[qualifier, code.as_bytes()]),
        };
    }

    /// A 2310 clinician (rendering `82`, attending `71`) with NPI and a PRV taxonomy.
    fn clinician(&mut self, entity: &[u8], role: &[u8], taxonomy: &str) -> io::Result<()> {
        let name = self.person_name();
        let npi = self.npi();
        self.name(entity, &Name::Person(name), id(b"XX", &npi))?;
        self.w
            .segment(b"PRV")
            .e(role)
            .e(b"PXC")
            .e(taxonomy.as_bytes())
            .end()
    }

    /// DTP*472: one day (D8) or a range (RD8).
    fn service_date(&mut self, from: Day, to: Day) -> io::Result<()> {
        let dtp = self.w.segment(b"DTP").e(b"472");
        if from == to {
            dtp.e(b"D8").e(&from.ccyymmdd());
        } else {
            dtp.e(b"RD8")
                .joined(&[&from.ccyymmdd(), b"-", &to.ccyymmdd()]);
        }
        dtp.end()
    }

    /// REF*6R: the line item control number, unique per line (returned on 277CA and 835).
    fn line_control_number(&mut self, pcn: &[u8], line: u64) -> io::Result<()> {
        self.w
            .segment(b"REF")
            .e(b"6R")
            .joined(&[pcn, Digits::padded(line, 3).as_bytes()])
            .end()
    }

    /// NM1 for an organization or a person, with its id when it has one.
    fn name(&mut self, entity: &[u8], name: &Name, id: Option<(&[u8], &[u8])>) -> io::Result<()> {
        let nm1 = self.w.segment(b"NM1").e(entity);
        match name {
            Name::Organization {
                prefix,
                kind,
                suffix,
            } => {
                nm1.e(b"2");
                let mut parts: [&[u8]; 5] = [prefix.as_bytes(), b"", b"", b"", b""];
                if !kind.is_empty() {
                    parts[1] = b" ";
                    parts[2] = kind.as_bytes();
                }
                if let Some(suffix) = suffix {
                    parts[3] = b" ";
                    parts[4] = suffix.as_bytes();
                }
                nm1.joined(&parts);
                if let Some((qualifier, id)) = id {
                    nm1.skip(4).e(qualifier).e(id);
                }
            }
            Name::Person(person) => {
                nm1.e(b"1")
                    .e(person.last.as_bytes())
                    .e(person.first.as_bytes());
                let middle = person.middle.as_ref().map(std::slice::from_ref);
                match (id, middle) {
                    (Some((qualifier, id)), middle) => {
                        nm1.e(middle.unwrap_or_default()).skip(2).e(qualifier).e(id);
                    }
                    (None, Some(middle)) => {
                        nm1.e(middle);
                    }
                    (None, None) => {}
                }
            }
        }
        nm1.end()
    }

    /// N3 and N4.
    fn address(&mut self, address: &Address) -> io::Result<()> {
        let n3 = self.w.segment(b"N3").joined(&[
            Digits::new(address.number).as_bytes(),
            b" ",
            address.street.as_bytes(),
        ]);
        if let Some(suite) = address.suite {
            n3.e(suite.as_bytes());
        }
        n3.end()?;
        self.w
            .segment(b"N4")
            .e(address.city.as_bytes())
            .e(address.state.as_bytes())
            .e(address.zip())
            .end()
    }

    /// DMG: birth date and gender.
    fn demographics(&mut self, person: &Person) -> io::Result<()> {
        self.w
            .segment(b"DMG")
            .e(b"D8")
            .e(&person.birth.ccyymmdd())
            .e(person.gender)
            .end()
    }

    fn next_hl(&mut self) -> u64 {
        self.hl += 1;
        self.hl
    }

    // --- Drawing entities and values ---

    fn provider(&mut self) -> Provider {
        let practices = match self.options.kind {
            ClaimKind::Professional => data::PRACTICES,
            ClaimKind::Institutional => data::FACILITIES,
            ClaimKind::Dental => data::DENTAL_PRACTICES,
        };
        let practice: &'static Practice = self.rng.weighted(practices);
        // Solo practitioners bill under their own name and NPI.
        let name = if practice.solo && self.rng.chance(15) {
            Name::Person(self.person_name())
        } else {
            let prefix = *self.rng.pick(data::ORG_PREFIXES);
            let suffix = match self.options.kind {
                ClaimKind::Institutional => None,
                _ => *self
                    .rng
                    .weighted(&[(60, None), (20, Some("PC")), (20, Some("LLC"))]),
            };
            Name::Organization {
                prefix,
                kind: practice.name,
                suffix,
            }
        };
        let address = self.random_address(true);
        let npi = self.npi();
        let ein = self.ein();
        Provider {
            name,
            practice,
            npi,
            address,
            ein,
        }
    }

    /// A person aged `min_age..=max_age` years; a relative shares `family`'s last name
    /// (mostly) and address.
    fn person(&mut self, min_age: u64, max_age: u64, family: Option<&Person>) -> Person {
        let mut name = self.person_name();
        if let Some(family) = family
            && self.rng.chance(85)
        {
            name.last = family.name.last;
        }
        let age = self.rng.range(min_age, max_age);
        let birth = self
            .today
            .plus(-((BORN_BEFORE + age * 365 + self.rng.below(365)) as i64));
        let address = match family {
            Some(family) => family.address,
            None => {
                let zip_plus_4 = self.rng.chance(30);
                self.random_address(zip_plus_4)
            }
        };
        Person {
            name,
            gender: if name.female { b"F" } else { b"M" },
            birth,
            address,
        }
    }

    fn person_name(&mut self) -> PersonName {
        let female = self.rng.chance(50);
        let first = if female {
            *self.rng.pick(data::FEMALE_FIRST_NAMES)
        } else {
            *self.rng.pick(data::MALE_FIRST_NAMES)
        };
        let last = *self.rng.pick(data::LAST_NAMES);
        let middle = if self.rng.chance(40) {
            Some(b'A' + self.rng.below(26) as u8)
        } else {
            None
        };
        PersonName {
            last,
            first,
            middle,
            female,
        }
    }

    /// A street address in a real city; billing providers need ZIP+4 (9 digits).
    fn random_address(&mut self, zip_plus_4: bool) -> Address {
        let (city, state, prefix) = *self.rng.pick(data::CITIES);
        let mut zip = [b'0'; 9];
        zip[..3].copy_from_slice(prefix.as_bytes());
        put_digits(&mut zip[3..5], self.rng.range(1, 99));
        let zip_len = if zip_plus_4 {
            put_digits(&mut zip[5..], self.rng.range(1, 9999));
            9
        } else {
            5
        };
        let number = self.rng.range(1, 9899);
        let street = *self.rng.pick(data::STREETS);
        let suite = if self.rng.chance(15) {
            Some(*self.rng.pick(data::SUITES))
        } else {
            None
        };
        Address {
            number,
            street,
            suite,
            city,
            state,
            zip,
            zip_len,
        }
    }

    /// A valid NPI: 1 or 2, eight random digits, the check digit.
    fn npi(&mut self) -> [u8; 10] {
        let mut npi = [b'0'; 10];
        npi[0] = if self.rng.chance(80) { b'1' } else { b'2' };
        put_digits(&mut npi[1..9], self.rng.below(100_000_000));
        // Nine ASCII digits always have a check digit.
        npi[9] = npi::check_digit(&npi[..9]).unwrap_or(b'0');
        npi
    }

    /// An EIN: nine digits with a valid IRS prefix, no hyphen.
    fn ein(&mut self) -> [u8; 9] {
        let mut ein = [b'0'; 9];
        put_digits(&mut ein[..2], *self.rng.pick(EIN_PREFIXES));
        put_digits(&mut ein[2..], self.rng.below(10_000_000));
        ein
    }

    /// A ten-digit telephone number in the fictional 555-0100..555-0199 range.
    fn phone(&mut self) -> [u8; 10] {
        let mut phone = *b"0005550100";
        // NANP area code: first digit 2-9, never N11.
        let mut area =
            self.rng.range(2, 9) * 100 + self.rng.range(0, 8) * 10 + self.rng.range(0, 9);
        if area % 100 == 11 {
            area -= 1;
        }
        put_digits(&mut phone[..3], area);
        put_digits(&mut phone[8..], self.rng.below(100));
        phone
    }

    /// The subscriber's member id: a Medicare Beneficiary Identifier for Medicare Part B,
    /// digits for Medicaid, letters and digits otherwise.
    fn member_id(&mut self, payer: &Payer) -> Code {
        let mut id = Code::default();
        match payer.filing {
            "MB" => {
                // MBI layout: C A AN N A AN N A A N N (C = 1-9, A = letter without
                // S L O I B Z, N = digit, AN = either).
                for slot in b"CAPNAPNAANN" {
                    let byte = match slot {
                        b'C' => b'1' + self.rng.below(9) as u8,
                        b'A' => *self.rng.pick(data::MBI_LETTERS),
                        b'P' => *self.rng.pick(data::MBI_ALPHANUMERIC),
                        _ => b'0' + self.rng.below(10) as u8,
                    };
                    id.push(byte);
                }
            }
            "MC" => {
                for _ in 0..10 {
                    id.push(b'0' + self.rng.below(10) as u8);
                }
            }
            _ => {
                for _ in 0..3 {
                    id.push(b'A' + self.rng.below(26) as u8);
                }
                for _ in 0..9 {
                    id.push(*self.rng.pick(data::ALPHANUMERIC));
                }
            }
        }
        id
    }

    /// SBR03, the group number of employer plans; none for Medicare, Medicaid and
    /// workers' compensation.
    fn group_number(&mut self, payer: &Payer) -> Option<Code> {
        if matches!(payer.filing, "MB" | "16" | "MC" | "WC") {
            return None;
        }
        let mut group = Code::default();
        for _ in 0..self.rng.range(5, 10) {
            group.push(*self.rng.pick(data::ALPHANUMERIC));
        }
        Some(group)
    }

    /// CLM01, the patient control number: 13 base-36 characters of a bijective scramble of
    /// the claim's index, so numbers never repeat within an interchange yet look random.
    fn pcn(&mut self) -> Code {
        let mut n = mix64(self.claims_written ^ self.pcn_key);
        let mut digits = [b'0'; 13];
        for slot in digits.iter_mut().rev() {
            *slot = data::ALPHANUMERIC[(n % 36) as usize];
            n /= 36;
        }
        let mut pcn = Code::default();
        for byte in digits {
            pcn.push(byte);
        }
        pcn
    }

    fn service_day(&mut self) -> Day {
        self.today.plus(-(self.rng.range(1, SERVICE_WINDOW) as i64))
    }

    /// Units for a line: mostly 1.
    fn units(&mut self, max: u64) -> u64 {
        if max <= 1 || self.rng.chance(60) {
            1
        } else {
            self.rng.range(1, max)
        }
    }

    /// A charge per unit in cents: the typical fee, 90% to 125% of it, in whole dollars
    /// most of the time.
    fn charge(&mut self, dollars: u64) -> u64 {
        let cents = dollars * self.rng.range(90, 125);
        if self.rng.chance(15) {
            cents.max(1)
        } else {
            (cents / 100).max(1) * 100
        }
    }

    /// SV107 diagnosis pointers of line `line` (0-based) on a claim with `dx_count`
    /// diagnoses: the first line points at the principal diagnosis first; each line points
    /// at 1 to 4 distinct diagnoses. Returns how many were written to `out`.
    fn pointers(&mut self, line: usize, dx_count: usize, out: &mut [usize; 4]) -> usize {
        let first = if line == 0 {
            1
        } else {
            self.rng.range(1, dx_count as u64) as usize
        };
        out[0] = first;
        let mut count = 1;
        for candidate in 1..=dx_count.min(4) {
            if candidate != first && count < out.len() && self.rng.chance(35) {
                out[count] = candidate;
                count += 1;
            }
        }
        count
    }

    /// Fills `out` with distinct indexes below `len` (as many as fit): each draw that hits
    /// an index already taken moves on to the next free one.
    fn distinct(&mut self, len: usize, out: &mut [usize]) {
        for i in 0..out.len().min(len) {
            let mut candidate = self.rng.below(len as u64) as usize;
            while out[..i].contains(&candidate) {
                candidate = (candidate + 1) % len;
            }
            out[i] = candidate;
        }
    }
}

/// An NM1 id: qualifier (NM108) and value (NM109).
fn id<'a>(qualifier: &'a [u8], value: &'a [u8]) -> Option<(&'a [u8], &'a [u8])> {
    Some((qualifier, value))
}

/// HHMM.
fn hhmm(hour: u64, minute: u64) -> [u8; 4] {
    let mut time = [b'0'; 4];
    put_digits(&mut time[..2], hour);
    put_digits(&mut time[2..], minute);
    time
}

/// `value` right-padded with spaces to the fixed width of an ISA element.
fn padded<const N: usize>(value: &[u8]) -> [u8; N] {
    let mut out = [b' '; N];
    let n = value.len().min(N);
    out[..n].copy_from_slice(&value[..n]);
    out
}

/// A short generated identifier (member id, group number, patient control number) held
/// on the stack.
#[derive(Clone, Copy, Default)]
struct Code {
    buf: [u8; 16],
    len: usize,
}

impl Code {
    fn push(&mut self, byte: u8) {
        if let Some(slot) = self.buf.get_mut(self.len) {
            *slot = byte;
            self.len += 1;
        }
    }

    fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

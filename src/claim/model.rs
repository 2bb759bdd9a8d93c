//! The typed 837 claim: one [`Claim`] per CLM, with everything needed to read it without the
//! rest of the file (its transaction header, submitter, receiver, billing provider, subscriber,
//! patient and payer are repeated in each claim) and to write it back.
//!
//! Conventions, kept the same everywhere so that a claim survives X12 → JSON → X12 → JSON:
//!
//! - Codes, identifiers, amounts and quantities are strings **as written** in the X12
//!   (`"5332.54"`, `"1"`, `"HC"`): amounts keep their exact decimal form and no code list is
//!   second-guessed.
//! - Dates are [`DateValue`]s: a `D8` date becomes ISO 8601 `2011-05-11`, an `RD8` range an
//!   ISO 8601 interval `2011-05-11/2011-05-14`; other formats (`DT`, `TM`) keep their text.
//! - Optional elements are `Option`s and repeated segments `Vec`s; both are left out of the
//!   JSON when absent or empty, and may be left out of a writer's input.
//! - Serialized field names are `snake_case`; every type rejects unknown fields on input so
//!   that a misspelt field in a `write` input is an error, not silently dropped data.

use serde::{Deserialize, Serialize};

/// The model's text: short codes, identifiers, amounts and names, nearly all under 24 bytes,
/// which [`CompactString`](compact_str::CompactString) keeps inline. Extraction builds dozens
/// of them per claim; as `String`s, allocating and freeing them was a quarter of its time.
pub type Text = compact_str::CompactString;

/// Which 837 a claim belongs to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimType {
    /// 837P, `005010X222A1`.
    #[default]
    Professional,
    /// 837I, `005010X223A2`.
    Institutional,
    /// 837D, `005010X224A2`.
    Dental,
}

/// Where an extracted claim came from: the key the submitter uses (ISA13 + GS06 + ST02, with
/// sender and receiver) and the CLM's place in its transaction set. Filled by extraction;
/// a writer uses it only for defaults, and round-trip comparisons leave it out.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// ISA05.
    pub sender_qualifier: Text,
    /// ISA06, padding removed.
    pub sender_id: Text,
    /// ISA07.
    pub receiver_qualifier: Text,
    /// ISA08, padding removed.
    pub receiver_id: Text,
    /// ISA13, the interchange control number.
    pub interchange_control_number: Text,
    /// GS02, the application sender.
    pub application_sender: Text,
    /// GS03, the application receiver.
    pub application_receiver: Text,
    /// GS06, the group control number.
    pub group_control_number: Text,
    /// ST02, the transaction set control number.
    pub transaction_set_control_number: Text,
    /// Position of the CLM in its transaction set (ST = 1).
    pub segment_in_set: u64,
}

/// The transaction set's BHT: shared by every claim of the set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transaction {
    /// BHT02, transaction set purpose (`00` original, `18` reissue).
    pub purpose: Text,
    /// BHT03, the originator's reference.
    pub reference: Text,
    /// BHT04, creation date (ISO 8601 when it is a valid CCYYMMDD).
    pub date: Text,
    /// BHT05, creation time (HHMM, HHMMSS…) as written.
    pub time: Text,
    /// BHT06, `CH` chargeable (claim) or `RP` reporting (encounter).
    pub claim_or_encounter: Text,
}

/// A person or organization: an NM1 and the segments of its loop (N3/N4, DMG, PRV, REF, PER).
/// Submitter, receiver, providers, subscriber, patient and payers are all parties; the entity
/// code (NM101) tells their role.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Party {
    /// NM101, entity identifier code (`85` billing provider, `IL` subscriber, `PR` payer…).
    pub entity: Text,
    /// NM102, `1` person or `2` organization.
    pub entity_type: Text,
    /// NM103, last name or organization name.
    #[serde(default, skip_serializing_if = "Text::is_empty")]
    pub name: Text,
    /// NM104, first name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<Text>,
    /// NM105, middle name or initial.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<Text>,
    /// NM107, name suffix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_suffix: Option<Text>,
    /// NM108, identification code qualifier (`XX` NPI, `MI` member id, `PI` payer id, `46`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_qualifier: Option<Text>,
    /// NM109, the identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Text>,
    /// PRV01, provider code (`BI` billing, `PE` performing, `AT` attending…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_code: Option<Text>,
    /// PRV03, provider taxonomy code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taxonomy: Option<Text>,
    /// N3/N4.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// DMG02, date of birth (ISO 8601 when valid).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<Text>,
    /// DMG03, `F`, `M` or `U`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<Text>,
    /// REF segments of the loop (tax id `EI`, SSN `SY`, secondary ids…).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
    /// PER segments of the loop.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<Contact>,
}

/// N3 and N4.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// N301.
    pub line1: Text,
    /// N302.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<Text>,
    /// N401.
    #[serde(default, skip_serializing_if = "Text::is_empty")]
    pub city: Text,
    /// N402, state or province code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<Text>,
    /// N403, postal code (ZIP or ZIP+4 without a dash, as written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<Text>,
    /// N404, country code (outside the US).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<Text>,
    /// N407, country subdivision code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_subdivision: Option<Text>,
}

/// A PER segment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// PER01, contact function (`IC` information contact).
    pub function: Text,
    /// PER02, the contact's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Text>,
    /// PER03..PER08: up to three numbers, each a qualifier (`TE`, `EM`, `FX`, `EX`) and value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub numbers: Vec<CommunicationNumber>,
}

/// One PER communication number.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommunicationNumber {
    /// `TE` telephone, `EM` e-mail, `FX` fax, `EX` extension.
    pub qualifier: Text,
    /// The number or address.
    pub value: Text,
}

/// A REF segment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    /// REF01, reference identification qualifier (`EI`, `G1`, `F8`, `6R`…).
    pub qualifier: Text,
    /// REF02.
    pub value: Text,
}

/// A DTP segment (or a date element): qualifier, format and value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DateValue {
    /// DTP01, date/time qualifier (`472` service, `434` statement, `435` admission…).
    pub qualifier: Text,
    /// DTP02, `D8`, `RD8`, `DT` or `TM`.
    pub format: Text,
    /// DTP03: ISO 8601 for `D8` (`2011-05-11`) and `RD8` (`2011-05-11/2011-05-14`) when the
    /// dates are eight digits; as written otherwise.
    pub value: Text,
}

/// An AMT segment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmountValue {
    /// AMT01, amount qualifier (`F5` patient paid, `D` payer paid, `EAF`…).
    pub qualifier: Text,
    /// AMT02, as written.
    pub amount: Text,
}

/// An NTE segment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Note {
    /// NTE01, note reference code (`ADD`, `TPO`…).
    pub code: Text,
    /// NTE02.
    pub text: Text,
}

/// One HI composite (C022): a diagnosis or another health care code.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthCode {
    /// C022-01, code list qualifier (`ABK` ICD-10 principal diagnosis, `ABF` other, `BE`
    /// value code…).
    pub qualifier: Text,
    /// C022-02, the code (ICD-10 without the dot, as written).
    pub code: Text,
    /// C022-03, date format qualifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_format: Option<Text>,
    /// C022-04, date or range, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<Text>,
    /// C022-05, monetary amount (value codes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Text>,
    /// C022-06, quantity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Text>,
    /// C022-09, present-on-admission indicator (837I).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub present_on_admission: Option<Text>,
}

/// One claim adjustment (a CAS group code with one reason, amount and quantity). A CAS segment
/// of up to six reasons becomes up to six adjustments with the same group; writing puts
/// consecutive adjustments of one group back into one CAS.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Adjustment {
    /// CAS01, claim adjustment group code (`CO`, `PR`, `OA`, `PI`, `CR`).
    pub group: Text,
    /// CAS02/05/…, adjustment reason code.
    pub reason: Text,
    /// CAS03/06/…, amount.
    pub amount: Text,
    /// CAS04/07/…, quantity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Text>,
}

/// The 2000B subscriber: SBR and the 2010BA loop.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subscriber {
    /// SBR01, payer responsibility sequence (`P`, `S`, `T`…).
    pub payer_responsibility: Text,
    /// SBR02, `18` when the subscriber is the patient; absent when a 2000C patient follows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationship: Option<Text>,
    /// SBR03, group or policy number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_number: Option<Text>,
    /// SBR04, group name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_name: Option<Text>,
    /// SBR05, insurance type code (Medicare secondary).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insurance_type: Option<Text>,
    /// SBR09, claim filing indicator (`CI` commercial, `MB` Medicare Part B, `MC` Medicaid…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_filing: Option<Text>,
    /// 2010BA: the subscriber (NM1*IL) with address, demographics and references.
    pub member: Party,
}

/// The 2000C patient, when the patient is not the subscriber.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Patient {
    /// PAT01, relationship to the subscriber (`01` spouse, `19` child…).
    pub relationship: Text,
    /// 2010CA: the patient (NM1*QC).
    pub person: Party,
}

/// CL1, institutional claim code (837I).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstitutionalCodes {
    /// CL101, admission type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admission_type: Option<Text>,
    /// CL102, admission source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admission_source: Option<Text>,
    /// CL103, patient status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient_status: Option<Text>,
}

/// A 2320 other subscriber information loop with its 2330x parties.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OtherPayer {
    /// SBR01.
    pub payer_responsibility: Text,
    /// SBR02, the patient's relationship to this other subscriber.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationship: Option<Text>,
    /// SBR03.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_number: Option<Text>,
    /// SBR04.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_name: Option<Text>,
    /// SBR05.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insurance_type: Option<Text>,
    /// SBR09.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_filing: Option<Text>,
    /// CAS segments: the other payer's claim-level adjustments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adjustments: Vec<Adjustment>,
    /// AMT segments (`D` payer paid, `EAF` remaining patient liability, `A8` non-covered).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amounts: Vec<AmountValue>,
    /// OI03, benefits assignment certification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub benefits_assigned: Option<Text>,
    /// OI04, patient signature source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient_signature_source: Option<Text>,
    /// OI06, release of information.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_of_information: Option<Text>,
    /// 2330A, the other subscriber (NM1*IL).
    pub subscriber: Party,
    /// 2330B, the other payer (NM1*PR); its DTP (adjudication date) is in `payer_dates`.
    pub payer: Party,
    /// DTP segments of 2330B (`573` claim check or remittance date).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub payer_dates: Vec<DateValue>,
    /// 2330C..2330I, the other payer's provider references.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub providers: Vec<Party>,
}

/// The procedure of a service line (SV101, SV202 or SV301: C003).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Procedure {
    /// C003-01, product/service id qualifier (`HC` HCPCS/CPT, `AD` ADA CDT, `N4` NDC…).
    pub qualifier: Text,
    /// C003-02, the code.
    pub code: Text,
    /// C003-03..06, up to four modifiers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modifiers: Vec<Text>,
    /// C003-07, description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
}

/// TOO, tooth information (837D).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tooth {
    /// TOO01, code list qualifier (`JP` universal national tooth designation).
    pub qualifier: Text,
    /// TOO02, tooth number.
    pub number: Text,
    /// TOO03, tooth surfaces (`M`, `O`, `D`, `B`, `L`…).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub surfaces: Vec<Text>,
}

/// LIN and CTP of 2410: the drug administered on a line.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Drug {
    /// LIN02, `N4` (NDC) and the like.
    pub qualifier: Text,
    /// LIN03, the drug code.
    pub code: Text,
    /// CTP04, quantity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Text>,
    /// CTP05-1, unit (`UN`, `ML`, `GR`, `F2`, `ME`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<Text>,
}

/// A 2430 line adjudication: what another payer did with this line.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineAdjudication {
    /// SVD01, the other payer's identifier (matches a 2330B NM109).
    pub payer_id: Text,
    /// SVD02, amount paid for the line.
    pub paid: Text,
    /// SVD03, the procedure paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub procedure: Option<Procedure>,
    /// SVD05, units paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units: Option<Text>,
    /// SVD06, bundled line number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundled_line: Option<Text>,
    /// CAS segments of the line.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adjustments: Vec<Adjustment>,
    /// DTP segments (`573` adjudication date).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dates: Vec<DateValue>,
    /// AMT segments (`EAF` remaining patient liability).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amounts: Vec<AmountValue>,
}

/// A 2400 service line: LX with SV1 (837P), SV2 (837I) or SV3 (837D) and what follows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceLine {
    /// LX01, the line number as written.
    pub number: Text,
    /// SV201, revenue code (837I).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revenue_code: Option<Text>,
    /// SV101, SV202 or SV301.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub procedure: Option<Procedure>,
    /// SV102, SV203 or SV302: the line charge as written.
    pub charge: Text,
    /// SV103 or SV204, unit basis (`UN` units, `MJ` minutes, `DA` days).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_basis: Option<Text>,
    /// SV104, SV205 or SV306: units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units: Option<Text>,
    /// SV105 or SV303, place of service when it differs from the claim's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place_of_service: Option<Text>,
    /// SV107 or SV311 components: pointers (1-12) to the claim's diagnoses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diagnosis_pointers: Vec<Text>,
    /// SV109, emergency indicator (837P).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emergency: Option<Text>,
    /// SV111, EPSDT indicator (837P).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epsdt: Option<Text>,
    /// SV112, family planning indicator (837P).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_planning: Option<Text>,
    /// SV207, non-covered charge (837I).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub non_covered_charge: Option<Text>,
    /// SV304 components, oral cavity designation (837D).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub oral_cavity: Vec<Text>,
    /// SV305, prosthesis, crown or inlay code (`I` initial, `R` replacement; 837D).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prosthesis: Option<Text>,
    /// TOO segments (837D).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub teeth: Vec<Tooth>,
    /// DTP segments (`472` service date…).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dates: Vec<DateValue>,
    /// REF segments (`6R` line item control number…).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
    /// AMT segments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amounts: Vec<AmountValue>,
    /// NTE segments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
    /// 2410 drug identification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drug: Option<Drug>,
    /// 2420x line providers (rendering `82`, service facility `77`, ordering `DK`…).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub providers: Vec<Party>,
    /// 2430 line adjudications by other payers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adjudications: Vec<LineAdjudication>,
}

/// One 837 claim (a CLM and its 2300 loop) with the context it needs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    /// Professional, institutional or dental.
    #[serde(rename = "type")]
    pub claim_type: ClaimType,
    /// Where it came from (extraction only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// The transaction set's BHT.
    pub transaction: Transaction,
    /// 1000A, the submitter (NM1*41 and PER).
    pub submitter: Party,
    /// 1000B, the receiver (NM1*40).
    pub receiver: Party,
    /// 2000A/2010AA, the billing provider (HL*20, PRV, NM1*85, N3/N4, REF, PER).
    pub billing_provider: Party,
    /// 2010AB, the pay-to address (NM1*87).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_to: Option<Party>,
    /// 2010AC, the pay-to plan (NM1*PE).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_to_plan: Option<Party>,
    /// 2000B/2010BA, the subscriber.
    pub subscriber: Subscriber,
    /// 2010BB, the payer (NM1*PR).
    pub payer: Party,
    /// 2000C/2010CA, the patient when not the subscriber.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient: Option<Patient>,
    /// CLM01, the patient control number (the provider's claim id).
    pub id: Text,
    /// CLM02, the total charge as written.
    pub total_charge: Text,
    /// CLM05-1, place of service (837P/837D) or facility type (837I).
    pub facility_code: Text,
    /// CLM05-2, `B` (place of service) or `A` (UB-04 bill type).
    pub facility_qualifier: Text,
    /// CLM05-3, claim frequency (`1` original, `7` replacement, `8` void).
    pub frequency: Text,
    /// CLM06, provider signature on file (837P/837D).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_signature: Option<Text>,
    /// CLM07, assignment or plan participation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignment: Option<Text>,
    /// CLM08, benefits assignment certification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub benefits_assigned: Option<Text>,
    /// CLM09, release of information.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_of_information: Option<Text>,
    /// CLM10, patient signature source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient_signature_source: Option<Text>,
    /// CLM11 components, related causes (`AA` auto accident, `EM`, `OA`) with CLM11-4 state.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related_causes: Vec<Text>,
    /// CLM12, special program code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub special_program: Option<Text>,
    /// CLM20, delay reason code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_reason: Option<Text>,
    /// 2300 DTP segments (`431` onset, `434` statement, `435` admission, `096` discharge…).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dates: Vec<DateValue>,
    /// CL1 (837I).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub institutional: Option<InstitutionalCodes>,
    /// 2300 AMT segments (`F5` patient amount paid…).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amounts: Vec<AmountValue>,
    /// 2300 REF segments (`G1` prior authorization, `F8` payer claim control number, `D9`…).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
    /// 2300 NTE segments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
    /// HI composites that are diagnoses (qualifiers `ABK`, `ABF`, `ABJ`, `ABN`, `APR`, `BK`,
    /// `BF`, `BJ`, `BN`, `PR`), in the order written; the first is the principal diagnosis.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diagnoses: Vec<HealthCode>,
    /// Every other HI composite (837I procedure `BBR`/`BBQ`, occurrence `BH`, occurrence span
    /// `BI`, value `BE`, condition `BG`, DRG `DR`…), in the order written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub health_codes: Vec<HealthCode>,
    /// 2310x claim providers (referring `DN`, rendering `82`, service facility `77`,
    /// supervising `DQ`, attending `71`, operating `72`, other operating `ZZ`…).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub providers: Vec<Party>,
    /// 2320 other subscribers and payers (coordination of benefits).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_payers: Vec<OtherPayer>,
    /// 2400 service lines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<ServiceLine>,
}

impl Claim {
    /// The claim without its [`Source`]: what a round trip through X12 must preserve.
    pub fn without_source(&self) -> Claim {
        Claim {
            source: None,
            ..self.clone()
        }
    }
}

//! The small lists the generator draws from.
//!
//! People, organizations, payers and streets are invented (common first and last names
//! combined at random, fictitious company names, `555-01xx` telephone numbers); cities,
//! states and ZIP prefixes are real places so addresses look plausible. Diagnosis (ICD-10-CM,
//! written without the decimal point), procedure (CPT/HCPCS, CDT), revenue, place-of-service
//! and taxonomy codes are real code-set values, chosen among the commonly billed ones.
//! Every value is upper-case letters, digits and spaces only.

/// Common US first names, female then male (`DMG03` follows the list half).
pub(crate) const FEMALE_FIRST_NAMES: &[&str] = &[
    "MARY",
    "PATRICIA",
    "JENNIFER",
    "LINDA",
    "ELIZABETH",
    "BARBARA",
    "SUSAN",
    "JESSICA",
    "SARAH",
    "KAREN",
    "LISA",
    "NANCY",
    "BETTY",
    "SANDRA",
    "MARGARET",
    "ASHLEY",
    "KIMBERLY",
    "EMILY",
    "DONNA",
    "MICHELLE",
    "CAROL",
    "AMANDA",
    "MELISSA",
    "DEBORAH",
    "STEPHANIE",
    "REBECCA",
    "LAURA",
    "HELEN",
    "SHARON",
    "CYNTHIA",
    "AMY",
    "ANGELA",
    "ANNA",
    "RUTH",
    "OLIVIA",
    "EMMA",
    "SOPHIA",
    "ISABELLA",
    "MIA",
    "GRACE",
];

/// Common US male first names.
pub(crate) const MALE_FIRST_NAMES: &[&str] = &[
    "JAMES",
    "ROBERT",
    "JOHN",
    "MICHAEL",
    "DAVID",
    "WILLIAM",
    "RICHARD",
    "JOSEPH",
    "THOMAS",
    "CHARLES",
    "CHRISTOPHER",
    "DANIEL",
    "MATTHEW",
    "ANTHONY",
    "MARK",
    "DONALD",
    "STEVEN",
    "PAUL",
    "ANDREW",
    "JOSHUA",
    "KENNETH",
    "KEVIN",
    "BRIAN",
    "GEORGE",
    "TIMOTHY",
    "RONALD",
    "JASON",
    "EDWARD",
    "JEFFREY",
    "RYAN",
    "JACOB",
    "GARY",
    "NICHOLAS",
    "ERIC",
    "LIAM",
    "NOAH",
    "ETHAN",
    "LUCAS",
    "HENRY",
    "OWEN",
];

/// Common US last names.
pub(crate) const LAST_NAMES: &[&str] = &[
    "SMITH",
    "JOHNSON",
    "WILLIAMS",
    "BROWN",
    "JONES",
    "GARCIA",
    "MILLER",
    "DAVIS",
    "RODRIGUEZ",
    "MARTINEZ",
    "HERNANDEZ",
    "LOPEZ",
    "GONZALEZ",
    "WILSON",
    "ANDERSON",
    "THOMAS",
    "TAYLOR",
    "MOORE",
    "JACKSON",
    "MARTIN",
    "LEE",
    "PEREZ",
    "THOMPSON",
    "WHITE",
    "HARRIS",
    "SANCHEZ",
    "CLARK",
    "RAMIREZ",
    "LEWIS",
    "ROBINSON",
    "WALKER",
    "YOUNG",
    "ALLEN",
    "KING",
    "WRIGHT",
    "SCOTT",
    "TORRES",
    "NGUYEN",
    "HILL",
    "FLORES",
    "GREEN",
    "ADAMS",
    "NELSON",
    "BAKER",
    "HALL",
    "RIVERA",
    "CAMPBELL",
    "MITCHELL",
    "CARTER",
    "ROBERTS",
    "PHAM",
    "KIM",
    "PATEL",
    "CHEN",
    "OCONNOR",
];

/// Street names (the number is drawn separately; never a PO box: 2010AA needs a street).
pub(crate) const STREETS: &[&str] = &[
    "MAIN ST",
    "OAK AVE",
    "MAPLE ST",
    "CEDAR LN",
    "PINE ST",
    "ELM ST",
    "WASHINGTON AVE",
    "LAKE DR",
    "HILL RD",
    "PARK AVE",
    "SUNSET BLVD",
    "RIVER RD",
    "CHURCH ST",
    "MILL RD",
    "HIGHLAND AVE",
    "FOREST DR",
    "SPRING ST",
    "MEADOW LN",
    "WILLOW WAY",
    "CHESTNUT ST",
    "FRANKLIN ST",
    "JEFFERSON AVE",
    "LINCOLN RD",
    "COLLEGE AVE",
    "VALLEY VIEW DR",
    "ORCHARD LN",
    "BIRCH CT",
    "HARBOR WAY",
    "PRAIRIE RD",
    "RIDGE RD",
];

/// Second address lines, used now and then.
pub(crate) const SUITES: &[&str] = &["SUITE 100", "SUITE 210", "APT 4B", "UNIT 12", "FLOOR 2"];

/// Real cities with their state and a 3-digit ZIP prefix of that city.
pub(crate) const CITIES: &[(&str, &str, &str)] = &[
    ("SPRINGFIELD", "IL", "627"),
    ("COLUMBUS", "OH", "432"),
    ("AUSTIN", "TX", "787"),
    ("DENVER", "CO", "802"),
    ("PORTLAND", "OR", "972"),
    ("RALEIGH", "NC", "276"),
    ("MADISON", "WI", "537"),
    ("BOISE", "ID", "837"),
    ("SACRAMENTO", "CA", "958"),
    ("ALBANY", "NY", "122"),
    ("NASHVILLE", "TN", "372"),
    ("PHOENIX", "AZ", "850"),
    ("RICHMOND", "VA", "232"),
    ("OMAHA", "NE", "681"),
    ("TAMPA", "FL", "336"),
    ("LOUISVILLE", "KY", "402"),
    ("BOSTON", "MA", "021"),
    ("ATLANTA", "GA", "303"),
    ("MINNEAPOLIS", "MN", "554"),
    ("SALT LAKE CITY", "UT", "841"),
    ("KANSAS CITY", "MO", "641"),
    ("SEATTLE", "WA", "981"),
    ("PITTSBURGH", "PA", "152"),
    ("INDIANAPOLIS", "IN", "462"),
    ("ALBUQUERQUE", "NM", "871"),
    ("BIRMINGHAM", "AL", "352"),
    ("DES MOINES", "IA", "503"),
    ("HARTFORD", "CT", "061"),
    ("LITTLE ROCK", "AR", "722"),
    ("CHARLESTON", "SC", "294"),
];

/// First words of invented organization names.
pub(crate) const ORG_PREFIXES: &[&str] = &[
    "RIVERSIDE",
    "LAKEVIEW",
    "SUMMIT",
    "CEDAR RIDGE",
    "MAPLE GROVE",
    "NORTHSIDE",
    "VALLEY",
    "PINE HILL",
    "HARBOR",
    "MEADOWBROOK",
    "SILVER CREEK",
    "FAIRVIEW",
    "BRIGHTON",
    "OAKWOOD",
    "STONEBRIDGE",
    "WILLOW BEND",
    "EASTGATE",
    "PRAIRIE",
    "CANYON",
    "BAYSHORE",
];

/// A kind of billing provider: its name, billing taxonomy, the taxonomies of the clinicians
/// who render (837P, 837D) or attend (837I) its claims, and for 837P the visits it bills.
pub(crate) struct Practice {
    /// The words after the organization's prefix (`RIVERSIDE` + `FAMILY MEDICINE`).
    pub name: &'static str,
    /// PRV03 of 2000A.
    pub taxonomy: &'static str,
    /// The billing taxonomy is an individual's, so a solo practitioner may bill under it
    /// (NM102 = 1); group and clinic taxonomies need an organization.
    pub solo: bool,
    /// PRV03 of the 2310 rendering or attending provider.
    pub clinicians: &'static [&'static str],
    /// The professional visits it bills, weighted (empty for 837I and 837D).
    pub visits: &'static [(u32, &'static Visit)],
}

/// Primary care clinicians: physicians, nurse practitioners, physician assistants.
const PRIMARY_CARE: &[&str] = &["207Q00000X", "207R00000X", "363LF0000X", "363A00000X"];

/// Professional practices (837P billing providers).
pub(crate) const PRACTICES: &[(u32, Practice)] = &[
    (
        30,
        Practice {
            name: "FAMILY MEDICINE",
            taxonomy: "207Q00000X",
            solo: true,
            clinicians: PRIMARY_CARE,
            visits: &[
                (65, &OFFICE),
                (20, &PREVENTIVE),
                (10, &TELEHEALTH),
                (5, &URGENT),
            ],
        },
    ),
    (
        20,
        Practice {
            name: "INTERNAL MEDICINE",
            taxonomy: "207R00000X",
            solo: true,
            clinicians: PRIMARY_CARE,
            visits: &[(65, &OFFICE), (20, &PREVENTIVE), (15, &TELEHEALTH)],
        },
    ),
    (
        15,
        Practice {
            name: "MEDICAL GROUP",
            taxonomy: "193200000X",
            solo: false,
            clinicians: PRIMARY_CARE,
            visits: &[
                (50, &OFFICE),
                (15, &PREVENTIVE),
                (10, &TELEHEALTH),
                (10, &URGENT),
                (15, &THERAPY),
            ],
        },
    ),
    (
        10,
        Practice {
            name: "PRIMARY CARE CLINIC",
            taxonomy: "261QP2300X",
            solo: false,
            clinicians: PRIMARY_CARE,
            visits: &[(60, &OFFICE), (25, &PREVENTIVE), (15, &TELEHEALTH)],
        },
    ),
    (
        10,
        Practice {
            name: "URGENT CARE",
            taxonomy: "261QU0200X",
            solo: false,
            clinicians: &["207Q00000X", "363LF0000X", "363A00000X"],
            visits: &[(100, &URGENT)],
        },
    ),
    (
        8,
        Practice {
            name: "PHYSICAL THERAPY",
            taxonomy: "225100000X",
            solo: true,
            clinicians: &["225100000X"],
            visits: &[(100, &THERAPY)],
        },
    ),
    (
        7,
        Practice {
            name: "EMERGENCY PHYSICIANS",
            taxonomy: "207P00000X",
            solo: false,
            clinicians: &["207P00000X", "363A00000X"],
            visits: &[(100, &EMERGENCY)],
        },
    ),
];

/// Hospitals (837I billing providers); the clinicians are attending physicians.
pub(crate) const FACILITIES: &[(u32, Practice)] = &[
    (30, facility("REGIONAL HOSPITAL", "282N00000X")),
    (30, facility("MEDICAL CENTER", "282N00000X")),
    (20, facility("COMMUNITY HOSPITAL", "282NC0060X")),
    (20, facility("MEMORIAL HOSPITAL", "282N00000X")),
];

const fn facility(name: &'static str, taxonomy: &'static str) -> Practice {
    Practice {
        name,
        taxonomy,
        solo: false,
        clinicians: &["207R00000X", "207P00000X", "207Q00000X"],
        visits: &[],
    }
}

/// Dental practices (837D billing providers); the clinicians are rendering dentists.
pub(crate) const DENTAL_PRACTICES: &[(u32, Practice)] = &[
    (40, dental("FAMILY DENTISTRY", "1223G0001X")),
    (30, dental("DENTAL GROUP", "122300000X")),
    (30, dental("DENTAL ASSOCIATES", "122300000X")),
];

const fn dental(name: &'static str, taxonomy: &'static str) -> Practice {
    Practice {
        name,
        taxonomy,
        solo: true,
        clinicians: &["1223G0001X", "122300000X"],
        visits: &[],
    }
}

/// Invented payers: name, payer id (NM109 with NM108 `PI`), claim filing indicator
/// (SBR09), and whether dependents are covered (Medicare and Medicaid cover individuals, so
/// their patient is always the subscriber).
pub(crate) struct Payer {
    pub name: &'static str,
    pub id: &'static str,
    pub filing: &'static str,
    pub dependents: bool,
}

/// Payers for medical claims (837P and 837I).
pub(crate) const MEDICAL_PAYERS: &[(u32, Payer)] = &[
    (
        30,
        Payer {
            name: "NORTHWIND HEALTH PLAN",
            id: "NWHP1",
            filing: "CI",
            dependents: true,
        },
    ),
    (
        20,
        Payer {
            name: "CONTOSO BLUE",
            id: "CBL01",
            filing: "BL",
            dependents: true,
        },
    ),
    (
        10,
        Payer {
            name: "FABRIKAM HMO",
            id: "FAB22",
            filing: "HM",
            dependents: true,
        },
    ),
    (
        15,
        Payer {
            name: "LITWARE MEDICARE PART B",
            id: "LMB01",
            filing: "MB",
            dependents: false,
        },
    ),
    (
        10,
        Payer {
            name: "TAILSPIN MEDICARE ADVANTAGE",
            id: "TSMA3",
            filing: "16",
            dependents: false,
        },
    ),
    (
        10,
        Payer {
            name: "WOODGROVE MEDICAID",
            id: "WGMCD",
            filing: "MC",
            dependents: false,
        },
    ),
    (
        5,
        Payer {
            name: "ADVENTURE WORKS COMP",
            id: "AWC77",
            filing: "WC",
            dependents: false,
        },
    ),
];

/// Payers for dental claims (837D).
pub(crate) const DENTAL_PAYERS: &[(u32, Payer)] = &[
    (
        40,
        Payer {
            name: "NORTHWIND DENTAL",
            id: "NWD01",
            filing: "CI",
            dependents: true,
        },
    ),
    (
        30,
        Payer {
            name: "CONTOSO DENTAL PPO",
            id: "CDP02",
            filing: "CI",
            dependents: true,
        },
    ),
    (
        15,
        Payer {
            name: "FABRIKAM DENTAL HMO",
            id: "FDH03",
            filing: "HM",
            dependents: true,
        },
    ),
    (
        15,
        Payer {
            name: "WOODGROVE MEDICAID DENTAL",
            id: "WGMDD",
            filing: "MC",
            dependents: false,
        },
    ),
];

/// Letters allowed in a Medicare Beneficiary Identifier (no S, L, O, I, B, Z).
pub(crate) const MBI_LETTERS: &[u8] = b"ACDEFGHJKMNPQRTUVWXY";

/// Letters and digits allowed in the AN positions of an MBI.
pub(crate) const MBI_ALPHANUMERIC: &[u8] = b"ACDEFGHJKMNPQRTUVWXY0123456789";

/// Letters and digits for member ids and patient control numbers.
pub(crate) const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// A kind of professional visit: places of service, the E/M codes billed first, the
/// ancillary services that may follow, and the diagnoses that fit.
pub(crate) struct Visit {
    pub places: &'static [&'static str],
    pub evaluation: &'static [Procedure],
    pub ancillary: &'static [Procedure],
    pub diagnoses: &'static [&'static str],
}

/// A procedure line template.
pub(crate) struct Procedure {
    /// CPT/HCPCS (837P, 837I) or CDT (837D) code.
    pub code: &'static str,
    /// A modifier billed with it, if any (`QW` CLIA-waived test, `GP` therapy plan, ...).
    pub modifier: Option<&'static str>,
    /// Typical charge per unit, in whole dollars.
    pub dollars: u64,
    /// Most units billed on one line.
    pub max_units: u64,
    /// The line makes a separately identifiable E/M line need modifier 25.
    pub needs_25: bool,
}

const fn p(code: &'static str, dollars: u64) -> Procedure {
    Procedure {
        code,
        modifier: None,
        dollars,
        max_units: 1,
        needs_25: false,
    }
}

const fn pm(code: &'static str, modifier: &'static str, dollars: u64, max_units: u64) -> Procedure {
    Procedure {
        code,
        modifier: Some(modifier),
        dollars,
        max_units,
        needs_25: false,
    }
}

const fn p25(code: &'static str, dollars: u64, max_units: u64) -> Procedure {
    Procedure {
        code,
        modifier: None,
        dollars,
        max_units,
        needs_25: true,
    }
}

const OFFICE_EM: &[Procedure] = &[
    p("99212", 85),
    p("99213", 125),
    p("99214", 180),
    p("99215", 250),
    p("99203", 165),
    p("99204", 245),
];

const OFFICE_ANCILLARY: &[Procedure] = &[
    p("36415", 15),
    p("85025", 35),
    p("80053", 55),
    p("80061", 60),
    p("83036", 40),
    p("84443", 45),
    p("81002", 12),
    pm("87880", "QW", 30, 1),
    p("93000", 65),
    p("71046", 95),
    p25("96372", 40, 1),
    p25("20610", 180, 1),
    p25("J1030", 20, 2),
];

const OFFICE_DIAGNOSES: &[&str] = &[
    "J069", "E119", "I10", "M5450", "R519", "E785", "E782", "J029", "J209", "N390", "R051", "F419",
    "F329", "K219", "M25561", "M1711", "E039", "J45909", "R0789", "R109", "I2510", "E1165",
    "G4733", "R739", "H6690", "S93401A",
];

const PREVENTIVE_EM: &[Procedure] = &[
    p("99395", 230),
    p("99396", 250),
    p("99397", 270),
    p("99385", 245),
    p("G0439", 210),
];

const PREVENTIVE_ANCILLARY: &[Procedure] = &[
    p("36415", 15),
    p("80053", 55),
    p("80061", 60),
    p("85025", 35),
    p("90686", 35),
    p("90471", 25),
    p("83036", 40),
];

const PREVENTIVE_DIAGNOSES: &[&str] = &["Z0000", "Z0001", "Z23", "Z1231", "E785", "I10"];

const URGENT_EM: &[Procedure] = &[p("99213", 150), p("99214", 210), p("S9083", 175)];

const URGENT_ANCILLARY: &[Procedure] = &[
    pm("87880", "QW", 30, 1),
    pm("87804", "QW", 35, 1),
    p("81002", 12),
    p("73610", 85),
    p("71046", 95),
    p25("96372", 40, 1),
];

const URGENT_DIAGNOSES: &[&str] = &[
    "J069", "J029", "J209", "R051", "H6690", "S93401A", "N390", "R509", "J0190",
];

const EMERGENCY_EM: &[Procedure] = &[p("99283", 320), p("99284", 520), p("99285", 780)];

const EMERGENCY_ANCILLARY: &[Procedure] = &[p("93010", 35), p("71045", 40), p("12002", 260)];

const EMERGENCY_DIAGNOSES: &[&str] = &[
    "R0789", "R109", "S93401A", "R55", "J45909", "N390", "R0602", "S0990XA",
];

const TELEHEALTH_EM: &[Procedure] = &[p("99212", 80), p("99213", 120), p("99214", 170)];

const TELEHEALTH_DIAGNOSES: &[&str] = &["F419", "F329", "I10", "E119", "J069", "R051"];

const THERAPY_EM: &[Procedure] = &[pm("97161", "GP", 140, 1), pm("97110", "GP", 45, 4)];

const THERAPY_ANCILLARY: &[Procedure] = &[
    pm("97110", "GP", 45, 4),
    pm("97140", "GP", 42, 3),
    pm("97530", "GP", 48, 3),
    pm("97112", "GP", 46, 2),
];

const THERAPY_DIAGNOSES: &[&str] = &["M5450", "M25561", "M1711", "S93401A"];

const OFFICE: Visit = Visit {
    places: &["11"],
    evaluation: OFFICE_EM,
    ancillary: OFFICE_ANCILLARY,
    diagnoses: OFFICE_DIAGNOSES,
};

const PREVENTIVE: Visit = Visit {
    places: &["11"],
    evaluation: PREVENTIVE_EM,
    ancillary: PREVENTIVE_ANCILLARY,
    diagnoses: PREVENTIVE_DIAGNOSES,
};

const URGENT: Visit = Visit {
    places: &["20"],
    evaluation: URGENT_EM,
    ancillary: URGENT_ANCILLARY,
    diagnoses: URGENT_DIAGNOSES,
};

const EMERGENCY: Visit = Visit {
    places: &["23"],
    evaluation: EMERGENCY_EM,
    ancillary: EMERGENCY_ANCILLARY,
    diagnoses: EMERGENCY_DIAGNOSES,
};

/// Telehealth: 10 in the patient's home, 02 elsewhere.
const TELEHEALTH: Visit = Visit {
    places: &["10", "02"],
    evaluation: TELEHEALTH_EM,
    ancillary: &[],
    diagnoses: TELEHEALTH_DIAGNOSES,
};

const THERAPY: Visit = Visit {
    places: &["11"],
    evaluation: THERAPY_EM,
    ancillary: THERAPY_ANCILLARY,
    diagnoses: THERAPY_DIAGNOSES,
};

/// An institutional revenue line: revenue code, HCPCS when the line carries one, unit
/// basis (`UN` units, `DA` days), typical charge per unit in dollars, most units.
pub(crate) struct RevenueLine {
    pub revenue: &'static str,
    pub hcpcs: Option<&'static str>,
    pub basis: &'static str,
    pub dollars: u64,
    pub max_units: u64,
}

const fn rev(
    revenue: &'static str,
    hcpcs: Option<&'static str>,
    dollars: u64,
    max_units: u64,
) -> RevenueLine {
    RevenueLine {
        revenue,
        hcpcs,
        basis: "UN",
        dollars,
        max_units,
    }
}

/// Outpatient revenue lines (type of bill 13x, 85x).
pub(crate) const OUTPATIENT_LINES: &[RevenueLine] = &[
    rev("0450", Some("99284"), 1450, 1),
    rev("0456", Some("99213"), 340, 1),
    rev("0300", Some("80053"), 210, 1),
    rev("0301", Some("82565"), 95, 1),
    rev("0305", Some("85025"), 120, 1),
    rev("0320", Some("71046"), 380, 1),
    rev("0350", Some("70450"), 2400, 1),
    rev("0730", Some("93005"), 260, 1),
    rev("0636", Some("J2405"), 45, 4),
    rev("0250", None, 35, 6),
    rev("0260", Some("96374"), 420, 1),
    rev("0510", Some("G0463"), 310, 1),
];

/// Inpatient ancillary revenue lines (type of bill 11x); room and board is added apart.
pub(crate) const INPATIENT_LINES: &[RevenueLine] = &[
    rev("0250", None, 85, 20),
    rev("0258", None, 60, 10),
    rev("0270", None, 140, 8),
    rev("0300", None, 210, 6),
    rev("0320", None, 380, 2),
    rev("0410", None, 260, 6),
    rev("0730", None, 260, 2),
    rev("0942", None, 150, 3),
];

/// Room-and-board revenue codes with a daily rate in dollars (billed in days, `DA`).
pub(crate) const ROOM_AND_BOARD: &[(&str, u64)] = &[("0120", 2400), ("0110", 2900), ("0206", 5200)];

/// Principal diagnoses for inpatient stays.
pub(crate) const INPATIENT_DIAGNOSES: &[&str] = &[
    "J189", "A419", "I5033", "J441", "N179", "I480", "K8000", "I214", "N390", "E1165",
];

/// Diagnoses present on admission as secondary conditions.
pub(crate) const COMORBIDITIES: &[&str] =
    &["I10", "E119", "E785", "N1830", "F17210", "E669", "I2510"];

/// Admitting diagnoses (symptoms).
pub(crate) const ADMITTING_DIAGNOSES: &[&str] = &["R0602", "R509", "R1084", "R0789", "R531"];

/// Principal diagnoses for outpatient hospital visits.
pub(crate) const OUTPATIENT_DIAGNOSES: &[&str] = &[
    "R0789", "R109", "S93401A", "J069", "N390", "R55", "M5450", "R519",
];

/// A dental procedure template: what the tooth designation needs.
pub(crate) struct DentalProcedure {
    pub code: &'static str,
    pub dollars: u64,
    pub site: ToothSite,
}

/// Where a dental procedure is done.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum ToothSite {
    /// The whole mouth (exams, cleanings, full x-rays): no TOO.
    Mouth,
    /// One quadrant (SV304 oral cavity designation).
    Quadrant,
    /// One tooth, no surfaces (crown, extraction, sealant).
    Tooth(TeethGroup),
    /// One tooth and this many surfaces.
    Surfaces(TeethGroup, u8),
}

/// Which permanent teeth a procedure applies to (universal numbering 1-32).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum TeethGroup {
    /// Any erupted permanent tooth except third molars.
    Any,
    /// Incisors and canines: 6-11, 22-27.
    Anterior,
    /// Premolars and molars.
    Posterior,
    /// First and second molars.
    Molar,
}

const fn dp(code: &'static str, dollars: u64, site: ToothSite) -> DentalProcedure {
    DentalProcedure {
        code,
        dollars,
        site,
    }
}

/// Periodic oral evaluation (recall exam).
pub(crate) const PERIODIC_EXAM: DentalProcedure = dp("D0120", 55, ToothSite::Mouth);
/// Comprehensive oral evaluation (new patient).
pub(crate) const COMPREHENSIVE_EXAM: DentalProcedure = dp("D0150", 95, ToothSite::Mouth);
/// Bitewings, four films.
pub(crate) const BITEWINGS: DentalProcedure = dp("D0274", 70, ToothSite::Mouth);
/// Full-mouth series of radiographs.
pub(crate) const FULL_MOUTH_XRAYS: DentalProcedure = dp("D0210", 140, ToothSite::Mouth);
/// Prophylaxis, adult.
pub(crate) const ADULT_CLEANING: DentalProcedure = dp("D1110", 110, ToothSite::Mouth);
/// Prophylaxis, child.
pub(crate) const CHILD_CLEANING: DentalProcedure = dp("D1120", 75, ToothSite::Mouth);
/// Topical fluoride varnish.
pub(crate) const FLUORIDE: DentalProcedure = dp("D1208", 35, ToothSite::Mouth);
/// Sealant, per tooth.
pub(crate) const SEALANT: DentalProcedure = dp("D1351", 50, ToothSite::Tooth(TeethGroup::Molar));

/// Restorative, endodontic, periodontal and surgical dental procedures.
pub(crate) const DENTAL_TREATMENT: &[DentalProcedure] = &[
    dp("D0140", 75, ToothSite::Mouth),
    dp("D0220", 30, ToothSite::Tooth(TeethGroup::Any)),
    dp("D2140", 150, ToothSite::Surfaces(TeethGroup::Posterior, 1)),
    dp("D2150", 185, ToothSite::Surfaces(TeethGroup::Posterior, 2)),
    dp("D2330", 165, ToothSite::Surfaces(TeethGroup::Anterior, 1)),
    dp("D2331", 195, ToothSite::Surfaces(TeethGroup::Anterior, 2)),
    dp("D2391", 180, ToothSite::Surfaces(TeethGroup::Posterior, 1)),
    dp("D2392", 230, ToothSite::Surfaces(TeethGroup::Posterior, 2)),
    dp("D2393", 275, ToothSite::Surfaces(TeethGroup::Posterior, 3)),
    dp("D2740", 1250, ToothSite::Tooth(TeethGroup::Any)),
    dp("D3330", 1150, ToothSite::Tooth(TeethGroup::Molar)),
    dp("D4341", 260, ToothSite::Quadrant),
    dp("D4910", 140, ToothSite::Mouth),
    dp("D7140", 190, ToothSite::Tooth(TeethGroup::Any)),
    dp("D7210", 320, ToothSite::Tooth(TeethGroup::Any)),
];

/// Diagnoses of a dental recall visit.
pub(crate) const DENTAL_EXAM_DIAGNOSES: &[&str] = &["Z0120", "Z0121"];

/// Diagnoses treated by dental procedures.
pub(crate) const DENTAL_DIAGNOSES: &[&str] = &[
    "K0251", "K0252", "K0262", "K0889", "K041", "K0402", "K036", "K0510",
];

/// Oral cavity designation codes for quadrants (upper right, upper left, lower left, lower
/// right).
pub(crate) const QUADRANTS: &[&str] = &["10", "20", "30", "40"];

/// Anterior permanent teeth (universal numbering).
pub(crate) const ANTERIOR_TEETH: &[u8] = &[6, 7, 8, 9, 10, 11, 22, 23, 24, 25, 26, 27];

/// Posterior permanent teeth without third molars.
pub(crate) const POSTERIOR_TEETH: &[u8] =
    &[2, 3, 4, 5, 12, 13, 14, 15, 18, 19, 20, 21, 28, 29, 30, 31];

/// First and second molars.
pub(crate) const MOLARS: &[u8] = &[2, 3, 14, 15, 18, 19, 30, 31];

/// Surfaces of posterior teeth in the usual written order (mesial, occlusal, distal,
/// buccal, lingual).
pub(crate) const POSTERIOR_SURFACES: &[&str] = &["M", "O", "D", "B", "L"];

/// Surfaces of anterior teeth (mesial, incisal, distal, facial, lingual).
pub(crate) const ANTERIOR_SURFACES: &[&str] = &["M", "I", "D", "F", "L"];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::is_data_byte;

    fn all_strings() -> Vec<&'static str> {
        let mut all: Vec<&'static str> = Vec::new();
        all.extend(FEMALE_FIRST_NAMES);
        all.extend(MALE_FIRST_NAMES);
        all.extend(LAST_NAMES);
        all.extend(STREETS);
        all.extend(SUITES);
        all.extend(ORG_PREFIXES);
        for (city, state, zip) in CITIES {
            all.extend([city, state, zip]);
        }
        for (_, payer) in MEDICAL_PAYERS.iter().chain(DENTAL_PAYERS) {
            all.extend([payer.name, payer.id, payer.filing]);
        }
        all.extend(OFFICE_DIAGNOSES);
        all.extend(INPATIENT_DIAGNOSES);
        all.extend(DENTAL_DIAGNOSES);
        all
    }

    #[test]
    fn every_value_stays_in_the_data_alphabet() {
        for value in all_strings() {
            assert!(!value.is_empty());
            assert!(value.bytes().all(is_data_byte), "{value}");
            assert!(!value.contains(['.', '-']), "{value}");
        }
    }

    #[test]
    fn diagnosis_codes_have_the_icd10_shape() {
        let lists: [&[&str]; 12] = [
            OFFICE_DIAGNOSES,
            PREVENTIVE_DIAGNOSES,
            URGENT_DIAGNOSES,
            EMERGENCY_DIAGNOSES,
            TELEHEALTH_DIAGNOSES,
            THERAPY_DIAGNOSES,
            INPATIENT_DIAGNOSES,
            COMORBIDITIES,
            ADMITTING_DIAGNOSES,
            OUTPATIENT_DIAGNOSES,
            DENTAL_DIAGNOSES,
            DENTAL_EXAM_DIAGNOSES,
        ];
        for code in lists.iter().flat_map(|l| l.iter()) {
            let b = code.as_bytes();
            let shape = (3..=7).contains(&b.len())
                && b[0].is_ascii_uppercase()
                && b[1].is_ascii_digit()
                && b[2..]
                    .iter()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
            // External causes (V00-Y99) may not be principal diagnoses.
            assert!(shape && !matches!(b[0], b'V'..=b'Y'), "{code}");
        }
    }

    #[test]
    fn procedure_codes_have_their_shapes() {
        for (_, practice) in PRACTICES {
            assert!(!practice.visits.is_empty() && !practice.clinicians.is_empty());
            for proc in practice
                .visits
                .iter()
                .flat_map(|(_, v)| v.evaluation.iter().chain(v.ancillary))
            {
                assert_eq!(proc.code.len(), 5, "{}", proc.code);
                assert!(proc.max_units >= 1 && proc.dollars > 0);
            }
        }
        let preventive = [
            PERIODIC_EXAM,
            COMPREHENSIVE_EXAM,
            BITEWINGS,
            FULL_MOUTH_XRAYS,
            ADULT_CLEANING,
            CHILD_CLEANING,
            FLUORIDE,
            SEALANT,
        ];
        for proc in preventive.iter().chain(DENTAL_TREATMENT) {
            let b = proc.code.as_bytes();
            assert!(b.len() == 5 && b[0] == b'D' && b[1..].iter().all(u8::is_ascii_digit));
        }
        for line in OUTPATIENT_LINES.iter().chain(INPATIENT_LINES) {
            assert!(line.revenue.len() == 4 && line.revenue.starts_with('0'));
        }
    }
}

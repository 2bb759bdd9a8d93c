//! What the simulated clearinghouse thinks of a payload: our own validator, with default
//! options, decides between a syntax rejection, a business rejection and acceptance (with
//! the 999 our [`Ack999Writer`] writes).
//!
//! Only finding codes and element positions leave this module: never element values.

use std::io;

use crate::ack::{Ack999Writer, AckOptions};
use crate::finding::{Category, Finding, Severity};
use crate::validate::{GroupInfo, InterchangeInfo, Observer, SetResult, ValidateOptions, validate};

/// A business error as the simulator reports it: the finding code and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BusinessError {
    /// The finding code id (`claim-out-of-balance`) or the injected `SIM-EDIT-1`.
    pub code: String,
    /// The segment and element position (`CLM02`), or the segment id.
    pub field: String,
}

/// The simulator's judgement of one payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Malformed, or not one interchange with one transaction set: 400 `INVALID`.
    Invalid {
        /// Syntax findings at error severity.
        errors_count: u64,
        /// Why, when it is not a count of findings.
        message: Option<&'static str>,
    },
    /// Claims break business edits: 200 `ERROR`.
    Business(Vec<BusinessError>),
    /// Accepted, with the 999 text.
    Accepted {
        /// The 999 acknowledgment.
        ack_999: String,
    },
}

/// Forwards everything to a 999 writer and sorts the findings by category.
struct Judge {
    ack: Ack999Writer<Vec<u8>>,
    syntax_errors: u64,
    business: Vec<BusinessError>,
}

impl Judge {
    fn sort<'f>(&mut self, findings: impl Iterator<Item = &'f Finding>) {
        for finding in findings.filter(|f| f.severity == Severity::Error) {
            match finding.category() {
                Category::Syntax => self.syntax_errors += 1,
                Category::Business => self.business.push(BusinessError {
                    code: finding.code.id().to_string(),
                    field: finding
                        .location
                        .reference()
                        .unwrap_or_else(|| "-".to_string()),
                }),
                Category::Transient => {}
            }
        }
    }
}

impl Observer for Judge {
    fn interchange_start(&mut self, info: &InterchangeInfo) -> io::Result<()> {
        self.ack.interchange_start(info)
    }
    fn group_start(&mut self, info: &GroupInfo) -> io::Result<()> {
        self.ack.group_start(info)
    }
    fn transaction(&mut self, result: &SetResult<'_>) -> io::Result<()> {
        self.sort(result.all_findings());
        self.ack.transaction(result)
    }
    fn group_end(
        &mut self,
        info: &GroupInfo,
        declared: Option<u64>,
        found: u64,
        findings: &[Finding],
    ) -> io::Result<()> {
        self.sort(findings.iter());
        self.ack.group_end(info, declared, found, findings)
    }
    fn interchange_end(&mut self, info: &InterchangeInfo, findings: &[Finding]) -> io::Result<()> {
        self.sort(findings.iter());
        self.ack.interchange_end(info, findings)
    }
    fn fatal(&mut self, info: Option<&InterchangeInfo>, findings: &[Finding]) -> io::Result<()> {
        self.sort(findings.iter());
        self.ack.fatal(info, findings)
    }
}

/// Validates `x12` (one interchange holding one transaction set) and judges it.
pub fn judge(x12: &[u8]) -> Verdict {
    let mut judge = Judge {
        ack: Ack999Writer::new(Vec::new(), AckOptions::now()),
        syntax_errors: 0,
        business: Vec::new(),
    };
    let summary = match validate(x12, &ValidateOptions::default(), &mut judge) {
        Ok(summary) => summary,
        // Reading a slice and writing a Vec cannot fail; be a clearinghouse about it anyway.
        Err(_) => {
            return Verdict::Invalid {
                errors_count: 0,
                message: Some("the payload could not be read"),
            };
        }
    };
    if judge.syntax_errors > 0 {
        return Verdict::Invalid {
            errors_count: judge.syntax_errors,
            message: None,
        };
    }
    if summary.interchanges != 1 || summary.transaction_sets != 1 {
        return Verdict::Invalid {
            errors_count: 0,
            message: Some("one interchange holding one transaction set is expected"),
        };
    }
    if !judge.business.is_empty() {
        return Verdict::Business(judge.business);
    }
    Verdict::Accepted {
        ack_999: String::from_utf8_lossy(&judge.ack.into_inner()).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::{ClaimKind, GenOptions, write_interchange};

    fn generated(claims: u64) -> Vec<u8> {
        let mut out = Vec::new();
        let mut options = GenOptions::new(ClaimKind::Professional, claims, 5);
        options.claims_per_transaction = 2;
        write_interchange(&mut out, &options).unwrap();
        out
    }

    #[test]
    fn a_generated_set_is_accepted_with_a_999() {
        let Verdict::Accepted { ack_999 } = judge(&generated(2)) else {
            panic!("accepted");
        };
        assert!(ack_999.starts_with("ISA*"));
        assert!(ack_999.contains("IK5*A"));
    }

    #[test]
    fn two_sets_are_refused() {
        assert!(matches!(
            judge(&generated(3)),
            Verdict::Invalid {
                message: Some(_),
                ..
            }
        ));
    }

    #[test]
    fn garbage_is_a_syntax_rejection() {
        assert!(matches!(
            judge(b"hello"),
            Verdict::Invalid {
                errors_count: 1..,
                ..
            }
        ));
    }
}

//! What a submission attempt's result means, per the raw-X12 claim submission contract:
//! a pure function from what the transport saw to an [`Outcome`].
//!
//! | saw | outcome |
//! |---|---|
//! | 200 `{"status":"SUCCESS"}` | accepted |
//! | 200/400 `{"status":"ERROR","errors":[...]}` | rejected, business (claim edits) |
//! | other 400 | rejected, syntax |
//! | 401, 403, 404 | configuration error: stop the run (not counted by the breaker) |
//! | 409 (same key still processing), 408, 429, 500, 502, 503, 504, other 5xx | transient |
//! | 422 (same key, different body) | conflict, never retried |
//! | connection refused, timeout or reset before the request was sent | transient |
//! | timeout or reset after the request was sent | in doubt |

use std::time::Duration;

use crate::finding::Code;

use super::policy::parse_retry_after;

/// What the transport saw.
#[derive(Clone, Copy, Debug)]
pub enum Seen<'a> {
    /// A response arrived.
    Response {
        /// HTTP status.
        status: u16,
        /// The `Retry-After` header, if any.
        retry_after: Option<&'a str>,
        /// The body.
        body: &'a [u8],
    },
    /// No connection, or it failed before the request was fully sent: nothing arrived.
    NotSent,
    /// The request was sent but no response came (timeout, reset): it may have arrived.
    SentNoResponse,
}

/// What an attempt means for its unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted; the receiver's reference when it gave one.
    Accepted {
        /// Receiver's reference (an id, never claim data).
        reference: Option<String>,
    },
    /// The receiver rejected claims in it: error codes only.
    RejectedBusiness {
        /// The receiver's error codes.
        codes: Vec<String>,
    },
    /// The receiver found the file malformed.
    RejectedSyntax {
        /// HTTP status.
        status: u16,
    },
    /// Credentials or endpoint wrong: stop the run.
    Configuration {
        /// HTTP status.
        status: u16,
    },
    /// The key was already used with another payload.
    Conflict,
    /// Worth retrying (after `retry_after` when the receiver said so).
    Transient {
        /// The finding code (throttled, server error, transport failure).
        code: Code,
        /// The receiver's `Retry-After`.
        retry_after: Option<Duration>,
    },
    /// Sent, outcome unknown.
    InDoubt,
}

/// The receiver's answer body, as far as the contract defines it: only the fields the
/// contract names are kept; anything else (a 999 of a few hundred bytes or more, messages)
/// is skipped without being copied.
#[derive(serde::Deserialize)]
struct Answer<'a> {
    #[serde(borrow, default)]
    status: Option<std::borrow::Cow<'a, str>>,
    #[serde(default)]
    errors: Option<serde_json::Value>,
    #[serde(default)]
    id: Option<serde_json::Value>,
    #[serde(default)]
    reference: Option<serde_json::Value>,
}

impl Answer<'_> {
    /// The answer is `{"status":"ERROR", ...}` (in any case).
    fn is_error(&self) -> bool {
        self.status
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("ERROR"))
    }

    /// The receiver's reference: `id`, or `reference` when there is no `id`.
    fn reference(&self) -> Option<String> {
        self.id
            .as_ref()
            .or(self.reference.as_ref())
            .and_then(|v| v.as_str())
            .filter(|r| r.len() <= 100 && r.bytes().all(|b| b.is_ascii_graphic()))
            .map(str::to_string)
    }
}

/// The answer body when it is a JSON object with a string `status`. A body that repeats a
/// field the contract names is not an answer either (the derive refuses duplicates).
fn body_status(body: &[u8]) -> Option<Answer<'_>> {
    // A JSON array would fill the struct by position: only an object is an answer.
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return None;
    }
    let answer: Answer<'_> = serde_json::from_slice(body).ok()?;
    answer.status.is_some().then_some(answer)
}

/// The error codes of an `{"status":"ERROR","errors":[...]}` body (codes only: an error's
/// description may quote claim data, so it is not kept).
fn error_codes(answer: &Answer<'_>) -> Vec<String> {
    answer
        .errors
        .as_ref()
        .and_then(|e| e.as_array())
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| match e {
                    serde_json::Value::Object(map) => map.get("code").and_then(|c| {
                        c.as_str()
                            .map(str::to_string)
                            .or_else(|| Some(c.to_string()))
                    }),
                    _ => None,
                })
                .filter(|c| c.len() <= 40 && c.bytes().all(|b| b.is_ascii_graphic()))
                .collect()
        })
        .unwrap_or_default()
}

/// Classifies one attempt; `now_unix` resolves an HTTP-date `Retry-After`.
pub fn classify(seen: Seen<'_>, now_unix: i64) -> Outcome {
    let (status, retry_after, body) = match seen {
        Seen::NotSent => {
            return Outcome::Transient {
                code: Code::TransportFailure,
                retry_after: None,
            };
        }
        Seen::SentNoResponse => return Outcome::InDoubt,
        Seen::Response {
            status,
            retry_after,
            body,
        } => (status, retry_after, body),
    };
    let retry_after = retry_after.and_then(|v| parse_retry_after(v, now_unix));
    let parsed = body_status(body);
    match status {
        200..=299 => match parsed {
            Some(answer) if answer.is_error() => Outcome::RejectedBusiness {
                codes: error_codes(&answer),
            },
            Some(answer) => Outcome::Accepted {
                reference: answer.reference(),
            },
            None => Outcome::Accepted { reference: None },
        },
        400 => match parsed {
            Some(answer) if answer.is_error() && !error_codes(&answer).is_empty() => {
                Outcome::RejectedBusiness {
                    codes: error_codes(&answer),
                }
            }
            _ => Outcome::RejectedSyntax { status },
        },
        401 | 403 | 404 => Outcome::Configuration { status },
        409 | 429 => Outcome::Transient {
            code: Code::TransportThrottled,
            retry_after,
        },
        422 => Outcome::Conflict,
        408 | 500..=599 => Outcome::Transient {
            code: Code::TransportServerError,
            retry_after,
        },
        _ => Outcome::RejectedSyntax { status },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, body: &str) -> Outcome {
        classify(
            Seen::Response {
                status,
                retry_after: None,
                body: body.as_bytes(),
            },
            0,
        )
    }

    #[test]
    fn the_contract_table() {
        assert_eq!(
            response(200, r#"{"status":"SUCCESS","id":"abc-1"}"#),
            Outcome::Accepted {
                reference: Some("abc-1".into())
            }
        );
        assert_eq!(
            response(
                200,
                r#"{"status":"ERROR","errors":[{"code":"A7:562","description":"NPI for JANE DOE"}]}"#
            ),
            Outcome::RejectedBusiness {
                codes: vec!["A7:562".into()]
            }
        );
        assert_eq!(
            response(400, r#"{"message":"bad ISA"}"#),
            Outcome::RejectedSyntax { status: 400 }
        );
        assert_eq!(
            response(400, r#"{"status":"ERROR","errors":[{"code":"33"}]}"#),
            Outcome::RejectedBusiness {
                codes: vec!["33".into()]
            }
        );
        for status in [401, 403, 404] {
            assert_eq!(response(status, ""), Outcome::Configuration { status });
        }
        assert_eq!(response(422, ""), Outcome::Conflict);
        for status in [408, 500, 502, 503, 504, 599] {
            assert!(matches!(
                response(status, ""),
                Outcome::Transient {
                    code: Code::TransportServerError,
                    ..
                }
            ));
        }
        for status in [409, 429] {
            assert!(matches!(
                response(status, ""),
                Outcome::Transient {
                    code: Code::TransportThrottled,
                    ..
                }
            ));
        }
        assert!(matches!(
            classify(Seen::NotSent, 0),
            Outcome::Transient {
                code: Code::TransportFailure,
                ..
            }
        ));
        assert_eq!(classify(Seen::SentNoResponse, 0), Outcome::InDoubt);
    }

    #[test]
    fn only_the_named_fields_of_an_object_count() {
        // The simulator's answer carries a 999; it is skipped, the id is kept.
        assert_eq!(
            response(
                200,
                r#"{"ack999":"ISA*00*~GS*FA~","status":"success","reference":"r-2","id":"abc-1"}"#
            ),
            Outcome::Accepted {
                reference: Some("abc-1".into())
            }
        );
        assert_eq!(
            response(200, r#"{"status":"SUCCESS","reference":"r-2"}"#),
            Outcome::Accepted {
                reference: Some("r-2".into())
            }
        );
        // Status in any case, escaped or not.
        assert_eq!(
            response(200, r#"{"status":"\u0045rror","errors":[{"code":7}]}"#),
            Outcome::RejectedBusiness {
                codes: vec!["7".into()]
            }
        );
        // Not an answer: an array in the struct's field order, a non-string status, a
        // repeated status. A 200 without an answer is accepted; a 400 is malformed.
        for body in [
            r#"["ERROR",[{"code":"A"}],null,null]"#,
            r#"{"status":1,"errors":[{"code":"A"}]}"#,
            r#"{"status":"ERROR","status":"ERROR","errors":[{"code":"A"}]}"#,
        ] {
            assert_eq!(
                response(200, body),
                Outcome::Accepted { reference: None },
                "{body}"
            );
            assert_eq!(
                response(400, body),
                Outcome::RejectedSyntax { status: 400 },
                "{body}"
            );
        }
    }

    #[test]
    fn retry_after_is_read_from_the_response() {
        let outcome = classify(
            Seen::Response {
                status: 429,
                retry_after: Some("7"),
                body: b"",
            },
            0,
        );
        assert_eq!(
            outcome,
            Outcome::Transient {
                code: Code::TransportThrottled,
                retry_after: Some(Duration::from_secs(7))
            }
        );
    }

    #[test]
    fn error_descriptions_are_not_kept() {
        let Outcome::RejectedBusiness { codes } = response(
            200,
            r#"{"status":"ERROR","errors":[{"code":"X","description":"JANE DOE 19800101"}]}"#,
        ) else {
            panic!("business rejection");
        };
        assert_eq!(codes, vec!["X".to_string()]);
    }
}

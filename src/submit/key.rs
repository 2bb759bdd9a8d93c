//! The idempotency key of one unit of submission: one transaction set in its envelope.
//!
//! The key is the interchange control number (ISA13, not ISA12: ISA12 is the version,
//! `00501`, and would make every key collide) + GS06 + ST02, scoped by the trading partners
//! (ISA05/ISA06 sender, ISA07/ISA08 receiver, GS02/GS03). It is `v1:` followed by the hex
//! SHA-256 of those fields joined with `|`, so it carries no patient data and fits an HTTP
//! header.

use std::fmt;

use sha2::{Digest, Sha256};

use crate::envelope::TransactionSet;

/// The fields a key is made of, in key order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitKeyFields {
    /// ISA05.
    pub sender_qualifier: Vec<u8>,
    /// ISA06, padding removed.
    pub sender_id: Vec<u8>,
    /// ISA07.
    pub receiver_qualifier: Vec<u8>,
    /// ISA08, padding removed.
    pub receiver_id: Vec<u8>,
    /// GS02.
    pub group_sender: Vec<u8>,
    /// GS03.
    pub group_receiver: Vec<u8>,
    /// ISA13, the interchange control number.
    pub interchange: Vec<u8>,
    /// GS06, the group control number.
    pub group: Vec<u8>,
    /// ST02, the transaction set control number.
    pub transaction: Vec<u8>,
}

impl UnitKeyFields {
    /// The fields of a transaction set read from its envelopes.
    pub fn of(set: &TransactionSet<'_>) -> Self {
        let isa = set.isa();
        let gs = set.gs();
        UnitKeyFields {
            sender_qualifier: isa.sender_qualifier().to_vec(),
            sender_id: isa.sender_id().to_vec(),
            receiver_qualifier: isa.receiver_qualifier().to_vec(),
            receiver_id: isa.receiver_id().to_vec(),
            group_sender: gs.sender().to_vec(),
            group_receiver: gs.receiver().to_vec(),
            interchange: isa.control_number().to_vec(),
            group: gs.control_number().to_vec(),
            transaction: set.control_number().to_vec(),
        }
    }

    /// The key.
    pub fn key(&self) -> UnitKey {
        let mut hasher = Sha256::new();
        let parts = [
            &self.sender_qualifier,
            &self.sender_id,
            &self.receiver_qualifier,
            &self.receiver_id,
            &self.group_sender,
            &self.group_receiver,
            &self.interchange,
            &self.group,
            &self.transaction,
        ];
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                hasher.update(b"|");
            }
            hasher.update(part);
        }
        let digest = hasher.finalize();
        let mut text = String::with_capacity(3 + 64);
        text.push_str("v1:");
        for byte in digest.iter() {
            text.push_str(&format!("{byte:02x}"));
        }
        UnitKey(text)
    }
}

/// An idempotency key (`v1:` + 64 hex digits).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnitKey(String);

impl UnitKey {
    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A key read back from text (a ledger, a command line), if it has the `v1:` form.
    pub fn parse(text: &str) -> Option<UnitKey> {
        let hex = text.strip_prefix("v1:")?;
        (hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        .then(|| UnitKey(text.to_string()))
    }
}

impl fmt::Display for UnitKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Hex SHA-256 of a payload, for the ledger and the audit trail.
pub fn payload_sha256(payload: &[u8]) -> String {
    let digest = Sha256::digest(payload);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> UnitKeyFields {
        UnitKeyFields {
            sender_qualifier: b"ZZ".to_vec(),
            sender_id: b"SENDER".to_vec(),
            receiver_qualifier: b"ZZ".to_vec(),
            receiver_id: b"RECEIVER".to_vec(),
            group_sender: b"S".to_vec(),
            group_receiver: b"R".to_vec(),
            interchange: b"000000001".to_vec(),
            group: b"1".to_vec(),
            transaction: b"0001".to_vec(),
        }
    }

    #[test]
    fn the_key_is_v1_and_a_sha256_of_the_fields() {
        let key = fields().key();
        assert!(key.as_str().starts_with("v1:"));
        assert_eq!(key.as_str().len(), 67);
        assert_eq!(UnitKey::parse(key.as_str()), Some(key.clone()));
        assert_eq!(
            key.as_str()[3..],
            payload_sha256(b"ZZ|SENDER|ZZ|RECEIVER|S|R|000000001|1|0001")
        );
    }

    #[test]
    fn every_field_changes_the_key() {
        let base = fields().key();
        let mut changed = fields();
        changed.transaction = b"0002".to_vec();
        assert_ne!(changed.key(), base);
        let mut changed = fields();
        changed.interchange = b"000000002".to_vec();
        assert_ne!(changed.key(), base);
        let mut changed = fields();
        changed.receiver_id = b"OTHER".to_vec();
        assert_ne!(changed.key(), base);
    }

    #[test]
    fn malformed_keys_are_refused() {
        assert_eq!(UnitKey::parse("v2:00"), None);
        assert_eq!(UnitKey::parse(&format!("v1:{}", "G".repeat(64))), None);
    }
}

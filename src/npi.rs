//! National Provider Identifier (NPI) check digits.
//!
//! An NPI is 10 digits: the first is 1 or 2, the last is a Luhn check digit computed as if
//! the number were prefixed by `80840` (the ISO 7812 card-issuer prefix assigned to US health
//! identifiers). Shared by the synthetic generator, which must only write valid NPIs, and by
//! the validator, which rejects invalid ones (277CA `A7:562`).

/// The Luhn sum of the prefix `80840`, digits doubled as they would be in a 15-digit number:
/// 8 + (0·2) + 8 + (4·2 → 8) + 0 = 24.
const PREFIX_80840_SUM: u32 = 24;

/// The check digit for the first nine digits of an NPI, as an ASCII digit (`b'0'..=b'9'`);
/// `None` unless `first9` is exactly nine ASCII digits.
///
/// The rule (CMS, "NPI check digit"): Luhn over the nine digits, doubling every other digit
/// starting with the rightmost one, plus the constant 24 that stands for the `80840`
/// prefix; the check digit brings the total to a multiple of 10.
///
/// ```
/// use x12pipe::npi::check_digit;
///
/// assert_eq!(check_digit(b"123456789"), Some(b'3'));
/// assert_eq!(check_digit(b"12345678"), None);
/// ```
pub fn check_digit(first9: &[u8]) -> Option<u8> {
    if first9.len() != 9 {
        return None;
    }
    // One pass that both checks the digits and sums them; the rightmost digit (index 8)
    // and every other one before it (the even indexes) are doubled.
    let mut sum = PREFIX_80840_SUM;
    for (i, &b) in first9.iter().enumerate() {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        sum += u32::from(if i % 2 == 0 {
            DOUBLED[usize::from(d)]
        } else {
            d
        });
    }
    let check = (10 - sum % 10) % 10;
    Some(b'0' + check as u8)
}

/// A digit doubled as Luhn adds it: the digits of the product (12 → 1 + 2 = 3, i.e. 12 − 9).
const DOUBLED: [u8; 10] = [0, 2, 4, 6, 8, 1, 3, 5, 7, 9];

/// True when `npi` is a well-formed NPI: ten ASCII digits, the first 1 or 2, the last the
/// check digit of the other nine (see [`check_digit`]).
///
/// ```
/// use x12pipe::npi::is_valid;
///
/// assert!(is_valid(b"1234567893"));
/// assert!(!is_valid(b"1234567890")); // wrong check digit
/// assert!(!is_valid(b"3234567891")); // NPIs start with 1 or 2
/// ```
pub fn is_valid(npi: &[u8]) -> bool {
    npi.len() == 10 && matches!(npi[0], b'1' | b'2') && check_digit(&npi[..9]) == Some(npi[9])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cms_example_is_valid() {
        assert_eq!(check_digit(b"123456789"), Some(b'3'));
        assert!(is_valid(b"1234567893"));
        assert!(!is_valid(b"1234567890"));
    }

    #[test]
    fn npis_checked_by_an_independent_implementation_are_valid() {
        // Check digits computed separately (a short Python Luhn with the 80840 prefix).
        for npi in [
            &b"1245319599"[..],
            b"1679576722",
            b"1003000126",
            b"2000000002",
        ] {
            assert!(is_valid(npi), "{}", String::from_utf8_lossy(npi));
        }
    }

    #[test]
    fn every_other_check_digit_is_rejected() {
        for last in b'0'..=b'9' {
            let mut npi = *b"1245319599";
            npi[9] = last;
            assert_eq!(is_valid(&npi), last == b'9');
        }
    }

    #[test]
    fn shape_is_checked_before_the_digit() {
        assert!(!is_valid(b""));
        assert!(!is_valid(b"123456789")); // 9 digits
        assert!(!is_valid(b"12345678930")); // 11 digits
        assert!(!is_valid(b"0234567893")); // starts with 0
        assert!(!is_valid(b"12345678A3"));
        assert_eq!(check_digit(b"1234567A9"), None);
        assert_eq!(check_digit(b"1234567890"), None);
    }

    #[test]
    fn matches_luhn_over_the_prefixed_fifteen_digits() {
        // Plain Luhn over "80840" + 9 digits + check must be a multiple of 10.
        fn luhn_ok(digits: &[u8]) -> bool {
            let sum: u32 = digits
                .iter()
                .rev()
                .enumerate()
                .map(|(i, &b)| {
                    let d = u32::from(b - b'0');
                    if i % 2 == 1 {
                        let x = d * 2;
                        if x > 9 { x - 9 } else { x }
                    } else {
                        d
                    }
                })
                .sum();
            sum.is_multiple_of(10)
        }
        let mut n: u64 = 100_000_000;
        while n < 300_000_000 {
            let first9 = format!("{n:09}");
            let check = check_digit(first9.as_bytes()).map(char::from);
            let full = format!("80840{first9}{}", check.unwrap_or('x'));
            assert!(luhn_ok(full.as_bytes()), "{full}");
            n += 7_654_321;
        }
    }
}

//! The tracking number and query password a reporter gets on submitting (no account): the
//! number names the report, the password proves the holder may see it. The password carries
//! about 79 bits of chance (16 characters from 31), so it cannot be guessed even without the
//! throttle; only its SHA-256, bound to the number, is stored.

use sha2::{Digest, Sha256};

use crate::error::AppError;

/// Characters of a password: capitals and digits without the easily confused 0 O 1 I L.
const ALPHABET: &[u8; 31] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
const PASSWORD_LEN: usize = 16;

fn random_bytes<const N: usize>() -> Result<[u8; N], AppError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| AppError::internal(format!("random source: {e}")))?;
    Ok(b)
}

/// A new tracking number for a report received on `day`: its kind's letters, the date and eight
/// random digits (JB2026120512345678). The database's unique index decides a rare collision.
pub fn new_number(kind: super::flow::Kind, day: chrono::NaiveDate) -> Result<String, AppError> {
    let letters = match kind {
        super::flow::Kind::Report => "JB",
        super::flow::Kind::Complaint => "TS",
    };
    numbered(letters, day)
}

/// A number of `letters`, the date and eight random digits: the public's handle on anything it
/// files (a report, an objection), kept with a password.
pub fn numbered(letters: &str, day: chrono::NaiveDate) -> Result<String, AppError> {
    let b = random_bytes::<8>()?;
    let n = u64::from_le_bytes(b) % 100_000_000;
    Ok(format!("{letters}{}{n:08}", day.format("%Y%m%d")))
}

/// A new query password, as shown: four groups of four (ABCD-EFGH-JKMN-PQRS).
pub fn new_password() -> Result<String, AppError> {
    let mut out = String::with_capacity(PASSWORD_LEN + 3);
    let mut taken = 0;
    // Rejection sampling keeps every character equally likely (248 = 8 × 31).
    while taken < PASSWORD_LEN {
        for b in random_bytes::<32>()? {
            if taken == PASSWORD_LEN {
                break;
            }
            if b < 248 {
                if taken > 0 && taken % 4 == 0 {
                    out.push('-');
                }
                out.push(char::from(ALPHABET[usize::from(b % 31)]));
                taken += 1;
            }
        }
    }
    Ok(out)
}

/// A tracking number as typed: spaces dropped, letters in capitals.
pub fn normalise_number(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase()
}

/// A password as typed: capitals, without spaces and dashes.
fn normalise_password(raw: &str) -> String {
    raw.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_uppercase()
}

/// What is stored of a password: SHA-256 of the number and the password.
pub fn digest(number: &str, password: &str) -> String {
    let mut h = Sha256::new();
    h.update(normalise_number(number).as_bytes());
    h.update(b"\n");
    h.update(normalise_password(password).as_bytes());
    crate::domain::hex(&h.finalize())
}

/// Whether `password` matches the stored digest, in time independent of where they differ.
pub fn matches(number: &str, password: &str, stored: &str) -> bool {
    let got = digest(number, password);
    got.len() == stored.len()
        && got
            .bytes()
            .zip(stored.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_is_sixteen_characters_of_the_alphabet() {
        let p = new_password().expect("password");
        assert_eq!(p.len(), 19);
        assert_eq!(p.matches('-').count(), 3);
        assert!(
            p.chars()
                .filter(|c| *c != '-')
                .all(|c| ALPHABET.contains(&(c as u8)))
        );
        assert_ne!(p, new_password().expect("password"));
    }

    #[test]
    fn a_number_names_the_kind_and_the_day() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 5).expect("date");
        let n = new_number(super::super::flow::Kind::Report, day).expect("number");
        assert!(n.starts_with("JB20261205"), "{n}");
        assert_eq!(n.len(), 18);
        assert!(n[2..].chars().all(|c| c.is_ascii_digit()));
    }

    #[test]
    fn a_password_matches_as_typed_and_only_for_its_number() {
        let stored = digest("JB2026120512345678", "ABCD-EFGH-JKMN-PQRS");
        assert!(matches(
            "jb2026120512345678 ",
            "abcd efgh jkmn pqrs",
            &stored
        ));
        assert!(!matches(
            "JB2026120512345679",
            "ABCD-EFGH-JKMN-PQRS",
            &stored
        ));
        assert!(!matches(
            "JB2026120512345678",
            "ABCD-EFGH-JKMN-PQRT",
            &stored
        ));
        assert!(!matches("JB2026120512345678", "", &stored));
    }
}

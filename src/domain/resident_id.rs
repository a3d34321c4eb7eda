//! Resident identity card number (居民身份证号码, GB 11643-1999).
//!
//! Layout: 6-digit address code, 8-digit birth date `YYYYMMDD`, 3-digit
//! sequence code (odd = male, even = female) and a check character
//! (`0`–`9` or `X`) computed from the first 17 digits with ISO 7064 MOD 11-2.
//!
//! The number is personal data. This type deliberately has no `Display` and
//! no serde implementations; `Debug` prints the masked form. Use
//! [`ResidentId::as_str`] where the full number is really required.

use std::fmt;

use chrono::{Datelike, NaiveDate};

use super::FieldError;

/// Weights for the first 17 digits (`2^(18-i) mod 11`).
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// Check character for `sum mod 11`.
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

const LEN: usize = 18;
const MIN_BIRTH_YEAR: i32 = 1900;

const MSG_REQUIRED: &str = "请填写身份证号码";
const MSG_FORMAT: &str = "身份证号码应为18位，最后一位可以是X";
const MSG_BIRTH_DATE: &str = "身份证号码中的出生日期无效";
const MSG_CHECKSUM: &str = "身份证号码校验位不正确，请核对";

/// A validated 18-character resident identity card number (upper-case `X`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ResidentId(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Problem {
    Empty,
    Format,
    BirthDate,
    Checksum,
}

impl ResidentId {
    /// Parses a number: surrounding whitespace is trimmed and a trailing
    /// lower-case `x` is normalised to `X`. The birth date must be a real
    /// calendar date in `1900-01-01..=today`.
    pub fn parse(raw: &str, today: NaiveDate) -> Option<Self> {
        Self::check(raw, today).ok()
    }

    /// Like [`ResidentId::parse`], but reports a [`FieldError`] for `field`:
    /// `required` (blank), `invalid_format` (length/characters, or an
    /// impossible birth date, each with its own message) or
    /// `invalid_checksum`.
    pub fn field(field: &str, raw: &str, today: NaiveDate) -> Result<Self, FieldError> {
        Self::check(raw, today).map_err(|problem| match problem {
            Problem::Empty => FieldError::new(field, "required", MSG_REQUIRED),
            Problem::Format => FieldError::new(field, "invalid_format", MSG_FORMAT),
            Problem::BirthDate => FieldError::new(field, "invalid_format", MSG_BIRTH_DATE),
            Problem::Checksum => FieldError::new(field, "invalid_checksum", MSG_CHECKSUM),
        })
    }

    /// The full, unmasked number. Avoid logging or displaying it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The birth date encoded in positions 7–14.
    pub fn birth_date(&self) -> NaiveDate {
        // Validated at construction; the fallback is unreachable.
        birth_date_of(self.0.as_bytes()).unwrap_or_default()
    }

    /// Whether the sequence code (position 17) is odd.
    pub fn is_male(&self) -> bool {
        self.0.as_bytes()[16] % 2 == 1
    }

    /// The first 6 and last 4 characters with the 8 in between replaced by
    /// `*`, e.g. `411502********123X`: the region stays visible, the birth
    /// date does not.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..6], &self.0[14..])
    }

    fn check(raw: &str, today: NaiveDate) -> Result<Self, Problem> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(Problem::Empty);
        }
        let id = trimmed.to_ascii_uppercase();
        let bytes = id.as_bytes();
        if bytes.len() != LEN
            || !bytes[..LEN - 1].iter().all(u8::is_ascii_digit)
            || !(bytes[LEN - 1].is_ascii_digit() || bytes[LEN - 1] == b'X')
        {
            return Err(Problem::Format);
        }
        match birth_date_of(bytes) {
            Some(date) if date.year() >= MIN_BIRTH_YEAR && date <= today => {}
            _ => return Err(Problem::BirthDate),
        }
        if check_char(&bytes[..LEN - 1]) != bytes[LEN - 1] {
            return Err(Problem::Checksum);
        }
        Ok(ResidentId(id))
    }
}

/// Parses positions 7–14 (`YYYYMMDD`) of an ASCII-digit number.
fn birth_date_of(bytes: &[u8]) -> Option<NaiveDate> {
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        bytes.get(range)?.iter().try_fold(0u32, |acc, &b| {
            b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
        })
    };
    let year = i32::try_from(number(6..10)?).ok()?;
    NaiveDate::from_ymd_opt(year, number(10..12)?, number(12..14)?)
}

/// The check character for the first 17 ASCII digits.
fn check_char(digits: &[u8]) -> u8 {
    let sum: u32 = digits
        .iter()
        .zip(WEIGHTS)
        .map(|(&digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    // `sum % 11` is always a valid index into the 11-entry table.
    CHECK_CHARS[(sum % 11) as usize]
}

/// Prints only the masked form, so the number does not leak into logs.
impl fmt::Debug for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ResidentId").field(&self.masked()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn today() -> NaiveDate {
        date(2025, 6, 15)
    }

    fn with_check(body: &str) -> String {
        assert_eq!(body.len(), 17);
        format!("{body}{}", check_char(body.as_bytes()) as char)
    }

    #[test]
    fn weights_are_powers_of_two_mod_11() {
        for (i, weight) in WEIGHTS.iter().enumerate() {
            assert_eq!(*weight, (1u32 << (17 - i)) % 11);
        }
    }

    #[test]
    fn standard_example_is_valid() {
        // 1*7+1*9+0*10+1*5+0*8+5*4+1*2+9*1+4*6+9*3+1*7+2*9+3*10+1*5+0*8+0*4+2*2
        // = 167; 167 mod 11 = 2 -> 'X'.
        let id = ResidentId::parse("11010519491231002X", today()).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.birth_date(), date(1949, 12, 31));
        assert!(!id.is_male());
        assert_eq!(id.masked(), "110105********002X");
    }

    #[test]
    fn lower_case_x_is_normalised() {
        let id = ResidentId::parse(" 11010519491231002x ", today()).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
    }

    #[test]
    fn sex_follows_sequence_parity() {
        let male = with_check("41150219900101123");
        let female = with_check("41150219900101122");
        assert!(ResidentId::parse(&male, today()).unwrap().is_male());
        assert!(!ResidentId::parse(&female, today()).unwrap().is_male());
    }

    #[test]
    fn masked_hides_birth_date_and_debug_is_masked() {
        let raw = with_check("41150219900101123");
        let id = ResidentId::parse(&raw, today()).unwrap();
        let masked = id.masked();
        assert_eq!(masked.len(), 18);
        assert!(masked.starts_with("411502********123"));
        assert!(!masked.contains("19900101"));
        let debug = format!("{id:?}");
        assert_eq!(debug, format!("ResidentId({masked:?})"));
        assert!(!debug.contains(&raw));
    }

    #[test]
    fn leap_days() {
        for (body, ok) in [
            ("11010520000229001", true),  // 2000: divisible by 400
            ("11010520240229001", true),  // 2024: divisible by 4
            ("11010519000229001", false), // 1900: divisible by 100, not 400
            ("11010520230229001", false), // 2023: not a leap year
            ("11010520230230001", false),
        ] {
            let raw = with_check(body);
            match ResidentId::field("id", &raw, today()) {
                Ok(id) => {
                    assert!(ok, "{raw} should be rejected");
                    assert_eq!(id.birth_date().day(), 29);
                }
                Err(err) => {
                    assert!(!ok, "{raw} should be accepted");
                    assert_eq!(err.code, "invalid_format");
                    assert_eq!(err.message, MSG_BIRTH_DATE);
                }
            }
        }
    }

    #[test]
    fn birth_date_bounds() {
        let today = today();
        let on_today = with_check("11010520250615001");
        assert!(ResidentId::parse(&on_today, today).is_some());
        let tomorrow = with_check("11010520250616001");
        let err = ResidentId::field("id", &tomorrow, today).unwrap_err();
        assert_eq!(
            (err.code.as_str(), err.message.as_str()),
            ("invalid_format", MSG_BIRTH_DATE)
        );
        assert!(ResidentId::parse(&tomorrow, date(2025, 6, 16)).is_some());

        assert!(ResidentId::parse(&with_check("11010519000101001"), today).is_some());
        assert!(ResidentId::parse(&with_check("11010518991231001"), today).is_none());
        assert!(ResidentId::parse(&with_check("11010519901301001"), today).is_none());
        assert!(ResidentId::parse(&with_check("11010519900100001"), today).is_none());
    }

    #[test]
    fn field_errors() {
        let err = ResidentId::field("id_number", "  ", today()).unwrap_err();
        assert_eq!(
            (err.field.as_str(), err.code.as_str()),
            ("id_number", "required")
        );

        for bad in [
            "11010519491231002",
            "11010519491231002XX",
            "1101051949123100XX",
            "X1010519491231002X",
            "11010519491231002Y",
            "１1010519491231002X",
            "110105194912310 2X",
        ] {
            let err = ResidentId::field("id_number", bad, today()).unwrap_err();
            assert_eq!(err.code, "invalid_format", "{bad}");
            assert_eq!(err.message, MSG_FORMAT, "{bad}");
        }

        let err = ResidentId::field("id_number", "110105194912310021", today()).unwrap_err();
        assert_eq!(err.code, "invalid_checksum");
        assert_eq!(err.message, MSG_CHECKSUM);
    }

    /// Valid numbers with birth dates between 1900-01-01 and `today()`.
    fn valid_id() -> impl Strategy<Value = String> {
        let first = date(1900, 1, 1).num_days_from_ce();
        let last = today().num_days_from_ce();
        (0u32..1_000_000, first..=last, 0u32..1000).prop_map(|(address, days, sequence)| {
            let birth = NaiveDate::from_num_days_from_ce_opt(days).unwrap();
            with_check(&format!(
                "{address:06}{}{sequence:03}",
                birth.format("%Y%m%d")
            ))
        })
    }

    proptest! {
        #[test]
        fn generated_ids_are_accepted(raw in valid_id()) {
            let id = ResidentId::parse(&raw, today()).unwrap();
            prop_assert_eq!(id.as_str(), raw.as_str());
            prop_assert_eq!(id.birth_date().format("%Y%m%d").to_string(), &raw[6..14]);
            prop_assert_eq!(&id.masked()[14..], &raw[14..]);
        }

        #[test]
        fn single_digit_change_is_rejected(
            raw in valid_id(),
            position in 0usize..17,
            digit in b'0'..=b'9',
        ) {
            prop_assume!(raw.as_bytes()[position] != digit);
            let mut mutated = raw.into_bytes();
            mutated[position] = digit;
            let mutated = String::from_utf8(mutated).unwrap();
            prop_assert!(ResidentId::parse(&mutated, today()).is_none());
            // Outside the birth date the failure is always the checksum.
            if !(6..14).contains(&position) {
                let err = ResidentId::field("id", &mutated, today()).unwrap_err();
                prop_assert_eq!(err.code, "invalid_checksum");
            }
        }
    }
}

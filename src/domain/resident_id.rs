//! Resident identity card number (居民身份证号码, GB 11643-1999).
//!
//! Layout: 6-digit address code, 8-digit birth date `YYYYMMDD`, 3-digit
//! sequence code (odd = male, even = female) and a check character
//! (`0`–`9` or `X`) computed from the first 17 digits with ISO 7064 MOD 11-2.
//!
//! The address code (GB 11643-1999 §5.1, 常住户口所在县（市、旗、区）的行政区划代码)
//! must be a code that GB/T 2260 carries or once carried: a number keeps the
//! code of the place where it was first issued, so abolished codes (e.g.
//! 110103, 北京市崇文区 until 2010) stay valid. The table is
//! `data/gbt2260.txt`, derived from python-stdnum's `cn/loc.dat` by
//! `data/gbt2260.py` (see there for the source and version). The birth date
//! must be a calendar date in `1900-01-01..=today`, where `today` is the
//! operation's date, passed in by the caller.
//!
//! The number is personal data. This type deliberately has no `Display` and
//! no serde implementations; `Debug` prints the masked form. Use
//! [`ResidentId::as_str`] where the full number is really required.

use std::fmt;
use std::sync::LazyLock;

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
const MSG_ADDRESS: &str = "身份证号码的地址码不是GB/T 2260中的行政区划代码";
const MSG_BIRTH_DATE: &str = "身份证号码中的出生日期无效";
const MSG_BIRTH_EARLY: &str = "身份证号码中的出生日期早于1900年";
const MSG_BIRTH_FUTURE: &str = "身份证号码中的出生日期晚于今天";

/// GB/T 2260 address codes, current and abolished, one per line with its name
/// (`#` starts a comment line). See `data/gbt2260.py`.
pub(crate) const GBT2260: &str = include_str!("data/gbt2260.txt");

/// The codes of [`GBT2260`], sorted, for binary search.
static ADDRESS_CODES: LazyLock<Vec<u32>> = LazyLock::new(|| {
    let mut codes: Vec<u32> = GBT2260
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_whitespace().next()?.parse().ok())
        .collect();
    codes.sort_unstable();
    codes.dedup();
    codes
});

/// Whether `code` (six ASCII digits) is or was a GB/T 2260 code.
pub(crate) fn is_address_code(code: &[u8]) -> bool {
    code.len() == 6
        && std::str::from_utf8(code)
            .ok()
            .and_then(|s| s.parse::<u32>().ok())
            .is_some_and(|n| ADDRESS_CODES.binary_search(&n).is_ok())
}
const MSG_CHECKSUM: &str = "身份证号码校验位不正确，请核对";

/// A validated 18-character resident identity card number (upper-case `X`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ResidentId(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Problem {
    Empty,
    Format,
    Address,
    BirthDate,
    BirthTooEarly,
    BirthInFuture,
    Checksum,
}

impl ResidentId {
    /// Parses a number: surrounding whitespace is trimmed and a trailing
    /// lower-case `x` is normalised to `X`. The address code must be a GB/T
    /// 2260 code (current or abolished) and the birth date a real calendar
    /// date in `1900-01-01..=today`; `today` is the operation's date.
    pub fn parse(raw: &str, today: NaiveDate) -> Option<Self> {
        Self::check(raw, today).ok()
    }

    /// Like [`ResidentId::parse`], but reports a [`FieldError`] for `field`:
    /// `required` (blank), `invalid_format` (length/characters, an unknown
    /// address code, an impossible, pre-1900 or future birth date, each with
    /// its own message) or `invalid_checksum`.
    pub fn field(field: &str, raw: &str, today: NaiveDate) -> Result<Self, FieldError> {
        Self::check(raw, today).map_err(|problem| match problem {
            Problem::Empty => FieldError::new(field, "required", MSG_REQUIRED),
            Problem::Format => FieldError::new(field, "invalid_format", MSG_FORMAT),
            Problem::Address => FieldError::new(field, "invalid_format", MSG_ADDRESS),
            Problem::BirthDate => FieldError::new(field, "invalid_format", MSG_BIRTH_DATE),
            Problem::BirthTooEarly => FieldError::new(field, "invalid_format", MSG_BIRTH_EARLY),
            Problem::BirthInFuture => FieldError::new(field, "invalid_format", MSG_BIRTH_FUTURE),
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
        if !is_address_code(&bytes[..6]) {
            return Err(Problem::Address);
        }
        match birth_date_of(bytes) {
            None => return Err(Problem::BirthDate),
            Some(date) if date.year() < MIN_BIRTH_YEAR => return Err(Problem::BirthTooEarly),
            Some(date) if date > today => return Err(Problem::BirthInFuture),
            Some(_) => {}
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
            ("invalid_format", MSG_BIRTH_FUTURE)
        );
        // `today` is the caller's: the same number is valid a day later.
        assert!(ResidentId::parse(&tomorrow, date(2025, 6, 16)).is_some());

        assert!(ResidentId::parse(&with_check("11010519000101001"), today).is_some());
        let err = ResidentId::field("id", &with_check("11010518991231001"), today).unwrap_err();
        assert_eq!(
            (err.code.as_str(), err.message.as_str()),
            ("invalid_format", MSG_BIRTH_EARLY)
        );
        for impossible in [
            "11010519901301001",
            "11010519900100001",
            "11010519900230001",
        ] {
            let err = ResidentId::field("id", &with_check(impossible), today).unwrap_err();
            assert_eq!(err.message, MSG_BIRTH_DATE, "{impossible}");
        }
    }

    #[test]
    fn address_code_table_is_well_formed() {
        let lines: Vec<&str> = GBT2260
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| {
                // A code, one space, its name.
                let (code, name) = l.split_once(' ').expect("code and name");
                assert!(!name.is_empty() && !name.contains([' ', '[', ',']), "{l}");
                code
            })
            .collect();
        assert!(
            lines
                .iter()
                .all(|l| l.len() == 6 && l.bytes().all(|b| b.is_ascii_digit()))
        );
        assert!(
            lines.windows(2).all(|w| w[0] < w[1]),
            "sorted, no duplicates"
        );
        assert_eq!(ADDRESS_CODES.len(), lines.len());
        // The header states the count the generator wrote.
        let header = GBT2260.lines().next().unwrap();
        assert!(
            header.contains(&format!(": {} codes.", lines.len())),
            "{header}"
        );
        // Every province-level code of GB/T 2260, and nothing outside 11–82.
        for province in [
            11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50,
            51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
        ] {
            assert!(ADDRESS_CODES.contains(&(province * 10_000)), "{province}");
        }
        assert!(
            ADDRESS_CODES
                .iter()
                .all(|&c| (110_000..830_000).contains(&c))
        );
    }

    #[test]
    fn address_codes_current_and_abolished() {
        let today = today();
        for (address, known) in [
            ("110105", true),  // 北京市朝阳区 (the standard's example)
            ("411502", true),  // 信阳市浉河区
            ("110103", true),  // 北京市崇文区, abolished 2010
            ("110104", true),  // 北京市宣武区, abolished 2010
            ("110000", true),  // 北京市 itself
            ("810000", true),  // 香港特别行政区
            ("100000", false), // the national code of GB 32100, not in GB/T 2260
            ("110188", false),
            ("119999", false),
            ("000000", false),
            ("999999", false),
        ] {
            let raw = with_check(&format!("{address}19800101001"));
            match ResidentId::field("id", &raw, today) {
                Ok(_) => assert!(known, "{address} should be refused"),
                Err(err) => {
                    assert!(!known, "{address} should be accepted");
                    assert_eq!(
                        (err.code.as_str(), err.message.as_str()),
                        ("invalid_format", MSG_ADDRESS)
                    );
                }
            }
        }
    }

    /// The sample in `data/stdnum_ric.tsv` with python-stdnum 2.2's verdict
    /// (see `data/stdnum_fixture.py`). stdnum also refuses a code that was
    /// not in force in the birth year; we accept any code GB/T 2260 ever
    /// carried (`place` with `known` = 1), since the code is that of the
    /// place of issue, which may be decades after birth. Otherwise we agree,
    /// naming the first problem in our order (address, date, checksum).
    #[test]
    fn cross_check_with_python_stdnum() {
        let today = today(); // every birth date in the sample is before 2025
        let fixture = include_str!("data/stdnum_ric.tsv");
        let mut rows = 0;
        for line in fixture.lines().filter(|l| !l.starts_with('#')) {
            let [number, verdict, known] = line.split('\t').collect::<Vec<_>>()[..] else {
                panic!("bad fixture line {line:?}");
            };
            let known = known == "1";
            assert_eq!(is_address_code(&number.as_bytes()[..6]), known, "{line}");
            let ours = ResidentId::field("id", number, today).map_err(|e| e.message);
            match verdict {
                "ok" => assert!(ours.is_ok(), "{line}"),
                "place" if known => assert!(ours.is_ok(), "{line}"),
                _ if !known => assert_eq!(ours.unwrap_err(), MSG_ADDRESS, "{line}"),
                "date" => assert_eq!(ours.unwrap_err(), MSG_BIRTH_DATE, "{line}"),
                "checksum" => {
                    let message = ours.unwrap_err();
                    assert!(
                        message == MSG_CHECKSUM || message == MSG_BIRTH_DATE,
                        "{line}"
                    );
                }
                _ => panic!("unexpected verdict in {line:?}"),
            }
            rows += 1;
        }
        assert_eq!(rows, 300);
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
        let addresses = prop::sample::select(ADDRESS_CODES.clone());
        (addresses, first..=last, 0u32..1000).prop_map(|(address, days, sequence)| {
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
            // After the birth date the failure is always the checksum; in the
            // address code it is the checksum or an unknown address code.
            let err = ResidentId::field("id", &mutated, today()).unwrap_err();
            if position >= 14 {
                prop_assert_eq!(err.code, "invalid_checksum");
            } else if position < 6 {
                prop_assert!(
                    err.code == "invalid_checksum" || err.message == MSG_ADDRESS,
                    "{:?}", err
                );
            }
        }
    }
}

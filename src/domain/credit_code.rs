//! Unified social credit code (统一社会信用代码, GB 32100-2015).
//!
//! Layout of the 18 characters (1-based positions):
//!
//! | position | meaning                         | accepted here                 |
//! |----------|---------------------------------|-------------------------------|
//! | 1        | registration authority (登记管理部门) | `1`–`9`, `A`, `N`, `Y`   |
//! | 2        | organisation category (机构类别)  | `1`–`9`, `Y`                  |
//! | 3–8      | administrative division (行政区划码) | six digits                |
//! | 9–17     | organisation code (组织机构代码)  | any symbol of the alphabet    |
//! | 18       | check character                 | any symbol of the alphabet    |
//!
//! Position 1: GB 32100-2015 itself defines `1` (机构编制), `5` (民政), `9`
//! (工商/市场监管) and `Y` (其他). Further authorities were assigned later and
//! appear on real certificates (e.g. `2` 外交, `3` 司法, `4` 文化, `6` 旅游,
//! `7` 宗教, `8` 工会, `A` 中央军委改革和编制办公室, `N` 农业农村). We accept the
//! union `[1-9ANY]`; anything else is a format error. Positions 9–17 are *not*
//! re-validated as a GB 11714 organisation code, because codes issued to
//! individual businesses and other entities carry arbitrary symbols there.
//!
//! Alphabet (31 symbols, value = index): `0123456789ABCDEFGHJKLMNPQRTUWXY`
//! (no `I`, `O`, `Z`, `S`, `V`). Check: weights `3^(i-1) mod 31` for
//! `i = 1..=17`, check value `(31 - Σ value·weight mod 31) mod 31`.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::FieldError;

/// The 31-symbol alphabet; a symbol's value is its index.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weights `3^(i-1) mod 31` for positions `i = 1..=17`.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

const LEN: usize = 18;

const MSG_REQUIRED: &str = "请填写统一社会信用代码";
const MSG_FORMAT: &str = "统一社会信用代码应为18位数字或大写字母（不含I、O、Z、S、V）";
const MSG_CHECKSUM: &str = "统一社会信用代码校验位不正确，请核对";

/// A validated unified social credit code: 18 upper-case ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CreditCode(String);

/// Why a raw string is not a credit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Problem {
    Empty,
    Format,
    Checksum,
}

impl CreditCode {
    /// Parses a code: surrounding whitespace is trimmed and ASCII letters are
    /// upper-cased. Full-width characters (e.g. `９１`) are rejected.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::check(raw).ok()
    }

    /// Like [`CreditCode::parse`], but reports a [`FieldError`] for `field`:
    /// `required` (blank), `invalid_format` (length, alphabet, structure) or
    /// `invalid_checksum` (well-formed but the 18th character is wrong).
    pub fn field(field: &str, raw: &str) -> Result<Self, FieldError> {
        Self::check(raw).map_err(|problem| match problem {
            Problem::Empty => FieldError::new(field, "required", MSG_REQUIRED),
            Problem::Format => FieldError::new(field, "invalid_format", MSG_FORMAT),
            Problem::Checksum => FieldError::new(field, "invalid_checksum", MSG_CHECKSUM),
        })
    }

    /// The normalised code (18 upper-case characters).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The administrative division code (行政区划码, positions 3–8).
    pub fn region_code(&self) -> &str {
        &self.0[2..8]
    }

    fn check(raw: &str) -> Result<Self, Problem> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(Problem::Empty);
        }
        let code = trimmed.to_ascii_uppercase();
        let bytes = code.as_bytes();
        // Non-ASCII (including full-width) characters fail the alphabet test
        // below; checking the byte length first is therefore sufficient.
        if bytes.len() != LEN {
            return Err(Problem::Format);
        }
        let mut values = [0u32; LEN];
        for (slot, &byte) in values.iter_mut().zip(bytes) {
            *slot = symbol_value(byte).ok_or(Problem::Format)?;
        }
        if !matches!(bytes[0], b'1'..=b'9' | b'A' | b'N' | b'Y')
            || !matches!(bytes[1], b'1'..=b'9' | b'Y')
            || !bytes[2..8].iter().all(u8::is_ascii_digit)
        {
            return Err(Problem::Format);
        }
        if check_value(&values[..LEN - 1]) != values[LEN - 1] {
            return Err(Problem::Checksum);
        }
        Ok(CreditCode(code))
    }
}

/// The value (alphabet index) of an upper-case ASCII symbol.
fn symbol_value(byte: u8) -> Option<u32> {
    ALPHABET
        .iter()
        .position(|&symbol| symbol == byte)
        .and_then(|index| u32::try_from(index).ok())
}

/// The check value for the values of the first 17 characters.
fn check_value(values: &[u32]) -> u32 {
    let sum: u32 = values
        .iter()
        .zip(WEIGHTS)
        .map(|(value, weight)| value * weight)
        .sum();
    (31 - sum % 31) % 31
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for CreditCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Serialises as the plain 18-character string.
impl Serialize for CreditCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// Deserialises from a string, applying the same validation as `parse`.
impl<'de> Deserialize<'de> for CreditCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        CreditCode::check(&raw).map_err(|problem| {
            serde::de::Error::custom(match problem {
                Problem::Checksum => MSG_CHECKSUM,
                Problem::Empty | Problem::Format => MSG_FORMAT,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error as ValueError, StrDeserializer};

    /// Appends the computed check character to a 17-character body.
    fn with_check(body: &str) -> String {
        let values: Vec<u32> = body.bytes().map(|b| symbol_value(b).unwrap()).collect();
        assert_eq!(values.len(), 17);
        let check = ALPHABET[check_value(&values) as usize] as char;
        format!("{body}{check}")
    }

    #[test]
    fn weights_are_powers_of_three_mod_31() {
        let mut w = 1u32;
        for expected in WEIGHTS {
            assert_eq!(w, expected);
            w = w * 3 % 31;
        }
    }

    #[test]
    fn alphabet_has_31_symbols_without_i_o_z_s_v() {
        assert_eq!(ALPHABET.len(), 31);
        for banned in *b"IOZSV" {
            assert!(!ALPHABET.contains(&banned));
        }
    }

    /// Published code strings whose check characters were verified by hand
    /// (see the worked sums) and by this implementation. Ownership of the
    /// codes is not asserted here, only their arithmetic.
    #[test]
    fn accepts_published_codes() {
        // 9 1 1 1 0 0 0 0 8 0 2 1 0 0 4 3 3:
        // 9+3+9+27+0+0+0+0+160+0+50+13+0+0+40+90+84 = 485; 485 mod 31 = 20;
        // 31-20 = 11 -> 'B'.
        assert!(CreditCode::parse("91110000802100433B").is_some());
        // 9 1 3 5 0 1 0 0 M(21) 0 0 0 1 0 0 Y(30) 4:
        // 9+3+27+135+0+26+0+0+420+0+0+0+8+0+0+900+112 = 1640;
        // 1640 mod 31 = 28; 31-28 = 3 -> '3'.
        assert!(CreditCode::parse("91350100M000100Y43").is_some());
        // 9 1 4 4 0 3 0 0 7 0 8 4 6 1 1 3 6:
        // 9+3+36+108+0+78+0+0+140+0+200+52+48+24+10+90+168 = 966;
        // 966 mod 31 = 5; 31-5 = 26 -> 'T'.
        assert!(CreditCode::parse("91440300708461136T").is_some());
    }

    #[test]
    fn constructed_codes_round_trip() {
        for body in [
            "91110108MA01ABCDE",
            "11100000000013127",
            "52440000G1234567X",
            "Y1310115A0000000W",
            "N2320583MA1MXXXXX",
        ] {
            let full = with_check(body);
            let code = CreditCode::parse(&full).unwrap();
            assert_eq!(code.as_str(), full);
            assert_eq!(code.to_string(), full);
            assert_eq!(CreditCode::parse(code.as_str()), Some(code.clone()));
            assert_eq!(code.region_code(), &body[2..8]);
        }
    }

    #[test]
    fn region_code_is_positions_3_to_8() {
        let code = CreditCode::parse("91440300708461136T").unwrap();
        assert_eq!(code.region_code(), "440300");
    }

    #[test]
    fn lower_case_and_whitespace_are_normalised() {
        let code = CreditCode::parse("  91110000802100433b\t").unwrap();
        assert_eq!(code.as_str(), "91110000802100433B");
        let code = CreditCode::parse("91350100m000100y43").unwrap();
        assert_eq!(code.as_str(), "91350100M000100Y43");
    }

    #[test]
    fn rejects_full_width_characters() {
        assert!(CreditCode::parse("９1110000802100433B").is_none());
        assert!(CreditCode::parse("91110000802100433Ｂ").is_none());
        let err = CreditCode::field("code", "９１１１００００８０２１００４３３Ｂ").unwrap_err();
        assert_eq!(err.code, "invalid_format");
    }

    #[test]
    fn field_errors_distinguish_causes() {
        let err = CreditCode::field("credit_code", "   ").unwrap_err();
        assert_eq!(err.field, "credit_code");
        assert_eq!(err.code, "required");

        for bad in [
            "91110000802100433",   // 17 characters
            "91110000802100433BB", // 19 characters
            "91110000802100433I",  // I is not in the alphabet
            "9111000080210043SB",  // S is not in the alphabet
            "01110000802100433B",  // authority 0
            "B1110000802100433B",  // authority B is not accepted
            "90110000802100433B",  // category 0
            "911A0000802100433B",  // non-digit region code
            "91110000-02100433B",  // punctuation
        ] {
            let err = CreditCode::field("credit_code", bad).unwrap_err();
            assert_eq!(err.code, "invalid_format", "{bad}");
            assert_eq!(err.message, MSG_FORMAT);
        }

        let err = CreditCode::field("credit_code", "91110000802100433C").unwrap_err();
        assert_eq!(err.code, "invalid_checksum");
        assert_eq!(err.message, MSG_CHECKSUM);
    }

    #[test]
    fn serde_deserialises_with_validation() {
        let ok: StrDeserializer<'_, ValueError> = "91110000802100433b".into_deserializer();
        assert_eq!(
            CreditCode::deserialize(ok).unwrap().as_str(),
            "91110000802100433B"
        );
        let bad: StrDeserializer<'_, ValueError> = "91110000802100433C".into_deserializer();
        assert!(CreditCode::deserialize(bad).is_err());
    }

    fn symbol() -> impl Strategy<Value = u8> {
        prop::sample::select(ALPHABET.to_vec())
    }

    /// Bodies (first 17 characters) satisfying the structural rules.
    fn body() -> impl Strategy<Value = String> {
        (
            prop::sample::select(b"123456789ANY".to_vec()),
            prop::sample::select(b"123456789Y".to_vec()),
            prop::collection::vec(b'0'..=b'9', 6),
            prop::collection::vec(symbol(), 9),
        )
            .prop_map(|(authority, category, region, org)| {
                let mut bytes = vec![authority, category];
                bytes.extend(region);
                bytes.extend(org);
                String::from_utf8(bytes).unwrap()
            })
    }

    proptest! {
        #[test]
        fn generated_codes_are_accepted(body in body()) {
            let full = with_check(&body);
            let code = CreditCode::parse(&full.to_ascii_lowercase());
            prop_assert_eq!(code.map(|c| c.0), Some(full));
        }

        #[test]
        fn single_substitution_breaks_checksum(
            body in body(),
            position in 0usize..17,
            replacement in symbol(),
        ) {
            let original = body.as_bytes()[position];
            prop_assume!(replacement != original);
            let full = with_check(&body);
            let mut mutated = full.clone().into_bytes();
            mutated[position] = replacement;
            let mutated = String::from_utf8(mutated).unwrap();

            // The checksum itself no longer matches...
            let values: Vec<u32> =
                mutated.bytes().take(17).map(|b| symbol_value(b).unwrap()).collect();
            let expected = symbol_value(full.as_bytes()[17]).unwrap();
            prop_assert_ne!(check_value(&values), expected);
            // ...so the mutated code is rejected (as a checksum error, unless
            // the substitution also broke the structural rules).
            prop_assert!(CreditCode::parse(&mutated).is_none());
            let err = CreditCode::field("c", &mutated).unwrap_err();
            prop_assert!(err.code == "invalid_checksum" || err.code == "invalid_format");
        }

        #[test]
        fn wrong_check_character_is_a_checksum_error(
            body in body(),
            replacement in symbol(),
        ) {
            let full = with_check(&body);
            prop_assume!(replacement != full.as_bytes()[17]);
            let mut mutated = full.into_bytes();
            mutated[17] = replacement;
            let mutated = String::from_utf8(mutated).unwrap();
            let err = CreditCode::field("c", &mutated).unwrap_err();
            prop_assert_eq!(err.code, "invalid_checksum");
        }
    }
}

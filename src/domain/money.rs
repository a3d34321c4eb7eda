//! Money amounts in 分 (fen, 1/100 yuan), stored as integers only.
//!
//! Accepted input for [`Fen::parse_yuan`] (after trimming whitespace):
//! an optional currency sign `¥` (U+00A5) or `￥` (U+FFE5, the sign most
//! Chinese keyboards produce), ASCII digits with optional thousands
//! separators `,` placed every three digits, an optional `.` followed by one
//! or two digits, and an optional trailing `元`. An amount may also be given in
//! 万元 as officials write it in reports: `12万`, `12.5万元`, `1,280万` (up to
//! six decimals, to the fen). Full-width digits, signs, exponents, leading
//! zeros (`007`) and more decimals than the unit allows are rejected.
//!
//! [`Fen::chinese_upper`] follows the PBOC rules for filling in bills
//! (《正确填写票据和结算凭证的基本规定》): `整` is appended only when the amount
//! ends at 元 (no 角 and no 分), e.g. `壹拾元伍角`; a single `零` stands for a
//! run of zeros; when 角 is zero but 分 is not, `零` follows `元`
//! (`壹万元零柒分`); where the rules make `零` optional (元 digit zero but 角
//! non-zero, or zeros ending a 万/亿 section followed by a non-zero 仟 digit)
//! it is omitted (`壹仟陆佰捌拾元叁角贰分`, `壹拾万柒仟元整`). Leading tens are
//! written in full (`壹拾`). Amounts below one yuan omit `零元` (`伍角陆分`).
//! No `人民币` prefix is added.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::FieldError;

/// Largest accepted amount in yuan: 10^13 (十万亿元).
const MAX_YUAN: i64 = 10_000_000_000_000;

const MSG_REQUIRED: &str = "请填写金额";
const MSG_FORMAT: &str = "金额格式不正确，如 12345.67、1,280,000 或 12万（元），最多两位小数";
const MSG_RANGE: &str = "金额不能超过10万亿元";

const DIGITS_UPPER: [&str; 10] = ["零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"];

/// A non-negative amount in fen, at most 10^13 yuan. Serialises as the
/// integer number of fen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fen(i64);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Problem {
    Empty,
    Format,
    Range,
}

impl Fen {
    /// Zero fen.
    pub const ZERO: Fen = Fen(0);
    /// The largest representable amount: 10^13 yuan.
    pub const MAX: Fen = Fen(MAX_YUAN * 100);

    /// An amount of `fen` fen, if it lies within `0..=Fen::MAX`.
    pub fn from_fen(fen: i64) -> Option<Fen> {
        (0..=Self::MAX.0).contains(&fen).then_some(Fen(fen))
    }

    /// The amount in fen.
    pub fn as_i64(self) -> i64 {
        self.0
    }

    /// Sum of two amounts, if it does not exceed `Fen::MAX`.
    pub fn checked_add(self, other: Fen) -> Option<Fen> {
        self.0.checked_add(other.0).and_then(Fen::from_fen)
    }

    /// Parses a yuan amount such as `1,234.56`, `¥1234.5` or `1234元`.
    pub fn parse_yuan(raw: &str) -> Option<Fen> {
        parse(raw).ok()
    }

    /// Like [`Fen::parse_yuan`], but reports a [`FieldError`] for `field`:
    /// `required` (blank), `invalid_format` or `out_of_range` (> 10^13 yuan).
    pub fn field(field: &str, raw: &str) -> Result<Fen, FieldError> {
        parse(raw).map_err(|problem| match problem {
            Problem::Empty => FieldError::new(field, "required", MSG_REQUIRED),
            Problem::Format => FieldError::new(field, "invalid_format", MSG_FORMAT),
            Problem::Range => FieldError::new(field, "out_of_range", MSG_RANGE),
        })
    }

    /// Yuan with thousands separators and exactly two decimals: `1,234.56`.
    pub fn yuan_string(self) -> String {
        let yuan = (self.0 / 100).to_string();
        let mut out = String::with_capacity(yuan.len() + yuan.len() / 3 + 3);
        for (i, ch) in yuan.chars().enumerate() {
            if i > 0 && (yuan.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(ch);
        }
        out.push_str(&format!(".{:02}", self.0 % 100));
        out
    }

    /// The amount in Chinese capital numerals (大写金额) as written on bills,
    /// e.g. `壹仟贰佰叁拾肆元伍角陆分`; see the module documentation.
    pub fn chinese_upper(self) -> String {
        if self.0 == 0 {
            return "零元整".to_string();
        }
        let yuan = self.0 / 100;
        let jiao = self.0 / 10 % 10;
        let fen = self.0 % 10;
        let mut out = String::new();
        if yuan > 0 {
            out.push_str(&upper_integer(yuan));
            out.push('元');
        }
        if jiao == 0 && fen == 0 {
            out.push('整');
            return out;
        }
        if jiao > 0 {
            out.push_str(digit_upper(jiao));
            out.push('角');
        } else if yuan > 0 {
            out.push('零');
        }
        if fen > 0 {
            out.push_str(digit_upper(fen));
            out.push('分');
        }
        out
    }
}

fn digit_upper(digit: i64) -> &'static str {
    usize::try_from(digit)
        .ok()
        .and_then(|index| DIGITS_UPPER.get(index))
        .copied()
        .unwrap_or("")
}

/// Capital numerals for `1 ..= 10^16 - 1` (亿 sections may contain 万).
fn upper_integer(n: i64) -> String {
    const YI: i64 = 100_000_000;
    if n < YI {
        return upper_below_yi(n);
    }
    let mut out = upper_below_yi(n / YI);
    out.push('亿');
    let low = n % YI;
    if low > 0 {
        if low < YI / 10 {
            out.push('零');
        }
        out.push_str(&upper_below_yi(low));
    }
    out
}

/// Capital numerals for `1 ..= 99_999_999`.
fn upper_below_yi(n: i64) -> String {
    const WAN: i64 = 10_000;
    if n < WAN {
        return upper_section(n);
    }
    let mut out = upper_section(n / WAN);
    out.push('万');
    let low = n % WAN;
    if low > 0 {
        if low < WAN / 10 {
            out.push('零');
        }
        out.push_str(&upper_section(low));
    }
    out
}

/// Capital numerals for `1 ..= 9999`: one `零` per run of inner zeros,
/// trailing zeros dropped.
fn upper_section(n: i64) -> String {
    const UNITS: [&str; 4] = ["仟", "佰", "拾", ""];
    let digits = [n / 1000 % 10, n / 100 % 10, n / 10 % 10, n % 10];
    let mut out = String::new();
    let mut pending_zero = false;
    for (digit, unit) in digits.into_iter().zip(UNITS) {
        if digit == 0 {
            pending_zero = !out.is_empty();
        } else {
            if pending_zero {
                out.push('零');
                pending_zero = false;
            }
            out.push_str(digit_upper(digit));
            out.push_str(unit);
        }
    }
    out
}

fn parse(raw: &str) -> Result<Fen, Problem> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(Problem::Empty);
    }
    let body = trimmed
        .strip_prefix('¥')
        .or_else(|| trimmed.strip_prefix('￥'))
        .unwrap_or(trimmed);
    let body = body.strip_suffix('元').unwrap_or(body).trim();
    if let Some(wan) = body.strip_suffix('万') {
        return parse_wan(wan.trim());
    }

    let (integer, fraction) = match body.split_once('.') {
        Some((integer, fraction)) => (integer, Some(fraction)),
        None => (body, None),
    };
    let cents = match fraction {
        None => 0,
        Some(fraction) => {
            let bytes = fraction.as_bytes();
            if bytes.is_empty() || bytes.len() > 2 || !bytes.iter().all(u8::is_ascii_digit) {
                return Err(Problem::Format);
            }
            let tenths = i64::from(bytes[0] - b'0') * 10;
            let hundredths = bytes.get(1).map_or(0, |b| i64::from(b - b'0'));
            tenths + hundredths
        }
    };

    let integer_digits = integer_digits(integer).ok_or(Problem::Format)?;
    let mut yuan: i64 = 0;
    for digit in integer_digits {
        yuan = yuan
            .checked_mul(10)
            .and_then(|value| value.checked_add(digit))
            .ok_or(Problem::Range)?;
    }
    if yuan > MAX_YUAN {
        return Err(Problem::Range);
    }
    Fen::from_fen(yuan * 100 + cents).ok_or(Problem::Range)
}

/// An amount in 万元 (ten thousand yuan), to the fen: up to six decimals.
fn parse_wan(number: &str) -> Result<Fen, Problem> {
    let (integer, fraction) = number.split_once('.').unwrap_or((number, ""));
    if number.contains('.') && fraction.is_empty() {
        return Err(Problem::Format);
    }
    if fraction.len() > 6 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Problem::Format);
    }
    let mut wan: i64 = 0;
    for digit in integer_digits(integer).ok_or(Problem::Format)? {
        wan = wan
            .checked_mul(10)
            .and_then(|value| value.checked_add(digit))
            .ok_or(Problem::Range)?;
    }
    // Fen in one 万元: 1,000,000; the fraction's digits are its millionths.
    let part: i64 = format!("{fraction:0<6}")
        .parse()
        .map_err(|_| Problem::Format)?;
    let fen = wan
        .checked_mul(1_000_000)
        .and_then(|f| f.checked_add(part))
        .ok_or(Problem::Range)?;
    Fen::from_fen(fen).ok_or(Problem::Range)
}

/// The digit values of the integer part: plain digits (`1234`) or digits
/// grouped by commas (`1,234`); no leading zeros except a lone `0`.
fn integer_digits(integer: &str) -> Option<Vec<i64>> {
    let bytes = integer.as_bytes();
    if bytes.is_empty() || (bytes.len() > 1 && bytes[0] == b'0') {
        return None;
    }
    if integer.contains(',') {
        let mut groups = integer.split(',');
        let first = groups.next()?;
        if first.is_empty() || first.len() > 3 || groups.clone().any(|g| g.len() != 3) {
            return None;
        }
    }
    bytes
        .iter()
        .filter(|&&b| b != b',')
        .map(|&b| b.is_ascii_digit().then(|| i64::from(b - b'0')))
        .collect()
}

/// Serialises as the integer number of fen.
impl Serialize for Fen {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(self.0)
    }
}

/// Deserialises from an integer number of fen within `0..=Fen::MAX`.
impl<'de> Deserialize<'de> for Fen {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let fen = i64::deserialize(deserializer)?;
        Fen::from_fen(fen).ok_or_else(|| serde::de::Error::custom(MSG_RANGE))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error as ValueError, I64Deserializer};

    fn yuan(raw: &str) -> i64 {
        Fen::parse_yuan(raw).unwrap().as_i64()
    }

    fn upper(fen: i64) -> String {
        Fen::from_fen(fen).unwrap().chinese_upper()
    }

    #[test]
    fn parses_accepted_forms() {
        assert_eq!(yuan("1234"), 123_400);
        assert_eq!(yuan("1234.5"), 123_450);
        assert_eq!(yuan("1234.56"), 123_456);
        assert_eq!(yuan("1,234.56"), 123_456);
        assert_eq!(yuan("¥1,234.56"), 123_456);
        assert_eq!(yuan("￥1,234.56"), 123_456);
        assert_eq!(yuan("1234元"), 123_400);
        assert_eq!(yuan(" ¥ 12.30元 "), 1_230);
        assert_eq!(yuan("0"), 0);
        assert_eq!(yuan("0.05"), 5);
        assert_eq!(yuan("1,000,000"), 100_000_000);
        assert_eq!(yuan("10000000000000"), 1_000_000_000_000_000);
        assert_eq!(yuan("10,000,000,000,000.00"), Fen::MAX.as_i64());
    }

    #[test]
    fn rejects_malformed_input() {
        for bad in [
            "１２３",
            "1２3",
            "12，345",
            "-1",
            "+1",
            "1e5",
            "1E5",
            "12.345",
            "12.",
            ".5",
            "1.2.3",
            "abc",
            "1 234",
            "1,23",
            "12,34",
            "1234,567",
            ",123",
            "123,",
            "1,,234",
            "01",
            "00.5",
            "¥",
            "元",
            "¥-1",
            "1.-5",
            "NaN",
            "inf",
            "1_000",
            "1元¥",
            "$1",
        ] {
            assert_eq!(Fen::parse_yuan(bad), None, "{bad}");
            let err = Fen::field("amount", bad).unwrap_err();
            assert_eq!(err.code, "invalid_format", "{bad}");
            assert_eq!(err.message, MSG_FORMAT);
        }
    }

    #[test]
    fn field_errors() {
        let err = Fen::field("amount", "  ").unwrap_err();
        assert_eq!(
            (err.field.as_str(), err.code.as_str()),
            ("amount", "required")
        );
        for too_big in [
            "10000000000000.01",
            "10000000000001",
            "99999999999999999999999999",
            "100,000,000,000,000",
        ] {
            let err = Fen::field("amount", too_big).unwrap_err();
            assert_eq!(err.code, "out_of_range", "{too_big}");
            assert_eq!(err.message, MSG_RANGE);
        }
        assert_eq!(Fen::field("amount", "1,234.56"), Ok(Fen(123_456)));
    }

    #[test]
    fn yuan_string_formats() {
        let cases = [
            (0, "0.00"),
            (5, "0.05"),
            (100, "1.00"),
            (99_999, "999.99"),
            (100_000, "1,000.00"),
            (123_456, "1,234.56"),
            (100_000_000, "1,000,000.00"),
            (Fen::MAX.as_i64(), "10,000,000,000,000.00"),
        ];
        for (fen, expected) in cases {
            assert_eq!(Fen(fen).yuan_string(), expected);
        }
    }

    #[test]
    fn chinese_upper_examples() {
        let cases = [
            (123_456, "壹仟贰佰叁拾肆元伍角陆分"),
            (10_000, "壹佰元整"),
            (1_000_007, "壹万元零柒分"),
            (10_000_000_000, "壹亿元整"),
            (0, "零元整"),
            (100_500_000, "壹佰万伍仟元整"),
            (100_500, "壹仟零伍元整"),
            (1_050, "壹拾元伍角"),
            (1_000, "壹拾元整"),
            (1_500, "壹拾伍元整"),
            (11_000, "壹佰壹拾元整"),
            (140_950, "壹仟肆佰零玖元伍角"),
            (600_714, "陆仟零柒元壹角肆分"),
            (168_032, "壹仟陆佰捌拾元叁角贰分"),
            (10_700_053, "壹拾万柒仟元伍角叁分"),
            (1_640_902, "壹万陆仟肆佰零玖元零贰分"),
            (32_504, "叁佰贰拾伍元零肆分"),
            (56, "伍角陆分"),
            (5, "伍分"),
            (50, "伍角"),
            (100_000_500, "壹佰万零伍元整"),
            (10_005_000_000, "壹亿零伍万元整"),
            (10_000_000_500, "壹亿零伍元整"),
            (11_000_000_000, "壹亿壹仟万元整"),
            (1_000_000_000_000, "壹佰亿元整"),
            (100_000_000_000_000, "壹万亿元整"),
            (100_010_000_000_000, "壹万零壹亿元整"),
            (Fen::MAX.as_i64(), "壹拾万亿元整"),
            (
                999_999_999_999_999,
                "玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分",
            ),
            (1_000_001_000_000, "壹佰亿零壹万元整"),
            (1_000_100_000_000, "壹佰亿零壹佰万元整"),
            (1_020_340, "壹万零贰佰零叁元肆角"),
            (102_030_400, "壹佰零贰万零叁佰零肆元整"),
        ];
        for (fen, expected) in cases {
            assert_eq!(upper(fen), expected, "{fen}");
        }
    }

    #[test]
    fn serde_uses_integer_fen() {
        let ok: I64Deserializer<ValueError> = 123_456_i64.into_deserializer();
        assert_eq!(Fen::deserialize(ok), Ok(Fen(123_456)));
        let negative: I64Deserializer<ValueError> = (-1_i64).into_deserializer();
        assert!(Fen::deserialize(negative).is_err());
        let too_big: I64Deserializer<ValueError> = (Fen::MAX.as_i64() + 1).into_deserializer();
        assert!(Fen::deserialize(too_big).is_err());
    }

    #[test]
    fn construction_and_addition_respect_bounds() {
        assert_eq!(Fen::from_fen(-1), None);
        assert_eq!(Fen::from_fen(Fen::MAX.as_i64() + 1), None);
        assert_eq!(Fen::from_fen(0), Some(Fen::ZERO));
        assert_eq!(Fen(1).checked_add(Fen(2)), Some(Fen(3)));
        assert_eq!(Fen::MAX.checked_add(Fen(1)), None);
    }

    proptest! {
        #[test]
        fn yuan_string_round_trips(fen in 0..=Fen::MAX.as_i64()) {
            let amount = Fen(fen);
            prop_assert_eq!(Fen::parse_yuan(&amount.yuan_string()), Some(amount));
            let plain = amount.yuan_string().replace(',', "");
            prop_assert_eq!(Fen::parse_yuan(&plain), Some(amount));
        }

        #[test]
        fn small_amounts_round_trip(fen in 0i64..10_000_000) {
            let amount = Fen(fen);
            prop_assert_eq!(Fen::parse_yuan(&amount.yuan_string()), Some(amount));
            let upper = amount.chinese_upper();
            prop_assert!(!upper.is_empty());
            prop_assert!(!upper.contains("零零"));
            prop_assert!(upper.ends_with('整') || upper.ends_with('角') || upper.ends_with('分'));
        }
    }

    #[test]
    fn amounts_in_wan_yuan_as_reports_write_them() {
        let yuan = |raw: &str| Fen::parse_yuan(raw).map(|f| f.as_i64());
        assert_eq!(yuan("12万"), Some(12_000_000));
        assert_eq!(yuan("12万元"), Some(12_000_000));
        assert_eq!(yuan("12.5万"), Some(12_500_000));
        assert_eq!(yuan("1,280万"), Some(1_280_000_000));
        assert_eq!(yuan("0.000001万"), Some(1), "one fen");
        assert_eq!(yuan("1,280,000"), Some(128_000_000));
        for bad in [
            "万",
            "12.万",
            "1.0000001万",
            "12万万",
            "-1万",
            "１２万",
            "012万",
        ] {
            assert_eq!(yuan(bad), None, "{bad}");
        }
        assert_eq!(
            Fen::field("amount", "10000000000万").map_err(|e| e.code),
            Err("out_of_range".to_string())
        );
    }
}

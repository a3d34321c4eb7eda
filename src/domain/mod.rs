//! Typed values parsed at the boundary (division codes, phone numbers, bounded text) and the
//! field-level error type every form and API shares. Pure: no I/O.

pub mod citation;
pub mod credit_code;
pub mod date;
pub mod email;
pub mod fields;
pub mod money;
pub mod phone;
pub mod region;
pub mod resident_id;
pub mod text;
pub mod upload;

/// A closed set of choices with a stable code (forms, JSON, the database) and a Chinese label.
macro_rules! coded_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $code:literal, $label:literal;)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn code(self) -> &'static str { match self { $($name::$variant => $code),+ } }
            pub fn label(self) -> &'static str { match self { $($name::$variant => $label),+ } }
            pub fn parse(code: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|v| v.code() == code.trim())
            }
            pub fn label_of(code: &str) -> &'static str {
                $name::parse(code).map($name::label).unwrap_or("未知")
            }
        }
    };
}
pub(crate) use coded_enum;

pub use email::Email;
pub use fields::{FieldError, FieldErrors};
pub use phone::Phone;
pub use region::RegionCode;

/// Lower-case hexadecimal of a byte string.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 0xf) as usize] as char);
    }
    s
}

/// The Chinese numeral documents number their parts with (一、二、…十一…九十九); 0 and
/// anything past 99 are written in Arabic numerals.
pub fn chinese_ordinal(n: usize) -> String {
    const DIGITS: [&str; 10] = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        1..=9 => DIGITS[n].to_string(),
        10 => "十".to_string(),
        11..=19 => format!("十{}", DIGITS[n % 10]),
        20..=99 if n.is_multiple_of(10) => format!("{}十", DIGITS[n / 10]),
        20..=99 => format!("{}十{}", DIGITS[n / 10], DIGITS[n % 10]),
        _ => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn hex_encodes() {
        assert_eq!(super::hex(&[0x00, 0xab, 0x0f]), "00ab0f");
    }

    #[test]
    fn parts_are_numbered_in_chinese() {
        let n = super::chinese_ordinal;
        assert_eq!(
            [n(1), n(9), n(10), n(11), n(20), n(23), n(99), n(100)],
            ["一", "九", "十", "十一", "二十", "二十三", "九十九", "100"]
        );
    }
}

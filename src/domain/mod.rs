//! Typed values parsed at the boundary (division codes, phone numbers, bounded text) and the
//! field-level error type every form and API shares. Pure: no I/O.

pub mod credit_code;
pub mod email;
pub mod fields;
pub mod money;
pub mod phone;
pub mod region;
pub mod resident_id;
pub mod text;
pub mod upload;

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

#[cfg(test)]
mod tests {
    #[test]
    fn hex_encodes() {
        assert_eq!(super::hex(&[0x00, 0xab, 0x0f]), "00ab0f");
    }
}

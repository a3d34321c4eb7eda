//! Telephone numbers: mainland mobile numbers (11 digits starting 1[3-9]) and fixed lines
//! with area code (0376-6221234, 03766221234), optionally with an extension.

use std::fmt;

use super::FieldError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Option<Phone> {
        let s: String = raw.trim().chars().filter(|c| *c != ' ').collect();
        let b = s.as_bytes();
        let digits = |x: &[u8]| !x.is_empty() && x.iter().all(u8::is_ascii_digit);
        // Mobile.
        if b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) && digits(b) {
            return Some(Phone(s));
        }
        // Fixed line: area code 0 + 2–3 digits, local number 7–8 digits, optional -extension.
        let (main, ext) = match s.split_once('#').or_else(|| {
            let parts: Vec<&str> = s.splitn(3, '-').collect();
            if parts.len() == 3 {
                let cut = parts[0].len() + 1 + parts[1].len();
                Some((&s[..cut], &s[cut + 1..]))
            } else {
                None
            }
        }) {
            Some((m, e)) => (m, Some(e)),
            None => (s.as_str(), None),
        };
        if let Some(e) = ext
            && (!digits(e.as_bytes()) || e.len() > 6)
        {
            return None;
        }
        let (area, local) = match main.split_once('-') {
            Some((a, l)) => (a, l),
            None if main.len() >= 10 && main.starts_with('0') => {
                // Without a dash: 3-digit area code for 010/02x, otherwise 4.
                let cut = if main.starts_with("010") || main.starts_with("02") {
                    3
                } else {
                    4
                };
                main.split_at(cut)
            }
            None => return None,
        };
        let ok = area.starts_with('0')
            && (3..=4).contains(&area.len())
            && digits(area.as_bytes())
            && (7..=8).contains(&local.len())
            && digits(local.as_bytes());
        ok.then_some(Phone(s))
    }

    pub fn field(field: &str, raw: &str) -> Result<Phone, FieldError> {
        Self::parse(raw).ok_or_else(|| {
            FieldError::new(
                field,
                "invalid_format",
                "电话号码格式不正确：手机号为11位数字，固定电话如0376-6221234",
            )
        })
    }

    pub fn optional(field: &str, raw: Option<&str>) -> Result<Option<Phone>, FieldError> {
        match raw.map(str::trim) {
            None | Some("") => Ok(None),
            Some(v) => Self::field(field, v).map(Some),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_mobile_and_fixed() {
        for p in [
            "13800138000",
            "19912345678",
            "0376-6221234",
            "03766221234",
            "010-12345678",
            "0376-6221234-801",
        ] {
            assert!(Phone::parse(p).is_some(), "{p}");
        }
    }

    #[test]
    fn refuses_bad() {
        for p in [
            "",
            "12800138000",
            "1380013800",
            "138001380001",
            "abc",
            "376-6221234",
            "0376-62212",
            "0376-6221234-abc",
            "<script>",
        ] {
            assert!(Phone::parse(p).is_none(), "{p}");
        }
    }
}

//! Administrative division codes (GB/T 2260): six digits, province-city-county.

use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

use super::FieldError;

/// Province-level prefixes in GB/T 2260.
const PROVINCES: &[u8] = &[
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionCode([u8; 6]);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionLevel {
    Province,
    City,
    County,
}

impl RegionCode {
    pub fn parse(raw: &str) -> Option<RegionCode> {
        let raw = raw.trim();
        let bytes = raw.as_bytes();
        if bytes.len() != 6 || !bytes.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let mut d = [0u8; 6];
        d.copy_from_slice(bytes);
        let province = (d[0] - b'0') * 10 + (d[1] - b'0');
        if !PROVINCES.contains(&province) {
            return None;
        }
        // A county part under a zero city part does not exist.
        if &d[2..4] == b"00" && &d[4..6] != b"00" {
            return None;
        }
        Some(RegionCode(d))
    }

    pub fn field(field: &str, raw: &str) -> Result<RegionCode, FieldError> {
        if raw.trim().is_empty() {
            return Err(FieldError::new(field, "required", "请填写行政区划代码"));
        }
        let raw = raw.trim();
        if raw.len() != 6 || !raw.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FieldError::new(
                field,
                "invalid_format",
                "行政区划代码应为6位数字（GB/T 2260），如信阳市为411500",
            ));
        }
        // Six digits, but no division has (or had) that code.
        Self::parse(raw)
            .filter(|_| super::resident_id::is_address_code(raw.as_bytes()))
            .ok_or_else(|| FieldError::new(field, "not_found", "不是有效的行政区划代码"))
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("000000")
    }

    pub fn level(&self) -> RegionLevel {
        if &self.0[2..6] == b"0000" {
            RegionLevel::Province
        } else if &self.0[4..6] == b"00" {
            RegionLevel::City
        } else {
            RegionLevel::County
        }
    }

    /// The prefix shared by every code inside this region: "41" for a province, "4115" for a
    /// city, the whole code for a county.
    pub fn scope_prefix(&self) -> &str {
        let s = self.as_str();
        match self.level() {
            RegionLevel::Province => &s[..2],
            RegionLevel::City => &s[..4],
            RegionLevel::County => s,
        }
    }

    pub fn contains(&self, other: &RegionCode) -> bool {
        other.as_str().starts_with(self.scope_prefix())
    }
}

/// Names by code, from the GB/T 2260 list the resident-ID check uses.
static NAMES: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| {
    super::resident_id::GBT2260
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once(' '))
        .collect()
});

/// City-level entries that are groupings, not places: "北京市市辖区" is written "北京市", and a
/// county-level city under 省直辖县级行政单位 by its own name.
fn is_grouping(name: &str) -> bool {
    matches!(name, "市辖区" | "县") || name.contains("直辖")
}

impl RegionCode {
    /// The name as people write it: "信阳市浉河区" for a county, "信阳市" for a city, "河南省" for
    /// a province, "北京市东城区" in a municipality. `None` for a code the list does not name.
    pub fn name_zh(&self) -> Option<String> {
        let code = self.as_str();
        let name = |c: &str| NAMES.get(c).copied();
        let province = name(&format!("{}0000", &code[..2]));
        let city = name(&format!("{}00", &code[..4])).filter(|n| !is_grouping(n));
        match self.level() {
            RegionLevel::Province => province.map(str::to_owned),
            RegionLevel::City => city.or(province).map(str::to_owned),
            RegionLevel::County => {
                let own = name(code)?;
                // A municipality's districts hang under 市辖区: name them with the municipality.
                let above = city.or_else(|| province.filter(|p| p.ends_with('市')));
                Some(format!("{}{own}", above.unwrap_or("")))
            }
        }
    }
}

/// Comma-separated codes as stored ("411502,411521") as people read them: "信阳市浉河区、信阳市罗山县".
/// A code without a name is shown as it is.
pub fn names_zh(codes: &str) -> String {
    codes
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| {
            RegionCode::parse(c)
                .and_then(|r| r.name_zh())
                .unwrap_or_else(|| c.to_owned())
        })
        .collect::<Vec<_>>()
        .join("、")
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rc(s: &str) -> RegionCode {
        RegionCode::parse(s).expect("valid code")
    }

    #[test]
    fn parses_xinyang_and_pingyin() {
        for c in [
            "411500", "411502", "411503", "411521", "411528", "370124", "410000",
        ] {
            assert!(RegionCode::parse(c).is_some(), "{c}");
        }
    }

    #[test]
    fn refuses_malformed() {
        for c in [
            "",
            "41150",
            "4115000",
            "41150a",
            "991500",
            "410021",
            " 4115 0",
            "４１１５００",
        ] {
            assert!(RegionCode::parse(c).is_none(), "{c}");
        }
    }

    #[test]
    fn codes_read_as_names() {
        assert_eq!(rc("411502").name_zh().as_deref(), Some("信阳市浉河区"));
        assert_eq!(rc("411521").name_zh().as_deref(), Some("信阳市罗山县"));
        assert_eq!(rc("411500").name_zh().as_deref(), Some("信阳市"));
        assert_eq!(rc("410000").name_zh().as_deref(), Some("河南省"));
        assert_eq!(rc("110101").name_zh().as_deref(), Some("北京市东城区"));
        assert_eq!(rc("110100").name_zh().as_deref(), Some("北京市"));
        // A county-level city directly under the province.
        assert_eq!(rc("419001").name_zh().as_deref(), Some("济源市"));
        // Abolished codes keep their last name (a resident ID may carry one for life).
        assert_eq!(rc("110103").name_zh().as_deref(), Some("北京市崇文区"));
        assert_eq!(names_zh("411502,411521"), "信阳市浉河区、信阳市罗山县");
        assert_eq!(names_zh("411502, 999999"), "信阳市浉河区、999999");
        assert_eq!(names_zh(""), "");
    }

    #[test]
    fn levels_and_containment() {
        assert_eq!(rc("410000").level(), RegionLevel::Province);
        assert_eq!(rc("411500").level(), RegionLevel::City);
        assert_eq!(rc("411521").level(), RegionLevel::County);
        assert!(rc("411500").contains(&rc("411521")));
        assert!(rc("411500").contains(&rc("411500")));
        assert!(!rc("411521").contains(&rc("411522")));
        assert!(!rc("411500").contains(&rc("370124")));
        assert!(rc("410000").contains(&rc("411528")));
        assert_eq!(rc("411500").scope_prefix(), "4115");
    }

    #[test]
    fn six_digits_that_name_no_division_are_said_to_be_so() {
        let code =
            |raw: &str| RegionCode::field("region_code", raw).map_err(|e| (e.code, e.message));
        assert!(code("411521").is_ok());
        let (c, m) = code("411599").expect_err("no such county");
        assert_eq!(
            (c.as_str(), m.as_str()),
            ("not_found", "不是有效的行政区划代码")
        );
        let (c, m) = code("990000").expect_err("no such province");
        assert_eq!(
            (c.as_str(), m.as_str()),
            ("not_found", "不是有效的行政区划代码")
        );
        let (c, _) = code("41152X").expect_err("not digits");
        assert_eq!(c, "invalid_format");
    }
}

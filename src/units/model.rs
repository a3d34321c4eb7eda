//! Unit kinds and the parsing of unit input (pure).

use serde::{Deserialize, Serialize};

use crate::domain::{FieldErrors, Phone, RegionCode, text};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// 打击侵权假冒工作领导小组
    LeadingGroup,
    /// 领导小组办公室（双打办）
    GroupOffice,
    /// 县（区）领导小组
    CountyGroup,
    /// 县（区）领导小组办公室
    CountyOffice,
    /// 成员单位（未归入下列类别的）
    MemberUnit,
    /// 市场监管部门
    MarketRegulation,
    /// 公安机关
    Police,
    /// 人民检察院
    Procuratorate,
    /// 人民法院
    Court,
    /// 海关
    Customs,
    /// 税务机关
    Tax,
    /// 其他行政机关
    Administrative,
    /// 党委部门
    PartyOrgan,
    /// 其他单位
    Other,
}

impl UnitKind {
    pub const ALL: [UnitKind; 14] = [
        UnitKind::LeadingGroup,
        UnitKind::GroupOffice,
        UnitKind::CountyGroup,
        UnitKind::CountyOffice,
        UnitKind::MemberUnit,
        UnitKind::MarketRegulation,
        UnitKind::Police,
        UnitKind::Procuratorate,
        UnitKind::Court,
        UnitKind::Customs,
        UnitKind::Tax,
        UnitKind::Administrative,
        UnitKind::PartyOrgan,
        UnitKind::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            UnitKind::LeadingGroup => "leading_group",
            UnitKind::GroupOffice => "group_office",
            UnitKind::CountyGroup => "county_group",
            UnitKind::CountyOffice => "county_office",
            UnitKind::MemberUnit => "member_unit",
            UnitKind::MarketRegulation => "market_regulation",
            UnitKind::Police => "police",
            UnitKind::Procuratorate => "procuratorate",
            UnitKind::Court => "court",
            UnitKind::Customs => "customs",
            UnitKind::Tax => "tax",
            UnitKind::Administrative => "administrative",
            UnitKind::PartyOrgan => "party_organ",
            UnitKind::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            UnitKind::LeadingGroup => "领导小组",
            UnitKind::GroupOffice => "领导小组办公室",
            UnitKind::CountyGroup => "县（区）领导小组",
            UnitKind::CountyOffice => "县（区）领导小组办公室",
            UnitKind::MemberUnit => "成员单位",
            UnitKind::MarketRegulation => "市场监管部门",
            UnitKind::Police => "公安机关",
            UnitKind::Procuratorate => "人民检察院",
            UnitKind::Court => "人民法院",
            UnitKind::Customs => "海关",
            UnitKind::Tax => "税务机关",
            UnitKind::Administrative => "其他行政机关",
            UnitKind::PartyOrgan => "党委部门",
            UnitKind::Other => "其他单位",
        }
    }

    pub fn parse(code: &str) -> Option<UnitKind> {
        UnitKind::ALL.into_iter().find(|k| k.code() == code.trim())
    }

    pub fn label_of(code: &str) -> &'static str {
        UnitKind::parse(code).map(UnitKind::label).unwrap_or("未知")
    }
}

/// Raw unit input as a form or JSON body carries it: all text, parsed by `NewUnit::parse`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitInput {
    pub name: String,
    #[serde(default)]
    pub short_name: Option<String>,
    /// One of the unit kinds, e.g. `member_unit`.
    pub kind: String,
    /// GB/T 2260 division code, e.g. `411500`.
    pub region_code: String,
    /// Parent unit id; empty for a root.
    #[serde(default, deserialize_with = "crate::web::step::text_or_number")]
    #[schema(value_type = Option<i64>)]
    pub parent_id: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewUnit {
    pub name: String,
    pub short_name: Option<String>,
    pub kind: UnitKind,
    pub region: RegionCode,
    pub parent_id: Option<i64>,
    pub phone: Option<Phone>,
}

impl NewUnit {
    pub fn parse(input: &UnitInput) -> Result<NewUnit, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = e.take(text::required("name", "单位名称", &input.name, 60));
        let short_name = e.take(text::optional(
            "short_name",
            "简称",
            input.short_name.as_deref(),
            20,
        ));
        let kind = match UnitKind::parse(&input.kind) {
            Some(k) => Some(k),
            None => {
                e.add("kind", "invalid_choice", "请选择单位类型");
                None
            }
        };
        let region = e.take(RegionCode::field("region_code", &input.region_code));
        let parent_id = match input.parent_id.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(raw) => e.take(text::id("parent_id", "上级单位", raw)).map(Some),
        };
        let phone = e.take(Phone::optional("phone", input.phone.as_deref()));
        match (name, short_name, kind, region, parent_id, phone) {
            (
                Some(name),
                Some(short_name),
                Some(kind),
                Some(region),
                Some(parent_id),
                Some(phone),
            ) if e.is_empty() => Ok(NewUnit {
                name,
                short_name,
                kind,
                region,
                parent_id,
                phone,
            }),
            _ => Err(e),
        }
    }
}

/// A unit's region must lie inside its parent's (a county office under its county group, a
/// county group under the city group).
pub fn check_parent_region(
    parent_region: &RegionCode,
    child: &RegionCode,
) -> Result<(), FieldErrors> {
    if parent_region.contains(child) {
        Ok(())
    } else {
        Err(FieldErrors::single(
            "region_code",
            "not_allowed",
            format!("行政区划{child}不在上级单位的区划{parent_region}之内"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> UnitInput {
        UnitInput {
            name: "罗山县市场监督管理局".into(),
            short_name: None,
            kind: "market_regulation".into(),
            region_code: "411521".into(),
            parent_id: Some("3".into()),
            phone: Some("0376-2162345".into()),
        }
    }

    #[test]
    fn parses_valid() {
        let u = NewUnit::parse(&input()).expect("valid");
        assert_eq!(u.kind, UnitKind::MarketRegulation);
        assert_eq!(u.parent_id, Some(3));
    }

    #[test]
    fn reports_every_bad_field() {
        let bad = UnitInput {
            name: " ".into(),
            short_name: None,
            kind: "ministry".into(),
            region_code: "41152".into(),
            parent_id: Some("x".into()),
            phone: Some("123".into()),
        };
        let e = NewUnit::parse(&bad).expect_err("invalid");
        let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            ["name", "kind", "region_code", "parent_id", "phone"]
        );
    }

    #[test]
    fn kinds_round_trip() {
        for k in UnitKind::ALL {
            assert_eq!(UnitKind::parse(k.code()), Some(k));
        }
    }

    #[test]
    fn parent_region_rule() {
        let city = RegionCode::parse("411500").expect("c");
        let county = RegionCode::parse("411521").expect("c");
        let other = RegionCode::parse("370124").expect("c");
        assert!(check_parent_region(&city, &county).is_ok());
        assert!(check_parent_region(&county, &city).is_err());
        assert!(check_parent_region(&city, &other).is_err());
    }
}

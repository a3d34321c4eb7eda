//! Jurisdiction: which units an act may name (issue #12). Pure rules over GB/T 2260 region
//! codes; the operations call them through `units::store::require_named`, so a record naming a
//! unit outside the actor's reach is refused whether it came from a form or the API.

use crate::domain::RegionCode;

/// Where a named unit must lie, relative to the acting unit (or, for filing supervision, the
/// police organ that refused).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// 000 §11 (市、县事权划分) and the group's working system (001; 003 三): an office, or a
    /// member unit, names in its cases, tasks, meetings, circulars, inspections and report
    /// rounds only units of its own region. A city's office may name the city's units and its
    /// counties' units; a county's office only its county's.
    OwnRegion,
    /// 004 二(一)–(二): a transfer goes to a police organ of the transferring unit's city, and
    /// a hand-back to market regulation of the police organ's city.
    SameCity,
    /// 004 二(二): filing supervision is suggested to the procuratorate at the same level
    /// (同级人民检察院) as the police organ that refused to file: the same region.
    SameLevel,
}

impl Reach {
    /// Whether a unit of region `named` is within this reach of `from`.
    pub fn allows(self, from: &RegionCode, named: &RegionCode) -> bool {
        match self {
            Reach::OwnRegion => from.contains(named),
            Reach::SameCity => from.as_str()[..4] == named.as_str()[..4],
            Reach::SameLevel => from == named,
        }
    }

    /// What the refused actor is told, naming the unit.
    pub fn refusal(self, unit_name: &str) -> String {
        match self {
            Reach::OwnRegion => {
                format!("{unit_name}不在本辖区内，只能指定本辖区的单位（市、县事权划分）")
            }
            Reach::SameCity => format!(
                "{unit_name}不在本市范围内，案件应移送本市的公安机关或市场监管部门（《关于建立协调会商机制强化知识产权保护工作的实施方案》第二部分）"
            ),
            Reach::SameLevel => format!(
                "{unit_name}与作出不予立案决定的公安机关不是同级，应建议同级人民检察院进行立案监督（《关于建立协调会商机制强化知识产权保护工作的实施方案》第二部分第（二）项）"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rc(s: &str) -> RegionCode {
        RegionCode::parse(s).expect("valid code")
    }

    const XINYANG: &str = "411500";
    const SHIHE: &str = "411502";
    const LUOSHAN: &str = "411521";
    const GUANGSHAN: &str = "411522";
    const PINGYIN: &str = "370124";
    const JINAN: &str = "370100";

    /// Acting region × named region → allowed, for every pair of the six regions.
    #[test]
    fn own_region_matrix() {
        let regions = [XINYANG, SHIHE, LUOSHAN, GUANGSHAN, PINGYIN, JINAN];
        let allowed = [
            (XINYANG, XINYANG),
            (XINYANG, SHIHE),
            (XINYANG, LUOSHAN),
            (XINYANG, GUANGSHAN),
            (SHIHE, SHIHE),
            (LUOSHAN, LUOSHAN),
            (GUANGSHAN, GUANGSHAN),
            (PINGYIN, PINGYIN),
            (JINAN, PINGYIN),
            (JINAN, JINAN),
        ];
        for from in regions {
            for named in regions {
                assert_eq!(
                    Reach::OwnRegion.allows(&rc(from), &rc(named)),
                    allowed.contains(&(from, named)),
                    "{from} naming {named}"
                );
            }
        }
    }

    #[test]
    fn transfers_stay_in_the_city() {
        assert!(Reach::SameCity.allows(&rc(XINYANG), &rc(XINYANG)));
        assert!(Reach::SameCity.allows(&rc(XINYANG), &rc(LUOSHAN)));
        assert!(Reach::SameCity.allows(&rc(LUOSHAN), &rc(XINYANG)));
        assert!(Reach::SameCity.allows(&rc(LUOSHAN), &rc(GUANGSHAN)));
        // Tried in the review: 信阳市市场监管局 → 平阴县公安局 was accepted.
        assert!(!Reach::SameCity.allows(&rc(XINYANG), &rc(PINGYIN)));
        assert!(!Reach::SameCity.allows(&rc(PINGYIN), &rc(LUOSHAN)));
    }

    #[test]
    fn filing_supervision_goes_to_the_same_level() {
        assert!(Reach::SameLevel.allows(&rc(XINYANG), &rc(XINYANG)));
        assert!(Reach::SameLevel.allows(&rc(LUOSHAN), &rc(LUOSHAN)));
        assert!(!Reach::SameLevel.allows(&rc(LUOSHAN), &rc(XINYANG)));
        assert!(!Reach::SameLevel.allows(&rc(XINYANG), &rc(LUOSHAN)));
        assert!(!Reach::SameLevel.allows(&rc(PINGYIN), &rc(JINAN)));
    }

    #[test]
    fn refusals_name_the_unit() {
        for r in [Reach::OwnRegion, Reach::SameCity, Reach::SameLevel] {
            assert!(r.refusal("平阴县公安局").starts_with("平阴县公安局"));
        }
    }
}

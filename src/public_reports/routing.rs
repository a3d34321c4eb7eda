//! Which unit a report goes to by default: the category the reporter names (the kind of product or
//! right) and the duties of the member units in 003 四 (有关部门单位职责). The office still
//! chooses; this only preselects the unit and names the clause. Pure: no I/O.

use crate::domain::coded_enum;
use crate::units::model::UnitKind;

coded_enum! {
    /// What the reporter says the category is about (the public form's 涉及的类别).
    Category {
        Trademark = "trademark", "商标侵权";
        Patent = "patent", "专利侵权";
        Copyright = "copyright", "著作权侵权、盗版";
        Agriculture = "agriculture", "农资、农产品及其地理标志";
        Forestry = "forestry", "林业植物新品种、林草种苗";
        Disinfection = "disinfection", "消毒产品";
        Counterfeit = "counterfeit", "其他假冒伪劣商品";
    }
}

/// The duty that makes a unit the default, as 003 四 states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Duty {
    /// The clause, as cited on the page.
    pub clause: &'static str,
    /// What the clause gives the unit, shortened.
    pub what: &'static str,
    unit: Responsible,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Responsible {
    /// The market regulation department (by its kind).
    MarketRegulation,
    /// A department named so (its name holds one of these words).
    Named(&'static [&'static str]),
}

/// The duty behind `category` (`None`: the reporter did not say; the general duty of 四（十六）).
pub fn duty(category: Option<Category>) -> Duty {
    const MSA: Duty = Duty {
        clause: "《打击侵犯知识产权和制售假冒伪劣商品工作制度》第四部分第（十六）项",
        what: "市场监督管理局组织查处侵权假冒违法案件",
        unit: Responsible::MarketRegulation,
    };
    match category {
        Some(Category::Copyright) => Duty {
            clause: "《打击侵犯知识产权和制售假冒伪劣商品工作制度》第四部分第（十三）项",
            what: "文化和旅游局组织查处著作权、盗版等违法行为",
            unit: Responsible::Named(&["文化"]),
        },
        Some(Category::Agriculture) => Duty {
            clause: "《打击侵犯知识产权和制售假冒伪劣商品工作制度》第四部分第（十五）项",
            what: "农业农村局依法打击侵犯农资、农产品知识产权行为，加强农产品地理标志监管",
            unit: Responsible::Named(&["农业农村"]),
        },
        Some(Category::Forestry) => Duty {
            clause: "《打击侵犯知识产权和制售假冒伪劣商品工作制度》第四部分第（十一）项",
            what: "自然资源（林业）部门查处侵犯林业植物新品种权、制售假冒伪劣林草种苗等违法行为",
            unit: Responsible::Named(&["自然资源", "林业"]),
        },
        Some(Category::Disinfection) => Duty {
            clause: "《打击侵犯知识产权和制售假冒伪劣商品工作制度》第四部分第（十四）项",
            what: "卫生健康局负责“双打”领域涉及消毒产品的卫生监管",
            unit: Responsible::Named(&["卫生健康"]),
        },
        Some(Category::Trademark | Category::Patent | Category::Counterfeit) | None => MSA,
    }
}

/// A unit the office may route to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub region_code: String,
}

impl Duty {
    fn holds(&self, c: &Candidate) -> bool {
        match self.unit {
            Responsible::MarketRegulation => c.kind == UnitKind::MarketRegulation.code(),
            Responsible::Named(words) => words.iter().any(|w| c.name.contains(w)),
        }
    }
}

/// The unit to preselect for a report of `category` in `region`, with the duty that makes it
/// so: the unit holding the duty in the report's own region, else in the office's region; if
/// neither region has one with that duty (a county without a forestry department), the market
/// regulation department, which holds the general duty of 四（十六）.
pub fn suggest<'a>(
    category: Option<Category>,
    region: &str,
    office_region: &str,
    units: &'a [Candidate],
) -> Option<(&'a Candidate, Duty)> {
    let pick = |d: Duty| {
        [region, office_region].into_iter().find_map(|r| {
            units
                .iter()
                .find(|c| c.region_code == r && d.holds(c))
                .map(|c| (c, d))
        })
    };
    pick(duty(category)).or_else(|| pick(duty(None)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(id: i64, name: &str, kind: UnitKind, region: &str) -> Candidate {
        Candidate {
            id,
            name: name.into(),
            kind: kind.code().into(),
            region_code: region.into(),
        }
    }

    fn units() -> Vec<Candidate> {
        vec![
            unit(1, "信阳市公安局", UnitKind::Police, "411500"),
            unit(
                2,
                "信阳市市场监督管理局",
                UnitKind::MarketRegulation,
                "411500",
            ),
            unit(
                3,
                "信阳市文化广电和旅游局",
                UnitKind::Administrative,
                "411500",
            ),
            unit(4, "信阳市农业农村局", UnitKind::Administrative, "411500"),
            unit(
                5,
                "信阳市林业和茶产业局",
                UnitKind::Administrative,
                "411500",
            ),
            unit(
                6,
                "罗山县市场监督管理局",
                UnitKind::MarketRegulation,
                "411521",
            ),
            unit(7, "罗山县农业农村局", UnitKind::Administrative, "411521"),
        ]
    }

    #[test]
    fn each_category_goes_to_the_unit_its_clause_names() {
        let u = units();
        let id = |m: Option<Category>| suggest(m, "411500", "411500", &u).map(|(c, _)| c.id);
        assert_eq!(id(Some(Category::Trademark)), Some(2));
        assert_eq!(id(Some(Category::Patent)), Some(2));
        assert_eq!(id(Some(Category::Counterfeit)), Some(2));
        assert_eq!(id(None), Some(2));
        assert_eq!(id(Some(Category::Copyright)), Some(3));
        assert_eq!(id(Some(Category::Agriculture)), Some(4));
        assert_eq!(id(Some(Category::Forestry)), Some(5));
        // No health department in the list: the general duty of 四（十六）.
        let (c, d) = suggest(Some(Category::Disinfection), "411500", "411500", &u).expect("one");
        assert_eq!(c.id, 2);
        assert_eq!(
            d.clause,
            "《打击侵犯知识产权和制售假冒伪劣商品工作制度》第四部分第（十六）项"
        );
    }

    #[test]
    fn the_reports_own_region_comes_first() {
        let u = units();
        let id = |m, region, office| suggest(m, region, office, &u).map(|(c, _)| c.id);
        // A county's report, routed by its county office: its own bureau.
        assert_eq!(id(Some(Category::Agriculture), "411521", "411521"), Some(7));
        assert_eq!(id(Some(Category::Trademark), "411521", "411521"), Some(6));
        // A county without the department: the office's region next.
        assert_eq!(id(Some(Category::Copyright), "411521", "411500"), Some(3));
        // Nobody holds the duty anywhere listed.
        assert_eq!(id(Some(Category::Copyright), "411521", "411521"), Some(6));
        assert!(suggest(None, "411521", "411521", &u[..1]).is_none());
    }

    #[test]
    fn every_clause_is_in_part_four_of_003() {
        for m in Category::ALL {
            let d = duty(Some(*m));
            assert!(
                d.clause
                    .starts_with("《打击侵犯知识产权和制售假冒伪劣商品工作制度》第四部分第（"),
                "{m:?}"
            );
            assert!(!d.what.is_empty());
        }
    }
}

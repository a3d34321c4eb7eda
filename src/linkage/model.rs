//! What a transfer is made of, parsed from raw input at the boundary: the situation of
//! 004 二(一), the facts, the list of items involved or seized, the kinds of evidence, and the
//! package each direction needs before it may leave the unit. Pure: no I/O.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::flow::Direction;
use crate::domain::money::Fen;
use crate::domain::{FieldError, FieldErrors, coded_enum, text};

coded_enum! {
    /// The three situations in which market regulation transfers to the police (004 二(一)),
    /// and the police's own finding behind a hand-back (004 二(三)).
    Situation {
        OwnInvestigation = "own_investigation", "巡查、调查、举报处理中发现涉嫌犯罪（二(一)1）";
        PenalisedLater = "penalised_later", "已作出行政处罚，事后发现造成严重后果涉嫌犯罪（二(一)2）";
        OtherClue = "other_clue", "发现属公安机关管辖的其他案件线索（二(一)3）";
        NotCriminal = "not_criminal", "公安机关审查认为不构成犯罪、应予行政处罚（二(三)）";
    }
}

coded_enum! {
    /// Kinds of material in a transfer package (国务院令第310号第六条; 004 二(三)).
    EvidenceKind {
        InvestigationReport = "investigation_report", "涉嫌犯罪案件情况的调查报告";
        ItemsList = "items_list", "涉案物品清单";
        Appraisal = "appraisal", "检验报告或者鉴定结论";
        PenaltyDecision = "penalty_decision", "行政处罚决定书";
        CaseMaterials = "case_materials", "案件材料";
        Other = "other", "其他有关材料";
    }
}

impl Situation {
    pub fn direction(self) -> Direction {
        match self {
            Situation::NotCriminal => Direction::HandBack,
            _ => Direction::ToPolice,
        }
    }
}

/// One line of the list of items involved or seized: item, quantity, unit, storage place.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(as = TransferItemInput)]
pub struct ItemInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub quantity: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub storage: String,
}

impl ItemInput {
    fn is_blank(&self) -> bool {
        [&self.name, &self.quantity, &self.unit, &self.storage]
            .iter()
            .all(|s| s.trim().is_empty())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    pub name: String,
    /// A positive decimal with at most three places, kept as written ("120", "3.5").
    pub quantity: String,
    pub unit: String,
    pub storage: String,
}

fn quantity(field: &str, raw: &str) -> Result<String, FieldError> {
    let v = raw.trim();
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    let ok = !int.is_empty()
        && int.len() <= 12
        && digits(int)
        && digits(frac)
        && frac.len() <= 3
        && (v.contains('.') <= !frac.is_empty())
        && v.chars().any(|c| c.is_ascii_digit() && c != '0');
    if ok {
        Ok(v.to_string())
    } else {
        Err(FieldError::new(
            field,
            "invalid_format",
            "数量应为大于0的数字，最多3位小数",
        ))
    }
}

/// Parse the item lines, skipping blank ones; errors name the line (`items[2].quantity`).
pub fn parse_items(lines: &[ItemInput], errors: &mut FieldErrors) -> Vec<Item> {
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate().filter(|(_, l)| !l.is_blank()) {
        let f = |k: &str| format!("items[{i}].{k}");
        let n = i + 1;
        let name = errors.take(text::required(
            &f("name"),
            &format!("第{n}行物品名称"),
            &line.name,
            100,
        ));
        let qty = errors.take(quantity(&f("quantity"), &line.quantity));
        let unit = errors.take(text::required(
            &f("unit"),
            &format!("第{n}行计量单位"),
            &line.unit,
            20,
        ));
        let storage = errors.take(text::required(
            &f("storage"),
            &format!("第{n}行存放地点"),
            &line.storage,
            100,
        ));
        if let (Some(name), Some(quantity), Some(unit), Some(storage)) = (name, qty, unit, storage)
        {
            out.push(Item {
                name,
                quantity,
                unit,
                storage,
            });
        }
    }
    if out.len() > 200 {
        errors.add("items", "too_long", "物品清单不能超过200行");
    }
    out
}

/// A transfer or hand-back as a form or JSON body carries it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferInput {
    /// own_investigation, penalised_later, other_clue (to the police); a hand-back is always
    /// not_criminal and may leave it out.
    #[serde(default)]
    pub situation: String,
    pub title: String,
    /// 涉嫌犯罪的事实 / the case as the police found it.
    pub facts: String,
    /// Suspected persons or enterprises.
    #[serde(default)]
    pub suspects: String,
    /// Amount involved, in yuan as written ("12345.67"); stored in fen.
    #[serde(default)]
    pub amount: Option<String>,
    /// The receiving unit: a police organ, or for a hand-back a market regulation unit.
    #[serde(deserialize_with = "crate::web::step::id_text")]
    #[schema(value_type = i64)]
    pub to_unit_id: String,
    /// For a penalised case: the penalty decision's document number.
    #[serde(default)]
    pub penalty_number: Option<String>,
    /// For a hand-back: the day the police decided the case is not criminal (YYYY-MM-DD).
    #[serde(default)]
    pub police_decided_on: Option<String>,
    /// A supervised major case this transfer belongs to.
    #[serde(default, deserialize_with = "crate::web::step::text_or_number")]
    #[schema(value_type = Option<i64>)]
    pub case_id: Option<String>,
    #[serde(default)]
    pub items: Vec<ItemInput>,
    /// Withhold under secrecy rules (004 一(二)).
    #[serde(default)]
    pub withheld: bool,
    #[serde(default)]
    pub secrecy_basis: Option<String>,
    /// People outside the two units who may see a withheld record.
    #[serde(default, deserialize_with = "crate::web::step::one_or_many")]
    #[schema(value_type = Vec<i64>)]
    pub secrecy_user_ids: Vec<String>,
    /// A public report this unit handles and now transfers to the police (its page's
    /// "移送公安机关"); the two are linked both ways. Not for a hand-back.
    #[serde(default, deserialize_with = "crate::web::step::text_or_number")]
    #[schema(value_type = Option<i64>)]
    pub public_report_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTransfer {
    pub situation: Situation,
    pub title: String,
    pub facts: String,
    pub suspects: String,
    pub amount: Option<Fen>,
    pub to_unit_id: i64,
    pub penalty_number: Option<String>,
    pub police_decided_on: Option<NaiveDate>,
    pub case_id: Option<i64>,
    pub items: Vec<Item>,
    pub secrecy: Option<Secrecy>,
    pub public_report_id: Option<i64>,
}

/// A secrecy marking: why, and the named people outside the owning units who may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secrecy {
    pub basis: String,
    pub user_ids: Vec<i64>,
}

pub fn parse_secrecy(
    withheld: bool,
    basis: Option<&str>,
    users: &[String],
    errors: &mut FieldErrors,
) -> Option<Secrecy> {
    if !withheld {
        return None;
    }
    let basis = errors.take(text::required(
        "secrecy_basis",
        "涉密依据",
        basis.unwrap_or(""),
        200,
    ));
    let mut ids = Vec::new();
    for u in users.iter().filter(|u| !u.trim().is_empty()) {
        if let Some(id) = errors.take(text::id("secrecy_user_ids", "知悉人员", u))
            && !ids.contains(&id)
        {
            ids.push(id);
        }
    }
    basis.map(|basis| Secrecy {
        basis,
        user_ids: ids,
    })
}

/// A date no later than today.
pub fn past_date(
    field: &str,
    label: &str,
    raw: Option<&str>,
    today: NaiveDate,
) -> Result<NaiveDate, FieldError> {
    crate::domain::date::not_after(field, label, raw.unwrap_or(""), today)
}

impl NewTransfer {
    /// Parse a transfer (`direction` ToPolice) or hand-back; every field error at once.
    pub fn parse(
        input: &TransferInput,
        direction: Direction,
        today: NaiveDate,
    ) -> Result<NewTransfer, FieldErrors> {
        let mut e = FieldErrors::new();
        let situation = match Situation::parse(&input.situation) {
            Some(s) if s.direction() == direction => Some(s),
            _ if direction == Direction::HandBack => Some(Situation::NotCriminal),
            _ => {
                e.add(
                    "situation",
                    "invalid_choice",
                    "请选择移送情形（《关于建立协调会商机制强化知识产权保护工作的实施方案》第二部分第（一）项）",
                );
                None
            }
        };
        let title = e.take(text::required("title", "案件名称", &input.title, 100));
        let facts = e.take(text::required_long("facts", "案件事实", &input.facts, 5000));
        let suspects = e.take(text::optional(
            "suspects",
            "涉嫌单位或人员",
            Some(&input.suspects),
            200,
        ));
        let amount = match input.amount.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(a) => e.take(Fen::field("amount", a)).map(Some),
        };
        let to_unit_id = e.take(text::id(
            "to_unit_id",
            if direction == Direction::ToPolice {
                "接收的公安机关"
            } else {
                "接收的市场监管部门"
            },
            &input.to_unit_id,
        ));
        let penalty_number = if situation == Some(Situation::PenalisedLater) {
            e.take(text::required(
                "penalty_number",
                "行政处罚决定书文号",
                input.penalty_number.as_deref().unwrap_or(""),
                60,
            ))
        } else {
            None
        };
        let police_decided_on = if direction == Direction::HandBack {
            e.take(past_date(
                "police_decided_on",
                "公安机关作出不构成犯罪决定的日期",
                input.police_decided_on.as_deref(),
                today,
            ))
        } else {
            None
        };
        let case_id = match input.case_id.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(c) => e.take(text::id("case_id", "关联督办案件", c)).map(Some),
        };
        let public_report_id = match input.public_report_id.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(_) if direction == Direction::HandBack => {
                e.add(
                    "public_report_id",
                    "not_allowed",
                    "向市场监管部门移交案件不能关联举报投诉",
                );
                None
            }
            Some(raw) => e.take(text::id("public_report_id", "举报投诉", raw)),
        };
        let items = parse_items(&input.items, &mut e);
        let secrecy = parse_secrecy(
            input.withheld,
            input.secrecy_basis.as_deref(),
            &input.secrecy_user_ids,
            &mut e,
        );
        match (
            situation, title, facts, suspects, amount, to_unit_id, case_id,
        ) {
            (
                Some(situation),
                Some(title),
                Some(facts),
                Some(suspects),
                Some(amount),
                Some(to_unit_id),
                Some(case_id),
            ) if e.is_empty() => Ok(NewTransfer {
                situation,
                title,
                facts,
                suspects: suspects.unwrap_or_default(),
                amount,
                to_unit_id,
                penalty_number,
                police_decided_on,
                case_id,
                items,
                secrecy,
                public_report_id,
            }),
            _ => Err(e),
        }
    }
}

/// What the package still lacks before it may be sent (国务院令第310号第六条; 004 二(三)):
/// the investigation report and the list of items for a transfer, the penalty decision for a
/// case already penalised, the case materials for a hand-back.
pub fn missing_materials(
    situation: Situation,
    kinds: &[EvidenceKind],
    item_lines: usize,
) -> Vec<&'static str> {
    let has = |k: EvidenceKind| kinds.contains(&k);
    let mut missing = Vec::new();
    match situation {
        Situation::NotCriminal => {
            if !has(EvidenceKind::CaseMaterials) {
                missing.push(EvidenceKind::CaseMaterials.label());
            }
        }
        _ => {
            if !has(EvidenceKind::InvestigationReport) {
                missing.push(EvidenceKind::InvestigationReport.label());
            }
            if item_lines == 0 && !has(EvidenceKind::ItemsList) {
                missing.push(EvidenceKind::ItemsList.label());
            }
            if situation == Situation::PenalisedLater && !has(EvidenceKind::PenaltyDecision) {
                missing.push(EvidenceKind::PenaltyDecision.label());
            }
        }
    }
    missing
}

/// 004 二(一) and 二(三): who may send to whom, by unit kind. Transfers come from the
/// administrative side (market regulation and the other enforcing member units) and go to a
/// police organ; hand-backs go from the police to market regulation.
pub fn check_units(direction: Direction, from_kind: &str, to_kind: &str) -> Result<(), FieldError> {
    let administrative = |k: &str| {
        matches!(
            k,
            "market_regulation" | "administrative" | "customs" | "tax" | "member_unit"
        )
    };
    match direction {
        Direction::ToPolice if !administrative(from_kind) => Err(FieldError::new(
            "to_unit_id",
            "not_allowed",
            "只有行政执法机关可以向公安机关移送涉嫌犯罪案件",
        )),
        Direction::ToPolice if to_kind != "police" => Err(FieldError::new(
            "to_unit_id",
            "invalid_choice",
            "接收单位应为公安机关",
        )),
        Direction::HandBack if from_kind != "police" => Err(FieldError::new(
            "to_unit_id",
            "not_allowed",
            "只有公安机关可以向市场监管部门移交案件",
        )),
        Direction::HandBack if to_kind != "market_regulation" => Err(FieldError::new(
            "to_unit_id",
            "invalid_choice",
            "接收单位应为市场监管部门",
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).expect("date")
    }

    fn input() -> TransferInput {
        TransferInput {
            situation: "own_investigation".into(),
            title: "某商贸公司销售假冒注册商标白酒案".into(),
            facts: "经查，该公司销售假冒白酒120箱。".into(),
            suspects: "某商贸有限公司".into(),
            amount: Some("256000.50".into()),
            to_unit_id: "7".into(),
            items: vec![
                ItemInput {
                    name: "假冒白酒".into(),
                    quantity: "120".into(),
                    unit: "箱".into(),
                    storage: "市场监管局罚没物品仓库".into(),
                },
                ItemInput::default(),
            ],
            ..Default::default()
        }
    }

    #[test]
    fn parses_a_transfer() {
        let t = NewTransfer::parse(&input(), Direction::ToPolice, today()).expect("valid");
        assert_eq!(t.situation, Situation::OwnInvestigation);
        assert_eq!(t.amount.map(Fen::as_i64), Some(25_600_050));
        assert_eq!(t.items.len(), 1, "blank lines are skipped");
        assert_eq!(t.secrecy, None);
    }

    #[test]
    fn every_error_is_reported_by_field() {
        let mut i = input();
        i.situation = "penalised_later".into();
        i.title = " ".into();
        i.amount = Some("12.345".into());
        i.to_unit_id = "x".into();
        i.items[0].quantity = "0".into();
        i.withheld = true;
        let e = NewTransfer::parse(&i, Direction::ToPolice, today()).expect_err("invalid");
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        for f in [
            "title",
            "amount",
            "to_unit_id",
            "penalty_number",
            "items[0].quantity",
            "secrecy_basis",
        ] {
            assert!(fields.contains(&f), "{f} missing from {fields:?}");
        }
    }

    #[test]
    fn situation_must_match_the_direction() {
        let mut i = input();
        i.situation = "not_criminal".into();
        assert!(NewTransfer::parse(&i, Direction::ToPolice, today()).is_err());
        i.situation = String::new();
        i.police_decided_on = Some("2026-11-20".into());
        let t = NewTransfer::parse(&i, Direction::HandBack, today()).expect("hand-back");
        assert_eq!(t.situation, Situation::NotCriminal);
        i.police_decided_on = Some("2026-11-24".into());
        let e = NewTransfer::parse(&i, Direction::HandBack, today()).expect_err("future");
        assert_eq!(e.0[0].field, "police_decided_on");
    }

    #[test]
    fn quantities() {
        for ok in ["1", "120", "3.5", "0.001", "10.250"] {
            assert!(quantity("q", ok).is_ok(), "{ok}");
        }
        for bad in ["", "0", "0.0", "-1", "1.", ".5", "1.2345", "1e3", "一百"] {
            assert!(quantity("q", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn package_requirements() {
        use EvidenceKind::*;
        let own = Situation::OwnInvestigation;
        assert_eq!(missing_materials(own, &[], 0).len(), 2);
        assert!(missing_materials(own, &[InvestigationReport], 1).is_empty());
        assert!(missing_materials(own, &[InvestigationReport, ItemsList], 0).is_empty());
        assert_eq!(
            missing_materials(Situation::PenalisedLater, &[InvestigationReport], 2),
            vec![PenaltyDecision.label()]
        );
        assert_eq!(
            missing_materials(Situation::NotCriminal, &[Other], 3),
            vec![CaseMaterials.label()]
        );
        assert!(missing_materials(Situation::NotCriminal, &[CaseMaterials], 0).is_empty());
    }

    #[test]
    fn unit_kinds_by_direction() {
        assert!(check_units(Direction::ToPolice, "market_regulation", "police").is_ok());
        assert!(check_units(Direction::ToPolice, "customs", "police").is_ok());
        assert!(check_units(Direction::ToPolice, "police", "police").is_err());
        assert!(check_units(Direction::ToPolice, "market_regulation", "procuratorate").is_err());
        assert!(check_units(Direction::HandBack, "police", "market_regulation").is_ok());
        assert!(check_units(Direction::HandBack, "police", "tax").is_err());
        assert!(
            check_units(
                Direction::HandBack,
                "market_regulation",
                "market_regulation"
            )
            .is_err()
        );
    }

    #[test]
    fn secrecy_needs_a_basis() {
        let mut e = FieldErrors::new();
        let s = parse_secrecy(
            true,
            Some("工作秘密"),
            &["3".into(), "3".into(), "".into()],
            &mut e,
        );
        assert!(e.is_empty());
        assert_eq!(s.map(|s| s.user_ids), Some(vec![3]));
        assert_eq!(parse_secrecy(false, None, &[], &mut e), None);
        parse_secrecy(true, None, &[], &mut e);
        assert_eq!(e.0[0].field, "secrecy_basis");
    }
}

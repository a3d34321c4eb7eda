//! What a case is made of, and the parsing of clue input (pure): the four sources of a clue
//! (000 §4), the four grounds for supervision and the exclusion (000 §2), parties with verified
//! identifiers, rights infringed, regions and amounts in fen.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::credit_code::CreditCode;
use crate::domain::money::Fen;
use crate::domain::resident_id::ResidentId;
use crate::domain::{FieldError, FieldErrors, RegionCode, coded_enum, text};

coded_enum!(
    /// Where a clue came from (000 §4), plus a member unit's own report.
    Source {
        LeaderInstruction = "leader_instruction", "市委、市政府领导同志批示";
        Letter = "letter", "有关地区或成员单位商请协调督办的函";
        PublicReport = "public_report", "群众举报投诉";
        DailyWork = "daily_work", "日常工作发现";
        MemberReport = "member_report", "成员单位报送";
    }
);

coded_enum!(
    /// The four grounds for supervision (000 §2).
    Ground {
        LeaderInstruction = "leader_instruction", "一、市委、市政府领导同志批示或明确指示";
        CrossDepartment = "cross_department", "二、涉及多个部门职能或发生地涉及多个地区";
        LongUnresolved = "long_unresolved", "三、涉案金额巨大、社会反响强烈且久拖不决（承办2年以上）";
        EarlyRisk = "early_risk", "四、具有苗头性、倾向性，可能引发区域性、系统性风险";
    }
);

coded_enum!(
    /// The kind of right infringed or wrong done.
    RightKind {
        Trademark = "trademark", "商标";
        Patent = "patent", "专利";
        Copyright = "copyright", "著作权";
        TradeSecret = "trade_secret", "商业秘密";
        GeographicalIndication = "geographical_indication", "地理标志";
        PlantVariety = "plant_variety", "植物新品种";
        Counterfeit = "counterfeit", "假冒伪劣商品";
    }
);

coded_enum!(
    /// Whether a court or procuratorate already has the case (the exclusion of 000 §2).
    JudicialStatus {
        None = "none", "未进入司法程序";
        CourtTrial = "court_trial", "人民法院审理中";
        Procuratorate = "procuratorate", "检察机关办理中";
    }
);

/// 000 §2: cases tried by a court or handled by a procuratorate are outside these rules.
pub fn check_not_excluded(status: JudicialStatus) -> Result<(), FieldError> {
    match status {
        JudicialStatus::None => Ok(()),
        other => Err(FieldError::new(
            "judicial_status",
            "excluded",
            format!(
                "该案件{}。依照《重大案件协调督办工作规则》第二条，人民法院审理的案件和检察机关办理的案件不适用督办",
                other.label()
            ),
        )),
    }
}

/// A party to a clue: an enterprise by its unified social credit code, or a person by resident
/// ID number (shown masked except to those entitled).
#[derive(Debug, Clone, PartialEq)]
pub enum Party {
    Enterprise { name: String, code: CreditCode },
    Person { name: String, id: ResidentId },
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartyInput {
    /// `enterprise` or `person`.
    pub kind: String,
    pub name: String,
    /// Unified social credit code (enterprise) or resident ID number (person).
    pub code: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClueInput {
    pub title: String,
    /// The facts as known.
    pub summary: String,
    /// One of `leader_instruction`, `letter`, `public_report`, `daily_work`, `member_report`.
    pub source: String,
    /// The day the clue reached the office (YYYY-MM-DD): the 5/10 working-day clock of 000 §4
    /// starts here.
    pub received_on: String,
    /// For a leader's instruction: who, when, the text.
    #[serde(default)]
    pub leader_name: Option<String>,
    #[serde(default)]
    pub instruction_date: Option<String>,
    #[serde(default)]
    pub instruction_text: Option<String>,
    /// For a letter: the sending region or unit (id) and the letter's number.
    #[serde(default, deserialize_with = "crate::web::step::text_or_number")]
    #[schema(value_type = Option<i64>)]
    pub letter_unit_id: Option<String>,
    #[serde(default)]
    pub letter_number: Option<String>,
    /// For a public report: how to reach the informant (kept, shown only within scope).
    #[serde(default)]
    pub reporter: Option<String>,
    /// For a public report received on this platform: its id (the office turns it into this
    /// clue; the two are linked both ways).
    #[serde(default, deserialize_with = "crate::web::step::text_or_number")]
    #[schema(value_type = Option<i64>)]
    pub public_report_id: Option<String>,
    #[serde(default)]
    pub product: Option<String>,
    #[serde(default)]
    pub product_category: Option<String>,
    /// Codes of `RightKind`.
    #[serde(default)]
    pub right_kinds: Vec<String>,
    /// GB/T 2260 codes of the regions involved.
    #[serde(default)]
    pub regions: Vec<String>,
    /// Amount involved, in yuan as typed ("12,345.67"); stored in fen.
    #[serde(default)]
    pub amount: Option<String>,
    /// When a unit began handling the case (for the 2-year test of 000 §2(3)).
    #[serde(default)]
    pub handling_since: Option<String>,
    /// `none`, `court_trial` or `procuratorate`.
    #[serde(default)]
    pub judicial_status: Option<String>,
    #[serde(default)]
    pub complex: bool,
    #[serde(default)]
    pub especially_major: bool,
    #[serde(default)]
    pub parties: Vec<PartyInput>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceDetail {
    pub leader_name: Option<String>,
    pub instruction_date: Option<String>,
    pub instruction_text: Option<String>,
    pub letter_unit_id: Option<i64>,
    pub letter_number: Option<String>,
    pub reporter: Option<String>,
    pub public_report_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewClue {
    pub title: String,
    pub summary: String,
    pub source: Source,
    pub detail: SourceDetail,
    pub received_on: NaiveDate,
    pub product: Option<String>,
    pub product_category: Option<String>,
    pub right_kinds: Vec<RightKind>,
    pub regions: Vec<RegionCode>,
    pub amount: Option<Fen>,
    pub handling_since: Option<NaiveDate>,
    pub judicial_status: JudicialStatus,
    pub complex: bool,
    pub especially_major: bool,
    pub parties: Vec<Party>,
}

impl NewClue {
    /// Leader-instructed and especially major cases are 挂牌督办 (000 §5).
    pub fn listed(&self) -> bool {
        self.source == Source::LeaderInstruction || self.especially_major
    }
}

fn date(field: &str, label: &str, raw: &str, today: NaiveDate) -> Result<NaiveDate, FieldError> {
    crate::domain::date::not_after(field, label, raw, today)
}

fn optional_text(
    e: &mut FieldErrors,
    field: &str,
    label: &str,
    raw: &Option<String>,
    max: usize,
) -> Option<String> {
    e.take(text::optional(field, label, raw.as_deref(), max))
        .flatten()
}

impl NewClue {
    /// Parse raw input; `today` bounds dates and checks resident ID birth dates.
    pub fn parse(input: &ClueInput, today: NaiveDate) -> Result<NewClue, FieldErrors> {
        let mut e = FieldErrors::new();
        let title = e.take(text::required("title", "案件名称", &input.title, 100));
        let summary = e.take(text::required_long(
            "summary",
            "案情摘要",
            &input.summary,
            5000,
        ));
        let source = Source::parse(&input.source);
        if source.is_none() {
            e.add("source", "invalid_choice", "请选择线索来源");
        }
        let received_on = e.take(date(
            "received_on",
            "收到线索日期",
            &input.received_on,
            today,
        ));
        let mut detail = SourceDetail {
            leader_name: optional_text(&mut e, "leader_name", "批示领导", &input.leader_name, 30),
            instruction_date: None,
            instruction_text: None,
            letter_unit_id: None,
            letter_number: optional_text(
                &mut e,
                "letter_number",
                "来函文号",
                &input.letter_number,
                50,
            ),
            reporter: optional_text(&mut e, "reporter", "举报人联系方式", &input.reporter, 100),
            public_report_id: None,
        };
        match input.public_report_id.as_deref().map(str::trim) {
            None | Some("") => {}
            Some(_) if source != Some(Source::PublicReport) => e.add(
                "public_report_id",
                "not_allowed",
                "只有来源为“群众举报投诉”的线索才能关联举报投诉",
            ),
            Some(raw) => {
                detail.public_report_id = e.take(text::id("public_report_id", "举报投诉", raw))
            }
        }
        match source {
            Some(Source::LeaderInstruction) => {
                if detail.leader_name.is_none() {
                    e.add("leader_name", "required", "领导批示线索须填写批示领导");
                }
                match input.instruction_date.as_deref().map(str::trim) {
                    None | Some("") => e.add("instruction_date", "required", "请填写批示日期"),
                    Some(raw) => {
                        detail.instruction_date = e
                            .take(date("instruction_date", "批示日期", raw, today))
                            .map(|d| d.to_string())
                    }
                }
                detail.instruction_text = e.take(text::required_long(
                    "instruction_text",
                    "批示内容",
                    input.instruction_text.as_deref().unwrap_or(""),
                    2000,
                ));
            }
            Some(Source::Letter) => match input.letter_unit_id.as_deref().map(str::trim) {
                None | Some("") => e.add("letter_unit_id", "required", "请选择来函地区或单位"),
                Some(raw) => {
                    detail.letter_unit_id = e.take(text::id("letter_unit_id", "来函单位", raw))
                }
            },
            _ => {}
        }
        let product = optional_text(&mut e, "product", "涉案产品", &input.product, 100);
        let product_category = optional_text(
            &mut e,
            "product_category",
            "产品类别",
            &input.product_category,
            50,
        );
        let mut right_kinds = Vec::new();
        for k in &input.right_kinds {
            match RightKind::parse(k) {
                Some(r) if !right_kinds.contains(&r) => right_kinds.push(r),
                Some(_) => {}
                None => e.add(
                    "right_kinds",
                    "invalid_choice",
                    format!("侵权类型“{k}”无效"),
                ),
            }
        }
        if right_kinds.is_empty() && e.get("right_kinds").is_none() {
            e.add("right_kinds", "required", "请至少选择一种侵权或违法类型");
        }
        let mut regions = Vec::new();
        for r in input.regions.iter().filter(|r| !r.trim().is_empty()) {
            match e.take(RegionCode::field("regions", r)) {
                Some(code) if !regions.contains(&code) => regions.push(code),
                _ => {}
            }
        }
        let amount = match input.amount.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => e.take(Fen::field("amount", raw)),
        };
        let handling_since = match input.handling_since.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => e.take(date("handling_since", "承办开始日期", raw, today)),
        };
        let judicial_status = match input.judicial_status.as_deref().map(str::trim) {
            None | Some("") => JudicialStatus::None,
            Some(raw) => JudicialStatus::parse(raw).unwrap_or_else(|| {
                e.add("judicial_status", "invalid_choice", "司法程序状态无效");
                JudicialStatus::None
            }),
        };
        let mut parties = Vec::new();
        for (i, p) in input.parties.iter().enumerate() {
            if p.name.trim().is_empty() && p.code.trim().is_empty() {
                continue;
            }
            let field = |f: &str| format!("parties[{i}].{f}");
            let name = e.take(text::required(&field("name"), "当事人名称", &p.name, 100));
            let party = match p.kind.as_str() {
                "enterprise" => e
                    .take(CreditCode::field(&field("code"), &p.code))
                    .zip(name)
                    .map(|(code, name)| Party::Enterprise { name, code }),
                "person" => e
                    .take(ResidentId::field(&field("code"), &p.code, today))
                    .zip(name)
                    .map(|(id, name)| Party::Person { name, id }),
                _ => {
                    e.add(&field("kind"), "invalid_choice", "当事人类型应为企业或个人");
                    None
                }
            };
            parties.extend(party);
        }
        if !e.is_empty() {
            return Err(e);
        }
        match (title, summary, source, received_on) {
            (Some(title), Some(summary), Some(source), Some(received_on)) => Ok(NewClue {
                title,
                summary,
                source,
                detail,
                received_on,
                product,
                product_category,
                right_kinds,
                regions,
                amount,
                handling_since,
                judicial_status,
                complex: input.complex,
                especially_major: input.especially_major,
                parties,
            }),
            _ => Err(e),
        }
    }
}

/// The grounds proposed, each with its reason.
pub fn parse_grounds(pairs: &[(String, String)]) -> Result<Vec<(Ground, String)>, FieldErrors> {
    let mut e = FieldErrors::new();
    let mut out: Vec<(Ground, String)> = Vec::new();
    for (code, reason) in pairs {
        let Some(g) = Ground::parse(code) else {
            e.add("grounds", "invalid_choice", format!("督办情形“{code}”无效"));
            continue;
        };
        if let Some(r) = e.take(text::required_long(
            &format!("reason_{}", g.code()),
            &format!("情形{}的理由", g.label().split('、').next().unwrap_or("")),
            reason,
            1000,
        )) && !out.iter().any(|(x, _)| *x == g)
        {
            out.push((g, r));
        }
    }
    if out.is_empty() && e.is_empty() {
        e.add(
            "grounds",
            "required",
            "请至少选择一种督办情形并说明理由（第二条）",
        );
    }
    if e.is_empty() { Ok(out) } else { Err(e) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).expect("date")
    }

    fn input() -> ClueInput {
        ClueInput {
            title: "假冒“信阳毛尖”茶叶案".into(),
            summary: "群众举报某茶叶公司销售假冒地理标志产品。".into(),
            source: "leader_instruction".into(),
            received_on: "2026-11-20".into(),
            leader_name: Some("李副市长".into()),
            instruction_date: Some("2026-11-19".into()),
            instruction_text: Some("请市双打办督促查处。".into()),
            right_kinds: vec!["geographical_indication".into(), "trademark".into()],
            regions: vec!["411502".into(), "411521".into()],
            amount: Some("1,234,567.80".into()),
            ..ClueInput::default()
        }
    }

    #[test]
    fn parses_a_leader_instruction_and_lists_it() {
        let c = NewClue::parse(&input(), today()).expect("valid");
        assert_eq!(c.source, Source::LeaderInstruction);
        assert!(c.listed(), "leader-instructed cases are 挂牌督办");
        assert_eq!(c.amount.map(|f| f.as_i64()), Some(123_456_780));
        assert_eq!(c.regions.len(), 2);
    }

    #[test]
    fn leader_instruction_needs_who_when_what() {
        let mut i = input();
        i.leader_name = None;
        i.instruction_date = Some("2027-01-01".into());
        i.instruction_text = None;
        let e = NewClue::parse(&i, today()).expect_err("invalid");
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            ["leader_name", "instruction_date", "instruction_text"]
        );
    }

    #[test]
    fn bad_identifiers_are_named_per_party() {
        let mut i = input();
        i.parties = vec![
            PartyInput {
                kind: "enterprise".into(),
                name: "某茶叶公司".into(),
                code: "91411500MA0000000X".into(),
            },
            PartyInput {
                kind: "person".into(),
                name: "张某".into(),
                code: "11010519491231002X".into(),
            },
            PartyInput {
                kind: "person".into(),
                name: "李某".into(),
                code: "110105194912310021".into(),
            },
        ];
        let e = NewClue::parse(&i, today()).expect_err("invalid");
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["parties[0].code", "parties[2].code"]);
    }

    #[test]
    fn exclusion_of_court_and_procuratorate_cases() {
        assert!(check_not_excluded(JudicialStatus::None).is_ok());
        let e = check_not_excluded(JudicialStatus::CourtTrial).expect_err("excluded");
        assert!(e.message.contains("不适用督办"));
        assert!(check_not_excluded(JudicialStatus::Procuratorate).is_err());
    }

    #[test]
    fn grounds_need_reasons() {
        assert!(parse_grounds(&[]).is_err());
        let e = parse_grounds(&[("cross_department".into(), " ".into())]).expect_err("no reason");
        assert_eq!(e.0[0].field, "reason_cross_department");
        let g = parse_grounds(&[
            ("cross_department".into(), "涉及浉河区、罗山县两地".into()),
            ("early_risk".into(), "网络销售蔓延".into()),
        ])
        .expect("valid");
        assert_eq!(g.len(), 2);
        assert!(parse_grounds(&[("sixth".into(), "x".into())]).is_err());
    }
}

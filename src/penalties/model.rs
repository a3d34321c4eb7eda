//! A penalty decision as the deciding organ records it, parsed at the boundary (pure).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::disclosure::{PenaltyKind, ProcedureKind};
use crate::domain::credit_code::CreditCode;
use crate::domain::money::Fen;
use crate::domain::resident_id::ResidentId;
use crate::domain::{FieldErrors, text};

/// A decision as a form or JSON body carries it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// 行政处罚决定书文号, as written on the decision.
    pub number: String,
    /// The supervised major case it ends, if any.
    #[serde(
        default,
        deserialize_with = "crate::web::step::text_or_number",
        serialize_with = "id_as_number"
    )]
    #[schema(value_type = Option<i64>)]
    pub case_id: Option<String>,
    /// `enterprise` (an enterprise or individual business with a credit code) or `person`.
    pub party_kind: String,
    pub party_name: String,
    /// The unified social credit code (enterprise) or resident ID number (person).
    pub party_code: String,
    /// 法定代表人（负责人）.
    #[serde(default)]
    pub legal_representative: Option<String>,
    /// The party's address (a person's is never published).
    #[serde(default)]
    pub party_address: Option<String>,
    /// 主要违法事实.
    pub facts: String,
    /// 违反的法律、法规或者规章.
    pub provisions: String,
    /// The kinds of penalty (`fine`, `confiscate_goods`, …), at least one.
    #[serde(default, deserialize_with = "crate::web::step::one_or_many")]
    pub kinds: Vec<String>,
    /// The fine in yuan as written ("12345.67"), when a fine is imposed.
    #[serde(default)]
    pub fine: Option<String>,
    /// Illegal gains and goods confiscated, in yuan, when any.
    #[serde(default)]
    pub confiscated: Option<String>,
    /// 处罚种类和内容, as the decision words it.
    pub penalty: String,
    /// 处罚依据.
    pub basis: String,
    /// `general` or `summary`.
    pub procedure: String,
    /// The day the decision was made (YYYY-MM-DD).
    pub decided_on: String,
    /// Other natural persons named in the decision (witnesses, employees, buyers): their names
    /// are redacted wherever they appear in the publication.
    #[serde(default, deserialize_with = "crate::web::step::one_or_many")]
    pub other_persons: Vec<String>,
    /// Phrases that are trade secrets: withheld wherever they appear.
    #[serde(default, deserialize_with = "crate::web::step::one_or_many")]
    pub trade_secrets: Vec<String>,
}

/// An id kept as typed is given back as the number it is (a draft filled from a case).
fn id_as_number<S: serde::Serializer>(id: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match id.as_deref().map(|v| v.trim().parse::<i64>()) {
        Some(Ok(n)) => s.serialize_i64(n),
        _ => s.serialize_none(),
    }
}

/// Who was penalised.
#[derive(Debug, Clone, PartialEq)]
pub enum Party {
    Enterprise { name: String, code: CreditCode },
    Person { name: String, id: ResidentId },
}

impl Party {
    pub fn name(&self) -> &str {
        match self {
            Party::Enterprise { name, .. } | Party::Person { name, .. } => name,
        }
    }
}

/// What a concluded major case gives the decision that ends it (issue #15: "it comes from a
/// closed case's data where that exists"): the case, its party — the first enterprise, else
/// the first person whose number the reader may see in full — and its facts, from the case's
/// summary and its closure report. The organ completes the rest from its decision.
pub struct FromCase<'a> {
    pub case_id: i64,
    pub summary: &'a str,
    /// (kind, name, code) as the case records them; a person's number masked for a reader not
    /// entitled to it.
    pub parties: &'a [(String, String, String)],
    pub closure: Option<&'a str>,
}

impl FromCase<'_> {
    pub fn decision(&self) -> DecisionInput {
        let party = self
            .parties
            .iter()
            .find(|(kind, _, _)| kind == "enterprise")
            .or_else(|| {
                self.parties
                    .iter()
                    .find(|(kind, _, code)| kind == "person" && !code.contains('*'))
            });
        let facts = match self.closure.map(str::trim).filter(|c| !c.is_empty()) {
            Some(closure) => format!("{}\n\n办结情况：{closure}", self.summary.trim()),
            None => self.summary.trim().to_string(),
        };
        DecisionInput {
            case_id: Some(self.case_id.to_string()),
            party_kind: party.map_or("enterprise", |(k, _, _)| k.as_str()).into(),
            party_name: party.map(|(_, n, _)| n.clone()).unwrap_or_default(),
            party_code: party.map(|(_, _, c)| c.clone()).unwrap_or_default(),
            facts,
            procedure: "general".into(),
            ..Default::default()
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewDecision {
    pub number: String,
    pub case_id: Option<i64>,
    pub party: Party,
    pub legal_representative: Option<String>,
    pub party_address: Option<String>,
    pub facts: String,
    pub provisions: String,
    pub kinds: Vec<PenaltyKind>,
    pub fine: Option<Fen>,
    pub confiscated: Option<Fen>,
    pub penalty: String,
    pub basis: String,
    pub procedure: ProcedureKind,
    pub decided_on: NaiveDate,
    pub other_persons: Vec<String>,
    pub trade_secrets: Vec<String>,
}

fn names(field: &str, label: &str, raw: &[String], e: &mut FieldErrors) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in raw {
        if let Some(Some(v)) = e.take(text::optional(field, label, Some(r), 100))
            && !out.contains(&v)
        {
            out.push(v);
        }
    }
    if out.len() > 50 {
        e.add(field, "too_long", format!("{label}不能超过50项"));
    }
    out
}

impl NewDecision {
    /// Parse a decision; every field error at once. `today` bounds the decision date and the
    /// birth date in a resident ID.
    pub fn parse(input: &DecisionInput, today: NaiveDate) -> Result<NewDecision, FieldErrors> {
        let mut e = FieldErrors::new();
        let number = e.take(text::required(
            "number",
            "行政处罚决定书文号",
            &input.number,
            60,
        ));
        let case_id = match input.case_id.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(c) => e.take(text::id("case_id", "关联督办案件", c)).map(Some),
        };
        let name = e.take(text::required(
            "party_name",
            "当事人名称或姓名",
            &input.party_name,
            100,
        ));
        let party = match (input.party_kind.as_str(), name) {
            ("enterprise", Some(name)) => e
                .take(CreditCode::field("party_code", &input.party_code))
                .map(|code| Party::Enterprise { name, code }),
            ("person", Some(name)) => e
                .take(ResidentId::field("party_code", &input.party_code, today))
                .map(|id| Party::Person { name, id }),
            ("enterprise" | "person", None) => None,
            _ => {
                e.add(
                    "party_kind",
                    "invalid_choice",
                    "请选择当事人类别（单位或个人）",
                );
                None
            }
        };
        let legal_representative = e
            .take(text::optional(
                "legal_representative",
                "法定代表人（负责人）",
                input.legal_representative.as_deref(),
                30,
            ))
            .flatten();
        let party_address = e
            .take(text::optional(
                "party_address",
                "当事人住所",
                input.party_address.as_deref(),
                200,
            ))
            .flatten();
        let facts = e.take(text::required_long(
            "facts",
            "主要违法事实",
            &input.facts,
            5000,
        ));
        let provisions = e.take(text::required_long(
            "provisions",
            "违反的法律规定",
            &input.provisions,
            2000,
        ));
        let mut kinds = Vec::new();
        for k in &input.kinds {
            match PenaltyKind::parse(k.trim()) {
                Some(k) if !kinds.contains(&k) => kinds.push(k),
                Some(_) => {}
                None => e.add(
                    "kinds",
                    "invalid_choice",
                    "处罚种类不在《行政处罚法》第九条所列之内",
                ),
            }
        }
        if input.kinds.is_empty() {
            e.add("kinds", "required", "请选择处罚种类");
        }
        let money = |e: &mut FieldErrors, field: &str, raw: Option<&str>| match raw.map(str::trim) {
            None | Some("") => None,
            Some(a) => e.take(Fen::field(field, a)),
        };
        let fine = money(&mut e, "fine", input.fine.as_deref());
        if kinds.contains(&PenaltyKind::Fine) && fine.is_none() && e.get("fine").is_none() {
            e.add("fine", "required", "处以罚款的，请填写罚款金额");
        }
        if !kinds.contains(&PenaltyKind::Fine) && fine.is_some() {
            e.add("fine", "not_allowed", "未选择“罚款”的，不填写罚款金额");
        }
        let confiscated = money(&mut e, "confiscated", input.confiscated.as_deref());
        let penalty = e.take(text::required_long(
            "penalty",
            "处罚种类和内容",
            &input.penalty,
            2000,
        ));
        let basis = e.take(text::required_long("basis", "处罚依据", &input.basis, 2000));
        let procedure = ProcedureKind::parse(&input.procedure);
        if procedure.is_none() {
            e.add("procedure", "invalid_choice", "请选择一般程序或简易程序");
        }
        let decided_on = e.take(crate::domain::date::not_after(
            "decided_on",
            "作出处罚决定的日期",
            &input.decided_on,
            today,
        ));
        let other_persons = names(
            "other_persons",
            "其他自然人姓名",
            &input.other_persons,
            &mut e,
        );
        let trade_secrets = names("trade_secrets", "商业秘密", &input.trade_secrets, &mut e);
        match (
            number, case_id, party, facts, provisions, penalty, basis, procedure, decided_on,
        ) {
            (
                Some(number),
                Some(case_id),
                Some(party),
                Some(facts),
                Some(provisions),
                Some(penalty),
                Some(basis),
                Some(procedure),
                Some(decided_on),
            ) if e.is_empty() => Ok(NewDecision {
                number,
                case_id,
                party,
                legal_representative,
                party_address,
                facts,
                provisions,
                kinds,
                fine,
                confiscated,
                penalty,
                basis,
                procedure,
                decided_on,
                other_persons,
                trade_secrets,
            }),
            _ => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> DecisionInput {
        DecisionInput {
            number: "信市监处罚〔2026〕12号".into(),
            party_kind: "enterprise".into(),
            party_name: "信阳市某商贸有限公司".into(),
            party_code: "91411500MA4000001P".into(),
            legal_representative: Some("李某".into()),
            facts: "当事人销售假冒注册商标的白酒120箱。".into(),
            provisions: "《中华人民共和国商标法》第五十七条第（三）项".into(),
            kinds: vec!["fine".into(), "confiscate_goods".into()],
            fine: Some("50000".into()),
            penalty: "没收假冒白酒120箱，罚款50000元".into(),
            basis: "《中华人民共和国商标法》第六十条第二款".into(),
            procedure: "general".into(),
            decided_on: "2026-11-20".into(),
            ..Default::default()
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 3).expect("date")
    }

    #[test]
    fn a_decision_parses_with_its_fine_in_fen() {
        let d = NewDecision::parse(&input(), today()).expect("parse");
        assert_eq!(d.fine.map(Fen::as_i64), Some(5_000_000));
        assert_eq!(d.kinds, [PenaltyKind::Fine, PenaltyKind::ConfiscateGoods]);
        assert_eq!(d.party.name(), "信阳市某商贸有限公司");
    }

    #[test]
    fn every_field_error_at_once() {
        let bad = DecisionInput {
            number: String::new(),
            party_code: "91411500MA4000001X".into(),
            kinds: vec!["fine".into(), "jail".into()],
            fine: None,
            procedure: "quick".into(),
            decided_on: "2026-12-04".into(),
            ..input()
        };
        let e = NewDecision::parse(&bad, today()).expect_err("refused");
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        for f in [
            "number",
            "party_code",
            "kinds",
            "fine",
            "procedure",
            "decided_on",
        ] {
            assert!(fields.contains(&f), "{f}: {fields:?}");
        }
    }

    #[test]
    fn a_fine_amount_goes_with_the_fine_kind_only() {
        let no_fine = DecisionInput {
            kinds: vec!["criticism".into()],
            ..input()
        };
        let e = NewDecision::parse(&no_fine, today()).expect_err("refused");
        assert_eq!(e.0[0].field, "fine");
        assert_eq!(e.0[0].code, "not_allowed");
    }

    #[test]
    fn a_person_is_named_by_a_valid_resident_id() {
        let person = DecisionInput {
            party_kind: "person".into(),
            party_name: "张某".into(),
            party_code: "11010519491231002X".into(),
            ..input()
        };
        assert!(NewDecision::parse(&person, today()).is_ok());
        let wrong = DecisionInput {
            party_code: "110105194912310021".into(),
            ..person
        };
        let e = NewDecision::parse(&wrong, today()).expect_err("checksum");
        assert_eq!(e.0[0].field, "party_code");
    }

    #[test]
    fn a_concluded_case_gives_its_party_and_facts() {
        let parties = [
            (
                "person".to_string(),
                "王某".to_string(),
                "4115**********1234".to_string(),
            ),
            (
                "enterprise".to_string(),
                "信阳市某商贸有限公司".to_string(),
                "91411500MA4000001P".to_string(),
            ),
        ];
        let d = FromCase {
            case_id: 7,
            summary: " 销售假冒白酒。 ",
            parties: &parties,
            closure: Some("罚款5万元。"),
        }
        .decision();
        assert_eq!(d.case_id.as_deref(), Some("7"));
        assert_eq!(
            (
                d.party_kind.as_str(),
                d.party_name.as_str(),
                d.party_code.as_str()
            ),
            ("enterprise", "信阳市某商贸有限公司", "91411500MA4000001P")
        );
        assert_eq!(d.facts, "销售假冒白酒。\n\n办结情况：罚款5万元。");
        // A person whose number the reader sees masked is not taken: the organ types it.
        let d = FromCase {
            case_id: 7,
            summary: "x",
            parties: &parties[..1],
            closure: None,
        }
        .decision();
        assert_eq!((d.party_name.as_str(), d.party_code.as_str()), ("", ""));
        assert_eq!(d.facts, "x");
    }
}

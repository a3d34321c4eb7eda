//! Typical cases as written up (pure): what they are written from, the input parsed field by
//! field, the write-up generated from the source's facts, its redaction — the redaction of
//! penalty disclosure (`penalties::redaction`), never a second one — and the rule of each step.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::format_date_zh;
use crate::domain::{FieldErrors, coded_enum, text};
use crate::penalties::redaction::{self, Context, Field, Kind as Hidden};

coded_enum! {
    /// What a typical case is written up from (issue #22): a major case the lead unit
    /// concluded, a transfer the police filed, a penalty decision that was published.
    SourceKind {
        Case = "case", "办结的督办案件";
        Transfer = "transfer", "已立案的移送案件";
        Penalty = "penalty", "已公示的行政处罚决定";
    }
}

coded_enum! {
    /// Where a typical case stands: in the document chain (reviewed where the office reviews
    /// its drafts, signed by its director); signed, numbered, kept as PDF; published on the
    /// public pages; taken off them again, with the reason.
    State {
        Pending = "pending", "审签中";
        Signed = "signed", "已签发";
        Published = "published", "已公开发布";
        Unpublished = "unpublished", "已撤回公开";
    }
}

coded_enum! {
    /// A step on a signed typical case. Review, return and signing are acts on its draft
    /// (`drafting`).
    Act {
        Circulate = "circulate", "印发典型案例通报";
        Publish = "publish", "在公众页面发布";
        Unpublish = "unpublish", "撤回公开";
    }
}

/// The longest title and text a write-up may have.
pub const MAX_TITLE: usize = 60;
pub const MAX_TEXT: usize = 10_000;
/// The most names the office may add to those the source names, to be hidden.
pub const MAX_PERSONS: usize = 50;

/// A typical case as a form or JSON body carries it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TypicalCaseInput {
    /// `case` (a concluded major case), `transfer` (a transfer the police filed) or `penalty`
    /// (a published penalty decision).
    #[serde(default)]
    pub source_kind: String,
    /// The id of that record.
    #[serde(
        default,
        deserialize_with = "crate::web::step::id_text",
        serialize_with = "id_number"
    )]
    #[schema(value_type = i64)]
    pub source_id: String,
    /// 案例标题.
    #[serde(default)]
    pub title: String,
    /// 案例正文: lines beginning 一、二、… are its headings. Personal identifiers are taken out
    /// before it is kept.
    #[serde(default)]
    pub text: String,
    /// Further names of natural persons to hide, one per line (those the source names are
    /// hidden anyway). Used for this write-up and never kept.
    #[serde(default, deserialize_with = "crate::web::step::or_default")]
    pub persons: String,
}

/// An id kept as text goes out as the JSON number it is (ids in bodies are numbers).
fn id_number<S: serde::Serializer>(id: &str, s: S) -> Result<S::Ok, S::Error> {
    match id.trim().parse::<i64>() {
        Ok(n) => s.serialize_i64(n),
        Err(_) => s.serialize_str(id),
    }
}

/// A typical case parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTypicalCase {
    pub source_kind: SourceKind,
    pub source_id: i64,
    pub title: String,
    pub text: String,
    pub persons: Vec<String>,
}

impl NewTypicalCase {
    /// Parse a write-up; every field error at once.
    pub fn parse(input: &TypicalCaseInput) -> Result<NewTypicalCase, FieldErrors> {
        let mut e = FieldErrors::new();
        let source_kind = SourceKind::parse(&input.source_kind);
        if source_kind.is_none() {
            e.add(
                "source_kind",
                if input.source_kind.trim().is_empty() {
                    "required"
                } else {
                    "invalid_choice"
                },
                "请选择案例来源（办结的督办案件、已立案的移送案件或已公示的行政处罚决定）",
            );
        }
        let source_id = e.take(text::id("source_id", "来源记录", &input.source_id));
        let title = e.take(text::required("title", "案例标题", &input.title, MAX_TITLE));
        let body = e.take(text::required_long(
            "text",
            "案例正文",
            &input.text,
            MAX_TEXT,
        ));
        let persons = persons(&input.persons, &mut e);
        match (source_kind, source_id, title, body) {
            (Some(source_kind), Some(source_id), Some(title), Some(text)) if e.is_empty() => {
                Ok(NewTypicalCase {
                    source_kind,
                    source_id,
                    title,
                    text,
                    persons,
                })
            }
            _ => Err(e),
        }
    }
}

fn persons(raw: &str, e: &mut FieldErrors) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in raw.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if line.chars().count() > 30 {
            e.add("persons", "too_long", "每个姓名不能超过30个字符");
            continue;
        }
        if !out.iter().any(|p| p == line) {
            out.push(line.to_string());
        }
    }
    if out.len() > MAX_PERSONS {
        e.add(
            "persons",
            "too_long",
            format!("需隐去的姓名不能超过{MAX_PERSONS}个"),
        );
    }
    out
}

/// Text with personal identifiers taken out, and how many of each kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redacted {
    pub text: String,
    pub hidden: BTreeMap<&'static str, usize>,
}

impl Redacted {
    /// Nothing was taken out.
    pub fn clean(&self) -> bool {
        self.hidden.is_empty()
    }
    /// What was taken out, as the reviewer reads it: 「身份证号码1处、联系电话2处」.
    pub fn summary(&self) -> String {
        summary(&self.hidden)
    }
}

/// 「身份证号码1处、联系电话2处」 for counts by kind code.
pub fn summary(hidden: &BTreeMap<&'static str, usize>) -> String {
    Hidden::ALL
        .iter()
        .filter_map(|k| hidden.get(k.code()).map(|n| format!("{}{n}处", k.label())))
        .collect::<Vec<_>>()
        .join("、")
}

/// Take personal identifiers out of `text` with the redaction of penalty disclosure: resident
/// ID numbers, phone numbers, e-mail addresses, bank accounts, addresses, and every name in
/// `persons`. A typical case names no natural person, so none is protected as the party (a
/// penalty publication names its party; a write-up does not), and an enterprise's 住所 is
/// hidden too (detection errs towards hiding). What an earlier pass put in place
/// (「［身份证号码已隐去］」) is kept as it is and never read as a label, so a write-up redacted
/// again comes out unchanged with nothing more hidden.
pub fn redact(text: &str, persons: &[String]) -> Redacted {
    let cx = Context {
        party_is_enterprise: false,
        party_name: "",
        legal_representative: None,
        other_persons: persons,
        trade_secrets: &[],
    };
    let mut out = String::with_capacity(text.len());
    let mut hidden: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut rest = text;
    loop {
        let next = Hidden::ALL
            .iter()
            .filter_map(|k| rest.find(k.mask()).map(|at| (at, k.mask())))
            .min_by_key(|(at, _)| *at);
        let (plain, mask, after) = match next {
            Some((at, mask)) => (&rest[..at], Some(mask), &rest[at + mask.len()..]),
            None => (rest, None, ""),
        };
        if !plain.is_empty() {
            let r = redaction::redact(Field::Facts, plain, &cx);
            for m in &r.marks {
                *hidden.entry(m.kind.code()).or_default() += 1;
            }
            out.push_str(&r.public);
        }
        match mask {
            Some(m) => {
                out.push_str(m);
                rest = after;
            }
            None => break,
        }
    }
    Redacted { text: out, hidden }
}

/// Words that end the name of an organisation rather than a person.
const ORGANISATION: &[&str] = &[
    "公司",
    "厂",
    "店",
    "部",
    "中心",
    "行",
    "社",
    "所",
    "场",
    "馆",
    "站",
    "院",
    "局",
    "会",
    "组",
    "户",
    "坊",
    "超市",
    "商城",
    "门市",
    "工作室",
    "合作社",
];

/// The natural persons a transfer's suspects text names (「张某某，身份证号…；某某商贸有限公司」):
/// each part between separators that is not an organisation, numbers and labels stripped.
/// Errs towards hiding: a part it cannot tell is taken as a person.
pub fn persons_in(suspects: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in suspects.split(|c: char| {
        matches!(
            c,
            '，' | ','
                | '、'
                | '；'
                | ';'
                | '。'
                | '\n'
                | '\r'
                | '（'
                | '('
                | '）'
                | ')'
                | ' '
                | '\u{3000}'
                | '：'
                | ':'
        )
    }) {
        let name: String = part
            .chars()
            .filter(|c| !c.is_ascii_alphanumeric() && !('０'..='９').contains(c))
            .collect();
        let name = name.trim();
        let chars = name.chars().count();
        if !(2..=6).contains(&chars)
            || ORGANISATION.iter().any(|o| name.ends_with(o))
            || LABEL_WORDS.iter().any(|l| name.contains(l))
        {
            continue;
        }
        if !out.iter().any(|p| p == name) {
            out.push(name.to_string());
        }
    }
    out
}

/// Parts of a suspects text that are labels or descriptions, not names.
const LABEL_WORDS: &[&str] = &[
    "身份",
    "号码",
    "电话",
    "手机",
    "住址",
    "户籍",
    "男",
    "女",
    "出生",
    "法定代表人",
    "负责人",
    "犯罪嫌疑人",
    "嫌疑人",
    "当事人",
    "汉族",
    "年",
    "月",
    "日",
];

/// What the write-up is generated from: the source's facts as the office may read them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Facts {
    /// The source's own title (案件名称) or the decision's party.
    pub title: String,
    /// The unit that concluded, transferred or decided.
    pub unit: String,
    /// The police organ that filed a transfer.
    pub other_unit: Option<String>,
    /// When it was concluded, filed or decided.
    pub date: Option<NaiveDate>,
    /// What happened (简要案情, the transfer's facts, the published facts).
    pub facts: String,
    /// How it ended: the closure report, the penalty and its basis.
    pub result: Option<String>,
    /// The decision's number (published), for a penalty.
    pub number: Option<String>,
    /// The amount involved, in fen.
    pub amount_fen: Option<i64>,
}

/// The write-up generated from `f`: a title and a text in three parts (基本案情, 查处情况,
/// 典型意义) for the office to complete. Not yet redacted.
pub fn write_up(kind: SourceKind, f: &Facts) -> (String, String) {
    let date = f.date.map(format_date_zh).unwrap_or_default();
    let amount = f.amount_fen.filter(|a| *a > 0).map(|a| {
        crate::domain::money::Fen::from_fen(a)
            .map(|y| format!("涉案金额{}元。", y.yuan_string()))
            .unwrap_or_default()
    });
    let facts = f.facts.trim().trim_end_matches('。');
    let mut lines = vec!["一、基本案情".to_string()];
    lines.push(format!("{facts}。{}", amount.unwrap_or_default()));
    lines.push("二、查处情况".to_string());
    let (handled, meaning) = match kind {
        SourceKind::Case => (
            format!(
                "该案经领导小组办公室协调督办，由{}主办，{}办结。{}",
                f.unit,
                if date.is_empty() {
                    "现已".to_string()
                } else {
                    format!("于{date}")
                },
                f.result
                    .as_deref()
                    .map(|r| format!("{}。", r.trim().trim_end_matches('。')))
                    .unwrap_or_default()
            ),
            "本案的查处，体现了领导小组成员单位协作配合、重大案件协调督办的成效，有力震慑了侵权假冒违法犯罪行为。",
        ),
        SourceKind::Transfer => (
            format!(
                "{}在查处中发现该案涉嫌犯罪，依法移送{}{}。",
                f.unit,
                f.other_unit.as_deref().unwrap_or("公安机关"),
                if date.is_empty() {
                    "，公安机关已立案侦查".to_string()
                } else {
                    format!("，公安机关于{date}决定立案侦查")
                },
            ),
            "本案是行政执法与刑事司法有效衔接的典型案例，体现了市场监管部门与公安机关协作配合、依法严惩侵权假冒犯罪的决心。",
        ),
        SourceKind::Penalty => (
            format!(
                "{}{}作出行政处罚决定{}。{}",
                f.unit,
                if date.is_empty() {
                    String::new()
                } else {
                    format!("于{date}")
                },
                f.number
                    .as_deref()
                    .map(|n| format!("（{n}）"))
                    .unwrap_or_default(),
                f.result
                    .as_deref()
                    .map(|r| format!("{}。", r.trim().trim_end_matches('。')))
                    .unwrap_or_default()
            ),
            "本案依法公开行政处罚信息，警示企业和经营者诚信守法经营，引导社会公众自觉抵制侵权假冒商品。",
        ),
    };
    lines.push(handled);
    lines.push("三、典型意义".to_string());
    lines.push(meaning.to_string());
    let mut title: String = f.title.trim().chars().take(MAX_TITLE).collect();
    if title.is_empty() {
        title = kind.label().to_string();
    }
    (title, lines.join("\n"))
}

/// Whether a line of the text is a heading of the first level (「一、基本案情」): a Chinese
/// numeral and 、, short, without a full stop.
pub fn is_heading(line: &str) -> bool {
    let line = line.trim();
    let numeral: String = line
        .chars()
        .take_while(|c| "一二三四五六七八九十".contains(*c))
        .collect();
    !numeral.is_empty()
        && line[numeral.len()..].starts_with('、')
        && line.chars().count() <= 30
        && !line.contains('。')
}

/// How the actor stands to a typical case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Standing {
    /// The actor's unit is the office that wrote it up.
    pub office: bool,
    /// The actor's role writes typical cases up (the office's director and staff).
    pub writes: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("典型案例尚在审签中，签发后才能印发通报或公开发布")]
    NotSigned,
    #[error("只有撰写该典型案例的领导小组办公室可以印发、发布或撤回")]
    NotOffice,
    #[error("该典型案例已印发通报，请勿重复印发")]
    Circulated,
    #[error("该典型案例已公开发布")]
    AlreadyPublished,
    #[error("该典型案例未在公众页面发布，无需撤回")]
    NotPublished,
}

/// The rule of each step: the office that wrote it up, once its director signed it, circulates
/// it once (a circular of typical cases, 003 三(六)), publishes it on the public pages (002
/// (八)1) and takes it off them again.
pub fn check(state: State, act: Act, s: Standing, circulated: bool) -> Result<State, Refusal> {
    if !(s.office && s.writes) {
        return Err(Refusal::NotOffice);
    }
    if state == State::Pending {
        return Err(Refusal::NotSigned);
    }
    match act {
        Act::Circulate if circulated => Err(Refusal::Circulated),
        Act::Circulate => Ok(state),
        Act::Publish if state == State::Published => Err(Refusal::AlreadyPublished),
        Act::Publish => Ok(State::Published),
        Act::Unpublish if state == State::Published => Ok(State::Unpublished),
        Act::Unpublish => Err(Refusal::NotPublished),
    }
}

/// The steps `s` may take on a typical case in `state`.
pub fn available(state: State, s: Standing, circulated: bool) -> Vec<Act> {
    Act::ALL
        .iter()
        .copied()
        .filter(|a| check(state, *a, s, circulated).is_ok())
        .collect()
}

/// Whether a signed write-up belongs in the yearly collection: signed, published or taken off
/// the public pages (what was signed stays the office's typical case).
pub fn collected(state: State) -> bool {
    state != State::Pending
}

/// Whether a source in `state` may be written up (the rule `store::source` applies): a
/// supervised case once concluded, a transfer the police filed and not withheld, a penalty
/// decision while published. The source's page offers 「编写典型案例」 only then.
pub fn eligible(kind: SourceKind, state: &str, withheld: bool) -> bool {
    match kind {
        SourceKind::Case => matches!(state, "concluded" | "reported" | "circulated" | "archived"),
        SourceKind::Transfer => state == "filed" && !withheld,
        SourceKind::Penalty => state == "published",
    }
}

/// The form with `kind` `id` chosen as the source.
pub fn write_link(kind: SourceKind, id: i64) -> String {
    format!(
        "/typical-cases/new?source_kind={}&source_id={id}",
        kind.code()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "11010519491231002X";

    #[test]
    fn only_an_eligible_source_is_offered() {
        use SourceKind::*;
        for (kind, state, withheld, ok) in [
            (Case, "concluded", false, true),
            (Case, "archived", false, true),
            (Case, "handling", false, false),
            (Transfer, "filed", false, true),
            (Transfer, "filed", true, false),
            (Transfer, "sent", false, false),
            (Penalty, "published", false, true),
            (Penalty, "withdrawn", false, false),
        ] {
            assert_eq!(eligible(kind, state, withheld), ok, "{kind:?} {state}");
        }
        assert_eq!(
            write_link(Transfer, 7),
            "/typical-cases/new?source_kind=transfer&source_id=7"
        );
    }

    fn input() -> TypicalCaseInput {
        TypicalCaseInput {
            source_kind: "case".into(),
            source_id: "7".into(),
            title: "某茶叶有限公司销售假冒地理标志产品案".into(),
            text: "一、基本案情\n某茶叶有限公司销售假冒“信阳毛尖”。".into(),
            persons: "王五\n\n王五\n赵六".into(),
        }
    }

    #[test]
    fn a_write_up_parses() {
        let n = NewTypicalCase::parse(&input()).expect("parses");
        assert_eq!(n.source_kind, SourceKind::Case);
        assert_eq!(n.source_id, 7);
        assert_eq!(n.persons, vec!["王五".to_string(), "赵六".to_string()]);
    }

    #[test]
    fn every_field_error_at_once_with_stable_codes() {
        let e = NewTypicalCase::parse(&TypicalCaseInput::default()).expect_err("empty");
        for (field, code) in [
            ("source_kind", "required"),
            ("source_id", "required"),
            ("title", "required"),
            ("text", "required"),
        ] {
            assert!(
                e.0.iter().any(|f| f.field == field && f.code == code),
                "{field} {code}: {e:?}"
            );
        }
        let mut i = input();
        i.source_kind = "meeting".into();
        i.source_id = "x".into();
        i.title = "长".repeat(MAX_TITLE + 1);
        i.text = "字".repeat(MAX_TEXT + 1);
        i.persons = "名".repeat(31);
        let e = NewTypicalCase::parse(&i).expect_err("bad");
        for (field, code) in [
            ("source_kind", "invalid_choice"),
            ("source_id", "invalid_format"),
            ("title", "too_long"),
            ("text", "too_long"),
            ("persons", "too_long"),
        ] {
            assert!(
                e.0.iter().any(|f| f.field == field && f.code == code),
                "{field} {code}: {e:?}"
            );
        }
        let mut i = input();
        i.persons = (0..=MAX_PERSONS)
            .map(|n| format!("某{n}"))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(NewTypicalCase::parse(&i).is_err());
    }

    #[test]
    fn personal_identifiers_and_named_persons_never_stay() {
        let persons = vec!["张三".to_string()];
        let r = redact(
            &format!(
                "当事人张三，身份证号码{ID}，联系电话：13800138000，现住信阳市浉河区某路1号。张三承认销售假冒商品。"
            ),
            &persons,
        );
        assert!(!r.text.contains(ID), "{}", r.text);
        assert!(!r.text.contains("13800138000"), "{}", r.text);
        assert!(!r.text.contains("张三"), "{}", r.text);
        assert!(!r.text.contains("某路1号"), "{}", r.text);
        assert_eq!(r.hidden.get("person_name"), Some(&2), "{:?}", r.hidden);
        assert_eq!(r.hidden.get("resident_id"), Some(&1));
        assert_eq!(r.hidden.get("phone"), Some(&1));
        assert_eq!(r.hidden.get("address"), Some(&1));
        assert!(r.summary().starts_with("身份证号码1处"), "{}", r.summary());
        // An ID number with no label, a bare mobile number, full-width digits: by shape.
        let r = redact(
            "涉案人员１３８００１３８０００，证件11010519491231002X。",
            &[],
        );
        assert!(
            !r.text.contains("１３８００１３８０００") && !r.text.contains(ID),
            "{}",
            r.text
        );
        // An enterprise's name stays: only natural persons are hidden.
        let r = redact("某茶叶有限公司销售假冒“信阳毛尖”。", &persons);
        assert!(r.clean());
        assert_eq!(r.text, "某茶叶有限公司销售假冒“信阳毛尖”。");
    }

    #[test]
    fn a_redacted_text_redacted_again_is_unchanged() {
        let persons = vec!["张三".to_string()];
        let once = redact(
            &format!("张三，住址：信阳市某路1号，身份证号码{ID}，电话：13800138000。"),
            &persons,
        );
        assert!(!once.clean());
        let twice = redact(&once.text, &persons);
        assert!(twice.clean(), "{:?} {}", twice.hidden, twice.text);
        assert_eq!(twice.text, once.text);
        // A mask followed by new personal data: the new data is still found.
        let r = redact(
            &format!("{}，另查明李四电话：13900139000。", once.text),
            &["李四".into()],
        );
        assert_eq!(r.hidden.get("phone"), Some(&1), "{}", r.text);
        assert_eq!(r.hidden.get("person_name"), Some(&1), "{}", r.text);
    }

    #[test]
    fn the_persons_of_a_suspects_text() {
        assert_eq!(
            persons_in(&format!(
                "张某某（男，身份证号{ID}），李四；信阳某某商贸有限公司、王麻子副食店"
            )),
            vec!["张某某".to_string(), "李四".to_string()]
        );
        assert!(persons_in("某商贸有限公司").is_empty());
        assert!(persons_in("").is_empty());
    }

    #[test]
    fn the_write_up_has_its_three_parts() {
        let f = Facts {
            title: "某茶叶有限公司销售假冒地理标志产品案".into(),
            unit: "信阳市市场监督管理局".into(),
            date: NaiveDate::from_ymd_opt(2026, 6, 15),
            facts: "群众举报某茶叶公司销售假冒“信阳毛尖”。".into(),
            result: Some("作出罚款5万元的行政处罚".into()),
            amount_fen: Some(12_345_600),
            ..Facts::default()
        };
        let (title, text) = write_up(SourceKind::Case, &f);
        assert_eq!(title, f.title);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "一、基本案情");
        assert!(lines[1].contains("涉案金额123,456.00元"), "{}", lines[1]);
        assert!(
            text.contains(
                "由信阳市市场监督管理局主办，于2026年6月15日办结。作出罚款5万元的行政处罚。"
            ),
            "{text}"
        );
        assert!(!text.contains("2026-06-15"));
        let headings: Vec<&str> = lines.iter().copied().filter(|l| is_heading(l)).collect();
        assert_eq!(
            headings,
            vec!["一、基本案情", "二、查处情况", "三、典型意义"]
        );
        let t = Facts {
            other_unit: Some("信阳市公安局".into()),
            ..f.clone()
        };
        let (_, text) = write_up(SourceKind::Transfer, &t);
        assert!(
            text.contains("依法移送信阳市公安局，公安机关于2026年6月15日决定立案侦查"),
            "{text}"
        );
        let p = Facts {
            number: Some("信市监处罚〔2026〕88号".into()),
            ..f.clone()
        };
        let (_, text) = write_up(SourceKind::Penalty, &p);
        assert!(
            text.contains("于2026年6月15日作出行政处罚决定（信市监处罚〔2026〕88号）"),
            "{text}"
        );
        let (title, _) = write_up(SourceKind::Penalty, &Facts::default());
        assert_eq!(title, SourceKind::Penalty.label());
    }

    #[test]
    fn headings_are_short_numbered_lines() {
        assert!(is_heading("一、基本案情"));
        assert!(is_heading("十二、其他"));
        assert!(!is_heading("一是加强协作。"));
        assert!(!is_heading("基本案情"));
        assert!(!is_heading("一、经查，该公司自2025年起销售假冒商品。"));
        assert!(!is_heading(""));
    }

    const OFFICE: Standing = Standing {
        office: true,
        writes: true,
    };

    #[test]
    fn the_office_circulates_once_publishes_and_takes_down_after_signing() {
        assert_eq!(
            check(State::Pending, Act::Publish, OFFICE, false),
            Err(Refusal::NotSigned)
        );
        assert_eq!(
            check(State::Pending, Act::Circulate, OFFICE, false),
            Err(Refusal::NotSigned)
        );
        assert_eq!(
            check(State::Signed, Act::Circulate, OFFICE, false),
            Ok(State::Signed)
        );
        assert_eq!(
            check(State::Signed, Act::Circulate, OFFICE, true),
            Err(Refusal::Circulated)
        );
        assert_eq!(
            check(State::Signed, Act::Publish, OFFICE, false),
            Ok(State::Published)
        );
        assert_eq!(
            check(State::Published, Act::Publish, OFFICE, false),
            Err(Refusal::AlreadyPublished)
        );
        assert_eq!(
            check(State::Published, Act::Unpublish, OFFICE, false),
            Ok(State::Unpublished)
        );
        assert_eq!(
            check(State::Unpublished, Act::Publish, OFFICE, true),
            Ok(State::Published)
        );
        assert_eq!(
            check(State::Signed, Act::Unpublish, OFFICE, false),
            Err(Refusal::NotPublished)
        );
        assert_eq!(
            check(State::Published, Act::Circulate, OFFICE, false),
            Ok(State::Published)
        );
        // Every state and step: outside the office, or a reader in it, nothing.
        for state in State::ALL {
            for act in Act::ALL {
                for s in [
                    Standing {
                        office: false,
                        writes: true,
                    },
                    Standing {
                        office: true,
                        writes: false,
                    },
                    Standing::default(),
                ] {
                    assert_eq!(check(*state, *act, s, false), Err(Refusal::NotOffice));
                }
            }
        }
        assert_eq!(
            available(State::Signed, OFFICE, false),
            vec![Act::Circulate, Act::Publish]
        );
        assert_eq!(
            available(State::Published, OFFICE, true),
            vec![Act::Unpublish]
        );
        assert!(available(State::Pending, OFFICE, false).is_empty());
    }

    #[test]
    fn the_collection_holds_what_was_signed() {
        assert!(!collected(State::Pending));
        for s in [State::Signed, State::Published, State::Unpublished] {
            assert!(collected(s));
        }
        for k in SourceKind::ALL {
            assert_eq!(SourceKind::parse(k.code()), Some(*k));
        }
    }
}

//! Training and publicity activities as recorded (pure): the kinds of 002 (八) and 004 一(四)–
//! (五), the audiences, the input parsed field by field, who may change a record, and the
//! yearly count in which an activity organised jointly by several units counts once.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::{FieldErrors, text};

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// 002 (八)1; 004 一(五): publicity of the policies, the work's progress and results, the
    /// law explained, typical cases exposed — in the media, online or on site.
    Publicity,
    /// 002 (八)3; 004 一(四): training of leaders, enforcement and judicial staff, enterprise
    /// managers; market regulation and the police train jointly (交叉授课).
    Training,
    /// 002 (八)2: knowledge-protection activities 进企业、进社区、进学校、进网络.
    Outreach,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Publicity, Kind::Training, Kind::Outreach];

    pub fn code(self) -> &'static str {
        match self {
            Kind::Publicity => "publicity",
            Kind::Training => "training",
            Kind::Outreach => "outreach",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Publicity => "宣传活动",
            Kind::Training => "培训",
            Kind::Outreach => "知识产权保护“四进”活动",
        }
    }

    /// The clauses that ask for it, as the code cites them (`domain::citation::cite`).
    pub fn clause(self) -> &'static str {
        match self {
            Kind::Publicity => "002 (八)1；004 一(五)",
            Kind::Training => "002 (八)3；004 一(四)",
            Kind::Outreach => "002 (八)2",
        }
    }

    pub fn parse(code: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == code.trim())
    }

    pub fn label_of(code: &str) -> &'static str {
        Kind::parse(code).map_or("", Kind::label)
    }
}

/// Where a “四进” activity went (002 (八)2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outreach {
    Enterprise,
    Community,
    School,
    Online,
}

impl Outreach {
    pub const ALL: [Outreach; 4] = [
        Outreach::Enterprise,
        Outreach::Community,
        Outreach::School,
        Outreach::Online,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Outreach::Enterprise => "enterprise",
            Outreach::Community => "community",
            Outreach::School => "school",
            Outreach::Online => "online",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Outreach::Enterprise => "进企业",
            Outreach::Community => "进社区",
            Outreach::School => "进学校",
            Outreach::Online => "进网络",
        }
    }

    pub fn parse(code: &str) -> Option<Outreach> {
        Outreach::ALL.into_iter().find(|o| o.code() == code.trim())
    }

    pub fn label_of(code: &str) -> &'static str {
        Outreach::parse(code).map_or("", Outreach::label)
    }
}

/// Whom it reached (002 (八)1, 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Audience {
    /// 领导干部.
    Leaders,
    /// 行政执法和司法人员.
    Enforcement,
    /// 企业管理人员和经营者.
    Enterprises,
    /// 社会公众.
    Public,
}

impl Audience {
    pub const ALL: [Audience; 4] = [
        Audience::Leaders,
        Audience::Enforcement,
        Audience::Enterprises,
        Audience::Public,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Audience::Leaders => "leaders",
            Audience::Enforcement => "enforcement",
            Audience::Enterprises => "enterprises",
            Audience::Public => "public",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Audience::Leaders => "领导干部",
            Audience::Enforcement => "行政执法和司法人员",
            Audience::Enterprises => "企业管理人员和经营者",
            Audience::Public => "社会公众",
        }
    }

    pub fn parse(code: &str) -> Option<Audience> {
        Audience::ALL.into_iter().find(|a| a.code() == code.trim())
    }

    /// The audiences stored as comma-separated codes, in their order.
    pub fn list(codes: &str) -> Vec<Audience> {
        let mut out: Vec<Audience> = codes.split(',').filter_map(Audience::parse).collect();
        out.sort();
        out.dedup();
        out
    }

    /// The stored codes as people read them: 「领导干部、社会公众」.
    pub fn labels(codes: &str) -> String {
        Audience::list(codes)
            .iter()
            .map(|a| a.label())
            .collect::<Vec<_>>()
            .join("、")
    }
}

/// The most participants one record may name (a 进网络 campaign counts its online audience).
pub const MAX_PARTICIPANTS: i64 = 10_000_000;
/// The most units that organise one activity with the recording unit.
pub const MAX_CO_ORGANISERS: usize = 20;

/// An activity as a form or JSON body carries it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityInput {
    /// `publicity` (宣传活动), `training` (培训) or `outreach` (“四进”活动).
    #[serde(default)]
    pub kind: String,
    /// For `outreach` only: `enterprise`, `community`, `school` or `online` (进企业、进社区、
    /// 进学校、进网络).
    #[serde(default)]
    pub outreach_to: Option<String>,
    /// What was done (活动名称).
    #[serde(default)]
    pub title: String,
    /// The day it was held (YYYY-MM-DD), not after today.
    #[serde(default)]
    pub held_on: String,
    /// The last day of an activity of several days.
    #[serde(default)]
    pub ended_on: Option<String>,
    /// Where: the venue, or the medium or website.
    #[serde(default)]
    pub place: String,
    /// The units that organised it jointly with the recording unit (e.g. the police with market
    /// regulation, 004 一(四)–(五)). On a change, left out means unchanged; only the recording
    /// unit changes them.
    #[serde(default, deserialize_with = "some_many")]
    #[schema(value_type = Option<Vec<i64>>)]
    pub co_organiser_unit_ids: Option<Vec<String>>,
    /// Whom it reached, at least one of `leaders`, `enforcement`, `enterprises`, `public`.
    #[serde(default, deserialize_with = "crate::web::step::one_or_many")]
    pub audiences: Vec<String>,
    /// How many took part.
    #[serde(default, deserialize_with = "crate::web::step::id_text")]
    #[schema(value_type = i64)]
    pub participants: String,
    /// A short report: what was done and to what effect (活动简报).
    #[serde(default)]
    pub report: String,
    /// When recording: the work-plan item it carries out — an item asking for an activity of
    /// this kind, led by the recording unit, not carried out yet. Ignored on a change.
    #[serde(default, deserialize_with = "crate::web::step::text_or_number")]
    #[schema(value_type = Option<i64>)]
    pub plan_item_id: Option<String>,
}

/// A work-plan item as an activity recorded for it finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanItem {
    /// The activity it asks for.
    pub asked: Option<Kind>,
    /// The recording unit leads it.
    pub lead: bool,
    /// An activity recorded (not withdrawn) already carries it out.
    pub fulfilled: bool,
}

/// Whether an activity of `kind` may be recorded as carrying out `item`: the field error's
/// code and message if not.
pub fn check_plan_item(kind: Kind, item: PlanItem) -> Result<(), (&'static str, String)> {
    match item.asked {
        None => Err((
            "invalid_choice",
            "该工作事项不要求开展宣传培训活动".to_string(),
        )),
        Some(_) if !item.lead => Err((
            "not_allowed",
            "由该工作事项的牵头单位登记其要求开展的活动".to_string(),
        )),
        Some(k) if k != kind => Err(("mismatch", format!("该工作事项要求开展的是{}", k.label()))),
        Some(_) if item.fulfilled => Err(("duplicate", "该工作事项已有登记的活动".to_string())),
        Some(_) => Ok(()),
    }
}

/// A list that is sent (a JSON array, a number or a text), `Some` even when empty; left out or
/// null, `None`.
fn some_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    use serde::de::Error;
    match Option::<serde_json::Value>::deserialize(d)? {
        None => Ok(None),
        Some(v) => crate::web::step::one_or_many(v)
            .map(Some)
            .map_err(D::Error::custom),
    }
}

/// An activity parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewActivity {
    pub kind: Kind,
    pub outreach_to: Option<Outreach>,
    pub title: String,
    pub held_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub place: String,
    /// `None`: unchanged (a change that does not name them).
    pub co_organisers: Option<Vec<i64>>,
    pub audiences: Vec<Audience>,
    pub participants: i64,
    pub report: String,
}

impl NewActivity {
    /// Parse an activity; every field error at once. `today` bounds the dates: an activity is
    /// recorded once it has been held.
    pub fn parse(input: &ActivityInput, today: NaiveDate) -> Result<NewActivity, FieldErrors> {
        let mut e = FieldErrors::new();
        let kind = Kind::parse(&input.kind);
        if kind.is_none() {
            e.add(
                "kind",
                if input.kind.trim().is_empty() {
                    "required"
                } else {
                    "invalid_choice"
                },
                "请选择活动类别（宣传活动、培训或“四进”活动）",
            );
        }
        let outreach_raw = input
            .outreach_to
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let outreach_to = match (kind, outreach_raw) {
            (Some(Kind::Outreach), None) => {
                e.add(
                    "outreach_to",
                    "required",
                    "“四进”活动请选择进企业、进社区、进学校或进网络",
                );
                None
            }
            (Some(Kind::Outreach), Some(raw)) => {
                let o = Outreach::parse(raw);
                if o.is_none() {
                    e.add(
                        "outreach_to",
                        "invalid_choice",
                        "请选择进企业、进社区、进学校或进网络",
                    );
                }
                o
            }
            (Some(_), Some(_)) => {
                e.add(
                    "outreach_to",
                    "not_allowed",
                    "只有“四进”活动填写进企业、进社区、进学校或进网络",
                );
                None
            }
            (_, _) => None,
        };
        let title = e.take(text::required("title", "活动名称", &input.title, 100));
        let held_on = e.take(crate::domain::date::not_after(
            "held_on",
            "活动日期",
            &input.held_on,
            today,
        ));
        let ended_on = match input.ended_on.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(raw) => e
                .take(crate::domain::date::not_after(
                    "ended_on",
                    "结束日期",
                    raw,
                    today,
                ))
                .map(Some),
        };
        if let (Some(start), Some(Some(end))) = (held_on, ended_on)
            && end < start
        {
            e.add("ended_on", "invalid_range", "结束日期不能早于活动日期");
        }
        let place = e.take(text::required("place", "活动地点或媒体", &input.place, 100));
        let co_organisers = input.co_organiser_unit_ids.as_ref().map(|raw| {
            let mut out = Vec::new();
            for r in raw.iter().filter(|r| !r.trim().is_empty()) {
                if let Some(id) = e.take(text::id("co_organiser_unit_ids", "联合举办单位", r))
                    && !out.contains(&id)
                {
                    out.push(id);
                }
            }
            if out.len() > MAX_CO_ORGANISERS {
                e.add(
                    "co_organiser_unit_ids",
                    "too_long",
                    format!("联合举办单位不能超过{MAX_CO_ORGANISERS}个"),
                );
            }
            out
        });
        let mut audiences = Vec::new();
        for a in &input.audiences {
            match Audience::parse(a) {
                Some(a) => audiences.push(a),
                None => e.add(
                    "audiences",
                    "invalid_choice",
                    "活动对象应为领导干部、行政执法和司法人员、企业管理人员和经营者或社会公众",
                ),
            }
        }
        audiences.sort();
        audiences.dedup();
        if input.audiences.is_empty() {
            e.add("audiences", "required", "请选择活动对象");
        }
        let participants = participants(&input.participants, &mut e);
        let report = e.take(text::required_long(
            "report",
            "活动简报",
            &input.report,
            5000,
        ));
        match (kind, title, held_on, ended_on, place, participants, report) {
            (
                Some(kind),
                Some(title),
                Some(held_on),
                Some(ended_on),
                Some(place),
                Some(participants),
                Some(report),
            ) if e.is_empty() => Ok(NewActivity {
                kind,
                outreach_to,
                title,
                held_on,
                ended_on,
                place,
                co_organisers,
                audiences,
                participants,
                report,
            }),
            _ => Err(e),
        }
    }
}

fn participants(raw: &str, e: &mut FieldErrors) -> Option<i64> {
    let v = raw.trim();
    if v.is_empty() {
        e.add("participants", "required", "请填写参加人数");
        return None;
    }
    if !v.chars().all(|c| c.is_ascii_digit()) {
        e.add("participants", "invalid_format", "参加人数应为整数");
        return None;
    }
    match v.parse::<i64>() {
        Ok(n) if (1..=MAX_PARTICIPANTS).contains(&n) => Some(n),
        _ => {
            e.add(
                "participants",
                "out_of_range",
                format!("参加人数应在1至{MAX_PARTICIPANTS}之间"),
            );
            None
        }
    }
}

/// A record's state: recorded, or withdrawn by the unit that recorded it (entered by mistake or
/// twice); a withdrawn activity is kept, shown as such and no longer counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Recorded,
    Withdrawn,
}

impl State {
    pub fn code(self) -> &'static str {
        match self {
            State::Recorded => "recorded",
            State::Withdrawn => "withdrawn",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            State::Recorded => "已登记",
            State::Withdrawn => "已撤销",
        }
    }

    pub fn parse(code: &str) -> Option<State> {
        [State::Recorded, State::Withdrawn]
            .into_iter()
            .find(|s| s.code() == code)
    }

    pub fn label_of(code: &str) -> &'static str {
        State::parse(code).map_or("", State::label)
    }
}

/// A change to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// 修改活动情况: correct what was recorded, complete the report.
    Update,
    /// 上传材料、照片.
    Attach,
    /// 撤销登记, with the reason.
    Withdraw,
}

impl Act {
    pub const ALL: [Act; 3] = [Act::Update, Act::Attach, Act::Withdraw];

    pub fn code(self) -> &'static str {
        match self {
            Act::Update => "update",
            Act::Attach => "attach",
            Act::Withdraw => "withdraw",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Act::Update => "修改活动情况",
            Act::Attach => "上传材料、照片",
            Act::Withdraw => "撤销登记",
        }
    }
}

/// Where the actor stands to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Standing {
    /// The actor's unit recorded it (the lead organiser).
    pub lead: bool,
    /// The actor's unit is one of its organisers, the recording unit included.
    pub organiser: bool,
    /// The actor's role records activities (a unit's liaison officer or handler, the office's
    /// staff): a head, a leader or a procurator reads them only.
    pub records: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("该活动已撤销登记，不能再修改或上传材料")]
    Withdrawn,
    #[error(
        "只有举办该活动的单位可以修改活动情况或上传材料；领导小组办公室查阅本辖区的活动，不代为修改"
    )]
    NotOrganiser,
    #[error("只有登记该活动的单位可以撤销登记")]
    NotLead,
    #[error("您的角色只能查阅宣传培训活动")]
    ReadOnly,
}

/// The rule of each change: every organiser corrects the record and adds its materials and
/// photos (a joint activity is each organiser's own record); the recording unit alone withdraws
/// it and changes who organised it jointly ([`may_change_organisers`]). The office reads its
/// region's activities and does not alter a unit's record (000 §11 by analogy).
pub fn check(state: State, act: Act, s: Standing) -> Result<State, Refusal> {
    if state == State::Withdrawn {
        return Err(Refusal::Withdrawn);
    }
    if !s.records {
        return Err(Refusal::ReadOnly);
    }
    if !s.organiser {
        return Err(Refusal::NotOrganiser);
    }
    match act {
        Act::Update | Act::Attach => Ok(State::Recorded),
        Act::Withdraw if s.lead => Ok(State::Withdrawn),
        Act::Withdraw => Err(Refusal::NotLead),
    }
}

/// The changes `s` may make to a record in `state`.
pub fn available(state: State, s: Standing) -> Vec<Act> {
    Act::ALL
        .into_iter()
        .filter(|a| check(state, *a, s).is_ok())
        .collect()
}

/// Whether `s` may change the units that organised it jointly.
pub fn may_change_organisers(s: Standing) -> bool {
    s.lead && s.records
}

/// The year a count covers: `raw`, else this year; from 2000 to this year.
pub fn year(raw: Option<&str>, today: NaiveDate) -> Result<i32, FieldErrors> {
    use chrono::Datelike;
    let Some(v) = raw.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(today.year());
    };
    let digits = v.len() == 4 && v.chars().all(|c| c.is_ascii_digit());
    match v.parse::<i32>() {
        Ok(y) if digits && (2000..=today.year()).contains(&y) => Ok(y),
        Ok(_) if digits => Err(FieldErrors::single(
            "year",
            "out_of_range",
            format!("年度应在2000年至{}年之间", today.year()),
        )),
        _ => Err(FieldErrors::single(
            "year",
            "invalid_format",
            "年度应为四位数字，如2026",
        )),
    }
}

/// One activity as the count reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    pub id: i64,
    pub kind: Kind,
    pub outreach_to: Option<Outreach>,
    pub audiences: Vec<Audience>,
    pub participants: i64,
    /// How many units organised it.
    pub organisers: i64,
}

/// Activities and participants under one heading of the count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = ActivitySummaryRow)]
pub struct SummaryRow {
    pub code: String,
    pub label: String,
    pub activities: i64,
    pub participants: i64,
}

/// Activities that reached one audience: one activity for several audiences is counted under
/// each, so these rows do not add up to the total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = ActivityAudienceRow)]
pub struct AudienceRow {
    pub code: String,
    pub label: String,
    pub activities: i64,
}

/// A year's training and publicity within the reader's scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = ActivitySummary)]
pub struct Summary {
    pub year: i32,
    /// Activities held in the year, each counted once however many units organised it.
    pub activities: i64,
    pub participants: i64,
    /// Of them, organised jointly by two or more units.
    pub joint: i64,
    /// By kind (宣传活动、培训、“四进”活动): every kind, zero or not.
    pub by_kind: Vec<SummaryRow>,
    /// “四进” activities by where they went.
    pub by_outreach: Vec<SummaryRow>,
    pub by_audience: Vec<AudienceRow>,
}

/// The count of `rows`: each activity once (by id), whatever the number of its organisers or of
/// the rows it was read in.
pub fn summarise(year: i32, rows: &[Counted]) -> Summary {
    let mut seen = BTreeSet::new();
    let mut activities = 0;
    let mut participants: i64 = 0;
    let mut joint = 0;
    let mut by_kind: Vec<SummaryRow> = Kind::ALL
        .iter()
        .map(|k| SummaryRow {
            code: k.code().into(),
            label: k.label().into(),
            activities: 0,
            participants: 0,
        })
        .collect();
    let mut by_outreach: Vec<SummaryRow> = Outreach::ALL
        .iter()
        .map(|o| SummaryRow {
            code: o.code().into(),
            label: o.label().into(),
            activities: 0,
            participants: 0,
        })
        .collect();
    let mut by_audience: Vec<AudienceRow> = Audience::ALL
        .iter()
        .map(|a| AudienceRow {
            code: a.code().into(),
            label: a.label().into(),
            activities: 0,
        })
        .collect();
    for r in rows {
        if !seen.insert(r.id) {
            continue;
        }
        activities += 1;
        participants = participants.saturating_add(r.participants);
        if r.organisers > 1 {
            joint += 1;
        }
        let add = |row: &mut SummaryRow| {
            row.activities += 1;
            row.participants = row.participants.saturating_add(r.participants);
        };
        if let Some(row) = by_kind.iter_mut().find(|x| x.code == r.kind.code()) {
            add(row);
        }
        if let Some(o) = r.outreach_to
            && let Some(row) = by_outreach.iter_mut().find(|x| x.code == o.code())
        {
            add(row);
        }
        let reached: BTreeSet<Audience> = r.audiences.iter().copied().collect();
        for a in reached {
            if let Some(row) = by_audience.iter_mut().find(|x| x.code == a.code()) {
                row.activities += 1;
            }
        }
    }
    Summary {
        year,
        activities,
        participants,
        joint,
        by_kind,
        by_outreach,
        by_audience,
    }
}

#[cfg(test)]
mod plan_item_tests {
    use super::*;

    #[test]
    fn an_activity_carries_out_the_plan_item_that_asks_for_its_kind() {
        let item = |asked, lead, fulfilled| PlanItem {
            asked,
            lead,
            fulfilled,
        };
        let t = Kind::Training;
        assert_eq!(check_plan_item(t, item(Some(t), true, false)), Ok(()));
        let code = |r: Result<(), (&'static str, String)>| r.err().map(|e| e.0);
        assert_eq!(
            code(check_plan_item(t, item(None, true, false))),
            Some("invalid_choice")
        );
        assert_eq!(
            code(check_plan_item(t, item(Some(t), false, false))),
            Some("not_allowed")
        );
        assert_eq!(
            code(check_plan_item(t, item(Some(Kind::Publicity), true, false))),
            Some("mismatch")
        );
        assert_eq!(
            code(check_plan_item(t, item(Some(t), true, true))),
            Some("duplicate")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 15).expect("date")
    }

    fn input() -> ActivityInput {
        ActivityInput {
            kind: "training".into(),
            title: "知识产权执法业务联合培训班".into(),
            held_on: "2026-06-10".into(),
            ended_on: Some("2026-06-11".into()),
            place: "信阳市市场监督管理局三楼会议室".into(),
            co_organiser_unit_ids: Some(vec!["7".into(), "7".into(), " ".into()]),
            audiences: vec!["enforcement".into(), "leaders".into(), "enforcement".into()],
            participants: "120".into(),
            report: "市场监管与公安交叉授课，讲解商标侵权认定和刑事立案追诉标准。".into(),
            ..Default::default()
        }
    }

    fn fields(e: &FieldErrors) -> Vec<(&str, &str)> {
        e.0.iter()
            .map(|f| (f.field.as_str(), f.code.as_str()))
            .collect()
    }

    #[test]
    fn a_joint_training_parses() {
        let a = NewActivity::parse(&input(), today()).expect("valid");
        assert_eq!(a.kind, Kind::Training);
        assert_eq!(a.co_organisers, Some(vec![7]));
        assert_eq!(a.audiences, [Audience::Leaders, Audience::Enforcement]);
        assert_eq!(a.participants, 120);
        assert_eq!(a.ended_on, NaiveDate::from_ymd_opt(2026, 6, 11));
        assert_eq!(a.outreach_to, None);
    }

    #[test]
    fn every_field_error_at_once_with_stable_codes() {
        let e = NewActivity::parse(&ActivityInput::default(), today()).expect_err("empty");
        assert_eq!(
            fields(&e),
            [
                ("kind", "required"),
                ("title", "required"),
                ("held_on", "required"),
                ("place", "required"),
                ("audiences", "required"),
                ("participants", "required"),
                ("report", "required"),
            ]
        );
        let bad = ActivityInput {
            kind: "party".into(),
            held_on: "2026-06-16".into(),
            ended_on: Some("2026/06/17".into()),
            co_organiser_unit_ids: Some(vec!["x".into()]),
            audiences: vec!["students".into()],
            participants: "12.5".into(),
            ..input()
        };
        let e = NewActivity::parse(&bad, today()).expect_err("bad");
        assert_eq!(
            fields(&e),
            [
                ("kind", "invalid_choice"),
                ("held_on", "out_of_range"),
                ("ended_on", "invalid_format"),
                ("co_organiser_unit_ids", "invalid_format"),
                ("audiences", "invalid_choice"),
                ("participants", "invalid_format"),
            ]
        );
    }

    #[test]
    fn dates_and_numbers_are_bounded() {
        let bad = ActivityInput {
            ended_on: Some("2026-06-09".into()),
            participants: "0".into(),
            ..input()
        };
        let e = NewActivity::parse(&bad, today()).expect_err("bad");
        assert_eq!(
            fields(&e),
            [
                ("ended_on", "invalid_range"),
                ("participants", "out_of_range")
            ]
        );
        let many = ActivityInput {
            participants: (MAX_PARTICIPANTS + 1).to_string(),
            co_organiser_unit_ids: Some((1..=21).map(|i| i.to_string()).collect()),
            ..input()
        };
        let e = NewActivity::parse(&many, today()).expect_err("bad");
        assert_eq!(
            fields(&e),
            [
                ("co_organiser_unit_ids", "too_long"),
                ("participants", "out_of_range")
            ]
        );
        // Held today, for one day, with nobody named jointly.
        let ok = ActivityInput {
            held_on: "2026-06-15".into(),
            ended_on: None,
            co_organiser_unit_ids: None,
            ..input()
        };
        let a = NewActivity::parse(&ok, today()).expect("today");
        assert_eq!((a.ended_on, a.co_organisers), (None, None));
    }

    #[test]
    fn only_an_outreach_activity_says_where_it_went() {
        let outreach = ActivityInput {
            kind: "outreach".into(),
            ..input()
        };
        let e = NewActivity::parse(&outreach, today()).expect_err("where");
        assert_eq!(fields(&e), [("outreach_to", "required")]);
        let school = ActivityInput {
            outreach_to: Some("school".into()),
            ..outreach.clone()
        };
        assert_eq!(
            NewActivity::parse(&school, today())
                .expect("valid")
                .outreach_to,
            Some(Outreach::School)
        );
        let wrong = ActivityInput {
            outreach_to: Some("factory".into()),
            ..outreach
        };
        let e = NewActivity::parse(&wrong, today()).expect_err("choice");
        assert_eq!(fields(&e), [("outreach_to", "invalid_choice")]);
        let training = ActivityInput {
            outreach_to: Some("school".into()),
            ..input()
        };
        let e = NewActivity::parse(&training, today()).expect_err("not allowed");
        assert_eq!(fields(&e), [("outreach_to", "not_allowed")]);
    }

    #[test]
    fn every_organiser_works_on_it_the_recording_unit_alone_withdraws() {
        let lead = Standing {
            lead: true,
            organiser: true,
            records: true,
        };
        let co = Standing {
            lead: false,
            ..lead
        };
        let office = Standing {
            organiser: false,
            ..co
        };
        let head = Standing {
            records: false,
            ..lead
        };
        assert_eq!(
            available(State::Recorded, lead),
            [Act::Update, Act::Attach, Act::Withdraw]
        );
        assert_eq!(available(State::Recorded, co), [Act::Update, Act::Attach]);
        assert_eq!(
            check(State::Recorded, Act::Withdraw, co),
            Err(Refusal::NotLead)
        );
        assert_eq!(
            check(State::Recorded, Act::Update, office),
            Err(Refusal::NotOrganiser)
        );
        assert_eq!(
            check(State::Recorded, Act::Attach, head),
            Err(Refusal::ReadOnly)
        );
        assert!(available(State::Withdrawn, lead).is_empty());
        assert_eq!(
            check(State::Recorded, Act::Withdraw, lead),
            Ok(State::Withdrawn)
        );
        assert!(may_change_organisers(lead));
        assert!(!may_change_organisers(co));
        assert!(!may_change_organisers(head));
    }

    #[test]
    fn a_joint_activity_counts_once() {
        let joint = Counted {
            id: 1,
            kind: Kind::Training,
            outreach_to: None,
            audiences: vec![Audience::Enforcement, Audience::Leaders],
            participants: 120,
            organisers: 2,
        };
        let school = Counted {
            id: 2,
            kind: Kind::Outreach,
            outreach_to: Some(Outreach::School),
            audiences: vec![Audience::Public],
            participants: 300,
            organisers: 1,
        };
        // The joint training read once per organiser still counts once.
        let s = summarise(2026, &[joint.clone(), school, joint]);
        assert_eq!((s.activities, s.participants, s.joint), (2, 420, 1));
        let kind = |c: &str| {
            s.by_kind
                .iter()
                .find(|r| r.code == c)
                .map(|r| (r.activities, r.participants))
        };
        assert_eq!(kind("training"), Some((1, 120)));
        assert_eq!(kind("outreach"), Some((1, 300)));
        assert_eq!(kind("publicity"), Some((0, 0)));
        let audience = |c: &str| {
            s.by_audience
                .iter()
                .find(|r| r.code == c)
                .map(|r| r.activities)
        };
        assert_eq!(audience("enforcement"), Some(1));
        assert_eq!(audience("leaders"), Some(1));
        assert_eq!(audience("public"), Some(1));
        assert_eq!(audience("enterprises"), Some(0));
        assert_eq!(
            s.by_outreach
                .iter()
                .map(|r| r.activities)
                .collect::<Vec<_>>(),
            [0, 0, 1, 0]
        );
        assert_eq!(summarise(2026, &[]).activities, 0);
    }

    #[test]
    fn the_year_is_this_year_unless_asked() {
        assert_eq!(year(None, today()), Ok(2026));
        assert_eq!(year(Some(" "), today()), Ok(2026));
        assert_eq!(year(Some("2025"), today()), Ok(2025));
        let code = |r: &str| year(Some(r), today()).map_err(|e| e.0[0].code.clone());
        assert_eq!(code("2027"), Err("out_of_range".into()));
        assert_eq!(code("1999"), Err("out_of_range".into()));
        assert_eq!(code("二〇二六"), Err("invalid_format".into()));
        assert_eq!(code("+2026"), Err("invalid_format".into()));
    }

    #[test]
    fn co_organisers_left_out_or_null_are_unchanged() {
        let read = |v: serde_json::Value| {
            serde_json::from_value::<ActivityInput>(v)
                .expect("body")
                .co_organiser_unit_ids
        };
        assert_eq!(read(serde_json::json!({})), None);
        assert_eq!(
            read(serde_json::json!({"co_organiser_unit_ids": null})),
            None
        );
        assert_eq!(
            read(serde_json::json!({"co_organiser_unit_ids": []})),
            Some(Vec::new())
        );
        assert_eq!(
            read(serde_json::json!({"co_organiser_unit_ids": [3, "4"], "participants": 12})),
            Some(vec!["3".to_string(), "4".to_string()])
        );
        assert!(serde_json::from_value::<ActivityInput>(serde_json::json!({"x": 1})).is_err());
    }

    #[test]
    fn codes_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.code()), Some(k));
        }
        for o in Outreach::ALL {
            assert_eq!(Outreach::parse(o.code()), Some(o));
        }
        for a in Audience::ALL {
            assert_eq!(Audience::parse(a.code()), Some(a));
        }
        assert_eq!(Audience::labels("public,leaders,x"), "领导干部、社会公众");
        assert_eq!(
            crate::domain::citation::cite(Kind::Training.clause()),
            "《关于进一步做好打击侵犯知识产权和制售假冒伪劣商品工作的实施意见》第（八）项第3目；《关于建立协调会商机制强化知识产权保护工作的实施方案》第一部分第（四）项"
        );
    }
}

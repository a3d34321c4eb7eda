//! Joint supervision meetings (004 三(三)) and special coordination meetings (004 二(五)):
//! who asked for them, the participating units and people, the topics, and the decisions as
//! follow-up items, each with an owner unit and a due date that the deadline engine watches.

use crate::db::query::Window;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::access::sql::parties_in_scope;
use crate::access::{Action, Actor, Resource, Role, Scope};
use crate::audit::{self, Entry, Who};
use crate::calendar::{Calendar, Period};
use crate::db::Db;
use crate::db::query::Sql;
use crate::deadline::store::{Change, NewDeadline};
use crate::domain::{FieldErrors, coded_enum, text};
use crate::error::{AppError, AppResult};
use crate::notify::store::notify_unit;

pub const RESOURCE: &str = "linkage_meeting";

coded_enum! {
    MeetingKind {
        JointSupervision = "joint_supervision", "知识产权保护联合督办会议（三(三)）";
        SpecialCoordination = "special_coordination", "专门协调会议（二(五)）";
    }
}

impl MeetingKind {
    pub fn clause(self) -> &'static str {
        match self {
            MeetingKind::JointSupervision => "004 三(三)",
            MeetingKind::SpecialCoordination => "004 二(五)",
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(as = LinkageMeetingItemInput)]
pub struct ItemInput {
    #[serde(default)]
    pub text: String,
    #[serde(default, deserialize_with = "crate::web::step::id_text")]
    #[schema(value_type = i64)]
    pub owner_unit_id: String,
    #[serde(default)]
    pub due_on: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingInput {
    pub kind: String,
    pub held_on: String,
    #[serde(default)]
    pub place: Option<String>,
    /// Units taking part besides the one that asked for the meeting.
    #[serde(default, deserialize_with = "crate::web::step::one_or_many")]
    #[schema(value_type = Vec<i64>)]
    pub unit_ids: Vec<String>,
    /// People attending (names and posts).
    pub attendees: String,
    pub topics: String,
    pub minutes: String,
    #[serde(default, deserialize_with = "crate::web::step::text_or_number")]
    #[schema(value_type = Option<i64>)]
    pub transfer_id: Option<String>,
    /// Decisions as follow-up items.
    #[serde(default)]
    pub items: Vec<ItemInput>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided {
    pub text: String,
    pub owner_unit_id: i64,
    pub due_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMeeting {
    pub kind: MeetingKind,
    pub held_on: NaiveDate,
    pub place: Option<String>,
    pub unit_ids: Vec<i64>,
    pub attendees: String,
    pub topics: String,
    pub minutes: String,
    pub transfer_id: Option<i64>,
    pub items: Vec<Decided>,
}

impl NewMeeting {
    /// Parse the record of a meeting held on or before `today`; each item is due after the
    /// meeting and after today. Errors name the field and the item line.
    pub fn parse(input: &MeetingInput, today: NaiveDate) -> Result<NewMeeting, FieldErrors> {
        let mut e = FieldErrors::new();
        let kind = MeetingKind::parse(&input.kind);
        if kind.is_none() {
            e.add("kind", "invalid_choice", "请选择会议类型");
        }
        let held_on = e.take(super::model::past_date(
            "held_on",
            "会议日期",
            Some(&input.held_on),
            today,
        ));
        let place = e.take(text::optional("place", "地点", input.place.as_deref(), 100));
        let mut unit_ids = Vec::new();
        for u in input.unit_ids.iter().filter(|u| !u.trim().is_empty()) {
            if let Some(id) = e.take(text::id("unit_ids", "参会单位", u))
                && !unit_ids.contains(&id)
            {
                unit_ids.push(id);
            }
        }
        if unit_ids.is_empty() {
            e.add("unit_ids", "required", "请选择参会单位");
        }
        let attendees = e.take(text::required_long(
            "attendees",
            "参会人员",
            &input.attendees,
            2000,
        ));
        let topics = e.take(text::required_long(
            "topics",
            "研究议题",
            &input.topics,
            2000,
        ));
        let minutes = e.take(text::required_long(
            "minutes",
            "会议纪要",
            &input.minutes,
            10000,
        ));
        let transfer_id = match input.transfer_id.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(t) => e.take(text::id("transfer_id", "关联移送案件", t)).map(Some),
        };
        let mut items = Vec::new();
        for (i, it) in input.items.iter().enumerate() {
            if [&it.text, &it.owner_unit_id, &it.due_on]
                .iter()
                .all(|s| s.trim().is_empty())
            {
                continue;
            }
            let n = i + 1;
            let t = e.take(text::required(
                &format!("items[{i}].text"),
                &format!("第{n}项决定事项"),
                &it.text,
                500,
            ));
            let owner = e.take(text::id(
                &format!("items[{i}].owner_unit_id"),
                &format!("第{n}项责任单位"),
                &it.owner_unit_id,
            ));
            let due = NaiveDate::parse_from_str(it.due_on.trim(), "%Y-%m-%d").ok();
            let due_ok = due.filter(|d| *d > today && held_on.is_none_or(|h| *d > h));
            if due_ok.is_none() {
                e.add(
                    &format!("items[{i}].due_on"),
                    "out_of_range",
                    format!("第{n}项的完成期限应为晚于今天和会议日期的日期"),
                );
            }
            if let (Some(text), Some(owner_unit_id), Some(due_on)) = (t, owner, due_ok) {
                items.push(Decided {
                    text,
                    owner_unit_id,
                    due_on,
                });
            }
        }
        match (
            kind,
            held_on,
            place,
            attendees,
            topics,
            minutes,
            transfer_id,
        ) {
            (
                Some(kind),
                Some(held_on),
                Some(place),
                Some(attendees),
                Some(topics),
                Some(minutes),
                Some(transfer_id),
            ) if e.is_empty() => Ok(NewMeeting {
                kind,
                held_on,
                place,
                unit_ids,
                attendees,
                topics,
                minutes,
                transfer_id,
                items,
            }),
            _ => Err(e),
        }
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = LinkageMeeting)]
pub struct Meeting {
    pub id: i64,
    pub kind: String,
    pub requested_by_unit_id: i64,
    pub requested_by_unit_name: String,
    pub transfer_id: Option<i64>,
    pub held_on: String,
    pub place: Option<String>,
    pub attendees: String,
    pub topics: String,
    pub minutes: String,
    pub created_at: String,
}

impl Meeting {
    pub fn kind_label(&self) -> &'static str {
        MeetingKind::label_of(&self.kind)
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = LinkageMeetingItem)]
pub struct ItemRow {
    pub id: i64,
    pub text: String,
    pub owner_unit_id: i64,
    pub owner_unit_name: String,
    pub due_on: String,
    pub deadline_id: Option<i64>,
    pub done_at: Option<String>,
    pub done_note: Option<String>,
}

const SELECT: &str = "SELECT m.id, m.kind, m.requested_by_unit_id, u.name AS requested_by_unit_name, m.transfer_id, \
    m.held_on, m.place, m.attendees, m.topics, m.minutes, m.created_at \
    FROM linkage_meetings m JOIN units u ON u.id = m.requested_by_unit_id WHERE ";

pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<Option<Meeting>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.push("m.id = ").bind(id).push(" AND ");
    q.append(parties_in_scope(scope, RESOURCE, "m.id"));
    q.query_as().fetch_optional(&db.pool).await
}

pub async fn list(db: &Db, scope: &Scope, w: Window) -> Result<Vec<Meeting>, sqlx::Error> {
    let mut q = Sql::new(SELECT);
    q.append(parties_in_scope(scope, RESOURCE, "m.id"));
    q.push(" ORDER BY m.held_on DESC, m.id DESC");
    q.push(&w.sql());
    q.query_as().fetch_all(&db.pool).await
}

pub async fn items(db: &Db, id: i64) -> Result<Vec<ItemRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT i.id, i.text, i.owner_unit_id, u.name AS owner_unit_name, i.due_on, i.deadline_id, i.done_at, i.done_note \
         FROM linkage_meeting_items i JOIN units u ON u.id = i.owner_unit_id WHERE i.meeting_id = $1 ORDER BY i.id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
}

/// Units taking part (id, name).
pub async fn units(db: &Db, id: i64) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT DISTINCT u.id, u.name FROM record_parties rp JOIN units u ON u.id = rp.unit_id \
         WHERE rp.resource = 'linkage_meeting' AND rp.record_id = $1 ORDER BY u.id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
}

fn may_convene(actor: &Actor) -> bool {
    actor.roles.iter().any(|r| {
        matches!(
            r,
            Role::UnitLiaison
                | Role::UnitHandler
                | Role::OfficeStaff
                | Role::OfficeDirector
                | Role::CountyOfficeStaff
        )
    })
}

/// Record a meeting held at the request of the actor's unit; its decisions become follow-up
/// items with clocks owned by the units named.
pub async fn create(
    db: &Db,
    cal: &Calendar,
    actor: &Actor,
    who: &Who,
    input: &MeetingInput,
) -> AppResult<i64> {
    actor.require(Resource::Linkage, Action::Create)?;
    if !may_convene(actor) {
        return Err(AppError::Forbidden);
    }
    let m = NewMeeting::parse(input, who.today())?;
    // The visibility check reads through the pool, so it runs before the write transaction.
    if let Some(t) = m.transfer_id {
        let scope = super::store::read_scope(actor)?;
        if super::store::get(db, &scope, t).await?.is_none() {
            return Err(AppError::field(
                "transfer_id",
                "not_found",
                "关联的移送案件不存在",
            ));
        }
    }
    let mut tx = db.begin().await?;
    let mut all_units = vec![actor.unit_id];
    for u in m
        .unit_ids
        .iter()
        .chain(m.items.iter().map(|i| &i.owner_unit_id))
    {
        crate::units::store::require_named(
            &mut tx,
            *u,
            "unit_ids",
            "参会或责任单位不存在或已停用",
            crate::access::jurisdiction::Reach::OwnRegion,
            &actor.unit_region,
        )
        .await?;
        if !all_units.contains(u) {
            all_units.push(*u);
        }
    }
    let now = who.at_text();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO linkage_meetings (kind, requested_by_unit_id, transfer_id, held_on, place, attendees, topics, minutes, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(m.kind.code())
    .bind(actor.unit_id)
    .bind(m.transfer_id)
    .bind(m.held_on.to_string())
    .bind(&m.place)
    .bind(&m.attendees)
    .bind(&m.topics)
    .bind(&m.minutes)
    .bind(actor.user_id)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?;
    for (i, u) in all_units.iter().enumerate() {
        let role = if i == 0 { "requester" } else { "participant" };
        crate::access::parties::add(&mut tx, RESOURCE, id, *u, role, &now).await?;
    }
    let link = format!("/linkage/meetings/{id}");
    for it in &m.items {
        let deadline = crate::deadline::store::open(
            &mut tx,
            cal,
            who,
            &NewDeadline {
                purpose: format!("会议决定事项：{}", it.text),
                clause: m.kind.clause().into(),
                start_event: format!("{}召开", m.kind.label()),
                start: m.held_on,
                // The date the meeting named, kept as named (no holiday roll-forward).
                rule: Period::Until(it.due_on),
                record_type: Some(RESOURCE.into()),
                record_id: Some(id),
                owner_unit_id: it.owner_unit_id,
                owner_user_id: None,
            },
        )
        .await?;
        let item: i64 = sqlx::query_scalar(
            "INSERT INTO linkage_meeting_items (meeting_id, text, owner_unit_id, due_on, deadline_id) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(id)
        .bind(&it.text)
        .bind(it.owner_unit_id)
        .bind(it.due_on.to_string())
        .bind(deadline)
        .fetch_one(&mut *tx)
        .await?;
        let title = format!("会议决定事项：{}", it.text);
        notify_unit(
            &mut tx,
            who,
            it.owner_unit_id,
            &title,
            &format!("{}前完成", crate::calendar::date_zh(it.due_on)),
            &link,
        )
        .await?;
        crate::notify::store::add_duty(
            &mut tx,
            who,
            item_duty(item),
            crate::notify::store::Holder::Unit(it.owner_unit_id),
            &title,
            &link,
            Some(&it.due_on.to_string()),
            false,
        )
        .await?;
    }
    audit::record(
        &mut tx,
        who,
        Entry::new("linkage_meeting.create", RESOURCE)
            .object(id, Some(actor.unit_id))
            .summary(json!({"kind": m.kind.code(), "held_on": m.held_on.to_string(), "units": all_units, "items": m.items.len()})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The owner unit's duty to carry out a decided item and report it done.
fn item_duty(item: i64) -> crate::notify::store::Duty<'static> {
    crate::notify::store::Duty::new("linkage_meeting_item", item, "complete")
}

/// The owner unit reports a follow-up item done; its clock is met.
pub async fn complete_item(
    db: &Db,
    cal: &Calendar,
    actor: &Actor,
    who: &Who,
    meeting: i64,
    item: i64,
    note: &str,
) -> AppResult<()> {
    let note = text::required_long("note", "完成情况", note, 2000)?;
    let scope = super::store::read_scope(actor)?;
    get(db, &scope, meeting).await?.ok_or(AppError::NotFound)?;
    let mut tx = db.begin().await?;
    crate::procedure::lock(&mut tx, "linkage_meeting_items", item).await?;
    let row: Option<(i64, Option<i64>, Option<String>)> = sqlx::query_as(
        "SELECT owner_unit_id, deadline_id, done_at FROM linkage_meeting_items WHERE id = $1 AND meeting_id = $2",
    )
    .bind(item)
    .bind(meeting)
    .fetch_optional(&mut *tx)
    .await?;
    let (owner, deadline, done) = row.ok_or(AppError::NotFound)?;
    let unit = actor
        .roles
        .iter()
        .any(|r| matches!(r, Role::UnitLiaison | Role::UnitHandler));
    if owner != actor.unit_id || !unit {
        return Err(AppError::conflict(
            "step_refused",
            "只有责任单位可以报告决定事项完成情况",
        ));
    }
    if done.is_some() {
        return Err(AppError::conflict("step_refused", "该决定事项已报告完成"));
    }
    sqlx::query("UPDATE linkage_meeting_items SET done_at = $1, done_note = $2 WHERE id = $3")
        .bind(who.at_text())
        .bind(&note)
        .bind(item)
        .execute(&mut *tx)
        .await?;
    if let Some(d) = deadline {
        crate::deadline::store::settle_one(&mut tx, cal, who, d, Change::Met { on: who.today() })
            .await?;
    }
    crate::notify::store::discharge(&mut tx, who, item_duty(item)).await?;
    audit::record(
        &mut tx,
        who,
        Entry::new("linkage_meeting.item_done", RESOURCE)
            .object(meeting, Some(owner))
            .summary(json!({"item": item})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn input() -> MeetingInput {
        MeetingInput {
            kind: "joint_supervision".into(),
            held_on: "2026-11-20".into(),
            unit_ids: vec!["3".into()],
            attendees: "市市场监管局分管领导、市公安局食药环侦支队负责人".into(),
            topics: "研究白酒案移送问题".into(),
            minutes: "会议认为……".into(),
            items: vec![
                ItemInput {
                    text: "补充鉴定意见".into(),
                    owner_unit_id: "2".into(),
                    due_on: "2026-12-04".into(),
                },
                ItemInput::default(),
            ],
            ..Default::default()
        }
    }

    #[test]
    fn parses_decided_items() {
        let m = NewMeeting::parse(&input(), d("2026-11-23")).expect("valid");
        assert_eq!(m.items.len(), 1);
        assert_eq!(m.items[0].due_on, d("2026-12-04"));
        assert_eq!(m.kind.clause(), "004 三(三)");
    }

    #[test]
    fn items_need_an_owner_and_a_future_due_date() {
        let mut i = input();
        i.items[0].due_on = "2026-11-22".into();
        i.items.push(ItemInput {
            text: "x".into(),
            owner_unit_id: String::new(),
            due_on: "2026-12-01".into(),
        });
        i.held_on = "2026-11-30".into();
        let e = NewMeeting::parse(&i, d("2026-11-23")).expect_err("invalid");
        let f: Vec<&str> = e.0.iter().map(|x| x.field.as_str()).collect();
        assert!(f.contains(&"held_on"), "future meeting: {f:?}");
        assert!(f.contains(&"items[0].due_on"));
        assert!(f.contains(&"items[2].owner_unit_id"));
    }
}

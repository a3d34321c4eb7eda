//! Importing a work plan (all or nothing, in one transaction) and reading plans with their
//! progress by section and by unit.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{Checked, RegistryUnit, check, sheet};
use crate::access::{Action, Actor, Resource, Scope};
use crate::audit::{self, Entry, Who};
use crate::db::Db;
use crate::error::{AppError, AppResult};

pub const RESOURCE: &str = "plan";
/// A plan item's clock for the activity it asks for (`deadlines.record_type`).
pub const ITEM: &str = "plan_item";

/// The outcome of an import: done, or what must be corrected or chosen first.
pub enum Outcome {
    Imported(i64),
    /// The file has errors; nothing was imported.
    Rejected(Checked),
    /// Some names need a choice; the upload waits as `import_id`.
    NeedsChoice {
        import_id: i64,
        checked: Checked,
    },
}

/// The units a plan of `office` may name: those of the office's region.
async fn registry(db: &Db, office_region: &str) -> Result<Vec<RegistryUnit>, sqlx::Error> {
    let rows: Vec<(i64, String, Option<String>)> = sqlx::query_as(
        "SELECT id, name, short_name FROM units WHERE active = 1 AND region_code LIKE $1 ORDER BY id",
    )
    .bind(format!("{office_region}%"))
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, short_name)| RegistryUnit {
            id,
            name,
            short_name,
        })
        .collect())
}

fn may_import(actor: &Actor) -> AppResult<()> {
    actor.require(Resource::Task, Action::Create)?;
    Ok(())
}

/// Check an uploaded file (with the choices made so far) and import it when it is clean.
/// An upload to check: its title and content, the waiting upload it answers, the choices made.
pub struct Upload<'a> {
    pub title: &'a str,
    pub bytes: Vec<u8>,
    pub pending: Option<i64>,
    pub choices: &'a [(String, i64)],
}

pub async fn import(
    db: &Db,
    cal: &crate::calendar::Calendar,
    actor: &Actor,
    who: &Who,
    upload: Upload<'_>,
) -> AppResult<Outcome> {
    may_import(actor)?;
    let Upload {
        title,
        bytes,
        pending,
        choices,
    } = upload;
    let title = crate::domain::text::required("title", "工作要点名称", title, 100)?;
    let rows = sheet::read(&bytes)?;
    let units = registry(db, actor.unit_region.scope_prefix()).await?;
    let checked = check(&rows, &units, choices, who.today());
    if !checked.errors.is_empty() {
        return Ok(Outcome::Rejected(checked));
    }
    if !checked.ambiguous.is_empty() {
        let import_id = match pending {
            Some(id) => id,
            None => {
                let mut tx = db.begin().await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO plan_imports (office_unit_id, title, content, created_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(actor.unit_id)
                .bind(&title)
                .bind(bytes)
                .bind(actor.user_id)
                .bind(who.at_text())
                .fetch_one(&mut *tx)
                .await?;
                audit::record(
                    &mut tx,
                    who,
                    Entry::new("plan.upload", RESOURCE)
                        .object(id, Some(actor.unit_id))
                        .summary(json!({"ambiguous": checked.ambiguous.len()})),
                )
                .await?;
                tx.commit().await?;
                id
            }
        };
        return Ok(Outcome::NeedsChoice { import_id, checked });
    }
    let sha = crate::domain::hex(&Sha256::digest(&bytes));
    let mut tx = db.begin().await?;
    let now = who.at_text();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO plans (office_unit_id, title, file_sha256, created_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(actor.unit_id)
    .bind(&title)
    .bind(&sha)
    .bind(actor.user_id)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?;
    crate::access::parties::add(&mut tx, RESOURCE, id, actor.unit_id, "office", &now).await?;
    for item in &checked.items {
        let task = crate::tasks::store::insert(
            &mut tx,
            cal,
            who,
            actor.unit_id,
            actor.user_id,
            &crate::tasks::model::NewTask {
                title: item.text.chars().take(100).collect(),
                description: format!("{title} {}：{}", item.section, item.text),
                source: crate::tasks::flow::Source::WorkPlan,
                source_ref: Some(format!("{title}第{}行", item.row)),
                lead_unit_id: item.lead_unit_id,
                cooperating: item.responsible.clone(),
                due_on: item.due_on,
            },
        )
        .await?;
        let item_id: i64 = sqlx::query_scalar(
            "INSERT INTO plan_items (plan_id, row_number, section, text, lead_unit_id, due_on, task_id, activity_kind) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(id)
        .bind(i64::try_from(item.row).unwrap_or(i64::MAX))
        .bind(&item.section)
        .bind(&item.text)
        .bind(item.lead_unit_id)
        .bind(item.due_on.to_string())
        .bind(task)
        .bind(item.activity.map(|k| k.code()))
        .fetch_one(&mut *tx)
        .await?;
        if let Some(kind) = item.activity {
            // The activity asked for runs on a clock of its own to the item's due date: the
            // activity recorded for it meets it (`activities::store::create`), and the
            // assessment counts it (`assessment::model::Source::Activities`).
            crate::deadline::store::open(
                &mut tx,
                cal,
                who,
                &crate::deadline::store::NewDeadline {
                    purpose: format!("按{title}开展{}", kind.label()),
                    clause: kind.clause().into(),
                    start_event: "工作要点导入".into(),
                    start: who.today(),
                    rule: crate::calendar::Period::Until(item.due_on),
                    record_type: Some(ITEM.into()),
                    record_id: Some(item_id),
                    owner_unit_id: item.lead_unit_id,
                    owner_user_id: None,
                },
            )
            .await?;
        }
        for u in std::iter::once(&item.lead_unit_id).chain(item.responsible.iter()) {
            crate::access::parties::add(&mut tx, RESOURCE, id, *u, "unit", &now).await?;
        }
    }
    if let Some(p) = pending {
        sqlx::query("DELETE FROM plan_imports WHERE id = $1")
            .bind(p)
            .execute(&mut *tx)
            .await?;
    }
    audit::record(
        &mut tx,
        who,
        Entry::new("plan.import", RESOURCE)
            .object(id, Some(actor.unit_id))
            .summary(json!({"items": checked.items.len(), "sha256": sha})),
    )
    .await?;
    tx.commit().await?;
    Ok(Outcome::Imported(id))
}

/// A waiting upload of the actor's office: its title and content.
pub async fn pending(db: &Db, actor: &Actor, id: i64) -> AppResult<(String, Vec<u8>)> {
    may_import(actor)?;
    let row: Option<(String, Vec<u8>)> = sqlx::query_as(
        "SELECT title, content FROM plan_imports WHERE id = $1 AND office_unit_id = $2",
    )
    .bind(id)
    .bind(actor.unit_id)
    .fetch_optional(&db.pool)
    .await?;
    row.ok_or(AppError::NotFound)
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PlanRow {
    pub id: i64,
    pub title: String,
    pub office_unit_name: String,
    pub created_at: String,
}

pub async fn list(db: &Db, scope: &Scope) -> Result<Vec<PlanRow>, sqlx::Error> {
    let mut q = crate::db::query::Sql::new(
        "SELECT p.id, p.title, u.name AS office_unit_name, p.created_at FROM plans p JOIN units u ON u.id = p.office_unit_id WHERE ",
    );
    q.append(crate::access::sql::parties_in_scope(
        scope, RESOURCE, "p.id",
    ));
    q.push(" ORDER BY p.id DESC LIMIT 100");
    q.query_as().fetch_all(&db.pool).await
}

pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<Option<PlanRow>, sqlx::Error> {
    let mut q = crate::db::query::Sql::new(
        "SELECT p.id, p.title, u.name AS office_unit_name, p.created_at FROM plans p JOIN units u ON u.id = p.office_unit_id WHERE p.id = ",
    );
    q.bind(id).push(" AND ");
    q.append(crate::access::sql::parties_in_scope(
        scope, RESOURCE, "p.id",
    ));
    q.query_as().fetch_optional(&db.pool).await
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = PlanItemRow)]
pub struct ItemRow {
    pub id: i64,
    pub row_number: i64,
    pub section: String,
    pub text: String,
    pub lead_unit_id: i64,
    pub lead_unit_name: String,
    pub due_on: String,
    pub task_id: i64,
    pub task_state: String,
    /// 1 when the task's time limit passed without acceptance.
    pub overdue: i64,
    /// The activity the item asks for (`publicity`, `training`, `outreach`), if any.
    pub activity_kind: Option<String>,
    /// The activity recorded for it (not withdrawn): its id, title and day.
    pub activity_id: Option<i64>,
    pub activity_title: Option<String>,
    pub activity_held_on: Option<String>,
}

impl ItemRow {
    pub fn activity_label(&self) -> &'static str {
        self.activity_kind
            .as_deref()
            .map_or("", crate::activities::model::Kind::label_of)
    }
    /// Done: its task accepted, or the activity it asks for recorded.
    pub fn done(&self) -> bool {
        self.task_state == "accepted" || self.activity_id.is_some()
    }
}

pub async fn items(db: &Db, id: i64) -> Result<Vec<ItemRow>, sqlx::Error> {
    sqlx::query_as(
        concat!("SELECT i.id, i.row_number, i.section, i.text, i.lead_unit_id, u.name AS lead_unit_name, i.due_on, i.task_id, t.state AS task_state, \
         CASE WHEN EXISTS (SELECT 1 FROM deadlines d WHERE d.record_type = 'task' AND d.record_id = i.task_id AND ", crate::late_sql!("d"), ") THEN 1 ELSE 0 END AS overdue, \
         i.activity_kind, a.id AS activity_id, a.title AS activity_title, a.held_on AS activity_held_on \
         FROM plan_items i JOIN units u ON u.id = i.lead_unit_id JOIN tasks t ON t.id = i.task_id \
         LEFT JOIN activities a ON a.id = (SELECT MIN(x.id) FROM activities x WHERE x.plan_item_id = i.id AND x.state = 'recorded') \
         WHERE i.plan_id = $1 ORDER BY i.row_number"),
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
}

/// Progress of a group of items: how many, done (accepted), overdue.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Progress {
    pub name: String,
    pub items: i64,
    pub done: i64,
    pub overdue: i64,
}

/// Progress by section (in the plan's order) and by lead unit. Pure.
pub fn progress(items: &[ItemRow]) -> (Vec<Progress>, Vec<Progress>) {
    fn add(p: &mut Progress, i: &ItemRow) {
        p.items += 1;
        p.done += i64::from(i.done());
        p.overdue += i.overdue;
    }
    let mut sections: Vec<Progress> = Vec::new();
    for i in items {
        match sections.iter_mut().find(|s| s.name == i.section) {
            Some(s) => add(s, i),
            None => {
                let mut s = Progress {
                    name: i.section.clone(),
                    ..Default::default()
                };
                add(&mut s, i);
                sections.push(s);
            }
        }
    }
    let mut units: BTreeMap<i64, Progress> = BTreeMap::new();
    for i in items {
        let p = units.entry(i.lead_unit_id).or_insert_with(|| Progress {
            name: i.lead_unit_name.clone(),
            ..Default::default()
        });
        add(p, i);
    }
    (sections, units.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(section: &str, unit: i64, state: &str, overdue: i64) -> ItemRow {
        ItemRow {
            id: 0,
            activity_kind: None,
            activity_id: None,
            activity_title: None,
            activity_held_on: None,
            row_number: 0,
            section: section.into(),
            text: String::new(),
            lead_unit_id: unit,
            lead_unit_name: format!("单位{unit}"),
            due_on: String::new(),
            task_id: 0,
            task_state: state.into(),
            overdue,
        }
    }

    #[test]
    fn progress_by_section_and_unit() {
        let items = [
            item("一", 1, "accepted", 0),
            item("一", 2, "assigned", 1),
            item("二", 1, "in_progress", 0),
        ];
        let (s, u) = progress(&items);
        assert_eq!(
            s.iter()
                .map(|p| (p.name.as_str(), p.items, p.done, p.overdue))
                .collect::<Vec<_>>(),
            [("一", 2, 1, 1), ("二", 1, 0, 0)]
        );
        assert_eq!(
            u.iter().map(|p| (p.items, p.done)).collect::<Vec<_>>(),
            [(2, 1), (1, 0)]
        );
        // An item asking for an activity is done once the activity is recorded.
        let mut asked = item("二", 1, "in_progress", 0);
        asked.activity_kind = Some("training".into());
        assert!(!asked.done());
        asked.activity_id = Some(9);
        assert!(asked.done());
        assert_eq!(progress(&[asked]).0[0].done, 1);
    }
}

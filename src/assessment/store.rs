//! The annual assessment in storage: schemes and their results read by those they concern;
//! the computation that freezes the clocks behind every computed score; objections,
//! adjustments, approval and the circular of the results, each one step through the procedure
//! kernel with its audit record; and the reproduction of the results from the frozen snapshot.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::model::{
    self, Indicator, Outcome, Scheme, SchemeInput, Source, Standing, State, Step, points,
};
use crate::access::{Actor, Role};
use crate::audit::{self, Entry, Who};
use crate::context::Ctx;
use crate::db::{Db, Tx};
use crate::domain::RegionCode;
use crate::error::{AppError, AppResult, OnConstraint};
use crate::notify::store::{Duty, Holder, add_duty, discharge_for, notify_unit};

pub const RESOURCE: &str = "assessment";

const OFFICE_KINDS: &str = "('leading_group', 'group_office', 'county_group', 'county_office')";

fn office_role(actor: &Actor) -> bool {
    actor.roles.iter().any(|r| r.is_office())
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Assessment {
    pub id: i64,
    pub office_unit_id: i64,
    pub office_unit_name: String,
    #[serde(skip)]
    pub office_region: String,
    pub year: i64,
    pub title: String,
    #[serde(skip)]
    pub indicators_json: String,
    /// draft, consulting, approved, issued
    pub state: String,
    pub computed_on: Option<String>,
    pub approved_on: Option<String>,
    pub approved_by_name: Option<String>,
    pub circular_id: Option<i64>,
    pub created_at: String,
}

impl Assessment {
    pub fn state(&self) -> AppResult<State> {
        State::parse(&self.state).ok_or_else(|| AppError::internal("assessment state"))
    }
    pub fn state_label(&self) -> &'static str {
        State::label_of(&self.state)
    }
    pub fn indicators(&self) -> AppResult<Vec<Indicator>> {
        serde_json::from_str(&self.indicators_json)
            .map_err(|e| AppError::internal(format!("assessment indicators: {e}")))
    }
    fn region(&self) -> Option<RegionCode> {
        RegionCode::parse(&self.office_region)
    }
    /// Whether the reader may see it: within the office's region, or above it.
    pub fn visible_to(&self, actor: &Actor) -> bool {
        self.region()
            .is_some_and(|r| r.contains(&actor.unit_region) || actor.unit_region.contains(&r))
    }
    pub fn standing(&self, actor: &Actor, subjects: &[Subject]) -> Standing {
        Standing {
            office: actor.unit_id == self.office_unit_id && office_role(actor),
            // The leader of the office's own group: a city's leader does not approve a county's.
            leader: actor.has(Role::GroupLeader)
                && self.region().as_ref() == Some(&actor.unit_region),
            subject: subjects.iter().any(|s| s.unit_id == actor.unit_id)
                && actor.roles.iter().any(|r| {
                    matches!(
                        r,
                        Role::UnitLiaison | Role::UnitHead | Role::CountyOfficeStaff
                    )
                }),
        }
    }
}

const SELECT: &str = "SELECT a.id, a.office_unit_id, o.name AS office_unit_name, o.region_code AS office_region, \
     a.year, a.title, a.indicators AS indicators_json, a.state, a.computed_on, a.approved_on, a.approved_by_name, \
     a.circular_id, a.created_at FROM assessments a JOIN units o ON o.id = a.office_unit_id";

/// The assessments the reader may see, newest year first.
pub async fn list(db: &Db, actor: &Actor) -> AppResult<Vec<Assessment>> {
    let rows: Vec<Assessment> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SELECT} ORDER BY a.year DESC, a.id DESC"
    )))
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().filter(|a| a.visible_to(actor)).collect())
}

pub async fn get(db: &Db, actor: &Actor, id: i64) -> AppResult<Assessment> {
    let a: Option<Assessment> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE a.id = $1")))
            .bind(id)
            .fetch_optional(&db.pool)
            .await?;
    a.filter(|a| a.visible_to(actor)).ok_or(AppError::NotFound)
}

async fn get_tx(tx: &mut Tx, id: i64) -> Result<Option<Assessment>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE a.id = $1")))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
}

impl crate::procedure::Record for Assessment {
    const TABLE: &'static str = "assessments";
    const CHANGED: &'static str = "考核已被他人办理，请刷新页面后重试";
    fn state_code(&self) -> &str {
        &self.state
    }
    async fn read(tx: &mut Tx, id: i64) -> Result<Option<Self>, sqlx::Error> {
        get_tx(tx, id).await
    }
}

/// An office sets the year's scheme (001 §14; 003 二(四)): the default indicators unless it
/// names its own, weights adding up to 100; one assessment per office and year.
pub async fn create(db: &Db, actor: &Actor, who: &Who, input: &SchemeInput) -> AppResult<i64> {
    let office_kind: Option<String> = sqlx::query_scalar("SELECT kind FROM units WHERE id = $1")
        .bind(actor.unit_id)
        .fetch_optional(&db.pool)
        .await?;
    if !office_role(actor)
        || !matches!(
            office_kind.as_deref(),
            Some("group_office" | "county_office")
        )
    {
        return Err(AppError::Forbidden);
    }
    let s = Scheme::parse(input, chrono::Datelike::year(&who.today()))?;
    let mut tx = db.begin().await?;
    let exists: Option<i64> =
        sqlx::query_scalar("SELECT id FROM assessments WHERE office_unit_id = $1 AND year = $2")
            .bind(actor.unit_id)
            .bind(i64::from(s.year))
            .fetch_optional(&mut *tx)
            .await?;
    if exists.is_some() {
        return Err(AppError::field(
            "year",
            "taken",
            format!("{}年度的考核已经设立", s.year),
        ));
    }
    let now = who.at_text();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO assessments (office_unit_id, year, title, indicators, state, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 'draft', $5, $5) RETURNING id",
    )
    .bind(actor.unit_id)
    .bind(i64::from(s.year))
    .bind(&s.title)
    .bind(json!(s.indicators).to_string())
    .bind(&now)
    .fetch_one(&mut *tx)
    .await
    // Two schemes for the year sent at once: the second is told as the check above tells it.
    .on_unique("assessments", || {
        AppError::field("year", "taken", format!("{}年度的考核已经设立", s.year))
    })?;
    audit::record(
        &mut tx,
        who,
        Entry::new("assessment.create", RESOURCE)
            .object(id, Some(actor.unit_id))
            .summary(json!({"year": s.year, "indicators": s.indicators})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

// ---------------------------------------------------------------------------------------------
// Subjects, scores and results.

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = AssessmentSubject)]
pub struct Subject {
    pub unit_id: i64,
    pub name: String,
    /// `unit` (a member unit of the office's region) or `county` (a county, by its office).
    pub kind: String,
}

pub async fn subjects(db: &Db, id: i64) -> Result<Vec<Subject>, sqlx::Error> {
    sqlx::query_as(
        "SELECT s.unit_id, u.name, s.kind FROM assessment_subjects s JOIN units u ON u.id = s.unit_id \
         WHERE s.assessment_id = $1 ORDER BY s.kind DESC, s.unit_id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = AssessmentScore)]
pub struct ScoreRow {
    pub unit_id: i64,
    pub indicator: String,
    pub score_centi: i64,
    pub counted: i64,
    pub on_time: i64,
}

/// One subject's line of the results.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = AssessmentLine)]
pub struct ResultLine {
    pub unit_id: i64,
    pub name: String,
    pub kind: String,
    pub rank: usize,
    /// In hundredths of a point.
    pub total_centi: i64,
    pub total: String,
    pub scores: BTreeMap<String, ScoreRow>,
}

/// The ranking of units and that of counties, each highest first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = AssessmentResults)]
pub struct Results {
    pub units: Vec<ResultLine>,
    pub counties: Vec<ResultLine>,
}

pub async fn scores(db: &Db, id: i64) -> Result<Vec<ScoreRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT unit_id, indicator, score_centi, counted, on_time FROM assessment_scores WHERE assessment_id = $1",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
}

/// Rank the subjects by their scores. Pure.
pub fn rank(subjects: &[Subject], scores: &[ScoreRow]) -> Results {
    let line = |s: &Subject| {
        let mine: BTreeMap<String, ScoreRow> = scores
            .iter()
            .filter(|r| r.unit_id == s.unit_id)
            .map(|r| (r.indicator.clone(), r.clone()))
            .collect();
        let total_centi = mine.values().map(|r| r.score_centi).sum();
        ResultLine {
            unit_id: s.unit_id,
            name: s.name.clone(),
            kind: s.kind.clone(),
            rank: 0,
            total_centi,
            total: points(total_centi),
            scores: mine,
        }
    };
    let ranked = |kind: &str| {
        let mut lines: Vec<ResultLine> = subjects
            .iter()
            .filter(|s| s.kind == kind)
            .map(line)
            .collect();
        lines.sort_by(|a, b| {
            b.total_centi
                .cmp(&a.total_centi)
                .then(a.unit_id.cmp(&b.unit_id))
        });
        let totals: Vec<i64> = lines.iter().map(|l| l.total_centi).collect();
        for (l, r) in lines.iter_mut().zip(model::ranks(&totals)) {
            l.rank = r;
        }
        lines
    };
    Results {
        units: ranked("unit"),
        counties: ranked("county"),
    }
}

pub async fn results(db: &Db, id: i64) -> AppResult<Results> {
    let subjects = subjects(db, id).await?;
    let scores = scores(db, id).await?;
    Ok(rank(&subjects, &scores))
}

/// A clock behind a computed score, as frozen.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = AssessmentClock)]
pub struct FrozenClock {
    pub deadline_id: i64,
    /// on_time, late, missed or overdue when computed.
    pub outcome: String,
    pub purpose: String,
    pub clause: String,
    pub due_date: Option<String>,
    pub owner_unit_name: String,
}

impl FrozenClock {
    pub fn outcome_label(&self) -> &'static str {
        Outcome::parse(&self.outcome)
            .map(Outcome::label)
            .unwrap_or("")
    }
}

/// The clocks a subject's computed score counted; `late_only` leaves out those on time.
pub async fn clocks(
    db: &Db,
    id: i64,
    unit: i64,
    indicator: &str,
    late_only: bool,
) -> Result<Vec<FrozenClock>, sqlx::Error> {
    let filter = if late_only {
        " AND c.outcome <> 'on_time'"
    } else {
        ""
    };
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT c.deadline_id, c.outcome, d.purpose, d.clause, d.due_date, u.name AS owner_unit_name \
         FROM assessment_clocks c JOIN deadlines d ON d.id = c.deadline_id JOIN units u ON u.id = d.owner_unit_id \
         WHERE c.assessment_id = $1 AND c.unit_id = $2 AND c.indicator = $3{filter} ORDER BY d.due_date, c.deadline_id"
    )))
    .bind(id)
    .bind(unit)
    .bind(indicator)
    .fetch_all(&db.pool)
    .await
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = AssessmentAdjustment)]
pub struct Adjustment {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub indicator: String,
    pub from_centi: i64,
    pub to_centi: i64,
    pub reason: String,
    pub evidence: Option<String>,
    pub by_name: String,
    pub at: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = AssessmentObjection)]
pub struct Objection {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub indicator: Option<String>,
    pub text: String,
    pub by_name: String,
    pub at: String,
}

pub async fn adjustments(db: &Db, id: i64) -> Result<Vec<Adjustment>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.id, a.unit_id, u.name AS unit_name, a.indicator, a.from_centi, a.to_centi, a.reason, a.evidence, a.by_name, a.at \
         FROM assessment_adjustments a JOIN units u ON u.id = a.unit_id WHERE a.assessment_id = $1 ORDER BY a.id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
}

pub async fn objections(db: &Db, id: i64) -> Result<Vec<Objection>, sqlx::Error> {
    sqlx::query_as(
        "SELECT o.id, o.unit_id, u.name AS unit_name, o.indicator, o.text, o.by_name, o.at \
         FROM assessment_objections o JOIN units u ON u.id = o.unit_id WHERE o.assessment_id = $1 ORDER BY o.id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
}

// ---------------------------------------------------------------------------------------------
// The frozen snapshot, and the results reproduced from it.

/// The clocks of one computed indicator, as they stand: `(deadline, owner unit, owner's region,
/// timeliness, due date)` for the clocks due in `year` in the office's region.
async fn clock_facts(
    tx: &mut Tx,
    source: Source,
    region_prefix: &str,
    year: i64,
) -> Result<Vec<(i64, i64, String, String, Option<String>)>, sqlx::Error> {
    let filter = match source {
        Source::Clocks => "",
        Source::Rounds => " AND d.record_type = 'report_round'",
        Source::Tasks => " AND d.record_type = 'task' AND tk.source <> 'inspection_finding'",
        Source::Findings => " AND d.record_type = 'task' AND tk.source = 'inspection_finding'",
        Source::Transfers => " AND d.record_type = 'transfer'",
        Source::DirectReports => " AND d.record_type = 'dr_return'",
        // The work plan's items asking for an activity, each met by the activity recorded
        // for it (002 (八)1–3).
        Source::Activities => " AND d.record_type = 'plan_item'",
    };
    let sql = format!(
        "SELECT d.id, d.owner_unit_id, u.region_code, {} AS t, d.due_date FROM deadlines d \
         JOIN units u ON u.id = d.owner_unit_id \
         LEFT JOIN tasks tk ON d.record_type = 'task' AND tk.id = d.record_id \
         WHERE d.due_date BETWEEN $1 AND $2 AND u.region_code LIKE $3{filter} ORDER BY d.id",
        crate::timeliness_sql!("d")
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(format!("{year}-01-01"))
        .bind(format!("{year}-12-31"))
        .bind(format!("{region_prefix}%"))
        .fetch_all(&mut **tx)
        .await
}

/// Compute the results and freeze them: the subjects (the member units of the office's own
/// region, and for a city office each county), every computed score with the clocks it counted
/// and how each stood that day, and the hand-scored indicators at 0 until the office scores
/// them. Runs inside the step's transaction.
async fn compute(tx: &mut Tx, a: &Assessment, today: NaiveDate) -> AppResult<usize> {
    let region = a
        .region()
        .ok_or_else(|| AppError::internal("office region"))?;
    let units: Vec<(i64, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT id, kind, region_code FROM units WHERE active = 1 AND (kind NOT IN {OFFICE_KINDS} OR kind = 'county_office') ORDER BY id"
    )))
    .fetch_all(&mut **tx)
    .await?;
    let mut subjects: Vec<(i64, &'static str, String)> = Vec::new();
    for (id, kind, r) in units {
        let Some(code) = RegionCode::parse(&r) else {
            continue;
        };
        if kind == "county_office" {
            if code != region && region.contains(&code) {
                subjects.push((id, "county", r));
            }
        } else if code == region {
            subjects.push((id, "unit", r));
        }
    }
    for (id, kind, _) in &subjects {
        sqlx::query(
            "INSERT INTO assessment_subjects (assessment_id, unit_id, kind) VALUES ($1, $2, $3)",
        )
        .bind(a.id)
        .bind(id)
        .bind(*kind)
        .execute(&mut **tx)
        .await?;
    }
    let indicators = a.indicators()?;
    for i in &indicators {
        // Each subject's clocks of this indicator: a unit's own; a county's, every unit's of
        // the county.
        let mut counted: BTreeMap<i64, Vec<(i64, Outcome)>> = BTreeMap::new();
        if let Some(source) = i.source() {
            for (did, owner, r, t, due) in
                clock_facts(tx, source, region.scope_prefix(), a.year).await?
            {
                let due_passed = due
                    .as_deref()
                    .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                    .is_some_and(|d| d < today);
                let Some(o) = Outcome::of(&t, due_passed) else {
                    continue;
                };
                for (sid, kind, sr) in &subjects {
                    let mine = match *kind {
                        "unit" => owner == *sid,
                        _ => r == *sr,
                    };
                    if mine {
                        counted.entry(*sid).or_default().push((did, o));
                    }
                }
            }
        }
        for (sid, _, _) in &subjects {
            let list = counted.remove(sid).unwrap_or_default();
            let outcomes: Vec<Outcome> = list.iter().map(|(_, o)| *o).collect();
            let score = if i.source().is_some() {
                model::score_centi(i.weight, &outcomes)
            } else {
                0
            };
            let on_time = outcomes.iter().filter(|o| **o == Outcome::OnTime).count() as i64;
            sqlx::query(
                "INSERT INTO assessment_scores (assessment_id, unit_id, indicator, score_centi, counted, on_time) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(a.id)
            .bind(sid)
            .bind(&i.code)
            .bind(score)
            .bind(outcomes.len() as i64)
            .bind(on_time)
            .execute(&mut **tx)
            .await?;
            for (did, o) in &list {
                sqlx::query(
                    "INSERT INTO assessment_clocks (assessment_id, unit_id, indicator, deadline_id, outcome) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(a.id)
                .bind(sid)
                .bind(&i.code)
                .bind(did)
                .bind(o.code())
                .execute(&mut **tx)
                .await?;
            }
        }
    }
    Ok(subjects.len())
}

/// Where the stored results and those reproduced from the snapshot differ.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = AssessmentReproduction)]
pub struct Reproduction {
    pub matches: bool,
    /// "unit_id/indicator: stored → reproduced" for each difference.
    pub differences: Vec<String>,
}

/// Reproduce every score from the frozen snapshot alone — the clocks each computed score
/// counted with their outcome, and the office's adjustments in order — and compare with the
/// stored scores. The live clocks are not read: a clock met or corrected since changes nothing.
pub async fn reproduce(db: &Db, actor: &Actor, id: i64) -> AppResult<Reproduction> {
    let a = get(db, actor, id).await?;
    let indicators = a.indicators()?;
    let subjects = subjects(db, id).await?;
    let frozen: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT unit_id, indicator, outcome FROM assessment_clocks WHERE assessment_id = $1",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    let mut want: BTreeMap<(i64, String), i64> = BTreeMap::new();
    for s in &subjects {
        for i in &indicators {
            let outcomes: Vec<Outcome> = frozen
                .iter()
                .filter(|(u, c, _)| *u == s.unit_id && *c == i.code)
                .filter_map(|(_, _, o)| Outcome::parse(o))
                .collect();
            let score = if i.source().is_some() {
                model::score_centi(i.weight, &outcomes)
            } else {
                0
            };
            want.insert((s.unit_id, i.code.clone()), score);
        }
    }
    for adj in adjustments(db, id).await? {
        want.insert((adj.unit_id, adj.indicator), adj.to_centi);
    }
    let mut differences = Vec::new();
    for r in scores(db, id).await? {
        let w = want.remove(&(r.unit_id, r.indicator.clone()));
        if w != Some(r.score_centi) {
            differences.push(format!(
                "{}/{}: {} → {}",
                r.unit_id,
                r.indicator,
                points(r.score_centi),
                w.map(points).unwrap_or_else(|| "—".into())
            ));
        }
    }
    for ((u, c), w) in want {
        differences.push(format!("{u}/{c}: — → {}", points(w)));
    }
    Ok(Reproduction {
        matches: differences.is_empty(),
        differences,
    })
}

// ---------------------------------------------------------------------------------------------
// Steps.

/// A step on an assessment (`{"step": …}`).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(tag = "step", rename_all = "snake_case", deny_unknown_fields)]
pub enum AssessmentStep {
    /// 计算考核结果并征求意见 (the office): the results computed and frozen, the assessed told.
    Compute {},
    /// 提出异议 (an assessed unit or county office, during consultation), with its reasons.
    Object {
        #[serde(default)]
        indicator: Option<String>,
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
    /// 调整得分 (the office, during consultation): a subject's score on an indicator, with the
    /// reason (and for one scored by hand its evidence).
    Adjust {
        #[serde(default, deserialize_with = "crate::web::step::text_or_number")]
        #[schema(value_type = Option<i64>)]
        unit_id: Option<String>,
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        indicator: String,
        /// Points, e.g. "8.5".
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        score: String,
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        reason: String,
        #[serde(default)]
        evidence: Option<String>,
    },
    /// 审定 (the group's leader).
    Approve {},
    /// 通报考核结果 (the office): a circular of the results drafted for signing.
    Issue {},
    /// 责令限期整改 (the office, once issued; 002 (五)2): a rectification task for each unit
    /// named, with its time limit, on the task procedure.
    Rectify {
        #[serde(default, deserialize_with = "crate::web::step::one_or_many")]
        #[schema(value_type = Vec<i64>)]
        unit_ids: Vec<String>,
        /// The time limit (YYYY-MM-DD), after today.
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        due_on: String,
        /// What is to be rectified.
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
}

impl AssessmentStep {
    fn step(&self) -> Step {
        match self {
            AssessmentStep::Compute {} => Step::Compute,
            AssessmentStep::Object { .. } => Step::Object,
            AssessmentStep::Adjust { .. } => Step::Adjust,
            AssessmentStep::Approve {} => Step::Approve,
            AssessmentStep::Issue {} => Step::Issue,
            AssessmentStep::Rectify { .. } => Step::Rectify,
        }
    }
}

fn objection_duty(id: i64) -> Duty<'static> {
    Duty::new(RESOURCE, id, "answer_objections")
}

fn approval_duty(id: i64) -> Duty<'static> {
    Duty::new(RESOURCE, id, "approve")
}

async fn begin(
    db: &Db,
    actor: &Actor,
    id: i64,
    step: Step,
) -> AppResult<(Tx, Assessment, Vec<Subject>, State)> {
    let visible = get(db, actor, id).await?;
    let subj = subjects(db, id).await?;
    let refuse = |a: &Assessment| -> AppResult<State> {
        model::check(a.state()?, step, a.standing(actor, &subj))
            .map_err(|m| AppError::conflict("step_refused", m))
    };
    refuse(&visible)?;
    let (tx, locked) = crate::procedure::open(db, &visible, id).await?;
    let next = refuse(&locked)?;
    Ok((tx, locked, subj, next))
}

async fn finish(
    mut tx: Tx,
    who: &Who,
    a: &Assessment,
    action: &'static str,
    summary: serde_json::Value,
) -> AppResult<()> {
    sqlx::query("UPDATE assessments SET updated_at = $1 WHERE id = $2")
        .bind(who.at_text())
        .bind(a.id)
        .execute(&mut *tx)
        .await?;
    let entry = Entry::new(action, RESOURCE)
        .object(a.id, Some(a.office_unit_id))
        .summary(summary);
    crate::procedure::finish(tx, who, entry).await
}

pub async fn run(
    ctx: &Ctx,
    actor: &Actor,
    who: &Who,
    id: i64,
    input: AssessmentStep,
) -> AppResult<()> {
    let db = &ctx.db;
    let step = input.step();
    let link = format!("/assessments/{id}");
    match input {
        AssessmentStep::Compute {} => {
            let (mut tx, a, _, next) = begin(db, actor, id, step).await?;
            let today = who.today();
            let n = compute(&mut tx, &a, today).await?;
            sqlx::query("UPDATE assessments SET computed_on = $1 WHERE id = $2")
                .bind(today.to_string())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            crate::procedure::transition::<Assessment>(&mut tx, id, &a.state, next.code()).await?;
            let subj: Vec<i64> = sqlx::query_scalar(
                "SELECT unit_id FROM assessment_subjects WHERE assessment_id = $1",
            )
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
            for u in subj {
                notify_unit(
                    &mut tx,
                    who,
                    u,
                    &format!("{}结果征求意见", a.title),
                    "请核对本单位得分，有异议的请说明理由",
                    &link,
                )
                .await?;
            }
            let group = leading_group_of(&mut tx, &a).await?;
            add_duty(
                &mut tx,
                who,
                approval_duty(id),
                Holder::UnitRole(group, Role::GroupLeader),
                &format!("审定{}结果", a.title),
                &link,
                None,
                false,
            )
            .await?;
            finish(
                tx,
                who,
                &a,
                "assessment.compute",
                json!({"subjects": n, "computed_on": today.to_string()}),
            )
            .await
        }
        AssessmentStep::Object { indicator, text } => {
            let text = crate::domain::text::required_long("text", "异议理由", &text, 2000)?;
            let (mut tx, a, _, _) = begin(db, actor, id, step).await?;
            let indicator = indicator
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty());
            if let Some(code) = &indicator
                && !a.indicators()?.iter().any(|i| &i.code == code)
            {
                return Err(AppError::field(
                    "indicator",
                    "invalid_choice",
                    "没有该考核指标",
                ));
            }
            sqlx::query(
                "INSERT INTO assessment_objections (assessment_id, unit_id, indicator, text, by_name, at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(actor.unit_id)
            .bind(&indicator)
            .bind(&text)
            .bind(&who.name)
            .bind(who.at_text())
            .execute(&mut *tx)
            .await?;
            add_duty(
                &mut tx,
                who,
                objection_duty(id),
                Holder::Unit(a.office_unit_id),
                &format!("研究处理{}的异议", a.title),
                &link,
                None,
                false,
            )
            .await?;
            notify_unit(
                &mut tx,
                who,
                a.office_unit_id,
                &format!("{}：{}提出异议", a.title, actor.unit_name),
                &text,
                &link,
            )
            .await?;
            finish(
                tx,
                who,
                &a,
                "assessment.object",
                json!({"unit_id": actor.unit_id, "indicator": indicator}),
            )
            .await
        }
        AssessmentStep::Adjust {
            unit_id,
            indicator,
            score,
            reason,
            evidence,
        } => {
            let mut e = crate::domain::FieldErrors::new();
            let unit = e.take(crate::domain::text::id(
                "unit_id",
                "被考核单位",
                unit_id.as_deref().unwrap_or(""),
            ));
            let a0 = get(db, actor, id).await?;
            let ind = a0
                .indicators()?
                .into_iter()
                .find(|i| i.code == indicator.trim());
            if ind.is_none() {
                e.add("indicator", "invalid_choice", "请选择考核指标");
            }
            let to = ind
                .as_ref()
                .and_then(|i| match model::parse_points(&score, i.weight) {
                    Ok(v) => Some(v),
                    Err(m) => {
                        e.add("score", "out_of_range", m);
                        None
                    }
                });
            let reason = e.take(crate::domain::text::required_long(
                "reason",
                "调整理由",
                &reason,
                1000,
            ));
            let evidence = evidence
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty());
            if ind.as_ref().is_some_and(|i| i.source().is_none()) && evidence.is_none() {
                e.add("evidence", "required", "手工评分的指标请写明评分依据");
            }
            let (Some(unit), Some(ind), Some(to), Some(reason)) = (unit, ind, to, reason) else {
                return Err(AppError::Validation(e));
            };
            if !e.is_empty() {
                return Err(AppError::Validation(e));
            }
            let (mut tx, a, subj, _) = begin(db, actor, id, step).await?;
            if !subj.iter().any(|s| s.unit_id == unit) {
                return Err(AppError::field(
                    "unit_id",
                    "not_found",
                    "该单位不是被考核单位",
                ));
            }
            let from: i64 = sqlx::query_scalar(
                "SELECT score_centi FROM assessment_scores WHERE assessment_id = $1 AND unit_id = $2 AND indicator = $3",
            )
            .bind(id)
            .bind(unit)
            .bind(&ind.code)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE assessment_scores SET score_centi = $1 WHERE assessment_id = $2 AND unit_id = $3 AND indicator = $4",
            )
            .bind(to)
            .bind(id)
            .bind(unit)
            .bind(&ind.code)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO assessment_adjustments (assessment_id, unit_id, indicator, from_centi, to_centi, reason, evidence, by_name, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(id)
            .bind(unit)
            .bind(&ind.code)
            .bind(from)
            .bind(to)
            .bind(&reason)
            .bind(&evidence)
            .bind(&who.name)
            .bind(who.at_text())
            .execute(&mut *tx)
            .await?;
            finish(
                tx,
                who,
                &a,
                "assessment.adjust",
                json!({"unit_id": unit, "indicator": ind.code, "from": points(from), "to": points(to), "reason": reason}),
            )
            .await
        }
        AssessmentStep::Approve {} => {
            let (mut tx, a, _, next) = begin(db, actor, id, step).await?;
            sqlx::query(
                "UPDATE assessments SET approved_on = $1, approved_by_name = $2 WHERE id = $3",
            )
            .bind(who.today().to_string())
            .bind(&who.name)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            crate::procedure::transition::<Assessment>(&mut tx, id, &a.state, next.code()).await?;
            let group = leading_group_of(&mut tx, &a).await?;
            discharge_for(
                &mut tx,
                who,
                approval_duty(id),
                Holder::UnitRole(group, Role::GroupLeader),
            )
            .await?;
            discharge_for(
                &mut tx,
                who,
                objection_duty(id),
                Holder::Unit(a.office_unit_id),
            )
            .await?;
            finish(tx, who, &a, "assessment.approve", json!({})).await
        }
        AssessmentStep::Issue {} => {
            let (mut tx, a, subj, next) = begin(db, actor, id, step).await?;
            let scores: Vec<ScoreRow> = sqlx::query_as(
                "SELECT unit_id, indicator, score_centi, counted, on_time FROM assessment_scores WHERE assessment_id = $1",
            )
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
            let r = rank(&subj, &scores);
            let n = crate::circulars::NewCircular {
                kind: crate::circulars::Kind::Data,
                title: format!("关于{}年度打击侵权假冒工作绩效考核结果的通报", a.year),
                body: circular_body(&a, &r),
                named: None,
                unit_ids: subj.iter().map(|s| s.unit_id).collect(),
                report_ids: Vec::new(),
                include_figures: false,
            };
            let circular = crate::circulars::store::draft_in(ctx, &mut tx, actor, who, &n).await?;
            sqlx::query("UPDATE assessments SET circular_id = $1 WHERE id = $2")
                .bind(circular)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            crate::procedure::transition::<Assessment>(&mut tx, id, &a.state, next.code()).await?;
            finish(
                tx,
                who,
                &a,
                "assessment.issue",
                json!({"circular_id": circular}),
            )
            .await
        }
        AssessmentStep::Rectify {
            unit_ids,
            due_on,
            text,
        } => {
            let mut e = crate::domain::FieldErrors::new();
            let today = who.today();
            let due = e.take(crate::domain::date::parse("due_on", "整改时限", &due_on));
            if due.is_some_and(|d| d <= today) {
                e.add("due_on", "out_of_range", "整改时限应晚于今天");
            }
            let text = e.take(crate::domain::text::required_long(
                "text",
                "整改要求",
                &text,
                2000,
            ));
            let mut units = Vec::new();
            for u in unit_ids.iter().filter(|u| !u.trim().is_empty()) {
                if let Some(id) = e.take(crate::domain::text::id("unit_ids", "整改单位", u))
                    && !units.contains(&id)
                {
                    units.push(id);
                }
            }
            if units.is_empty() {
                e.add("unit_ids", "required", "请选择整改单位");
            }
            let (Some(due), Some(text)) = (due, text) else {
                return Err(AppError::Validation(e));
            };
            if !e.is_empty() {
                return Err(AppError::Validation(e));
            }
            let (mut tx, a, subj, _) = begin(db, actor, id, step).await?;
            let cal = ctx.calendar();
            let mut tasks = Vec::new();
            for u in &units {
                let Some(s) = subj.iter().find(|s| s.unit_id == *u) else {
                    return Err(AppError::field(
                        "unit_ids",
                        "not_found",
                        "该单位不是被考核单位",
                    ));
                };
                let new = crate::tasks::model::NewTask {
                    title: format!("{}年度绩效考核问题整改（{}）", a.year, s.name),
                    description: text.clone(),
                    source: crate::tasks::flow::Source::AssessmentCriticism,
                    source_ref: Some(rectification_ref(&a)),
                    lead_unit_id: *u,
                    cooperating: Vec::new(),
                    due_on: due,
                };
                tasks.push(
                    crate::tasks::store::insert(
                        &mut tx,
                        &cal,
                        who,
                        a.office_unit_id,
                        actor.user_id,
                        &new,
                    )
                    .await?,
                );
            }
            finish(
                tx,
                who,
                &a,
                "assessment.rectify",
                json!({"units": units, "due_on": due.to_string(), "tasks": tasks}),
            )
            .await
        }
    }
}

/// The tasks of rectification an assessment gave (002 (五)2).
pub async fn rectifications(db: &Db, a: &Assessment) -> Result<Vec<Rectification>, sqlx::Error> {
    sqlx::query_as(
        "SELECT t.id, t.code, u.name AS unit_name, t.due_on, t.state FROM tasks t JOIN units u ON u.id = t.lead_unit_id \
         WHERE t.office_unit_id = $1 AND t.source = 'assessment_criticism' AND t.source_ref = $2 ORDER BY t.id",
    )
    .bind(a.office_unit_id)
    .bind(rectification_ref(a))
    .fetch_all(&db.pool)
    .await
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = AssessmentRectification)]
pub struct Rectification {
    pub id: i64,
    pub code: String,
    pub unit_name: String,
    pub due_on: String,
    pub state: String,
}

fn rectification_ref(a: &Assessment) -> String {
    format!("{}（考核结果通报）", a.title)
}

/// The leading group the office serves: the group of the office's region.
async fn leading_group_of(tx: &mut Tx, a: &Assessment) -> AppResult<i64> {
    let id: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM units WHERE kind IN ('leading_group', 'county_group') AND region_code = $1 AND active = 1 ORDER BY id LIMIT 1",
    )
    .bind(&a.office_region)
    .fetch_optional(&mut **tx)
    .await?;
    id.ok_or_else(|| AppError::conflict("no_group", "本地区尚未设立领导小组，无人审定"))
}

/// The circular's text: the ranking of units and of counties with their totals.
fn circular_body(a: &Assessment, r: &Results) -> String {
    let mut body = format!(
        "各成员单位、各县（区）打击侵权假冒工作领导小组办公室：\n根据《打击侵犯知识产权和制售假冒伪劣商品工作领导小组工作规则》第十四条，领导小组办公室组织开展了{}年度打击侵权假冒工作绩效考核。考核结果经征求意见、领导小组组长审定，现予通报。\n",
        a.year
    );
    for (title, lines) in [
        ("一、成员单位考核结果", &r.units),
        ("二、县（区）考核结果", &r.counties),
    ] {
        if lines.is_empty() {
            continue;
        }
        body.push_str(title);
        body.push('\n');
        for l in lines {
            body.push_str(&format!("第{}名 {}，{}分\n", l.rank, l.name, l.total));
        }
    }
    body.push_str("希望受到表扬的单位再接再厉；排名靠后的单位要认真查找问题，限期整改。");
    body
}

//! Campaigns, their reports and joint actions in storage: scoped reads, the launch with each
//! unit's report on its clock and its to-do, the steps on a report and on a campaign through
//! the procedure kernel, joint actions recorded and withdrawn, and the totals — each act one
//! transaction with its audit record.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::model::{
    self, CampaignInput, CampaignState, Counted, JointCounted, JointInput, JointState, JointTally,
    NewCampaign, NewJoint, Product, ReportAct, ReportRole, ReportState, Right, Standing, Tally,
};
use crate::access::jurisdiction::Reach;
use crate::access::sql::parties_in_scope;
use crate::access::{Action, Actor, Resource, Role, Scope};
use crate::audit::{self, Entry, Who};
use crate::calendar::{Calendar, Period};
use crate::db::query::{Sql, Window};
use crate::db::{Db, Tx};
use crate::deadline::Timeliness;
use crate::deadline::store::{Change, NewDeadline};
use crate::direct_reports::model::{FiguresInput, Indicator};
use crate::error::{AppError, AppResult};
use crate::notify::store::{Duty, Holder, add_duty, discharge_for, notify_unit};

pub const CAMPAIGN: &str = "campaign";
pub const REPORT: &str = "campaign_report";
pub const JOINT: &str = "joint_action";

/// Campaigns, their reports and joint actions are read as reports are (`Resource::Report`):
/// the office and the leaders their region's, a unit what it is party to.
pub fn read_scope(actor: &Actor) -> AppResult<Scope> {
    actor.require(Resource::Report, Action::Read)
}

fn office_role(actor: &Actor) -> bool {
    actor.roles.iter().any(|r| r.is_office())
}

fn reporter_role(actor: &Actor) -> bool {
    actor.roles.iter().any(|r| {
        matches!(
            r,
            Role::UnitLiaison | Role::UnitHandler | Role::CountyOfficeStaff
        )
    })
}

fn refused(m: &str) -> AppError {
    AppError::conflict("step_refused", m)
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").unwrap_or_default()
}

fn list_codes<S: serde::Serializer>(stored: &str, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(stored.split(',').filter(|c| !c.is_empty()))
}

// ---------------------------------------------------------------------------------------------
// Campaigns.

/// A campaign as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = Campaign)]
pub struct CampaignRow {
    pub id: i64,
    /// The office that launched it.
    pub office_unit_id: i64,
    pub office_unit_name: String,
    #[serde(skip)]
    pub office_region: String,
    pub title: String,
    pub goal: String,
    pub starts_on: String,
    pub ends_on: String,
    /// GB/T 2260 codes of the regions it covers.
    #[serde(serialize_with = "list_codes")]
    #[schema(value_type = Vec<String>)]
    pub regions: String,
    /// Key products targeted (002 (一)1).
    #[serde(serialize_with = "list_codes")]
    #[schema(value_type = Vec<String>)]
    pub products: String,
    /// Rights targeted: copyright, trademark, patent.
    #[serde(serialize_with = "list_codes")]
    #[schema(value_type = Vec<String>)]
    pub rights: String,
    pub lead_unit_id: i64,
    pub lead_unit_name: String,
    /// Working days after a stage's last day within which units report.
    pub due_working_days: i64,
    /// `under_way` or `concluded`.
    pub state: String,
    pub conclusion: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl CampaignRow {
    pub fn state(&self) -> AppResult<CampaignState> {
        CampaignState::parse(&self.state).ok_or_else(|| AppError::internal("campaign state"))
    }
    pub fn state_label(&self) -> &'static str {
        CampaignState::label_of(&self.state)
    }
    pub fn product_labels(&self) -> String {
        model::labels(&self.products, Product::parse, Product::label)
    }
    pub fn right_labels(&self) -> String {
        model::labels(&self.rights, Right::parse, Right::label)
    }
    pub fn region_names(&self) -> String {
        crate::domain::region::names_zh(&self.regions)
    }
    /// Whether `actor` speaks for the office that launched it.
    pub fn is_office(&self, actor: &Actor) -> bool {
        actor.unit_id == self.office_unit_id && office_role(actor)
    }
}

const CAMPAIGN_SELECT: &str = "SELECT c.id, c.office_unit_id, o.name AS office_unit_name, o.region_code AS office_region, \
    c.title, c.goal, c.starts_on, c.ends_on, c.regions, c.products, c.rights, c.lead_unit_id, l.name AS lead_unit_name, \
    c.due_working_days, c.state, c.conclusion, c.created_at, c.updated_at \
    FROM campaigns c JOIN units o ON o.id = c.office_unit_id JOIN units l ON l.id = c.lead_unit_id WHERE ";

pub async fn get(db: &Db, scope: &Scope, id: i64) -> AppResult<Option<CampaignRow>> {
    let mut q = Sql::new(CAMPAIGN_SELECT);
    q.push("c.id = ").bind(id).push(" AND ");
    q.append(parties_in_scope(scope, CAMPAIGN, "c.id"));
    Ok(q.query_as().fetch_optional(&db.pool).await?)
}

async fn get_tx(tx: &mut Tx, id: i64) -> Result<Option<CampaignRow>, sqlx::Error> {
    let mut q = Sql::new(CAMPAIGN_SELECT);
    q.push("c.id = ").bind(id);
    q.query_as().fetch_optional(&mut **tx).await
}

/// The campaigns in scope, the latest first.
pub async fn list(db: &Db, scope: &Scope, w: Window) -> AppResult<Vec<CampaignRow>> {
    let mut q = Sql::new(CAMPAIGN_SELECT);
    q.append(parties_in_scope(scope, CAMPAIGN, "c.id"));
    q.push(" ORDER BY c.starts_on DESC, c.id DESC");
    q.push(&w.sql());
    Ok(q.query_as().fetch_all(&db.pool).await?)
}

/// A unit of a campaign.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = CampaignUnit)]
pub struct CampaignUnit {
    pub unit_id: i64,
    pub name: String,
    /// `lead` or `participant`.
    pub role: String,
}

pub async fn units(db: &Db, id: i64) -> AppResult<Vec<CampaignUnit>> {
    Ok(sqlx::query_as(
        "SELECT rp.unit_id, u.name, rp.party_role AS role FROM record_parties rp JOIN units u ON u.id = rp.unit_id \
         WHERE rp.resource = 'campaign' AND rp.record_id = $1 AND rp.party_role IN ('lead', 'participant') \
         ORDER BY rp.party_role, u.id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?)
}

async fn is_party(tx: &mut Tx, resource: &str, id: i64, unit: i64) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM record_parties WHERE resource = $1 AND record_id = $2 AND unit_id = $3",
    )
    .bind(resource)
    .bind(id)
    .bind(unit)
    .fetch_one(&mut **tx)
    .await?;
    Ok(n > 0)
}

/// A reporting stage.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = CampaignStage)]
pub struct StageRow {
    pub id: i64,
    pub seq: i64,
    pub label: String,
    /// Its last day: the units report after it.
    pub ends_on: String,
    /// The due date computed at the launch (each report's clock is the source).
    pub due_on: String,
}

pub async fn stages(db: &Db, id: i64) -> AppResult<Vec<StageRow>> {
    Ok(sqlx::query_as(
        "SELECT id, seq, label, ends_on, due_on FROM campaign_stages WHERE campaign_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?)
}

fn report_duty(id: i64) -> Duty<'static> {
    Duty::new(REPORT, id, "report")
}

/// Launch a campaign (an office): the campaign with its parties, its stages and, for each
/// stage and participating unit, the report with its clock (the stage's last day plus the
/// campaign's working days, on the calendar) and its to-do; the units are told.
pub async fn create(
    db: &Db,
    cal: &Calendar,
    actor: &Actor,
    who: &Who,
    input: &CampaignInput,
) -> AppResult<i64> {
    actor.require(Resource::Report, Action::Create)?;
    if !office_role(actor) {
        return Err(AppError::Forbidden);
    }
    let c = NewCampaign::parse(input, &actor.unit_region)?;
    if c.unit_ids.contains(&actor.unit_id) {
        return Err(AppError::field(
            "unit_ids",
            "invalid_choice",
            "发起专项行动的办公室汇总各单位的报送情况，不作为参与单位",
        ));
    }
    let rule = Period::WorkingDays(c.due_working_days);
    let mut dues = Vec::new();
    for s in &c.stages {
        dues.push(
            cal.due_date(*s, rule)
                .map_err(|e| AppError::field("ends_on", "calendar", e.to_string()))?,
        );
    }
    let today = who.today();
    if let Some(m) = dues.first().and_then(|d| model::launch_refusal(*d, today)) {
        return Err(AppError::field("stages", "out_of_range", m));
    }
    let now = who.at_text();
    let mut tx = db.begin().await?;
    for u in &c.unit_ids {
        let field = if *u == c.lead_unit_id {
            "lead_unit_id"
        } else {
            "unit_ids"
        };
        crate::units::store::require_named(
            &mut tx,
            *u,
            field,
            "参与单位不存在或已停用",
            Reach::OwnRegion,
            &actor.unit_region,
        )
        .await?;
        let kind: String = sqlx::query_scalar("SELECT kind FROM units WHERE id = $1")
            .bind(u)
            .fetch_one(&mut *tx)
            .await?;
        if matches!(kind.as_str(), "leading_group" | "county_group") {
            return Err(AppError::field(
                field,
                "invalid_choice",
                "领导小组不作为专项行动的参与单位",
            ));
        }
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO campaigns (office_unit_id, title, goal, starts_on, ends_on, regions, products, rights, lead_unit_id, \
         due_working_days, state, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'under_way', $11, $12, $12) RETURNING id",
    )
    .bind(actor.unit_id)
    .bind(&c.title)
    .bind(&c.goal)
    .bind(c.starts_on.to_string())
    .bind(c.ends_on.to_string())
    .bind(c.regions.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(","))
    .bind(c.products.iter().map(|p| p.code()).collect::<Vec<_>>().join(","))
    .bind(c.rights.iter().map(|p| p.code()).collect::<Vec<_>>().join(","))
    .bind(c.lead_unit_id)
    .bind(i64::from(c.due_working_days))
    .bind(actor.user_id)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?;
    crate::access::parties::add(&mut tx, CAMPAIGN, id, actor.unit_id, "office", &now).await?;
    for u in &c.unit_ids {
        let role = if *u == c.lead_unit_id {
            "lead"
        } else {
            "participant"
        };
        crate::access::parties::add(&mut tx, CAMPAIGN, id, *u, role, &now).await?;
    }
    let count = c.stages.len();
    for (n, (end, due)) in c.stages.iter().zip(&dues).enumerate() {
        let label = model::stage_label(n + 1, count);
        let stage: i64 = sqlx::query_scalar(
            "INSERT INTO campaign_stages (campaign_id, seq, label, ends_on, due_on) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(id)
        .bind(i64::try_from(n + 1).unwrap_or(1))
        .bind(&label)
        .bind(end.to_string())
        .bind(due.to_string())
        .fetch_one(&mut *tx)
        .await?;
        for u in &c.unit_ids {
            let rid: i64 = sqlx::query_scalar(
                "INSERT INTO campaign_reports (campaign_id, stage_id, unit_id, state, created_at, updated_at) \
                 VALUES ($1, $2, $3, 'draft', $4, $4) RETURNING id",
            )
            .bind(id)
            .bind(stage)
            .bind(u)
            .bind(&now)
            .fetch_one(&mut *tx)
            .await?;
            let purpose = format!("报送{}{}工作情况", c.title, label);
            let deadline = crate::deadline::store::open(
                &mut tx,
                cal,
                who,
                &NewDeadline {
                    purpose: purpose.clone(),
                    clause: model::CLAUSE.into(),
                    start_event: format!("{label}结束"),
                    start: *end,
                    rule,
                    record_type: Some(REPORT.into()),
                    record_id: Some(rid),
                    owner_unit_id: *u,
                    owner_user_id: None,
                },
            )
            .await?;
            sqlx::query("UPDATE campaign_reports SET deadline_id = $1 WHERE id = $2")
                .bind(deadline)
                .bind(rid)
                .execute(&mut *tx)
                .await?;
            crate::access::parties::add(&mut tx, REPORT, rid, *u, "reporter", &now).await?;
            crate::access::parties::add(&mut tx, REPORT, rid, actor.unit_id, "office", &now)
                .await?;
            add_duty(
                &mut tx,
                who,
                report_duty(rid),
                Holder::Unit(*u),
                &format!("请{purpose}"),
                &format!("/campaigns/reports/{rid}"),
                Some(&due.to_string()),
                false,
            )
            .await?;
        }
    }
    for u in &c.unit_ids {
        notify_unit(
            &mut tx,
            who,
            *u,
            &format!("参加专项行动：{}", c.title),
            &format!(
                "{}至{}；各阶段结束后{}个工作日内报送工作情况。",
                crate::calendar::date_zh(c.starts_on),
                crate::calendar::date_zh(c.ends_on),
                c.due_working_days
            ),
            &format!("/campaigns/{id}"),
        )
        .await?;
    }
    audit::record(
        &mut tx,
        who,
        Entry::new("campaign.launch", CAMPAIGN)
            .object(id, Some(actor.unit_id))
            .summary(json!({
                "title": c.title,
                "starts_on": c.starts_on.to_string(),
                "ends_on": c.ends_on.to_string(),
                "lead_unit_id": c.lead_unit_id,
                "units": c.unit_ids,
                "stages": c.stages.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
                "due_on": dues.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
            })),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

impl crate::procedure::Record for CampaignRow {
    const TABLE: &'static str = "campaigns";
    const CHANGED: &'static str = "该专项行动已被他人更新，请刷新页面后重试";
    fn state_code(&self) -> &str {
        &self.state
    }
    async fn read(tx: &mut Tx, id: i64) -> Result<Option<Self>, sqlx::Error> {
        get_tx(tx, id).await
    }
}

/// A step on a campaign (`{"step": …}`).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(tag = "step", rename_all = "snake_case", deny_unknown_fields)]
#[schema(as = CampaignStep)]
pub enum CampaignStep {
    /// 结束专项行动 (the office that launched it, after its end), with its summary.
    Conclude {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
}

pub async fn run_campaign(
    db: &Db,
    actor: &Actor,
    who: &Who,
    id: i64,
    input: CampaignStep,
) -> AppResult<()> {
    let CampaignStep::Conclude { text } = input;
    let scope = read_scope(actor)?;
    let visible = get(db, &scope, id).await?.ok_or(AppError::NotFound)?;
    let rule = |c: &CampaignRow| {
        model::check_conclude(
            c.state()?,
            c.is_office(actor),
            date(&c.ends_on),
            who.today(),
        )
        .map_err(refused)
    };
    rule(&visible)?;
    let summary = crate::domain::text::required_long("text", "专项行动总结", &text, 4000)?;
    let (mut tx, c) = crate::procedure::open(db, &visible, id).await?;
    let next = rule(&c)?;
    sqlx::query("UPDATE campaigns SET conclusion = $1, updated_at = $2 WHERE id = $3")
        .bind(&summary)
        .bind(who.at_text())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    crate::procedure::transition::<CampaignRow>(&mut tx, id, &c.state, next.code()).await?;
    // A concluded campaign takes no more reports: the duties of those not sent are closed.
    let reports: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM campaign_reports WHERE campaign_id = $1")
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
    crate::notify::store::discharge_records(&mut tx, who, REPORT, &reports).await?;
    crate::access::parties::touch(&mut tx, CAMPAIGN, id, &who.at_text()).await?;
    let entry = Entry::new("campaign.conclude", CAMPAIGN)
        .object(id, Some(c.office_unit_id))
        .summary(json!({"conclusion": summary}));
    crate::procedure::finish(tx, who, entry).await
}

// ---------------------------------------------------------------------------------------------
// Reports.

/// A unit's report for a stage.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = CampaignReport)]
pub struct ReportRow {
    pub id: i64,
    pub campaign_id: i64,
    pub campaign_title: String,
    #[serde(skip)]
    pub campaign_state: String,
    pub stage_id: i64,
    pub stage_label: String,
    pub stage_ends_on: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub office_unit_id: i64,
    /// `draft` or `submitted`.
    pub state: String,
    pub deadline_id: Option<i64>,
    /// The clock's due date (an extension moves it).
    pub due_on: String,
    pub submitted_on: Option<String>,
    /// The actions taken, in words (工作措施和成效).
    pub actions: Option<String>,
    /// Why the office last sent it back for correction, and when.
    pub return_reason: Option<String>,
    pub returned_on: Option<String>,
    /// The clock's timeliness: `running`, `on_time`, `late`, `missed` or `waived`.
    pub timeliness: String,
    pub updated_at: String,
}

impl ReportRow {
    pub fn state(&self) -> AppResult<ReportState> {
        ReportState::parse(&self.state).ok_or_else(|| AppError::internal("report state"))
    }
    pub fn state_label(&self) -> &'static str {
        ReportState::label_of(&self.state)
    }
    pub fn timeliness(&self) -> Timeliness {
        match self.timeliness.as_str() {
            "on_time" => Timeliness::OnTime,
            "late" => Timeliness::Late,
            "missed" => Timeliness::Missed,
            "waived" => Timeliness::Waived,
            _ => Timeliness::Running,
        }
    }
    pub fn standing(&self, today: NaiveDate) -> Standing {
        model::standing(self.timeliness(), date(&self.due_on), today)
    }
    pub fn role(&self, actor: &Actor) -> ReportRole {
        ReportRole {
            reporter: actor.unit_id == self.unit_id && reporter_role(actor),
            office: actor.unit_id == self.office_unit_id && office_role(actor),
        }
    }
    fn check(&self, actor: &Actor, act: ReportAct, today: NaiveDate) -> AppResult<ReportState> {
        let campaign =
            CampaignState::parse(&self.campaign_state).unwrap_or(CampaignState::UnderWay);
        model::check_report(
            self.state()?,
            campaign,
            act,
            self.role(actor),
            date(&self.stage_ends_on),
            today,
        )
        .map_err(refused)
    }
}

fn report_select() -> String {
    format!(
        "SELECT r.id, r.campaign_id, c.title AS campaign_title, c.state AS campaign_state, r.stage_id, s.label AS stage_label, \
         s.ends_on AS stage_ends_on, r.unit_id, u.name AS unit_name, c.office_unit_id, r.state, r.deadline_id, \
         COALESCE(d.due_date, s.due_on) AS due_on, r.submitted_on, r.actions, r.return_reason, r.returned_on, \
         {} AS timeliness, r.updated_at \
         FROM campaign_reports r JOIN campaigns c ON c.id = r.campaign_id JOIN campaign_stages s ON s.id = r.stage_id \
         JOIN units u ON u.id = r.unit_id LEFT JOIN deadlines d ON d.id = r.deadline_id WHERE ",
        crate::timeliness_sql!("d")
    )
}

pub async fn get_report(db: &Db, scope: &Scope, id: i64) -> AppResult<Option<ReportRow>> {
    let mut q = Sql::new(&report_select());
    q.push("r.id = ").bind(id).push(" AND ");
    q.append(parties_in_scope(scope, REPORT, "r.id"));
    Ok(q.query_as().fetch_optional(&db.pool).await?)
}

async fn get_report_tx(tx: &mut Tx, id: i64) -> Result<Option<ReportRow>, sqlx::Error> {
    let mut q = Sql::new(&report_select());
    q.push("r.id = ").bind(id);
    q.query_as().fetch_optional(&mut **tx).await
}

/// The reports of a campaign the reader may see, by stage then unit.
pub async fn reports(db: &Db, scope: &Scope, campaign: i64) -> AppResult<Vec<ReportRow>> {
    let mut q = Sql::new(&report_select());
    q.push("r.campaign_id = ").bind(campaign).push(" AND ");
    q.append(parties_in_scope(scope, REPORT, "r.id"));
    q.push(" ORDER BY s.seq, u.id");
    Ok(q.query_as().fetch_all(&db.pool).await?)
}

/// The figures of reports `ids`: report → code → value (blanks left out).
pub async fn figures(db: &Db, ids: &[i64]) -> AppResult<BTreeMap<i64, BTreeMap<String, i64>>> {
    let mut out: BTreeMap<i64, BTreeMap<String, i64>> = BTreeMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let mut q = Sql::new(
        "SELECT report_id, code, value FROM campaign_figures WHERE value IS NOT NULL AND report_id IN (",
    );
    for (n, id) in ids.iter().enumerate() {
        if n > 0 {
            q.push(", ");
        }
        q.bind(*id);
    }
    q.push(")");
    let rows: Vec<(i64, String, i64)> = q.query_as().fetch_all(&db.pool).await?;
    for (r, code, v) in rows {
        out.entry(r).or_default().insert(code, v);
    }
    Ok(out)
}

impl crate::procedure::Record for ReportRow {
    const TABLE: &'static str = "campaign_reports";
    const CHANGED: &'static str = "本阶段工作情况已被他人处理，请刷新页面后重试";
    fn state_code(&self) -> &str {
        &self.state
    }
    async fn read(tx: &mut Tx, id: i64) -> Result<Option<Self>, sqlx::Error> {
        get_report_tx(tx, id).await
    }
}

/// A step on a report (`{"step": …}`).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(tag = "step", rename_all = "snake_case", deny_unknown_fields)]
#[schema(as = CampaignReportStep)]
pub enum ReportStep {
    /// 保存 (the reporting unit): blanks allowed, no check run.
    Save {
        /// Indicator code → value as entered (money in yuan). `transferred` left out takes the
        /// platform's count of the transfers the unit sent in the stage's period.
        #[serde(default)]
        figures: BTreeMap<String, String>,
        /// Indicator code → why a prefilled figure was corrected (required when it differs).
        #[serde(default)]
        reasons: BTreeMap<String, String>,
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        actions: String,
    },
    /// 报送 (the reporting unit, from the stage's last day; again after a send-back): every
    /// figure, the checks and the actions in words; after the due date it counts as late.
    Submit {
        #[serde(default)]
        figures: BTreeMap<String, String>,
        #[serde(default)]
        reasons: BTreeMap<String, String>,
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        actions: String,
    },
    /// 退回修改 (the office that runs the campaign), with the reason: the unit's to-do reopens
    /// and the correction is due by the report's due date (sent again after it, it is late).
    SendBack {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
}

/// The period of a report's stage: from the day after the previous stage's end (the
/// campaign's start for the first) to the stage's end.
async fn stage_bounds(
    c: &mut sqlx::AnyConnection,
    stage_id: i64,
) -> AppResult<(NaiveDate, NaiveDate)> {
    let (campaign_start, seq, ends_on): (String, i64, String) = sqlx::query_as(
        "SELECT c.starts_on, s.seq, s.ends_on FROM campaign_stages s JOIN campaigns c ON c.id = s.campaign_id WHERE s.id = $1",
    )
    .bind(stage_id)
    .fetch_one(&mut *c)
    .await?;
    let previous: Option<String> = sqlx::query_scalar(
        "SELECT p.ends_on FROM campaign_stages p JOIN campaign_stages s ON s.campaign_id = p.campaign_id \
         WHERE s.id = $1 AND p.seq = $2",
    )
    .bind(stage_id)
    .bind(seq - 1)
    .fetch_optional(&mut *c)
    .await?;
    Ok(model::stage_period(
        date(&campaign_start),
        previous.as_deref().map(date),
        date(&ends_on),
    ))
}

/// What the platform counts for a unit's report: the transfers to the police the unit sent in
/// the stage's period (the direct-reporting source `transfers_sent`).
async fn prefill_tx(
    c: &mut sqlx::AnyConnection,
    unit_id: i64,
    (start, end): (NaiveDate, NaiveDate),
) -> Result<BTreeMap<String, i64>, sqlx::Error> {
    let n = crate::direct_reports::store::count(
        c,
        crate::direct_reports::model::Source::TransfersSent,
        unit_id,
        start,
        end,
    )
    .await?;
    Ok(BTreeMap::from([(model::PREFILLED.to_string(), n)]))
}

/// The prefill of report `r` as it stands now, for its page.
pub async fn prefill(db: &Db, r: &ReportRow) -> AppResult<BTreeMap<String, i64>> {
    // A read on a pooled connection: no write lock for a page.
    let mut c = db.pool.acquire().await?;
    let bounds = stage_bounds(&mut c, r.stage_id).await?;
    Ok(prefill_tx(&mut c, r.unit_id, bounds).await?)
}

/// A kept figure's prefill and the reason given for correcting it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = CampaignFigureNote)]
pub struct FigureNote {
    pub code: String,
    pub value: Option<i64>,
    /// What the platform counted when the figure was kept.
    pub prefilled: Option<i64>,
    /// Why the unit corrected it.
    pub reason: Option<String>,
}

/// The figures of report `id` that had a prefill, with the reasons kept.
pub async fn notes(db: &Db, id: i64) -> AppResult<Vec<FigureNote>> {
    Ok(sqlx::query_as(
        "SELECT code, value, prefilled, reason FROM campaign_figures WHERE report_id = $1 AND prefilled IS NOT NULL ORDER BY code",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?)
}

/// Take a step on report `id`.
pub async fn run_report(
    db: &Db,
    cal: &Calendar,
    actor: &Actor,
    who: &Who,
    id: i64,
    input: ReportStep,
) -> AppResult<()> {
    let (act, figures, reasons, actions) = match input {
        ReportStep::Save {
            figures,
            reasons,
            actions,
        } => (ReportAct::Save, figures, reasons, actions),
        ReportStep::Submit {
            figures,
            reasons,
            actions,
        } => (ReportAct::Submit, figures, reasons, actions),
        ReportStep::SendBack { text } => return send_back(db, cal, actor, who, id, &text).await,
    };
    let submit = act == ReportAct::Submit;
    let today = who.today();
    let scope = read_scope(actor)?;
    let visible = get_report(db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    visible.check(actor, act, today)?;
    let actions = actions.trim().to_string();
    if actions.chars().count() > 4000 {
        return Err(AppError::field(
            "actions",
            "too_long",
            "工作措施和成效不能超过4000个字符",
        ));
    }
    let (mut tx, r) = crate::procedure::open(db, &visible, id).await?;
    let next = r.check(actor, act, today)?;
    // The prefill is counted under the lock, so the figure checked is the one kept.
    let bounds = stage_bounds(&mut tx, r.stage_id).await?;
    let pre = prefill_tx(&mut tx, r.unit_id, bounds).await?;
    let set = model::data_set(&r.campaign_title, model::DEFAULT_DUE_WORKING_DAYS);
    let mut parsed = crate::direct_reports::model::parse_figures(
        &set,
        &FiguresInput { figures, reasons },
        &pre,
        submit,
    );
    if submit && actions.is_empty() {
        let e =
            crate::domain::FieldError::new("actions", "required", "请填写本阶段的工作措施和成效");
        parsed = match parsed {
            Ok(_) => Err(crate::domain::FieldErrors(vec![e])),
            Err(mut fe) => {
                fe.0.push(e);
                Err(fe)
            }
        };
    }
    let figs = parsed?;
    sqlx::query("DELETE FROM campaign_figures WHERE report_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    for f in &figs {
        sqlx::query(
            "INSERT INTO campaign_figures (report_id, code, value, prefilled, reason) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(&f.code)
        .bind(f.value)
        .bind(f.prefilled)
        .bind(&f.reason)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query("UPDATE campaign_reports SET actions = $1, updated_at = $2 WHERE id = $3")
        .bind((!actions.is_empty()).then_some(actions.as_str()))
        .bind(who.at_text())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    crate::access::parties::touch(&mut tx, REPORT, id, &who.at_text()).await?;
    let late = submit && today > date(&r.due_on);
    if submit {
        sqlx::query("UPDATE campaign_reports SET submitted_on = $1 WHERE id = $2")
            .bind(today.to_string())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        crate::procedure::transition::<ReportRow>(&mut tx, id, &r.state, next.code()).await?;
        if let Some(d) = r.deadline_id {
            crate::deadline::store::settle_one(&mut tx, cal, who, d, Change::Met { on: today })
                .await?;
        }
        discharge_for(&mut tx, who, report_duty(id), Holder::Unit(r.unit_id)).await?;
        let again = r.state == ReportState::Returned.code();
        notify_unit(
            &mut tx,
            who,
            r.office_unit_id,
            &format!(
                "{}{}了{}{}工作情况",
                r.unit_name,
                if again {
                    "修改后重新报送"
                } else {
                    "报送"
                },
                r.campaign_title,
                r.stage_label
            ),
            if late { "逾期报送" } else { "按期报送" },
            &format!("/campaigns/{}", r.campaign_id),
        )
        .await?;
    }
    let corrected: Vec<_> = figs
        .iter()
        .filter(|f| f.reason.is_some())
        .map(|f| json!({"code": f.code, "prefilled": f.prefilled, "value": f.value, "reason": f.reason}))
        .collect();
    let entry = Entry::new(
        if submit {
            "campaign.report_submit"
        } else {
            "campaign.report_save"
        },
        REPORT,
    )
    .object(id, Some(r.unit_id))
    .summary(json!({
        "campaign_id": r.campaign_id,
        "stage_id": r.stage_id,
        "figures": figs.iter().map(|f| (f.code.clone(), f.value)).collect::<BTreeMap<_, _>>(),
        "corrected": corrected,
        "resubmitted": submit && r.state == ReportState::Returned.code(),
        "late": late,
    }));
    crate::procedure::finish(tx, who, entry).await
}

/// Send a sent report back for correction (the office that runs the campaign), with the
/// reason: the correction runs on a clock of its own to the report's due date — the first
/// clock stays as it ended, so a report sent again after the due date counts as late — and the
/// unit's to-do reopens.
async fn send_back(
    db: &Db,
    cal: &Calendar,
    actor: &Actor,
    who: &Who,
    id: i64,
    text: &str,
) -> AppResult<()> {
    let today = who.today();
    let scope = read_scope(actor)?;
    let visible = get_report(db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    visible.check(actor, ReportAct::SendBack, today)?;
    let reason = crate::domain::text::required_long("text", "退回理由", text, 500)?;
    let (mut tx, r) = crate::procedure::open(db, &visible, id).await?;
    let next = r.check(actor, ReportAct::SendBack, today)?;
    let due = date(&r.due_on);
    let purpose = format!(
        "修改后重新报送{}{}工作情况",
        r.campaign_title, r.stage_label
    );
    let deadline = crate::deadline::store::open(
        &mut tx,
        cal,
        who,
        &NewDeadline {
            purpose: purpose.clone(),
            clause: model::CLAUSE.into(),
            start_event: "退回修改".into(),
            start: today,
            rule: Period::Until(due),
            record_type: Some(REPORT.into()),
            record_id: Some(id),
            owner_unit_id: r.unit_id,
            owner_user_id: None,
        },
    )
    .await?;
    sqlx::query(
        "UPDATE campaign_reports SET return_reason = $1, returned_on = $2, deadline_id = $3, updated_at = $4 WHERE id = $5",
    )
    .bind(&reason)
    .bind(today.to_string())
    .bind(deadline)
    .bind(who.at_text())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    crate::procedure::transition::<ReportRow>(&mut tx, id, &r.state, next.code()).await?;
    crate::access::parties::touch(&mut tx, REPORT, id, &who.at_text()).await?;
    let link = format!("/campaigns/reports/{id}");
    let title = format!("请{purpose}（{}退回）", actor.unit_name);
    add_duty(
        &mut tx,
        who,
        report_duty(id),
        Holder::Unit(r.unit_id),
        &title,
        &link,
        Some(&due.to_string()),
        false,
    )
    .await?;
    notify_unit(&mut tx, who, r.unit_id, &title, &reason, &link).await?;
    let entry = Entry::new("campaign.report_send_back", REPORT)
        .object(id, Some(r.unit_id))
        .summary(json!({
            "campaign_id": r.campaign_id,
            "stage_id": r.stage_id,
            "reason": reason,
            "due_on": due.to_string(),
            "deadline_id": deadline,
        }));
    crate::procedure::finish(tx, who, entry).await
}

// ---------------------------------------------------------------------------------------------
// The office's view: each stage, who stands where, the totals.

/// A unit's line on a stage.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = CampaignUnitLine)]
pub struct UnitLine {
    pub report_id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    /// `draft` or `submitted`.
    pub state: String,
    /// `on_time`, `late`, `pending` (not yet, due date ahead) or `overdue` (not reported, due
    /// date passed).
    pub standing: String,
    pub standing_label: String,
    pub due_on: String,
    pub submitted_on: Option<String>,
    /// The figures sent (money in fen); empty until the report is sent.
    pub figures: BTreeMap<String, i64>,
}

/// A stage with its units and its tally.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = CampaignStageView)]
pub struct StageView {
    pub stage: StageRow,
    pub units: Vec<UnitLine>,
    pub tally: Tally,
}

/// A campaign as the reader sees it: its stages with who reported on time, late or not yet,
/// the totals of the reports sent, and its joint actions counted once.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = CampaignDetail)]
pub struct CampaignView {
    pub campaign: CampaignRow,
    pub units: Vec<CampaignUnit>,
    pub indicators: Vec<Indicator>,
    pub stages: Vec<StageView>,
    /// Every stage's reports together (the campaign's totals: the sum of the reports sent).
    pub totals: Tally,
    /// The campaign's joint actions within the reader's scope, each once.
    pub joint: JointTally,
    pub joint_actions: Vec<JointRow>,
    /// What the reader may do: `conclude`.
    pub steps: Vec<String>,
}

pub async fn view(db: &Db, actor: &Actor, id: i64, today: NaiveDate) -> AppResult<CampaignView> {
    let scope = read_scope(actor)?;
    let campaign = get(db, &scope, id).await?.ok_or(AppError::NotFound)?;
    let rows = reports(db, &scope, id).await?;
    let ids: Vec<i64> = rows
        .iter()
        .filter(|r| r.state == ReportState::Submitted.code())
        .map(|r| r.id)
        .collect();
    let figs = figures(db, &ids).await?;
    let mut stage_views = Vec::new();
    let mut all = Vec::new();
    for stage in stages(db, id).await? {
        let mut lines = Vec::new();
        let mut counted = Vec::new();
        for r in rows.iter().filter(|r| r.stage_id == stage.id) {
            let standing = r.standing(today);
            let sent = figs.get(&r.id).cloned();
            let sent = if r.state == ReportState::Submitted.code() {
                Some(sent.unwrap_or_default())
            } else {
                None
            };
            counted.push(Counted {
                unit_id: r.unit_id,
                standing,
                figures: sent.clone(),
            });
            lines.push(UnitLine {
                report_id: r.id,
                unit_id: r.unit_id,
                unit_name: r.unit_name.clone(),
                state: r.state.clone(),
                standing: standing.code().into(),
                standing_label: standing.label().into(),
                due_on: r.due_on.clone(),
                submitted_on: r.submitted_on.clone(),
                figures: sent.unwrap_or_default(),
            });
        }
        all.extend(counted.iter().cloned());
        stage_views.push(StageView {
            stage,
            units: lines,
            tally: model::tally(&counted),
        });
    }
    let joint_actions = joint_list(db, &scope, Some(id), Window::first(200)).await?;
    let joint = joint_tally(db, &scope, id).await?;
    let steps = match model::check_conclude(
        campaign.state()?,
        campaign.is_office(actor),
        date(&campaign.ends_on),
        today,
    ) {
        Ok(_) => vec!["conclude".to_string()],
        Err(_) => Vec::new(),
    };
    Ok(CampaignView {
        units: units(db, id).await?,
        indicators: model::indicators(),
        stages: stage_views,
        totals: model::tally(&all),
        joint,
        joint_actions,
        steps,
        campaign,
    })
}

/// The campaign's joint actions in scope, each read once (the scope is a predicate on the
/// action, never a join over its units), withdrawn ones left out: one statement, the figures
/// joined and grouped here.
async fn joint_tally(db: &Db, scope: &Scope, campaign: i64) -> AppResult<JointTally> {
    let mut q = Sql::new(
        "SELECT a.id, (SELECT COUNT(*) FROM joint_action_parts p WHERE p.action_id = a.id) AS units, f.code, f.value \
         FROM joint_actions a LEFT JOIN joint_action_figures f ON f.action_id = a.id \
         WHERE a.state = 'recorded' AND a.campaign_id = ",
    );
    q.bind(campaign).push(" AND ");
    q.append(parties_in_scope(scope, JOINT, "a.id"));
    q.push(" ORDER BY a.id");
    let rows: Vec<(i64, i64, Option<String>, Option<i64>)> =
        q.query_as().fetch_all(&db.pool).await?;
    let mut counted: Vec<JointCounted> = Vec::new();
    for (id, units, code, value) in rows {
        if counted.last().is_none_or(|c| c.id != id) {
            counted.push(JointCounted {
                id,
                units,
                figures: BTreeMap::new(),
            });
        }
        if let (Some(c), Some(code), Some(v)) = (counted.last_mut(), code, value) {
            c.figures.insert(code, v);
        }
    }
    Ok(model::joint_tally(&counted))
}

// ---------------------------------------------------------------------------------------------
// Joint actions.

/// A joint enforcement action as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = JointAction)]
pub struct JointRow {
    pub id: i64,
    pub campaign_id: Option<i64>,
    pub campaign_title: Option<String>,
    pub recording_unit_id: i64,
    pub recording_unit_name: String,
    pub title: String,
    pub held_on: String,
    pub place: String,
    pub target: String,
    pub results: String,
    /// How many units took part.
    pub unit_count: i64,
    /// `recorded` or `withdrawn`.
    pub state: String,
    pub withdraw_reason: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl JointRow {
    pub fn state(&self) -> AppResult<JointState> {
        JointState::parse(&self.state).ok_or_else(|| AppError::internal("joint action state"))
    }
    pub fn state_label(&self) -> &'static str {
        JointState::label_of(&self.state)
    }
}

const JOINT_SELECT: &str = "SELECT a.id, a.campaign_id, c.title AS campaign_title, a.recording_unit_id, u.name AS recording_unit_name, \
    a.title, a.held_on, a.place, a.target, a.results, \
    (SELECT COUNT(*) FROM joint_action_parts p WHERE p.action_id = a.id) AS unit_count, \
    a.state, a.withdraw_reason, a.created_at, a.updated_at \
    FROM joint_actions a JOIN units u ON u.id = a.recording_unit_id LEFT JOIN campaigns c ON c.id = a.campaign_id WHERE ";

pub async fn joint_get(db: &Db, scope: &Scope, id: i64) -> AppResult<Option<JointRow>> {
    let mut q = Sql::new(JOINT_SELECT);
    q.push("a.id = ").bind(id).push(" AND ");
    q.append(parties_in_scope(scope, JOINT, "a.id"));
    Ok(q.query_as().fetch_optional(&db.pool).await?)
}

async fn joint_get_tx(tx: &mut Tx, id: i64) -> Result<Option<JointRow>, sqlx::Error> {
    let mut q = Sql::new(JOINT_SELECT);
    q.push("a.id = ").bind(id);
    q.query_as().fetch_optional(&mut **tx).await
}

/// The joint actions in scope (of one campaign when given), the latest first.
pub async fn joint_list(
    db: &Db,
    scope: &Scope,
    campaign: Option<i64>,
    w: Window,
) -> AppResult<Vec<JointRow>> {
    let mut q = Sql::new(JOINT_SELECT);
    if let Some(c) = campaign {
        q.push("a.campaign_id = ").bind(c).push(" AND ");
    }
    q.append(parties_in_scope(scope, JOINT, "a.id"));
    q.push(" ORDER BY a.held_on DESC, a.id DESC");
    q.push(&w.sql());
    Ok(q.query_as().fetch_all(&db.pool).await?)
}

/// A unit's part in a joint action.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = JointActionPart)]
pub struct PartRow {
    pub unit_id: i64,
    pub unit_name: String,
    pub part: String,
}

pub async fn joint_parts(db: &Db, id: i64) -> AppResult<Vec<PartRow>> {
    Ok(sqlx::query_as(
        "SELECT p.unit_id, u.name AS unit_name, p.part FROM joint_action_parts p JOIN units u ON u.id = p.unit_id \
         WHERE p.action_id = $1 ORDER BY u.id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?)
}

pub async fn joint_figures(db: &Db, id: i64) -> AppResult<BTreeMap<String, i64>> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT code, value FROM joint_action_figures WHERE action_id = $1")
            .bind(id)
            .fetch_all(&db.pool)
            .await?;
    Ok(rows.into_iter().collect())
}

/// Record a joint action the actor's unit took part in: the action, each unit's part, its
/// figures; every unit a party, the others told; one audit record.
pub async fn joint_create(db: &Db, actor: &Actor, who: &Who, input: &JointInput) -> AppResult<i64> {
    actor.require(Resource::Report, Action::Create)?;
    let j = NewJoint::parse(input, actor.unit_id, who.today())?;
    let scope = read_scope(actor)?;
    if let Some(cid) = j.campaign_id {
        let c = get(db, &scope, cid)
            .await?
            .ok_or_else(|| AppError::field("campaign_id", "not_found", "专项行动不存在"))?;
        if c.state()? != CampaignState::UnderWay {
            return Err(AppError::field(
                "campaign_id",
                "not_allowed",
                "该专项行动已经结束",
            ));
        }
    }
    let now = who.at_text();
    let mut tx = db.begin().await?;
    if let Some(cid) = j.campaign_id
        && !is_party(&mut tx, CAMPAIGN, cid, actor.unit_id).await?
    {
        return Err(AppError::field(
            "campaign_id",
            "not_allowed",
            "本单位不是该专项行动的参与单位",
        ));
    }
    for (n, (u, _)) in j.parts.iter().enumerate() {
        crate::units::store::require_named(
            &mut tx,
            *u,
            &format!("parts.{n}.unit_id"),
            "参与单位不存在或已停用",
            Reach::OwnRegion,
            &actor.unit_region,
        )
        .await?;
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO joint_actions (campaign_id, recording_unit_id, title, held_on, place, target, results, state, \
         created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'recorded', $8, $9, $9) RETURNING id",
    )
    .bind(j.campaign_id)
    .bind(actor.unit_id)
    .bind(&j.title)
    .bind(j.held_on.to_string())
    .bind(&j.place)
    .bind(&j.target)
    .bind(&j.results)
    .bind(actor.user_id)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?;
    for (u, part) in &j.parts {
        sqlx::query(
            "INSERT INTO joint_action_parts (action_id, unit_id, part) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(u)
        .bind(part)
        .execute(&mut *tx)
        .await?;
        let role = if *u == actor.unit_id {
            "recorder"
        } else {
            "partner"
        };
        crate::access::parties::add(&mut tx, JOINT, id, *u, role, &now).await?;
        if *u != actor.unit_id {
            notify_unit(
                &mut tx,
                who,
                *u,
                &format!("联合执法行动已登记：{}", j.title),
                &format!("{}登记，列明了本单位的分工和工作情况。", actor.unit_name),
                &format!("/joint-actions/{id}"),
            )
            .await?;
        }
    }
    for (code, v) in &j.figures {
        sqlx::query(
            "INSERT INTO joint_action_figures (action_id, code, value) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(code)
        .bind(v)
        .execute(&mut *tx)
        .await?;
    }
    audit::record(
        &mut tx,
        who,
        Entry::new("joint_action.record", JOINT)
            .object(id, Some(actor.unit_id))
            .summary(json!({
                "campaign_id": j.campaign_id,
                "held_on": j.held_on.to_string(),
                "units": j.parts.iter().map(|(u, _)| *u).collect::<Vec<_>>(),
                "figures": j.figures,
            })),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

impl crate::procedure::Record for JointRow {
    const TABLE: &'static str = "joint_actions";
    const CHANGED: &'static str = "该联合执法行动已被他人更新，请刷新页面后重试";
    fn state_code(&self) -> &str {
        &self.state
    }
    async fn read(tx: &mut Tx, id: i64) -> Result<Option<Self>, sqlx::Error> {
        joint_get_tx(tx, id).await
    }
}

/// A step on a joint action (`{"step": …}`).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(tag = "step", rename_all = "snake_case", deny_unknown_fields)]
#[schema(as = JointActionStep)]
pub enum JointStep {
    /// 撤销登记 (the recording unit), with the reason: kept, no longer counted.
    Withdraw {
        #[serde(default, deserialize_with = "crate::web::step::or_default")]
        text: String,
    },
}

/// Whether the actor speaks for the unit that recorded the action.
pub fn is_recorder(actor: &Actor, a: &JointRow) -> bool {
    actor.unit_id == a.recording_unit_id && actor.can(Resource::Report, Action::Create)
}

pub async fn run_joint(
    db: &Db,
    actor: &Actor,
    who: &Who,
    id: i64,
    input: JointStep,
) -> AppResult<()> {
    let JointStep::Withdraw { text } = input;
    let scope = read_scope(actor)?;
    let visible = joint_get(db, &scope, id).await?.ok_or(AppError::NotFound)?;
    model::check_withdraw(visible.state()?, is_recorder(actor, &visible)).map_err(refused)?;
    let reason = crate::domain::text::required_long("text", "撤销的理由", &text, 500)?;
    let (mut tx, a) = crate::procedure::open(db, &visible, id).await?;
    let next = model::check_withdraw(a.state()?, is_recorder(actor, &a)).map_err(refused)?;
    sqlx::query("UPDATE joint_actions SET withdraw_reason = $1, updated_at = $2 WHERE id = $3")
        .bind(&reason)
        .bind(who.at_text())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    crate::procedure::transition::<JointRow>(&mut tx, id, &a.state, next.code()).await?;
    crate::access::parties::touch(&mut tx, JOINT, id, &who.at_text()).await?;
    let entry = Entry::new("joint_action.withdraw", JOINT)
        .object(id, Some(a.recording_unit_id))
        .summary(json!({"reason": reason}));
    crate::procedure::finish(tx, who, entry).await
}

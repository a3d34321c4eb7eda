//! Each step of the supervision procedure as one transaction: authorise by the procedure's
//! rule (flow.rs), validate the input, change the case, open or settle its clocks, record the
//! timeline event and the audit record, and tell the people concerned.

use chrono::{Datelike, NaiveDate};
use serde_json::json;
use sha2::Digest;

use super::flow::{self, CaseState, Step};
use super::model::{ClueInput, Ground, JudicialStatus, NewClue, Party, Source, check_not_excluded};
use super::store::{self, Case};
use crate::access::{Action, Actor, Resource, Role};
use crate::audit::{self, Entry, Who};
use crate::calendar::Calendar;
use crate::db::{Db, Tx};
use crate::deadline::Rule;
use crate::deadline::store::{Change, NewDeadline, settle_for_record};
use crate::domain::text;
use crate::error::{AppError, AppResult};
use crate::notify;
use crate::notify::store::{Duty, Holder, notify_unit};

/// 000 §4: the lead and assisting units are named within 5 working days of the clue, 10 when
/// the case is complex.
pub const START_CLAUSE: &str = "000 §4";
pub const PROGRESS_CLAUSE: &str = "000 §6";
pub const CLOSURE_CLAUSE: &str = "000 §8";
pub const RESULT_CLAUSE: &str = "000 §9";
/// Who may be named the person responsible for a supervised case (000 §10: 专人负责): the
/// office's own staff and its director, not the administrators who sit in the office.
pub const RESPONSIBLE_ROLES: &[&str] = &["office_staff", "office_director", "county_office_staff"];

fn start_rule(complex: bool) -> Rule {
    Rule::WorkingDays(if complex { 10 } else { 5 })
}

/// The group office of the actor's region, which supervises the cases registered there.
async fn office_for(tx: &mut Tx, actor: &Actor) -> AppResult<i64> {
    let id: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM units WHERE kind IN ('group_office', 'county_office') AND region_code = $1 \
         AND active = 1 ORDER BY id LIMIT 1",
    )
    .bind(actor.unit_region.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    id.ok_or_else(|| {
        AppError::conflict(
            "no_office",
            "本地区尚未设立打击侵权假冒工作领导小组办公室，无法登记线索",
        )
    })
}

fn case_entry(action: &'static str, case: &Case, summary: serde_json::Value) -> Entry {
    Entry::new(action, "case")
        .object(case.id, Some(case.office_unit_id))
        .summary(summary)
}

/// Duty `name` on case `id`: a to-do keyed to it, closed by the act that does it.
pub(super) fn duty(id: i64, name: &'static str) -> Duty<'static> {
    Duty::new(store::RESOURCE, id, name)
}

/// The office studies a clue a member unit reported (000 §4): propose it or not.
const REVIEW_CLUE: &str = "review_clue";
/// The director decides a proposal (000 §3).
const DECIDE_PROPOSAL: &str = "decide_proposal";
/// The responsible person names the lead and assisting units (000 §4, §10).
const NAME_UNITS: &str = "name_units";
/// The lead unit acts on the supervision letter and reports (000 §5–6).
pub(super) const ACT_ON_LETTER: &str = "act_on_letter";
/// The lead unit reports progress when the office asks (000 §6).
const REPORT_PROGRESS: &str = "report_progress";
/// The office reports and circulates the result of a concluded case (000 §9).
pub(super) const CIRCULATE_RESULT: &str = "circulate_result";

/// A clock of this case (000 §4, §6, §8, §9).
pub(super) struct CaseClock<'a> {
    pub purpose: String,
    pub clause: &'a str,
    pub start_event: &'a str,
    pub start: NaiveDate,
    pub rule: Rule,
    pub owner_unit_id: i64,
    pub owner_user_id: Option<i64>,
}

pub(super) async fn open_clock(
    tx: &mut Tx,
    cal: &Calendar,
    who: &Who,
    case_id: i64,
    c: CaseClock<'_>,
) -> AppResult<i64> {
    crate::deadline::store::open(
        tx,
        cal,
        who,
        &NewDeadline {
            purpose: c.purpose,
            clause: c.clause.into(),
            start_event: c.start_event.into(),
            start: c.start,
            rule: c.rule,
            record_type: Some(store::RESOURCE.into()),
            record_id: Some(case_id),
            owner_unit_id: c.owner_unit_id,
            owner_user_id: c.owner_user_id,
        },
    )
    .await
}

/// The group leaders of the region the case's office serves (000 §7, §9, §10 reports).
pub(super) async fn leaders_of(tx: &mut Tx, office_unit_id: i64) -> Result<Vec<i64>, sqlx::Error> {
    crate::notify::store::holders_of_role(tx, Role::GroupLeader, office_unit_id).await
}

/// End a step through the kernel: the audit record, the commit.
pub(super) use crate::procedure::finish;

/// Register a clue (000 §4). The office registers from any source; a member unit registers a
/// case from its own work. The 000 §4 clock starts from the day the clue was received.
pub async fn register(
    db: &Db,
    cal: &Calendar,
    actor: &Actor,
    who: &Who,
    input: &ClueInput,
) -> AppResult<i64> {
    let office_staff = actor.roles.iter().any(|r| r.is_office());
    if !actor.can(Resource::Case, Action::Create) {
        return Err(AppError::Forbidden);
    }
    let mut input = input.clone();
    if !office_staff {
        // A member unit reports from its own work.
        input.source = Source::MemberReport.code().into();
    }
    let clue = NewClue::parse(&input, who.today())?;
    let mut tx = db.begin().await?;
    if let Some(letter_unit) = clue.detail.letter_unit_id {
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM units WHERE id = $1")
            .bind(letter_unit)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Err(AppError::field(
                "letter_unit_id",
                "not_found",
                "来函单位不存在",
            ));
        }
    }
    let office = if office_staff {
        actor.unit_id
    } else {
        office_for(&mut tx, actor).await?
    };
    // The case's code is drawn last, right before the commit (below): the yearly series is one
    // row that every registration takes in turn, so it is held for as few statements as can be.
    // Until then the row carries a code no real one can take.
    let pending_code = format!(
        "~{}",
        crate::domain::hex(&crate::auth::random_bytes::<16>())
    );
    let now = who.at_text();
    let detail = serde_json::to_string(&clue.detail).map_err(AppError::internal)?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO cases (code, title, summary, source, source_detail, received_on, product, product_category, \
         right_kinds, regions, amount_fen, handling_since, judicial_status, complex, listed, state, office_unit_id, \
         registered_by_unit_id, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 'clue', $16, $17, $18, $19, $19) \
         RETURNING id",
    )
    .bind(&pending_code)
    .bind(&clue.title)
    .bind(&clue.summary)
    .bind(clue.source.code())
    .bind(&detail)
    .bind(clue.received_on.to_string())
    .bind(&clue.product)
    .bind(&clue.product_category)
    .bind(clue.right_kinds.iter().map(|r| r.code()).collect::<Vec<_>>().join(","))
    .bind(clue.regions.iter().map(|r| r.as_str().to_string()).collect::<Vec<_>>().join(","))
    .bind(clue.amount.map(|a| a.as_i64()))
    .bind(clue.handling_since.map(|d| d.to_string()))
    .bind(clue.judicial_status.code())
    .bind(i64::from(clue.complex))
    .bind(i64::from(clue.listed()))
    .bind(office)
    .bind(actor.unit_id)
    .bind(actor.user_id)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?;
    for p in &clue.parties {
        let (kind, name, code) = match p {
            Party::Enterprise { name, code } => ("enterprise", name, code.as_str().to_string()),
            Party::Person { name, id } => ("person", name, id.as_str().to_string()),
        };
        sqlx::query("INSERT INTO case_parties (case_id, kind, name, code) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(kind)
            .bind(name)
            .bind(code)
            .execute(&mut *tx)
            .await?;
    }
    crate::access::parties::add(&mut tx, store::RESOURCE, id, office, "office", &now).await?;
    crate::access::parties::add(
        &mut tx,
        store::RESOURCE,
        id,
        actor.unit_id,
        "reporter",
        &now,
    )
    .await?;
    open_clock(
        &mut tx,
        cal,
        who,
        id,
        CaseClock {
            purpose: format!("明确主办、协办单位：{}", clue.title),
            clause: START_CLAUSE,
            start_event: "收到案件线索",
            start: clue.received_on,
            rule: start_rule(clue.complex),
            owner_unit_id: office,
            owner_user_id: None,
        },
    )
    .await?;
    // Registered just now: the case and its party rows already carry this moment.
    store::event_untouched(
        &mut tx,
        id,
        who,
        "registered",
        &format!(
            "登记线索（{}），收到日期{}",
            clue.source.label(),
            clue.received_on
        ),
    )
    .await?;
    if !office_staff {
        notify_unit(
            &mut tx,
            who,
            office,
            "成员单位报送案件线索",
            &clue.title,
            &format!("/cases/{id}"),
        )
        .await?;
        notify::store::add_duty(
            &mut tx,
            who,
            duty(id, REVIEW_CLUE),
            Holder::Unit(office),
            &format!("成员单位报送案件线索，请研究是否提请督办：{}", clue.title),
            &format!("/cases/{id}"),
            None,
            false,
        )
        .await?;
    }
    if let Some(report) = clue.detail.public_report_id {
        // A public report turned into this clue: linked both ways in this transaction.
        crate::public_reports::store::link(
            &mut tx,
            actor,
            who,
            report,
            crate::public_reports::flow::Conversion::Case,
            id,
        )
        .await?;
    }
    let year = clue.received_on.year();
    let n = crate::numbering::next_number(&mut tx, "case", year).await?;
    let code = format!("{year}-{n:04}");
    sqlx::query("UPDATE cases SET code = $1 WHERE id = $2")
        .bind(&code)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        who,
        Entry::new("case.register", "case")
            .object(id, Some(office))
            .summary(json!({"code": code, "title": clue.title, "source": clue.source.code(), "listed": clue.listed()})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

impl crate::procedure::Procedure for Case {
    type Step = Step;
    type State = CaseState;
    async fn visible(db: &Db, actor: &Actor, id: i64) -> AppResult<Option<Self>> {
        let scope = store::read_scope(actor)?;
        Ok(store::get(db, &scope, id).await?)
    }
    async fn authorise(db: &Db, actor: &Actor, visible: &Self, step: Step) -> AppResult<CaseState> {
        let parties = store::parties_of(&db.pool, visible.id).await?;
        let standing = store::standing(actor, visible, &parties);
        flow::check(visible.state()?, step, &actor.roles, standing)
            .map_err(|r| AppError::conflict("step_refused", r.to_string()))
    }
}

/// Load a case for a step: visible to the actor, the step allowed by the procedure, locked.
pub(super) async fn begin_step(
    db: &Db,
    actor: &Actor,
    id: i64,
    step: Step,
) -> AppResult<(Tx, Case, CaseState)> {
    crate::procedure::begin::<Case>(db, actor, id, step).await
}

impl crate::procedure::Record for Case {
    const TABLE: &'static str = "cases";
    const CHANGED: &'static str = "案件状态已被他人更新，请刷新页面后重试";
    fn state_code(&self) -> &str {
        &self.state
    }
    async fn read(tx: &mut Tx, id: i64) -> Result<Option<Self>, sqlx::Error> {
        store::get_tx(tx, id).await
    }
}

pub(super) async fn set_state(
    tx: &mut Tx,
    who: &Who,
    case: &Case,
    state: CaseState,
) -> AppResult<()> {
    crate::procedure::transition::<Case>(tx, case.id, &case.state, state.code()).await?;
    Ok(store::touch(tx, who, case.id).await?)
}

/// 000 §3: propose supervision on one or more grounds of 000 §2, each with its reason. Cases a
/// court is trying or a procuratorate is handling are refused.
pub async fn propose(
    db: &Db,
    actor: &Actor,
    who: &Who,
    id: i64,
    grounds: &[(Ground, String)],
    named_status: Option<&str>,
) -> AppResult<()> {
    let (mut tx, case, next) = begin_step(db, actor, id, Step::Propose).await?;
    // 000 §2 is tested on the stored status; changing it is a step of its own, so a proposal
    // that names another status is refused rather than silently applied.
    if named_status.is_some_and(|s| s != case.judicial_status) {
        return Err(AppError::field(
            "judicial_status",
            "separate_step",
            "司法程序状态的变更请通过“变更司法程序状态”办理并说明理由",
        ));
    }
    let judicial_status = JudicialStatus::parse(&case.judicial_status)
        .ok_or_else(|| AppError::internal("case judicial status"))?;
    check_not_excluded(judicial_status)?;
    if grounds.is_empty() {
        return Err(AppError::field(
            "grounds",
            "required",
            "请至少选择一种督办情形并说明理由（第二条）",
        ));
    }
    sqlx::query("DELETE FROM case_grounds WHERE case_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    for (g, reason) in grounds {
        sqlx::query("INSERT INTO case_grounds (case_id, ground, reason) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(g.code())
            .bind(reason)
            .execute(&mut *tx)
            .await?;
    }
    // A leader's instruction (ground 1) makes it 挂牌督办 (000 §5).
    let listed = case.is_listed() || grounds.iter().any(|(g, _)| *g == Ground::LeaderInstruction);
    sqlx::query("UPDATE cases SET listed = $1 WHERE id = $2")
        .bind(i64::from(listed))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    set_state(&mut tx, who, &case, next).await?;
    notify::store::discharge(&mut tx, who, duty(id, REVIEW_CLUE)).await?;
    // 000 §3: the office's director decides.
    for director in
        notify::store::holders_of_role(&mut tx, Role::OfficeDirector, case.office_unit_id).await?
    {
        notify::store::add_duty(
            &mut tx,
            who,
            duty(id, DECIDE_PROPOSAL),
            Holder::User(director),
            &format!("审批督办提请：{}", case.title),
            &format!("/cases/{id}"),
            None,
            false,
        )
        .await?;
    }
    let labels: Vec<&str> = grounds.iter().map(|(g, _)| g.label()).collect();
    store::event(
        &mut tx,
        id,
        who,
        "proposed",
        &format!("提请督办，情形：{}", labels.join("；")),
    )
    .await?;
    finish(tx, who, case_entry("case.propose", &case, json!({"grounds": grounds.iter().map(|(g, r)| json!({"ground": g.code(), "reason": r})).collect::<Vec<_>>()}))).await
}

/// 000 §2: the office records that a court is trying the case or a procuratorate handling it
/// (or no longer), with the reason; a case so excluded cannot be proposed for supervision.
pub async fn set_judicial_status(
    db: &Db,
    actor: &Actor,
    who: &Who,
    id: i64,
    status: JudicialStatus,
    reason: &str,
) -> AppResult<()> {
    let (mut tx, case, _) = begin_step(db, actor, id, Step::JudicialStatus).await?;
    let reason = text::required_long("reason", "变更理由", reason, 1000)?;
    if case.judicial_status == status.code() {
        return Err(AppError::field(
            "judicial_status",
            "unchanged",
            format!("该案件已是“{}”", status.label()),
        ));
    }
    sqlx::query("UPDATE cases SET judicial_status = $1 WHERE id = $2")
        .bind(status.code())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    store::touch(&mut tx, who, id).await?;
    let before = JudicialStatus::parse(&case.judicial_status)
        .map(|s| s.label())
        .unwrap_or("未知");
    store::event(
        &mut tx,
        id,
        who,
        "judicial_status",
        &format!(
            "司法程序状态由“{before}”变更为“{}”：{reason}",
            status.label()
        ),
    )
    .await?;
    finish(
        tx,
        who,
        case_entry(
            "case.judicial_status",
            &case,
            json!({"from": case.judicial_status, "to": status.code(), "reason": reason}),
        ),
    )
    .await
}

/// The office director's decision on a proposal.
#[derive(Debug, Clone)]
pub enum Decision {
    /// Approve, naming the staff member responsible (000 §10).
    Approve {
        reason: String,
        responsible_user_id: Option<i64>,
    },
    Reject {
        reason: String,
    },
}

/// 000 §3 and §10: the office director approves, naming the staff member responsible, or
/// refuses with reasons.
pub async fn decide(
    db: &Db,
    cal: &Calendar,
    actor: &Actor,
    who: &Who,
    id: i64,
    decision: Decision,
) -> AppResult<()> {
    let (approve, reason, responsible_user_id) = match decision {
        Decision::Approve {
            reason,
            responsible_user_id,
        } => (true, reason, responsible_user_id),
        Decision::Reject { reason } => (false, reason, None),
    };
    let step = if approve { Step::Approve } else { Step::Reject };
    let (mut tx, case, next) = begin_step(db, actor, id, step).await?;
    let reason = text::required_long("reason", "审批意见", &reason, 1000)?;
    notify::store::discharge(&mut tx, who, duty(id, DECIDE_PROPOSAL)).await?;
    if approve {
        let uid = responsible_user_id.ok_or_else(|| {
            AppError::field(
                "responsible_user_id",
                "required",
                "请指定负责督办的专人（第十条）",
            )
        })?;
        let roles = RESPONSIBLE_ROLES
            .iter()
            .map(|r| format!("'{r}'"))
            .collect::<Vec<_>>()
            .join(", ");
        // The roles are constants of this module, not input.
        let ok: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT u.id FROM users u JOIN role_grants g ON g.user_id = u.id \
             WHERE u.id = $1 AND u.unit_id = $2 AND u.active = 1 AND g.role IN ({roles})"
        )))
        .bind(uid)
        .bind(case.office_unit_id)
        .fetch_optional(&mut *tx)
        .await?;
        if ok.is_none() {
            return Err(AppError::field(
                "responsible_user_id",
                "not_allowed",
                "负责人须为本办公室在岗工作人员",
            ));
        }
        sqlx::query("UPDATE cases SET responsible_user_id = $1 WHERE id = $2")
            .bind(uid)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        notify::store::notify(
            &mut tx,
            who,
            uid,
            "您被指定为重大案件督办负责人",
            &case.title,
            Some(&format!("/cases/{id}")),
        )
        .await?;
        // 000 §4, §10: the responsible person names the lead and assisting units by the
        // clock's due date.
        let due: Option<String> = sqlx::query_scalar(
            "SELECT due_date FROM deadlines WHERE record_type = $1 AND record_id = $2 AND clause = $3 AND state = 'open'",
        )
        .bind(store::RESOURCE)
        .bind(id)
        .bind(START_CLAUSE)
        .fetch_optional(&mut *tx)
        .await?
        .flatten();
        notify::store::add_duty(
            &mut tx,
            who,
            duty(id, NAME_UNITS),
            Holder::User(uid),
            &format!("明确主办、协办单位：{}", case.title),
            &format!("/cases/{id}"),
            due.as_deref(),
            false,
        )
        .await?;
    } else {
        // Not supervised: the 000 §4 clock no longer applies.
        settle_for_record(
            &mut tx,
            cal,
            who,
            store::RESOURCE,
            id,
            START_CLAUSE,
            Change::Waive {
                reason: format!("不予督办：{reason}"),
            },
        )
        .await?;
    }
    set_state(&mut tx, who, &case, next).await?;
    store::event(
        &mut tx,
        id,
        who,
        if approve { "approved" } else { "rejected" },
        &format!("{}：{reason}", step.label()),
    )
    .await?;
    finish(
        tx,
        who,
        case_entry(
            if approve {
                "case.approve"
            } else {
                "case.reject"
            },
            &case,
            json!({"reason": reason, "responsible_user_id": responsible_user_id}),
        ),
    )
    .await
}

/// 000 §4: name the lead region or unit and the assisting ones; settles the §4 clock.
pub async fn start(
    db: &Db,
    cal: &Calendar,
    actor: &Actor,
    who: &Who,
    id: i64,
    lead_unit_id: i64,
    assisting: &[i64],
) -> AppResult<()> {
    let (mut tx, case, next) = begin_step(db, actor, id, Step::Start).await?;
    notify::store::discharge(&mut tx, who, duty(id, NAME_UNITS)).await?;
    if assisting.contains(&lead_unit_id) {
        return Err(AppError::field(
            "assisting",
            "not_allowed",
            "主办单位不能同时为协办单位",
        ));
    }
    // 000 §11: a city case may be led by the city's units or a county's, a county office's
    // case stays in its county.
    let region = crate::units::store::region_of(&mut tx, case.office_unit_id).await?;
    for (field, u) in std::iter::once(("lead_unit_id", &lead_unit_id))
        .chain(assisting.iter().map(|u| ("assisting", u)))
    {
        crate::units::store::require_named(
            &mut tx,
            *u,
            field,
            "所选单位不存在或已停用",
            crate::access::jurisdiction::Reach::OwnRegion,
            &region,
        )
        .await?;
    }
    let mut names = Vec::new();
    for u in std::iter::once(&lead_unit_id).chain(assisting) {
        let name: Option<String> =
            sqlx::query_scalar("SELECT name FROM units WHERE id = $1 AND active = 1")
                .bind(u)
                .fetch_optional(&mut *tx)
                .await?;
        names.push(name.ok_or_else(|| {
            AppError::field("lead_unit_id", "not_found", "所选单位不存在或已停用")
        })?);
    }
    sqlx::query("UPDATE cases SET lead_unit_id = $1 WHERE id = $2")
        .bind(lead_unit_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    store::add_party(&mut tx, id, lead_unit_id, "lead").await?;
    for u in assisting {
        store::add_party(&mut tx, id, *u, "assisting").await?;
    }
    settle_for_record(
        &mut tx,
        cal,
        who,
        store::RESOURCE,
        id,
        START_CLAUSE,
        Change::Met { on: who.today() },
    )
    .await?;
    set_state(&mut tx, who, &case, next).await?;
    let summary = format!(
        "主办：{}；协办：{}",
        names[0],
        if names.len() > 1 {
            names[1..].join("、")
        } else {
            "无".into()
        }
    );
    store::event(&mut tx, id, who, "started", &summary).await?;
    finish(
        tx,
        who,
        case_entry(
            "case.start",
            &case,
            json!({"lead": lead_unit_id, "assisting": assisting}),
        ),
    )
    .await
}

/// 000 §6: ask the lead unit for staged progress by a date.
pub async fn request_progress(
    db: &Db,
    cal: &Calendar,
    actor: &Actor,
    who: &Who,
    id: i64,
    due: NaiveDate,
    request: &str,
) -> AppResult<()> {
    let (mut tx, case, next) = begin_step(db, actor, id, Step::RequestProgress).await?;
    let request = text::required_long("request", "函请内容", request, 1000)?;
    let t = who.today();
    if due <= t {
        return Err(AppError::field(
            "date",
            "out_of_range",
            "反馈期限应晚于今天",
        ));
    }
    let lead = case
        .lead_unit_id
        .ok_or_else(|| AppError::internal("case under supervision without lead"))?;
    open_clock(
        &mut tx,
        cal,
        who,
        id,
        CaseClock {
            purpose: format!("反馈阶段性进展：{}", case.title),
            clause: PROGRESS_CLAUSE,
            start_event: "督办办公室函请反馈进展",
            start: t,
            // The date the office named, kept as named.
            rule: Rule::Until(due),
            owner_unit_id: lead,
            owner_user_id: None,
        },
    )
    .await?;
    set_state(&mut tx, who, &case, next).await?;
    store::event(
        &mut tx,
        id,
        who,
        "progress_requested",
        &format!(
            "函请主办单位于{}前反馈进展：{request}",
            crate::calendar::format_date_zh(due)
        ),
    )
    .await?;
    notify_unit(
        &mut tx,
        who,
        lead,
        "督办办公室函请反馈案件进展",
        &format!("{}：{request}", case.title),
        &format!("/cases/{id}"),
    )
    .await?;
    notify::store::add_duty(
        &mut tx,
        who,
        duty(id, REPORT_PROGRESS),
        Holder::Unit(lead),
        &format!("反馈案件进展：{}", case.title),
        &format!("/cases/{id}"),
        Some(&due.to_string()),
        false,
    )
    .await?;
    finish(
        tx,
        who,
        case_entry(
            "case.request_progress",
            &case,
            json!({"due": due.to_string(), "request": request}),
        ),
    )
    .await
}

/// 000 §6 (progress) and §8 (closure): a handling unit reports. Reports are the unit's own and
/// are never altered by the office (000 §11).
pub async fn report(
    db: &Db,
    cal: &Calendar,
    actor: &Actor,
    who: &Who,
    id: i64,
    closure: bool,
    body: &str,
) -> AppResult<()> {
    let step = if closure {
        Step::ReportClosure
    } else {
        Step::ReportProgress
    };
    let (mut tx, case, next) = begin_step(db, actor, id, step).await?;
    let body = text::required_long("body", "报告内容", body, 10_000)?;
    sqlx::query(
        "INSERT INTO case_reports (case_id, kind, unit_id, author_user_id, body, submitted_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(if closure { "closure" } else { "progress" })
    .bind(actor.unit_id)
    .bind(actor.user_id)
    .bind(&body)
    .bind(who.at_text())
    .execute(&mut *tx)
    .await?;
    let is_lead = case.lead_unit_id == Some(actor.unit_id);
    if is_lead {
        // The lead unit's report answers the letter and any request for progress.
        for d in [ACT_ON_LETTER, REPORT_PROGRESS] {
            notify::store::discharge(&mut tx, who, duty(id, d)).await?;
        }
    }
    if closure {
        settle_for_record(
            &mut tx,
            cal,
            who,
            store::RESOURCE,
            id,
            CLOSURE_CLAUSE,
            Change::Met { on: who.today() },
        )
        .await?;
        open_clock(
            &mut tx,
            cal,
            who,
            id,
            CaseClock {
                purpose: format!("报批并通报查处结果：{}", case.title),
                clause: RESULT_CLAUSE,
                start_event: "收到办结报告",
                start: who.today(),
                rule: Rule::WorkingDays(5),
                owner_unit_id: case.office_unit_id,
                owner_user_id: case.responsible_user_id,
            },
        )
        .await?;
    } else if is_lead {
        settle_for_record(
            &mut tx,
            cal,
            who,
            store::RESOURCE,
            id,
            PROGRESS_CLAUSE,
            Change::Met { on: who.today() },
        )
        .await?;
    }
    set_state(&mut tx, who, &case, next).await?;
    store::event(
        &mut tx,
        id,
        who,
        if closure {
            "closure_reported"
        } else {
            "progress_reported"
        },
        &format!(
            "{}报送{}",
            actor.unit_name,
            if closure {
                "办结情况"
            } else {
                "阶段性进展"
            }
        ),
    )
    .await?;
    notify_unit(
        &mut tx,
        who,
        case.office_unit_id,
        if closure {
            "主办单位报送办结情况"
        } else {
            "办案单位报送进展"
        },
        &case.title,
        &format!("/cases/{id}"),
    )
    .await?;
    if closure {
        // 000 §9: the office reports and circulates the result within the clock opened above.
        let due = cal
            .due_date(who.today(), Rule::WorkingDays(5))
            .map_err(|e| AppError::conflict("calendar_year_missing", e.to_string()))?;
        notify::store::add_duty(
            &mut tx,
            who,
            duty(id, CIRCULATE_RESULT),
            Holder::Unit(case.office_unit_id),
            &format!("报批并通报查处结果：{}", case.title),
            &format!("/cases/{id}"),
            Some(&due.to_string()),
            false,
        )
        .await?;
    }
    finish(
        tx,
        who,
        case_entry(
            if closure {
                "case.report_closure"
            } else {
                "case.report_progress"
            },
            &case,
            json!({"unit_id": actor.unit_id, "chars": body.chars().count()}),
        ),
    )
    .await
}

/// 000 §8: the lead unit records the conclusion; its closure report is due within 20 working
/// days.
pub async fn conclude(
    db: &Db,
    cal: &Calendar,
    actor: &Actor,
    who: &Who,
    id: i64,
    concluded_on: NaiveDate,
    result: &str,
) -> AppResult<()> {
    let (mut tx, case, next) = begin_step(db, actor, id, Step::Conclude).await?;
    let result = text::required_long("result", "办理结果", result, 1000)?;
    if concluded_on > who.today() {
        return Err(AppError::field(
            "concluded_on",
            "out_of_range",
            "办结日期不能晚于今天",
        ));
    }
    sqlx::query("UPDATE cases SET concluded_on = $1 WHERE id = $2")
        .bind(concluded_on.to_string())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    open_clock(
        &mut tx,
        cal,
        who,
        id,
        CaseClock {
            purpose: format!("反馈办理结果：{}", case.title),
            clause: CLOSURE_CLAUSE,
            start_event: "案件办结",
            start: concluded_on,
            rule: Rule::WorkingDays(20),
            owner_unit_id: actor.unit_id,
            owner_user_id: None,
        },
    )
    .await?;
    set_state(&mut tx, who, &case, next).await?;
    store::event(
        &mut tx,
        id,
        who,
        "concluded",
        &format!(
            "{}办结：{result}",
            crate::calendar::format_date_zh(concluded_on)
        ),
    )
    .await?;
    finish(
        tx,
        who,
        case_entry(
            "case.conclude",
            &case,
            json!({"concluded_on": concluded_on.to_string(), "result": result}),
        ),
    )
    .await
}

/// 000 §7 and §10: coordination meetings, bulletins, on-site coordination, a circular on slow
/// progress (naming the unit, reported to the group), or a referral to the group.
pub async fn coordinate(
    db: &Db,
    actor: &Actor,
    who: &Who,
    id: i64,
    kind: &str,
    content: &str,
    named_unit_id: Option<i64>,
) -> AppResult<()> {
    let (mut tx, case, _) = begin_step(db, actor, id, Step::Coordinate).await?;
    let label = match kind {
        "meeting" => "案件协调会",
        "bulletin" => "进展情况通报",
        "onsite" => "现场协调督导",
        "circular" => "通报（进展缓慢）",
        "referral" => "提请领导小组研究",
        _ => return Err(AppError::field("kind", "invalid_choice", "请选择协调方式")),
    };
    let content = text::required_long("content", "内容", content, 5000)?;
    let mut summary = format!("{label}：{content}");
    if kind == "circular" {
        let unit = named_unit_id.ok_or_else(|| {
            AppError::field("named_unit_id", "required", "通报须指明被通报的单位")
        })?;
        let parties = store::parties_of(&mut *tx, id).await?;
        let Some((_, _, name)) = parties
            .iter()
            .find(|(u, role, _)| *u == unit && (role == "lead" || role == "assisting"))
        else {
            return Err(AppError::field(
                "named_unit_id",
                "not_allowed",
                "被通报单位须为本案主办或协办单位",
            ));
        };
        summary = format!("{label}，被通报单位：{name}。{content}");
        notify_unit(
            &mut tx,
            who,
            unit,
            "重大案件办理进展缓慢通报",
            &case.title,
            &format!("/cases/{id}"),
        )
        .await?;
    }
    if kind == "bulletin" {
        // Periodic progress bulletins go to the regions and units concerned (000 §7).
        let parties = store::parties_of(&mut *tx, id).await?;
        for (u, _, _) in parties
            .iter()
            .filter(|(_, r, _)| r == "lead" || r == "assisting")
        {
            notify_unit(
                &mut tx,
                who,
                *u,
                "重大案件进展情况通报",
                &format!("{}：{content}", case.title),
                &format!("/cases/{id}"),
            )
            .await?;
        }
    }
    if kind == "circular" || kind == "referral" {
        // Reported to the leading group (000 §7, §10).
        let leaders = leaders_of(&mut tx, case.office_unit_id).await?;
        for l in leaders {
            notify::store::notify(
                &mut tx,
                who,
                l,
                if kind == "circular" {
                    "重大案件进展缓慢通报（报领导小组）"
                } else {
                    "提请领导小组研究重大事宜"
                },
                &format!("{}：{content}", case.title),
                Some(&format!("/cases/{id}")),
            )
            .await?;
        }
    }
    store::event(&mut tx, id, who, kind, &summary).await?;
    finish(
        tx,
        who,
        case_entry(
            "case.coordinate",
            &case,
            json!({"kind": kind, "named_unit_id": named_unit_id}),
        ),
    )
    .await
}

/// Add an attachment: its name and content checked (type by content, 20 MB), stored with its
/// SHA-256, recorded on the timeline and in the audit trail.
pub async fn attach(
    db: &Db,
    actor: &Actor,
    who: &Who,
    id: i64,
    filename: &str,
    bytes: Vec<u8>,
    description: &str,
) -> AppResult<i64> {
    let upload = crate::domain::upload::check("file", filename, &bytes)?;
    let text = crate::search::extract::text_of(upload.mime, &bytes).await;
    let description = crate::domain::text::optional("description", "说明", Some(description), 200)?;
    let (mut tx, case, _) = begin_step(db, actor, id, Step::Attach).await?;
    let sha = crate::domain::hex(&sha2::Sha256::digest(&bytes));
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    let aid: i64 = sqlx::query_scalar(
        "INSERT INTO case_attachments (case_id, filename, mime, size, sha256, description, content, text_content, uploaded_by, \
         uploaded_by_unit, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(id)
    .bind(&upload.filename)
    .bind(upload.mime)
    .bind(size)
    .bind(&sha)
    .bind(&description)
    .bind(bytes)
    .bind(&text)
    .bind(actor.user_id)
    .bind(actor.unit_id)
    .bind(who.at_text())
    .fetch_one(&mut *tx)
    .await?;
    store::event(
        &mut tx,
        id,
        who,
        "attached",
        &format!(
            "上传附件《{}》（{} 字节，SHA-256 {}）",
            upload.filename,
            size,
            &sha[..16]
        ),
    )
    .await?;
    audit::record(
        &mut tx,
        who,
        case_entry(
            "case.attach",
            &case,
            json!({"attachment_id": aid, "filename": upload.filename, "size": size, "sha256": sha}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(aid)
}

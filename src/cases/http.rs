//! Case pages and API: the list with filters, clue registration, the case page (facts,
//! parties, grounds, units, clocks, letters, reports, timeline, and the steps the viewer may
//! take), letter PDFs and the archived dossier.

use askama::Template;
use axum::Json;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::flow::{self, CaseState, Step};
use super::model::{
    ClueInput, Ground, JudicialStatus, PartyInput, RightKind, Source, parse_grounds,
};
use super::steps;
use super::store::{self, Case};
use crate::access::{Action, Actor, Resource, Scope};
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::web::SharedState;
use crate::web::extract::{
    ApiJson, ApiUser, Created, CsrfForm, CurrentUser, Id, IdPath, Query, path_id,
};
use crate::web::files::{UPLOAD_BODY_LIMIT, download, pdf_response, read_upload};
use crate::web::filter::{FilterParser, rows_or_errors};
use crate::web::page::MsgQuery;
use crate::web::page::form_status;
use crate::web::page::{Layout, PageResult, non_empty, page_number, render, render_status};

pub fn routes() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .route("/cases", get(list_page))
        .route("/cases/new", get(new_page).post(create_page))
        .route("/cases/{id}", get(show_page))
        .route("/cases/{id}/step", post(step_page))
        .route("/cases/{id}/letters/{letter}", get(letter_pdf))
        .route("/cases/{id}/dossier.zip", get(dossier))
        .route(
            "/cases/{id}/attachments",
            post(attach_page).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route("/cases/{id}/attachments/{attachment}", get(attachment))
        .routes(routes!(api_letter))
        .routes(routes!(api_dossier))
        .routes(routes!(api_attach).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)))
        .routes(routes!(api_list, api_create))
        .routes(routes!(api_get))
        .routes(routes!(api_step))
}

pub struct Opt {
    pub code: &'static str,
    pub label: &'static str,
}

fn opts<T: Copy>(all: &[T], code: fn(T) -> &'static str, label: fn(T) -> &'static str) -> Vec<Opt> {
    all.iter()
        .map(|v| Opt {
            code: code(*v),
            label: label(*v),
        })
        .collect()
}

// ---- list ----

#[derive(Deserialize, Default, Clone, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    pub state: Option<String>,
    pub ground: Option<String>,
    /// `1` for 挂牌督办 only.
    pub listed: Option<String>,
    pub lead_unit_id: Option<String>,
    /// A GB/T 2260 code among the regions involved.
    pub region: Option<String>,
    /// `1` for cases with an overdue clock.
    pub overdue: Option<String>,
    /// Clue received from (YYYY-MM-DD).
    pub from: Option<String>,
    pub to: Option<String>,
    pub q: Option<String>,
    pub page: Option<String>,
}

impl ListQuery {
    /// The typed filter, or what is wrong with each malformed parameter.
    fn filter(&self) -> Result<store::Filter, FieldErrors> {
        let mut p = FilterParser::default();
        let from = p.date("from", &self.from);
        let to = p.date("to", &self.to);
        let (from, to) = p.range("to", from, to);
        let filter = store::Filter {
            state: p.choice("state", &self.state, CaseState::parse),
            ground: p.choice("ground", &self.ground, Ground::parse),
            listed: p.flag("listed", &self.listed).then_some(true),
            lead_unit_id: p.id("lead_unit_id", &self.lead_unit_id),
            region: p.region("region", &self.region),
            overdue: p.flag("overdue", &self.overdue),
            from,
            to,
            text: non_empty(&self.q),
        };
        p.finish(filter)
    }

    fn query_string(&self) -> String {
        let pairs: Vec<(&str, String)> = [
            ("state", &self.state),
            ("ground", &self.ground),
            ("listed", &self.listed),
            ("lead_unit_id", &self.lead_unit_id),
            ("region", &self.region),
            ("overdue", &self.overdue),
            ("from", &self.from),
            ("to", &self.to),
            ("q", &self.q),
        ]
        .into_iter()
        .filter_map(|(k, v)| non_empty(v).map(|v| (k, v)))
        .collect();
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "cases/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<store::CaseSummary>,
    /// Malformed filter parameters; the list is not read while there are any.
    errors: FieldErrors,
    q: ListQuery,
    page: i64,
    more: bool,
    query_string: String,
    states: Vec<Opt>,
    grounds: Vec<Opt>,
    units: std::sync::Arc<Vec<crate::units::Unit>>,
    can_create: bool,
}

impl ListPage {
    /// The list filter's label for a parameter, for its error messages.
    fn filter_label(&self, field: &str) -> &'static str {
        match field {
            "state" => "状态",
            "ground" => "督办情形",
            "listed" => "督办级别",
            "lead_unit_id" => "主办单位",
            "region" => "涉案地区",
            "overdue" => "有逾期",
            "from" => "线索收到起",
            "to" => "线索收到止",
            _ => "筛选条件",
        }
    }
}

async fn list_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let scope = store::read_scope(&cu.actor)?;
    let page = page_number(q.page.as_deref());
    let (db, scope) = (&state.db, &scope);
    let (rows, more, errors) = rows_or_errors(q.filter(), |f| async move {
        Ok(store::list(db, scope, &f, page).await?)
    })
    .await?;
    let status = form_status(&errors);
    Ok(render_status(
        status,
        &ListPage {
            layout: Layout::new(&cu, "重大案件", "/cases"),
            rows,
            errors,
            page,
            more,
            query_string: q.query_string(),
            q,
            states: opts(&CaseState::ALL, CaseState::code, CaseState::label),
            grounds: opts(Ground::ALL, Ground::code, Ground::label),
            units: state.units.all(&state.db).await?,
            can_create: cu.actor.can(Resource::Case, Action::Create),
        },
    ))
}

// ---- clue registration ----

#[derive(Template)]
#[template(path = "cases/new.html")]
struct NewPage {
    layout: Layout,
    form: ClueInput,
    errors: FieldErrors,
    sources: Vec<Opt>,
    rights: Vec<Opt>,
    units: Vec<crate::units::Unit>,
    office: bool,
    party_rows: Vec<(usize, PartyInput)>,
    regions_text: String,
}

fn office_staff(actor: &Actor) -> bool {
    actor.roles.iter().any(|r| {
        matches!(
            r,
            crate::access::Role::OfficeStaff
                | crate::access::Role::OfficeDirector
                | crate::access::Role::CountyOfficeStaff
        )
    })
}

async fn new_form(
    state: &SharedState,
    cu: &CurrentUser,
    form: ClueInput,
    errors: FieldErrors,
) -> PageResult {
    if !cu.actor.can(Resource::Case, Action::Create) {
        return Err(AppError::Forbidden.into());
    }
    let units = crate::units::store::list(&state.db, &Scope::All, &Default::default()).await?;
    let mut parties = form.parties.clone();
    while parties.len() < 3 {
        parties.push(PartyInput {
            kind: "enterprise".into(),
            ..Default::default()
        });
    }
    let status = form_status(&errors);
    Ok(render_status(
        status,
        &NewPage {
            layout: Layout::new(cu, "登记案件线索", "/cases"),
            regions_text: form.regions.join(","),
            party_rows: parties.into_iter().enumerate().collect(),
            form,
            errors,
            sources: opts(Source::ALL, Source::code, Source::label),
            rights: opts(RightKind::ALL, RightKind::code, RightKind::label),
            units: units.into_iter().filter(|u| u.is_active()).collect(),
            office: office_staff(&cu.actor),
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
struct NewQuery {
    /// A public report to turn into this clue (its page's "转为案件线索").
    public_report: Option<i64>,
}

async fn new_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    Query(q): Query<NewQuery>,
) -> PageResult {
    let mut form = ClueInput {
        received_on: state.clock.today().to_string(),
        source: if office_staff(&cu.actor) {
            ""
        } else {
            "member_report"
        }
        .into(),
        ..Default::default()
    };
    if let Some(id) = q.public_report {
        // The report's facts, for the office to complete: the 000 §4 clock starts from the day
        // the report reached the office.
        let p = crate::public_reports::store::prefill(
            &state.db,
            &cu.actor,
            id,
            crate::public_reports::flow::Conversion::Case,
        )
        .await?
        .ok_or(AppError::NotFound)?;
        form.source = Source::PublicReport.code().into();
        form.public_report_id = Some(p.id.to_string());
        form.title = p.title;
        form.summary = p.summary;
        form.received_on = p.received_on;
        form.product = Some(p.product);
        form.regions = vec![p.region];
        if let (Some(name), Some(code)) = (p.enterprise, p.credit_code) {
            form.parties = vec![PartyInput {
                kind: "enterprise".into(),
                name,
                code,
            }];
        }
    }
    new_form(&state, &cu, form, FieldErrors::new()).await
}

/// Build the clue input from the form's (possibly repeated) fields.
fn clue_from_pairs(pairs: &[(String, String)]) -> ClueInput {
    let p = crate::web::form::Pairs(pairs);
    let one = |k: &str| p.one(k);
    let opt = |k: &str| p.opt(k);
    let parties = (0..3)
        .map(|i| PartyInput {
            kind: one(&format!("party{i}_kind")),
            name: one(&format!("party{i}_name")),
            code: one(&format!("party{i}_code")),
        })
        .collect();
    ClueInput {
        title: one("title"),
        summary: one("summary"),
        source: one("source"),
        received_on: one("received_on"),
        leader_name: opt("leader_name"),
        instruction_date: opt("instruction_date"),
        instruction_text: opt("instruction_text"),
        letter_unit_id: opt("letter_unit_id"),
        letter_number: opt("letter_number"),
        reporter: opt("reporter"),
        public_report_id: opt("public_report_id"),
        product: opt("product"),
        product_category: opt("product_category"),
        right_kinds: p.many("right_kinds"),
        regions: one("regions")
            .split([',', '，', ' ', '、'])
            .filter(|s| !s.trim().is_empty())
            .map(|s| s.trim().to_string())
            .collect(),
        amount: opt("amount"),
        handling_since: opt("handling_since"),
        judicial_status: opt("judicial_status"),
        complex: one("complex") == "1",
        especially_major: one("especially_major") == "1",
        parties,
    }
}

async fn create_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let input = clue_from_pairs(&pairs);
    match steps::register(&state.db, &state.calendar(), &cu.actor, &cu.who, &input).await {
        Ok(id) => Ok(Redirect::to(&format!("/cases/{id}?msg=created")).into_response()),
        Err(AppError::Validation(e)) => new_form(&state, &cu, input, e).await,
        Err(e) => Err(e.into()),
    }
}

// ---- the case page ----

pub struct Facts {
    pub source_detail: Vec<(&'static str, String)>,
    /// The public report this clue was turned from: (id, tracking number).
    pub from_report: Option<(i64, String)>,
    /// The enterprise parties' public record: published penalties, the serious-violation list.
    pub party_records: Vec<crate::penalties::store::PartyRecord>,
    pub supporting: Option<store::SupportingFacts>,
    /// The lead unit may record the penalty decision that ended the concluded case, filled
    /// from it.
    pub records_penalty: bool,
    /// 「编写典型案例」 from this case, for the office (issue #22).
    pub typical_case: Option<String>,
}

#[derive(Template)]
#[template(path = "cases/show.html")]
struct ShowPage {
    layout: Layout,
    c: Case,
    facts: Facts,
    parties: Vec<store::PartyRow>,
    grounds: Vec<(String, String)>,
    units: Vec<(i64, String, String)>,
    deadlines: Vec<crate::deadline::store::Deadline>,
    letters: Vec<store::LetterRow>,
    /// The case's documents in the chain (拟稿 → 签发), for the office.
    drafts: Vec<crate::drafting::store::Draft>,
    reports: Vec<store::Report>,
    attachments: Vec<store::AttachmentRow>,
    events: Vec<store::Event>,
    steps: Vec<Step>,
    staff: Vec<crate::users::User>,
    all_units: Vec<crate::units::Unit>,
    ground_opts: Vec<Opt>,
    error: Option<String>,
    today: String,
    /// Office or lead: may download the dossier (it holds resident IDs in full).
    sees_identities: bool,
}

fn source_detail(c: &Case) -> Vec<(&'static str, String)> {
    let v: serde_json::Value = serde_json::from_str(&c.source_detail).unwrap_or_default();
    let mut out = Vec::new();
    for (key, label) in [
        ("leader_name", "批示领导"),
        ("instruction_date", "批示日期"),
        ("instruction_text", "批示内容"),
        ("letter_number", "来函文号"),
        ("reporter", "举报人联系方式"),
    ] {
        if let Some(s) = v.get(key).and_then(|x| x.as_str()) {
            out.push((label, s.to_string()));
        }
    }
    out
}

async fn show(
    state: &SharedState,
    cu: &CurrentUser,
    id: i64,
    msg: Option<&str>,
    error: Option<String>,
) -> PageResult {
    let scope = store::read_scope(&cu.actor)?;
    let store::CaseView {
        case: c,
        units,
        standing,
        records,
    } = store::view(&state.db, &cu.actor, &scope, id, state.clock.today())
        .await?
        .ok_or(AppError::NotFound)?;
    let steps = flow::available(c.state()?, &cu.actor.roles, standing);
    let supporting = if steps.contains(&Step::Propose) {
        Some(store::supporting_facts(&state.db, &state.calendar(), &c, state.clock.today()).await?)
    } else {
        None
    };
    let staff = if steps.contains(&Step::Approve) {
        let w = crate::db::query::Window::first(1000);
        w.rows(
            crate::users::store::list(
                &state.db,
                &Scope::All,
                // The person responsible is one of the office's own staff (000 §10), never
                // an administrator who happens to sit in the office.
                &crate::users::store::Filter {
                    unit_id: Some(c.office_unit_id),
                    roles: steps::RESPONSIBLE_ROLES,
                    ..Default::default()
                },
                w,
            )
            .await?,
        )
    } else {
        Vec::new()
    };
    let all_units = if steps.contains(&Step::Start) {
        // 000 §11: the units of the office's own region (the operation refuses others).
        crate::units::store::choices(&state.db, &cu.actor).await?
    } else {
        Vec::new()
    };
    let page = ShowPage {
        layout: Layout::new(cu, &c.title, "/cases").step_notice(
            msg,
            &cu.who.name,
            state.clock.now(),
            records
                .events
                .iter()
                .map(|e| (e.actor_name.as_str(), e.at.as_str(), e.summary.as_str())),
        ),
        facts: Facts {
            source_detail: source_detail(&c),
            from_report: crate::public_reports::store::linked_from(
                &state.db,
                crate::public_reports::flow::Conversion::Case,
                c.id,
            )
            .await?,
            party_records: crate::penalties::store::party_records(
                &state.db,
                state.clock.today(),
                &records
                    .parties
                    .iter()
                    .filter(|p| p.kind == "enterprise")
                    .map(|p| p.code.clone())
                    .collect::<Vec<_>>(),
            )
            .await?,
            supporting,
            records_penalty: cu.actor.can(Resource::Penalty, Action::Create)
                && c.lead_unit_id == Some(cu.actor.unit_id)
                && matches!(
                    c.state()?,
                    CaseState::Concluded
                        | CaseState::Reported
                        | CaseState::Circulated
                        | CaseState::Archived
                ),
            typical_case: crate::typical_cases::store::write_link(
                &state.db,
                &cu.actor,
                crate::typical_cases::model::SourceKind::Case,
                c.id,
                &c.state,
                false,
            )
            .await?,
        },
        parties: records.parties,
        grounds: records
            .grounds
            .into_iter()
            .map(|g| (Ground::label_of(&g.ground).to_string(), g.reason))
            .collect(),
        deadlines: records.deadlines,
        letters: records.letters,
        drafts: crate::drafting::store::of_record(&state.db, &cu.actor, "case", c.id).await?,
        reports: records.reports,
        attachments: records.attachments,
        events: records.events,
        units,
        steps,
        staff,
        all_units,
        ground_opts: opts(Ground::ALL, Ground::code, Ground::label),
        error,
        today: state.clock.today().to_string(),
        sees_identities: standing.sees_identities(),
        c,
    };
    Ok(render(&page))
}

async fn show_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    Query(q): Query<MsgQuery>,
) -> PageResult {
    show(&state, &cu, id, q.msg.as_deref(), None).await
}

/// A step on a case as submitted (`{"step": …}`), with exactly the fields it takes.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum CaseStep {
    /// 提请督办 (000 §3): the grounds, each `[code, reason]`; `judicial_status`, if given,
    /// must be the stored one (000 §2).
    Propose {
        #[serde(default)]
        grounds: Vec<(String, String)>,
        #[serde(default)]
        judicial_status: Option<String>,
    },
    /// 变更司法程序状态 (000 §2), with the reason.
    JudicialStatus {
        #[serde(default)]
        judicial_status: Option<String>,
        #[serde(default)]
        reason: Option<String>,
    },
    /// 同意督办 (the director), naming the responsible staff member (000 §10).
    Approve {
        #[serde(default)]
        reason: Option<String>,
        #[serde(default, deserialize_with = "crate::web::step::text_or_number")]
        responsible_user_id: Option<String>,
    },
    /// 不予督办, with the reason.
    Reject {
        #[serde(default)]
        reason: Option<String>,
    },
    /// 明确主办、协办单位 (000 §4).
    Start {
        #[serde(default, deserialize_with = "crate::web::step::text_or_number")]
        lead_unit_id: Option<String>,
        #[serde(default, deserialize_with = "crate::web::step::one_or_many")]
        assisting: Vec<String>,
    },
    /// 发督办函 (000 §5), possibly jointly.
    IssueLetter {
        #[serde(default)]
        text: Option<String>,
        #[serde(default, deserialize_with = "crate::web::step::one_or_many")]
        joint_unit_ids: Vec<String>,
    },
    /// 要求报告进展 (000 §6), by a date.
    RequestProgress {
        #[serde(default)]
        date: Option<String>,
        #[serde(default)]
        text: Option<String>,
    },
    /// 报告阶段性进展 (the lead unit).
    ReportProgress {
        #[serde(default)]
        text: Option<String>,
    },
    /// 协调 (000 §7, §10): meeting, on-site, circular or referral to the group.
    Coordinate {
        #[serde(default)]
        kind: Option<String>,
        #[serde(default)]
        text: Option<String>,
        #[serde(default, deserialize_with = "crate::web::step::text_or_number")]
        named_unit_id: Option<String>,
    },
    /// 办结 (000 §8), on a date.
    Conclude {
        #[serde(default)]
        date: Option<String>,
        #[serde(default)]
        text: Option<String>,
    },
    /// 报告办结情况 (the lead unit).
    ReportClosure {
        #[serde(default)]
        text: Option<String>,
    },
    /// 通报 (000 §9): drafted by the office, issued when the director signs the draft.
    Circulate {
        #[serde(default)]
        text: Option<String>,
    },
    /// 归档 (000 §12).
    Archive,
}

/// A step from the case page: the proposal's grounds come as ticked `ground` boxes, each with
/// its `reason_<code>`.
fn step_from_pairs(pairs: &[(String, String)]) -> AppResult<CaseStep> {
    let p = crate::web::form::Pairs(pairs);
    if p.one("step") != "propose" {
        return crate::web::step::from_form(pairs);
    }
    Ok(CaseStep::Propose {
        grounds: p
            .many("ground")
            .into_iter()
            .map(|g| {
                let reason = p.one(&format!("reason_{g}"));
                (g, reason)
            })
            .collect(),
        judicial_status: p.get("judicial_status"),
    })
}

fn opt_id(field: &str, raw: &Option<String>) -> AppResult<Option<i64>> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => v
            .parse::<i64>()
            .map(Some)
            .map_err(|_| AppError::field(field, "invalid_format", "编号无效")),
    }
}

fn date_field(field: &str, raw: &Option<String>) -> AppResult<NaiveDate> {
    let raw = raw.as_deref().unwrap_or("").trim();
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| AppError::field(field, "invalid_format", "日期格式应为YYYY-MM-DD"))
}

/// Run one step for `actor`.
pub async fn run_step(
    state: &SharedState,
    actor: &Actor,
    who: &crate::audit::Who,
    id: i64,
    input: CaseStep,
) -> AppResult<()> {
    use CaseStep as S;
    let db = &state.db;
    let cal = state.calendar();
    let text = |t: Option<String>| t.unwrap_or_default();
    match input {
        S::Propose {
            grounds,
            judicial_status,
        } => {
            let grounds = parse_grounds(&grounds)?;
            let named = judicial_status
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty());
            steps::propose(db, actor, who, id, &grounds, named).await
        }
        S::JudicialStatus {
            judicial_status,
            reason,
        } => {
            let js = judicial_status
                .as_deref()
                .map(str::trim)
                .and_then(JudicialStatus::parse)
                .ok_or_else(|| {
                    AppError::field("judicial_status", "invalid_choice", "请选择司法程序状态")
                })?;
            steps::set_judicial_status(db, actor, who, id, js, &text(reason)).await
        }
        S::Approve {
            reason,
            responsible_user_id,
        } => {
            let uid = opt_id("responsible_user_id", &responsible_user_id)?;
            let d = steps::Decision::Approve {
                reason: text(reason),
                responsible_user_id: uid,
            };
            steps::decide(db, &cal, actor, who, id, d).await
        }
        S::Reject { reason } => {
            let d = steps::Decision::Reject {
                reason: text(reason),
            };
            steps::decide(db, &cal, actor, who, id, d).await
        }
        S::Start {
            lead_unit_id,
            assisting: raw,
        } => {
            let lead = opt_id("lead_unit_id", &lead_unit_id)?
                .ok_or_else(|| AppError::field("lead_unit_id", "required", "请选择主办单位"))?;
            let mut assisting = Vec::new();
            for a in raw {
                if let Some(id) = opt_id("assisting", &Some(a))?
                    && !assisting.contains(&id)
                {
                    assisting.push(id);
                }
            }
            steps::start(db, &cal, actor, who, id, lead, &assisting).await
        }
        S::RequestProgress { date, text: t } => {
            let due = date_field("date", &date)?;
            steps::request_progress(db, &cal, actor, who, id, due, &text(t))
                .await
                .map_err(|e| e.as_sent(&[("request", "text")]))
        }
        S::ReportProgress { text: t } => steps::report(db, &cal, actor, who, id, false, &text(t))
            .await
            .map_err(|e| e.as_sent(&[("body", "text")])),
        S::ReportClosure { text: t } => steps::report(db, &cal, actor, who, id, true, &text(t))
            .await
            .map_err(|e| e.as_sent(&[("body", "text")])),
        S::Conclude { date, text: t } => {
            let on = date_field("date", &date)?;
            steps::conclude(db, &cal, actor, who, id, on, &text(t))
                .await
                .map_err(|e| e.as_sent(&[("result", "text"), ("concluded_on", "date")]))
        }
        S::Coordinate {
            kind,
            text: t,
            named_unit_id,
        } => {
            let named = opt_id("named_unit_id", &named_unit_id)?;
            let kind = kind.unwrap_or_default();
            steps::coordinate(db, actor, who, id, &kind, &text(t), named)
                .await
                .map_err(|e| e.as_sent(&[("content", "text")]))
        }
        S::IssueLetter {
            text: t,
            joint_unit_ids,
        } => {
            let mut joint = Vec::new();
            for j in joint_unit_ids {
                if let Some(u) = opt_id("joint_unit_ids", &Some(j))? {
                    joint.push(u);
                }
            }
            // 拟稿: the letter waits for the office director's signature (the document
            // chain), which issues and numbers it.
            let body = serde_json::json!({"step": "issue_letter", "text": text(t), "joint_unit_ids": joint});
            crate::drafting::store::submit(
                state,
                actor,
                who,
                crate::drafting::Kind::SupervisionLetter,
                id,
                body,
            )
            .await
            .map(|_| ())
        }
        S::Circulate { text: t } => {
            // 拟稿: the result's circular (and the report to an instructing leader) waits for
            // the office director's signature (000 §9 "内部报批"), which issues and numbers it.
            crate::drafting::store::submit(
                state,
                actor,
                who,
                crate::drafting::Kind::CaseCircular,
                id,
                serde_json::json!({"step": "circulate", "text": text(t)}),
            )
            .await
            .map(|_| ())
        }
        S::Archive => super::documents::archive(state, actor, who, id).await,
    }
}

async fn step_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let result = match step_from_pairs(&pairs) {
        Ok(input) => run_step(&state, &cu.actor, &cu.who, id, input).await,
        Err(e) => Err(e),
    };
    after_step(&state, &cu, id, result).await
}

/// Back to the case page: with a notice on success, with the reason when refused.
async fn after_step<T>(
    state: &SharedState,
    cu: &CurrentUser,
    id: i64,
    result: AppResult<T>,
) -> PageResult {
    crate::web::page::after_step(result, &format!("/cases/{id}?msg=saved"), |msg| {
        show(state, cu, id, None, Some(msg))
    })
    .await
}

async fn letter_pdf(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath((Id(id), letter)): IdPath<(Id, String)>,
) -> PageResult {
    Ok(letter_bytes(&state, &cu.actor, id, &letter).await?)
}

/// A letter of the case as the caller may read it: pages and API alike.
async fn letter_bytes(
    state: &SharedState,
    actor: &Actor,
    id: i64,
    letter: &str,
) -> AppResult<Response> {
    let letter = path_id(letter.trim_end_matches(".pdf"))?;
    let scope = store::read_scope(actor)?;
    store::get(&state.db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (number, pdf) = store::letter_pdf(&state.db, id, letter)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(pdf_response(&format!("{number}.pdf"), pdf))
}

async fn dossier(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
) -> PageResult {
    Ok(dossier_zip(&state, &cu.actor, id).await?)
}

async fn dossier_zip(state: &SharedState, actor: &Actor, id: i64) -> AppResult<Response> {
    let scope = store::read_scope(actor)?;
    let c = store::get(&state.db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    // The dossier holds the parties' resident IDs in full and its hashes seal it as archived,
    // so it cannot be masked: only those entitled to the IDs may download it.
    let units = store::parties_of(&state.db.pool, id).await?;
    if !store::standing(actor, &c, &units).sees_identities() {
        return Err(AppError::Forbidden);
    }
    let zip = super::documents::dossier_bytes(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(download(
        &format!("案卷-{}.zip", c.code),
        "application/zip",
        zip,
    ))
}

/// One of the case's letters (supervision letter, result circular…) as PDF.
#[utoipa::path(get, path = "/api/v1/cases/{id}/letters/{letter}", tag = "cases",
    params(("id" = i64, Path), ("letter" = String, Path, description = "the letter id, optionally followed by .pdf")),
    responses((status = 200, description = "The letter", content_type = "application/pdf"), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_letter(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath((Id(id), letter)): IdPath<(Id, String)>,
) -> AppResult<Response> {
    letter_bytes(&state, &u.actor, id, &letter).await
}

/// The archived case's dossier (ZIP with its manifest), for those entitled to the parties'
/// identities.
#[utoipa::path(get, path = "/api/v1/cases/{id}/dossier.zip", tag = "cases",
    params(("id" = i64, Path)),
    responses((status = 200, description = "The dossier", content_type = "application/zip"), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_dossier(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Response> {
    dossier_zip(&state, &u.actor, id).await
}

// ---- API ----

/// Cases visible to the caller, with the list filters.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(ListQuery),
    responses((status = 200, body = crate::web::extract::Page<store::CaseSummary>), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_list(
    State(state): State<SharedState>,
    u: ApiUser,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<crate::web::extract::Page<store::CaseSummary>>> {
    let scope = store::read_scope(&u.actor)?;
    let page = page_number(q.page.as_deref());
    let (items, has_more) = store::list(&state.db, &scope, &q.filter()?, page).await?;
    Ok(Json(crate::web::extract::Page::of(items, page, has_more)))
}

/// Register a clue (000 §4).
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = ClueInput,
    responses((status = 201, body = Created), (status = 422, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_create(
    State(state): State<SharedState>,
    u: ApiUser,
    ApiJson(input): ApiJson<ClueInput>,
) -> AppResult<Response> {
    let id = steps::register(&state.db, &state.calendar(), &u.actor, &u.who, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CaseDetail {
    #[serde(flatten)]
    pub case: Case,
    #[serde(flatten)]
    pub records: store::Records,
    /// (unit id, role, unit name)
    pub units: Vec<(i64, String, String)>,
    /// Steps the caller may take now.
    pub steps: Vec<Step>,
}

/// One case with everything on its page; 404 outside the caller's scope.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, body = CaseDetail), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_get(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Json<CaseDetail>> {
    let scope = store::read_scope(&u.actor)?;
    let v = store::view(&state.db, &u.actor, &scope, id, state.clock.today())
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(CaseDetail {
        steps: flow::available(v.case.state()?, &u.actor.roles, v.standing),
        records: v.records,
        units: v.units,
        case: v.case,
    }))
}

/// Take a step of the procedure; refused with the reason when the rules do not allow it.
#[utoipa::path(post, path = "/api/v1/cases/{id}/steps", tag = "cases", params(("id" = i64, Path)), request_body = CaseStep,
    responses((status = 204), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_step(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
    crate::web::step::ApiStep(input): crate::web::step::ApiStep<CaseStep>,
) -> AppResult<StatusCode> {
    // A ground's reason is `reason_<code>` on the page's form; the API sends it inside that
    // ground of `grounds`, so its error names that ground.
    let renames: Vec<(String, String)> = match &input {
        CaseStep::Propose { grounds, .. } => grounds
            .iter()
            .enumerate()
            .map(|(i, (code, _))| (format!("reason_{}", code.trim()), format!("grounds[{i}]")))
            .collect(),
        _ => Vec::new(),
    };
    let renames: Vec<(&str, &str)> = renames
        .iter()
        .map(|(own, sent)| (own.as_str(), sent.as_str()))
        .collect();
    run_step(&state, &u.actor, &u.who, id, input)
        .await
        .map_err(|e| e.as_sent(&renames))?;
    Ok(StatusCode::NO_CONTENT)
}

async fn attach_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    crate::web::files::Upload(mp): crate::web::files::Upload,
) -> PageResult {
    let form = read_upload(mp).await?;
    form.check_csrf(&cu)?;
    let result = steps::attach(
        &state.db,
        &cu.actor,
        &cu.who,
        id,
        &form.filename,
        form.bytes,
        &form.description,
    )
    .await;
    after_step(&state, &cu, id, result).await
}

async fn attachment(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath((Id(id), Id(aid))): IdPath<(Id, Id)>,
) -> PageResult {
    let scope = store::read_scope(&cu.actor)?;
    store::get(&state.db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (name, mime, bytes) = store::attachment(&state.db, id, aid)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(download(&name, &mime, bytes))
}

/// Upload an attachment (multipart form with `file` and optional `description`).
#[utoipa::path(post, path = "/api/v1/cases/{id}/attachments", tag = "cases", params(("id" = i64, Path)),
    request_body(content = crate::web::files::UploadBody, content_type = "multipart/form-data"),
    responses((status = 201, body = Created), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_attach(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
    crate::web::files::Upload(mp): crate::web::files::Upload,
) -> AppResult<Response> {
    let form = read_upload(mp).await?;
    let aid = steps::attach(
        &state.db,
        &u.actor,
        &u.who,
        id,
        &form.filename,
        form.bytes,
        &form.description,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Created { id: aid })).into_response())
}

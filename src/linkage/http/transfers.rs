//! Transfer pages and API: the list (overdue and refused first), registration of a transfer or
//! a hand-back, the transfer page with its whole path, clocks, documents and package, and the
//! steps the viewer may take; document and attachment downloads that respect secrecy markings.

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

use super::super::flow::{Direction, Step, TransferState};
use super::super::model::{EvidenceKind, ItemInput, Situation, TransferInput, parse_secrecy};
use super::super::store::{self, Transfer};
use super::super::{requests, steps};
use crate::access::{Action, Actor, Resource, Scope};
use crate::audit::Who;
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::web::SharedState;
use crate::web::extract::{
    ApiJson, ApiUser, Created, CsrfForm, CurrentUser, Id, IdPath, Query, path_id,
};
use crate::web::files::{UPLOAD_BODY_LIMIT, UploadForm, download, pdf_response, read_upload};
use crate::web::filter::{FilterParser, rows_or_errors};
use crate::web::page::MsgQuery;
use crate::web::page::form_status;
use crate::web::page::{Layout, PageResult, non_empty, page_number, render, render_status};
use crate::web::step::ApiStep;

pub fn routes() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .route("/transfers", get(list_page))
        .route("/transfers/new", get(new_page).post(create_page))
        .route("/transfers/{id}", get(show_page))
        .route("/transfers/{id}/step", post(step_page))
        .route(
            "/transfers/{id}/attachments",
            post(attach_page).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route("/transfers/{id}/attachments/{aid}", get(attachment_page))
        .route("/transfers/{id}/documents/{doc}", get(document_page))
        .route("/transfers/{id}/preview.pdf", get(preview_page))
        .routes(routes!(api_preview))
        .routes(routes!(api_list, api_create))
        .routes(routes!(api_get))
        .routes(routes!(api_step))
        .routes(routes!(api_attach).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)))
        .routes(routes!(api_attachment))
        .routes(routes!(api_document))
}

pub struct Opt {
    pub code: &'static str,
    pub label: &'static str,
}

// ---- list ----

#[derive(Deserialize, Default, Clone, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    pub state: Option<String>,
    /// to_police or hand_back
    pub direction: Option<String>,
    pub unit_id: Option<String>,
    /// `1` for transfers with an overdue clock.
    pub overdue: Option<String>,
    /// Registered from (YYYY-MM-DD).
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
            state: p.choice("state", &self.state, TransferState::parse),
            direction: p.choice("direction", &self.direction, Direction::parse),
            unit_id: p.id("unit_id", &self.unit_id),
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
            ("direction", &self.direction),
            ("unit_id", &self.unit_id),
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

/// What the reader may see of each listed transfer.
async fn visible_rows(
    state: &SharedState,
    actor: &Actor,
    rows: Vec<Transfer>,
) -> AppResult<Vec<Transfer>> {
    let mut out = Vec::with_capacity(rows.len());
    for t in rows {
        out.push(if t.is_withheld() && !entitled(state, actor, &t).await? {
            t.redact()
        } else {
            t
        });
    }
    Ok(out)
}

async fn entitled(state: &SharedState, actor: &Actor, t: &Transfer) -> AppResult<bool> {
    Ok(crate::secrecy::may_see(
        &state.db.pool,
        store::RESOURCE,
        t.id,
        t.is_withheld(),
        &t.owner_units(),
        actor,
    )
    .await?)
}

async fn unit_kind(state: &SharedState, id: i64) -> AppResult<String> {
    Ok(sqlx::query_scalar("SELECT kind FROM units WHERE id = $1")
        .bind(id)
        .fetch_optional(&state.db.pool)
        .await?
        .unwrap_or_default())
}

fn unit_role(actor: &Actor) -> bool {
    actor.roles.iter().any(|r| {
        matches!(
            r,
            crate::access::Role::UnitLiaison | crate::access::Role::UnitHandler
        )
    })
}

/// Which kinds of transfer the actor's unit may register: administrative organs transfer to
/// the police, police hand back to market regulation.
async fn may_register(state: &SharedState, actor: &Actor) -> AppResult<Option<Direction>> {
    if !unit_role(actor) || !actor.can(Resource::Linkage, Action::Create) {
        return Ok(None);
    }
    let kind = unit_kind(state, actor.unit_id).await?;
    Ok(if kind == "police" {
        Some(Direction::HandBack)
    } else if super::super::model::check_units(Direction::ToPolice, &kind, "police").is_ok() {
        Some(Direction::ToPolice)
    } else {
        None
    })
}

#[derive(Template)]
#[template(path = "linkage/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Transfer>,
    /// Malformed filter parameters; the list is not read while there are any.
    errors: FieldErrors,
    q: ListQuery,
    page: i64,
    more: bool,
    query_string: String,
    states: Vec<Opt>,
    register: Option<Direction>,
}

impl ListPage {
    /// The list filter's label for a parameter, for its error messages.
    fn filter_label(&self, field: &str) -> &'static str {
        match field {
            "state" => "状态",
            "direction" => "移送方向",
            "unit_id" => "单位",
            "overdue" => "有逾期",
            "from" => "登记日期起",
            "to" => "登记日期止",
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
    let (st, actor, scope) = (&state, &cu.actor, &scope);
    let (rows, more, errors) = rows_or_errors(q.filter(), |f| async move {
        let (rows, more) = store::list(&st.db, scope, &f, page).await?;
        Ok((visible_rows(st, actor, rows).await?, more))
    })
    .await?;
    let status = form_status(&errors);
    Ok(render_status(
        status,
        &ListPage {
            layout: Layout::new(&cu, "两法衔接", "/transfers"),
            rows,
            errors,
            page,
            more,
            query_string: q.query_string(),
            q,
            states: TransferState::ALL
                .iter()
                .map(|s| Opt {
                    code: s.code(),
                    label: s.label(),
                })
                .collect(),
            register: may_register(&state, &cu.actor).await?,
        },
    ))
}

// ---- registration ----

#[derive(Template)]
#[template(path = "linkage/new.html")]
struct NewPage {
    layout: Layout,
    direction: Direction,
    form: TransferInput,
    errors: FieldErrors,
    situations: Vec<Opt>,
    receivers: Vec<crate::units::Unit>,
    item_rows: Vec<(usize, ItemInput)>,
}

async fn new_form(
    state: &SharedState,
    cu: &CurrentUser,
    form: TransferInput,
    errors: FieldErrors,
) -> PageResult {
    let direction = may_register(state, &cu.actor)
        .await?
        .ok_or(AppError::Forbidden)?;
    let want = if direction == Direction::ToPolice {
        "police"
    } else {
        "market_regulation"
    };
    let receivers = crate::units::store::list(&state.db, &Scope::All, &Default::default())
        .await?
        .into_iter()
        // Transfers stay within the city (its districts and counties included).
        .filter(|u| {
            u.is_active()
                && u.kind == want
                && u.region_code.get(..4) == cu.actor.unit_region.as_str().get(..4)
        })
        .collect();
    let mut items = form.items.clone();
    while items.len() < 5 {
        items.push(ItemInput::default());
    }
    let status = form_status(&errors);
    Ok(render_status(
        status,
        &NewPage {
            layout: Layout::new(
                cu,
                if direction == Direction::ToPolice {
                    "移送涉嫌犯罪案件"
                } else {
                    "向市场监管部门移交案件"
                },
                "/transfers",
            ),
            direction,
            item_rows: items.into_iter().enumerate().collect(),
            form,
            errors,
            situations: Situation::ALL
                .iter()
                .filter(|s| s.direction() == direction)
                .map(|s| Opt {
                    code: s.code(),
                    label: s.label(),
                })
                .collect(),
            receivers,
        },
    ))
}

#[derive(Debug, Default, serde::Deserialize)]
struct NewQuery {
    /// A public report this unit handles, to transfer (its page's "移送公安机关").
    public_report: Option<i64>,
}

async fn new_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    crate::web::extract::Query(q): crate::web::extract::Query<NewQuery>,
) -> PageResult {
    let mut form = TransferInput::default();
    if let Some(id) = q.public_report {
        let p = crate::public_reports::store::prefill(
            &state.db,
            &cu.actor,
            id,
            crate::public_reports::flow::Conversion::Transfer,
        )
        .await?
        .ok_or(AppError::NotFound)?;
        form.public_report_id = Some(p.id.to_string());
        form.title = p.title;
        form.facts = p.summary;
        form.suspects = match (p.enterprise, p.credit_code) {
            (Some(e), Some(c)) => format!("{e}（统一社会信用代码{c}）"),
            (Some(e), None) => e,
            (None, Some(c)) => format!("统一社会信用代码{c}"),
            (None, None) => String::new(),
        };
    }
    new_form(&state, &cu, form, FieldErrors::new()).await
}

fn transfer_from_pairs(pairs: &[(String, String)]) -> TransferInput {
    let p = crate::web::form::Pairs(pairs);
    let one = |k: &str| p.one(k);
    let opt = |k: &str| p.opt(k);
    let items = (0..20)
        .map(|i| ItemInput {
            name: one(&format!("item{i}_name")),
            quantity: one(&format!("item{i}_quantity")),
            unit: one(&format!("item{i}_unit")),
            storage: one(&format!("item{i}_storage")),
        })
        .collect();
    TransferInput {
        situation: one("situation"),
        title: one("title"),
        facts: one("facts"),
        suspects: one("suspects"),
        amount: opt("amount"),
        to_unit_id: one("to_unit_id"),
        penalty_number: opt("penalty_number"),
        police_decided_on: opt("police_decided_on"),
        case_id: opt("case_id"),
        items,
        withheld: one("withheld") == "1",
        secrecy_basis: opt("secrecy_basis"),
        secrecy_user_ids: p.many("secrecy_user_ids"),
        public_report_id: opt("public_report_id"),
    }
}

async fn create_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let mut input = transfer_from_pairs(&pairs);
    let direction = may_register(&state, &cu.actor)
        .await?
        .ok_or(AppError::Forbidden)?;
    // People name a case by its number (2026-0001); the operation takes its id, as the API does.
    let typed_case = input.case_id.clone();
    if let Some(code) = typed_case
        .as_deref()
        .map(str::trim)
        .filter(|c| c.contains('-'))
    {
        let found = match cu.actor.scope(Resource::Case, Action::Read) {
            Some(scope) => crate::cases::store::id_by_code(&state.db, &scope, code).await?,
            None => None,
        };
        match found {
            Some(id) => input.case_id = Some(id.to_string()),
            None => {
                let e = FieldErrors::single(
                    "case_id",
                    "not_found",
                    format!("没有编号为{code}的督办案件，或您无权查看"),
                );
                return new_form(&state, &cu, input, e).await;
            }
        }
    }
    match steps::create(
        &state.db,
        &state.calendar(),
        &cu.actor,
        &cu.who,
        direction,
        &input,
    )
    .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/transfers/{id}?msg=created")).into_response()),
        Err(AppError::Validation(e)) => {
            let mut input = input;
            input
                .items
                .retain(|i| !(i.name.is_empty() && i.quantity.is_empty()));
            input.case_id = typed_case;
            new_form(&state, &cu, input, e).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---- the transfer page ----

/// Everything on a transfer's page, as the reader may see it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TransferDetail {
    #[serde(flatten)]
    pub transfer: Transfer,
    /// Whether the reader sees the content of a withheld record.
    pub entitled: bool,
    pub items: Vec<store::ItemRow>,
    pub documents: Vec<store::DocumentRow>,
    pub attachments: Vec<store::AttachmentRow>,
    pub deadlines: Vec<crate::deadline::store::Deadline>,
    pub events: Vec<store::Event>,
    pub requests: Vec<requests::Request>,
    /// The day the 3-day window for reconsideration or supervision closes, when one is open.
    pub window_closes: Option<String>,
    /// Steps the reader may take now.
    pub steps: Vec<Step>,
    /// The public report this transfer was turned from, for the sending unit that handles it
    /// (the reporter's matter is not the receiver's to read).
    pub public_report_id: Option<i64>,
    /// The public record of the enterprises whose credit codes the suspects name: published
    /// penalties, the serious-violation list.
    pub party_records: Vec<crate::penalties::store::PartyRecord>,
}

async fn detail(
    state: &SharedState,
    actor: &Actor,
    who: &Who,
    id: i64,
) -> AppResult<TransferDetail> {
    let scope = store::read_scope(actor)?;
    let t = store::get(&state.db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let entitled = entitled(state, actor, &t).await?;
    if t.is_withheld() && entitled {
        crate::secrecy::audit_view(
            &state.db,
            who,
            "transfer",
            id,
            Some(t.from_unit_id),
            "移送案件",
        )
        .await?;
    }
    let office = store::office_covers(&state.db, actor, &t).await?;
    let standing = store::standing(actor, &t, office);
    let steps = super::super::flow::available(
        t.direction()?,
        t.state()?,
        &actor.roles,
        standing,
        t.done(),
        t.pending(),
    );
    let mut attachments = Vec::new();
    for a in store::attachments(&state.db.pool, id).await? {
        let sees = entitled
            && crate::secrecy::may_see(
                &state.db.pool,
                store::ATTACHMENT_RESOURCE,
                a.id,
                a.is_withheld(),
                &[a.uploaded_by_unit],
                actor,
            )
            .await?;
        attachments.push(if sees { a } else { a.redact() });
    }
    let window_closes = match (t.state()?, t.served_on.as_deref()) {
        (TransferState::Refused | TransferState::Upheld, Some(s)) => {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .and_then(|d| super::super::flow::request_window_closes(&state.calendar(), d).ok())
                .map(|d| d.to_string())
        }
        _ => None,
    };
    let mut reqs = Vec::new();
    let w = crate::db::query::Window::first(200);
    for r in w.rows(requests::list(&state.db, &scope, Some(id), w).await?) {
        reqs.push(if requests::entitled(&state.db, actor, &r).await? {
            r
        } else {
            r.redact()
        });
    }
    let public_report_id = if actor.unit_id == t.from_unit_id {
        crate::public_reports::store::linked_from(
            &state.db,
            crate::public_reports::flow::Conversion::Transfer,
            id,
        )
        .await?
        .map(|(r, _)| r)
    } else {
        None
    };
    let party_records = if entitled {
        crate::penalties::store::party_records(
            &state.db,
            state.clock.today(),
            &crate::penalties::store::codes_in(&t.suspects),
        )
        .await?
    } else {
        Vec::new()
    };
    Ok(TransferDetail {
        party_records,
        public_report_id,
        items: if entitled {
            store::items(&state.db.pool, id).await?
        } else {
            Vec::new()
        },
        documents: if entitled {
            store::documents(&state.db, id).await?
        } else {
            Vec::new()
        },
        attachments,
        deadlines: crate::deadline::store::for_record(&state.db.pool, store::RESOURCE, id).await?,
        // A unit's own approval steps are its internal deliberation: the other side and the
        // office see the decision when it is made, not the proposal or the head's return.
        events: if entitled {
            store::events(&state.db, id)
                .await?
                .into_iter()
                .filter(|e| !e.is_internal() || e.actor_unit_id == Some(actor.unit_id))
                .collect()
        } else {
            store::events(&state.db, id)
                .await?
                .into_iter()
                .map(|e| store::Event {
                    summary: crate::secrecy::WITHHELD_TEXT.into(),
                    ..e
                })
                .collect()
        },
        requests: reqs,
        window_closes,
        steps: if entitled { steps } else { Vec::new() },
        entitled,
        transfer: if entitled {
            own_proposal(t, actor.unit_id)
        } else {
            t.redact()
        },
    })
}

/// A proposal waiting for a unit's head is that unit's own: others see only that one waits.
fn own_proposal(mut t: Transfer, unit_id: i64) -> Transfer {
    let proposer = t.pending().map(|p| t.proposing_unit(p.step));
    if proposer.is_some_and(|u| u != unit_id) {
        t.pending_step = None;
        t.pending_from = None;
        t.pending_text = None;
        t.pending_by = None;
    }
    t
}

#[derive(Template)]
#[template(path = "linkage/show.html")]
struct ShowPage {
    layout: Layout,
    d: TransferDetail,
    t: Transfer,
    error: Option<String>,
    today: String,
    evidence_kinds: Vec<Opt>,
    procuratorates: Vec<crate::units::Unit>,
    /// The reader is the head of a unit: a step that needs the head takes effect at once;
    /// for anyone else it is a proposal to the head.
    head: bool,
    /// 「编写典型案例」 from this transfer, for the office (issue #22).
    typical_case: Option<String>,
}

async fn show(
    state: &SharedState,
    cu: &CurrentUser,
    id: i64,
    msg: Option<&str>,
    error: Option<String>,
) -> PageResult {
    let d = detail(state, &cu.actor, &cu.who, id).await?;
    let procuratorates = if d.steps.contains(&Step::SuggestSupervision) {
        let all = crate::units::store::list(&state.db, &Scope::All, &Default::default()).await?;
        // 004 二(二): only the procuratorate at the police organ's level (Reach::SameLevel).
        let police = all
            .iter()
            .find(|u| u.id == d.transfer.to_unit_id)
            .map(|u| u.region_code.clone());
        all.into_iter()
            .filter(|u| {
                u.is_active()
                    && u.kind == "procuratorate"
                    && Some(&u.region_code) == police.as_ref()
            })
            .collect()
    } else {
        Vec::new()
    };
    let typical_case = crate::typical_cases::store::write_link(
        &state.db,
        &cu.actor,
        crate::typical_cases::model::SourceKind::Transfer,
        id,
        &d.transfer.state,
        d.transfer.withheld != 0,
    )
    .await?;
    Ok(render(&ShowPage {
        typical_case,
        layout: Layout::new(cu, &d.transfer.title, "/transfers").step_notice(
            msg,
            &cu.who.name,
            state.clock.now(),
            d.events
                .iter()
                .map(|e| (e.actor_name.as_str(), e.at.as_str(), e.summary.as_str())),
        ),
        t: d.transfer.clone(),
        d,
        error,
        today: state.clock.today().to_string(),
        head: cu.actor.roles.contains(&crate::access::Role::UnitHead),
        evidence_kinds: EvidenceKind::ALL
            .iter()
            .map(|k| Opt {
                code: k.code(),
                label: k.label(),
            })
            .collect(),
        procuratorates,
    }))
}

async fn show_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    Query(q): Query<MsgQuery>,
) -> PageResult {
    show(&state, &cu, id, q.msg.as_deref(), None).await
}

async fn step_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let periods = state.config.linkage_periods();
    let result = match crate::web::step::from_form(&pairs) {
        Ok(input) => steps::run(&state, periods, &cu.actor, &cu.who, id, input).await,
        Err(e) => Err(e),
    };
    after_step(&state, &cu, id, result).await
}

async fn after_step<T>(
    state: &SharedState,
    cu: &CurrentUser,
    id: i64,
    result: AppResult<T>,
) -> PageResult {
    crate::web::page::after_step(result, &format!("/transfers/{id}?msg=saved"), |msg| {
        show(state, cu, id, None, Some(msg))
    })
    .await
}

async fn attach(
    state: &SharedState,
    actor: &Actor,
    who: &Who,
    id: i64,
    form: UploadForm,
) -> AppResult<i64> {
    let mut errors = FieldErrors::new();
    let secrecy = parse_secrecy(
        form.field("withheld") == Some("1"),
        form.field("secrecy_basis"),
        &form.all("secrecy_user_ids"),
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let kind = form.field("kind").unwrap_or("").to_string();
    steps::attach(
        &state.db,
        actor,
        who,
        id,
        &kind,
        &form.filename,
        form.bytes,
        &form.description,
        secrecy,
    )
    .await
}

async fn attach_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    crate::web::files::Upload(mp): crate::web::files::Upload,
) -> PageResult {
    let form = read_upload(mp).await?;
    form.check_csrf(&cu)?;
    let result = attach(&state, &cu.actor, &cu.who, id, form).await;
    after_step(&state, &cu, id, result).await
}

/// An attachment's content for a reader entitled to it; a withheld file is refused to others
/// (they know it exists) and each entitled download is audited.
async fn attachment_bytes(
    state: &SharedState,
    actor: &Actor,
    who: &Who,
    id: i64,
    aid: i64,
) -> AppResult<Response> {
    let scope = store::read_scope(actor)?;
    let t = store::get(&state.db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (a, bytes) = store::attachment(&state.db, id, aid)
        .await?
        .ok_or(AppError::NotFound)?;
    let sees = entitled(state, actor, &t).await?
        && crate::secrecy::may_see(
            &state.db.pool,
            store::ATTACHMENT_RESOURCE,
            aid,
            a.is_withheld(),
            &[a.uploaded_by_unit],
            actor,
        )
        .await?;
    if !sees {
        return Err(AppError::conflict(
            "withheld",
            "该材料已按保密规定标注为涉密，您无权查看",
        ));
    }
    if a.is_withheld() || t.is_withheld() {
        crate::secrecy::audit_view(
            &state.db,
            who,
            "transfer_attachment",
            aid,
            Some(a.uploaded_by_unit),
            "移送材料",
        )
        .await?;
    }
    Ok(download(&a.filename, &a.mime, bytes))
}

async fn attachment_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath((Id(id), Id(aid))): IdPath<(Id, Id)>,
) -> PageResult {
    Ok(attachment_bytes(&state, &cu.actor, &cu.who, id, aid).await?)
}

async fn document_bytes(
    state: &SharedState,
    actor: &Actor,
    who: &Who,
    id: i64,
    doc: &str,
) -> AppResult<Response> {
    let doc = path_id(doc.trim_end_matches(".pdf"))?;
    let scope = store::read_scope(actor)?;
    let t = store::get(&state.db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !entitled(state, actor, &t).await? {
        return Err(AppError::conflict(
            "withheld",
            "该移送案件已按保密规定标注为涉密，您无权查看其文书",
        ));
    }
    let (number, pdf) = store::document_pdf(&state.db, id, doc)
        .await?
        .ok_or(AppError::NotFound)?;
    if t.is_withheld() {
        crate::secrecy::audit_view(
            &state.db,
            who,
            "transfer",
            id,
            Some(t.from_unit_id),
            &number,
        )
        .await?;
    }
    Ok(pdf_response(&format!("{number}.pdf"), pdf))
}

async fn preview_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
) -> PageResult {
    Ok(preview(&state, &cu.actor, &cu.who, id).await?)
}

async fn preview(state: &SharedState, actor: &Actor, who: &Who, id: i64) -> AppResult<Response> {
    let periods = state.config.linkage_periods();
    let pdf = steps::preview_proposal(state, periods, actor, who, id).await?;
    Ok(crate::web::files::pdf_response("送签稿.pdf", pdf))
}

/// The document the head's approval of the waiting proposal would issue, with its number blank
/// (the transfer letter, or the police's notice or decision); for the head who decides it.
#[utoipa::path(get, path = "/api/v1/transfers/{id}/preview.pdf", tag = "linkage", params(("id" = i64, Path)),
    responses((status = 200, description = "The document as it would be issued", content_type = "application/pdf"), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_preview(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Response> {
    preview(&state, &u.actor, &u.who, id).await
}

async fn document_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath((Id(id), doc)): IdPath<(Id, String)>,
) -> PageResult {
    Ok(document_bytes(&state, &cu.actor, &cu.who, id, &doc).await?)
}

// ---- API ----

/// Transfers visible to the caller: overdue first, then refusals, then the latest changed.
/// Withheld ones show only that they are withheld, unless the caller is entitled.
#[utoipa::path(get, path = "/api/v1/transfers", tag = "linkage", params(ListQuery),
    responses((status = 200, body = crate::web::extract::Page<Transfer>), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_list(
    State(state): State<SharedState>,
    u: ApiUser,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<crate::web::extract::Page<Transfer>>> {
    let scope = store::read_scope(&u.actor)?;
    let page = page_number(q.page.as_deref());
    let (rows, has_more) = store::list(&state.db, &scope, &q.filter()?, page).await?;
    Ok(Json(crate::web::extract::Page::of(
        visible_rows(&state, &u.actor, rows).await?,
        page,
        has_more,
    )))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CreateQuery {
    /// `to_police` (default) or `hand_back`.
    pub direction: Option<String>,
}

/// Register a transfer to the police (004 二(一)) or, with `?direction=hand_back`, a police
/// hand-back to market regulation (004 二(三)). It starts as a draft; attach the package and
/// take the `send` step.
#[utoipa::path(post, path = "/api/v1/transfers", tag = "linkage", params(CreateQuery), request_body = TransferInput,
    responses((status = 201, body = Created), (status = 422, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_create(
    State(state): State<SharedState>,
    u: ApiUser,
    Query(q): Query<CreateQuery>,
    ApiJson(input): ApiJson<TransferInput>,
) -> AppResult<Response> {
    let direction = match q.direction.as_deref() {
        None | Some("") | Some("to_police") => Direction::ToPolice,
        Some("hand_back") => Direction::HandBack,
        Some(_) => {
            return Err(AppError::field(
                "direction",
                "invalid_choice",
                "移送方向无效",
            ));
        }
    };
    let id = steps::create(
        &state.db,
        &state.calendar(),
        &u.actor,
        &u.who,
        direction,
        &input,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

/// One transfer with its path, clocks, documents and package; 404 outside the caller's scope.
#[utoipa::path(get, path = "/api/v1/transfers/{id}", tag = "linkage", params(("id" = i64, Path)),
    responses((status = 200, body = TransferDetail), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_get(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Json<TransferDetail>> {
    Ok(Json(detail(&state, &u.actor, &u.who, id).await?))
}

/// Take a step; refused with the reason (state, entitlement, closed window) when not allowed.
#[utoipa::path(post, path = "/api/v1/transfers/{id}/steps", tag = "linkage", params(("id" = i64, Path)), request_body = steps::TransferStep,
    responses((status = 204), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_step(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
    ApiStep(input): ApiStep<steps::TransferStep>,
) -> AppResult<StatusCode> {
    let periods = state.config.linkage_periods();
    steps::run(&state, periods, &u.actor, &u.who, id, input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Add a file to the package: multipart with `file`, `kind` (investigation_report, items_list,
/// appraisal, penalty_decision, case_materials, other), optional `description`, and for a
/// withheld file `withheld=1`, `secrecy_basis` and `secrecy_user_ids`.
#[utoipa::path(post, path = "/api/v1/transfers/{id}/attachments", tag = "linkage", params(("id" = i64, Path)),
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
    let aid = attach(&state, &u.actor, &u.who, id, form).await?;
    Ok((StatusCode::CREATED, Json(Created { id: aid })).into_response())
}

/// One file of a transfer's package; 404 outside the caller's scope. A withheld file is served
/// only to its own unit and the people named, and each such view is audited.
#[utoipa::path(get, path = "/api/v1/transfers/{id}/attachments/{aid}", tag = "linkage",
    params(("id" = i64, Path), ("aid" = i64, Path)),
    responses((status = 200, description = "The file, with its stored type"), (status = 404, body = crate::error::ErrorBody), (status = 409, description = "涉密材料，您不在知悉范围内", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_attachment(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath((Id(id), Id(aid))): IdPath<(Id, Id)>,
) -> AppResult<Response> {
    attachment_bytes(&state, &u.actor, &u.who, id, aid).await
}

/// One of the transfer's documents (transfer letter, notices, hand-back letter) as PDF.
#[utoipa::path(get, path = "/api/v1/transfers/{id}/documents/{doc}", tag = "linkage",
    params(("id" = i64, Path), ("doc" = String, Path, description = "the document id, optionally followed by .pdf")),
    responses((status = 200, description = "The document", content_type = "application/pdf"), (status = 404, body = crate::error::ErrorBody), (status = 409, description = "涉密材料，您不在知悉范围内", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_document(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath((Id(id), doc)): IdPath<(Id, String)>,
) -> AppResult<Response> {
    document_bytes(&state, &u.actor, &u.who, id, &doc).await
}

//! Campaign pages and API: the list, the launch, the campaign's page with each stage's
//! reporting units, who reported on time, late or not yet and the totals (also as .xlsx), a
//! unit's report, and the joint enforcement actions.

use std::collections::BTreeMap;

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::model::{self, CampaignInput, JointInput, PartInput, Product, Right};
use super::store::{
    self, CampaignRow, CampaignStep, CampaignView, JointRow, JointStep, PartRow, ReportRow,
    ReportStep,
};
use crate::access::{Action, Actor, Resource};
use crate::db::query::Window;
use crate::direct_reports::model::{Indicator, Measure};
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::web::SharedState;
use crate::web::extract::{ApiJson, ApiUser, Created, CsrfForm, CurrentUser, Id, IdPath, Query};
use crate::web::files::{XLSX_MIME, download};
use crate::web::form::Pairs;
use crate::web::page::{Layout, MsgQuery, PageResult, form_status, page_number, render_status};

const PAGE_SIZE: i64 = 50;
/// Rows for units on the joint action's page form.
const FORM_PARTS: usize = 4;

pub fn routes() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .route("/campaigns", get(list_page))
        .route("/campaigns/new", get(new_page).post(create_page))
        .route("/campaigns/{id}", get(show_page))
        .route("/campaigns/{id}/step", post(step_page))
        .route("/campaigns/{id}/xlsx", get(xlsx_page))
        .route(
            "/campaigns/reports/{id}",
            get(report_page).post(report_step_page),
        )
        .route("/joint-actions", get(joint_list_page))
        .route(
            "/joint-actions/new",
            get(joint_new_page).post(joint_create_page),
        )
        .route("/joint-actions/{id}", get(joint_show_page))
        .route("/joint-actions/{id}/step", post(joint_step_page))
        .routes(routes!(api_list, api_create))
        .routes(routes!(api_get))
        .routes(routes!(api_step))
        .routes(routes!(api_xlsx))
        .routes(routes!(api_report))
        .routes(routes!(api_report_step))
        .routes(routes!(api_joint_list, api_joint_create))
        .routes(routes!(api_joint_get))
        .routes(routes!(api_joint_step))
}

pub struct Opt {
    pub code: &'static str,
    pub label: &'static str,
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// The page, from 1.
    pub page: Option<String>,
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JointQuery {
    /// Only the joint actions of this campaign.
    pub campaign: Option<String>,
    /// The page, from 1.
    pub page: Option<String>,
}

fn shown(i: &Indicator, v: Option<&i64>) -> String {
    v.map(|v| i.show(*v)).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Campaign pages.

#[derive(Template)]
#[template(path = "campaigns/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<CampaignRow>,
    page: i64,
    more: bool,
    can_launch: bool,
}

async fn list_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let scope = store::read_scope(&cu.actor)?;
    let page = page_number(q.page.as_deref());
    let w = Window::page(page, PAGE_SIZE);
    let (rows, more) = w.cut(store::list(&state.db, &scope, w).await?);
    Ok(crate::web::page::render(&ListPage {
        layout: Layout::new(&cu, "专项行动", "/campaigns"),
        rows,
        page,
        more,
        can_launch: can_launch(&cu.actor),
    }))
}

fn can_launch(actor: &Actor) -> bool {
    actor.can(Resource::Report, Action::Create) && actor.roles.iter().any(|r| r.is_office())
}

#[derive(Template)]
#[template(path = "campaigns/form.html")]
struct FormPage {
    layout: Layout,
    form: CampaignInput,
    errors: FieldErrors,
    products: Vec<Opt>,
    rights: Vec<Opt>,
    units: Vec<crate::units::Unit>,
}

impl FormPage {
    fn product_checked(&self, code: &str) -> bool {
        self.form.products.iter().any(|p| p == code)
    }
    fn right_checked(&self, code: &str) -> bool {
        self.form.rights.iter().any(|p| p == code)
    }
    fn unit_selected(&self, id: &i64) -> bool {
        self.form
            .unit_ids
            .iter()
            .any(|u| u.trim() == id.to_string())
    }
    fn lead_selected(&self, id: &i64) -> bool {
        self.form.lead_unit_id.trim() == id.to_string()
    }
    fn regions(&self) -> String {
        self.form.regions.join(",")
    }
    fn stages(&self) -> String {
        self.form.stages.join(",")
    }
    fn due(&self) -> &str {
        self.form.due_working_days.as_deref().unwrap_or("5")
    }
}

async fn form_page(
    state: &SharedState,
    cu: &CurrentUser,
    form: CampaignInput,
    errors: FieldErrors,
) -> PageResult {
    if !can_launch(&cu.actor) {
        return Err(AppError::Forbidden.into());
    }
    let units = crate::units::store::choices(&state.db, &cu.actor)
        .await?
        .into_iter()
        .filter(|u| {
            u.id != cu.actor.unit_id && !matches!(u.kind.as_str(), "leading_group" | "county_group")
        })
        .collect();
    Ok(render_status(
        form_status(&errors),
        &FormPage {
            layout: Layout::new(cu, "发起专项行动", "/campaigns"),
            form,
            errors,
            products: Product::ALL
                .iter()
                .map(|p| Opt {
                    code: p.code(),
                    label: p.label(),
                })
                .collect(),
            rights: Right::ALL
                .iter()
                .map(|p| Opt {
                    code: p.code(),
                    label: p.label(),
                })
                .collect(),
            units,
        },
    ))
}

async fn new_page(State(state): State<SharedState>, cu: CurrentUser) -> PageResult {
    form_page(&state, &cu, CampaignInput::default(), FieldErrors::new()).await
}

fn split_list(raw: &str) -> Vec<String> {
    raw.split([',', '，', ' ', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

fn campaign_from_pairs(pairs: &[(String, String)]) -> CampaignInput {
    let p = Pairs(pairs);
    CampaignInput {
        title: p.one("title"),
        goal: p.one("goal"),
        starts_on: p.one("starts_on"),
        ends_on: p.one("ends_on"),
        regions: split_list(&p.one("regions")),
        products: p.many("products"),
        rights: p.many("rights"),
        lead_unit_id: p.one("lead_unit_id"),
        unit_ids: p.many("unit_ids"),
        stages: split_list(&p.one("stages")),
        due_working_days: p.opt("due_working_days"),
    }
}

async fn create_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let input = campaign_from_pairs(&pairs);
    match store::create(&state.db, &state.calendar(), &cu.actor, &cu.who, &input).await {
        Ok(id) => Ok(Redirect::to(&format!("/campaigns/{id}?msg=created")).into_response()),
        Err(AppError::Validation(e)) => form_page(&state, &cu, input, e).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "campaigns/show.html")]
struct ShowPage {
    layout: Layout,
    d: CampaignView,
    error: Option<String>,
}

impl ShowPage {
    fn can(&self, step: &str) -> bool {
        self.d.steps.iter().any(|s| s == step)
    }
    fn value(&self, i: &Indicator, figures: &BTreeMap<String, i64>) -> String {
        shown(i, figures.get(&i.code))
    }
}

async fn show(
    state: &SharedState,
    cu: &CurrentUser,
    id: i64,
    msg: Option<&str>,
    error: Option<String>,
) -> PageResult {
    let d = store::view(&state.db, &cu.actor, id, cu.who.today()).await?;
    Ok(crate::web::page::render(&ShowPage {
        layout: Layout::new(cu, &d.campaign.title, "/campaigns").notice(msg),
        d,
        error,
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
    let r = match crate::web::step::from_form(&pairs) {
        Ok(input) => store::run_campaign(&state.db, &cu.actor, &cu.who, id, input).await,
        Err(e) => Err(e),
    };
    crate::web::page::after_step(r, &format!("/campaigns/{id}?msg=saved"), |msg| {
        show(&state, &cu, id, None, Some(msg))
    })
    .await
}

/// The campaign's table as an .xlsx workbook: each stage's units with where they stand and
/// their figures, each stage's sum, the campaign's totals and its joint actions.
async fn xlsx(
    state: &SharedState,
    actor: &Actor,
    today: chrono::NaiveDate,
    id: i64,
) -> AppResult<Response> {
    use rust_xlsxwriter::{Format, FormatBorder, Workbook};
    let xl = |e: rust_xlsxwriter::XlsxError| AppError::internal(format!("xlsx: {e}"));
    let d = store::view(&state.db, actor, id, today).await?;
    let mut wb = Workbook::new();
    let title = Format::new().set_bold().set_font_size(14);
    let head = Format::new().set_bold().set_border(FormatBorder::Thin);
    let cell = Format::new().set_border(FormatBorder::Thin);
    let ws = wb.add_worksheet();
    ws.set_name("专项行动报送情况").map_err(xl)?;
    ws.write_string_with_format(0, 0, &d.campaign.title, &title)
        .map_err(xl)?;
    ws.write_string(
        1,
        0,
        format!(
            "{}至{}；牵头单位：{}；报送时限：各阶段结束后{}个工作日。合计只计已报送的数据，联合执法行动每次只计一次。",
            crate::calendar::date_zh(&d.campaign.starts_on),
            crate::calendar::date_zh(&d.campaign.ends_on),
            d.campaign.lead_unit_name,
            d.campaign.due_working_days
        ),
    )
    .map_err(xl)?;
    let mut heads = vec![
        "阶段".to_string(),
        "单位".to_string(),
        "报送情况".to_string(),
        "报送时限".to_string(),
        "报送日期".to_string(),
    ];
    heads.extend(
        d.indicators
            .iter()
            .map(|i| format!("{}（{}）", i.label, i.measure().label())),
    );
    for (c, h) in heads.iter().enumerate() {
        ws.write_string_with_format(3, c as u16, h, &head)
            .map_err(xl)?;
    }
    ws.set_column_width(1, 30).map_err(xl)?;
    let number = |i: &Indicator, v: i64| -> f64 {
        match i.measure() {
            Measure::Fen => v as f64 / 100.0,
            _ => v as f64,
        }
    };
    let mut row = 4u32;
    let mut put = |cols: [&str; 5], values: Option<&BTreeMap<String, i64>>| -> AppResult<()> {
        for (c, s) in cols.iter().enumerate() {
            ws.write_string_with_format(row, c as u16, *s, &cell)
                .map_err(xl)?;
        }
        for (c, i) in d.indicators.iter().enumerate() {
            let col = 5 + c as u16;
            match values.and_then(|v| v.get(&i.code)) {
                Some(v) => ws
                    .write_number_with_format(row, col, number(i, *v), &cell)
                    .map_err(xl)?,
                None => ws.write_blank(row, col, &cell).map_err(xl)?,
            };
        }
        row += 1;
        Ok(())
    };
    for s in &d.stages {
        for u in &s.units {
            let submitted = u
                .submitted_on
                .as_deref()
                .map(crate::calendar::date_zh)
                .unwrap_or_default();
            let sent = (u.state == "submitted").then_some(&u.figures);
            put(
                [
                    &s.stage.label,
                    &u.unit_name,
                    &u.standing_label,
                    &crate::calendar::date_zh(&u.due_on),
                    &submitted,
                ],
                sent,
            )?;
        }
        let t = &s.tally;
        put(
            [
                &s.stage.label,
                "小计",
                &format!(
                    "按期{} 逾期{} 未报{}",
                    t.on_time,
                    t.late,
                    t.pending + t.overdue
                ),
                "",
                "",
            ],
            Some(&t.totals),
        )?;
    }
    put(["合计", "各单位报送", "", "", ""], Some(&d.totals.totals))?;
    put(
        [
            "联合执法行动",
            &format!("{}次（每次只计一次）", d.joint.actions),
            "",
            "",
            "",
        ],
        Some(&d.joint.totals),
    )?;
    let bytes = wb.save_to_buffer().map_err(xl)?;
    Ok(download(
        &format!("{}_报送情况.xlsx", d.campaign.title),
        XLSX_MIME,
        bytes,
    ))
}

async fn xlsx_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
) -> PageResult {
    Ok(xlsx(&state, &cu.actor, cu.who.today(), id).await?)
}

// ---------------------------------------------------------------------------------------------
// A unit's report.

/// A report as the reader sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = CampaignReportDetail)]
pub struct ReportDetail {
    #[serde(flatten)]
    pub r: ReportRow,
    /// `on_time`, `late`, `pending` or `overdue`.
    pub standing: String,
    pub indicators: Vec<Indicator>,
    /// The figures as kept (money in fen).
    pub figures: BTreeMap<String, i64>,
    /// What the platform counts now for the prefilled figures (`transferred`: the transfers to
    /// the police the unit sent in the stage's period).
    pub prefill: BTreeMap<String, i64>,
    /// The kept figures that had a prefill, with the prefill and any reason for correcting it.
    pub notes: Vec<store::FigureNote>,
    /// What the reader may do: `save`, `submit`, `send_back`.
    pub steps: Vec<String>,
}

async fn report_detail(
    state: &SharedState,
    actor: &Actor,
    today: chrono::NaiveDate,
    id: i64,
) -> AppResult<ReportDetail> {
    let scope = store::read_scope(actor)?;
    let r = store::get_report(&state.db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let figures = store::figures(&state.db, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    let campaign =
        model::CampaignState::parse(&r.campaign_state).unwrap_or(model::CampaignState::UnderWay);
    let ends = chrono::NaiveDate::parse_from_str(&r.stage_ends_on, "%Y-%m-%d")
        .map_err(|_| AppError::internal("stage end"))?;
    let now = r.state()?;
    let steps = model::ReportAct::ALL
        .iter()
        .filter(|a| model::check_report(now, campaign, **a, r.role(actor), ends, today).is_ok())
        .map(|a| a.code().to_string())
        .collect();
    Ok(ReportDetail {
        standing: r.standing(today).code().into(),
        indicators: model::indicators(),
        figures,
        prefill: store::prefill(&state.db, &r).await?,
        notes: store::notes(&state.db, id).await?,
        steps,
        r,
    })
}

#[derive(Template)]
#[template(path = "campaigns/report.html")]
struct ReportPage {
    layout: Layout,
    d: ReportDetail,
    sent: Option<Sent>,
    errors: FieldErrors,
    error: Option<String>,
}

/// What a refused form sent, shown again.
struct Sent {
    figures: BTreeMap<String, String>,
    reasons: BTreeMap<String, String>,
    actions: String,
}

impl ReportPage {
    fn can(&self, step: &str) -> bool {
        self.d.steps.iter().any(|s| s == step)
    }
    /// The figure in the form: as sent, else as kept, else (a prefilled one) the platform's
    /// count.
    fn value(&self, i: &Indicator) -> String {
        match &self.sent {
            Some(s) => s.figures.get(&i.code).cloned().unwrap_or_default(),
            None => match self.d.figures.get(&i.code) {
                Some(v) => i.show(*v),
                None => shown(i, self.d.prefill.get(&i.code)),
            },
        }
    }
    fn actions(&self) -> String {
        match &self.sent {
            Some(s) => s.actions.clone(),
            None => self.d.r.actions.clone().unwrap_or_default(),
        }
    }
    /// The platform's count for a prefilled figure, shown beside it.
    fn prefilled(&self, i: &Indicator) -> Option<String> {
        self.d.prefill.get(&i.code).map(|v| i.show(*v))
    }
    fn reason(&self, i: &Indicator) -> String {
        match &self.sent {
            Some(s) => s.reasons.get(&i.code).cloned().unwrap_or_default(),
            None => self
                .d
                .notes
                .iter()
                .find(|n| n.code == i.code)
                .and_then(|n| n.reason.clone())
                .unwrap_or_default(),
        }
    }
    /// A kept figure corrected away from its prefill: the platform's count and the reason.
    fn note(&self, i: &Indicator) -> Option<String> {
        let n = self.d.notes.iter().find(|n| n.code == i.code)?;
        let why = n.reason.as_deref()?;
        Some(format!(
            "平台记录{}，更正理由：{why}",
            n.prefilled.map(|p| i.show(p)).unwrap_or_default()
        ))
    }
    fn reason_error(&self, i: &Indicator) -> Option<&str> {
        self.errors.get(&format!("reasons.{}", i.code))
    }
    fn cell_error(&self, i: &Indicator) -> Option<&str> {
        self.errors.get(&i.field())
    }
    fn standing_label(&self) -> &'static str {
        model::Standing::label_of(&self.d.standing)
    }
}

async fn show_report(
    state: &SharedState,
    cu: &CurrentUser,
    id: i64,
    msg: Option<&str>,
    sent: Option<Sent>,
    errors: FieldErrors,
    error: Option<String>,
) -> PageResult {
    let d = report_detail(state, &cu.actor, cu.who.today(), id).await?;
    let title = format!("{}（{}）", d.r.campaign_title, d.r.stage_label);
    Ok(render_status(
        form_status(&errors),
        &ReportPage {
            layout: Layout::new(cu, &title, "/campaigns").notice(msg),
            d,
            sent,
            errors,
            error,
        },
    ))
}

async fn report_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    Query(q): Query<MsgQuery>,
) -> PageResult {
    show_report(
        &state,
        &cu,
        id,
        q.msg.as_deref(),
        None,
        FieldErrors::new(),
        None,
    )
    .await
}

async fn report_step_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let p = Pairs(&pairs);
    let mut figures = BTreeMap::new();
    let mut reasons = BTreeMap::new();
    for (k, v) in &pairs {
        if let Some(code) = k.strip_prefix("figures.") {
            figures.insert(code.to_string(), v.clone());
        }
        if let Some(code) = k.strip_prefix("reasons.") {
            reasons.insert(code.to_string(), v.clone());
        }
    }
    let actions = p.one("actions");
    let step = match p.one("step").trim() {
        "save" => ReportStep::Save {
            figures: figures.clone(),
            reasons: reasons.clone(),
            actions: actions.clone(),
        },
        "submit" => ReportStep::Submit {
            figures: figures.clone(),
            reasons: reasons.clone(),
            actions: actions.clone(),
        },
        "send_back" => ReportStep::SendBack {
            text: p.one("text"),
        },
        "" => return Err(AppError::field("step", "required", "请选择办理步骤").into()),
        _ => return Err(AppError::field("step", "invalid_choice", "未知的办理步骤").into()),
    };
    let msg = match step {
        ReportStep::Save { .. } => "saved",
        ReportStep::Submit { .. } => "submitted",
        ReportStep::SendBack { .. } => "done",
    };
    let sent = Sent {
        figures,
        reasons,
        actions,
    };
    match store::run_report(&state.db, &state.calendar(), &cu.actor, &cu.who, id, step).await {
        Ok(()) => Ok(Redirect::to(&format!("/campaigns/reports/{id}?msg={msg}")).into_response()),
        Err(AppError::Validation(e)) => {
            show_report(&state, &cu, id, None, Some(sent), e, None).await
        }
        Err(AppError::Conflict { message, .. }) => {
            show_report(
                &state,
                &cu,
                id,
                None,
                Some(sent),
                FieldErrors::new(),
                Some(message),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Joint action pages.

#[derive(Template)]
#[template(path = "campaigns/joint_list.html")]
struct JointListPage {
    layout: Layout,
    rows: Vec<JointRow>,
    page: i64,
    more: bool,
    can_record: bool,
}

async fn joint_list_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    Query(q): Query<JointQuery>,
) -> PageResult {
    let scope = store::read_scope(&cu.actor)?;
    let campaign = campaign_filter(q.campaign.as_deref())?;
    let page = page_number(q.page.as_deref());
    let w = Window::page(page, PAGE_SIZE);
    let (rows, more) = w.cut(store::joint_list(&state.db, &scope, campaign, w).await?);
    Ok(crate::web::page::render(&JointListPage {
        layout: Layout::new(&cu, "联合执法行动", "/campaigns"),
        rows,
        page,
        more,
        can_record: cu.actor.can(Resource::Report, Action::Create),
    }))
}

fn campaign_filter(raw: Option<&str>) -> AppResult<Option<i64>> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => Ok(Some(crate::domain::text::id("campaign", "专项行动", v)?)),
    }
}

#[derive(Template)]
#[template(path = "campaigns/joint_form.html")]
struct JointFormPage {
    layout: Layout,
    form: JointInput,
    errors: FieldErrors,
    units: Vec<crate::units::Unit>,
    campaigns: Vec<CampaignRow>,
    indicators: Vec<Indicator>,
    rows: Vec<usize>,
    today: String,
}

impl JointFormPage {
    fn part_unit(&self, n: &usize) -> String {
        self.form
            .parts
            .get(*n)
            .map(|p| p.unit_id.clone())
            .unwrap_or_default()
    }
    fn part_text(&self, n: &usize) -> String {
        self.form
            .parts
            .get(*n)
            .map(|p| p.part.clone())
            .unwrap_or_default()
    }
    fn unit_selected(&self, n: &usize, id: &i64) -> bool {
        self.part_unit(n).trim() == id.to_string()
    }
    fn campaign_selected(&self, id: &i64) -> bool {
        self.form.campaign_id.as_deref().map(str::trim) == Some(id.to_string().as_str())
    }
    fn figure(&self, i: &Indicator) -> String {
        self.form.figures.get(&i.code).cloned().unwrap_or_default()
    }
    fn part_error(&self, n: &usize) -> Option<&str> {
        self.errors
            .get(&format!("parts.{n}.unit_id"))
            .or_else(|| self.errors.get(&format!("parts.{n}.part")))
    }
}

async fn joint_form(
    state: &SharedState,
    cu: &CurrentUser,
    mut form: JointInput,
    errors: FieldErrors,
) -> PageResult {
    if !cu.actor.can(Resource::Report, Action::Create) {
        return Err(AppError::Forbidden.into());
    }
    if form.parts.is_empty() {
        form.parts.push(PartInput {
            unit_id: cu.actor.unit_id.to_string(),
            part: String::new(),
        });
    }
    let scope = store::read_scope(&cu.actor)?;
    let campaigns = store::list(&state.db, &scope, Window::first(100))
        .await?
        .into_iter()
        .filter(|c| c.state == model::CampaignState::UnderWay.code())
        .collect();
    let units = crate::units::store::choices(&state.db, &cu.actor).await?;
    Ok(render_status(
        form_status(&errors),
        &JointFormPage {
            layout: Layout::new(cu, "登记联合执法行动", "/campaigns"),
            form,
            errors,
            units,
            campaigns,
            indicators: model::indicators(),
            rows: (0..FORM_PARTS).collect(),
            today: cu.who.today().to_string(),
        },
    ))
}

async fn joint_new_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    Query(q): Query<JointQuery>,
) -> PageResult {
    let form = JointInput {
        campaign_id: q.campaign,
        ..JointInput::default()
    };
    joint_form(&state, &cu, form, FieldErrors::new()).await
}

fn joint_from_pairs(pairs: &[(String, String)]) -> JointInput {
    let p = Pairs(pairs);
    let mut parts = Vec::new();
    for n in 0..FORM_PARTS {
        let unit_id = p.one(&format!("parts.{n}.unit_id"));
        let part = p.one(&format!("parts.{n}.part"));
        if !unit_id.trim().is_empty() || !part.trim().is_empty() {
            parts.push(PartInput { unit_id, part });
        }
    }
    let mut figures = BTreeMap::new();
    for (k, v) in pairs {
        if let Some(code) = k.strip_prefix("figures.")
            && !v.trim().is_empty()
        {
            figures.insert(code.to_string(), v.clone());
        }
    }
    JointInput {
        campaign_id: p.opt("campaign_id"),
        title: p.one("title"),
        held_on: p.one("held_on"),
        place: p.one("place"),
        target: p.one("target"),
        parts,
        results: p.one("results"),
        figures,
    }
}

async fn joint_create_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let input = joint_from_pairs(&pairs);
    match store::joint_create(&state.db, &cu.actor, &cu.who, &input).await {
        Ok(id) => Ok(Redirect::to(&format!("/joint-actions/{id}?msg=created")).into_response()),
        Err(AppError::Validation(e)) => joint_form(&state, &cu, input, e).await,
        Err(e) => Err(e.into()),
    }
}

/// A joint action with each unit's part, its figures and what the reader may do.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = JointActionDetail)]
pub struct JointDetail {
    #[serde(flatten)]
    pub action: JointRow,
    pub parts: Vec<PartRow>,
    /// The results in figures (money in fen).
    pub figures: BTreeMap<String, i64>,
    /// What the reader may do: `withdraw`.
    pub steps: Vec<String>,
}

async fn joint_detail(state: &SharedState, actor: &Actor, id: i64) -> AppResult<JointDetail> {
    let scope = store::read_scope(actor)?;
    let action = store::joint_get(&state.db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let steps = match model::check_withdraw(action.state()?, store::is_recorder(actor, &action)) {
        Ok(_) => vec!["withdraw".to_string()],
        Err(_) => Vec::new(),
    };
    Ok(JointDetail {
        parts: store::joint_parts(&state.db, id).await?,
        figures: store::joint_figures(&state.db, id).await?,
        steps,
        action,
    })
}

#[derive(Template)]
#[template(path = "campaigns/joint_show.html")]
struct JointShowPage {
    layout: Layout,
    d: JointDetail,
    indicators: Vec<Indicator>,
    error: Option<String>,
}

impl JointShowPage {
    fn can(&self, step: &str) -> bool {
        self.d.steps.iter().any(|s| s == step)
    }
    fn value(&self, i: &Indicator) -> String {
        shown(i, self.d.figures.get(&i.code))
    }
    fn clause(&self) -> String {
        crate::domain::citation::cite(model::JOINT_CLAUSE)
    }
}

async fn joint_show(
    state: &SharedState,
    cu: &CurrentUser,
    id: i64,
    msg: Option<&str>,
    error: Option<String>,
) -> PageResult {
    let d = joint_detail(state, &cu.actor, id).await?;
    Ok(crate::web::page::render(&JointShowPage {
        layout: Layout::new(cu, &d.action.title, "/campaigns").notice(msg),
        d,
        indicators: model::indicators(),
        error,
    }))
}

async fn joint_show_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    Query(q): Query<MsgQuery>,
) -> PageResult {
    joint_show(&state, &cu, id, q.msg.as_deref(), None).await
}

async fn joint_step_page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    IdPath(Id(id)): IdPath<Id>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let r = match crate::web::step::from_form(&pairs) {
        Ok(input) => store::run_joint(&state.db, &cu.actor, &cu.who, id, input).await,
        Err(e) => Err(e),
    };
    crate::web::page::after_step(r, &format!("/joint-actions/{id}?msg=saved"), |msg| {
        joint_show(&state, &cu, id, None, Some(msg))
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// API.

/// The campaigns visible to the caller, the latest first.
#[utoipa::path(get, path = "/api/v1/campaigns", tag = "campaigns", params(ListQuery),
    responses((status = 200, body = crate::web::extract::Page<CampaignRow>), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_list(
    State(state): State<SharedState>,
    u: ApiUser,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<crate::web::extract::Page<CampaignRow>>> {
    let scope = store::read_scope(&u.actor)?;
    let w = Window::page(page_number(q.page.as_deref()), PAGE_SIZE);
    Ok(Json(crate::web::extract::Page::window(
        store::list(&state.db, &scope, w).await?,
        w,
    )))
}

/// Launch a special campaign (an office; 002 (一)1, (四)1): each participating unit gets a
/// report for each stage, due the campaign's working days after the stage's last day.
#[utoipa::path(post, path = "/api/v1/campaigns", tag = "campaigns", request_body = CampaignInput,
    responses((status = 201, body = Created), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_create(
    State(state): State<SharedState>,
    u: ApiUser,
    ApiJson(input): ApiJson<CampaignInput>,
) -> AppResult<Response> {
    let id = store::create(&state.db, &state.calendar(), &u.actor, &u.who, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

/// One campaign: its stages with each unit's standing (on time, late, not yet, overdue), the
/// totals of the reports sent and its joint actions counted once; 404 outside the caller's
/// scope.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}", tag = "campaigns", params(("id" = i64, Path)),
    responses((status = 200, body = CampaignView), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_get(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Json<CampaignView>> {
    Ok(Json(
        store::view(&state.db, &u.actor, id, u.who.today()).await?,
    ))
}

/// Conclude a campaign (the office that launched it, after its end), with its summary.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/steps", tag = "campaigns", params(("id" = i64, Path)), request_body = CampaignStep,
    responses((status = 204), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_step(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
    crate::web::step::ApiStep(input): crate::web::step::ApiStep<CampaignStep>,
) -> AppResult<StatusCode> {
    store::run_campaign(&state.db, &u.actor, &u.who, id, input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The campaign's table as .xlsx.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/xlsx", tag = "campaigns", params(("id" = i64, Path)),
    responses((status = 200, description = "The workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_xlsx(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Response> {
    xlsx(&state, &u.actor, u.who.today(), id).await
}

/// A unit's report for a stage; 404 outside the caller's scope.
#[utoipa::path(get, path = "/api/v1/campaigns/reports/{id}", tag = "campaigns", params(("id" = i64, Path)),
    responses((status = 200, body = ReportDetail), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_report(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Json<ReportDetail>> {
    Ok(Json(
        report_detail(&state, &u.actor, u.who.today(), id).await?,
    ))
}

/// A step on a report: `save` or `submit` (the reporting unit, with `figures` — money in yuan —
/// `reasons` for a prefilled figure corrected, and `actions`); a report sent after its due date
/// counts as late. `send_back` (the office that runs the campaign, with `text`): the unit
/// corrects it and sends it again, late if after the due date.
#[utoipa::path(post, path = "/api/v1/campaigns/reports/{id}/steps", tag = "campaigns", params(("id" = i64, Path)), request_body = ReportStep,
    responses((status = 204), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_report_step(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
    crate::web::step::ApiStep(input): crate::web::step::ApiStep<ReportStep>,
) -> AppResult<StatusCode> {
    store::run_report(&state.db, &state.calendar(), &u.actor, &u.who, id, input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The joint enforcement actions visible to the caller (of one campaign with `campaign`).
#[utoipa::path(get, path = "/api/v1/joint-actions", tag = "campaigns", params(JointQuery),
    responses((status = 200, body = crate::web::extract::Page<JointRow>), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_joint_list(
    State(state): State<SharedState>,
    u: ApiUser,
    Query(q): Query<JointQuery>,
) -> AppResult<Json<crate::web::extract::Page<JointRow>>> {
    let scope = store::read_scope(&u.actor)?;
    let campaign = campaign_filter(q.campaign.as_deref())?;
    let w = Window::page(page_number(q.page.as_deref()), PAGE_SIZE);
    Ok(Json(crate::web::extract::Page::window(
        store::joint_list(&state.db, &scope, campaign, w).await?,
        w,
    )))
}

/// Record a joint enforcement action the caller's unit took part in, with each unit's part
/// (002 (四)1, (四)3; 004 一(一)).
#[utoipa::path(post, path = "/api/v1/joint-actions", tag = "campaigns", request_body = JointInput,
    responses((status = 201, body = Created), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_joint_create(
    State(state): State<SharedState>,
    u: ApiUser,
    ApiJson(input): ApiJson<JointInput>,
) -> AppResult<Response> {
    let id = store::joint_create(&state.db, &u.actor, &u.who, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

/// One joint action; 404 outside the caller's scope.
#[utoipa::path(get, path = "/api/v1/joint-actions/{id}", tag = "campaigns", params(("id" = i64, Path)),
    responses((status = 200, body = JointDetail), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_joint_get(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
) -> AppResult<Json<JointDetail>> {
    Ok(Json(joint_detail(&state, &u.actor, id).await?))
}

/// Withdraw a joint action recorded by mistake (the recording unit, with the reason).
#[utoipa::path(post, path = "/api/v1/joint-actions/{id}/steps", tag = "campaigns", params(("id" = i64, Path)), request_body = JointStep,
    responses((status = 204), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_joint_step(
    State(state): State<SharedState>,
    u: ApiUser,
    IdPath(Id(id)): IdPath<Id>,
    crate::web::step::ApiStep(input): crate::web::step::ApiStep<JointStep>,
) -> AppResult<StatusCode> {
    store::run_joint(&state.db, &u.actor, &u.who, id, input).await?;
    Ok(StatusCode::NO_CONTENT)
}

//! The rules of special campaigns and joint enforcement actions (pure): what a campaign
//! targets (002 (一)1), the figures each unit reports (the direct-reporting mechanism with a
//! fixed indicator list), the input parsed field by field, the reporting stages, who may take
//! which step, each unit's standing against its clock and the totals in which a joint action
//! counts once.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::deadline::Timeliness;
use crate::direct_reports::model::{DataSet, Indicator, Measure, Periodicity, Source};
use crate::domain::{FieldErrors, RegionCode, coded_enum, text};

/// The clauses the module carries out, as the code cites them.
pub const CLAUSE: &str = "002 (一)1；002 (四)1";
/// The clauses of a joint action.
pub const JOINT_CLAUSE: &str = "002 (四)1、(四)3；004 一(一)";
/// Working days after a stage's last day within which units report, by default.
pub const DEFAULT_DUE_WORKING_DAYS: u32 = 5;
/// The most reporting stages one campaign has (its end included).
pub const MAX_STAGES: usize = 12;
/// The most units one campaign or joint action names.
pub const MAX_UNITS: usize = 60;

coded_enum! {
    /// The key products of 002 (一)1.
    Product {
        Food = "food", "食品";
        Medicine = "medicine", "药品";
        Cosmetics = "cosmetics", "化妆品";
        AgriculturalInputs = "agricultural_inputs", "农资";
        BuildingMaterials = "building_materials", "建材";
        Machinery = "machinery", "机电";
        AutoParts = "auto_parts", "汽车配件";
        Cigarettes = "cigarettes", "卷烟";
    }
}

coded_enum! {
    /// The fields of rights of 002 (一)1.
    Right {
        Copyright = "copyright", "著作权";
        Trademark = "trademark", "商标";
        Patent = "patent", "专利";
    }
}

coded_enum! {
    /// A campaign's states.
    CampaignState {
        UnderWay = "under_way", "进行中";
        Concluded = "concluded", "已结束";
    }
}

coded_enum! {
    /// A unit's report for one stage.
    ReportState {
        Draft = "draft", "填报中";
        Submitted = "submitted", "已报送";
        Returned = "returned", "已退回修改";
    }
}

coded_enum! {
    /// The steps on a report.
    ReportAct {
        Save = "save", "保存";
        Submit = "submit", "报送";
        SendBack = "send_back", "退回修改";
    }
}

coded_enum! {
    /// A joint action's states.
    JointState {
        Recorded = "recorded", "已登记";
        Withdrawn = "withdrawn", "已撤销";
    }
}

coded_enum! {
    /// Where a unit stands on one stage's report, judged by its clock.
    Standing {
        OnTime = "on_time", "按期报送";
        Late = "late", "逾期报送";
        Pending = "pending", "未报送（未到期）";
        Overdue = "overdue", "逾期未报";
    }
}

/// The labels of stored comma-separated codes.
pub fn labels<T: Copy>(
    stored: &str,
    parse: fn(&str) -> Option<T>,
    label: fn(T) -> &'static str,
) -> String {
    stored
        .split(',')
        .filter_map(parse)
        .map(label)
        .collect::<Vec<_>>()
        .join("、")
}

fn indicator(code: &str, label: &str, measure: Measure) -> Indicator {
    Indicator {
        code: code.into(),
        label: label.into(),
        measure: measure.code().into(),
        source: None,
    }
}

/// The indicator the platform prefills from its own records: the transfers the unit sent to
/// the police in the stage's period (004; 两法衔接), as direct reporting prefills it.
pub const PREFILLED: &str = "transferred";

/// The figures every participating unit reports for a stage (002 (一)1: market inspections,
/// sampling, the black workshops and dens closed, the cases; (三)4: transfers to the police),
/// on the direct-reporting figure mechanism.
pub fn indicators() -> Vec<Indicator> {
    use Measure::*;
    vec![
        indicator("personnel", "出动执法人员", Persons),
        indicator("inspections", "检查经营主体", Count),
        indicator("samples", "抽查抽检批次", Count),
        indicator("dens_closed", "取缔黑作坊黑窝点", Count),
        indicator("cases_filed", "立案数", Count),
        indicator("cases_concluded", "办结数", Count),
        indicator("amount_involved", "涉案金额", Fen),
        indicator("fines_confiscations", "罚没金额", Fen),
        Indicator {
            source: Some(Source::TransfersSent.code().into()),
            ..indicator(PREFILLED, "移送公安机关案件数", Count)
        },
        indicator("persons_arrested", "抓获犯罪嫌疑人", Persons),
    ]
}

/// The checks the figures pass, written with the indicators' names as an office writes them.
pub fn checks() -> Vec<String> {
    vec!["办结数 <= 立案数 + 移送公安机关案件数：办结数不能超过本阶段立案和移送的案件数".into()]
}

/// The data set the figures are parsed against (`direct_reports::model::parse_figures`).
pub fn data_set(name: &str, due_working_days: u32) -> DataSet {
    DataSet {
        name: name.into(),
        periodicity: Periodicity::Month,
        due_working_days,
        indicators: indicators(),
        checks: checks(),
    }
}

/// What an office sends to launch a campaign.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = CampaignInput)]
pub struct CampaignInput {
    #[serde(default)]
    pub title: String,
    /// The stage's goal and measures (阶段工作目标).
    #[serde(default)]
    pub goal: String,
    #[serde(default)]
    pub starts_on: String,
    #[serde(default)]
    pub ends_on: String,
    /// The regions it covers (GB/T 2260 codes within the office's region); left out, the
    /// office's whole region.
    #[serde(default, deserialize_with = "crate::web::step::one_or_many")]
    pub regions: Vec<String>,
    /// Key products targeted: `food`, `medicine`, `cosmetics`, `agricultural_inputs`,
    /// `building_materials`, `machinery`, `auto_parts`, `cigarettes`.
    #[serde(default, deserialize_with = "crate::web::step::one_or_many")]
    pub products: Vec<String>,
    /// Rights targeted: `copyright`, `trademark`, `patent`. With the products, at least one.
    #[serde(default, deserialize_with = "crate::web::step::one_or_many")]
    pub rights: Vec<String>,
    /// The lead unit (牵头单位), itself a participating unit.
    #[serde(default, deserialize_with = "crate::web::step::id_text")]
    #[schema(value_type = i64)]
    pub lead_unit_id: String,
    /// The participating units (参与单位), each reporting.
    #[serde(default, deserialize_with = "crate::web::step::one_or_many")]
    #[schema(value_type = Vec<i64>)]
    pub unit_ids: Vec<String>,
    /// The last days of the reporting stages before the campaign's end (the end is always the
    /// last stage).
    #[serde(default, deserialize_with = "crate::web::step::one_or_many")]
    pub stages: Vec<String>,
    /// Working days after a stage's last day within which units report (1–30; 5 when left
    /// out).
    #[serde(default, deserialize_with = "crate::web::step::text_or_number")]
    #[schema(value_type = Option<i64>)]
    pub due_working_days: Option<String>,
}

/// A campaign parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCampaign {
    pub title: String,
    pub goal: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub regions: Vec<RegionCode>,
    pub products: Vec<Product>,
    pub rights: Vec<Right>,
    pub lead_unit_id: i64,
    /// Every participating unit, the lead unit first, each once.
    pub unit_ids: Vec<i64>,
    /// The stages' last days, ascending, the campaign's end last.
    pub stages: Vec<NaiveDate>,
    pub due_working_days: u32,
}

fn ids(field: &str, label: &str, raw: &[String], e: &mut FieldErrors) -> Vec<i64> {
    let mut out = Vec::new();
    for r in raw.iter().filter(|r| !r.trim().is_empty()) {
        if let Some(id) = e.take(text::id(field, label, r))
            && !out.contains(&id)
        {
            out.push(id);
        }
    }
    out
}

fn codes<T: Copy + PartialEq>(
    field: &str,
    raw: &[String],
    parse: fn(&str) -> Option<T>,
    e: &mut FieldErrors,
    message: &str,
) -> Vec<T> {
    let mut out = Vec::new();
    for r in raw.iter().filter(|r| !r.trim().is_empty()) {
        match parse(r) {
            Some(v) if !out.contains(&v) => out.push(v),
            Some(_) => {}
            None => {
                if e.get(field).is_none() {
                    e.add(field, "invalid_choice", message);
                }
            }
        }
    }
    out
}

impl NewCampaign {
    /// Every field error at once. `region` is the launching office's region.
    pub fn parse(input: &CampaignInput, region: &RegionCode) -> Result<NewCampaign, FieldErrors> {
        let mut e = FieldErrors::new();
        let title = e.take(text::required("title", "专项行动名称", &input.title, 100));
        let goal = e.take(text::required_long(
            "goal",
            "工作目标和措施",
            &input.goal,
            4000,
        ));
        let starts_on = e.take(crate::domain::date::parse(
            "starts_on",
            "开始日期",
            &input.starts_on,
        ));
        let ends_on = e.take(crate::domain::date::parse(
            "ends_on",
            "结束日期",
            &input.ends_on,
        ));
        if let (Some(s), Some(t)) = (starts_on, ends_on)
            && t < s
        {
            e.add("ends_on", "out_of_range", "结束日期不能早于开始日期");
        }
        let mut regions = Vec::new();
        for r in input.regions.iter().filter(|r| !r.trim().is_empty()) {
            match RegionCode::parse(r.trim()) {
                Some(c) if region.contains(&c) => {
                    if !regions.contains(&c) {
                        regions.push(c)
                    }
                }
                Some(_) => {
                    if e.get("regions").is_none() {
                        e.add(
                            "regions",
                            "out_of_jurisdiction",
                            "专项行动的地区应在本办公室所辖地区内",
                        );
                    }
                }
                None => {
                    if e.get("regions").is_none() {
                        e.add("regions", "invalid_format", "地区应为6位行政区划代码");
                    }
                }
            }
        }
        if regions.is_empty() && e.get("regions").is_none() {
            regions.push(*region);
        }
        let products = codes(
            "products",
            &input.products,
            Product::parse,
            &mut e,
            "重点商品应为食品、药品、化妆品、农资、建材、机电、汽车配件或卷烟",
        );
        let rights = codes(
            "rights",
            &input.rights,
            Right::parse,
            &mut e,
            "重点领域应为著作权、商标或专利",
        );
        if products.is_empty()
            && rights.is_empty()
            && e.get("products").is_none()
            && e.get("rights").is_none()
        {
            e.add(
                "products",
                "required",
                "请至少选择一类重点商品或知识产权领域",
            );
        }
        let lead = e.take(text::id("lead_unit_id", "牵头单位", &input.lead_unit_id));
        let others = ids("unit_ids", "参与单位", &input.unit_ids, &mut e);
        let mut unit_ids: Vec<i64> = lead.into_iter().collect();
        unit_ids.extend(others.into_iter().filter(|u| Some(*u) != lead));
        if unit_ids.len() > MAX_UNITS {
            e.add(
                "unit_ids",
                "out_of_range",
                format!("参与单位不能超过{MAX_UNITS}个"),
            );
        }
        let due_working_days = match input.due_working_days.as_deref().map(str::trim) {
            None | Some("") => Some(DEFAULT_DUE_WORKING_DAYS),
            Some(raw) => match raw.parse::<u32>() {
                Ok(n) if (1..=30).contains(&n) => Some(n),
                _ => {
                    e.add(
                        "due_working_days",
                        "out_of_range",
                        "报送时限应为阶段结束后1至30个工作日",
                    );
                    None
                }
            },
        };
        let mut stage_days = Vec::new();
        for r in input.stages.iter().filter(|r| !r.trim().is_empty()) {
            if let Some(d) = e.take(crate::domain::date::parse("stages", "阶段结束日期", r)) {
                stage_days.push(d);
            }
        }
        let stages = match (starts_on, ends_on) {
            (Some(s), Some(t)) if t >= s => match stages(s, t, &stage_days) {
                Ok(v) => Some(v),
                Err(m) => {
                    e.add("stages", "out_of_range", m);
                    None
                }
            },
            _ => None,
        };
        match (
            title,
            goal,
            starts_on,
            ends_on,
            lead,
            due_working_days,
            stages,
        ) {
            (
                Some(title),
                Some(goal),
                Some(starts_on),
                Some(ends_on),
                Some(lead_unit_id),
                Some(due),
                Some(stages),
            ) if e.is_empty() => Ok(NewCampaign {
                title,
                goal,
                starts_on,
                ends_on,
                regions,
                products,
                rights,
                lead_unit_id,
                unit_ids,
                stages,
                due_working_days: due,
            }),
            _ => Err(e),
        }
    }
}

/// The reporting stages of a campaign from `start` to `end`: the days given, each within the
/// campaign and before its end, ascending and distinct, then the end itself.
pub fn stages(
    start: NaiveDate,
    end: NaiveDate,
    given: &[NaiveDate],
) -> Result<Vec<NaiveDate>, String> {
    let mut out: Vec<NaiveDate> = Vec::new();
    for d in given {
        if *d < start || *d >= end {
            return Err("阶段结束日期应在专项行动期间内，并早于结束日期".into());
        }
        if out.last().is_some_and(|l| l >= d) {
            return Err("阶段结束日期应按先后顺序排列，不能重复".into());
        }
        out.push(*d);
    }
    out.push(end);
    if out.len() > MAX_STAGES {
        return Err(format!("报送阶段不能超过{MAX_STAGES}个"));
    }
    Ok(out)
}

/// The label of stage `n` (from 1) of `count`.
pub fn stage_label(n: usize, count: usize) -> String {
    if count == 1 {
        "总结报送".into()
    } else if n == count {
        format!("第{}阶段（总结）", crate::domain::chinese_ordinal(n))
    } else {
        format!("第{}阶段", crate::domain::chinese_ordinal(n))
    }
}

/// Why a launch is refused on `today`: a stage whose report would be due already.
pub fn launch_refusal(first_due: NaiveDate, today: NaiveDate) -> Option<String> {
    (first_due < today).then(|| {
        format!(
            "第一个报送阶段的报送时限（{}）已过，请调整期间或阶段",
            crate::calendar::date_zh(first_due)
        )
    })
}

/// Where the actor stands to a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReportRole {
    /// The reporting unit's liaison officer or handler (or a county office reporting for its
    /// county).
    pub reporter: bool,
    /// The office that runs the campaign (it sends a report back).
    pub office: bool,
}

/// Whether `act` may be taken on a report in `state` of a stage ending `stage_end`, in a
/// campaign in `campaign`, on `today`; the state it leads to, or why not. A report is sent
/// from the stage's last day on; after the due date it is still accepted, and counts as late.
/// The office sends a sent report back; the unit corrects it (a save keeps it returned) and
/// sends it again.
pub fn check_report(
    state: ReportState,
    campaign: CampaignState,
    act: ReportAct,
    role: ReportRole,
    stage_end: NaiveDate,
    today: NaiveDate,
) -> Result<ReportState, &'static str> {
    if act == ReportAct::SendBack {
        if !role.office {
            return Err("由发起专项行动的办公室退回报送的工作情况");
        }
        if state != ReportState::Submitted {
            return Err("只能退回已经报送的工作情况");
        }
        if campaign == CampaignState::Concluded {
            return Err("专项行动已经结束");
        }
        return Ok(ReportState::Returned);
    }
    if !role.reporter {
        return Err("由参与单位的联络员或经办人报送本单位的工作情况");
    }
    if state == ReportState::Submitted {
        return Err("本阶段的工作情况已经报送");
    }
    if campaign == CampaignState::Concluded {
        return Err("专项行动已经结束");
    }
    match act {
        ReportAct::Save => Ok(state),
        ReportAct::Submit if today < stage_end => Err("本阶段结束后方可报送"),
        ReportAct::Submit | ReportAct::SendBack => Ok(ReportState::Submitted),
    }
}

/// The period a stage's figures cover: from the day after the previous stage's last day (the
/// campaign's first day for the first stage) to the stage's own last day.
pub fn stage_period(
    campaign_start: NaiveDate,
    previous_end: Option<NaiveDate>,
    end: NaiveDate,
) -> (NaiveDate, NaiveDate) {
    let start = previous_end
        .and_then(|p| p.succ_opt())
        .map_or(campaign_start, |d| d.max(campaign_start));
    (start, end)
}

/// Whether the office that launched a campaign (`office`) may conclude it on `today`.
pub fn check_conclude(
    state: CampaignState,
    office: bool,
    ends_on: NaiveDate,
    today: NaiveDate,
) -> Result<CampaignState, &'static str> {
    if !office {
        return Err("由发起专项行动的办公室结束专项行动");
    }
    if state != CampaignState::UnderWay {
        return Err("专项行动已经结束");
    }
    if today <= ends_on {
        return Err("专项行动期间届满后方可结束");
    }
    Ok(CampaignState::Concluded)
}

/// Whether the unit that recorded a joint action (`recorder`) may withdraw it.
pub fn check_withdraw(state: JointState, recorder: bool) -> Result<JointState, &'static str> {
    if !recorder {
        return Err("由登记该联合执法行动的单位撤销");
    }
    if state != JointState::Recorded {
        return Err("该联合执法行动已经撤销");
    }
    Ok(JointState::Withdrawn)
}

/// A unit's standing on a stage: from its clock's timeliness (`deadline::Timeliness`, the one
/// definition: sent after the due date is late) and, while it has not reported, whether the
/// due date has passed.
pub fn standing(timeliness: Timeliness, due: NaiveDate, today: NaiveDate) -> Standing {
    match timeliness {
        Timeliness::OnTime => Standing::OnTime,
        Timeliness::Late => Standing::Late,
        Timeliness::Missed => Standing::Overdue,
        Timeliness::Running | Timeliness::Waived if due < today => Standing::Overdue,
        Timeliness::Running | Timeliness::Waived => Standing::Pending,
    }
}

/// One unit's report as counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    pub unit_id: i64,
    pub standing: Standing,
    /// The figures, when sent.
    pub figures: Option<BTreeMap<String, i64>>,
}

/// How many units stand where, and the sum of what was sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = CampaignTally)]
pub struct Tally {
    pub reports: i64,
    pub on_time: i64,
    pub late: i64,
    pub pending: i64,
    pub overdue: i64,
    /// Indicator code → the sum of the figures sent (money in fen).
    pub totals: BTreeMap<String, i64>,
}

/// The standing and the sum of the reports: only what was sent counts; each report once.
pub fn tally(reports: &[Counted]) -> Tally {
    let mut t = Tally::default();
    for r in reports {
        t.reports += 1;
        match r.standing {
            Standing::OnTime => t.on_time += 1,
            Standing::Late => t.late += 1,
            Standing::Pending => t.pending += 1,
            Standing::Overdue => t.overdue += 1,
        }
        if let Some(f) = &r.figures {
            for (k, v) in f {
                *t.totals.entry(k.clone()).or_default() += v;
            }
        }
    }
    t
}

/// A joint action as counted: each action once, whatever the number of units in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JointCounted {
    pub id: i64,
    pub units: i64,
    pub figures: BTreeMap<String, i64>,
}

/// The joint actions' count and the sum of their results, each action once.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = CampaignJointTally)]
pub struct JointTally {
    pub actions: i64,
    /// Units taking part, counted per action (a unit in two actions twice).
    pub unit_parts: i64,
    pub totals: BTreeMap<String, i64>,
}

pub fn joint_tally(actions: &[JointCounted]) -> JointTally {
    let mut t = JointTally::default();
    let mut seen = Vec::new();
    for a in actions {
        if seen.contains(&a.id) {
            continue;
        }
        seen.push(a.id);
        t.actions += 1;
        t.unit_parts += a.units;
        for (k, v) in &a.figures {
            *t.totals.entry(k.clone()).or_default() += v;
        }
    }
    t
}

/// One unit's part in a joint action as sent.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = CampaignJointPartInput)]
pub struct PartInput {
    #[serde(default, deserialize_with = "crate::web::step::id_text")]
    #[schema(value_type = i64)]
    pub unit_id: String,
    /// What the unit did (its part: 各方分工及工作情况).
    #[serde(default)]
    pub part: String,
}

/// What a unit sends to record a joint action.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = JointActionInput)]
pub struct JointInput {
    /// The campaign it belongs to, if any (the recording unit takes part in it).
    #[serde(default, deserialize_with = "crate::web::step::text_or_number")]
    #[schema(value_type = Option<i64>)]
    pub campaign_id: Option<String>,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub held_on: String,
    #[serde(default)]
    pub place: String,
    /// What it was aimed at (market, enterprise, den, goods).
    #[serde(default)]
    pub target: String,
    /// Every unit taking part with its part, the recording unit's too; at least two units.
    #[serde(default)]
    pub parts: Vec<PartInput>,
    /// The results in words.
    #[serde(default)]
    pub results: String,
    /// The results in figures (the campaign's indicators; money in yuan), counted once.
    #[serde(default)]
    pub figures: BTreeMap<String, String>,
}

/// A joint action parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJoint {
    pub campaign_id: Option<i64>,
    pub title: String,
    pub held_on: NaiveDate,
    pub place: String,
    pub target: String,
    /// (unit, part), the recording unit among them, each unit once.
    pub parts: Vec<(i64, String)>,
    pub results: String,
    pub figures: BTreeMap<String, i64>,
}

impl NewJoint {
    /// Every field error at once; `recorder` is the recording unit, which must take part.
    pub fn parse(
        input: &JointInput,
        recorder: i64,
        today: NaiveDate,
    ) -> Result<NewJoint, FieldErrors> {
        let mut e = FieldErrors::new();
        let campaign_id = match input.campaign_id.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => e.take(text::id("campaign_id", "专项行动", raw)),
        };
        let title = e.take(text::required("title", "行动名称", &input.title, 100));
        let held_on = e.take(crate::domain::date::not_after(
            "held_on",
            "行动日期",
            &input.held_on,
            today,
        ));
        let place = e.take(text::required("place", "行动地点", &input.place, 200));
        let target = e.take(text::required("target", "检查对象", &input.target, 200));
        let results = e.take(text::required_long(
            "results",
            "行动成果",
            &input.results,
            4000,
        ));
        let mut parts: Vec<(i64, String)> = Vec::new();
        for (n, p) in input.parts.iter().enumerate() {
            let unit = e.take(text::id(
                &format!("parts.{n}.unit_id"),
                "参与单位",
                &p.unit_id,
            ));
            let part = e.take(text::required_long(
                &format!("parts.{n}.part"),
                "该单位的分工和工作情况",
                &p.part,
                1000,
            ));
            if let (Some(u), Some(part)) = (unit, part) {
                if parts.iter().any(|(x, _)| *x == u) {
                    e.add(
                        &format!("parts.{n}.unit_id"),
                        "duplicate",
                        "同一单位只列一次",
                    );
                } else {
                    parts.push((u, part));
                }
            }
        }
        if input.parts.len() > MAX_UNITS {
            e.add(
                "parts",
                "out_of_range",
                format!("参与单位不能超过{MAX_UNITS}个"),
            );
        }
        if e.get("parts").is_none()
            && !input.parts.is_empty()
            && !parts.iter().any(|(u, _)| *u == recorder)
            && e.is_empty()
        {
            e.add(
                "parts",
                "recorder_missing",
                "登记单位应列明本单位的分工和工作情况",
            );
        }
        if input.parts.len() < 2 && e.get("parts").is_none() {
            e.add(
                "parts",
                "too_few",
                "联合执法行动应有两个以上单位参加，并列明各方分工",
            );
        }
        let set = data_set("联合执法行动", DEFAULT_DUE_WORKING_DAYS);
        let figures = match crate::direct_reports::model::parse_figures(
            &set,
            &crate::direct_reports::model::FiguresInput {
                figures: input.figures.clone(),
                reasons: BTreeMap::new(),
            },
            &BTreeMap::new(),
            false,
        ) {
            Ok(f) => f
                .into_iter()
                .filter_map(|f| f.value.map(|v| (f.code, v)))
                .collect(),
            Err(fe) => {
                for f in fe.0 {
                    e.add(&f.field, &f.code, f.message);
                }
                BTreeMap::new()
            }
        };
        match (title, held_on, place, target, results) {
            (Some(title), Some(held_on), Some(place), Some(target), Some(results))
                if e.is_empty() =>
            {
                Ok(NewJoint {
                    campaign_id,
                    title,
                    held_on,
                    place,
                    target,
                    parts,
                    results,
                    figures,
                })
            }
            _ => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::direct_reports::model::{FiguresInput, parse_figures};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn city() -> RegionCode {
        RegionCode::parse("411500").expect("region")
    }

    fn input() -> CampaignInput {
        CampaignInput {
            title: "农资打假专项行动".into(),
            goal: "春耕期间集中整治假劣种子、化肥、农药".into(),
            starts_on: "2026-03-01".into(),
            ends_on: "2026-05-31".into(),
            regions: vec!["411521".into()],
            products: vec!["agricultural_inputs".into(), "food".into()],
            rights: vec!["trademark".into()],
            lead_unit_id: "3".into(),
            unit_ids: vec!["4".into(), "3".into(), "5".into()],
            stages: vec!["2026-03-31".into()],
            due_working_days: None,
        }
    }

    fn codes_of(e: &FieldErrors) -> Vec<(String, String)> {
        e.0.iter()
            .map(|f| (f.field.clone(), f.code.clone()))
            .collect()
    }

    #[test]
    fn the_seeds_products_and_rights_are_the_targets() {
        let labels: Vec<&str> = Product::ALL.iter().map(|p| p.label()).collect();
        assert_eq!(
            labels,
            [
                "食品",
                "药品",
                "化妆品",
                "农资",
                "建材",
                "机电",
                "汽车配件",
                "卷烟"
            ]
        );
        let rights: Vec<&str> = Right::ALL.iter().map(|p| p.label()).collect();
        assert_eq!(rights, ["著作权", "商标", "专利"]);
        assert_eq!(
            super::labels("food,cigarettes,x", Product::parse, Product::label),
            "食品、卷烟"
        );
    }

    #[test]
    fn a_campaign_parses_with_its_lead_first_and_its_stages() {
        let c = NewCampaign::parse(&input(), &city()).expect("parses");
        assert_eq!(c.unit_ids, [3, 4, 5]);
        assert_eq!(c.stages, [d("2026-03-31"), d("2026-05-31")]);
        assert_eq!(c.due_working_days, DEFAULT_DUE_WORKING_DAYS);
        assert_eq!(c.products, [Product::AgriculturalInputs, Product::Food]);
        assert_eq!(c.rights, [Right::Trademark]);
        assert_eq!(c.regions, [RegionCode::parse("411521").expect("r")]);
        // Regions left out: the office's own.
        let mut i = input();
        i.regions.clear();
        assert_eq!(
            NewCampaign::parse(&i, &city()).expect("ok").regions,
            [city()]
        );
    }

    #[test]
    fn every_field_error_at_once_with_stable_codes() {
        let e = NewCampaign::parse(&CampaignInput::default(), &city()).expect_err("empty");
        assert_eq!(
            codes_of(&e),
            [
                ("title".to_string(), "required".to_string()),
                ("goal".into(), "required".into()),
                ("starts_on".into(), "required".into()),
                ("ends_on".into(), "required".into()),
                ("products".into(), "required".into()),
                ("lead_unit_id".into(), "required".into()),
            ]
        );
        let mut i = input();
        i.ends_on = "2026-02-01".into();
        i.regions = vec!["110000".into()];
        i.products = vec!["weapons".into()];
        i.rights = vec!["secrets".into()];
        i.due_working_days = Some("31".into());
        i.unit_ids = vec!["x".into()];
        let e = NewCampaign::parse(&i, &city()).expect_err("bad");
        assert_eq!(
            codes_of(&e),
            [
                ("ends_on".to_string(), "out_of_range".to_string()),
                ("regions".into(), "out_of_jurisdiction".into()),
                ("products".into(), "invalid_choice".into()),
                ("rights".into(), "invalid_choice".into()),
                ("unit_ids".into(), "invalid_format".into()),
                ("due_working_days".into(), "out_of_range".into()),
            ]
        );
        let mut i = input();
        i.regions = vec!["41152".into()];
        assert_eq!(
            codes_of(&NewCampaign::parse(&i, &city()).expect_err("r")),
            [("regions".to_string(), "invalid_format".to_string())]
        );
        for (days, ok) in [
            ("1", true),
            ("30", true),
            ("0", false),
            ("x", false),
            ("", true),
        ] {
            let mut i = input();
            i.due_working_days = Some(days.into());
            assert_eq!(NewCampaign::parse(&i, &city()).is_ok(), ok, "{days}");
        }
    }

    #[test]
    fn stages_lie_within_the_campaign_in_order_and_end_with_it() {
        let (s, t) = (d("2026-03-01"), d("2026-05-31"));
        assert_eq!(stages(s, t, &[]).expect("one"), [t]);
        assert_eq!(
            stages(s, t, &[d("2026-03-01"), d("2026-04-30")]).expect("three"),
            [d("2026-03-01"), d("2026-04-30"), t]
        );
        assert!(
            stages(s, t, &[d("2026-02-28")]).is_err(),
            "before the start"
        );
        assert!(
            stages(s, t, &[t]).is_err(),
            "the end is the last stage already"
        );
        assert!(
            stages(s, t, &[d("2026-04-30"), d("2026-03-31")]).is_err(),
            "out of order"
        );
        assert!(
            stages(s, t, &[d("2026-04-30"), d("2026-04-30")]).is_err(),
            "twice"
        );
        let many: Vec<NaiveDate> = (1..=MAX_STAGES as u32)
            .map(|n| s + chrono::Days::new(n.into()))
            .collect();
        assert!(stages(s, t, &many).is_err(), "too many");
        assert!(stages(s, t, &many[1..]).is_ok());
        assert_eq!(stage_label(1, 1), "总结报送");
        assert_eq!(stage_label(1, 2), "第一阶段");
        assert_eq!(stage_label(2, 2), "第二阶段（总结）");
        let mut i = input();
        i.stages = vec!["2026-06-30".into()];
        assert_eq!(
            codes_of(&NewCampaign::parse(&i, &city()).expect_err("s")),
            [("stages".to_string(), "out_of_range".to_string())]
        );
        assert!(launch_refusal(d("2026-06-05"), d("2026-06-06")).is_some());
        assert!(launch_refusal(d("2026-06-05"), d("2026-06-05")).is_none());
    }

    #[test]
    fn figures_are_the_direct_reporting_figures_with_money_in_fen() {
        let set = data_set("农资打假", 5);
        let codes: Vec<&str> = set.indicators.iter().map(|i| i.code.as_str()).collect();
        for c in [
            "inspections",
            "cases_filed",
            "amount_involved",
            "transferred",
        ] {
            assert!(codes.contains(&c), "{c}");
        }
        assert_eq!(
            set.compiled_checks().len(),
            1,
            "the check parses against the list"
        );
        let mut f = FiguresInput::default();
        for i in &set.indicators {
            f.figures.insert(i.code.clone(), "1".into());
        }
        f.figures.insert("amount_involved".into(), "12.5".into());
        let out = parse_figures(&set, &f, &BTreeMap::new(), true).expect("complete");
        let amount = out
            .iter()
            .find(|x| x.code == "amount_involved")
            .expect("amount");
        assert_eq!(amount.value, Some(1250));
        f.figures.insert("cases_concluded".into(), "5".into());
        let e = parse_figures(&set, &f, &BTreeMap::new(), true).expect_err("check");
        assert_eq!(
            codes_of(&e),
            [(
                "figures.cases_concluded".to_string(),
                "check_failed".to_string()
            )]
        );
        f.figures.remove("inspections");
        assert!(
            parse_figures(&set, &f, &BTreeMap::new(), false).is_ok(),
            "a save keeps blanks"
        );
    }

    #[test]
    fn who_may_take_which_step_on_a_report() {
        use CampaignState::*;
        use ReportAct::*;
        use ReportState::*;
        let end = d("2026-05-31");
        let reporter = ReportRole {
            reporter: true,
            office: false,
        };
        let office = ReportRole {
            reporter: false,
            office: true,
        };
        let other = ReportRole::default();
        for state in [Draft, Submitted, Returned] {
            for campaign in [UnderWay, Concluded] {
                for act in ReportAct::ALL.iter().copied() {
                    for role in [reporter, office, other] {
                        for today in [d("2026-05-30"), end, d("2026-07-01")] {
                            let r = check_report(state, campaign, act, role, end, today);
                            let expected = if campaign == Concluded {
                                None
                            } else if act == SendBack {
                                (role.office && state == Submitted).then_some(Returned)
                            } else if !role.reporter || state == Submitted {
                                None
                            } else if act == Save {
                                // A save keeps a returned report returned.
                                Some(state)
                            } else if today < end {
                                None
                            } else {
                                Some(Submitted)
                            };
                            assert_eq!(
                                r.ok(),
                                expected,
                                "{state:?} {campaign:?} {act:?} {role:?} {today}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn a_stage_covers_the_days_since_the_previous_one() {
        let start = d("2026-03-01");
        assert_eq!(
            stage_period(start, None, d("2026-03-31")),
            (start, d("2026-03-31"))
        );
        assert_eq!(
            stage_period(start, Some(d("2026-03-31")), d("2026-05-31")),
            (d("2026-04-01"), d("2026-05-31"))
        );
        // The transfers figure is the one the platform prefills.
        let set = data_set("x", 5);
        let prefilled: Vec<&str> = set
            .indicators
            .iter()
            .filter(|i| i.source().is_some())
            .map(|i| i.code.as_str())
            .collect();
        assert_eq!(prefilled, [PREFILLED]);
        let pre = BTreeMap::from([(PREFILLED.to_string(), 2)]);
        let mut f = FiguresInput::default();
        f.figures.insert(PREFILLED.into(), "3".into());
        let e = parse_figures(&set, &f, &pre, false).expect_err("a reason");
        assert_eq!(
            codes_of(&e),
            [("reasons.transferred".to_string(), "required".to_string())]
        );
        f.reasons
            .insert(PREFILLED.into(), "一起案件移送手续在平台外办理".into());
        let ok = parse_figures(&set, &f, &pre, false).expect("kept with its reason");
        let t = ok.iter().find(|x| x.code == PREFILLED).expect("figure");
        assert_eq!((t.value, t.prefilled), (Some(3), Some(2)));
        assert!(t.reason.is_some());
    }

    #[test]
    fn the_office_concludes_after_the_end_and_the_recorder_withdraws() {
        let end = d("2026-05-31");
        assert_eq!(
            check_conclude(CampaignState::UnderWay, true, end, d("2026-06-01")),
            Ok(CampaignState::Concluded)
        );
        assert!(check_conclude(CampaignState::UnderWay, true, end, end).is_err());
        assert!(check_conclude(CampaignState::UnderWay, false, end, d("2026-06-01")).is_err());
        assert!(check_conclude(CampaignState::Concluded, true, end, d("2026-06-01")).is_err());
        assert_eq!(
            check_withdraw(JointState::Recorded, true),
            Ok(JointState::Withdrawn)
        );
        assert!(check_withdraw(JointState::Recorded, false).is_err());
        assert!(check_withdraw(JointState::Withdrawn, true).is_err());
    }

    #[test]
    fn a_report_after_its_due_date_is_late_and_none_is_overdue() {
        let due = d("2026-06-05");
        assert_eq!(
            standing(Timeliness::OnTime, due, d("2026-07-01")),
            Standing::OnTime
        );
        assert_eq!(
            standing(Timeliness::Late, due, d("2026-07-01")),
            Standing::Late
        );
        assert_eq!(standing(Timeliness::Running, due, due), Standing::Pending);
        assert_eq!(
            standing(Timeliness::Running, due, d("2026-06-06")),
            Standing::Overdue
        );
        assert_eq!(
            standing(Timeliness::Missed, due, d("2026-06-06")),
            Standing::Overdue
        );
        assert_eq!(
            standing(Timeliness::Waived, due, d("2026-06-01")),
            Standing::Pending
        );
    }

    #[test]
    fn totals_sum_what_was_sent_and_a_joint_action_counts_once() {
        let f = |a: i64, b: i64| {
            Some(BTreeMap::from([
                ("cases_filed".to_string(), a),
                ("amount_involved".to_string(), b),
            ]))
        };
        let t = tally(&[
            Counted {
                unit_id: 1,
                standing: Standing::OnTime,
                figures: f(2, 100),
            },
            Counted {
                unit_id: 2,
                standing: Standing::Late,
                figures: f(3, 250),
            },
            Counted {
                unit_id: 3,
                standing: Standing::Overdue,
                figures: None,
            },
            Counted {
                unit_id: 4,
                standing: Standing::Pending,
                figures: None,
            },
        ]);
        assert_eq!(
            (t.reports, t.on_time, t.late, t.overdue, t.pending),
            (4, 1, 1, 1, 1)
        );
        assert_eq!(t.totals["cases_filed"], 5);
        assert_eq!(t.totals["amount_involved"], 350);
        let j = |id: i64| JointCounted {
            id,
            units: 2,
            figures: BTreeMap::from([("inspections".to_string(), 7)]),
        };
        let jt = joint_tally(&[j(1), j(1), j(2)]);
        assert_eq!(
            (jt.actions, jt.unit_parts, jt.totals["inspections"]),
            (2, 4, 14)
        );
        assert_eq!(tally(&[]), Tally::default());
    }

    fn joint() -> JointInput {
        JointInput {
            campaign_id: None,
            title: "联合查处假冒卷烟窝点".into(),
            held_on: "2026-06-01".into(),
            place: "浉河区某仓库".into(),
            target: "假冒卷烟储存窝点".into(),
            parts: vec![
                PartInput {
                    unit_id: "3".into(),
                    part: "现场检查，扣押涉案卷烟".into(),
                },
                PartInput {
                    unit_id: "4".into(),
                    part: "控制现场人员，固定证据".into(),
                },
            ],
            results: "查获假冒卷烟120条".into(),
            figures: BTreeMap::from([
                ("amount_involved".to_string(), "36000".to_string()),
                ("inspections".to_string(), "1".to_string()),
            ]),
        }
    }

    #[test]
    fn a_joint_action_names_two_units_or_more_each_with_its_part() {
        let today = d("2026-06-15");
        let j = NewJoint::parse(&joint(), 3, today).expect("parses");
        assert_eq!(j.parts.len(), 2);
        assert_eq!(j.figures["amount_involved"], 3_600_000);
        assert_eq!(j.figures.get("cases_filed"), None, "blanks left out");
        let e = NewJoint::parse(&joint(), 9, today).expect_err("recorder absent");
        assert_eq!(
            codes_of(&e),
            [("parts".to_string(), "recorder_missing".to_string())]
        );
        let mut one = joint();
        one.parts.truncate(1);
        assert_eq!(
            codes_of(&NewJoint::parse(&one, 3, today).expect_err("one")),
            [("parts".to_string(), "too_few".to_string())]
        );
        let mut dup = joint();
        dup.parts[1].unit_id = "3".into();
        assert_eq!(
            codes_of(&NewJoint::parse(&dup, 3, today).expect_err("dup")),
            [("parts.1.unit_id".to_string(), "duplicate".to_string())]
        );
        let e = NewJoint::parse(&JointInput::default(), 3, today).expect_err("empty");
        assert_eq!(
            codes_of(&e),
            [
                ("title".to_string(), "required".to_string()),
                ("held_on".into(), "required".into()),
                ("place".into(), "required".into()),
                ("target".into(), "required".into()),
                ("results".into(), "required".into()),
                ("parts".into(), "too_few".into()),
            ]
        );
        let mut later = joint();
        later.held_on = "2026-06-16".into();
        later.figures.insert("inspections".into(), "-1".into());
        later.parts[1].part = String::new();
        assert_eq!(
            codes_of(&NewJoint::parse(&later, 3, today).expect_err("bad")),
            [
                ("held_on".to_string(), "out_of_range".to_string()),
                ("parts.1.part".into(), "required".into()),
                ("figures.inspections".into(), "invalid_format".into()),
            ]
        );
    }
}

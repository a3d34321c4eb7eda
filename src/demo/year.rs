//! A year of the office's work for the demo (issue #20): supervised cases in every state,
//! transfers in the states the linkage demo does not reach, the group's meetings with signed
//! minutes and the tasks they decided, circulars with read receipts, an inspection with its
//! rectification tasks, report rounds with one unit late and one missing, and the group's
//! composition. Every record is made by the operations the pages and the API call, acting as
//! the person who would act, on the day the act happened: the context's clock is set back to
//! that day (`on`), so clocks, to-dos, audit records, document numbers and PDFs are what the
//! platform itself produces. Days are counted back from the demo's today, so the demo never
//! goes stale and nothing in it lies in the future.

use std::sync::Arc;

use chrono::{Duration, NaiveDate};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::acting;
use crate::error::{AppError, AppResult};
use crate::web::SharedState;

const MSA: &str = "信阳市市场监督管理局";
const POLICE: &str = "信阳市公安局";
const PROCURATORATE: &str = "信阳市人民检察院";
const LS_MSA: &str = "罗山县市场监督管理局";
const LS_POLICE: &str = "罗山县公安局";
const LS_OFFICE: &str = "罗山县打击侵权假冒工作领导小组办公室";

/// The demo's states on each day work happened, each with its clock set to that day.
struct Days {
    base: SharedState,
    today: NaiveDate,
    states: std::collections::HashMap<i64, SharedState>,
}

impl Days {
    fn new(base: &SharedState) -> Days {
        Days {
            base: base.clone(),
            today: base.clock.today(),
            states: Default::default(),
        }
    }

    /// The date `days` days before the demo's today.
    fn date(&self, days: i64) -> NaiveDate {
        self.today - Duration::days(days)
    }

    fn text(&self, days: i64) -> String {
        self.date(days).to_string()
    }

    /// The platform as it was `days` days ago: the same database and configuration, the clock
    /// at 10:00 that day and running on. Today is the demo's own state, so no act is stamped
    /// later than the moment the demo was loaded.
    async fn on(&mut self, days: i64) -> AppResult<SharedState> {
        if days <= 0 {
            return Ok(self.base.clone());
        }
        if let Some(s) = self.states.get(&days) {
            return Ok(s.clone());
        }
        let ctx = crate::context::Ctx::new(
            self.base.db.clone(),
            crate::clock::Clock::on(self.date(days)),
            self.base.config.fonts_dir.clone(),
        );
        // The holiday years an administrator saved count back then as they do now.
        ctx.reload_calendar().await?;
        let state = crate::web::AppState::new(Arc::new(ctx), self.base.config.clone());
        self.states.insert(days, state.clone());
        Ok(state)
    }
}

fn input<T: DeserializeOwned>(v: Value) -> AppResult<T> {
    serde_json::from_value(v).map_err(AppError::internal)
}

async fn unit(state: &SharedState, name: &str) -> AppResult<i64> {
    Ok(
        sqlx::query_scalar::<_, i64>("SELECT id FROM units WHERE name = $1")
            .bind(name)
            .fetch_one(&state.db.pool)
            .await?,
    )
}

async fn user(state: &SharedState, username: &str) -> AppResult<i64> {
    Ok(
        sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE username = $1")
            .bind(username)
            .fetch_one(&state.db.pool)
            .await?,
    )
}

/// `signer` signs (签发) the draft of record `record_type` `record_id` waiting for the
/// signature: the step it carries issues the document, numbered on that day.
async fn sign(
    state: &SharedState,
    signer: &str,
    record_type: &str,
    record_id: i64,
    opinion: &str,
) -> AppResult<()> {
    let draft: i64 = sqlx::query_scalar(
        "SELECT id FROM drafts WHERE record_type = $1 AND record_id = $2 \
         AND state IN ('reviewing', 'signing') ORDER BY id DESC LIMIT 1",
    )
    .bind(record_type)
    .bind(record_id)
    .fetch_one(&state.db.pool)
    .await?;
    let draft_state: String = sqlx::query_scalar("SELECT state FROM drafts WHERE id = $1")
        .bind(draft)
        .fetch_one(&state.db.pool)
        .await?;
    let (actor, who) = acting(state, signer).await?;
    if draft_state == "reviewing" {
        // An office that reviews its drafts (核稿): its director passes them first.
        let (reviewer, rwho) = acting(state, "director").await?;
        crate::drafting::store::act(
            state,
            &reviewer,
            &rwho,
            draft,
            crate::drafting::Act::Pass,
            "",
            None,
        )
        .await?;
    }
    crate::drafting::store::act(
        state,
        &actor,
        &who,
        draft,
        crate::drafting::Act::Sign,
        opinion,
        None,
    )
    .await
}

/// Load the year's work. Skipped, like the linkage demo, when the fonts for official documents
/// are missing or today's year is not in the calendar.
pub async fn load(base: &SharedState) -> AppResult<()> {
    use chrono::Datelike;
    let today = base.clock.today();
    if base.fonts().is_err() || base.calendar().schedule(today.year()).is_none() {
        return Ok(());
    }
    let mut days = Days::new(base);
    composition(&mut days).await?;
    cases(&mut days).await?;
    transfers(&mut days).await?;
    meetings(&mut days).await?;
    circulars(&mut days).await?;
    inspection(&mut days).await?;
    report_rounds(&mut days).await?;
    Ok(())
}

/// The group's composition (001 §3–5; 003 一): its leader and deputy approved by the group
/// leader, the units' liaison officers filed, a responsible person's change waiting for the
/// leader, and Luoshan's new group leader waiting for the county's leader.
async fn composition(days: &mut Days) -> AppResult<()> {
    use crate::composition::{ChangeInput, store};
    let st = days.on(330).await?;
    let approved = [
        ("staff", "leader", "李组长", "副市长", "市政府工作分工调整"),
        (
            "staff",
            "deputy",
            "张副组长",
            "市政府副秘书长",
            "市政府工作分工调整",
        ),
        (
            "liaison.scjg",
            "responsible",
            "刘局长",
            "局长",
            "单位主要负责人任职调整",
        ),
    ];
    for (who, position, name, post, reason) in approved {
        let (a, w) = acting(&st, who).await?;
        let id = store::request(
            &st.db,
            &a,
            &w,
            &input::<ChangeInput>(json!({
                "position": position, "person_name": name, "post": post,
                "phone": "0376-6221234", "reason": reason
            }))?,
        )
        .await?;
        let later = days.on(328).await?;
        let (l, lw) = acting(&later, "leader").await?;
        store::decide(&later.db, &l, &lw, id, true, "同意。").await?;
    }
    // Liaison officers are filed with the office and in force at once (001 §23).
    for (who, name, days_ago) in [
        ("liaison.scjg", "钱联络员", 320),
        ("handler.gaj", "孙经办", 320),
        ("liaison.luoshan.scjg", "冯联络员", 300),
    ] {
        let st = days.on(days_ago).await?;
        let (a, w) = acting(&st, who).await?;
        store::request(
            &st.db,
            &a,
            &w,
            &input::<ChangeInput>(json!({
                "position": "liaison", "person_name": name, "post": "科长",
                "phone": "0376-6225678", "reason": "确定本单位打击侵权假冒工作联络员"
            }))?,
        )
        .await?;
    }
    // Waiting for the leaders' approval: the city police's new responsible person, and the
    // deputy county head who now leads Luoshan's group.
    let st = days.on(2).await?;
    for (who, position, name, post) in [
        ("handler.gaj", "responsible", "郭局长", "局长"),
        ("county.luoshan", "leader", "罗组长", "副县长"),
    ] {
        let (a, w) = acting(&st, who).await?;
        store::request(
            &st.db,
            &a,
            &w,
            &input::<ChangeInput>(json!({
                "position": position, "person_name": name, "post": post,
                "phone": "0376-2161234", "reason": "原负责人工作调动"
            }))?,
        )
        .await?;
    }
    Ok(())
}

/// How far a demo case goes through the procedure of seed 000.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum CaseStage {
    Clue,
    Proposed,
    Rejected,
    Supervised,
    Started,
    UnderSupervision,
    Concluded,
    Reported,
    Circulated,
    Archived,
}

/// Supervised cases, one in every state (seed 000), the leader-instructed ones 挂牌督办, the
/// oldest archived as one dossier.
async fn cases(days: &mut Days) -> AppResult<()> {
    use CaseStage as S;
    let list = [
        (
            "某茶业公司销售假冒“信阳毛尖”地理标志茶叶案",
            "leader_instruction",
            S::Archived,
            250,
        ),
        (
            "某农资公司跨区域销售假冒复合肥案",
            "daily_work",
            S::Circulated,
            200,
        ),
        (
            "某汽配城销售假冒注册商标汽车配件案",
            "daily_work",
            S::Reported,
            42,
        ),
        (
            "某酒业公司制售假冒注册商标白酒案",
            "leader_instruction",
            S::Concluded,
            45,
        ),
        (
            "某网店销售侵犯著作权少儿图书案",
            "daily_work",
            S::UnderSupervision,
            90,
        ),
        ("某药店销售假冒保健食品案", "daily_work", S::Started, 6),
        (
            "某电器商场销售假冒品牌空调案",
            "daily_work",
            S::Supervised,
            3,
        ),
        (
            "某服装批发市场销售假冒运动服装案",
            "daily_work",
            S::Rejected,
            30,
        ),
        (
            "某化妆品店销售假冒进口化妆品案",
            "daily_work",
            S::Proposed,
            2,
        ),
        ("某烟酒店销售假冒卷烟线索", "daily_work", S::Clue, 1),
    ];
    for (title, source, stage, start) in list {
        case(days, title, source, stage, start).await?;
    }
    Ok(())
}

async fn case(
    days: &mut Days,
    title: &str,
    source: &str,
    stage: CaseStage,
    start: i64,
) -> AppResult<()> {
    use crate::cases::http::{CaseStep, run_step};
    use CaseStage as S;
    let received = days.text(start + 1);
    let mut clue = json!({
        "title": title,
        "summary": format!("{title}：群众举报并经初步核查，涉案商品在浉河区、罗山县多个销售点流通，涉及两个以上县区。"),
        "source": source,
        "received_on": received,
        "right_kinds": ["trademark"],
        "regions": ["411502", "411521"],
        "amount": "1,260,000",
        "parties": [{"kind": "enterprise", "name": "某商贸有限公司", "code": "91350100M000100Y43"}]
    });
    if source == "leader_instruction" {
        clue["leader_name"] = json!("李副市长");
        clue["instruction_date"] = json!(days.text(start + 2));
        clue["instruction_text"] = json!("请市双打办督促依法从严查处。");
    }
    let st = days.on(start).await?;
    let (a, w) = acting(&st, "staff").await?;
    let id = crate::cases::steps::register(&st.db, &st.calendar(), &a, &w, &input(clue)?).await?;
    let step = |days_ago: i64, who: &'static str, body: Value| (days_ago, who, body);
    let staff = user(&st, "staff").await?.to_string();
    let msa = unit(&st, MSA).await?.to_string();
    let police = unit(&st, POLICE).await?.to_string();
    let mut plan: Vec<(i64, &str, Value)> = Vec::new();
    let grounds = if source == "leader_instruction" {
        json!([
            ["leader_instruction", "李副市长批示"],
            ["cross_department", "涉及浉河区、罗山县两地"]
        ])
    } else {
        json!([[
            "cross_department",
            "涉及浉河区、罗山县两地，需市场监管、公安协同查办"
        ]])
    };
    if stage >= S::Proposed {
        plan.push(step(
            start,
            "staff",
            json!({"step": "propose", "grounds": grounds}),
        ));
    }
    if stage == S::Rejected {
        plan.push(step(
            start - 1,
            "director",
            json!({"step": "reject", "reason": "案情尚不属于重大案件，由属地依法查处。"}),
        ));
    } else if stage >= S::Supervised {
        plan.push(step(
            start - 1,
            "director",
            json!({"step": "approve", "reason": "同意督办。", "responsible_user_id": staff}),
        ));
    }
    if stage >= S::Started {
        plan.push(step(
            start - 2,
            "staff",
            json!({"step": "start", "lead_unit_id": msa, "assisting": [police]}),
        ));
    }
    for (days_ago, who, body) in plan {
        let st = days.on(days_ago).await?;
        let (a, w) = acting(&st, who).await?;
        run_step(&st, &a, &w, id, input::<CaseStep>(body)?).await?;
    }
    if stage < S::UnderSupervision {
        return Ok(());
    }
    // 000 §5: the supervision letter, signed by the office director the same day.
    let st = days.on(start - 3).await?;
    let (a, w) = acting(&st, "staff").await?;
    run_step(
        &st,
        &a,
        &w,
        id,
        input(json!({"step": "issue_letter", "text": "请于每月底前报送查办进展。"}))?,
    )
    .await?;
    sign(&st, "director", "case", id, "同意。").await?;
    // 000 §6: progress asked for and reported.
    let asked = start - 5;
    let st = days.on(asked).await?;
    let (a, w) = acting(&st, "staff").await?;
    let by = if stage == S::UnderSupervision {
        // Still open: the lead unit's report is due after today.
        (days.today + Duration::days(10)).to_string()
    } else {
        days.text(asked - 15)
    };
    run_step(
        &st,
        &a,
        &w,
        id,
        input(json!({"step": "request_progress", "date": by, "text": "请报送阶段性查办进展。"}))?,
    )
    .await?;
    if stage == S::UnderSupervision {
        return Ok(());
    }
    let st = days.on(asked - 10).await?;
    let (a, w) = acting(&st, "liaison.scjg").await?;
    run_step(
        &st,
        &a,
        &w,
        id,
        input(json!({"step": "report_progress", "text": "已查封涉案仓库一处，扣押涉案商品一批，公安机关已提前介入。"}))?,
    )
    .await?;
    // 000 §8: concluded, then the closure report.
    let concluded = asked - 30;
    let st = days.on(concluded).await?;
    let (a, w) = acting(&st, "liaison.scjg").await?;
    run_step(
        &st,
        &a,
        &w,
        id,
        input(json!({"step": "conclude", "date": days.text(concluded), "text": "依法作出行政处罚，并将涉嫌犯罪线索移送公安机关。"}))?,
    )
    .await?;
    if stage == S::Concluded {
        return Ok(());
    }
    let st = days.on(concluded - 5).await?;
    let (a, w) = acting(&st, "liaison.scjg").await?;
    run_step(
        &st,
        &a,
        &w,
        id,
        input(json!({"step": "report_closure", "text": "罚没款合计52万元，移送涉嫌犯罪线索一条，公安机关已立案侦查。"}))?,
    )
    .await?;
    if stage == S::Reported {
        return Ok(());
    }
    // 000 §9: the result circulated once the director signs it.
    let st = days.on(concluded - 8).await?;
    let (a, w) = acting(&st, "staff").await?;
    run_step(
        &st,
        &a,
        &w,
        id,
        input(json!({"step": "circulate", "text": "该案查处有力，予以通报。"}))?,
    )
    .await?;
    sign(&st, "director", "case", id, "同意通报。").await?;
    if stage == S::Circulated {
        return Ok(());
    }
    // 000 §13: archived as one dossier.
    let st = days.on(concluded - 15).await?;
    let (a, w) = acting(&st, "staff").await?;
    run_step(&st, &a, &w, id, input(json!({"step": "archive"}))?).await
}

/// Transfers in the states the linkage demo leaves out (seed 004): one being prepared, one
/// sent and not yet signed for, one filed, a refusal under reconsideration, a refusal upheld
/// on reconsideration and before the procuratorate, a refusal accepted, and hand-backs in
/// Luoshan received, decided and answered.
async fn transfers(days: &mut Days) -> AppResult<()> {
    use crate::linkage::flow::Direction;
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum To {
        Draft,
        Sent,
        Filed,
        Reconsidering,
        Upheld,
        Supervising,
        NotFiled,
    }
    let base = days.on(0).await?;
    let police = unit(&base, POLICE).await?.to_string();
    let procuratorate = unit(&base, PROCURATORATE).await?.to_string();
    let list = [
        ("某服饰店销售假冒注册商标箱包案", To::Draft, 1),
        ("某五金店销售假冒注册商标电动工具案", To::Sent, 2),
        ("某超市销售假冒注册商标食用油案", To::Filed, 60),
        ("某副食店销售假冒注册商标饮料案", To::Reconsidering, 5),
        ("某家电卖场销售假冒品牌电热水器案", To::Upheld, 7),
        ("某药房销售假冒品牌医疗器械案", To::Supervising, 45),
        ("某文具店销售侵犯著作权教辅图书案", To::NotFiled, 75),
    ];
    for (title, to, start) in list {
        let st = days.on(start).await?;
        let (msa, msa_who) = acting(&st, "liaison.scjg").await?;
        let id = crate::linkage::steps::create(
            &st.db,
            &st.calendar(),
            &msa,
            &msa_who,
            Direction::ToPolice,
            &input(json!({
                "situation": "own_investigation",
                "title": title,
                "facts": format!("经查，{title}涉案商品货值经估算已超过15万元，涉嫌销售假冒注册商标的商品罪。"),
                "suspects": "某商贸有限公司",
                "to_unit_id": police,
                "items": [{"name": "涉案商品", "quantity": "80", "unit": "件", "storage": "信阳市市场监督管理局罚没物品仓库"}]
            }))?,
        )
        .await?;
        let (msa, msa_who) = acting(&st, "liaison.scjg").await?;
        crate::linkage::steps::attach(
            &st.db,
            &msa,
            &msa_who,
            id,
            "investigation_report",
            "调查报告.pdf",
            super::DEMO_REPORT.to_vec(),
            "",
            None,
        )
        .await?;
        if to == To::Draft {
            continue;
        }
        transfer_step(&st, "liaison.scjg", id, json!({"step": "send"})).await?;
        if to == To::Sent {
            continue;
        }
        let st = days.on(start - 1).await?;
        transfer_step(&st, "handler.gaj", id, json!({"step": "receive"})).await?;
        let st = days.on(start - 3).await?;
        if to == To::Filed {
            transfer_step(
                &st,
                "handler.gaj",
                id,
                json!({"step": "file", "text": "符合立案追诉标准，决定立案侦查。"}),
            )
            .await?;
            // The goods follow the filing (004 二(一)).
            let handed = start - 5;
            let st = days.on(handed).await?;
            transfer_step(
                &st,
                "liaison.scjg",
                id,
                json!({"step": "hand_over_items", "date": days.text(handed), "text": "涉案食用油80件已移交公安机关，双方签署交接清单。"}),
            )
            .await?;
            continue;
        }
        transfer_step(
            &st,
            "handler.gaj",
            id,
            json!({"step": "refuse", "text": "现有证据不足以证明涉案金额达到立案追诉标准。"}),
        )
        .await?;
        // Within the 3 days after the notice (004 二(二)).
        let st = days.on(start - 4).await?;
        match to {
            To::NotFiled => {
                transfer_step(&st, "liaison.scjg", id, json!({"step": "accept_refusal"})).await?;
            }
            To::Reconsidering | To::Upheld | To::Supervising => {
                transfer_step(
                    &st,
                    "liaison.scjg",
                    id,
                    json!({"step": "request_reconsideration", "text": "涉案商品库存货值已经价格认定超过15万元，请予复议。"}),
                )
                .await?;
            }
            _ => {}
        }
        if to == To::NotFiled || to == To::Reconsidering {
            continue;
        }
        let st = days.on(start - 6).await?;
        transfer_step(
            &st,
            "handler.gaj",
            id,
            json!({"step": "reconsider_uphold", "text": "经复议，维持不予立案决定。"}),
        )
        .await?;
        if to == To::Upheld {
            continue;
        }
        let st = days.on(start - 7).await?;
        transfer_step(
            &st,
            "liaison.scjg",
            id,
            json!({"step": "suggest_supervision", "text": "公安机关复议维持不予立案，建议检察院依法进行立案监督。", "procuratorate_unit_id": procuratorate}),
        )
        .await?;
    }
    // Hand-backs in Luoshan (004 二(三)): received; decided; answered in writing.
    let ls_msa = unit(&base, LS_MSA).await?.to_string();
    for (title, stage, start) in [
        ("某商店销售假冒注册商标洗发水案", 1, 20),
        ("某批发部销售假冒注册商标调味品案", 2, 15),
        ("某母婴店销售假冒注册商标纸尿裤案", 3, 80),
    ] {
        let st = days.on(start).await?;
        let (p, pw) = acting(&st, "handler.luoshan.gaj").await?;
        let id = crate::linkage::steps::create(
            &st.db,
            &st.calendar(),
            &p,
            &pw,
            Direction::HandBack,
            &input(json!({
                "title": title,
                "facts": "经审查，涉案金额未达到立案追诉标准，不构成犯罪，但需依法给予行政处罚。",
                "to_unit_id": ls_msa,
                "police_decided_on": days.text(start + 2),
                "items": [{"name": "涉案商品", "quantity": "40", "unit": "箱", "storage": "罗山县公安局涉案财物管理中心"}]
            }))?,
        )
        .await?;
        crate::linkage::steps::attach(
            &st.db,
            &p,
            &pw,
            id,
            "case_materials",
            "案卷材料.pdf",
            super::DEMO_REPORT.to_vec(),
            "",
            None,
        )
        .await?;
        transfer_step(&st, "handler.luoshan.gaj", id, json!({"step": "send"})).await?;
        let st = days.on(start - 1).await?;
        transfer_step(&st, "liaison.luoshan.scjg", id, json!({"step": "receive"})).await?;
        if stage < 2 {
            continue;
        }
        let decided = start - 10;
        let st = days.on(decided).await?;
        transfer_step(
            &st,
            "liaison.luoshan.scjg",
            id,
            json!({"step": "record_decision", "date": days.text(decided), "text": "没收涉案商品，罚款3万元。"}),
        )
        .await?;
        if stage < 3 {
            continue;
        }
        let st = days.on(decided - 3).await?;
        transfer_step(
            &st,
            "liaison.luoshan.scjg",
            id,
            json!({"step": "report_result", "text": "已依法作出行政处罚决定，现将处理结果书面反馈。"}),
        )
        .await?;
    }
    Ok(())
}

/// One step on a transfer as `who`; where the step is the organ head's to decide (国务院令第
/// 310号第五条; the police's filing decisions) it waits for the head of `who`'s unit, who
/// approves it the same day.
async fn transfer_step(state: &SharedState, who: &str, id: i64, body: Value) -> AppResult<()> {
    use crate::linkage::steps::{TransferStep, run};
    let periods = state.config.linkage_periods();
    let (a, w) = acting(state, who).await?;
    run(state, periods, &a, &w, id, input::<TransferStep>(body)?).await?;
    let now: String = sqlx::query_scalar("SELECT state FROM transfers WHERE id = $1")
        .bind(id)
        .fetch_one(&state.db.pool)
        .await?;
    if now == "awaiting_head" {
        let head: String = sqlx::query_scalar(
            "SELECT u.username FROM users u JOIN role_grants g ON g.user_id = u.id \
             WHERE g.role = 'unit_head' AND u.unit_id = $1 ORDER BY u.id LIMIT 1",
        )
        .bind(a.unit_id)
        .fetch_one(&state.db.pool)
        .await?;
        let (h, hw) = acting(state, &head).await?;
        run(
            state,
            periods,
            &h,
            &hw,
            id,
            input::<TransferStep>(json!({"step": "approve", "text": "同意。"}))?,
        )
        .await?;
    }
    Ok(())
}

/// The group's meetings (001 §19–23): a plenary meeting whose minutes the leader signed, its
/// items now tasks (one done and accepted, one under way); a liaison meeting signed by the
/// office director; a plenary meeting waiting for the leader's decision; and in Luoshan a
/// plenary meeting for the county's leader and a liaison meeting for its director to decide.
async fn meetings(days: &mut Days) -> AppResult<()> {
    use crate::meetings::store;
    let base = days.on(0).await?;
    let msa = unit(&base, MSA).await?.to_string();
    let police = unit(&base, POLICE).await?.to_string();
    let ls_office = unit(&base, LS_OFFICE).await?.to_string();
    let ls_msa = unit(&base, LS_MSA).await?.to_string();
    let ls_police = unit(&base, LS_POLICE).await?.to_string();

    // A plenary meeting held 100 days ago.
    let st = days.on(110).await?;
    let (a, w) = acting(&st, "staff").await?;
    let plenary = store::propose(
        &st.db,
        &a,
        &w,
        &input(json!({
            "kind": "plenary", "title": "领导小组全体会议", "planned_on": days.text(100),
            "place": "市政府第二会议室", "topics": "通报上半年打击侵权假冒工作情况；部署农资打假和“信阳毛尖”品牌保护工作。",
            "unit_ids": [msa, police, ls_office]
        }))?,
    )
    .await?;
    let st = days.on(108).await?;
    let (l, lw) = acting(&st, "leader").await?;
    store::run(
        &st,
        &l,
        &lw,
        plenary,
        input(json!({"step": "approve", "text": "同意召开。"}))?,
    )
    .await?;
    let st = days.on(100).await?;
    let (a, w) = acting(&st, "staff").await?;
    store::run(
        &st,
        &a,
        &w,
        plenary,
        input(json!({"step": "record_held", "held": {
            "held_on": days.text(100),
            "attended_unit_ids": [msa, police, ls_office],
            "attendees": "李组长，张副组长，各成员单位负责人",
            "minutes": "会议通报了上半年全市打击侵权假冒工作情况。\n会议研究部署了农资打假和“信阳毛尖”地理标志品牌保护工作。",
            "items": [
                {"text": "开展春季农资打假专项行动", "lead_unit_id": msa, "due_on": days.text(60)},
                {"text": "开展“信阳毛尖”地理标志侵权线索排查", "lead_unit_id": police, "due_on": (days.today + Duration::days(30)).to_string()}
            ]
        }}))?,
    )
    .await?;
    let st = days.on(99).await?;
    sign(&st, "leader", "meeting", plenary, "同意印发。").await?;
    // The first item is done and accepted; the second is under way.
    let tasks: Vec<i64> = sqlx::query_scalar(
        "SELECT task_id FROM group_meeting_items WHERE meeting_id = $1 AND task_id IS NOT NULL ORDER BY seq",
    )
    .bind(plenary)
    .fetch_all(&base.db.pool)
    .await?;
    if let Some(first) = tasks.first() {
        task_step(
            days,
            70,
            "liaison.scjg",
            *first,
            "submit_completion",
            "共检查农资经营门店126家，查处假劣农资案件9起。",
        )
        .await?;
        task_step(days, 68, "staff", *first, "accept", "同意办结。").await?;
    }
    if let Some(second) = tasks.get(1) {
        task_step(
            days,
            40,
            "handler.gaj",
            *second,
            "report_progress",
            "已梳理侵权线索17条，立案侦查3起。",
        )
        .await?;
    }

    // A liaison meeting, decided and signed by the office director (001 §23).
    let st = days.on(40).await?;
    let (a, w) = acting(&st, "staff").await?;
    let liaison = store::propose(
        &st.db,
        &a,
        &w,
        &input(json!({
            "kind": "liaison", "title": "成员单位联络员会议", "planned_on": days.text(35),
            "place": "市市场监管局三楼会议室", "topics": "交流第三季度工作进展；研究行刑衔接中存在的问题。",
            "unit_ids": [msa, police]
        }))?,
    )
    .await?;
    let st = days.on(39).await?;
    let (d, dw) = acting(&st, "director").await?;
    store::run(
        &st,
        &d,
        &dw,
        liaison,
        input(json!({"step": "approve", "text": "同意。"}))?,
    )
    .await?;
    let st = days.on(35).await?;
    let (a, w) = acting(&st, "staff").await?;
    store::run(
        &st,
        &a,
        &w,
        liaison,
        input(json!({"step": "record_held", "held": {
            "held_on": days.text(35),
            "attended_unit_ids": [msa, police],
            "attendees": "王主任，各成员单位联络员",
            "minutes": "会议交流了第三季度工作进展。\n会议研究了案件移送中涉案物品移交的问题。",
            "items": [
                {"text": "规范涉案物品移交登记", "lead_unit_id": msa, "due_on": (days.today + Duration::days(20)).to_string()}
            ]
        }}))?,
    )
    .await?;
    let st = days.on(34).await?;
    sign(&st, "director", "meeting", liaison, "同意印发。").await?;

    // Proposed and waiting for the chairs: the city's next plenary meeting; in Luoshan a
    // plenary meeting (the county leader) and a liaison meeting (the county office director).
    let st = days.on(1).await?;
    let ahead = (days.today + Duration::days(14)).to_string();
    for (who, kind, title, units) in [
        (
            "staff",
            "plenary",
            "领导小组全体会议",
            vec![msa.clone(), police.clone()],
        ),
        (
            "county.luoshan",
            "plenary",
            "罗山县打击侵权假冒工作领导小组全体会议",
            vec![ls_msa.clone(), ls_police.clone()],
        ),
        (
            "county.luoshan",
            "liaison",
            "罗山县成员单位联络员会议",
            vec![ls_msa.clone(), ls_police.clone()],
        ),
    ] {
        let (a, w) = acting(&st, who).await?;
        store::propose(
            &st.db,
            &a,
            &w,
            &input(json!({
                "kind": kind, "title": title, "planned_on": ahead,
                "place": "会议室", "topics": "总结本年度打击侵权假冒工作；研究部署下一阶段重点任务。",
                "unit_ids": units
            }))?,
        )
        .await?;
    }
    Ok(())
}

async fn task_step(
    days: &mut Days,
    days_ago: i64,
    who: &str,
    id: i64,
    step: &str,
    text: &str,
) -> AppResult<()> {
    let st = days.on(days_ago).await?;
    let (a, w) = acting(&st, who).await?;
    crate::tasks::store::run(
        &st.db,
        &st.calendar(),
        &a,
        &w,
        id,
        input(json!({"step": step, "text": text}))?,
    )
    .await
}

/// Circulars (001 §26): a data circular signed by the leader and read by the market regulation
/// bureau, the police's receipt still due; a commendation waiting for the leader's signature.
async fn circulars(days: &mut Days) -> AppResult<()> {
    use crate::circulars::store;
    let base = days.on(0).await?;
    let msa = unit(&base, MSA).await?.to_string();
    let police = unit(&base, POLICE).await?.to_string();
    let ls_office = unit(&base, LS_OFFICE).await?.to_string();
    let st = days.on(50).await?;
    let (a, w) = acting(&st, "staff").await?;
    let issued = store::draft(
        &st,
        &a,
        &w,
        &input(json!({
            "kind": "data", "title": "关于前三季度全市打击侵权假冒工作情况的通报",
            "body": "前三季度，各成员单位认真落实领导小组部署，共查处侵权假冒案件86起。\n现将有关情况通报如下。",
            "unit_ids": [msa, police, ls_office]
        }))?,
    )
    .await?;
    let st = days.on(49).await?;
    sign(&st, "leader", "circular", issued, "同意印发。").await?;
    let st = days.on(47).await?;
    let (a, w) = acting(&st, "liaison.scjg").await?;
    store::confirm_read(&st.db, &a, &w, issued).await?;
    let st = days.on(3).await?;
    let (a, w) = acting(&st, "staff").await?;
    store::draft(
        &st,
        &a,
        &w,
        &input(json!({
            "kind": "commendation", "title": "关于表扬打击侵权假冒工作优秀联络员的通报",
            "named": "钱联络员（信阳市市场监督管理局）",
            "body": "一年来，各成员单位联络员认真履职，及时报送信息。\n现对表现突出的联络员予以通报表扬。",
            "unit_ids": [msa, police]
        }))?,
    )
    .await?;
    Ok(())
}

/// A supervisory inspection (003 三(四)) with its report signed by the office director and its
/// findings turned into rectification tasks, one reported on.
async fn inspection(days: &mut Days) -> AppResult<()> {
    use crate::inspections::store;
    let base = days.on(0).await?;
    let msa = unit(&base, MSA).await?.to_string();
    let ls_msa = unit(&base, LS_MSA).await?.to_string();
    let st = days.on(85).await?;
    let (a, w) = acting(&st, "staff").await?;
    let id = store::plan(
        &st.db,
        &a,
        &w,
        &input(json!({
            "title": "打击侵权假冒工作督导检查", "team": "赵经办（双打办）\n市检察院、市公安局各1人",
            "starts_on": days.text(80), "ends_on": days.text(78), "unit_ids": [msa, ls_msa]
        }))?,
    )
    .await?;
    let st = days.on(75).await?;
    let (a, w) = acting(&st, "staff").await?;
    let ahead = (days.today + Duration::days(25)).to_string();
    let report = json!({
        "report": "检查组查阅了执法台账，实地检查了2个农资市场和3家茶叶经营户。",
        "findings": [
            {"unit_id": msa, "text": "侵权假冒案件执法台账不完整", "due_on": ahead},
            {"unit_id": ls_msa, "text": "行政执法与刑事司法衔接信息录入不及时", "due_on": ahead}
        ]
    });
    crate::drafting::store::submit(
        &st,
        &a,
        &w,
        crate::drafting::Kind::InspectionReport,
        id,
        report,
    )
    .await?;
    let st = days.on(74).await?;
    sign(&st, "director", "inspection", id, "同意印发。").await?;
    let tasks: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM tasks WHERE source = 'inspection_finding' ORDER BY id")
            .fetch_all(&base.db.pool)
            .await?;
    if let Some(first) = tasks.first() {
        task_step(
            days,
            30,
            "liaison.scjg",
            *first,
            "report_progress",
            "已逐案补齐执法台账，正在组织交叉核对。",
        )
        .await?;
    }
    Ok(())
}

/// Report rounds (001 §24–25; 003 三(三)): last month's case data, reported on time by the
/// market regulation bureau and late by the police, still missing from Luoshan's bureau; and
/// this month's work news, due shortly.
async fn report_rounds(days: &mut Days) -> AppResult<()> {
    use crate::reports::store;
    let base = days.on(0).await?;
    let msa = unit(&base, MSA).await?.to_string();
    let police = unit(&base, POLICE).await?.to_string();
    let ls_msa = unit(&base, LS_MSA).await?.to_string();
    let ls_police = unit(&base, LS_POLICE).await?.to_string();
    let ls_office = unit(&base, LS_OFFICE).await?.to_string();
    let st = days.on(40).await?;
    let (a, w) = acting(&st, "staff").await?;
    let last = store::open_round(
        &st.db,
        &st.calendar(),
        &a,
        &w,
        &input(json!({
            "kind": "case_data", "period_label": format!("{}至{}", days.date(70).format("%Y年%-m月%-d日"), days.date(41).format("%Y年%-m月%-d日")),
            "period_start": days.text(70), "period_end": days.text(41),
            "due_on": days.text(30), "unit_ids": [msa, police, ls_msa]
        }))?,
    )
    .await?;
    for (who, days_ago, filed) in [("liaison.scjg", 33, "12"), ("handler.gaj", 22, "5")] {
        let st = days.on(days_ago).await?;
        let (a, w) = acting(&st, who).await?;
        store::submit(
            &st.db,
            &st.calendar(),
            &a,
            &w,
            &input(json!({
                "round_id": last.to_string(), "title": "案件查办数据",
                "body": "本期查处侵权假冒案件情况如下。",
                "cases_filed": filed, "cases_transferred": "2", "amount": "3200000"
            }))?,
        )
        .await?;
    }
    let st = days.on(2).await?;
    let (a, w) = acting(&st, "staff").await?;
    store::open_round(
        &st.db,
        &st.calendar(),
        &a,
        &w,
        &input(json!({
            "kind": "work_dynamics", "period_label": format!("{}工作动态", days.date(2).format("%Y年%-m月")),
            "period_start": days.text(30), "period_end": days.text(2),
            "due_on": (days.today + Duration::days(7)).to_string(),
            "unit_ids": [msa, police, ls_office, ls_police]
        }))?,
    )
    .await?;
    Ok(())
}

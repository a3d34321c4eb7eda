//! The demo organisation: the Xinyang leading group with the 23 member units of seed 001 §3,
//! Xinyang's districts and counties (GB/T 2260), the Pingyin county group of seed 003 一 with
//! its 18 units, and one account per role.

use crate::access::Role;
use crate::context::Ctx;
use crate::domain::RegionCode;
use crate::error::{AppError, AppResult};
use crate::units::{NewUnit, UnitKind, store as units};
use crate::users::{model::NewUser, store as users};

mod year;

pub const DEMO_PASSWORD: &str = "Xinyang@2026";

/// The stand-in for an investigation report or case file attached to the demo's transfers.
const DEMO_REPORT: &[u8] =
    b"%PDF-1.4\n% demo investigation report\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

/// Seed 001 §3: the member units of the Xinyang group.
const XINYANG_MEMBERS: &[(&str, UnitKind)] = &[
    ("中共信阳市委宣传部", UnitKind::PartyOrgan),
    ("中共信阳市委政法委员会", UnitKind::PartyOrgan),
    ("信阳市人民政府办公室", UnitKind::Administrative),
    ("信阳市发展和改革委员会", UnitKind::Administrative),
    ("信阳市工业和信息化局", UnitKind::Administrative),
    ("信阳市公安局", UnitKind::Police),
    ("信阳市司法局", UnitKind::Administrative),
    ("信阳市财政局", UnitKind::Administrative),
    ("信阳市生态环境局", UnitKind::Administrative),
    ("信阳市农业农村局", UnitKind::Administrative),
    ("信阳市商务局", UnitKind::Administrative),
    ("信阳市文化广电和旅游局", UnitKind::Administrative),
    ("信阳市卫生健康委员会", UnitKind::Administrative),
    ("中国人民银行信阳市分行", UnitKind::MemberUnit),
    ("信阳海关", UnitKind::Customs),
    ("国家税务总局信阳市税务局", UnitKind::Tax),
    ("信阳市市场监督管理局", UnitKind::MarketRegulation),
    (
        "中共信阳市委网络安全和信息化委员会办公室",
        UnitKind::PartyOrgan,
    ),
    ("信阳市林业和茶产业局", UnitKind::Administrative),
    ("信阳市邮政管理局", UnitKind::Administrative),
    ("信阳市烟草专卖局", UnitKind::Administrative),
    ("信阳市中级人民法院", UnitKind::Court),
    ("信阳市人民检察院", UnitKind::Procuratorate),
];

const XINYANG_COUNTIES: &[(&str, &str)] = &[
    ("411502", "浉河区"),
    ("411503", "平桥区"),
    ("411521", "罗山县"),
    ("411522", "光山县"),
    ("411523", "新县"),
    ("411524", "商城县"),
    ("411525", "固始县"),
    ("411526", "潢川县"),
    ("411527", "淮滨县"),
    ("411528", "息县"),
];

/// Seed 003 一: the units that carry out the work in Pingyin county.
const PINGYIN_MEMBERS: &[(&str, UnitKind)] = &[
    ("中共平阴县委宣传部", UnitKind::PartyOrgan),
    ("中共平阴县委政法委员会", UnitKind::PartyOrgan),
    ("平阴县人民法院", UnitKind::Court),
    ("平阴县人民检察院", UnitKind::Procuratorate),
    ("平阴县发展和改革委员会", UnitKind::Administrative),
    ("平阴县工业和信息化局", UnitKind::Administrative),
    ("平阴县公安局", UnitKind::Police),
    ("平阴县司法局", UnitKind::Administrative),
    ("平阴县财政局", UnitKind::Administrative),
    ("济南市生态环境局平阴分局", UnitKind::Administrative),
    ("平阴县自然资源局", UnitKind::Administrative),
    ("平阴县商务信息中心", UnitKind::Administrative),
    ("平阴县文化和旅游局", UnitKind::Administrative),
    ("平阴县卫生健康局", UnitKind::Administrative),
    ("平阴县农业农村局", UnitKind::Administrative),
    ("平阴县市场监督管理局", UnitKind::MarketRegulation),
    ("国家税务总局平阴县税务局", UnitKind::Tax),
    ("平阴县贸促会", UnitKind::MemberUnit),
];

pub struct DemoAccount {
    pub username: &'static str,
    pub role: Role,
    pub unit: String,
}

fn region(code: &str) -> AppResult<RegionCode> {
    RegionCode::parse(code).ok_or_else(|| AppError::internal(format!("bad demo code {code}")))
}

fn unit(name: &str, kind: UnitKind, code: &str, parent: Option<i64>) -> AppResult<NewUnit> {
    Ok(NewUnit {
        name: name.to_string(),
        short_name: None,
        kind,
        region: region(code)?,
        parent_id: parent,
        phone: None,
    })
}

/// Load the demo organisation unless units already exist. Returns the accounts created (empty
/// when the database already held data).
pub async fn load(ctx: &Ctx) -> AppResult<Vec<DemoAccount>> {
    let db = &ctx.db;
    let who = ctx.system("初始化");
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM units")
        .fetch_one(&db.pool)
        .await?;
    if existing > 0 {
        return Ok(Vec::new());
    }
    let mut tx = db.begin().await?;
    let mut ids = std::collections::HashMap::new();
    let group = units::insert_system(
        &mut tx,
        &who,
        &unit(
            "信阳市打击侵犯知识产权和制售假冒伪劣商品工作领导小组",
            UnitKind::LeadingGroup,
            "411500",
            None,
        )?,
    )
    .await?;
    ids.insert("group".to_string(), group);
    let office = units::insert_system(
        &mut tx,
        &who,
        &NewUnit {
            // The short name prefixes the office's document numbers: 信打假办督〔2026〕1号.
            short_name: Some("信打假办".into()),
            ..unit(
                "信阳市打击侵犯知识产权和制售假冒伪劣商品工作领导小组办公室",
                UnitKind::GroupOffice,
                "411500",
                Some(group),
            )?
        },
    )
    .await?;
    ids.insert("office".to_string(), office);
    for (name, kind) in XINYANG_MEMBERS {
        let id =
            units::insert_system(&mut tx, &who, &unit(name, *kind, "411500", Some(group))?).await?;
        ids.insert(name.to_string(), id);
    }
    for (code, county) in XINYANG_COUNTIES {
        let cg = units::insert_system(
            &mut tx,
            &who,
            &unit(
                &format!("{county}打击侵权假冒工作领导小组"),
                UnitKind::CountyGroup,
                code,
                Some(group),
            )?,
        )
        .await?;
        let co = units::insert_system(
            &mut tx,
            &who,
            &unit(
                &format!("{county}打击侵权假冒工作领导小组办公室"),
                UnitKind::CountyOffice,
                code,
                Some(cg),
            )?,
        )
        .await?;
        ids.insert(format!("{county}组"), cg);
        ids.insert(format!("{county}办"), co);
        let police = match county.strip_suffix('区') {
            Some(district) => format!("信阳市公安局{district}分局"),
            None => format!("{county}公安局"),
        };
        for (name, kind) in [
            (
                format!("{county}市场监督管理局"),
                UnitKind::MarketRegulation,
            ),
            (police, UnitKind::Police),
        ] {
            let id =
                units::insert_system(&mut tx, &who, &unit(&name, kind, code, Some(cg))?).await?;
            ids.insert(name, id);
        }
    }
    let pg = units::insert_system(
        &mut tx,
        &who,
        &unit(
            "平阴县知识产权工作领导小组",
            UnitKind::CountyGroup,
            "370124",
            None,
        )?,
    )
    .await?;
    let po = units::insert_system(
        &mut tx,
        &who,
        &NewUnit {
            short_name: Some("平知办".into()),
            ..unit(
                "平阴县知识产权工作领导小组办公室",
                UnitKind::CountyOffice,
                "370124",
                Some(pg),
            )?
        },
    )
    .await?;
    ids.insert("平阴组".to_string(), pg);
    ids.insert("平阴办".to_string(), po);
    for (name, kind) in PINGYIN_MEMBERS {
        let id =
            units::insert_system(&mut tx, &who, &unit(name, *kind, "370124", Some(pg))?).await?;
        ids.insert(name.to_string(), id);
    }

    let accounts: &[(&str, &str, Role, &str)] = &[
        ("leader", "李组长", Role::GroupLeader, "group"),
        ("director", "王主任", Role::OfficeDirector, "office"),
        ("staff", "赵经办", Role::OfficeStaff, "office"),
        (
            "liaison.scjg",
            "钱联络员",
            Role::UnitLiaison,
            "信阳市市场监督管理局",
        ),
        ("handler.gaj", "孙经办", Role::UnitHandler, "信阳市公安局"),
        // 单位负责人: approve a transfer (国务院令第310号第五条) and the police's filing
        // decisions. Every other member unit gets one too, below.
        (
            "head.scjg",
            "刘局长",
            Role::UnitHead,
            "信阳市市场监督管理局",
        ),
        ("head.gaj", "郭局长", Role::UnitHead, "信阳市公安局"),
        (
            "head.luoshan.scjg",
            "何局长",
            Role::UnitHead,
            "罗山县市场监督管理局",
        ),
        ("head.luoshan.gaj", "马局长", Role::UnitHead, "罗山县公安局"),
        (
            "county.luoshan",
            "周专干",
            Role::CountyOfficeStaff,
            "罗山县办",
        ),
        // The county's office director signs its letters and reports; its group leader its
        // circulars, briefings and minutes (001 §21, §26), as in the city.
        (
            "director.luoshan",
            "林主任",
            Role::OfficeDirector,
            "罗山县办",
        ),
        ("leader.luoshan", "罗组长", Role::GroupLeader, "罗山县组"),
        (
            "procurator",
            "吴检察官",
            Role::ProcuratorateSupervisor,
            "信阳市人民检察院",
        ),
        (
            "liaison.luoshan.scjg",
            "冯联络员",
            Role::UnitLiaison,
            "罗山县市场监督管理局",
        ),
        (
            "handler.luoshan.gaj",
            "陈经办",
            Role::UnitHandler,
            "罗山县公安局",
        ),
        ("pingyin.staff", "郑专干", Role::CountyOfficeStaff, "平阴办"),
        ("sysadmin", "系统管理员", Role::SystemAdmin, "office"),
        ("secadmin", "安全管理员", Role::SecurityAdmin, "office"),
        ("auditadmin", "审计管理员", Role::AuditAdmin, "office"),
    ];
    // Short names prefix the units' document numbers: 信市监移〔2026〕1号, 信公立〔2026〕1号.
    for (name, short) in [
        ("信阳市市场监督管理局", "信市监"),
        ("信阳市公安局", "信公"),
        ("罗山县市场监督管理局", "罗市监"),
        ("罗山县公安局", "罗公"),
    ] {
        sqlx::query("UPDATE units SET short_name = $1 WHERE name = $2")
            .bind(short)
            .bind(name)
            .execute(&mut *tx)
            .await?;
    }
    let names: std::collections::HashMap<i64, String> =
        sqlx::query_as::<_, (i64, String)>("SELECT id, name FROM units")
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .collect();
    let mut out = Vec::new();
    for (username, display, role, unit_key) in accounts {
        let unit_id = *ids
            .get(*unit_key)
            .ok_or_else(|| AppError::internal(format!("demo unit {unit_key}")))?;
        users::insert_system(
            &mut tx,
            &who,
            &NewUser {
                username: username.to_string(),
                display_name: display.to_string(),
                unit_id,
                phone: None,
                email: None,
            },
            DEMO_PASSWORD,
            false,
            &[*role],
        )
        .await?;
        out.push(DemoAccount {
            username,
            role: *role,
            unit: names.get(&unit_id).cloned().unwrap_or_default(),
        });
    }
    // Every other member unit's head, named after the unit (head.u<unit id>).
    let headless: Vec<(i64, String)> = sqlx::query_as(
        "SELECT u.id, u.name FROM units u WHERE u.kind NOT IN \
         ('leading_group', 'group_office', 'county_group', 'county_office') \
         AND NOT EXISTS (SELECT 1 FROM users x JOIN role_grants g ON g.user_id = x.id \
           WHERE x.unit_id = u.id AND g.role = 'unit_head') ORDER BY u.id",
    )
    .fetch_all(&mut *tx)
    .await?;
    let hashed = users::hash(DEMO_PASSWORD).await?;
    for (unit_id, name) in headless {
        users::insert_system_hashed(
            &mut tx,
            &who,
            &NewUser {
                username: format!("head.u{unit_id}"),
                display_name: format!("{name}负责人"),
                unit_id,
                phone: None,
                email: None,
            },
            &hashed,
            false,
            &[Role::UnitHead],
        )
        .await?;
    }
    demo_deadlines(&mut tx, &ids, &ctx.system("演示数据")).await?;
    tx.commit().await?;
    Ok(out)
}

/// A few open clocks so that the deadline pages and the scheduler have something to show. They
/// start from today's date; skipped when today's year is not in the calendar, and each one
/// whose due date the calendar cannot compute yet.
async fn demo_deadlines(
    tx: &mut crate::db::Tx,
    ids: &std::collections::HashMap<String, i64>,
    who: &crate::audit::Who,
) -> AppResult<()> {
    use chrono::Datelike;

    use crate::deadline::{Rule, store::NewDeadline};
    let today = who.today();
    let cal = crate::calendar::store::shipped(today);
    if cal.schedule(today.year()).is_none() || cal.schedule(today.year() - 1).is_none() {
        return Ok(());
    }
    let unit = |k: &str| {
        ids.get(k)
            .copied()
            .ok_or_else(|| AppError::internal(format!("demo unit {k}")))
    };
    let items = [
        (
            "确定主办单位和协办单位（假冒“信阳毛尖”茶叶线索）",
            "000 §4",
            "线索登记",
            today - chrono::Duration::days(2),
            Rule::WorkingDays(5),
            unit("office")?,
        ),
        (
            "报送案件办结情况（跨区域销售假冒农资案）",
            "000 §8",
            "案件办结",
            today - chrono::Duration::days(40),
            Rule::WorkingDays(20),
            unit("信阳市市场监督管理局")?,
        ),
        (
            "移交行政处罚案件材料（不构成犯罪的侵犯商标权案）",
            "004 二(三)",
            "公安机关作出不予立案决定",
            today - chrono::Duration::days(6),
            Rule::Days(10),
            unit("信阳市公安局")?,
        ),
    ];
    for (purpose, clause, event, start, rule, owner) in items {
        // Late in December a due date can fall in a year whose holiday notice is not out yet;
        // such a clock is left out rather than failing the whole demo.
        if crate::deadline::Clock::new(rule, start, clause, purpose)
            .due(&cal)
            .is_err()
        {
            continue;
        }
        crate::deadline::store::open(
            tx,
            &cal,
            who,
            &NewDeadline {
                purpose: purpose.into(),
                clause: clause.into(),
                start_event: event.into(),
                start,
                rule,
                record_type: None,
                record_id: None,
                owner_unit_id: owner,
                owner_user_id: None,
            },
        )
        .await?;
    }
    Ok(())
}

/// Linkage work in progress for the demo (seed 004), made through the real steps so that its
/// documents, clocks, timeline and audit records are what the platform itself produces: a
/// transfer refused by the city police with the 3-day window open, one under review, one
/// waiting for the bureau head's approval, a hand-back in Luoshan waiting to be signed for,
/// and an urgent notice to the police.
/// Skipped when the fonts for official documents are missing or this year's holidays are not
/// in the calendar.
/// A demo account acting now: its actor and the acting party of its audit records.
async fn acting(
    state: &crate::web::SharedState,
    username: &str,
) -> AppResult<(crate::access::Actor, crate::audit::Who)> {
    let db = &state.db;
    let id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
        .bind(username)
        .fetch_one(&db.pool)
        .await?;
    let (actor, _) = users::load_actor(db, id)
        .await?
        .ok_or_else(|| AppError::internal(format!("demo user {username}")))?;
    let who = crate::audit::Who {
        user_id: Some(actor.user_id),
        name: format!("{}（{}）", actor.display_name, actor.username),
        unit_id: Some(actor.unit_id),
        request_id: None,
        client_addr: None,
        at: state.clock.now(),
        signing: None,
        approval: None,
    };
    Ok((actor, who))
}

/// The demo's records beyond the organisation: linkage, public reports, penalty decisions and
/// the serious-violation list, direct reporting, and the year's work of `year` (cases in every
/// state, meetings, tasks, circulars, an inspection, report rounds, the group's composition),
/// each made through its operations.
///
/// Not one transaction: each operation commits its own, with its audit record, as it does for
/// a request, and several render their documents outside it. So the records go only into a
/// database that holds none yet (a second load is refused, never doubled), and a load that
/// fails part-way leaves a database to be deleted and loaded again (the command line says so).
pub async fn load_records(state: &crate::web::SharedState) -> AppResult<()> {
    let existing: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM cases) + (SELECT COUNT(*) FROM transfers) \
         + (SELECT COUNT(*) FROM group_meetings) + (SELECT COUNT(*) FROM public_reports)",
    )
    .fetch_one(&state.db.pool)
    .await?;
    if existing > 0 {
        return Err(AppError::conflict(
            "demo_loaded",
            "数据库中已有业务记录，不能再次载入演示数据",
        ));
    }
    load_linkage(state).await?;
    load_public_reports(state).await?;
    load_penalties(state).await?;
    load_direct_reports(state).await?;
    year::load(state).await
}

/// Direct reporting: the city office's two data sets from the usual indicators, and the
/// current quarter opened for the market regulation bureaus and police of the city and of
/// 罗山县 (their figures are sent once the quarter ends).
pub async fn load_direct_reports(state: &crate::web::SharedState) -> AppResult<()> {
    use crate::direct_reports::{model, store};
    use chrono::Datelike;
    let db = &state.db;
    let (office, office_who) = acting(state, "staff").await?;
    let mut sets = Vec::new();
    for t in [model::Template::Administrative, model::Template::Criminal] {
        let input = model::SetInput {
            name: t.label().into(),
            periodicity: "quarter".into(),
            due_working_days: "10".into(),
            template: Some(t.code().into()),
            indicators: None,
            checks: t.checks(),
        };
        sets.push(store::create_set(db, &office, &office_who, &input).await?);
    }
    let today = state.clock.today();
    let quarter = format!("{}-Q{}", today.year(), (today.month() - 1) / 3 + 1);
    for (set, units) in sets.iter().zip([
        ["信阳市市场监督管理局", "罗山县市场监督管理局"],
        ["信阳市公安局", "罗山县公安局"],
    ]) {
        let mut ids = Vec::new();
        for u in units {
            let id: i64 = sqlx::query_scalar("SELECT id FROM units WHERE name = $1")
                .bind(u)
                .fetch_one(&db.pool)
                .await?;
            ids.push(id.to_string());
        }
        store::open_period(
            db,
            &state.calendar(),
            &office,
            &office_who,
            *set,
            &store::PeriodInput {
                period: quarter.clone(),
                unit_ids: ids,
            },
        )
        .await?;
    }
    Ok(())
}

pub async fn load_linkage(state: &crate::web::SharedState) -> AppResult<()> {
    use crate::linkage::{model, requests, steps};
    use chrono::Datelike;
    use serde_json::json;
    let db = &state.db;
    let cal = state.calendar();
    let today = state.clock.today();
    if state.fonts().is_err() || cal.schedule(today.year()).is_none() {
        return Ok(());
    }
    let unit = |name: &'static str| async move {
        sqlx::query_scalar::<_, i64>("SELECT id FROM units WHERE name = $1")
            .bind(name)
            .fetch_one(&db.pool)
            .await
    };
    let actor = |username: &'static str| acting(state, username);
    // Each step acts at its own instant, as each request would.
    let again = |w: &crate::audit::Who| crate::audit::Who {
        at: state.clock.now(),
        ..w.clone()
    };
    let (msa, msa_who) = actor("liaison.scjg").await?;
    let (police, police_who) = actor("handler.gaj").await?;
    let (ls_police, ls_who) = actor("handler.luoshan.gaj").await?;
    let periods = state.config.linkage_periods();
    let report =
        b"%PDF-1.4\n% demo investigation report\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    let item = |name: &str, qty: &str, u: &str, at: &str| model::ItemInput {
        name: name.into(),
        quantity: qty.into(),
        unit: u.into(),
        storage: at.into(),
    };
    let (msa_head, msa_head_who) = actor("head.scjg").await?;
    let (police_head, police_head_who) = actor("head.gaj").await?;
    let approve = steps::TransferStep::Approve {
        text: "同意。".into(),
    };
    let city_police = unit("信阳市公安局").await?.to_string();
    // How far each demo transfer goes: refused (window open), under review, or reported by
    // the handlers and waiting for the bureau head's approval (国务院令第310号第五条).
    #[derive(PartialEq)]
    enum Stage {
        Refused,
        UnderReview,
        AwaitingHead,
    }
    for (title, facts, stage) in [
        (
            "某商贸公司销售假冒注册商标白酒案",
            "经查，某商贸有限公司在浉河区批发市场销售假冒“五粮液”注册商标的白酒120箱，已销售金额4.6万元，库存货值21万余元。",
            Stage::Refused,
        ),
        (
            "某茶叶店销售假冒“信阳毛尖”地理标志茶叶案",
            "经查，某茶叶店销售使用“信阳毛尖”地理标志的茶叶，无授权，货值8.2万元。",
            Stage::UnderReview,
        ),
        (
            "某电商店铺销售侵犯著作权图书案",
            "经查，某电商店铺销售盗版图书2600余册，货值约15.6万元。",
            Stage::AwaitingHead,
        ),
    ] {
        let input = model::TransferInput {
            situation: "own_investigation".into(),
            title: title.into(),
            facts: facts.into(),
            suspects: "某商贸有限公司".into(),
            to_unit_id: city_police.clone(),
            items: vec![item(
                "涉案商品",
                "120",
                "箱",
                "信阳市市场监督管理局罚没物品仓库",
            )],
            ..Default::default()
        };
        let id = steps::create(
            db,
            &cal,
            &msa,
            &again(&msa_who),
            crate::linkage::flow::Direction::ToPolice,
            &input,
        )
        .await?;
        steps::attach(
            db,
            &msa,
            &again(&msa_who),
            id,
            "investigation_report",
            "调查报告.pdf",
            report.clone(),
            "",
            None,
        )
        .await?;
        // The handlers report; the head approves and the package goes to the police.
        steps::send(state, periods, &msa, &again(&msa_who), id).await?;
        if stage == Stage::AwaitingHead {
            continue;
        }
        let head_who = again(&msa_head_who);
        steps::run(state, periods, &msa_head, &head_who, id, approve.clone()).await?;
        steps::receive(db, &police, &again(&police_who), id).await?;
        if stage == Stage::Refused {
            steps::refuse(
                state,
                periods,
                &police,
                &again(&police_who),
                id,
                "现有证据不足以证明已销售金额达到立案追诉标准，库存货值尚需鉴定。",
            )
            .await?;
            let head_who = again(&police_head_who);
            steps::run(state, periods, &police_head, &head_who, id, approve.clone()).await?;
        }
    }
    let decided = (today - chrono::Duration::days(3)).to_string();
    let input = model::TransferInput {
        title: "某超市销售侵犯注册商标专用权奶粉案".into(),
        facts: "经审查，涉案金额未达到立案追诉标准，不构成犯罪，但需依法给予行政处罚。".into(),
        to_unit_id: unit("罗山县市场监督管理局").await?.to_string(),
        police_decided_on: Some(decided),
        items: vec![item("奶粉", "36", "罐", "罗山县公安局涉案财物管理中心")],
        ..Default::default()
    };
    let id = steps::create(
        db,
        &cal,
        &ls_police,
        &again(&ls_who),
        crate::linkage::flow::Direction::HandBack,
        &input,
    )
    .await?;
    steps::attach(
        db,
        &ls_police,
        &again(&ls_who),
        id,
        "case_materials",
        "案卷材料.pdf",
        report,
        "",
        None,
    )
    .await?;
    steps::send(state, periods, &ls_police, &again(&ls_who), id).await?;
    let notice: requests::RequestInput = serde_json::from_value(json!({
        "kind": "urgent_notice",
        "to_unit_id": city_police,
        "subject": "执法现场遭遇聚众围堵",
        "body": "浉河区某批发市场执法检查现场有人聚众围堵执法人员，请立即出警。"
    }))
    .map_err(AppError::internal)?;
    requests::create(db, &msa, &again(&msa_who), &notice).await?;
    Ok(())
}

/// Demo reports from the public (issue #14), received and routed through the operations
/// themselves: an anonymous report of fake liquor in the city waiting to be routed, a report of
/// pirated books with its category (the culture bureau preselected), a named complaint in
/// Luoshan, and a report of fake fertiliser routed to the city's market regulation bureau.
pub async fn load_public_reports(state: &crate::web::SharedState) -> AppResult<()> {
    use crate::public_reports::{intake, store};
    let db = &state.db;
    let cal = state.calendar();
    let today = state.clock.today();
    let occurred = (today - chrono::Duration::days(3)).to_string();
    let reports: [(&str, &str, &str, &str, &str, &str, bool); 5] = [
        (
            "report",
            "白酒",
            "trademark",
            "411500",
            "信阳市浉河区工区路某烟酒店",
            "该店销售的茅台酒瓶盖防伪码无法查询，酒质口感与正品明显不同，疑为假冒注册商标的白酒。",
            true,
        ),
        (
            "report",
            "图书",
            "copyright",
            "411500",
            "信阳市平桥区某书店",
            "该书店公开销售多种盗版教辅图书，纸张粗糙、印刷模糊，价格仅为正版的三成。",
            true,
        ),
        (
            "complaint",
            "运动鞋",
            "trademark",
            "411521",
            "罗山县城关某商场二楼",
            "在该商场购买的品牌运动鞋经品牌方鉴定为假冒，商家拒绝退货。",
            false,
        ),
        (
            "report",
            "复合肥",
            "agriculture",
            "411500",
            "信阳市平桥区某农资店",
            "该店销售的复合肥养分含量与包装标识严重不符，多户农户使用后减产。",
            true,
        ),
        // Pingyin's office routes reports from its county (003 四).
        (
            "report",
            "阿胶",
            "trademark",
            "370124",
            "平阴县城区某保健品店",
            "该店销售的阿胶产品包装印刷粗糙，防伪标识无法查验，疑为假冒注册商标的商品。",
            true,
        ),
    ];
    let mut ids = Vec::new();
    for (i, (kind, product, category, region, address, description, anonymous)) in
        reports.into_iter().enumerate()
    {
        let input = intake::ReportInput {
            kind: kind.into(),
            product: product.into(),
            category: category.into(),
            region: region.into(),
            address: address.into(),
            occurred_on: occurred.clone(),
            description: description.into(),
            anonymous,
            reporter_name: if anonymous { "" } else { "李某" }.into(),
            reporter_phone: if anonymous { "" } else { "13900139000" }.into(),
            ..Default::default()
        };
        let new = intake::NewReport::parse(&input, today).map_err(AppError::Validation)?;
        let who = store::reporter(state.clock.now(), None);
        let s = store::submit(
            db,
            &cal,
            &state.config.public_reports,
            &who,
            &new,
            &store::Admission {
                nonce: format!("demo{i:028}"),
                per_subject_per_day: usize::MAX,
            },
            Vec::new(),
        )
        .await?;
        ids.push(s.id);
    }
    // The office routes the fertiliser report to the city's market regulation bureau.
    let msa: i64 = sqlx::query_scalar("SELECT id FROM units WHERE name = '信阳市市场监督管理局'")
        .fetch_one(&db.pool)
        .await?;
    let (actor, who) = acting(state, "staff").await?;
    store::step(
        db,
        &cal,
        &state.config.public_reports,
        &state.config.public_rewards,
        &actor,
        &who,
        ids[3],
        store::ReportStep::Assign {
            unit_id: msa.to_string(),
            text: "农资质量问题，请市场监督管理局核查。".into(),
        },
    )
    .await
}

/// Penalty decisions of the city's market regulation bureau: one published (its personal data
/// redacted), one waiting for the secrecy review, and one whose party is on the serious-violation
/// list after it was told and heard.
pub async fn load_penalties(state: &crate::web::SharedState) -> AppResult<()> {
    use crate::penalties::{listing_store, model, store};
    let db = &state.db;
    let cal = state.calendar();
    let today = state.clock.today();
    let decided = (today - chrono::Duration::days(10)).to_string();
    let (liaison, liaison_who) = acting(state, "liaison.scjg").await?;
    let (head, head_who) = acting(state, "head.scjg").await?;
    let periods = &crate::penalties::settings::CreditPeriods::configured(&state.config);
    let decision = |number: &str,
                    name: &str,
                    code: &str,
                    kinds: &[&str],
                    fine: &str,
                    penalty: &str| {
        model::DecisionInput {
            number: number.into(),
            party_kind: "enterprise".into(),
            party_name: name.into(),
            party_code: code.into(),
            legal_representative: Some("陈某某".into()),
            facts: format!(
                "经查，当事人于{decided}前购进并销售假冒注册商标的白酒，经营者孙某（电话13912345678）供述货源来自外省某批发市场。"
            ),
            provisions: "《中华人民共和国商标法》第五十七条第（三）项".into(),
            kinds: kinds.iter().map(|k| (*k).to_string()).collect(),
            fine: Some(fine.into()),
            penalty: penalty.into(),
            basis: "《中华人民共和国商标法》第六十条第二款".into(),
            procedure: "general".into(),
            decided_on: decided.clone(),
            other_persons: vec!["孙某".into()],
            ..Default::default()
        }
    };
    let published = store::create(
        db,
        &cal,
        periods,
        &liaison,
        &liaison_who,
        &decision(
            "信市监处罚〔2026〕101号",
            "信阳市浉河区某烟酒商行",
            "91411500MA4000001P",
            &["fine", "confiscate_goods"],
            "86000",
            "没收假冒白酒60瓶，罚款86000元",
        ),
    )
    .await?;
    store::create(
        db,
        &cal,
        periods,
        &liaison,
        &liaison_who,
        &decision(
            "信市监处罚〔2026〕102号",
            "信阳市平桥区某日用品店",
            "91411500MA40000041",
            &["fine"],
            "2000",
            "罚款2000元",
        ),
    )
    .await?;
    let listed = store::create(
        db,
        &cal,
        periods,
        &liaison,
        &liaison_who,
        &decision(
            "信市监处罚〔2026〕103号",
            "信阳市某酒业有限公司",
            "91411500MA40000054",
            &["fine", "stop_business"],
            "500000",
            "责令停产停业，罚款500000元",
        ),
    )
    .await?;
    for id in [published, listed] {
        store::run(
            db,
            &cal,
            periods,
            &liaison,
            &liaison_who,
            id,
            store::PenaltyStep::Review {
                hide: Vec::new(),
                text: "经保密审查，个人信息已隐去。".into(),
            },
        )
        .await?;
        store::run(
            db,
            &cal,
            periods,
            &head,
            &head_who,
            id,
            store::PenaltyStep::Approve {
                text: "同意公示。".into(),
            },
        )
        .await?;
    }
    let lid = listing_store::propose(
        db,
        &cal,
        periods,
        &liaison,
        &liaison_who,
        &listing_store::ListingInput {
            decision_id: listed.to_string(),
            aggravated_fine: false,
            reasons: "当事人因大量制售假冒注册商标的白酒受到责令停产停业的较重行政处罚。".into(),
            notified_on: (today - chrono::Duration::days(8)).to_string(),
            persons: vec![listing_store::PersonInput {
                role: "legal_representative".into(),
                name: "陈某某".into(),
                resident_id: None,
            }],
        },
    )
    .await?;
    listing_store::run(
        db,
        &cal,
        periods,
        &liaison,
        &liaison_who,
        lid,
        listing_store::ListingStep {
            step: crate::penalties::listing::Step::RecordStatement,
            text: "当事人书面陈述称已停止销售，未要求听证。".into(),
            hearing: false,
        },
    )
    .await?;
    listing_store::run(
        db,
        &cal,
        periods,
        &head,
        &head_who,
        lid,
        listing_store::ListingStep {
            step: crate::penalties::listing::Step::List,
            text: "当事人陈述的理由不影响认定，决定列入严重违法失信名单。".into(),
            hearing: false,
        },
    )
    .await
}

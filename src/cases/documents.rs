//! The steps that produce documents: the supervision letter (000 §5), the circular of results
//! and the report to the instructing leader (000 §9), and the archived dossier (000 §13).
//! Documents are numbered in their office's yearly sequences and rendered as PDFs in the
//! official letter layout.

use chrono::NaiveDate;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::flow::Step;
use super::model::{Ground, Source};
use super::steps::{RESULT_CLAUSE, begin_step, set_state};
use super::store::{self, Case};
use crate::access::Actor;
use crate::archive::{DossierFile, DossierInput};
use crate::audit::{Entry, Who};
use crate::context::Ctx;
use crate::db::{Db, Tx, time};
use crate::deadline::store::{Change, settle_for_record};
use crate::documents::issuers::Kind as IssuedKind;
use crate::documents::{CatalogueRow, OfficialDocument, Paragraph, ParagraphKind};
use crate::error::{AppError, AppResult};
use crate::notify::store::notify_unit;

fn para(kind: ParagraphKind, text: impl Into<String>) -> Paragraph {
    Paragraph {
        kind,
        text: text.into(),
    }
}

async fn unit_names(tx: &mut Tx, ids: &[i64]) -> AppResult<Vec<String>> {
    let mut out = Vec::new();
    for id in ids {
        let n: Option<String> =
            sqlx::query_scalar("SELECT name FROM units WHERE id = $1 AND active = 1")
                .bind(id)
                .fetch_optional(&mut **tx)
                .await?;
        out.push(n.ok_or_else(|| {
            AppError::field("joint_unit_ids", "not_found", "联合发函单位不存在或已停用")
        })?);
    }
    Ok(out)
}

/// Who issues `kind` for the office and its next number this year: "信打假办督〔2026〕7号"
/// under the office's header, or the group's number under the group's, as the office chose.
async fn number(
    tx: &mut Tx,
    who: &Who,
    office: i64,
    kind: IssuedKind,
) -> AppResult<(String, String)> {
    let (issuer, number) = crate::numbering::official_number(tx, office, kind, who.today()).await?;
    Ok((issuer.name, number))
}

async fn render(ctx: &Ctx, doc: OfficialDocument) -> AppResult<Vec<u8>> {
    ctx.render_pdf(doc).await
}

#[allow(clippy::too_many_arguments)]
async fn store_letter(
    tx: &mut Tx,
    who: &Who,
    case_id: i64,
    kind: &str,
    number: &str,
    title: &str,
    addressee: Option<i64>,
    body: &[Paragraph],
    pdf: &[u8],
) -> AppResult<i64> {
    let body_text = body
        .iter()
        .map(|p| p.text.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    Ok(sqlx::query_scalar(
        "INSERT INTO case_letters (case_id, kind, number, title, addressee_unit_id, body, issued_at, pdf) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(case_id)
    .bind(kind)
    .bind(number)
    .bind(title)
    .bind(addressee)
    .bind(body_text)
    .bind(who.at_text())
    .bind(pdf.to_vec())
    .fetch_one(&mut **tx)
    .await?)
}

/// A document of the case's office (issued by `issuer`, the office or its group), dated today,
/// with the responsible person as contact.
#[allow(clippy::too_many_arguments)]
fn office_document(
    date: NaiveDate,
    issuer: &str,
    case: &Case,
    number: &str,
    title: &str,
    addressee: String,
    body: Vec<Paragraph>,
    copy_to: Vec<String>,
) -> OfficialDocument {
    OfficialDocument {
        issuer: issuer.to_string(),
        joint_issuers: Vec::new(),
        number: number.to_string(),
        mark: None,
        title: title.to_string(),
        addressee,
        body,
        attachments: Vec::new(),
        signature: issuer.to_string(),
        date,
        copy_to,
        contact: contact(case),
    }
}

fn contact(case: &Case) -> Option<String> {
    case.responsible_user_name
        .as_ref()
        .map(|n| format!("（联系人：{n}）"))
}

/// 000 §5: the supervision letter to the lead unit, copied to the assisting units; jointly with
/// other member units when named. Leader-instructed and especially major cases carry 挂牌督办.
/// Taken only through the document chain: previewed when drafted, issued when signed.
pub async fn issue_letter(
    ctx: &Ctx,
    actor: &Actor,
    who: &Who,
    id: i64,
    note: &str,
    joint: &[i64],
) -> AppResult<()> {
    let (mut tx, case, next) = begin_step(&ctx.db, actor, id, Step::IssueLetter).await?;
    let parties = store::parties_of(&mut *tx, id).await?;
    let lead = case
        .lead_unit_name
        .clone()
        .ok_or_else(|| AppError::internal("started without lead"))?;
    let assisting: Vec<String> = parties
        .iter()
        .filter(|(_, r, _)| r == "assisting")
        .map(|(_, _, n)| n.clone())
        .collect();
    // 000 §5 and §11: the office writes jointly with other units of its own region (市、县事权
    // 划分), each named once, to the lead unit, which is not one of the senders.
    let region = crate::units::store::region_of(&mut tx, case.office_unit_id).await?;
    let mut joint_ids: Vec<i64> = Vec::new();
    for j in joint {
        if *j == case.office_unit_id || Some(*j) == case.lead_unit_id {
            return Err(AppError::field(
                "joint_unit_ids",
                "not_allowed",
                "联合发函单位不能是本办公室或主办单位（督办公函向主办单位发出）",
            ));
        }
        crate::units::store::require_named(
            &mut tx,
            *j,
            "joint_unit_ids",
            "联合发函单位不存在或已停用",
            crate::access::jurisdiction::Reach::OwnRegion,
            &region,
        )
        .await?;
        if !joint_ids.contains(j) {
            joint_ids.push(*j);
        }
    }
    let joint = joint_ids.as_slice();
    let joint_names = unit_names(&mut tx, joint).await?;
    let grounds = store::grounds(&mut *tx, id).await?;
    let (issuer, number) = number(
        &mut tx,
        who,
        case.office_unit_id,
        IssuedKind::SupervisionLetter,
    )
    .await?;
    let title = format!("关于督办{}的函", case.title);
    let mut body = vec![
        para(
            ParagraphKind::Text,
            format!(
                "根据《打击侵犯知识产权和制售假冒伪劣商品重大案件协调督办工作规则》第三条、第五条，经领导小组办公室主任批准，现将{}（编号{}）纳入重大案件协调督办范围{}。",
                case.title,
                case.code,
                if case.is_listed() {
                    "，实行挂牌督办"
                } else {
                    ""
                }
            ),
        ),
        para(ParagraphKind::Heading1, "一、主办和协办单位"),
        para(
            ParagraphKind::Text,
            format!(
                "主办单位：{lead}。协办单位：{}。",
                if assisting.is_empty() {
                    "无".to_string()
                } else {
                    assisting.join("、")
                }
            ),
        ),
        para(ParagraphKind::Heading1, "二、案件线索"),
        para(
            ParagraphKind::Text,
            format!(
                "线索来源：{}，{}收到。{}",
                case.source_label(),
                crate::calendar::date_zh(&case.received_on),
                case.summary
            ),
        ),
        para(ParagraphKind::Heading1, "三、纳入督办的依据"),
    ];
    // Each ground cited by its item of 000 §2, numbered within this section: the seed's own
    // numbering (「二、涉及多个部门…」) read as the letter's next heading.
    for (n, g) in grounds.iter().enumerate() {
        let label = Ground::label_of(&g.ground);
        let (item, words) = label.split_once('、').unwrap_or(("", label));
        body.push(para(
            ParagraphKind::Text,
            format!(
                "（{}）属于《重大案件协调督办工作规则》第二条第（{item}）项“{words}”的情形：{}",
                crate::domain::chinese_ordinal(n + 1),
                g.reason.trim_end_matches('。')
            ) + "。",
        ));
    }
    body.push(para(ParagraphKind::Heading1, "四、工作要求"));
    body.push(para(ParagraphKind::Text,
        "请主办单位落实领导责任和工作责任，依法、依程序认真办理，按要求报送阶段性进展，并在案件办结后20个工作日内书面反馈办理结果。请协办单位积极主动配合。"));
    if !note.trim().is_empty() {
        body.push(para(ParagraphKind::Heading1, "五、其他事项"));
        body.push(para(ParagraphKind::Text, note.trim()));
    }
    let doc = OfficialDocument {
        // A joint letter is signed by every issuer (GB/T 9704-2012 7.3.5.2).
        signature: std::iter::once(issuer.clone())
            .chain(joint_names.iter().cloned())
            .collect::<Vec<_>>()
            .join("\n"),
        joint_issuers: joint_names.clone(),
        mark: case.is_listed().then(|| "挂牌督办".to_string()),
        ..office_document(
            who.today(),
            &issuer,
            &case,
            &number,
            &title,
            lead.clone(),
            body.clone(),
            assisting.clone(),
        )
    };
    let pdf = render(ctx, doc).await?;
    store_letter(
        &mut tx,
        who,
        id,
        "supervision",
        &number,
        &title,
        case.lead_unit_id,
        &body,
        &pdf,
    )
    .await?;
    for j in joint {
        store::add_party(&mut tx, id, *j, "joint").await?;
    }
    sqlx::query("UPDATE cases SET letter_number = $1 WHERE id = $2")
        .bind(&number)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    set_state(&mut tx, who, &case, next).await?;
    store::event(
        &mut tx,
        id,
        who,
        "letter_issued",
        &format!(
            "发出督办公函{number}，主送{lead}{}",
            if assisting.is_empty() {
                String::new()
            } else {
                format!("，抄送{}", assisting.join("、"))
            }
        ),
    )
    .await?;
    let link = format!("/cases/{id}");
    if let Some(lead_id) = case.lead_unit_id {
        notify_unit(
            &mut tx,
            who,
            lead_id,
            &format!("收到督办公函{number}"),
            &title,
            &link,
        )
        .await?;
        crate::notify::store::add_duty(
            &mut tx,
            who,
            super::steps::duty(id, super::steps::ACT_ON_LETTER),
            crate::notify::store::Holder::Unit(lead_id),
            &format!("收到督办公函{number}，请依函办理并报告进展"),
            &link,
            None,
            false,
        )
        .await?;
    }
    for (u, role, _) in &parties {
        if role == "assisting" {
            notify_unit(
                &mut tx,
                who,
                *u,
                &format!("督办公函{number}（抄送）"),
                &title,
                &link,
            )
            .await?;
        }
    }
    // Issued only as the signing of its draft (drafting::store::act), which `finish` seals.
    crate::procedure::finish(
        tx,
        who,
        Entry::new("case.issue_letter", "case")
            .object(id, Some(case.office_unit_id))
            .summary(json!({"number": number, "joint": joint, "sha256": crate::domain::hex(&Sha256::digest(&pdf))})),
    )
    .await
}

/// 000 §9: internal approval, the circular of the result to the regions and units concerned,
/// and for a leader-instructed case the report to that leader; settles the §9 clock.
pub async fn circulate(ctx: &Ctx, actor: &Actor, who: &Who, id: i64, text: &str) -> AppResult<()> {
    let (mut tx, case, next) = begin_step(&ctx.db, actor, id, Step::Circulate).await?;
    crate::notify::store::discharge(
        &mut tx,
        who,
        super::steps::duty(id, super::steps::CIRCULATE_RESULT),
    )
    .await?;
    let text = crate::domain::text::required_long("text", "通报内容", text, 5000)?;
    let parties = store::parties_of(&mut *tx, id).await?;
    let concerned: Vec<(i64, String)> = parties
        .iter()
        .filter(|(_, r, _)| r != "office")
        .map(|(u, _, n)| (*u, n.clone()))
        .fold(Vec::new(), |mut acc, (u, n)| {
            if !acc.iter().any(|(x, _)| *x == u) {
                acc.push((u, n));
            }
            acc
        });
    let closure: Option<String> = sqlx::query_scalar(
        "SELECT body FROM case_reports WHERE case_id = $1 AND kind = 'closure' ORDER BY id DESC LIMIT 1",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let (issuer, number) =
        number(&mut tx, who, case.office_unit_id, IssuedKind::CaseCircular).await?;
    let title = format!("关于{}查处结果的通报", case.title);
    let body = vec![
        para(
            ParagraphKind::Text,
            format!(
                "{}（编号{}，督办公函{}）已由{}办结，现将查处结果通报如下。",
                case.title,
                case.code,
                case.letter_number.as_deref().unwrap_or("—"),
                case.lead_unit_name.as_deref().unwrap_or("主办单位")
            ),
        ),
        para(ParagraphKind::Heading1, "一、办理结果"),
        para(
            ParagraphKind::Text,
            closure.unwrap_or_else(|| "（见办结报告）".into()),
        ),
        para(ParagraphKind::Heading1, "二、通报事项"),
        para(ParagraphKind::Text, text.clone()),
    ];
    let names: Vec<String> = concerned.iter().map(|(_, n)| n.clone()).collect();
    let doc = office_document(
        who.today(),
        &issuer,
        &case,
        &number,
        &title,
        "有关地区、成员单位".into(),
        body.clone(),
        names.clone(),
    );
    let pdf = render(ctx, doc).await?;
    store_letter(
        &mut tx, who, id, "circular", &number, &title, None, &body, &pdf,
    )
    .await?;
    let link = format!("/cases/{id}");
    for (u, _) in &concerned {
        notify_unit(
            &mut tx,
            who,
            *u,
            &format!("重大案件查处结果通报（{number}）"),
            &case.title,
            &link,
        )
        .await?;
    }
    // 000 §9: a leader-instructed case is reported to that leader or the group.
    if case.source == Source::LeaderInstruction.code() {
        let detail: serde_json::Value =
            serde_json::from_str(&case.source_detail).unwrap_or_default();
        let leader = detail
            .get("leader_name")
            .and_then(|v| v.as_str())
            .unwrap_or("领导小组")
            .to_string();
        let (rissuer, rnumber) = number_for_report(&mut tx, who, &case).await?;
        let rtitle = format!("关于{}办理情况的报告", case.title);
        let rbody = vec![
            para(
                ParagraphKind::Text,
                format!(
                    "{}同志批示的{}，已按《重大案件协调督办工作规则》纳入督办并办结，现将有关情况报告如下。",
                    leader, case.title
                ),
            ),
            para(ParagraphKind::Text, text.clone()),
        ];
        let rdoc = office_document(
            who.today(),
            &rissuer,
            &case,
            &rnumber,
            &rtitle,
            format!("{leader}同志"),
            rbody.clone(),
            Vec::new(),
        );
        let rpdf = render(ctx, rdoc).await?;
        store_letter(
            &mut tx,
            who,
            id,
            "leader_report",
            &rnumber,
            &rtitle,
            None,
            &rbody,
            &rpdf,
        )
        .await?;
        let leaders = super::steps::leaders_of(&mut tx, case.office_unit_id).await?;
        for l in leaders {
            crate::notify::store::notify(
                &mut tx,
                who,
                l,
                &format!("领导批示案件办理情况报告（{rnumber}）"),
                &case.title,
                Some(&link),
            )
            .await?;
        }
    }
    settle_for_record(
        &mut tx,
        &ctx.calendar(),
        who,
        store::RESOURCE,
        id,
        RESULT_CLAUSE,
        Change::Met { on: who.today() },
    )
    .await?;
    set_state(&mut tx, who, &case, next).await?;
    store::event(
        &mut tx,
        id,
        who,
        "circulated",
        &format!("内部报批后发出通报{number}，通报{}", names.join("、")),
    )
    .await?;
    super::steps::finish(
        tx,
        who,
        Entry::new("case.circulate", "case")
            .object(id, Some(case.office_unit_id))
            .summary(json!({"number": number})),
    )
    .await
}

async fn number_for_report(tx: &mut Tx, who: &Who, case: &Case) -> AppResult<(String, String)> {
    number(tx, who, case.office_unit_id, IssuedKind::LeaderReport).await
}

/// 000 §13: archive the case as one dossier: catalogue, every document, the reports, the case
/// record and its audit trail, with a manifest of SHA-256 hashes. The case is read-only after.
pub async fn archive(ctx: &Ctx, actor: &Actor, who: &Who, id: i64) -> AppResult<()> {
    let (mut tx, case, next) = begin_step(&ctx.db, actor, id, Step::Archive).await?;
    let mut files = Vec::new();
    let record = json!({
        "case": case,
        "grounds": store::grounds(&mut *tx, id).await?,
        "parties": sqlx::query("SELECT kind, name, code FROM case_parties WHERE case_id = $1 ORDER BY id").bind(id).fetch_all(&mut *tx).await?
            .iter().map(|r| json!({"kind": r.try_get::<String, _>(0).unwrap_or_default(), "name": r.try_get::<String, _>(1).unwrap_or_default(), "code": r.try_get::<String, _>(2).unwrap_or_default()})).collect::<Vec<_>>(),
        "units": store::parties_of(&mut *tx, id).await?,
        "timeline": sqlx::query("SELECT at, actor_name, kind, summary FROM case_events WHERE case_id = $1 ORDER BY id").bind(id).fetch_all(&mut *tx).await?
            .iter().map(|r| json!({"at": r.try_get::<String, _>(0).unwrap_or_default(), "actor": r.try_get::<String, _>(1).unwrap_or_default(), "kind": r.try_get::<String, _>(2).unwrap_or_default(), "summary": r.try_get::<String, _>(3).unwrap_or_default()})).collect::<Vec<_>>(),
    });
    let created = who.at_text();
    let date = who.today().to_string();
    files.push(DossierFile {
        path: "01-案件登记/案件信息.json".into(),
        title: "案件登记信息、督办情形、当事人及办理过程".into(),
        responsible: case.office_unit_name.clone(),
        date: case.received_on.clone(),
        bytes: serde_json::to_vec_pretty(&record).map_err(AppError::internal)?,
    });
    let letters = sqlx::query(
        "SELECT number, title, issued_at, pdf FROM case_letters WHERE case_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    for (i, l) in letters.iter().enumerate() {
        let number: String = l.try_get(0)?;
        let title: String = l.try_get(1)?;
        let issued: String = l.try_get(2)?;
        files.push(DossierFile {
            path: format!("02-文书/{:02}-{}.pdf", i + 1, number),
            title,
            responsible: case.office_unit_name.clone(),
            date: issued.get(..10).unwrap_or("").to_string(),
            bytes: l.try_get(3)?,
        });
    }
    let reports = sqlx::query(
        "SELECT r.kind, u.name, a.display_name, r.body, r.submitted_at FROM case_reports r JOIN units u ON u.id = r.unit_id \
         JOIN users a ON a.id = r.author_user_id WHERE r.case_id = $1 ORDER BY r.id",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    for (i, r) in reports.iter().enumerate() {
        let kind: String = r.try_get(0)?;
        let unit: String = r.try_get(1)?;
        let author: String = r.try_get(2)?;
        let body: String = r.try_get(3)?;
        let at: String = r.try_get(4)?;
        let label = if kind == "closure" {
            "办结情况"
        } else {
            "阶段性进展"
        };
        files.push(DossierFile {
            path: format!("03-办案单位报告/{:02}-{unit}-{label}.txt", i + 1),
            title: format!("{unit}报送{label}"),
            responsible: format!("{unit}（{author}）"),
            date: at.get(..10).unwrap_or("").to_string(),
            bytes: format!(
                "{label}\n报送单位：{unit}\n报送人：{author}\n报送时间：{}\n\n{body}\n",
                time::display(&at)
            )
            .into_bytes(),
        });
    }
    let attachments = sqlx::query(
        "SELECT a.filename, a.description, u.name, a.uploaded_at, a.content FROM case_attachments a \
         JOIN units u ON u.id = a.uploaded_by_unit WHERE a.case_id = $1 ORDER BY a.id",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    for (i, a) in attachments.iter().enumerate() {
        let name: String = a.try_get(0)?;
        let description: Option<String> = a.try_get(1)?;
        let unit: String = a.try_get(2)?;
        let at: String = a.try_get(3)?;
        files.push(DossierFile {
            path: format!("04-附件/{:02}-{name}", i + 1),
            title: description.unwrap_or_else(|| name.clone()),
            responsible: unit,
            date: at.get(..10).unwrap_or("").to_string(),
            bytes: a.try_get(4)?,
        });
    }
    // The document chain's history of each letter: drafted, reviewed, returned, signed.
    files.extend(crate::drafting::store::dossier_files(&mut tx, "05-办文过程", "case", id).await?);
    let trail: Vec<crate::audit::AuditRecord> = sqlx::query_as(
        "SELECT * FROM audit_log WHERE (object_type = 'case' AND object_id = $1) OR (object_type = 'deadline' AND object_id IN \
         (SELECT CAST(id AS TEXT) FROM deadlines WHERE record_type = 'case' AND record_id = $2)) OR (object_type = 'draft' AND object_id IN \
         (SELECT CAST(id AS TEXT) FROM drafts WHERE record_type = 'case' AND record_id = $2)) ORDER BY seq",
    )
    .bind(id.to_string())
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let rows: Vec<CatalogueRow> = files
        .iter()
        .enumerate()
        .map(|(i, f)| CatalogueRow {
            seq: u32::try_from(i + 1).unwrap_or(u32::MAX),
            responsible: f.responsible.clone(),
            title: f.title.clone(),
            date: f.date.clone(),
            size: format!("{} KB", f.bytes.len().div_ceil(1024)),
            note: String::new(),
        })
        .collect();
    let fonts = ctx.fonts()?;
    let label = format!("{}（{}）", case.title, case.code);
    let made_at = ctx.clock.now().naive_utc();
    let catalogue_pdf = tokio::task::spawn_blocking(move || {
        crate::documents::render_catalogue("卷内目录", &label, &rows, &fonts, made_at)
    })
    .await
    .map_err(AppError::internal)?
    .map_err(|e| AppError::internal(format!("pdf: {e}")))?;
    let input = DossierInput {
        case_number: case.code.clone(),
        case_title: case.title.clone(),
        created_at: created.clone(),
        catalogue_pdf,
        files,
        audit_trail_json: serde_json::to_vec_pretty(&trail).map_err(AppError::internal)?,
    };
    let zip =
        crate::archive::build(&input).map_err(|e| AppError::internal(format!("archive: {e}")))?;
    let sha = crate::domain::hex(&Sha256::digest(&zip));
    sqlx::query(
        "INSERT INTO case_archives (case_id, created_at, sha256, zip) VALUES ($1, $2, $3, $4)",
    )
    .bind(id)
    .bind(&created)
    .bind(&sha)
    .bind(zip)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE cases SET archived_at = $1 WHERE id = $2")
        .bind(&created)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    set_state(&mut tx, who, &case, next).await?;
    store::event(
        &mut tx,
        id,
        who,
        "archived",
        &format!("单独立卷归档，案卷SHA-256：{sha}（{date}）"),
    )
    .await?;
    super::steps::finish(
        tx,
        who,
        Entry::new("case.archive", "case")
            .object(id, Some(case.office_unit_id))
            .summary(json!({"sha256": sha})),
    )
    .await
}

/// The stored dossier of an archived case.
pub async fn dossier_bytes(db: &Db, id: i64) -> Result<Option<Vec<u8>>, sqlx::Error> {
    sqlx::query_scalar("SELECT zip FROM case_archives WHERE case_id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await
}

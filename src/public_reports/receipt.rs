//! The receipt a reporter may keep as proof of the report: what was reported, when, to whom,
//! and the evidence sent, in the office's letter layout. The query password is not printed on
//! it, so a lost receipt does not open the report to someone else.

use chrono::NaiveDate;

use super::store::Tracked;
use crate::context::Ctx;
use crate::documents::{OfficialDocument, Paragraph};
use crate::error::{AppError, AppResult};

pub async fn render(ctx: &Ctx, t: &Tracked) -> AppResult<Vec<u8>> {
    let received = NaiveDate::parse_from_str(&t.received_on, "%Y-%m-%d")
        .map_err(|_| AppError::internal("receipt: received_on"))?;
    let who = if t.kind == "complaint" {
        "投诉人"
    } else {
        "举报人"
    };
    let mut body = vec![
        Paragraph::text(format!(
            "您于{}提交的关于“{}”的{}已由本机关收到，登记的查询编号为{}。",
            crate::calendar::format_date_zh(received),
            t.product,
            t.kind_label,
            t.tracking_no
        )),
        Paragraph::text(format!(
            "请凭查询编号和提交时取得的查询密码，在举报投诉网站查询办理进度、补充材料{}。查询密码未印在本回执上，请另行妥善保管，不要告诉他人。",
            if t.kind == "report" {
                "和领取举报奖励"
            } else {
                ""
            }
        )),
    ];
    if t.evidence.is_empty() {
        body.push(Paragraph::text("提交时未附证据材料。"));
    } else {
        body.push(Paragraph::text(format!(
            "随附证据材料{}个：{}。",
            t.evidence.len(),
            t.evidence
                .iter()
                .map(|e| format!("《{e}》"))
                .collect::<Vec<_>>()
                .join("、")
        )));
    }
    body.push(Paragraph::text(
        "本机关将依照《市场监督管理投诉举报处理暂行办法》办理，并依法对举报人的信息予以保密。",
    ));
    let doc = OfficialDocument {
        issuer: t.receiving_office.clone(),
        joint_issuers: Vec::new(),
        number: t.tracking_no.clone(),
        mark: None,
        title: format!("{}登记回执", t.kind_label),
        addressee: who.to_string(),
        body,
        attachments: Vec::new(),
        signature: t.receiving_office.clone(),
        date: received,
        copy_to: Vec::new(),
        contact: None,
    };
    ctx.render_pdf(doc).await
}

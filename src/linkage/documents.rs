//! The written acts of the transfer procedure, drafted from the record and rendered as PDFs in
//! the official letter layout (GB/T 9704) used by the supervision letter: the transfer letter
//! (国务院令第310号第六条 涉嫌犯罪案件移送书), the filing notice and the non-filing notice with
//! reasons (004 二(二)), the reconsideration request, and the hand-back letter with its list
//! of seized property (004 二(三)). Each kind is numbered in the issuing unit's own yearly
//! sequence.

use serde_json::json;
use sha2::{Digest, Sha256};

use super::model::Situation;
use super::store::{ItemRow, Transfer};
use crate::audit::Who;
use crate::context::Ctx;
use crate::db::Tx;
use crate::documents::{OfficialDocument, Paragraph};
use crate::error::AppResult;

/// A kind of document: its code, the character in its number, and its title.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    TransferLetter,
    FilingNotice,
    NonFilingNotice,
    ReconsiderationRequest,
    HandBackLetter,
    /// 004 二(二); 国务院令第310号第九条: the police's written decision upholding the refusal.
    ReconsiderationDecision,
    /// 004 二(三): market regulation's written result of a hand-back, to the police.
    ResultFeedback,
}

impl DocKind {
    pub fn code(self) -> &'static str {
        match self {
            DocKind::TransferLetter => "transfer_letter",
            DocKind::FilingNotice => "filing_notice",
            DocKind::NonFilingNotice => "non_filing_notice",
            DocKind::ReconsiderationRequest => "reconsideration_request",
            DocKind::HandBackLetter => "hand_back_letter",
            DocKind::ReconsiderationDecision => "reconsideration_decision",
            DocKind::ResultFeedback => "result_feedback",
        }
    }
    /// The sequence character in the document number, e.g. 信市监移〔2026〕3号.
    fn series(self) -> &'static str {
        match self {
            DocKind::TransferLetter => "移",
            DocKind::FilingNotice => "立",
            DocKind::NonFilingNotice => "不立",
            DocKind::ReconsiderationRequest => "复议",
            DocKind::HandBackLetter => "移交",
            DocKind::ReconsiderationDecision => "复决",
            DocKind::ResultFeedback => "反馈",
        }
    }
    pub fn title(self) -> &'static str {
        match self {
            DocKind::TransferLetter => "涉嫌犯罪案件移送书",
            DocKind::FilingNotice => "立案通知书",
            DocKind::NonFilingNotice => "不予立案通知书",
            DocKind::ReconsiderationRequest => "提请复议书",
            DocKind::HandBackLetter => "案件移交函",
            DocKind::ReconsiderationDecision => "复议决定书",
            DocKind::ResultFeedback => "处理结果反馈函",
        }
    }
    /// Who issues it: the sender of the transfer, or the receiving unit (the police organ; on
    /// a hand-back, market regulation).
    fn issued_by_sender(self) -> bool {
        matches!(
            self,
            DocKind::TransferLetter | DocKind::ReconsiderationRequest | DocKind::HandBackLetter
        )
    }
}

/// A stored ISO date as written in a document: 2026年12月2日.
fn date_zh(stored: Option<&str>) -> String {
    stored.map(crate::calendar::date_zh).unwrap_or_default()
}

fn items_paragraphs(items: &[ItemRow]) -> Vec<Paragraph> {
    if items.is_empty() {
        return vec![Paragraph::text("无依法扣押的涉案财物。")];
    }
    items
        .iter()
        .enumerate()
        .map(|(i, it)| {
            Paragraph::text(format!(
                "{}. {}，{}{}，存放于{}。",
                i + 1,
                it.name,
                it.quantity,
                it.unit,
                it.storage
            ))
        })
        .collect()
}

/// The body of each document, drafted from the record. `text` is what the user added: the
/// reasons for a refusal or request, the filing decision's notes.
pub fn body(
    kind: DocKind,
    t: &Transfer,
    items: &[ItemRow],
    evidence: &[String],
    text: &str,
) -> Vec<Paragraph> {
    let text = text.trim();
    let mut b = Vec::new();
    match kind {
        DocKind::TransferLetter => {
            let basis = match Situation::parse(&t.situation) {
                Some(Situation::PenalisedLater) => format!(
                    "本机关已对该案作出行政处罚（{}），事后发现该案已造成严重后果、涉嫌犯罪",
                    t.penalty_number.as_deref().unwrap_or("")
                ),
                Some(Situation::OtherClue) => {
                    "本机关在查处知识产权违法案件过程中，发现属你局管辖的其他案件线索".to_string()
                }
                _ => "本机关在查处知识产权违法行为中，根据调查收集的证据和查明的案件事实，认为该案涉嫌构成犯罪".to_string(),
            };
            b.push(Paragraph::text(format!(
                "{basis}。根据《行政执法机关移送涉嫌犯罪案件的规定》和《关于建立协调会商机制强化知识产权保护工作的实施方案》二(一)，现将{}（{}）移送你局，请依法审查，并将是否立案的决定书面告知本机关。",
                t.title, t.code
            )));
            b.push(Paragraph::heading1("一、涉嫌犯罪的事实"));
            b.push(Paragraph::text(t.facts.clone()));
            if !t.suspects.is_empty() {
                b.push(Paragraph::text(format!("涉嫌单位或人员：{}。", t.suspects)));
            }
            b.push(Paragraph::text(format!("涉案金额：{}。", t.amount_text())));
            b.push(Paragraph::heading1("二、涉案物品清单"));
            b.extend(items_paragraphs(items));
            b.push(Paragraph::heading1("三、随附材料"));
            b.push(Paragraph::text(if evidence.is_empty() {
                "无。".to_string()
            } else {
                format!(
                    "{}（电子件及其SHA-256校验值见平台移送记录）。",
                    evidence.join("；")
                )
            }));
        }
        DocKind::FilingNotice => {
            // The police's own reasoning, where they wrote it, replaces the standard wording.
            let reasoning = match text.trim().trim_end_matches(['。', '，', '；']) {
                "" => "本局认为有犯罪事实，需要追究刑事责任",
                own => own,
            };
            b.push(Paragraph::text(format!(
                "你单位于{}移送的{}（{}）一案，经审查，{reasoning}，根据《中华人民共和国刑事诉讼法》第一百一十二条之规定，决定立案侦查。",
                date_zh(t.sent_on.as_deref()),
                t.title,
                t.code
            )));
            b.push(Paragraph::text(
                "请你单位自接到本通知书之日起3日内，将涉案物品以及与案件有关的其他材料移交本局。",
            ));
        }
        DocKind::NonFilingNotice => {
            b.push(Paragraph::text(format!(
                "你单位于{}移送的{}（{}）一案，经审查，本局决定不予立案。理由如下：",
                date_zh(t.sent_on.as_deref()),
                t.title,
                t.code
            )));
            b.push(Paragraph::text(text.to_string()));
            b.push(Paragraph::text("现将案卷材料退回。"));
            b.push(Paragraph::text(
                "如你单位认为依法应当立案，可以自接到本通知书之日起3日内，提请本局复议，也可以建议同级人民检察院依法进行立案监督。",
            ));
        }
        DocKind::ReconsiderationRequest => {
            b.push(Paragraph::text(format!(
                "本机关于{}移送你局的{}（{}）一案，你局于{}决定不予立案。本机关认为该案依法应当由公安机关决定立案，根据《关于建立协调会商机制强化知识产权保护工作的实施方案》二(二)，提请你局复议。理由如下：",
                date_zh(t.sent_on.as_deref()),
                t.title,
                t.code,
                date_zh(t.served_on.as_deref())
            )));
            b.push(Paragraph::text(text.to_string()));
            b.push(Paragraph::text(
                "请你局自收到本提请复议书之日起3日内作出立案或者不予立案的决定，并书面通知本机关。",
            ));
        }
        DocKind::ReconsiderationDecision => {
            b.push(Paragraph::text(format!(
                "你单位于{}移送的{}（{}）一案，本局于{}决定不予立案。你单位提请复议后，本局依法进行了复议。",
                date_zh(t.sent_on.as_deref()),
                t.title,
                t.code,
                date_zh(t.decided_on.as_deref())
            )));
            b.push(Paragraph::text("经复议，本局认为："));
            b.push(Paragraph::text(text.to_string()));
            b.push(Paragraph::text(
                "根据《行政执法机关移送涉嫌犯罪案件的规定》第九条，本局决定维持不予立案的决定。",
            ));
            b.push(Paragraph::text(
                "你单位对本复议决定仍有异议的，可以自接到本决定书之日起3日内，建议同级人民检察院依法进行立案监督。",
            ));
        }
        DocKind::ResultFeedback => {
            b.push(Paragraph::text(format!(
                "你局于{}移交本局的{}（{}）一案，本局已于{}依法作出处理决定。根据《关于建立协调会商机制强化知识产权保护工作的实施方案》二(三)，现将处理结果函告如下：",
                date_zh(t.sent_on.as_deref()),
                t.title,
                t.code,
                date_zh(t.decided_on.as_deref())
            )));
            b.push(Paragraph::heading1("一、处理决定"));
            b.push(Paragraph::text(t.decision.clone().unwrap_or_default()));
            b.push(Paragraph::heading1("二、处理结果"));
            b.push(Paragraph::text(text.to_string()));
            b.push(Paragraph::text("特此函告。"));
        }
        DocKind::HandBackLetter => {
            b.push(Paragraph::text(format!(
                "本局于{}对直接受理的{}（{}）一案审查后认为，该案不构成犯罪，但需要依法给予行政处罚。根据《关于建立协调会商机制强化知识产权保护工作的实施方案》二(三)，现将案件材料和依法扣押的涉案财物一并移交你局，请依法处理，并在作出处理决定之日起10日内将处理结果书面反馈本局。",
                date_zh(t.police_decided_on.as_deref()),
                t.title,
                t.code
            )));
            b.push(Paragraph::heading1("一、案件情况"));
            b.push(Paragraph::text(t.facts.clone()));
            b.push(Paragraph::heading1("二、依法扣押的涉案财物清单"));
            b.extend(items_paragraphs(items));
            b.push(Paragraph::heading1("三、随附案件材料"));
            b.push(Paragraph::text(if evidence.is_empty() {
                "无。".to_string()
            } else {
                format!("{}。", evidence.join("；"))
            }));
        }
    }
    b
}

/// Draft, number, render and store one document of the transfer; returns its number.
pub async fn issue(
    ctx: &Ctx,
    tx: &mut Tx,
    who: &Who,
    kind: DocKind,
    t: &Transfer,
    text: &str,
) -> AppResult<String> {
    let items = super::store::items(&mut **tx, t.id).await?;
    let evidence: Vec<String> = super::store::attachments(&mut **tx, t.id)
        .await?
        .into_iter()
        .filter(|a| !a.is_withheld())
        .map(|a| format!("{}《{}》", a.kind_label(), a.filename))
        .collect();
    let (issuer_id, issuer, addressee) = if kind.issued_by_sender() {
        (t.from_unit_id, &t.from_unit_name, &t.to_unit_name)
    } else {
        (t.to_unit_id, &t.to_unit_name, &t.from_unit_name)
    };
    let number =
        crate::numbering::document_number(tx, issuer_id, kind.series(), issuer, who.today())
            .await?;
    let doc = OfficialDocument {
        issuer: issuer.clone(),
        joint_issuers: Vec::new(),
        number: number.clone(),
        mark: None,
        title: kind.title().to_string(),
        addressee: addressee.clone(),
        body: body(kind, t, &items, &evidence, text),
        attachments: Vec::new(),
        signature: issuer.clone(),
        date: who.today(),
        copy_to: t.procuratorate_unit_name.iter().cloned().collect(),
        // The handler who prepared it, also when the head's approval issues it.
        contact: Some(format!(
            "（经办人：{}）",
            Who::person(t.pending_by.as_deref().unwrap_or(&who.name))
        )),
    };
    let pdf = ctx.render_pdf(doc).await?;
    let sha = crate::domain::hex(&Sha256::digest(&pdf));
    sqlx::query(
        "INSERT INTO transfer_documents (transfer_id, kind, number, title, issuer_unit_id, issued_at, sha256, pdf) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(t.id)
    .bind(kind.code())
    .bind(&number)
    .bind(kind.title())
    .bind(issuer_id)
    .bind(who.at_text())
    .bind(&sha)
    .bind(pdf)
    .execute(&mut **tx)
    .await?;
    crate::audit::record(
        tx,
        who,
        crate::audit::Entry::new("transfer.document", "transfer")
            .object(t.id, Some(issuer_id))
            .summary(json!({"kind": kind.code(), "number": number, "sha256": sha})),
    )
    .await?;
    Ok(number)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transfer() -> Transfer {
        Transfer {
            id: 1,
            code: "移2026-0001".into(),
            direction: "to_police".into(),
            situation: "penalised_later".into(),
            title: "某公司销售假冒白酒案".into(),
            facts: "销售假冒白酒120箱。".into(),
            suspects: "某公司".into(),
            amount_fen: Some(25_600_050),
            penalty_number: Some("信市监罚〔2026〕12号".into()),
            from_unit_id: 2,
            from_unit_name: "信阳市市场监督管理局".into(),
            to_unit_id: 3,
            to_unit_name: "信阳市公安局".into(),
            procuratorate_unit_id: None,
            procuratorate_unit_name: None,
            case_id: None,
            state: "draft".into(),
            police_decided_on: None,
            sent_on: Some("2026-11-02".into()),
            received_on: None,
            decided_on: None,
            decision: None,
            served_on: Some("2026-11-05".into()),
            late_exception: None,
            refused: 0,
            reconsideration: None,
            supervision: None,
            withheld: 0,
            secrecy_basis: None,
            service_recorded: 0,
            items_handed_over_on: None,
            items_handover_note: None,
            pending_step: None,
            pending_from: None,
            pending_text: None,
            pending_by: None,
            overdue: 0,
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    fn all_text(p: &[Paragraph]) -> String {
        p.iter()
            .map(|p| p.text.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn transfer_letter_states_basis_items_and_evidence() {
        let items = vec![ItemRow {
            name: "假冒白酒".into(),
            quantity: "120".into(),
            unit: "箱".into(),
            storage: "罚没物品仓库".into(),
        }];
        let text = all_text(&body(
            DocKind::TransferLetter,
            &transfer(),
            &items,
            &["调查报告《报告.pdf》".into()],
            "",
        ));
        assert!(text.contains("信市监罚〔2026〕12号"));
        assert!(text.contains("假冒白酒，120箱，存放于罚没物品仓库"));
        assert!(text.contains("调查报告《报告.pdf》"));
        assert!(text.contains("256,000.50 元"));
    }

    #[test]
    fn non_filing_notice_carries_reasons_and_the_remedy() {
        let text = all_text(&body(
            DocKind::NonFilingNotice,
            &transfer(),
            &[],
            &[],
            "未达到立案追诉标准",
        ));
        assert!(text.contains("未达到立案追诉标准"));
        assert!(text.contains("3日内"));
        assert!(text.contains("退回"));
    }

    #[test]
    fn reconsideration_decision_upholds_with_reasons_and_the_remedy() {
        let t = Transfer {
            decided_on: Some("2026-11-04".into()),
            ..transfer()
        };
        let text = all_text(&body(
            DocKind::ReconsiderationDecision,
            &t,
            &[],
            &[],
            "涉案金额未达立案追诉标准",
        ));
        assert!(text.contains("2026年11月2日移送"), "{text}");
        assert!(text.contains("于2026年11月4日决定不予立案"), "{text}");
        assert!(text.contains("涉案金额未达立案追诉标准"));
        assert!(text.contains("维持不予立案的决定"));
        assert!(text.contains("第九条"));
        assert!(text.contains("3日内，建议同级人民检察院"));
        assert_eq!(DocKind::ReconsiderationDecision.title(), "复议决定书");
        assert!(!DocKind::ReconsiderationDecision.issued_by_sender());
    }

    #[test]
    fn result_feedback_states_decision_and_result() {
        let t = Transfer {
            direction: "hand_back".into(),
            decided_on: Some("2026-11-20".into()),
            decision: Some("罚款5万元，没收假冒商品".into()),
            ..transfer()
        };
        let text = all_text(&body(
            DocKind::ResultFeedback,
            &t,
            &[],
            &[],
            "罚款已缴纳，假冒商品已销毁",
        ));
        assert!(
            text.contains("已于2026年11月20日依法作出处理决定"),
            "{text}"
        );
        assert!(text.contains("罚款5万元，没收假冒商品"));
        assert!(text.contains("罚款已缴纳，假冒商品已销毁"));
        assert!(text.contains("二(三)"));
        assert_eq!(DocKind::ResultFeedback.title(), "处理结果反馈函");
        // On a hand-back the receiving unit (market regulation) writes back to the police.
        assert!(!DocKind::ResultFeedback.issued_by_sender());
    }

    #[test]
    fn hand_back_with_no_seizure_says_so() {
        let text = all_text(&body(DocKind::HandBackLetter, &transfer(), &[], &[], ""));
        assert!(text.contains("无依法扣押的涉案财物"));
        assert!(text.contains("10日内"));
    }
}

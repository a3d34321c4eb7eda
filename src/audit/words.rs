//! The audit trail in the words of the people who read it: 「孙经办 登录」, 「王主任 签发公文稿
//! #12」, not `auth.sign_in user #6`. The stored codes stay as they are (the chain hashes them,
//! and the search and the export filter on them); only the page says them in Chinese.

/// What an action code says, in the words of a 审计日志; None for a code this table does not
/// know (the page then shows the code).
pub fn action(code: &str) -> Option<&'static str> {
    Some(match code {
        "activity.attach" => "上传活动材料、照片",
        "activity.record" => "登记宣传培训活动",
        "activity.update" => "修改宣传培训活动",
        "activity.withdraw" => "撤销宣传培训活动",
        "audit.export" => "导出审计日志",
        "auth.account_locked" => "账号被锁定",
        "auth.sign_in" => "登录",
        "auth.sign_in_failed" => "登录失败",
        "auth.sign_in_refused_locked" => "登录被拒绝（账号锁定中）",
        "auth.sign_out" => "退出登录",
        "auth.sign_in_refused" => "统一身份认证登录被拒绝",
        "auth.identity_linked" => "关联统一身份认证账号",
        "auth.identity_unlinked" => "解除统一身份认证账号关联",
        "user.create_external" => "经统一身份认证首次登录创建账号",
        "calendar.save_year" => "保存节假日安排",
        "assessment.adjust" => "调整考核得分",
        "assessment.approve" => "审定考核结果",
        "assessment.compute" => "计算考核结果并征求意见",
        "assessment.create" => "设立年度绩效考核",
        "assessment.issue" => "通报考核结果",
        "assessment.object" => "对考核结果提出异议",
        "assessment.rectify" => "责令限期整改",
        "direct_report.approve" => "审核通过直报数据",
        "direct_report.change_set" => "修改直报数据集",
        "direct_report.close_period" => "关闭直报统计期",
        "direct_report.define_set" => "设立直报数据集",
        "direct_report.except" => "准予直报数据例外修改",
        "direct_report.open_period" => "开启直报统计期",
        "direct_report.save" => "暂存直报数据",
        "direct_report.send_back" => "退回直报数据",
        "direct_report.submit" => "报送直报数据",
        "export.download" => "下载导出文件",
        "export.start" => "导出办理时限明细",
        "typical_case.circulate" => "通报典型案例",
        "typical_case.draft" => "编写典型案例",
        "typical_case.publish" => "公开典型案例",
        "typical_case.sign" => "签发典型案例",
        "typical_case.unpublish" => "撤下典型案例",
        "campaign.conclude" => "结束专项行动",
        "campaign.launch" => "发起专项行动",
        "campaign.report_save" => "暂存专项行动工作情况",
        "campaign.report_send_back" => "退回专项行动工作情况",
        "campaign.report_submit" => "报送专项行动工作情况",
        "case.approve" => "批准督办",
        "case.archive" => "归档",
        "case.attach" => "上传案件材料",
        "case.circulate" => "通报办理结果",
        "case.conclude" => "报告办结",
        "case.coordinate" => "协调督办",
        "case.issue_letter" => "发出督办函",
        "case.judicial_status" => "更新司法程序状态",
        "case.propose" => "提请督办",
        "case.register" => "登记线索",
        "case.reject" => "不予督办",
        "case.report_closure" => "反馈办理结果",
        "case.report_progress" => "报告进展",
        "case.request_progress" => "函询进展",
        "case.start" => "确定主办、协办单位",
        "documents.issuers" => "修改发文机关设置",
        "circular.draft" => "起草通报",
        "circular.read" => "确认已阅",
        "circular.sign" => "签发通报",
        "composition.decide" => "审批成员变更",
        "composition.file" => "备案联络员变更",
        "composition.request" => "报告成员变更",
        "deadline.extend" => "延长期限",
        "deadline.met" => "期限内办结",
        "deadline.open" => "开始计时",
        "deadline.recompute" => "重新计算届满日",
        "deadline.restart" => "重新计时",
        "deadline.resume" => "恢复计时",
        "deadline.scheduler_pass" => "期限巡检",
        "deadline.suspend" => "中止计时",
        "deadline.waive" => "免除期限",
        "draft.pass" => "核稿通过",
        "draft.resubmit" => "重新提交公文稿",
        "draft.return" => "退回公文稿",
        "draft.sign" => "签发公文",
        "draft.submit" => "提交公文稿",
        "drafting.settings" => "修改核稿设置",
        "enterprise.match" => "关联企业诚信档案",
        "enterprise.person_lookup" => "查询个人诚信档案",
        "inspection.plan" => "安排督导检查",
        "inspection.report" => "提交检查报告",
        "joint_action.record" => "登记联合执法行动",
        "joint_action.withdraw" => "撤销联合执法行动",
        "linkage_meeting.create" => "记录联席会议",
        "linkage_meeting.item_done" => "报告议定事项办结",
        "linkage_request.answer" => "答复协查请求",
        "linkage_request.create" => "发出协查请求",
        "linkage_request.escalate" => "提请上一级",
        "listing.propose" => "告知拟列入严重违法失信名单",
        "listing.step" => "办理严重违法失信名单",
        "meeting.decide" => "决定会议",
        "meeting.propose" => "提出会议建议",
        "meeting.record_held" => "记录会议情况",
        "meeting.sign" => "签发会议纪要",
        "notification.read" => "阅读通知",
        "objection.answer" => "答复异议",
        "objection.submit" => "提出异议",
        "penalty.record" => "登记行政处罚决定",
        "penalty.settings" => "设定信用公示期限",
        "penalty.step" => "办理行政处罚信息公示",
        "plan.import" => "导入工作计划",
        "plan.upload" => "上传工作计划",
        "public_report.add" => "举报人补充材料",
        "public_report.claim_reward" => "申领举报奖励",
        "public_report.convert" => "将举报投诉转为线索、任务或移送",
        "public_report.settings" => "设定举报投诉办理期限",
        "public_report.step" => "办理举报投诉",
        "public_report.submit" => "受理群众举报投诉",
        "public_report.view_identity" => "查阅举报人身份信息",
        "report.forward" => "报告组长、副组长",
        "report.open_round" => "发起报送",
        "report.submit" => "报送信息",
        "role.grant" => "授予角色",
        "role.revoke" => "撤销角色",
        "secrecy.view" => "查阅涉密材料",
        "task.attach" => "上传任务材料",
        "task.create" => "交办任务",
        "task.step" => "办理任务",
        "todo.remind" => "催办",
        "token.issue" => "签发接口令牌",
        "token.revoke" => "吊销接口令牌",
        "transfer.accept_refusal" => "接受不予立案决定",
        "transfer.attach" => "上传移送材料",
        "transfer.create" => "登记移送案件",
        "transfer.document" => "出具文书",
        "transfer.file" => "立案",
        "transfer.grant_exception" => "准予逾期补正",
        "transfer.hand_over_items" => "移交涉案物品",
        "transfer.propose" => "提请审批移送",
        "transfer.receive" => "签收移送案件",
        "transfer.reconsider_uphold" => "复议维持",
        "transfer.record_decision" => "记录处理决定",
        "transfer.record_service" => "记录送达",
        "transfer.refuse" => "不予立案",
        "transfer.report_result" => "反馈处理结果",
        "transfer.request_reconsideration" => "提请复议",
        "transfer.return" => "退回移送",
        "transfer.send" => "移送",
        "transfer.suggest_supervision" => "建议立案监督",
        "transfer.supervision" => "立案监督",
        "transfer.withdraw" => "撤回移送",
        "unit.activate" => "启用单位",
        "unit.create" => "新增单位",
        "unit.deactivate" => "停用单位",
        "unit.update" => "修改单位",
        "user.activate" => "启用账号",
        "user.change_password" => "修改密码",
        "user.create" => "新增用户",
        "user.deactivate" => "停用账号",
        "user.reset_password" => "重置密码",
        "user.unlock" => "解除锁定",
        "user.update" => "修改用户",
        _ => return None,
    })
}

/// What an object type is called; None for one this table does not know.
pub fn object(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "activity" => "宣传培训活动",
        "assessment" => "年度绩效考核",
        "dr_period" => "直报统计期",
        "dr_return" => "直报数据",
        "dr_set" => "直报数据集",
        "export" => "导出文件",
        "typical_case" => "典型案例",
        "api_token" => "接口令牌",
        "audit" => "审计日志",
        "campaign" => "专项行动",
        "campaign_report" => "专项行动工作情况",
        "case" => "案件",
        "circular" => "通报",
        "composition_change" => "成员变更",
        "deadline" => "期限",
        "draft" => "公文稿",
        "holiday_year" => "节假日安排",
        "inspection" => "督导检查",
        "joint_action" => "联合执法行动",
        "linkage_meeting" => "联席会议",
        "linkage_request" => "协查请求",
        "listing" => "严重违法失信名单",
        "meeting" => "会议",
        "notification" => "通知",
        "objection" => "异议",
        "penalty" => "行政处罚决定",
        "person" => "个人诚信档案",
        "plan" => "工作计划",
        "report" => "报告",
        "report_round" => "报送轮次",
        "session" => "会话",
        "task" => "任务",
        "todo" => "待办事项",
        "transfer" => "移送案件",
        "unit" => "单位",
        "user" => "用户",
        _ => return None,
    })
}

/// The record's act as a sentence's predicate: 「登录」, 「签发公文稿 #12」; an unknown code
/// as it is stored.
pub fn described(action_code: &str, object_type: &str, object_id: Option<&str>) -> String {
    let what = action(action_code).map_or_else(|| action_code.to_string(), str::to_string);
    let on = object(object_type).unwrap_or(object_type);
    match object_id {
        // Signing in names the account, which the actor already is.
        Some(_) if action_code.starts_with("auth.") => what,
        Some(id) => format!("{what}（{on} {id}）"),
        None => what,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acts_read_as_words() {
        assert_eq!(described("auth.sign_in", "user", Some("6")), "登录");
        assert_eq!(
            described("draft.sign", "draft", Some("12")),
            "签发公文（公文稿 12）"
        );
        assert_eq!(
            described("calendar.save_year", "holiday_year", None),
            "保存节假日安排"
        );
        assert_eq!(described("x.y", "thing", Some("1")), "x.y（thing 1）");
    }

    /// Every action the code records has its words: the codes are the string literals of the
    /// form `area.act` in the sources that name an audit area.
    #[test]
    fn every_recorded_action_has_its_words() {
        let mut missing = Vec::new();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut stack = vec![root];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "rs") || path.ends_with("words.rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                for piece in text.split('"').skip(1).step_by(2) {
                    let Some((area, act)) = piece.split_once('.') else {
                        continue;
                    };
                    let known_area = [
                        "activity",
                        "assessment",
                        "audit",
                        "auth",
                        "calendar",
                        "campaign",
                        "case",
                        "circular",
                        "composition",
                        "deadline",
                        "direct_report",
                        "documents",
                        "draft",
                        "drafting",
                        "enterprise",
                        "export",
                        "inspection",
                        "joint_action",
                        "linkage_meeting",
                        "linkage_request",
                        "listing",
                        "meeting",
                        "notification",
                        "objection",
                        "penalty",
                        "plan",
                        "public_report",
                        "report",
                        "role",
                        "secrecy",
                        "task",
                        "typical_case",
                        "todo",
                        "token",
                        "transfer",
                        "unit",
                        "user",
                    ]
                    .contains(&area);
                    let code_like =
                        !act.is_empty() && act.chars().all(|c| c.is_ascii_lowercase() || c == '_');
                    if known_area && code_like && act != "html" && action(piece).is_none() {
                        missing.push(format!("{piece} ({})", path.display()));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "actions without words: {missing:#?}");
    }
}

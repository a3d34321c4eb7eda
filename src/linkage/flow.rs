//! The transfer procedure of seed 004 二(一)–(三) as a state machine: which step may be taken,
//! by whom, from which state, and the periods that bind each side. Pure: no I/O.
//!
//! Two directions share one record: an administrative organ (market regulation and the other
//! member units that enforce) transfers a suspected crime to the police (004 二(一)–(二)), and
//! the police hand a case that is not criminal but deserves a penalty back to market regulation
//! (004 二(三)).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::access::Role;
use crate::calendar::{Calendar, CalendarError, Period};

/// Which way the case travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// 行政执法机关 → 公安机关 (004 二(一)).
    ToPolice,
    /// 公安机关 → 市场监管部门 (004 二(三)).
    HandBack,
}

impl Direction {
    pub fn code(self) -> &'static str {
        match self {
            Direction::ToPolice => "to_police",
            Direction::HandBack => "hand_back",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Direction::ToPolice => "移送公安机关",
            Direction::HandBack => "公安机关移交",
        }
    }
    pub fn parse(code: &str) -> Option<Direction> {
        [Direction::ToPolice, Direction::HandBack]
            .into_iter()
            .find(|d| d.code() == code)
    }
}

/// Where a transfer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferState {
    /// 材料准备中: registered, the package is being assembled; nothing has left the unit.
    Draft,
    /// 待负责人审批: a handler proposed a step that takes effect only on the organ head's
    /// approval (the transfer itself, 国务院令第310号第五条; the police's filing decisions).
    AwaitingHead,
    /// 已移送: sent, waiting for the receiving unit to sign for it.
    Sent,
    /// 审查中: the police signed for it and review it (004 二(二)).
    UnderReview,
    /// 已立案.
    Filed,
    /// 不予立案: refused with reasons; the transferring unit may ask for reconsideration or
    /// suggest filing supervision within 3 days of the notice.
    Refused,
    /// 复议中.
    Reconsidering,
    /// 复议维持不予立案: the transferring unit may still suggest filing supervision.
    Upheld,
    /// 立案监督中: the procuratorate was asked to supervise the filing.
    Supervising,
    /// 不予立案（终结）: the refusal stands.
    NotFiled,
    /// 已接收: market regulation signed for a hand-back (004 二(三)).
    Received,
    /// 已作出处理决定: market regulation decided; its written result is due in 10 days.
    Decided,
    /// 已书面反馈: the result went back to the police.
    Reported,
}

impl TransferState {
    pub const ALL: [TransferState; 13] = [
        TransferState::Draft,
        TransferState::AwaitingHead,
        TransferState::Sent,
        TransferState::UnderReview,
        TransferState::Filed,
        TransferState::Refused,
        TransferState::Reconsidering,
        TransferState::Upheld,
        TransferState::Supervising,
        TransferState::NotFiled,
        TransferState::Received,
        TransferState::Decided,
        TransferState::Reported,
    ];

    pub fn code(self) -> &'static str {
        match self {
            TransferState::Draft => "draft",
            TransferState::AwaitingHead => "awaiting_head",
            TransferState::Sent => "sent",
            TransferState::UnderReview => "under_review",
            TransferState::Filed => "filed",
            TransferState::Refused => "refused",
            TransferState::Reconsidering => "reconsidering",
            TransferState::Upheld => "upheld",
            TransferState::Supervising => "supervising",
            TransferState::NotFiled => "not_filed",
            TransferState::Received => "received",
            TransferState::Decided => "decided",
            TransferState::Reported => "reported",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TransferState::Draft => "材料准备中",
            TransferState::AwaitingHead => "待负责人审批",
            TransferState::Sent => "已移送待签收",
            TransferState::UnderReview => "审查中",
            TransferState::Filed => "已立案",
            TransferState::Refused => "不予立案",
            TransferState::Reconsidering => "复议中",
            TransferState::Upheld => "复议维持不予立案",
            TransferState::Supervising => "立案监督中",
            TransferState::NotFiled => "不予立案（终结）",
            TransferState::Received => "已接收",
            TransferState::Decided => "已作出处理决定",
            TransferState::Reported => "已书面反馈",
        }
    }

    pub fn parse(code: &str) -> Option<TransferState> {
        TransferState::ALL.into_iter().find(|s| s.code() == code)
    }

    /// No further step of the procedure is expected.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            TransferState::Filed | TransferState::NotFiled | TransferState::Reported
        )
    }
}

/// A step of the procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = TransferStepCode)]
pub enum Step {
    /// Add evidence or case materials (with their SHA-256).
    Attach,
    /// Send the package (移送 / 移交): the transfer or hand-back letter is issued.
    Send,
    /// The receiving unit signs for it.
    Receive,
    /// 004 二(二): the police file the case …
    File,
    /// … or refuse, with written reasons, returning the file.
    Refuse,
    /// 004 二(二): the transferring unit asks the police to reconsider (within 3 days).
    RequestReconsideration,
    /// 004 二(二): the transferring unit suggests procuratorate filing supervision.
    SuggestSupervision,
    /// The police decide the reconsideration: file …
    ReconsiderFile,
    /// … or uphold the refusal.
    ReconsiderUphold,
    /// The procuratorate's supervision ends with the police filing the case …
    SupervisionFiled,
    /// … or with the refusal's reasons found sound.
    SupervisionSustained,
    /// The transferring unit accepts the refusal; the case ends.
    AcceptRefusal,
    /// The office lets a request in after the 3-day window closed, with reasons.
    GrantException,
    /// 004 二(三): market regulation records its decision on a hand-back.
    RecordDecision,
    /// 004 二(三): … and reports the result to the police in writing.
    ReportResult,
    /// 004 二(二): the transferring unit records the day it received the non-filing notice
    /// (or the reconsideration decision); its 3-day window runs from that day.
    RecordService,
    /// 国务院令第310号第十二条: after the filing notice, the transferring unit hands the items
    /// involved and the other materials over to the police within 3 days.
    HandOverItems,
    /// The organ head approves the step a handler proposed: it takes effect now.
    Approve,
    /// The organ head returns it (for a transfer: does not approve it), with reasons on record.
    Return,
    /// The handlers withdraw their proposal before the head decides.
    Withdraw,
}

impl Step {
    pub const ALL: [Step; 20] = [
        Step::Attach,
        Step::Send,
        Step::Receive,
        Step::File,
        Step::Refuse,
        Step::RequestReconsideration,
        Step::SuggestSupervision,
        Step::ReconsiderFile,
        Step::ReconsiderUphold,
        Step::SupervisionFiled,
        Step::SupervisionSustained,
        Step::AcceptRefusal,
        Step::GrantException,
        Step::RecordDecision,
        Step::ReportResult,
        Step::RecordService,
        Step::HandOverItems,
        Step::Approve,
        Step::Return,
        Step::Withdraw,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Step::Attach => "attach",
            Step::Send => "send",
            Step::Receive => "receive",
            Step::File => "file",
            Step::Refuse => "refuse",
            Step::RequestReconsideration => "request_reconsideration",
            Step::SuggestSupervision => "suggest_supervision",
            Step::ReconsiderFile => "reconsider_file",
            Step::ReconsiderUphold => "reconsider_uphold",
            Step::SupervisionFiled => "supervision_filed",
            Step::SupervisionSustained => "supervision_sustained",
            Step::AcceptRefusal => "accept_refusal",
            Step::GrantException => "grant_exception",
            Step::RecordDecision => "record_decision",
            Step::ReportResult => "report_result",
            Step::RecordService => "record_service",
            Step::HandOverItems => "hand_over_items",
            Step::Approve => "approve",
            Step::Return => "return",
            Step::Withdraw => "withdraw",
        }
    }

    pub fn parse(code: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.code() == code.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Step::Attach => "上传材料",
            Step::Send => "移送",
            Step::Receive => "签收",
            Step::File => "决定立案",
            Step::Refuse => "决定不予立案",
            Step::RequestReconsideration => "提请复议",
            Step::SuggestSupervision => "建议检察院立案监督",
            Step::ReconsiderFile => "复议决定立案",
            Step::ReconsiderUphold => "复议维持不予立案",
            Step::SupervisionFiled => "监督后公安机关立案",
            Step::SupervisionSustained => "不立案理由成立",
            Step::AcceptRefusal => "接受不予立案决定",
            Step::GrantException => "准予逾期提出",
            Step::RecordDecision => "作出处理决定",
            Step::ReportResult => "书面反馈处理结果",
            Step::RecordService => "登记送达日期",
            Step::HandOverItems => "移交涉案物品",
            Step::Approve => "负责人批准",
            Step::Return => "负责人退回",
            Step::Withdraw => "撤回提请",
        }
    }
}

/// How the actor stands to the transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Standing {
    /// The actor's unit sent (or is preparing) the transfer.
    pub sender: bool,
    /// The actor's unit is the receiving unit.
    pub receiver: bool,
    /// The actor's unit is the procuratorate asked to supervise the filing.
    pub procuratorate: bool,
    /// The actor is in the group office whose region the transfer belongs to.
    pub office: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("移送案件当前处于“{state}”状态，不能{step}")]
    WrongState {
        state: &'static str,
        step: &'static str,
    },
    #[error("{0}不适用于{1}")]
    WrongDirection(&'static str, &'static str),
    #[error("您没有{0}的权限")]
    NotEntitled(&'static str),
    #[error(
        "提请复议或建议立案监督的期限已于{closed_on}届满（接到通知之日起3日内）；如确有正当理由，请由双打办登记例外情形"
    )]
    WindowClosed { closed_on: NaiveDate },
    #[error("提请期限尚未届满（{closes_on}止），无需登记例外情形")]
    WindowStillOpen { closes_on: NaiveDate },
    #[error("{0}已经办理，不能重复办理")]
    AlreadyDone(&'static str),
    #[error(
        "按通知书作出日期计算的提请期限已于{closed_on}届满，不能再自行登记送达日期；如确系送达在后，请由双打办登记例外情形"
    )]
    ServiceAfterWindow { closed_on: NaiveDate },
}

fn unit_role(roles: &[Role]) -> bool {
    roles
        .iter()
        .any(|r| matches!(r, Role::UnitLiaison | Role::UnitHandler))
}

fn office_role(roles: &[Role]) -> bool {
    roles.iter().any(|r| r.is_office())
}

/// A step a handler proposed, waiting for the organ head: what it is and the state it was
/// proposed from (where a return leads back to).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pending {
    pub step: Step,
    pub from: TransferState,
}

/// The steps that take effect only on the approval of the organ's head: the transfer to the
/// police (国务院令第310号第五条: "报经本机关正职负责人或者主持工作的负责人审批"), and the
/// police's decisions to file or not to file, first and on reconsideration, which the head of
/// the police organ approves before the notice is issued. A handler's step proposes; the
/// head's step (or approval of the proposal) decides.
pub fn needs_head(direction: Direction, step: Step) -> bool {
    match step {
        Step::Send => direction == Direction::ToPolice,
        Step::File | Step::Refuse | Step::ReconsiderFile | Step::ReconsiderUphold => true,
        _ => false,
    }
}

/// What a proposal asks, as the head reads it: "移送公安机关", "决定不予立案".
pub fn proposal_label(step: Step) -> &'static str {
    if step == Step::Send {
        Direction::ToPolice.label()
    } else {
        step.label()
    }
}

fn head_role(roles: &[Role]) -> bool {
    roles.contains(&Role::UnitHead)
}

/// The side whose head approves a proposed step: the sender's for the transfer, the police's
/// for their decisions.
fn heads_side(step: Step, standing: Standing) -> bool {
    if step == Step::Send {
        standing.sender
    } else {
        standing.receiver
    }
}

/// The rule for each step when no step waits for the head (see [`check_with`]).
pub fn check(
    direction: Direction,
    state: TransferState,
    step: Step,
    roles: &[Role],
    standing: Standing,
) -> Result<TransferState, Refusal> {
    check_with(direction, state, step, roles, standing, None)
}

/// The rule for each step: the direction and states it applies to, where it leads, and who
/// may take it. The office supervises and may admit a late request, but records no decision
/// of either side. A step that needs the head ([`needs_head`]) taken by a handler leads to
/// [`TransferState::AwaitingHead`]; the head approves it (or takes it again) or returns it.
pub fn check_with(
    direction: Direction,
    state: TransferState,
    step: Step,
    roles: &[Role],
    standing: Standing,
    pending: Option<Pending>,
) -> Result<TransferState, Refusal> {
    use Direction::*;
    use TransferState::*;
    if state == AwaitingHead && step != Step::Attach {
        let wrong = || Refusal::WrongState {
            state: state.label(),
            step: step.label(),
        };
        let p = pending.ok_or_else(wrong)?;
        if step == Step::Withdraw {
            // The handlers of the proposing side take their proposal back.
            if !(unit_role(roles) && heads_side(p.step, standing)) {
                return Err(Refusal::NotEntitled(step.label()));
            }
            return Ok(p.from);
        }
        let decides = step == Step::Approve || step == Step::Return || step == p.step;
        if !decides {
            return Err(wrong());
        }
        if !(head_role(roles) && heads_side(p.step, standing)) {
            return Err(Refusal::NotEntitled(step.label()));
        }
        if step == Step::Return {
            return Ok(p.from);
        }
        return check_with(direction, p.from, p.step, roles, standing, None);
    }
    let dir_ok = match step {
        Step::Attach | Step::Send | Step::Receive => true,
        Step::RecordDecision | Step::ReportResult => direction == HandBack,
        _ => direction == ToPolice,
    };
    if !dir_ok {
        return Err(Refusal::WrongDirection(step.label(), direction.label()));
    }
    let (from, to): (&[TransferState], TransferState) = match step {
        Step::Attach => (
            &[
                Draft,
                AwaitingHead,
                Sent,
                UnderReview,
                Refused,
                Reconsidering,
                Upheld,
                Supervising,
                Received,
                Decided,
            ],
            state,
        ),
        Step::Send => (&[Draft], Sent),
        Step::Receive => (
            &[Sent],
            if direction == ToPolice {
                UnderReview
            } else {
                Received
            },
        ),
        Step::File => (&[UnderReview], Filed),
        Step::Refuse => (&[UnderReview], Refused),
        Step::RequestReconsideration => (&[Refused], Reconsidering),
        Step::SuggestSupervision => (&[Refused, Upheld], Supervising),
        Step::ReconsiderFile => (&[Reconsidering], Filed),
        Step::ReconsiderUphold => (&[Reconsidering], Upheld),
        Step::SupervisionFiled => (&[Supervising], Filed),
        Step::SupervisionSustained => (&[Supervising], NotFiled),
        Step::AcceptRefusal => (&[Refused, Upheld], NotFiled),
        Step::GrantException => (&[Refused, Upheld], state),
        Step::RecordDecision => (&[Received], Decided),
        Step::ReportResult => (&[Decided], Reported),
        Step::RecordService => (&[Refused, Upheld], state),
        Step::HandOverItems => (&[Filed], state),
        // Only on a proposal (above).
        Step::Approve | Step::Return | Step::Withdraw => (&[], state),
    };
    let unit = unit_role(roles);
    let entitled = match step {
        Step::Attach => (standing.sender || standing.receiver) && unit,
        Step::Send if needs_head(direction, step) => standing.sender && (unit || head_role(roles)),
        Step::File | Step::Refuse | Step::ReconsiderFile | Step::ReconsiderUphold => {
            standing.receiver && (unit || head_role(roles))
        }
        Step::Approve | Step::Return => head_role(roles) && (standing.sender || standing.receiver),
        Step::Withdraw => (standing.sender || standing.receiver) && unit,
        Step::Send
        | Step::RequestReconsideration
        | Step::SuggestSupervision
        | Step::AcceptRefusal
        | Step::RecordService
        | Step::HandOverItems => standing.sender && unit,
        Step::Receive | Step::RecordDecision | Step::ReportResult => standing.receiver && unit,
        Step::SupervisionFiled | Step::SupervisionSustained => {
            standing.procuratorate && roles.contains(&Role::ProcuratorateSupervisor)
        }
        Step::GrantException => standing.office && office_role(roles),
    };
    if !entitled {
        return Err(Refusal::NotEntitled(step.label()));
    }
    if !from.contains(&state) {
        return Err(Refusal::WrongState {
            state: state.label(),
            step: step.label(),
        });
    }
    if needs_head(direction, step) && !head_role(roles) {
        return Ok(AwaitingHead);
    }
    Ok(to)
}

/// What the record says was already done of the steps that are taken once in a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Done {
    /// The service date of the current notice was recorded.
    pub service_recorded: bool,
    /// The items were handed over after filing.
    pub items_handed_over: bool,
}

/// A step taken once: the service date of one notice, the hand-over after filing.
pub fn check_once(step: Step, done: Done) -> Result<(), Refusal> {
    let repeated = match step {
        Step::RecordService => done.service_recorded,
        Step::HandOverItems => done.items_handed_over,
        _ => false,
    };
    if repeated {
        Err(Refusal::AlreadyDone(step.label()))
    } else {
        Ok(())
    }
}

/// The steps `roles` with `standing` may take now (the transfer page's forms).
pub fn available(
    direction: Direction,
    state: TransferState,
    roles: &[Role],
    standing: Standing,
    done: Done,
    pending: Option<Pending>,
) -> Vec<Step> {
    Step::ALL
        .into_iter()
        // A proposal is decided by approving or returning it, not by taking it again.
        .filter(|s| state != TransferState::AwaitingHead || !needs_head(direction, *s))
        .filter(|s| {
            check_with(direction, state, *s, roles, standing, pending).is_ok()
                && check_once(*s, done).is_ok()
        })
        .collect()
}

/// The periods of the procedure. The seed fixes the 3-day request window and the two 10-day
/// periods of the hand-back; where it says only "及时", the national regulation on transferring
/// suspected crimes (国务院令第310号) sets the defaults, which an office may configure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Periods {
    /// 310号令 art. 8: the police review a transfer within 3 days of receipt.
    pub review_days: u32,
    /// 310号令 art. 9: the police decide a reconsideration within 3 days.
    pub reconsider_days: u32,
    /// 310号令 art. 12: the items involved are handed over within 3 days of the filing notice.
    pub handover_days: u32,
    /// 310号令 art. 5: the organ's head decides on a transfer within 3 days of the report.
    pub approval_days: u32,
}

impl Default for Periods {
    fn default() -> Self {
        Periods {
            review_days: 3,
            reconsider_days: 3,
            handover_days: 3,
            approval_days: 3,
        }
    }
}

/// 004 二(二): "自接到不予立案通知书后3日内".
pub const REQUEST_DAYS: u32 = 3;
/// 004 二(三): the police hand the case over within 10 days of their decision …
pub const HANDBACK_DAYS: u32 = 10;
/// … and market regulation reports its result within 10 days of its own decision.
pub const FEEDBACK_DAYS: u32 = 10;

pub const REVIEW_CLAUSE: &str = "004 二(二)；国务院令第310号第八条";
pub const REQUEST_CLAUSE: &str = "004 二(二)（提请复议或建议立案监督）";
pub const RECONSIDER_CLAUSE: &str = "国务院令第310号第九条（复议决定）";
pub const SUPERVISION_WINDOW_CLAUSE: &str = "国务院令第310号第九条（复议后建议立案监督）";
pub const HANDBACK_CLAUSE: &str = "004 二(三)（移交市场监管部门）";
pub const FEEDBACK_CLAUSE: &str = "004 二(三)（书面反馈处理结果）";
pub const HANDOVER_CLAUSE: &str = "国务院令第310号第十二条（移交涉案物品）";
pub const APPROVAL_CLAUSE: &str = "国务院令第310号第五条（负责人审批移送）";

impl Periods {
    pub fn review(&self) -> Period {
        Period::Days(self.review_days)
    }
    pub fn reconsider(&self) -> Period {
        Period::Days(self.reconsider_days)
    }
    pub fn handover(&self) -> Period {
        Period::Days(self.handover_days)
    }
    pub fn approval(&self) -> Period {
        Period::Days(self.approval_days)
    }
}

/// The window for asking reconsideration or suggesting supervision: 3 calendar days from the
/// day after the notice was received; an end on a rest day or holiday moves to the next
/// working day (DOMAIN.md §6).
pub fn request_window_closes(
    cal: &Calendar,
    served_on: NaiveDate,
) -> Result<NaiveDate, CalendarError> {
    cal.due_date(served_on, Period::Days(REQUEST_DAYS))
}

/// Whether a request made on `today` is in time; a late one needs the office's recorded
/// exception.
pub fn check_window(
    closes_on: NaiveDate,
    today: NaiveDate,
    exception: bool,
) -> Result<(), Refusal> {
    if today <= closes_on || exception {
        Ok(())
    } else {
        Err(Refusal::WindowClosed {
            closed_on: closes_on,
        })
    }
}

/// The transferring unit records the service date while the window counted from the notice is
/// still open: its own word moves the window only then. After it closed, a later service is
/// the office's to admit, with reasons (`check_exception`).
pub fn check_service(closes_on: NaiveDate, today: NaiveDate) -> Result<(), Refusal> {
    if today <= closes_on {
        Ok(())
    } else {
        Err(Refusal::ServiceAfterWindow {
            closed_on: closes_on,
        })
    }
}

/// The office records an exception only once the window has closed.
pub fn check_exception(closes_on: NaiveDate, today: NaiveDate) -> Result<(), Refusal> {
    if today > closes_on {
        Ok(())
    } else {
        Err(Refusal::WindowStillOpen { closes_on })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Direction::*;
    use TransferState::*;

    const UNIT: &[Role] = &[Role::UnitHandler];
    const PROC: &[Role] = &[Role::ProcuratorateSupervisor];
    const OFFICE: &[Role] = &[Role::OfficeStaff];

    fn sender() -> Standing {
        Standing {
            sender: true,
            ..Standing::default()
        }
    }
    fn receiver() -> Standing {
        Standing {
            receiver: true,
            ..Standing::default()
        }
    }
    fn procuratorate() -> Standing {
        Standing {
            procuratorate: true,
            ..Standing::default()
        }
    }
    fn office() -> Standing {
        Standing {
            office: true,
            ..Standing::default()
        }
    }

    const HEAD: &[Role] = &[Role::UnitHead];

    /// Walk `path`; a handler's step that needs the head is approved by the head of the same
    /// side before the next.
    fn run(dir: Direction, path: &[(Step, &[Role], Standing)]) -> TransferState {
        let mut s = Draft;
        for (step, roles, st) in path {
            let next = check(dir, s, *step, roles, *st)
                .unwrap_or_else(|e| panic!("{step:?} from {s:?}: {e}"));
            s = if next == AwaitingHead {
                let pending = Some(Pending {
                    step: *step,
                    from: s,
                });
                check_with(dir, next, Step::Approve, HEAD, *st, pending)
                    .unwrap_or_else(|e| panic!("approving {step:?}: {e}"))
            } else {
                next
            };
        }
        s
    }

    /// 国务院令第310号第五条: a transfer to the police is reported by the handlers and decided
    /// by the organ's head; the police's filing decisions, first and on reconsideration, are
    /// approved by the head of the police organ before they take effect. The head of the other
    /// side, the office and the handlers themselves cannot approve.
    #[test]
    fn the_organ_head_decides_what_the_handlers_propose() {
        for (state, step, side) in [
            (Draft, Step::Send, sender()),
            (UnderReview, Step::File, receiver()),
            (UnderReview, Step::Refuse, receiver()),
            (Reconsidering, Step::ReconsiderFile, receiver()),
            (Reconsidering, Step::ReconsiderUphold, receiver()),
        ] {
            assert!(needs_head(ToPolice, step), "{step:?}");
            let target = check(ToPolice, state, step, HEAD, side).expect("the head decides");
            assert_ne!(target, AwaitingHead);
            // A handler's step only proposes; the handlers may take it back, the head not.
            assert_eq!(check(ToPolice, state, step, UNIT, side), Ok(AwaitingHead));
            let p = Some(Pending { step, from: state });
            assert_eq!(
                check_with(ToPolice, AwaitingHead, Step::Withdraw, UNIT, side, p),
                Ok(state)
            );
            let other_side = if side.sender { receiver() } else { sender() };
            assert!(
                check_with(ToPolice, AwaitingHead, Step::Withdraw, UNIT, other_side, p).is_err()
            );
            assert!(check_with(ToPolice, AwaitingHead, Step::Withdraw, HEAD, side, p).is_err());
            // The head of the proposing side approves (or takes the step) or returns it.
            assert_eq!(
                check_with(ToPolice, AwaitingHead, Step::Approve, HEAD, side, p),
                Ok(target)
            );
            assert_eq!(
                check_with(ToPolice, AwaitingHead, step, HEAD, side, p),
                Ok(target)
            );
            assert_eq!(
                check_with(ToPolice, AwaitingHead, Step::Return, HEAD, side, p),
                Ok(state)
            );
            // Nobody else does.
            let other = if side.sender { receiver() } else { sender() };
            for (roles, standing) in [
                (UNIT, side),
                (HEAD, other),
                (OFFICE, office()),
                (&[Role::UnitLiaison][..], side),
            ] {
                for act in [Step::Approve, Step::Return, step] {
                    assert!(
                        check_with(ToPolice, AwaitingHead, act, roles, standing, p).is_err(),
                        "{act:?} by {roles:?}"
                    );
                }
            }
            // While it waits, no other step of the procedure moves the record.
            for other_step in Step::ALL.into_iter().filter(|x| {
                ![
                    Step::Approve,
                    Step::Return,
                    Step::Attach,
                    Step::Withdraw,
                    step,
                ]
                .contains(x)
            }) {
                assert!(
                    check_with(ToPolice, AwaitingHead, other_step, HEAD, side, p).is_err(),
                    "{other_step:?}"
                );
            }
            // The head's page offers approving and returning, not the raw step again.
            assert_eq!(
                available(ToPolice, AwaitingHead, HEAD, side, Done::default(), p),
                vec![Step::Approve, Step::Return]
            );
        }
        // A hand-back needs no approval here, and the head has nothing to approve without a
        // proposal.
        assert!(!needs_head(HandBack, Step::Send));
        assert_eq!(check(HandBack, Draft, Step::Send, UNIT, sender()), Ok(Sent));
        assert!(check(ToPolice, AwaitingHead, Step::Approve, HEAD, sender()).is_err());
        assert!(check(ToPolice, Draft, Step::Approve, HEAD, sender()).is_err());
    }

    #[test]
    fn filed_on_review() {
        let end = run(
            ToPolice,
            &[
                (Step::Attach, UNIT, sender()),
                (Step::Send, UNIT, sender()),
                (Step::Receive, UNIT, receiver()),
                (Step::File, UNIT, receiver()),
            ],
        );
        assert_eq!(end, Filed);
        assert!(end.is_final());
    }

    #[test]
    fn refused_reconsidered_then_filed() {
        let end = run(
            ToPolice,
            &[
                (Step::Send, UNIT, sender()),
                (Step::Receive, UNIT, receiver()),
                (Step::Refuse, UNIT, receiver()),
                (Step::RequestReconsideration, UNIT, sender()),
                (Step::ReconsiderFile, UNIT, receiver()),
            ],
        );
        assert_eq!(end, Filed);
    }

    #[test]
    fn upheld_then_supervision_either_way() {
        let upheld = run(
            ToPolice,
            &[
                (Step::Send, UNIT, sender()),
                (Step::Receive, UNIT, receiver()),
                (Step::Refuse, UNIT, receiver()),
                (Step::RequestReconsideration, UNIT, sender()),
                (Step::ReconsiderUphold, UNIT, receiver()),
            ],
        );
        assert_eq!(upheld, Upheld);
        let sup = check(ToPolice, upheld, Step::SuggestSupervision, UNIT, sender()).expect("ok");
        assert_eq!(sup, Supervising);
        assert_eq!(
            check(ToPolice, sup, Step::SupervisionFiled, PROC, procuratorate()),
            Ok(Filed)
        );
        assert_eq!(
            check(
                ToPolice,
                sup,
                Step::SupervisionSustained,
                PROC,
                procuratorate()
            ),
            Ok(NotFiled)
        );
        // Supervision straight after the refusal, without reconsideration (004 二(二) "也可以").
        assert_eq!(
            check(ToPolice, Refused, Step::SuggestSupervision, UNIT, sender()),
            Ok(Supervising)
        );
        assert_eq!(
            check(ToPolice, Refused, Step::AcceptRefusal, UNIT, sender()),
            Ok(NotFiled)
        );
    }

    #[test]
    fn hand_back_path() {
        let end = run(
            HandBack,
            &[
                (Step::Attach, UNIT, sender()),
                (Step::Send, UNIT, sender()),
                (Step::Receive, UNIT, receiver()),
                (Step::RecordDecision, UNIT, receiver()),
                (Step::ReportResult, UNIT, receiver()),
            ],
        );
        assert_eq!(end, Reported);
    }

    #[test]
    fn each_side_keeps_to_its_own_acts() {
        // The sender cannot decide on filing; the receiver cannot ask to reconsider its own
        // decision; the office and the procuratorate record no filing decision.
        assert_eq!(
            check(ToPolice, UnderReview, Step::File, UNIT, sender()),
            Err(Refusal::NotEntitled("决定立案"))
        );
        assert!(
            check(
                ToPolice,
                Refused,
                Step::RequestReconsideration,
                UNIT,
                receiver()
            )
            .is_err()
        );
        assert!(check(ToPolice, UnderReview, Step::File, OFFICE, office()).is_err());
        assert!(
            check(
                ToPolice,
                Supervising,
                Step::SupervisionFiled,
                UNIT,
                sender()
            )
            .is_err()
        );
        assert!(
            check(
                ToPolice,
                Supervising,
                Step::SupervisionFiled,
                PROC,
                sender()
            )
            .is_err()
        );
        // A procuratorate not asked has no standing.
        assert!(
            check(
                ToPolice,
                Supervising,
                Step::SupervisionFiled,
                PROC,
                Standing::default()
            )
            .is_err()
        );
        assert_eq!(
            check(ToPolice, Refused, Step::GrantException, OFFICE, office()),
            Ok(Refused)
        );
        assert!(check(ToPolice, Refused, Step::GrantException, UNIT, sender()).is_err());
    }

    #[test]
    fn wrong_state_and_direction_are_named() {
        let e = check(ToPolice, Sent, Step::File, UNIT, receiver()).expect_err("refused");
        assert_eq!(
            e.to_string(),
            "移送案件当前处于“已移送待签收”状态，不能决定立案"
        );
        let e = check(HandBack, UnderReview, Step::File, UNIT, receiver()).expect_err("refused");
        assert!(matches!(e, Refusal::WrongDirection(..)));
        assert!(check(ToPolice, Received, Step::RecordDecision, UNIT, receiver()).is_err());
        // Nothing is attached once a transfer has ended.
        for s in [Filed, NotFiled, Reported] {
            assert!(check(ToPolice, s, Step::Attach, UNIT, sender()).is_err());
        }
    }

    #[test]
    fn every_step_is_reachable_and_final_states_stay_final() {
        let everyone = Standing {
            sender: true,
            receiver: true,
            procuratorate: true,
            office: true,
        };
        let roles = &[
            Role::UnitHandler,
            Role::ProcuratorateSupervisor,
            Role::OfficeStaff,
            Role::UnitHead,
        ];
        let proposal = Some(Pending {
            step: Step::File,
            from: UnderReview,
        });
        for step in Step::ALL {
            let some = TransferState::ALL.into_iter().any(|s| {
                check_with(ToPolice, s, step, roles, everyone, proposal).is_ok()
                    || check(HandBack, s, step, roles, everyone).is_ok()
            });
            assert!(some, "{step:?} is never allowed");
        }
        // A final state leaves only the follow-up the law attaches to filing (the hand-over
        // of the items, 国务院令第310号第十二条), and nothing once that is done.
        let all_done = Done {
            service_recorded: true,
            items_handed_over: true,
        };
        for s in TransferState::ALL.into_iter().filter(|s| s.is_final()) {
            assert!(
                available(ToPolice, s, roles, everyone, all_done, None).is_empty(),
                "{s:?}"
            );
            assert!(
                available(HandBack, s, roles, everyone, all_done, None).is_empty(),
                "{s:?}"
            );
            let left = available(ToPolice, s, roles, everyone, Done::default(), None);
            assert!(
                left.is_empty() || left == [Step::HandOverItems],
                "{s:?}: {left:?}"
            );
        }
    }

    #[test]
    fn codes_round_trip() {
        for s in TransferState::ALL {
            assert_eq!(TransferState::parse(s.code()), Some(s));
        }
        for s in Step::ALL {
            assert_eq!(Step::parse(s.code()), Some(s));
        }
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn request_window_counts_calendar_days() {
        let cal = Calendar::shipped().expect("calendar");
        // Served on Monday 2026-03-02: the 3 days are 3, 4, 5 March; closes Thursday.
        assert_eq!(
            request_window_closes(&cal, d("2026-03-02")),
            Ok(d("2026-03-05"))
        );
        // Served Wednesday 2026-03-04: ends Saturday 7th, a rest day → Monday 9th.
        assert_eq!(
            request_window_closes(&cal, d("2026-03-04")),
            Ok(d("2026-03-09"))
        );
    }

    #[test]
    fn request_window_closes_over_a_holiday() {
        let cal = Calendar::shipped().expect("calendar");
        // Served on 2026-09-29: the third day, 2 October, falls in the National Day holiday,
        // so the window stays open until the first working day after it.
        let closes = request_window_closes(&cal, d("2026-09-29")).expect("known year");
        assert!(closes > d("2026-10-02"));
        assert!(cal.is_workday(closes).expect("known"));
        for day in d("2026-10-02").iter_days().take_while(|x| *x < closes) {
            assert!(!cal.is_workday(day).expect("known"), "{day}");
        }
        // On the holiday itself and on the day it closes a request is in time; the day after
        // it is refused with the closing date, unless the office recorded an exception.
        assert_eq!(check_window(closes, d("2026-10-05"), false), Ok(()));
        assert_eq!(check_window(closes, closes, false), Ok(()));
        let late = closes.succ_opt().expect("date");
        let e = check_window(closes, late, false).expect_err("late");
        assert!(e.to_string().contains(&closes.to_string()));
        assert_eq!(check_window(closes, late, true), Ok(()));
        assert!(check_exception(closes, closes).is_err());
        assert!(check_exception(closes, late).is_ok());
    }

    #[test]
    fn unknown_year_is_an_error_not_a_guess() {
        let cal = Calendar::shipped().expect("calendar");
        assert!(request_window_closes(&cal, d("2031-12-30")).is_err());
    }

    #[test]
    fn default_periods_follow_the_national_regulation() {
        let p = Periods::default();
        assert_eq!(p.review(), Period::Days(3));
        assert_eq!(p.reconsider(), Period::Days(3));
        assert_eq!(p.handover(), Period::Days(3));
        // 国务院令第310号第五条: "自接到报告之日起3日内作出批准移送或者不批准移送的决定".
        assert_eq!(p.approval(), Period::Days(3));
    }

    #[test]
    fn service_is_recorded_only_while_the_window_is_open() {
        let closes = NaiveDate::from_ymd_opt(2026, 12, 7).expect("date");
        assert_eq!(check_service(closes, closes), Ok(()));
        assert_eq!(
            check_service(closes, closes.succ_opt().expect("date")),
            Err(Refusal::ServiceAfterWindow { closed_on: closes })
        );
    }

    /// 国务院令第310号第十二条: after filing, the transferring unit hands the items over, once;
    /// 004 二(二): it records when a notice reached it, once per notice.
    #[test]
    fn handover_and_service_are_the_senders_and_taken_once() {
        assert_eq!(
            check(ToPolice, Filed, Step::HandOverItems, UNIT, sender()),
            Ok(Filed)
        );
        assert_eq!(
            check(ToPolice, Filed, Step::HandOverItems, UNIT, receiver()),
            Err(Refusal::NotEntitled("移交涉案物品"))
        );
        assert!(check(ToPolice, UnderReview, Step::HandOverItems, UNIT, sender()).is_err());
        assert!(check(HandBack, Filed, Step::HandOverItems, UNIT, sender()).is_err());
        for s in [Refused, Upheld] {
            assert_eq!(
                check(ToPolice, s, Step::RecordService, UNIT, sender()),
                Ok(s)
            );
            assert!(check(ToPolice, s, Step::RecordService, UNIT, receiver()).is_err());
        }
        assert!(check(ToPolice, Reconsidering, Step::RecordService, UNIT, sender()).is_err());
        let done = Done {
            service_recorded: true,
            items_handed_over: false,
        };
        assert_eq!(
            check_once(Step::RecordService, done),
            Err(Refusal::AlreadyDone("登记送达日期"))
        );
        assert_eq!(check_once(Step::HandOverItems, done), Ok(()));
        assert!(
            !available(ToPolice, Refused, UNIT, sender(), done, None)
                .contains(&Step::RecordService)
        );
        assert!(
            available(ToPolice, Filed, UNIT, sender(), Done::default(), None)
                .contains(&Step::HandOverItems)
        );
    }
}

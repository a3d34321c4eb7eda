//! The document chain (拟稿 → 核稿 → 签发 → 印发): a numbered official document is first a
//! draft — the step that will issue it, as submitted — which the office may have reviewed
//! (核稿) and which the one entitled signs (签发). Signing takes the step: the document is
//! numbered and issued at that act, never before, and a returned draft takes no number.
//!
//! 《党政机关公文处理工作条例》(2012) 第十九条: a draft is reviewed by the issuing organ's office
//! before signing; 第二十条: documents are signed by the organ's responsible person. The seeds
//! name the signers: the group's documents by its leader (001 §26), minutes by the chair
//! (001 §21; 003 三(一)); the office's own letters are the office director's to sign.
//!
//! The rules are here (pure); `store` reads and writes, `http` serves pages and API.

pub mod http;
pub mod store;

use crate::access::Role;
use crate::domain::coded_enum;

coded_enum! {
    /// The documents that go through the chain, each issued by one step of its record.
    Kind {
        SupervisionLetter = "supervision_letter", "督办公函";
        InspectionReport = "inspection_report", "督导检查报告";
        Circular = "circular", "领导小组通报、简报";
        CaseCircular = "case_circular", "案件查处结果通报";
        Minutes = "minutes", "会议纪要";
        TypicalCase = "typical_case", "典型案例";
    }
}

impl Kind {
    /// The record the document belongs to.
    pub fn record_type(self) -> &'static str {
        match self {
            Kind::SupervisionLetter | Kind::CaseCircular => "case",
            Kind::InspectionReport => "inspection",
            Kind::Circular => "circular",
            Kind::Minutes => "meeting",
            Kind::TypicalCase => "typical_case",
        }
    }

    /// The step of that record that issues it.
    pub fn step(self) -> &'static str {
        match self {
            Kind::SupervisionLetter => "issue_letter",
            Kind::InspectionReport => "report",
            Kind::Circular => "sign",
            Kind::CaseCircular => "circulate",
            Kind::Minutes => "sign_minutes",
            Kind::TypicalCase => "sign",
        }
    }

    /// The field of the step that holds the text the drafter writes, and what it is called.
    pub fn text_field(self) -> (&'static str, &'static str) {
        match self {
            Kind::SupervisionLetter => ("text", "其他需要说明的事项"),
            Kind::InspectionReport => ("report", "检查报告"),
            Kind::Circular => ("body", "正文"),
            Kind::CaseCircular => ("text", "通报内容"),
            Kind::Minutes => ("minutes", "会议情况"),
            Kind::TypicalCase => ("text", "案例正文"),
        }
    }

    /// The kind whose document `step` of `record_type` issues.
    pub fn of_step(record_type: &str, step: &str) -> Option<Kind> {
        Kind::ALL
            .iter()
            .copied()
            .find(|k| k.record_type() == record_type && k.step() == step)
    }
}

/// Who signs a document: the office director for the office's letters (000 §5) and its
/// inspection reports (003 三(四)) and for the liaison meeting's minutes (003 三(一)); the
/// group leader, or a deputy he authorises (who holds the role), for the group's circulars
/// and briefings (001 §26) and for the minutes of the meetings he chairs (001 §21). The record
/// decides (a meeting's kind names its chair), so the draft keeps the role it was drafted for.
///
/// The office director signs in his own office; the group's leaders sit in their own organs
/// and sign for the office of their region.
pub fn signs_in_region(role: Role) -> bool {
    role == Role::GroupLeader
}

/// Whether an actor with `roles`, of `unit` in `region`, holds `signer` for the office
/// `office` of `office_region`.
pub fn holds_signer(
    signer: Role,
    roles: &[Role],
    unit: i64,
    region: &str,
    office: i64,
    office_region: &str,
) -> bool {
    roles.contains(&signer)
        && if signs_in_region(signer) {
            region == office_region
        } else {
            unit == office
        }
}

coded_enum! {
    /// Where a draft stands.
    State {
        Reviewing = "reviewing", "待核稿";
        Signing = "signing", "待签发";
        Returned = "returned", "已退回修改";
        Signed = "signed", "已签发";
        Superseded = "superseded", "已另行拟稿";
    }
}

coded_enum! {
    /// What may be done to a draft.
    Act {
        Pass = "pass", "核稿通过";
        Return = "return", "退回修改";
        Sign = "sign", "签发";
        Resubmit = "resubmit", "修改后重新提交";
    }
}

/// How the actor stands to a draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Standing {
    /// The actor drafted it.
    pub drafter: bool,
    /// The actor is of the office whose document it is (may review it).
    pub office: bool,
    /// The actor holds the signer's role for the office (may sign it).
    pub signer: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("文稿当前为“{state}”，不能{act}")]
    WrongState {
        state: &'static str,
        act: &'static str,
    },
    #[error("核稿应由拟稿人以外的办公室人员进行")]
    OwnDraft,
    #[error("该文件由{0}签发")]
    NotSigner(&'static str),
    #[error("只有拟稿人可以修改后重新提交")]
    NotDrafter,
    #[error("您没有{0}的权限")]
    NotEntitled(&'static str),
}

/// The state a new draft starts in: under review where the office reviews its drafts before
/// signing (`review`), else waiting for the signature.
pub fn first_state(review: bool) -> State {
    if review {
        State::Reviewing
    } else {
        State::Signing
    }
}

/// The rule for each act: from which state, by whom, and where it leads.
pub fn check(
    signer: Role,
    state: State,
    act: Act,
    standing: Standing,
    review: bool,
) -> Result<State, Refusal> {
    let wrong = || Refusal::WrongState {
        state: state.label(),
        act: act.label(),
    };
    match act {
        Act::Pass => {
            if state != State::Reviewing {
                return Err(wrong());
            }
            if !standing.office {
                return Err(Refusal::NotEntitled(act.label()));
            }
            if standing.drafter {
                return Err(Refusal::OwnDraft);
            }
            Ok(State::Signing)
        }
        Act::Return => match state {
            State::Reviewing if standing.office && !standing.drafter => Ok(State::Returned),
            State::Reviewing if standing.drafter => Err(Refusal::OwnDraft),
            State::Signing if standing.signer => Ok(State::Returned),
            State::Signing => Err(Refusal::NotSigner(signer.label())),
            State::Reviewing => Err(Refusal::NotEntitled(act.label())),
            _ => Err(wrong()),
        },
        Act::Sign => {
            if state != State::Signing {
                return Err(wrong());
            }
            if !standing.signer {
                return Err(Refusal::NotSigner(signer.label()));
            }
            Ok(State::Signed)
        }
        Act::Resubmit => {
            if state != State::Returned {
                return Err(wrong());
            }
            if !standing.drafter {
                return Err(Refusal::NotDrafter);
            }
            Ok(first_state(review))
        }
    }
}

/// The acts `standing` may take on a draft in `state` (the draft page's forms).
pub fn available(signer: Role, state: State, standing: Standing, review: bool) -> Vec<Act> {
    [Act::Pass, Act::Sign, Act::Return, Act::Resubmit]
        .into_iter()
        .filter(|a| check(signer, state, *a, standing, review).is_ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_director_signs_in_his_office_and_the_leader_in_his_region() {
        let director = [Role::OfficeDirector];
        let leader = [Role::GroupLeader];
        // 000 §5: the office director of this office, not of another in the region.
        assert!(holds_signer(
            Role::OfficeDirector,
            &director,
            1,
            "411500",
            1,
            "411500"
        ));
        assert!(!holds_signer(
            Role::OfficeDirector,
            &director,
            2,
            "411500",
            1,
            "411500"
        ));
        // 001 §26: the leader sits in his own organ and signs for his region's office only.
        assert!(holds_signer(
            Role::GroupLeader,
            &leader,
            9,
            "411500",
            1,
            "411500"
        ));
        assert!(!holds_signer(
            Role::GroupLeader,
            &leader,
            9,
            "411521",
            1,
            "411500"
        ));
        assert!(!holds_signer(
            Role::GroupLeader,
            &director,
            1,
            "411500",
            1,
            "411500"
        ));
        assert!(!holds_signer(
            Role::OfficeDirector,
            &leader,
            1,
            "411500",
            1,
            "411500"
        ));
        assert_eq!(
            check(
                Role::GroupLeader,
                State::Signing,
                Act::Sign,
                Standing {
                    office: true,
                    ..Standing::default()
                },
                false
            ),
            Err(Refusal::NotSigner("组长/副组长"))
        );
    }

    const K: Role = Role::OfficeDirector;

    fn drafter() -> Standing {
        Standing {
            drafter: true,
            office: true,
            signer: false,
        }
    }
    fn reviewer() -> Standing {
        Standing {
            drafter: false,
            office: true,
            signer: false,
        }
    }
    fn director() -> Standing {
        Standing {
            drafter: false,
            office: true,
            signer: true,
        }
    }

    #[test]
    fn drafted_reviewed_signed() {
        let s = first_state(true);
        assert_eq!(s, State::Reviewing);
        let s = check(K, s, Act::Pass, reviewer(), true).expect("reviewed");
        assert_eq!(s, State::Signing);
        assert_eq!(check(K, s, Act::Sign, director(), true), Ok(State::Signed));
        // Without a review step the draft goes straight to the signer.
        assert_eq!(first_state(false), State::Signing);
    }

    #[test]
    fn only_the_entitled_sign_and_no_one_reviews_their_own_draft() {
        assert_eq!(
            check(K, State::Signing, Act::Sign, reviewer(), false),
            Err(Refusal::NotSigner("办公室主任/副主任"))
        );
        assert_eq!(
            check(K, State::Signing, Act::Sign, drafter(), false),
            Err(Refusal::NotSigner("办公室主任/副主任"))
        );
        assert_eq!(
            check(K, State::Reviewing, Act::Pass, drafter(), true),
            Err(Refusal::OwnDraft)
        );
        assert!(check(K, State::Reviewing, Act::Pass, Standing::default(), true).is_err());
        // A director who drafted his own letter may sign it; the chain still records both.
        let own = Standing {
            drafter: true,
            ..director()
        };
        assert_eq!(
            check(K, State::Signing, Act::Sign, own, false),
            Ok(State::Signed)
        );
        // A draft under review is not signed past the reviewer.
        assert!(check(K, State::Reviewing, Act::Sign, director(), true).is_err());
    }

    #[test]
    fn returned_drafts_go_back_to_the_drafter_and_signed_ones_are_final() {
        assert_eq!(
            check(K, State::Reviewing, Act::Return, reviewer(), true),
            Ok(State::Returned)
        );
        assert_eq!(
            check(K, State::Signing, Act::Return, director(), true),
            Ok(State::Returned)
        );
        assert!(check(K, State::Signing, Act::Return, reviewer(), true).is_err());
        assert_eq!(
            check(K, State::Returned, Act::Resubmit, drafter(), true),
            Ok(State::Reviewing)
        );
        assert_eq!(
            check(K, State::Returned, Act::Resubmit, drafter(), false),
            Ok(State::Signing)
        );
        assert_eq!(
            check(K, State::Returned, Act::Resubmit, director(), false),
            Err(Refusal::NotDrafter)
        );
        for act in [Act::Pass, Act::Return, Act::Sign, Act::Resubmit] {
            for who in [drafter(), reviewer(), director()] {
                assert!(check(K, State::Signed, act, who, true).is_err(), "{act:?}");
            }
        }
        assert_eq!(
            available(K, State::Signing, director(), false),
            vec![Act::Sign, Act::Return]
        );
        assert_eq!(
            available(K, State::Returned, drafter(), false),
            vec![Act::Resubmit]
        );
    }

    #[test]
    fn each_kind_names_its_step_and_signer() {
        assert_eq!(
            Kind::of_step("case", "issue_letter"),
            Some(Kind::SupervisionLetter)
        );
        assert_eq!(Kind::of_step("case", "archive"), None);
        assert_eq!(
            Kind::of_step("inspection", "report"),
            Some(Kind::InspectionReport)
        );
        assert_eq!(Kind::of_step("circular", "sign"), Some(Kind::Circular));
        assert_eq!(Kind::of_step("case", "circulate"), Some(Kind::CaseCircular));
        assert_eq!(
            Kind::of_step("meeting", "sign_minutes"),
            Some(Kind::Minutes)
        );
        assert_eq!(
            Kind::of_step("typical_case", "sign"),
            Some(Kind::TypicalCase)
        );
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.code()), Some(*k));
        }
    }
}

//! Informant rewards (有奖举报, seed 002 (七)1; the handling organ pays, 004 三(二)), with the
//! defaults of 《市场监管领域重大违法行为举报奖励暂行办法》(国市监稽规〔2021〕4号): who may be
//! rewarded, and the three tiers of the reward with their minimums and the cap per case. An
//! office may set its own figures (`[public_rewards]`, docs/configuration.md). Pure: no I/O.

// Amounts in fen are written with the fen apart (5_000_00 is 5,000 yuan).
#![allow(clippy::inconsistent_digit_grouping)]

use serde::{Deserialize, Serialize};

use crate::domain::coded_enum;
use crate::domain::money::Fen;

coded_enum! {
    /// The tier the handling organ proposes, by what the report gave (第十四条).
    Tier {
        First = "first", "一级";
        Second = "second", "二级";
        Third = "third", "三级";
    }
}

coded_enum! {
    /// Where a reward stands: proposed by the handling organ, approved by its head (jointly
    /// with the finance bureau above the office's figure) or refused, claimed by the reporter
    /// with the tracking number and password, paid at the counter (004 三(二)).
    RewardState {
        Proposed = "proposed", "已提出，待批准";
        Approved = "approved", "已批准，待举报人申领";
        Rejected = "rejected", "不予奖励";
        Claimed = "claimed", "举报人已申领，待发放";
        Paid = "paid", "已发放";
    }
}

impl RewardState {
    /// What the reporter's tracking page says.
    pub fn public_label(self) -> &'static str {
        match self {
            RewardState::Proposed => "承办单位正在审核举报奖励",
            RewardState::Approved => "经查属实，已批准给予举报奖励，可以申领",
            RewardState::Rejected => "经审核，不予举报奖励",
            RewardState::Claimed => "已申领举报奖励，请携带有效身份证件和查询编号到承办单位领取",
            RewardState::Paid => "举报奖励已发放",
        }
    }
}

/// The outcomes after which a report may be rewarded: the violation was established.
pub fn rewardable(outcome: super::flow::Outcome) -> bool {
    use super::flow::Outcome::*;
    matches!(outcome, Filed | Penalty | TransferredToPolice)
}

/// A tier's share of the fines and confiscations, and its minimum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierRule {
    /// Share in basis points (500 = 5 %).
    pub basis_points: u32,
    /// The least reward of the tier, in fen, also when there is no fine.
    pub minimum_fen: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RewardRules {
    pub first: TierRule,
    pub second: TierRule,
    pub third: TierRule,
    /// The most one case's rewards may come to, in fen (第十五条: 1,000,000 yuan).
    pub cap_fen: i64,
    /// Above this amount the reward is decided jointly with the finance bureau (the office's
    /// own figure; the rule leaves it to the local implementing measures).
    pub joint_decision_above_fen: i64,
}

impl Default for RewardRules {
    fn default() -> Self {
        RewardRules {
            first: TierRule {
                basis_points: 500,
                minimum_fen: 5_000_00,
            },
            second: TierRule {
                basis_points: 300,
                minimum_fen: 3_000_00,
            },
            third: TierRule {
                basis_points: 100,
                minimum_fen: 1_000_00,
            },
            cap_fen: 1_000_000_00,
            joint_decision_above_fen: 100_000_00,
        }
    }
}

impl RewardRules {
    pub fn tier(&self, t: Tier) -> TierRule {
        match t {
            Tier::First => self.first,
            Tier::Second => self.second,
            Tier::Third => self.third,
        }
    }

    /// The reward of `tier` on a case whose fines and confiscations came to `fines`: the
    /// tier's share (rounded to the fen, half up), at least its minimum, at most the cap less
    /// what the case's rewards already came to (`already`).
    pub fn amount(&self, tier: Tier, fines: Fen, already: Fen) -> Fen {
        let rule = self.tier(tier);
        let share = (i128::from(fines.as_i64()) * i128::from(rule.basis_points) + 5_000) / 10_000;
        let share = i64::try_from(share).unwrap_or(i64::MAX);
        let left = (self.cap_fen - already.as_i64()).max(0);
        let fen = share.max(rule.minimum_fen).min(left);
        Fen::from_fen(fen).unwrap_or(Fen::ZERO)
    }

    /// Whether a reward of `amount` is decided jointly with the finance bureau.
    pub fn needs_joint_decision(&self, amount: Fen) -> bool {
        amount.as_i64() > self.joint_decision_above_fen
    }
}

/// What the handling organ knows of the person claiming.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Claimant {
    pub natural_person: bool,
    /// Staff of an organ handling the matter, or with a legal duty to supervise or report it.
    pub organ_staff: bool,
    /// The infringed party, its agent or another interested party.
    pub infringed_party: bool,
    /// Took part in the violation.
    pub offender: bool,
    /// An insider (内部人员) of the offender who reports it.
    pub insider: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Exclusion {
    #[error("举报奖励只给予自然人")]
    NotNaturalPerson,
    #[error("承办机关工作人员或者负有监督、报告义务的人员举报的，不予奖励")]
    OrganStaff,
    #[error("被侵权方及其委托代理人或者利害关系人举报的，不予奖励")]
    InfringedParty,
    #[error("实施违法行为人举报的，不予奖励（内部人员举报的除外）")]
    Offender,
}

/// Whether `c` may be rewarded (第八条 as summarised in DOMAIN.md §5): a natural person, not
/// staff of the handling organs, not the infringed party or its agents, and not the offender —
/// except an insider who reports.
pub fn eligible(c: &Claimant) -> Result<(), Exclusion> {
    if !c.natural_person {
        return Err(Exclusion::NotNaturalPerson);
    }
    if c.organ_staff {
        return Err(Exclusion::OrganStaff);
    }
    if c.infringed_party {
        return Err(Exclusion::InfringedParty);
    }
    if c.offender && !c.insider {
        return Err(Exclusion::Offender);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yuan(y: i64) -> Fen {
        Fen::from_fen(y * 100).expect("amount")
    }

    #[test]
    fn each_tier_is_its_share_with_its_minimum() {
        let r = RewardRules::default();
        // 5 % / 3 % / 1 % of 1,000,000 yuan.
        assert_eq!(
            r.amount(Tier::First, yuan(1_000_000), Fen::ZERO),
            yuan(50_000)
        );
        assert_eq!(
            r.amount(Tier::Second, yuan(1_000_000), Fen::ZERO),
            yuan(30_000)
        );
        assert_eq!(
            r.amount(Tier::Third, yuan(1_000_000), Fen::ZERO),
            yuan(10_000)
        );
        // Below the minimum (and with no fine at all): 5,000 / 3,000 / 1,000 yuan.
        assert_eq!(r.amount(Tier::First, yuan(20_000), Fen::ZERO), yuan(5_000));
        assert_eq!(r.amount(Tier::Second, Fen::ZERO, Fen::ZERO), yuan(3_000));
        assert_eq!(r.amount(Tier::Third, yuan(99_999), Fen::ZERO), yuan(1_000));
        // Just above the minimum: the share, to the fen, half up (1 % of 100,000.50 yuan).
        let fines = Fen::from_fen(100_000_50).expect("amount");
        assert_eq!(
            r.amount(Tier::Third, fines, Fen::ZERO),
            Fen::from_fen(1_000_01).expect("amount")
        );
    }

    #[test]
    fn one_case_rewards_at_most_the_cap() {
        let r = RewardRules::default();
        // 5 % of 30,000,000 yuan would be 1,500,000.
        assert_eq!(
            r.amount(Tier::First, yuan(30_000_000), Fen::ZERO),
            yuan(1_000_000)
        );
        // What is left under the cap after earlier rewards on the same case.
        assert_eq!(
            r.amount(Tier::First, yuan(30_000_000), yuan(900_000)),
            yuan(100_000)
        );
        assert_eq!(r.amount(Tier::Third, yuan(10), yuan(1_000_000)), Fen::ZERO);
    }

    #[test]
    fn a_large_reward_is_decided_with_the_finance_bureau() {
        let r = RewardRules::default();
        assert!(!r.needs_joint_decision(yuan(100_000)));
        assert!(r.needs_joint_decision(Fen::from_fen(100_000_01).expect("amount")));
    }

    #[test]
    fn each_exclusion() {
        let person = Claimant {
            natural_person: true,
            ..Claimant::default()
        };
        assert_eq!(eligible(&person), Ok(()));
        assert_eq!(
            eligible(&Claimant::default()),
            Err(Exclusion::NotNaturalPerson)
        );
        assert_eq!(
            eligible(&Claimant {
                organ_staff: true,
                ..person
            }),
            Err(Exclusion::OrganStaff)
        );
        assert_eq!(
            eligible(&Claimant {
                infringed_party: true,
                ..person
            }),
            Err(Exclusion::InfringedParty)
        );
        assert_eq!(
            eligible(&Claimant {
                offender: true,
                ..person
            }),
            Err(Exclusion::Offender)
        );
        // An insider who reports is not excluded as an offender.
        assert_eq!(
            eligible(&Claimant {
                offender: true,
                insider: true,
                ..person
            }),
            Ok(())
        );
    }

    #[test]
    fn tier_codes_round_trip() {
        for t in Tier::ALL {
            assert_eq!(Tier::parse(t.code()), Some(*t));
        }
    }
}

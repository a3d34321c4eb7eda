//! The group's composition (001 §3–5; 003 一, 三(二)): the leader and deputies, and for each
//! member unit one responsible person and one liaison officer. A member unit reports a change
//! of its own people in writing, the office one of the leader or deputies; the group leader
//! (at county level the deputy county head who leads the county group, who holds the leader
//! role there) approves or rejects it, except a liaison officer's change, which the unit files
//! for the record with the office and which is in force at once (001 §23; 003 三(二)); the
//! previous holder's term ends the day the new one's begins, so past compositions stay visible.
//!
//! The rules are here (pure); `store` reads and writes, `http` serves pages and API.

pub mod http;
pub mod store;

use serde::{Deserialize, Serialize};

use crate::access::Role;
use crate::domain::{FieldErrors, Phone, coded_enum, text};

coded_enum! {
    Position {
        Leader = "leader", "组长";
        Deputy = "deputy", "副组长";
        Responsible = "responsible", "成员单位负责人";
        Liaison = "liaison", "联络员";
    }
}

impl Position {
    /// Positions held for a member unit (one each per unit), as against the group's own.
    pub fn of_unit(self) -> bool {
        matches!(self, Position::Responsible | Position::Liaison)
    }

    /// Whether a change waits for the group leader's approval. 001 §5 and 003 一 give the
    /// leader the group's own people and the units' responsible persons; a liaison officer is
    /// named by the unit itself (001 §23) and its change filed for the record (备案) with the
    /// office (003 三(二)): it takes effect when reported.
    pub fn needs_approval(self) -> bool {
        !matches!(self, Position::Liaison)
    }
}

/// Who may report a change of `position`: a member unit for its own people; the office for the
/// group's leader and deputies.
pub fn may_request(position: Position, roles: &[Role], own_unit: bool) -> bool {
    let unit = roles
        .iter()
        .any(|r| matches!(r, Role::UnitLiaison | Role::UnitHandler));
    let office = roles.iter().any(|r| r.is_office());
    if position.of_unit() {
        unit && own_unit
    } else {
        office
    }
}

/// 001 §5; 003 一: the group leader of that group approves.
pub fn may_decide(roles: &[Role], leads_the_group: bool) -> bool {
    roles.contains(&Role::GroupLeader) && leads_the_group
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeInput {
    /// leader, deputy, responsible, liaison
    #[serde(default)]
    pub position: String,
    #[serde(default)]
    pub person_name: String,
    #[serde(default)]
    pub post: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    /// The written reason for the change.
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub position: Position,
    pub person_name: String,
    pub post: Option<String>,
    pub phone: Option<String>,
    pub reason: String,
}

impl Change {
    pub fn parse(input: &ChangeInput) -> Result<Change, FieldErrors> {
        let mut e = FieldErrors::new();
        let position = Position::parse(&input.position);
        if position.is_none() {
            e.add("position", "invalid_choice", "请选择职务");
        }
        let name = e.take(text::required(
            "person_name",
            "姓名",
            &input.person_name,
            30,
        ));
        let post = e.take(text::optional("post", "职务", input.post.as_deref(), 60));
        let phone = match input.phone.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(p) => e
                .take(Phone::field("phone", p))
                .map(|p| Some(p.as_str().to_string())),
        };
        let reason = e.take(text::required_long(
            "reason",
            "变更理由",
            &input.reason,
            1000,
        ));
        match (position, name, post, phone, reason) {
            (Some(position), Some(person_name), Some(post), Some(phone), Some(reason))
                if e.is_empty() =>
            {
                Ok(Change {
                    position,
                    person_name,
                    post,
                    phone,
                    reason,
                })
            }
            _ => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn who_requests_and_who_decides() {
        let unit = &[Role::UnitLiaison];
        let office = &[Role::OfficeStaff];
        assert!(may_request(Position::Liaison, unit, true));
        assert!(
            !may_request(Position::Liaison, unit, false),
            "not another unit's people"
        );
        assert!(!may_request(Position::Deputy, unit, true));
        assert!(may_request(Position::Deputy, office, false));
        assert!(
            !may_request(Position::Responsible, office, false),
            "the unit reports its own"
        );
        assert!(may_decide(&[Role::GroupLeader], true));
        assert!(
            !may_decide(&[Role::GroupLeader], false),
            "another group's leader"
        );
        assert!(!may_decide(&[Role::OfficeDirector], true));
    }

    #[test]
    fn only_the_leaders_changes_wait_for_approval() {
        assert!(Position::Leader.needs_approval());
        assert!(Position::Deputy.needs_approval());
        assert!(Position::Responsible.needs_approval());
        assert!(!Position::Liaison.needs_approval(), "filed for the record");
    }

    #[test]
    fn a_change_is_reported_in_writing() {
        let e = Change::parse(&ChangeInput {
            position: "x".into(),
            phone: Some("12".into()),
            ..Default::default()
        })
        .expect_err("invalid");
        let f: Vec<&str> = e.0.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(f, ["position", "person_name", "phone", "reason"]);
        let c = Change::parse(&ChangeInput {
            position: "liaison".into(),
            person_name: "冯新".into(),
            phone: Some("0376-6221234".into()),
            reason: "原联络员调任".into(),
            ..Default::default()
        })
        .expect("valid");
        assert!(c.position.of_unit());
    }
}

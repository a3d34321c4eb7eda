//! Roles (DOMAIN.md §1) and the rules for granting them, including the separation of the three
//! administrators required by 等保 2.0 (GB/T 22239-2019 三员分立): the system, security and audit
//! administrators cannot hold each other's roles, and an administrator holds no business role,
//! so no one reads case content by virtue of administering the system.

use serde::{Deserialize, Serialize};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 组长 / 副组长
    GroupLeader,
    /// 办公室主任 / 副主任
    OfficeDirector,
    /// 办公室经办人
    OfficeStaff,
    /// 成员单位联络员
    UnitLiaison,
    /// 成员单位经办人
    UnitHandler,
    /// 单位负责人: the head of a member unit or police organ, who approves what the national
    /// rules put to the organ's head (国务院令第310号第五条; the police's filing decisions).
    UnitHead,
    /// 县（区）双打办工作人员
    CountyOfficeStaff,
    /// 检察院立案监督人员
    ProcuratorateSupervisor,
    /// 系统管理员
    SystemAdmin,
    /// 安全管理员
    SecurityAdmin,
    /// 审计管理员
    AuditAdmin,
}

impl Role {
    pub const ALL: [Role; 11] = [
        Role::GroupLeader,
        Role::OfficeDirector,
        Role::OfficeStaff,
        Role::UnitLiaison,
        Role::UnitHandler,
        Role::UnitHead,
        Role::CountyOfficeStaff,
        Role::ProcuratorateSupervisor,
        Role::SystemAdmin,
        Role::SecurityAdmin,
        Role::AuditAdmin,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::GroupLeader => "group_leader",
            Role::OfficeDirector => "office_director",
            Role::OfficeStaff => "office_staff",
            Role::UnitLiaison => "unit_liaison",
            Role::UnitHandler => "unit_handler",
            Role::UnitHead => "unit_head",
            Role::CountyOfficeStaff => "county_office_staff",
            Role::ProcuratorateSupervisor => "procuratorate_supervisor",
            Role::SystemAdmin => "system_admin",
            Role::SecurityAdmin => "security_admin",
            Role::AuditAdmin => "audit_admin",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::GroupLeader => "组长/副组长",
            Role::OfficeDirector => "办公室主任/副主任",
            Role::OfficeStaff => "办公室经办人",
            Role::UnitLiaison => "成员单位联络员",
            Role::UnitHandler => "成员单位经办人",
            Role::UnitHead => "单位负责人",
            Role::CountyOfficeStaff => "县（区）双打办工作人员",
            Role::ProcuratorateSupervisor => "检察院监督人员",
            Role::SystemAdmin => "系统管理员",
            Role::SecurityAdmin => "安全管理员",
            Role::AuditAdmin => "审计管理员",
        }
    }

    pub fn parse(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code.trim())
    }

    /// Staff of a city or county leading-group office, its director included.
    pub fn is_office(self) -> bool {
        matches!(
            self,
            Role::OfficeStaff | Role::OfficeDirector | Role::CountyOfficeStaff
        )
    }

    pub fn is_admin(self) -> bool {
        matches!(
            self,
            Role::SystemAdmin | Role::SecurityAdmin | Role::AuditAdmin
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantError {
    #[error("该用户已拥有“{0}”角色")]
    AlreadyHeld(&'static str),
    #[error("三员分立：{held}不能再兼任{wanted}")]
    AdminSeparation {
        held: &'static str,
        wanted: &'static str,
    },
    #[error("管理员账号不能拥有业务角色（{0}），以免因管理权限读取案件内容")]
    AdminWithBusiness(&'static str),
    #[error("不能给自己授予或撤销角色")]
    SelfGrant,
}

/// Whether `wanted` may be added to a user who holds `held`, granted by someone other than the
/// user (`self_grant` false).
pub fn check_grant(held: &[Role], wanted: Role, self_grant: bool) -> Result<(), GrantError> {
    if self_grant {
        return Err(GrantError::SelfGrant);
    }
    if held.contains(&wanted) {
        return Err(GrantError::AlreadyHeld(wanted.label()));
    }
    for &h in held {
        if h.is_admin() && wanted.is_admin() {
            return Err(GrantError::AdminSeparation {
                held: h.label(),
                wanted: wanted.label(),
            });
        }
        if h.is_admin() != wanted.is_admin() {
            let business = if h.is_admin() { wanted } else { h };
            return Err(GrantError::AdminWithBusiness(business.label()));
        }
    }
    Ok(())
}

/// Revoking is refused only for one's own roles (a security administrator cannot strip or
/// reshape their own account).
pub fn check_revoke(self_grant: bool) -> Result<(), GrantError> {
    if self_grant {
        Err(GrantError::SelfGrant)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.code()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn three_admins_are_separate() {
        let admins = [Role::SystemAdmin, Role::SecurityAdmin, Role::AuditAdmin];
        for a in admins {
            for b in admins {
                let r = check_grant(&[a], b, false);
                if a == b {
                    assert!(matches!(r, Err(GrantError::AlreadyHeld(_))));
                } else {
                    assert!(
                        matches!(r, Err(GrantError::AdminSeparation { .. })),
                        "{a:?}+{b:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn admins_hold_no_business_role_and_vice_versa() {
        for admin in Role::ALL.into_iter().filter(|r| r.is_admin()) {
            for business in Role::ALL.into_iter().filter(|r| !r.is_admin()) {
                assert!(matches!(
                    check_grant(&[admin], business, false),
                    Err(GrantError::AdminWithBusiness(_))
                ));
                assert!(matches!(
                    check_grant(&[business], admin, false),
                    Err(GrantError::AdminWithBusiness(_))
                ));
            }
        }
    }

    #[test]
    fn business_roles_combine() {
        assert!(check_grant(&[Role::OfficeStaff], Role::OfficeDirector, false).is_ok());
        assert!(check_grant(&[], Role::SystemAdmin, false).is_ok());
        assert_eq!(
            check_grant(&[], Role::OfficeStaff, true),
            Err(GrantError::SelfGrant)
        );
        assert_eq!(check_revoke(true), Err(GrantError::SelfGrant));
    }
}

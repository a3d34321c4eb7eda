//! The menu: each role sees its own work, grouped as the office speaks of it — 督办, 两法衔接,
//! 工作制度, 系统 (issue #20). A link is shown only when the role may read what it opens, and
//! not every permitted page belongs in every menu: a procurator reads units and users through
//! the cases that name them, not from 单位/用户; a liaison officer's audit trail is reached from
//! his unit's records, not the menu. Pure: the roles in, the groups out.

use crate::access::{Action, Actor, Resource, Role};

/// One group of links; `label` is `None` for the links that stand alone (待办, 通知).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub label: Option<&'static str>,
    pub links: Vec<(&'static str, &'static str)>,
}

/// The office's own roles (the city or county office and the group's leaders).
fn office(a: &Actor) -> bool {
    a.roles.iter().any(|r| {
        matches!(
            r,
            Role::GroupLeader | Role::OfficeDirector | Role::OfficeStaff | Role::CountyOfficeStaff
        )
    })
}

/// The menu of `a`, in order, without empty groups.
pub fn menu(a: &Actor) -> Vec<Group> {
    let admin = a.roles.iter().any(|r| r.is_admin());
    let business = a.roles.iter().any(|r| !r.is_admin());
    let office = office(a);
    let mut groups = vec![Group {
        label: None,
        links: vec![("待办", "/")],
    }];
    let mut add = |label: Option<&'static str>, links: Vec<(&'static str, &'static str, bool)>| {
        let links: Vec<_> = links
            .into_iter()
            .filter(|(_, _, shown)| *shown)
            .map(|(l, h, _)| (l, h))
            .collect();
        if !links.is_empty() {
            groups.push(Group { label, links });
        }
    };
    add(
        Some("督办"),
        vec![
            ("重大案件", "/cases", a.can(Resource::Case, Action::Read)),
            (
                "督促催办",
                "/waiting",
                a.can(Resource::Deadline, Action::Decide),
            ),
            (
                "期限",
                "/deadlines",
                business && a.can(Resource::Deadline, Action::Read),
            ),
            (
                "办理时限统计",
                "/statistics/clocks",
                business && a.can(Resource::Deadline, Action::Read),
            ),
            (
                "督办统计",
                "/statistics/cases",
                business && a.can(Resource::Case, Action::Read),
            ),
            (
                "任务统计",
                "/statistics/tasks",
                business && a.can(Resource::Task, Action::Read),
            ),
            (
                "报送统计",
                "/statistics/rounds",
                business && a.can(Resource::Report, Action::Read),
            ),
            (
                "本单位情况",
                "/statistics/mine",
                business && a.can(Resource::Deadline, Action::Read),
            ),
            (
                "举报投诉",
                "/public-reports",
                a.can(Resource::PublicReport, Action::Read),
            ),
            (
                "处罚公示",
                "/penalties",
                a.can(Resource::Penalty, Action::Read),
            ),
            (
                "企业诚信档案",
                "/enterprises",
                a.can(Resource::Case, Action::Read),
            ),
            (
                "个人诚信档案",
                "/persons",
                a.can(Resource::Case, Action::Read),
            ),
        ],
    );
    let linkage = a.can(Resource::Linkage, Action::Read);
    add(
        Some("两法衔接"),
        vec![
            ("案件移送", "/transfers", linkage),
            ("协作咨询", "/linkage/requests", linkage),
            ("联席会议", "/linkage/meetings", linkage),
            ("衔接统计", "/linkage/stats", linkage),
        ],
    );
    add(
        Some("工作制度"),
        vec![
            (
                "会议纪要",
                "/meetings",
                a.can(Resource::Meeting, Action::Read),
            ),
            ("督办任务", "/tasks", a.can(Resource::Task, Action::Read)),
            ("工作要点", "/plans", a.can(Resource::Task, Action::Read)),
            (
                "通报简报",
                "/circulars",
                a.can(Resource::Circular, Action::Read),
            ),
            (
                "督导检查",
                "/inspections",
                a.can(Resource::Inspection, Action::Read),
            ),
            (
                "信息报送",
                "/reports",
                a.can(Resource::Report, Action::Read),
            ),
            (
                "查办案件直报",
                "/direct-reports",
                a.can(Resource::Report, Action::Read),
            ),
            (
                "年度绩效考核",
                "/assessments",
                a.can(Resource::Report, Action::Read),
            ),
            (
                "专项行动",
                "/campaigns",
                a.can(Resource::Report, Action::Read),
            ),
            (
                "宣传培训",
                "/activities",
                a.can(Resource::Activity, Action::Read),
            ),
            (
                "典型案例",
                "/typical-cases",
                a.can(Resource::TypicalCase, Action::Read),
            ),
            (
                "小组组成",
                "/composition",
                business && a.can(Resource::Unit, Action::Read),
            ),
        ],
    );
    add(
        Some("系统"),
        vec![
            (
                "单位",
                "/units",
                (admin || office) && a.can(Resource::Unit, Action::Read),
            ),
            (
                "用户",
                "/users",
                (admin || office) && a.can(Resource::User, Action::Read),
            ),
            (
                "接口令牌",
                "/tokens",
                a.can(Resource::ApiToken, Action::Read),
            ),
            // Everyone may read the schedule (the clocks cite it); the menu is for those who
            // keep it or plan by it.
            (
                "节假日",
                "/calendar",
                a.can(Resource::Calendar, Action::Update) || office,
            ),
            (
                "审计日志",
                "/audit",
                a.can(Resource::Audit, Action::Read) && !a.has(Role::UnitLiaison),
            ),
            (
                "公文设置",
                "/drafting/settings",
                a.has(Role::OfficeDirector),
            ),
        ],
    );
    groups.push(Group {
        label: None,
        links: vec![("通知", "/notifications")],
    });
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::RegionCode;

    fn actor(roles: &[Role]) -> Actor {
        Actor {
            user_id: 1,
            username: "x".into(),
            display_name: "x".into(),
            unit_id: 1,
            unit_name: "x".into(),
            unit_region: RegionCode::parse("411500").expect("region"),
            roles: roles.to_vec(),
        }
    }

    fn hrefs(a: &Actor) -> Vec<&'static str> {
        menu(a)
            .into_iter()
            .flat_map(|g| g.links.into_iter().map(|(_, h)| h))
            .collect()
    }

    #[test]
    fn every_link_opens_something_the_role_may_read() {
        let needs = |href: &str| -> Option<(Resource, Action)> {
            Some(match href {
                "/cases" => (Resource::Case, Action::Read),
                "/waiting" => (Resource::Deadline, Action::Decide),
                "/deadlines" | "/statistics/clocks" | "/statistics/mine" => {
                    (Resource::Deadline, Action::Read)
                }
                "/statistics/tasks" => (Resource::Task, Action::Read),
                "/statistics/rounds" => (Resource::Report, Action::Read),
                "/activities" => (Resource::Activity, Action::Read),
                "/typical-cases" => (Resource::TypicalCase, Action::Read),
                "/transfers" | "/linkage/requests" | "/linkage/meetings" | "/linkage/stats" => {
                    (Resource::Linkage, Action::Read)
                }
                "/meetings" => (Resource::Meeting, Action::Read),
                "/tasks" | "/plans" => (Resource::Task, Action::Read),
                "/circulars" => (Resource::Circular, Action::Read),
                "/inspections" => (Resource::Inspection, Action::Read),
                "/reports" | "/direct-reports" | "/assessments" | "/campaigns" => {
                    (Resource::Report, Action::Read)
                }
                "/public-reports" => (Resource::PublicReport, Action::Read),
                "/penalties" => (Resource::Penalty, Action::Read),
                "/enterprises" | "/persons" | "/statistics/cases" => (Resource::Case, Action::Read),
                "/composition" | "/units" => (Resource::Unit, Action::Read),
                "/users" => (Resource::User, Action::Read),
                "/tokens" => (Resource::ApiToken, Action::Read),
                "/calendar" => (Resource::Calendar, Action::Read),
                "/audit" => (Resource::Audit, Action::Read),
                _ => return None,
            })
        };
        for role in Role::ALL {
            let a = actor(&[role]);
            for href in hrefs(&a) {
                if let Some((r, act)) = needs(href) {
                    assert!(a.can(r, act), "{role:?} is shown {href} it may not read");
                }
            }
        }
    }

    #[test]
    fn each_role_sees_the_menu_of_its_work() {
        // The procurator: cases and linkage, not the directory or the schedule.
        let p = hrefs(&actor(&[Role::ProcuratorateSupervisor]));
        for absent in ["/units", "/users", "/calendar", "/audit", "/tokens"] {
            assert!(!p.contains(&absent), "procurator sees {absent}");
        }
        assert!(p.contains(&"/transfers"));
        // A liaison officer: no audit log in the menu.
        let l = hrefs(&actor(&[Role::UnitLiaison]));
        assert!(!l.contains(&"/audit"));
        assert!(!l.contains(&"/units"));
        // The office sees the directory, the schedule and its region's audit trail.
        let d = hrefs(&actor(&[Role::OfficeDirector]));
        for present in [
            "/cases",
            "/units",
            "/users",
            "/calendar",
            "/audit",
            "/drafting/settings",
        ] {
            assert!(d.contains(&present), "director lacks {present}");
        }
        // The three administrators see their system work and no case work.
        for (role, own) in [
            (Role::SystemAdmin, "/calendar"),
            (Role::SecurityAdmin, "/tokens"),
            (Role::AuditAdmin, "/audit"),
        ] {
            let a = hrefs(&actor(&[role]));
            assert!(a.contains(&own), "{role:?} lacks {own}");
            for absent in [
                "/cases",
                "/transfers",
                "/meetings",
                "/deadlines",
                "/composition",
            ] {
                assert!(!a.contains(&absent), "{role:?} sees {absent}");
            }
        }
    }

    #[test]
    fn groups_come_in_the_offices_order_and_none_is_empty() {
        let labels: Vec<_> = menu(&actor(&[Role::OfficeDirector]))
            .into_iter()
            .map(|g| g.label)
            .collect();
        assert_eq!(
            labels,
            vec![
                None,
                Some("督办"),
                Some("两法衔接"),
                Some("工作制度"),
                Some("系统"),
                None
            ]
        );
        for role in Role::ALL {
            assert!(menu(&actor(&[role])).iter().all(|g| !g.links.is_empty()));
        }
    }
}

//! The permission matrix: for each role, resource and action, the widest scope allowed.
//! Anything not listed is refused.

use serde::Serialize;

use super::role::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    Unit,
    User,
    RoleGrant,
    ApiToken,
    Audit,
    /// The holiday schedule behind every legal period.
    Calendar,
    /// Deadline clocks.
    Deadline,
    /// Major cases under coordination and supervision (seed 000), from clue to archive.
    Case,
    /// Administrative–criminal linkage (seed 004): transfers both ways, assistance,
    /// consultation, joint meetings and their figures.
    Linkage,
    /// Supervised tasks of the group's working system (003 三(五); 001 §22).
    Task,
    /// The group's meetings and their minutes (001 §19–23; 003 三(一)).
    Meeting,
    /// Circulars and work briefings (003 三(三), 三(六); 001 §26).
    Circular,
    /// Supervisory inspections (003 三(四)).
    Inspection,
    /// Major-matter and periodic reports from units (001 §24–25; 003 三(三)).
    Report,
    /// Reports and complaints from the public (002 (七)1): the office routes, units handle.
    PublicReport,
    /// Penalty decisions and their disclosure (002 (七)2): the deciding organ records,
    /// reviews and publishes; the office reads its region's.
    Penalty,
    /// Training and publicity activities (002 (八); 004 一(四)–(五)): the office and the member
    /// units record what they organise, alone or jointly; the office reads its region's.
    Activity,
    /// Typical cases (002 (八)1 曝光典型案件; 003 三(六)): the office writes up a concluded
    /// case, a filed transfer or a published decision, redacted; read within scope.
    TypicalCase,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Read,
    Create,
    Update,
    /// Unlock an account locked after failed sign-ins.
    Unlock,
    Export,
    /// A decision reserved to those entitled: extend or waive a deadline.
    Decide,
}

impl Resource {
    pub const ALL: [Resource; 18] = [
        Resource::Unit,
        Resource::User,
        Resource::RoleGrant,
        Resource::ApiToken,
        Resource::Audit,
        Resource::Calendar,
        Resource::Deadline,
        Resource::Case,
        Resource::Linkage,
        Resource::Task,
        Resource::Meeting,
        Resource::Circular,
        Resource::Inspection,
        Resource::Report,
        Resource::PublicReport,
        Resource::Penalty,
        Resource::Activity,
        Resource::TypicalCase,
    ];
}

impl Action {
    pub const ALL: [Action; 6] = [
        Action::Read,
        Action::Create,
        Action::Update,
        Action::Unlock,
        Action::Export,
        Action::Decide,
    ];
}

/// How far a grant reaches, relative to the actor's own unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reach {
    /// Records the actor's unit is party to.
    OwnUnit,
    /// Records of any unit inside the actor's unit's region (a county office its county; the
    /// city office and group leaders their city).
    OwnRegion,
    /// Everything (administrators, for the resources they administer).
    All,
}

/// The matrix itself.
pub fn reach(role: Role, resource: Resource, action: Action) -> Option<Reach> {
    use Action::*;
    use Reach::*;
    use Resource::*;
    use Role::*;
    let region_roles = matches!(
        role,
        GroupLeader | OfficeDirector | OfficeStaff | CountyOfficeStaff
    );
    let unit_roles = matches!(
        role,
        UnitLiaison | UnitHandler | UnitHead | ProcuratorateSupervisor
    );
    match (resource, action) {
        // The directory of units and people: every business role within its scope; all three
        // administrators (to manage accounts, grant roles and filter the trail).
        (Unit | User, Read) if region_roles => Some(OwnRegion),
        (Unit | User, Read) if unit_roles => Some(OwnUnit),
        (Unit | User, Read) if role.is_admin() => Some(All),
        // Accounts and the organisation: the system administrator.
        (Unit | User, Create | Update) if role == SystemAdmin => Some(All),
        // Security: roles, unlocking accounts, integration tokens.
        (RoleGrant, Read | Create | Update) if role == SecurityAdmin => Some(All),
        (User, Unlock) if role == SecurityAdmin => Some(All),
        (ApiToken, Read | Create | Update) if role == SecurityAdmin => Some(All),
        // The audit trail: the audit administrator reads and exports all of it; the office
        // director and county office read their region's, a liaison officer their unit's.
        (Audit, Read | Export) if role == AuditAdmin => Some(All),
        (Audit, Read) if matches!(role, OfficeDirector | CountyOfficeStaff) => Some(OwnRegion),
        (Audit, Read) if role == UnitLiaison => Some(OwnUnit),
        // The calendar is read by everyone and maintained by the system administrator.
        (Calendar, Read) => Some(All),
        (Calendar, Create | Update) if role == SystemAdmin => Some(All),
        // Deadlines are case work: business roles only. The office suspends, resumes and
        // records completion; extending or waiving is a decision for the office director or
        // the group's leaders.
        (Deadline, Read) if region_roles => Some(OwnRegion),
        (Deadline, Read) if unit_roles => Some(OwnUnit),
        (Deadline, Update) if matches!(role, OfficeDirector | OfficeStaff | CountyOfficeStaff) => {
            Some(OwnRegion)
        }
        (Deadline, Decide) if matches!(role, OfficeDirector | GroupLeader) => Some(OwnRegion),
        // Cases: read within scope; registered by the office or, from its own work, by a member
        // unit. Each later step is a rule of the procedure (cases/flow.rs).
        (Case, Read) if region_roles => Some(OwnRegion),
        (Case, Read) if unit_roles => Some(OwnUnit),
        (Case, Create) if matches!(role, OfficeDirector | OfficeStaff | CountyOfficeStaff) => {
            Some(OwnRegion)
        }
        (Case, Create) if matches!(role, UnitLiaison | UnitHandler) => Some(OwnUnit),
        // Linkage: the office and leaders read their region's transfers, a unit (including the
        // procuratorate asked to supervise) what it is party to. Units transfer, ask and
        // answer; meetings are also convened by the office. Figures export within scope.
        (Linkage, Read | Export) if region_roles => Some(OwnRegion),
        (Linkage, Read | Export) if unit_roles => Some(OwnUnit),
        (Linkage, Create) if matches!(role, UnitLiaison | UnitHandler) => Some(OwnUnit),
        (Linkage, Create) if matches!(role, OfficeDirector | OfficeStaff | CountyOfficeStaff) => {
            Some(OwnRegion)
        }
        // Tasks: the office assigns and accepts; units see and work on the tasks they lead or
        // cooperate on.
        (Task, Read) if region_roles => Some(OwnRegion),
        (Task, Read) if unit_roles => Some(OwnUnit),
        (Task, Create) if matches!(role, OfficeDirector | OfficeStaff | CountyOfficeStaff) => {
            Some(OwnRegion)
        }
        // Meetings: the office proposes and records; the chair decides and signs (meetings/
        // flow.rs); invited units read theirs.
        (Meeting, Read) if region_roles => Some(OwnRegion),
        (Meeting, Read) if unit_roles => Some(OwnUnit),
        (Meeting, Create) if matches!(role, OfficeDirector | OfficeStaff | CountyOfficeStaff) => {
            Some(OwnRegion)
        }
        // Circulars: the office drafts, the leader signs (circulars/mod.rs), units read what
        // is issued to them.
        (Circular, Read) if region_roles => Some(OwnRegion),
        (Circular, Read) if unit_roles => Some(OwnUnit),
        (Circular, Create) if matches!(role, OfficeDirector | OfficeStaff | CountyOfficeStaff) => {
            Some(OwnRegion)
        }
        // Inspections: the office organises and reports; the units inspected read theirs.
        (Inspection, Read) if region_roles => Some(OwnRegion),
        (Inspection, Read) if unit_roles => Some(OwnUnit),
        (Inspection, Create)
            if matches!(role, OfficeDirector | OfficeStaff | CountyOfficeStaff) =>
        {
            Some(OwnRegion)
        }
        // Reports: units report (a county office reports upward too); the office opens rounds
        // and reads what is sent to it.
        (Report, Read) if region_roles => Some(OwnRegion),
        (Report, Read) if unit_roles => Some(OwnUnit),
        (Report, Create)
            if matches!(
                role,
                OfficeDirector | OfficeStaff | CountyOfficeStaff | UnitLiaison | UnitHandler
            ) =>
        {
            Some(OwnRegion)
        }
        // Public reports: the office receives and routes its region's, a unit handles those
        // routed to it (each step a rule of the procedure, public_reports/flow.rs). Nobody
        // creates one inside: they come from the public site.
        (PublicReport, Read) if region_roles => Some(OwnRegion),
        (PublicReport, Read) if unit_roles => Some(OwnUnit),
        // Penalty decisions: the deciding organ records its own and publishes them (each step
        // a rule of penalties/disclosure.rs); the office reads its region's.
        (Penalty, Read) if region_roles => Some(OwnRegion),
        (Penalty, Read) if unit_roles => Some(OwnUnit),
        (Penalty, Create) if matches!(role, UnitLiaison | UnitHandler | UnitHead) => Some(OwnUnit),
        // Training and publicity activities: the office and a unit's liaison officer or handler
        // record what their unit organised, alone or jointly (each organiser works on the record,
        // activities/model.rs::check); the office and leaders read their region's, a unit what
        // it organised.
        (Activity, Read) if region_roles => Some(OwnRegion),
        (Activity, Read) if unit_roles => Some(OwnUnit),
        (Activity, Create) if matches!(role, OfficeDirector | OfficeStaff | CountyOfficeStaff) => {
            Some(OwnRegion)
        }
        (Activity, Create) if matches!(role, UnitLiaison | UnitHandler) => Some(OwnUnit),
        // Typical cases: the office writes them up from its region's records (its director
        // signs them, the chain's rule); the office and leaders read their region's, a unit
        // those written from its own work.
        (TypicalCase, Read) if region_roles => Some(OwnRegion),
        (TypicalCase, Read) if unit_roles => Some(OwnUnit),
        (TypicalCase, Create)
            if matches!(role, OfficeDirector | OfficeStaff | CountyOfficeStaff) =>
        {
            Some(OwnRegion)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admins_do_not_overlap() {
        // Each security-relevant capability belongs to exactly one administrator.
        let owners = |res, act| {
            Role::ALL
                .into_iter()
                .filter(|r| r.is_admin() && reach(*r, res, act).is_some())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            owners(Resource::User, Action::Create),
            vec![Role::SystemAdmin]
        );
        assert_eq!(
            owners(Resource::Unit, Action::Update),
            vec![Role::SystemAdmin]
        );
        assert_eq!(
            owners(Resource::RoleGrant, Action::Create),
            vec![Role::SecurityAdmin]
        );
        assert_eq!(
            owners(Resource::User, Action::Unlock),
            vec![Role::SecurityAdmin]
        );
        assert_eq!(
            owners(Resource::ApiToken, Action::Create),
            vec![Role::SecurityAdmin]
        );
        assert_eq!(
            owners(Resource::Audit, Action::Export),
            vec![Role::AuditAdmin]
        );
    }

    #[test]
    fn business_roles_never_administer() {
        // Deadlines are case work, not administration: see `administrators_never_touch_deadlines`.
        let administered = [
            Resource::Unit,
            Resource::User,
            Resource::RoleGrant,
            Resource::ApiToken,
            Resource::Audit,
            Resource::Calendar,
        ];
        for role in Role::ALL.into_iter().filter(|r| !r.is_admin()) {
            for res in administered {
                for act in [
                    Action::Create,
                    Action::Update,
                    Action::Unlock,
                    Action::Export,
                ] {
                    assert_eq!(reach(role, res, act), None, "{role:?} {res:?} {act:?}");
                }
            }
        }
    }

    #[test]
    fn calendar_is_kept_by_the_system_administrator() {
        for role in Role::ALL {
            assert!(reach(role, Resource::Calendar, Action::Read).is_some());
            assert_eq!(
                reach(role, Resource::Calendar, Action::Update).is_some(),
                role == Role::SystemAdmin
            );
        }
    }

    #[test]
    fn administrators_never_touch_deadlines() {
        for role in Role::ALL.into_iter().filter(|r| r.is_admin()) {
            for act in Action::ALL {
                assert_eq!(
                    reach(role, Resource::Deadline, act),
                    None,
                    "{role:?} {act:?}"
                );
            }
        }
    }
}

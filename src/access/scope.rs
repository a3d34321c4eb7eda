//! Data scope: which records a request may see. A unit sees what it is party to; a county
//! office its county; the city office and the group's leaders their whole city (DOMAIN.md §1).

use super::permission::{Action, Reach, Resource, reach};
use super::role::Role;
use crate::domain::RegionCode;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Records the unit is party to.
    Unit(i64),
    /// Records of any unit whose division code starts with this prefix ("4115", "370124").
    Region(String),
    All,
}

impl Scope {
    fn rank(&self) -> u8 {
        match self {
            Scope::Unit(_) => 0,
            Scope::Region(_) => 1,
            Scope::All => 2,
        }
    }

    /// Whether a record whose party units are `parties` (id and division code) is visible.
    pub fn admits(&self, parties: &[(i64, &RegionCode)]) -> bool {
        match self {
            Scope::All => true,
            Scope::Region(p) => parties.iter().any(|(_, r)| r.as_str().starts_with(p)),
            Scope::Unit(id) => parties.iter().any(|(u, _)| u == id),
        }
    }
}

/// The widest scope any of `roles` grants for the action; `None` if none allows it.
pub fn effective(
    roles: &[Role],
    unit_id: i64,
    unit_region: &RegionCode,
    resource: Resource,
    action: Action,
) -> Option<Scope> {
    roles
        .iter()
        .filter_map(|r| reach(*r, resource, action))
        .map(|reach| match reach {
            Reach::All => Scope::All,
            Reach::OwnRegion => Scope::Region(unit_region.scope_prefix().to_string()),
            Reach::OwnUnit => Scope::Unit(unit_id),
        })
        .max_by_key(Scope::rank)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rc(s: &str) -> RegionCode {
        RegionCode::parse(s).expect("code")
    }

    #[test]
    fn city_office_sees_city_county_office_its_county() {
        let city = effective(
            &[Role::OfficeStaff],
            1,
            &rc("411500"),
            Resource::Unit,
            Action::Read,
        );
        assert_eq!(city, Some(Scope::Region("4115".into())));
        let county = effective(
            &[Role::CountyOfficeStaff],
            2,
            &rc("411521"),
            Resource::Unit,
            Action::Read,
        );
        assert_eq!(county, Some(Scope::Region("411521".into())));
        let county = county.expect("scope");
        assert!(county.admits(&[(9, &rc("411521"))]));
        assert!(!county.admits(&[(9, &rc("411522"))]));
        assert!(!county.admits(&[(9, &rc("411500"))]));
    }

    #[test]
    fn member_unit_sees_what_it_is_party_to() {
        let s = effective(
            &[Role::UnitLiaison],
            7,
            &rc("411500"),
            Resource::Unit,
            Action::Read,
        )
        .expect("scope");
        assert!(s.admits(&[(3, &rc("411500")), (7, &rc("411500"))]));
        assert!(!s.admits(&[(3, &rc("411500"))]));
    }

    #[test]
    fn widest_role_wins() {
        let s = effective(
            &[Role::UnitLiaison, Role::OfficeStaff],
            7,
            &rc("411500"),
            Resource::User,
            Action::Read,
        );
        assert_eq!(s, Some(Scope::Region("4115".into())));
        assert_eq!(
            effective(&[], 7, &rc("411500"), Resource::User, Action::Read),
            None
        );
    }
}

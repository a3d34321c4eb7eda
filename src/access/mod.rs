//! Who may do what, and on which records (DOMAIN.md §1). Pure rules: roles and their grants,
//! the permission matrix, and data scope. The SQL form of a scope lives in `sql`.

pub mod jurisdiction;
pub mod parties;
pub mod permission;
pub mod role;
pub mod scope;
pub mod sql;

pub use permission::{Action, Resource};
pub use role::Role;
pub use scope::Scope;

use crate::domain::RegionCode;

/// The signed-in person a request acts for.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub unit_region: RegionCode,
    pub roles: Vec<Role>,
}

impl Actor {
    /// The scope within which this actor may take `action` on `resource`, or `None` when no
    /// role allows it at all.
    pub fn scope(&self, resource: Resource, action: Action) -> Option<Scope> {
        scope::effective(
            &self.roles,
            self.unit_id,
            &self.unit_region,
            resource,
            action,
        )
    }

    /// Like [`Actor::scope`], refusing with 403 when no role allows the action.
    pub fn require(
        &self,
        resource: Resource,
        action: Action,
    ) -> Result<Scope, crate::error::AppError> {
        self.scope(resource, action)
            .ok_or(crate::error::AppError::Forbidden)
    }

    pub fn can(&self, resource: Resource, action: Action) -> bool {
        self.scope(resource, action).is_some()
    }

    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn role_labels(&self) -> String {
        self.roles
            .iter()
            .map(|r| r.label())
            .collect::<Vec<_>>()
            .join("、")
    }
}

//! Units: the leading group, its office, member units, county groups and offices, police,
//! procuratorate, courts … forming a tree by region (DOMAIN.md §1; seed 001 §3, seed 003 一).

pub mod http;
pub mod model;
pub mod periods;
pub mod periods_http;
pub mod registry;
pub mod store;

pub use model::{NewUnit, UnitKind};
pub use store::Unit;

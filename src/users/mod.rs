//! User accounts: who they are, which unit they act for, which roles they hold.

pub mod http;
pub mod model;
pub mod store;

pub use store::User;

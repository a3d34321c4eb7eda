//! The user's to-do centre and in-app notifications. Each capability opens the duties its
//! steps create (`store::add_duty`) and discharges them in the acts that do them; the home page
//! groups them with the clocks running for the user (`agenda`).

pub mod agenda;
pub mod http;
pub mod mail;
pub mod oversight;
pub mod store;

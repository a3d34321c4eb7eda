//! Statistics for the office and the leaders (seed 001 §12, §15; issue #16): figures read from
//! the platform's own records within the reader's data scope, each with its table, a chart
//! drawn on the server and an .xlsx download.
//!
//! - `clocks`: every kind of clock by unit and by kind — on time, late, missed and still open
//!   beyond its due date — on the one definition of lateness (`deadline::Timeliness`) (pure);
//! - `cases`: the supervised major cases by state, ground, lead region and age, and the oldest
//!   and most overdue (pure rules: what is under supervision, the age bands);
//! - `tasks`: supervised tasks and the group's decided items by state, lead unit and source,
//!   with their time limits' timeliness on the same definition (pure);
//! - `rounds`: report rounds — who reported on time, late, not yet, or is missing — and each
//!   unit's rounds, on the round page's own standing (`reports::standing`) (pure);
//! - `chart`: the stacked bar chart as SVG, drawn from the same figures as the table (pure);
//! - `tally`: the clocks counted as they change, for the dashboard over millions of clocks
//!   (kept in each clock write's transaction, checked against a live count);
//! - `store`: the scoped reads; `http`: the pages, the workbooks and the API, and the reader's
//!   own unit (`/statistics/mine`: its to-dos and its record this year).

pub mod cases;
pub mod chart;
pub mod clocks;
pub mod http;
pub mod rounds;
pub mod store;
pub mod tally;
pub mod tasks;

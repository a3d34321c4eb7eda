//! Special campaigns and joint enforcement actions (专项行动、联合执法行动; issue #22).
//!
//! - 002 (一)1: around the key products (food, medicine, cosmetics, agricultural inputs,
//!   building materials, machinery and electrical goods, auto parts, cigarettes) and the
//!   copyright, trademark and patent fields, set staged goals and run special campaigns
//!   (专项整治) regularly;
//! - 002 (四)1: the liaison system sets the stage's tasks, targets and measures; clue
//!   notification, assisting cases and joint enforcement (联合执法);
//! - 002 (四)3: the police assist the administrative organs in joint enforcement;
//! - 004 一(一): market regulation and the police cooperate and work out their measures jointly.
//!
//! A campaign is launched by an office with its goal, period, regions, targets, lead unit and
//! participating units. Each participating unit reports its actions and results for each
//! reporting stage on the direct-reporting figure mechanism (`direct_reports::model`), on a
//! clock of the deadline engine with its to-do; the office sees the totals and who reported on
//! time, late or not yet. A joint action records the units that took part and each side's part;
//! each of them sees it and it counts once.
//!
//! - `model`: the targets, the fixed indicator list, the input parsed, the stages, who may take
//!   which step, each unit's standing and the totals (pure);
//! - `store`: scoped reads and each act as one transaction with its audit record;
//! - `http`: pages, workbook and API.

pub mod http;
pub mod model;
pub mod store;

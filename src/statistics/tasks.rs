//! Supervised tasks and the group's decided items (议定事项) by state, by lead unit and by
//! source (issue #16: "tasks and decided items by state and unit"). A decided item is
//! supervised as a task once its minutes are signed (`meetings::store`, source `decided_item`),
//! so both are read from the tasks, each with its time limit's clock: on time, late (done
//! after the time limit), missed and running past it come from the deadline domain's one
//! definition (`deadline::Timeliness`, counted by `clocks::Tally`), never from the task's own
//! dates. Pure.

use serde::Serialize;

use super::clocks::Tally;
use crate::deadline::Timeliness;
use crate::tasks::flow::{Source, TaskState};

/// One group of tasks as read: their lead unit, source, state, how their time limit stands,
/// whether a running one is past it, and how many.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub unit_id: i64,
    pub unit_name: String,
    pub source: Source,
    pub state: TaskState,
    pub timeliness: Timeliness,
    /// Running and past its time limit (the scheduler has not marked it missed yet).
    pub overdue_open: bool,
    pub count: i64,
}

/// The tasks of one lead unit or of one source: how many, of which decided items and
/// accepted, and their time limits' timeliness.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = TaskTally)]
pub struct Row {
    /// The source's code on the rows by source.
    pub source: Option<String>,
    /// Tasks in all.
    pub tasks: i64,
    /// Of which decided items of the group's meetings (议定事项).
    pub decided_items: i64,
    /// Of which accepted by the office (已办结).
    pub accepted: i64,
    /// The unit (`unit_id`, `label`) or the source (`label`), and the time limits: on time,
    /// late, missed, running and running past due, waived, the on-time rate.
    #[serde(flatten)]
    pub clocks: Tally,
}

impl Row {
    fn add(&mut self, f: &Fact) {
        self.tasks += f.count;
        if f.source == Source::DecidedItem {
            self.decided_items += f.count;
        }
        if f.state == TaskState::Accepted {
            self.accepted += f.count;
        }
        self.clocks.count(f.timeliness, f.overdue_open, f.count);
    }

    fn close(mut self) -> Row {
        self.clocks = self.clocks.close();
        self
    }

    /// Not accepted yet.
    pub fn open(&self) -> i64 {
        self.tasks - self.accepted
    }
}

/// The tasks in one state.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = TaskStateCount)]
pub struct StateRow {
    /// The state's code (`assigned`, …, `accepted`).
    pub state: String,
    pub label: String,
    /// Tasks in all.
    pub tasks: i64,
    /// Of which decided items.
    pub decided_items: i64,
}

impl StateRow {
    /// Tasks from any other source (the chart's second series).
    pub fn others(&self) -> i64 {
        self.tasks - self.decided_items
    }
}

/// The figures of a period.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = TaskFigures)]
pub struct Figures {
    /// Tasks assigned from `from` to `to` (YYYY-MM-DD; the day their time limit started).
    pub from: String,
    pub to: String,
    /// Every state, in the procedure's order.
    pub states: Vec<StateRow>,
    /// By lead unit, the units most behind (late, missed, running past due) first.
    pub units: Vec<Row>,
    /// By source, every source in its order (decided items first).
    pub sources: Vec<Row>,
    pub total: Row,
}

/// Tally the facts by state, lead unit and source, and in total.
pub fn tally(from: &str, to: &str, facts: &[Fact]) -> Figures {
    let mut states: Vec<StateRow> = TaskState::ALL
        .iter()
        .map(|s| StateRow {
            state: s.code().into(),
            label: s.label().into(),
            tasks: 0,
            decided_items: 0,
        })
        .collect();
    let mut sources: Vec<Row> = Source::ALL
        .iter()
        .map(|s| Row {
            source: Some(s.code().into()),
            clocks: Tally {
                label: s.label().into(),
                ..Tally::default()
            },
            ..Row::default()
        })
        .collect();
    let mut units: Vec<Row> = Vec::new();
    let mut total = Row {
        clocks: Tally {
            label: "合计".into(),
            ..Tally::default()
        },
        ..Row::default()
    };
    for f in facts {
        if let Some(s) = states.iter_mut().find(|s| s.state == f.state.code()) {
            s.tasks += f.count;
            if f.source == Source::DecidedItem {
                s.decided_items += f.count;
            }
        }
        if let Some(s) = sources
            .iter_mut()
            .find(|s| s.source.as_deref() == Some(f.source.code()))
        {
            s.add(f);
        }
        let u = match units
            .iter()
            .position(|r| r.clocks.unit_id == Some(f.unit_id))
        {
            Some(i) => i,
            None => {
                units.push(Row {
                    clocks: Tally {
                        unit_id: Some(f.unit_id),
                        label: f.unit_name.clone(),
                        ..Tally::default()
                    },
                    ..Row::default()
                });
                units.len() - 1
            }
        };
        units[u].add(f);
        total.add(f);
    }
    let mut units: Vec<Row> = units.into_iter().map(Row::close).collect();
    units.sort_by(|a, b| {
        b.clocks
            .behind()
            .cmp(&a.clocks.behind())
            .then_with(|| b.open().cmp(&a.open()))
            .then_with(|| a.clocks.label.cmp(&b.clocks.label))
    });
    Figures {
        from: from.into(),
        to: to.into(),
        states,
        units,
        sources: sources.into_iter().map(Row::close).collect(),
        total: total.close(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Timeliness::*;

    fn fact(unit: i64, source: Source, state: TaskState, t: Timeliness, count: i64) -> Fact {
        Fact {
            unit_id: unit,
            unit_name: format!("单位{unit}"),
            source,
            state,
            timeliness: t,
            overdue_open: false,
            count,
        }
    }

    #[test]
    fn a_task_done_late_counts_as_late_for_its_unit_and_its_source() {
        let f = tally(
            "2026-01-01",
            "2026-12-31",
            &[
                fact(1, Source::DecidedItem, TaskState::Accepted, OnTime, 2),
                fact(
                    1,
                    Source::LeaderInstruction,
                    TaskState::InProgress,
                    Running,
                    1,
                ),
                fact(2, Source::DecidedItem, TaskState::Accepted, Late, 1),
                Fact {
                    overdue_open: true,
                    ..fact(2, Source::WorkPlan, TaskState::SentBack, Running, 1)
                },
            ],
        );
        // The unit with the late task and the one past its time limit comes first.
        let u2 = &f.units[0];
        assert_eq!(
            (
                u2.clocks.unit_id,
                u2.tasks,
                u2.decided_items,
                u2.accepted,
                u2.open()
            ),
            (Some(2), 2, 1, 1, 1)
        );
        assert_eq!(
            (
                u2.clocks.late,
                u2.clocks.overdue_open,
                u2.clocks.behind(),
                u2.clocks.on_time_rate
            ),
            (1, 1, 2, Some(0.0))
        );
        let u1 = &f.units[1];
        assert_eq!(
            (u1.clocks.on_time, u1.clocks.running, u1.clocks.on_time_rate),
            (2, 1, Some(100.0))
        );
        // Decided items are their own source row, and a column of every state.
        let decided = &f.sources[0];
        assert_eq!(decided.source.as_deref(), Some("decided_item"));
        assert_eq!(
            (decided.tasks, decided.clocks.on_time, decided.clocks.late),
            (3, 2, 1)
        );
        assert_eq!(decided.clocks.on_time_rate, Some(66.7));
        assert_eq!(f.sources.len(), Source::ALL.len());
        let accepted = f
            .states
            .iter()
            .find(|s| s.state == "accepted")
            .expect("accepted");
        assert_eq!(
            (accepted.tasks, accepted.decided_items, accepted.others()),
            (3, 3, 0)
        );
        assert_eq!(f.states.len(), TaskState::ALL.len());
        assert_eq!(f.states[0].tasks, 0, "assigned: none, still shown");
        let t = &f.total;
        assert_eq!(
            (t.tasks, t.decided_items, t.accepted, t.clocks.settled),
            (5, 3, 3, 3)
        );
    }

    #[test]
    fn no_tasks_no_rate_and_every_state_and_source_shown() {
        let f = tally("a", "b", &[]);
        assert!(f.units.is_empty());
        assert_eq!(f.total.clocks.on_time_rate, None);
        assert!(f.states.iter().all(|s| s.tasks == 0));
        assert!(f.sources.iter().all(|s| s.tasks == 0));
    }
}

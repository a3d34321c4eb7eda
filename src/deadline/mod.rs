//! The deadline clock: a rule, a start, suspensions and extensions, and the
//! state of the clock. Pure domain code without storage; every transition
//! returns a new [`Clock`] or a typed error and never changes the original.

#[cfg(test)]
mod tests;

pub mod http;
pub mod scheduler;
pub mod store;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, CalendarError, Computation, Span, format_date_zh};

/// The period rule of a deadline ("5个工作日", "3日", "2年" …).
pub use crate::calendar::Period as Rule;

/// A suspension (中止): the days `from..=to` do not count. `to = None` means the
/// clock is still suspended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suspension {
    /// First suspended day.
    pub from: NaiveDate,
    /// Last suspended day (inclusive); the clock runs again from the next day.
    pub to: Option<NaiveDate>,
    /// Why the clock was suspended.
    pub reason: String,
}

/// An extension (延长) of the period by `rule_extra` units of the rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    /// Extra units, in the unit of the clock's rule.
    pub rule_extra: u32,
    /// Why it was extended.
    pub reason: String,
    /// Who decided it.
    pub by: String,
}

/// Lifecycle state of a clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum State {
    /// Running (possibly suspended).
    Open,
    /// The act was done on `on`.
    Met {
        /// Completion date.
        on: NaiveDate,
    },
    /// The deadline passed on `due` without the act being done.
    Missed {
        /// The due date that was missed.
        due: NaiveDate,
    },
    /// The deadline was waived.
    Waived {
        /// Why.
        reason: String,
    },
}

impl State {
    /// Short Chinese label: "进行中", "已完成", "已逾期", "已豁免".
    pub fn label_zh(&self) -> &'static str {
        match self {
            State::Open => "进行中",
            State::Met { .. } => "已完成",
            State::Missed { .. } => "已逾期",
            State::Waived { .. } => "已豁免",
        }
    }
}

/// Whether the act was done in time — one definition for the lists, the statistics and the
/// assessment (issue #16: "a clock met after its due date is late, and counts as late
/// everywhere"). A completion stored as met after its due date is late; a clock marked missed
/// is missed whether or not the act followed; a waived clock is neither. `timeliness_sql!` is
/// the same rule in SQL, and a test holds the two together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Timeliness {
    /// Still running (the scheduler marks it missed once its due date has passed).
    Running,
    /// Done on or before its due date.
    OnTime,
    /// Done, after its due date.
    Late,
    /// The due date passed with the act not done.
    Missed,
    /// Waived: not counted either way.
    Waived,
}

impl Timeliness {
    /// `state` with the due date the clock was judged by.
    pub fn of(state: &State, due: Option<NaiveDate>) -> Timeliness {
        match state {
            State::Open => Timeliness::Running,
            State::Met { on } => match due {
                Some(due) if *on > due => Timeliness::Late,
                _ => Timeliness::OnTime,
            },
            State::Missed { .. } => Timeliness::Missed,
            State::Waived { .. } => Timeliness::Waived,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Timeliness::Running => "running",
            Timeliness::OnTime => "on_time",
            Timeliness::Late => "late",
            Timeliness::Missed => "missed",
            Timeliness::Waived => "waived",
        }
    }

    pub fn parse(code: &str) -> Option<Timeliness> {
        [
            Timeliness::Running,
            Timeliness::OnTime,
            Timeliness::Late,
            Timeliness::Missed,
            Timeliness::Waived,
        ]
        .into_iter()
        .find(|t| t.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Timeliness::Running => "进行中",
            Timeliness::OnTime => "按期完成",
            Timeliness::Late => "逾期完成",
            Timeliness::Missed => "已逾期",
            Timeliness::Waived => "已豁免",
        }
    }

    /// Not done by its due date: late or missed. What every "逾期" count counts.
    pub fn is_late(self) -> bool {
        matches!(self, Timeliness::Late | Timeliness::Missed)
    }

    /// Settled either way: on time, late or missed (a rate's denominator).
    pub fn is_settled(self) -> bool {
        matches!(
            self,
            Timeliness::OnTime | Timeliness::Late | Timeliness::Missed
        )
    }
}

/// [`Timeliness`] of the deadlines row aliased `$d`, as its code, in SQL (both databases):
/// `met_on` is the completion date kept beside the clock for this.
#[macro_export]
macro_rules! timeliness_sql {
    ($d:literal) => {
        concat!(
            "(CASE ",
            $d,
            ".state WHEN 'met' THEN (CASE WHEN ",
            $d,
            ".due_date IS NOT NULL AND ",
            $d,
            ".met_on > ",
            $d,
            ".due_date THEN 'late' ELSE 'on_time' END) \
             WHEN 'missed' THEN 'missed' WHEN 'waived' THEN 'waived' ELSE 'running' END)"
        )
    };
}

/// Whether the deadlines row aliased `$d` was not done by its due date (late or missed), in SQL.
#[macro_export]
macro_rules! late_sql {
    ($d:literal) => {
        concat!(
            "(",
            $d,
            ".state = 'missed' OR (",
            $d,
            ".state = 'met' AND ",
            $d,
            ".due_date IS NOT NULL AND ",
            $d,
            ".met_on > ",
            $d,
            ".due_date))"
        )
    };
}

/// Classification of a clock on a given day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    /// More than the threshold of working days remain.
    NotDue {
        /// Due date.
        due: NaiveDate,
        /// Working days in `(today, due]`.
        workdays_left: u32,
    },
    /// At most the threshold of working days remain (0 = due today).
    DueSoon {
        /// Due date.
        due: NaiveDate,
        /// Working days in `(today, due]`.
        workdays_left: u32,
    },
    /// The due date has passed.
    Overdue {
        /// Due date.
        due: NaiveDate,
        /// Calendar days since the due date.
        days_over: u32,
    },
    /// Suspended with an open suspension: no due date.
    Suspended {
        /// First suspended day.
        since: NaiveDate,
    },
    /// The clock is no longer open.
    Closed(State),
}

/// Illegal transitions and invalid clock data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeadlineError {
    /// A calendar error (e.g. a missing year).
    #[error(transparent)]
    Calendar(#[from] CalendarError),
    /// The clock is not open.
    #[error("期限{}，不能再进行此操作", .0.label_zh())]
    NotOpen(State),
    /// Already suspended.
    #[error("期限自{}起已中止，请先恢复计算", format_date_zh(*.since))]
    AlreadySuspended {
        /// Start of the open suspension.
        since: NaiveDate,
    },
    /// Resume without an open suspension.
    #[error("期限当前未中止，无需恢复计算")]
    NotSuspended,
    /// A suspension ends before it starts.
    #[error("中止结束日{}早于中止开始日{}", format_date_zh(*.to), format_date_zh(*.from))]
    SuspensionEndsBeforeStart {
        /// Start of the suspension.
        from: NaiveDate,
        /// Claimed end.
        to: NaiveDate,
    },
    /// A suspension starts before the clock starts.
    #[error("中止开始日{}早于期限起算日{}", format_date_zh(*.from), format_date_zh(*.start))]
    SuspensionBeforeStart {
        /// Start of the suspension.
        from: NaiveDate,
        /// Start of the clock.
        start: NaiveDate,
    },
    /// A suspension starts inside or before an earlier one.
    #[error("中止开始日{}不晚于上一次中止的结束日{}", format_date_zh(*.from), format_date_zh(*.previous_to))]
    SuspensionOverlaps {
        /// Start of the new suspension.
        from: NaiveDate,
        /// End of the previous suspension.
        previous_to: NaiveDate,
    },
    /// A suspension would start after the period has already run out.
    #[error("期限已于{}届满，不能自{}起中止", format_date_zh(*.due), format_date_zh(*.from))]
    SuspensionAfterDue {
        /// Start of the suspension.
        from: NaiveDate,
        /// Current due date.
        due: NaiveDate,
    },
    /// A required reason is empty.
    #[error("必须填写原因")]
    EmptyReason,
    /// The decision maker of an extension is empty.
    #[error("必须填写延长期限的决定人")]
    EmptyAuthor,
    /// An extension of zero.
    #[error("延长的期限必须大于零")]
    ZeroExtension,
    /// The amount of the rule plus extensions overflows.
    #[error("期限数额过大")]
    AmountOverflow,
    /// Completion before the clock starts.
    #[error("完成日期{}早于期限起算日{}", format_date_zh(*.on), format_date_zh(*.start))]
    MetBeforeStart {
        /// Claimed completion date.
        on: NaiveDate,
        /// Start of the clock.
        start: NaiveDate,
    },
    /// A clock judged missed cannot be met on or before its due date.
    #[error("期限已于{}届满并认定逾期，完成日期{}应晚于届满日", format_date_zh(*.due), format_date_zh(*.on))]
    MissedBackdated {
        /// The due date that was missed.
        due: NaiveDate,
        /// Claimed completion date.
        on: NaiveDate,
    },
    /// Marking missed before the due date has passed.
    #[error("期限届满日为{}，尚未逾期", format_date_zh(*.due))]
    NotYetOverdue {
        /// Current due date.
        due: NaiveDate,
    },
    /// Marking missed while suspended.
    #[error("期限自{}起中止，届满日未定，不能认定逾期", format_date_zh(*.since))]
    Suspended {
        /// Start of the open suspension.
        since: NaiveDate,
    },
    /// A corrected start earlier than the one recorded.
    #[error("新的起算日{}早于原起算日{}", format_date_zh(*.start), format_date_zh(*.recorded))]
    RestartBeforeStart {
        /// Claimed start.
        start: NaiveDate,
        /// The start on record.
        recorded: NaiveDate,
    },
    /// A corrected start on a clock that was suspended: the suspended spans were counted
    /// against the old start.
    #[error("期限曾中止计算，不能更正起算日")]
    RestartSuspended,
}

/// The due date of a clock and how it was obtained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueDate {
    /// The due date; `None` while an open suspension holds the clock.
    pub date: Option<NaiveDate>,
    /// The rule with all extensions added.
    pub effective_rule: Rule,
    /// Chinese explanation: clause, purpose, rule, extensions, suspensions and
    /// the calendar arithmetic.
    pub explanation_zh: String,
    /// The calendar computation (over the closed suspensions). Present even
    /// while suspended: it is then the due date the clock had before the open
    /// suspension began.
    pub computation: Computation,
    /// Start of the open suspension, if any.
    pub suspended_since: Option<NaiveDate>,
}

/// A deadline clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    /// The period rule.
    pub rule: Rule,
    /// The day the clock starts (not counted).
    pub start: NaiveDate,
    /// The rule's clause, e.g. "000 §4".
    pub clause: String,
    /// What the deadline is for.
    pub purpose: String,
    /// Suspensions, in chronological order.
    pub suspensions: Vec<Suspension>,
    /// Extensions, in order of decision.
    pub extensions: Vec<Extension>,
    /// Lifecycle state.
    pub state: State,
}

fn require_text(s: &str, err: DeadlineError) -> Result<String, DeadlineError> {
    let t = s.trim();
    if t.is_empty() {
        Err(err)
    } else {
        Ok(t.to_owned())
    }
}

impl Clock {
    /// An open clock without suspensions or extensions.
    pub fn new(
        rule: Rule,
        start: NaiveDate,
        clause: impl Into<String>,
        purpose: impl Into<String>,
    ) -> Self {
        Self {
            rule,
            start,
            clause: clause.into(),
            purpose: purpose.into(),
            suspensions: Vec::new(),
            extensions: Vec::new(),
            state: State::Open,
        }
    }

    /// The rule with all extensions added.
    pub fn effective_rule(&self) -> Result<Rule, DeadlineError> {
        self.extensions.iter().try_fold(self.rule, |r, e| {
            r.checked_add(e.rule_extra)
                .ok_or(DeadlineError::AmountOverflow)
        })
    }

    /// The open suspension (the earliest, should the data hold several).
    pub fn open_suspension(&self) -> Option<&Suspension> {
        self.suspensions
            .iter()
            .filter(|s| s.to.is_none())
            .min_by_key(|s| s.from)
    }

    fn closed_spans(&self) -> Result<Vec<Span>, DeadlineError> {
        self.suspensions
            .iter()
            .filter_map(|s| s.to.map(|to| (s.from, to)))
            .map(|(from, to)| {
                if to < from {
                    Err(DeadlineError::SuspensionEndsBeforeStart { from, to })
                } else {
                    Ok(Span::new(from, to))
                }
            })
            .collect()
    }

    /// The due date. Suspended time does not count: the period is counted
    /// forward from `start`, skipping the days inside closed suspensions (for
    /// working-day rules, working days inside them; for calendar-day rules,
    /// calendar days, before the roll-forward; for months/years, the suspended
    /// calendar days are added to the corresponding day). Extensions add to
    /// the amount. With an open suspension that began on or before the due
    /// date, `date` is `None`.
    pub fn due(&self, cal: &Calendar) -> Result<DueDate, DeadlineError> {
        let mut due = self.due_unexplained(cal)?;
        due.explanation_zh =
            self.explain(due.effective_rule, &due.computation, due.suspended_since);
        Ok(due)
    }

    /// [`Clock::due`] without the Chinese explanation (empty): for recomputing many clocks at
    /// once, where only the dates and the provisional years are kept.
    pub fn due_unexplained(&self, cal: &Calendar) -> Result<DueDate, DeadlineError> {
        let effective_rule = self.effective_rule()?;
        let spans = self.closed_spans()?;
        let computation = cal.compute(self.start, effective_rule, &spans)?;
        let suspended_since = self
            .open_suspension()
            .map(|s| s.from)
            .filter(|from| *from <= computation.due);
        let date = match suspended_since {
            Some(_) => None,
            None => Some(computation.due),
        };
        Ok(DueDate {
            date,
            effective_rule,
            explanation_zh: String::new(),
            computation,
            suspended_since,
        })
    }

    fn explain(
        &self,
        effective_rule: Rule,
        c: &Computation,
        suspended_since: Option<NaiveDate>,
    ) -> String {
        let mut s = String::new();
        let head = [self.clause.trim(), self.purpose.trim()]
            .into_iter()
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if !head.is_empty() {
            s.push_str(&format!("【{head}】"));
        }
        s.push_str(&format!("期限为{}", self.rule));
        if !self.extensions.is_empty() {
            for e in &self.extensions {
                s.push_str(&format!(
                    "，延长{}（原因：{}；决定人：{}）",
                    self.rule.units_zh(e.rule_extra),
                    e.reason,
                    e.by
                ));
            }
            s.push_str(&format!("，合计{effective_rule}"));
        }
        s.push('。');
        for sus in &self.suspensions {
            match sus.to {
                Some(to) => {
                    s.push_str(&format!(
                        "{}至{}中止（原因：{}）",
                        format_date_zh(sus.from),
                        format_date_zh(to),
                        sus.reason
                    ));
                    if to <= self.start || sus.from > c.due {
                        s.push_str("，不在期限计算期间内，不影响届满日。");
                    } else {
                        s.push_str("，中止期间不计入期限。");
                    }
                }
                None => {
                    s.push_str(&format!(
                        "自{}起中止（原因：{}）",
                        format_date_zh(sus.from),
                        sus.reason
                    ));
                    if sus.from > c.due {
                        s.push_str("，中止开始时期限已届满，不影响届满日。");
                    } else {
                        s.push_str("，尚未恢复计算。");
                    }
                }
            }
        }
        match suspended_since {
            Some(_) => s.push_str(&format!(
                "届满日待恢复计算后确定（未计本次中止时，按{}计算的届满日为{}）。",
                effective_rule,
                format_date_zh(c.due)
            )),
            None => s.push_str(&c.explain_zh()),
        }
        s
    }

    fn require_open(&self) -> Result<(), DeadlineError> {
        match self.state {
            State::Open => Ok(()),
            ref other => Err(DeadlineError::NotOpen(other.clone())),
        }
    }

    /// Suspend from `from` (inclusive). Refused when the clock is not open,
    /// already suspended, `from` is before `start` or not after the previous
    /// suspension, or the period has already run out before `from`.
    pub fn suspend(
        &self,
        cal: &Calendar,
        from: NaiveDate,
        reason: &str,
    ) -> Result<Clock, DeadlineError> {
        self.require_open()?;
        let reason = require_text(reason, DeadlineError::EmptyReason)?;
        if let Some(open) = self.open_suspension() {
            return Err(DeadlineError::AlreadySuspended { since: open.from });
        }
        if from < self.start {
            return Err(DeadlineError::SuspensionBeforeStart {
                from,
                start: self.start,
            });
        }
        if let Some(previous_to) = self.suspensions.iter().filter_map(|s| s.to).max()
            && from <= previous_to
        {
            return Err(DeadlineError::SuspensionOverlaps { from, previous_to });
        }
        let due = self.due(cal)?.computation.due;
        if from > due {
            return Err(DeadlineError::SuspensionAfterDue { from, due });
        }
        let mut next = self.clone();
        next.suspensions.push(Suspension {
            from,
            to: None,
            reason,
        });
        Ok(next)
    }

    /// End the open suspension; `to` is its last suspended day (inclusive).
    pub fn resume(&self, to: NaiveDate) -> Result<Clock, DeadlineError> {
        self.require_open()?;
        let from = self
            .open_suspension()
            .map(|s| s.from)
            .ok_or(DeadlineError::NotSuspended)?;
        if to < from {
            return Err(DeadlineError::SuspensionEndsBeforeStart { from, to });
        }
        let mut next = self.clone();
        for s in &mut next.suspensions {
            if s.to.is_none() && s.from == from {
                s.to = Some(to);
                break;
            }
        }
        Ok(next)
    }

    /// Extend by `extra` units of the rule.
    pub fn extend(&self, extra: u32, reason: &str, by: &str) -> Result<Clock, DeadlineError> {
        self.require_open()?;
        if extra == 0 {
            return Err(DeadlineError::ZeroExtension);
        }
        let reason = require_text(reason, DeadlineError::EmptyReason)?;
        let by = require_text(by, DeadlineError::EmptyAuthor)?;
        let mut next = self.clone();
        next.extensions.push(Extension {
            rule_extra: extra,
            reason,
            by,
        });
        next.effective_rule()?;
        Ok(next)
    }

    /// The act was done on `on`. Late completion is allowed, also after the
    /// clock was marked missed (the act still has to happen); lateness shows by
    /// comparing `on` with the due date.
    pub fn met(&self, on: NaiveDate) -> Result<Clock, DeadlineError> {
        match &self.state {
            // A clock judged missed stays late: the act followed its due date, so a
            // completion on or before it would undo the judgment (issue #16).
            State::Missed { due } if on <= *due => {
                return Err(DeadlineError::MissedBackdated { due: *due, on });
            }
            State::Missed { .. } => {}
            _ => self.require_open()?,
        }
        if on < self.start {
            return Err(DeadlineError::MetBeforeStart {
                on,
                start: self.start,
            });
        }
        let mut next = self.clone();
        next.state = State::Met { on };
        Ok(next)
    }

    /// Waive the deadline; `reason` must not be empty.
    pub fn waive(&self, reason: &str) -> Result<Clock, DeadlineError> {
        self.require_open()?;
        let reason = require_text(reason, DeadlineError::EmptyReason)?;
        let mut next = self.clone();
        next.state = State::Waived { reason };
        Ok(next)
    }

    /// The start event happened later than recorded (a notice was served after the day it was
    /// issued, 004 二(二)): the period counts from `start`. A clock marked missed on the old
    /// start runs again; one met or waived stays closed.
    pub fn restart(&self, start: NaiveDate) -> Result<Clock, DeadlineError> {
        if !matches!(self.state, State::Missed { .. }) {
            self.require_open()?;
        }
        if start < self.start {
            return Err(DeadlineError::RestartBeforeStart {
                start,
                recorded: self.start,
            });
        }
        if !self.suspensions.is_empty() {
            return Err(DeadlineError::RestartSuspended);
        }
        let mut next = self.clone();
        next.start = start;
        next.state = State::Open;
        Ok(next)
    }

    /// Close the clock as missed; only after the due date has passed.
    pub fn mark_missed(&self, cal: &Calendar, today: NaiveDate) -> Result<Clock, DeadlineError> {
        self.require_open()?;
        let due = self.due(cal)?;
        let date = match (due.date, due.suspended_since) {
            (Some(d), _) => d,
            (None, Some(since)) => return Err(DeadlineError::Suspended { since }),
            (None, None) => due.computation.due,
        };
        if today <= date {
            return Err(DeadlineError::NotYetOverdue { due: date });
        }
        let mut next = self.clone();
        next.state = State::Missed { due: date };
        Ok(next)
    }

    /// Classify the clock on `today`. An open clock is `DueSoon` when at most
    /// `due_soon_within` working days remain (working days in `(today, due]`,
    /// not counting closed suspensions), `Overdue` after the due date.
    pub fn evaluate(
        &self,
        cal: &Calendar,
        today: NaiveDate,
        due_soon_within: u32,
    ) -> Result<Status, DeadlineError> {
        if self.state != State::Open {
            return Ok(Status::Closed(self.state.clone()));
        }
        let due = self.due(cal)?;
        let date = match (due.date, due.suspended_since) {
            (Some(d), _) => d,
            (None, Some(since)) => return Ok(Status::Suspended { since }),
            (None, None) => due.computation.due,
        };
        if today > date {
            let days_over = u32::try_from((today - date).num_days()).unwrap_or(u32::MAX);
            return Ok(Status::Overdue {
                due: date,
                days_over,
            });
        }
        let spans = self.closed_spans()?;
        let workdays_left = cal.workdays_between_excluding(today, date, &spans)?;
        Ok(if workdays_left <= due_soon_within {
            Status::DueSoon {
                due: date,
                workdays_left,
            }
        } else {
            Status::NotDue {
                due: date,
                workdays_left,
            }
        })
    }
}

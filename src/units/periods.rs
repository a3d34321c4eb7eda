//! An office's own periods (办理期限): one mechanism for every set of periods a leading-group
//! office may set for itself within the law — public reports (issue #14), penalty disclosure
//! and the serious-violation list (issue #15). The deployment's configuration gives the
//! defaults; an office director sets his office's own on its settings page or through the
//! API; each period must lie within the bounds its rule allows; the change is audited; clocks
//! already running keep their dates, because every operation reads the periods in its own
//! transaction when it starts a clock.
//!
//! A set of periods is a plain serde struct (possibly nested one level, as the credit periods
//! are); its [`Bound`]s name each field by its dotted path, so the check, the page and the
//! form need no code per set.

use serde::{Serialize, de::DeserializeOwned};
use serde_json::json;

use crate::access::Actor;
use crate::audit::Entry;
use crate::audit::Who;
use crate::db::Db;
use crate::domain::{FieldErrors, RegionCode};
use crate::error::{AppError, AppResult};

/// What a period counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    WorkingDays,
    Months,
    Years,
    /// An amount kept in fen and set in whole yuan.
    Fen,
}

impl Measure {
    pub fn unit(self) -> &'static str {
        match self {
            Measure::WorkingDays => "个工作日",
            Measure::Months => "个月",
            Measure::Years => "年",
            Measure::Fen => "元",
        }
    }

    /// The figure as set and shown (yuan for an amount).
    fn shown(self, stored: i64) -> i64 {
        match self {
            Measure::Fen => stored / 100,
            _ => stored,
        }
    }

    fn stored(self, shown: i64) -> Option<i64> {
        match self {
            Measure::Fen => shown.checked_mul(100),
            _ => Some(shown),
        }
    }
}

/// What one period may be set to, and the rule that says so.
#[derive(Debug, Clone, Copy)]
pub struct Bound {
    /// The field's dotted path in the set (`disclosure.publish_workdays`).
    pub field: &'static str,
    /// The matter, as the page names it (告知举报人是否立案).
    pub matter: &'static str,
    /// The rule and its article.
    pub clause: &'static str,
    pub measure: Measure,
    /// The least and the most the office may set, in the measure as shown (yuan for an amount).
    pub min: i64,
    pub max: i64,
}

impl Bound {
    /// The form's input id (dots do not belong in an id).
    pub fn id(&self) -> String {
        self.field.replace('.', "-")
    }

    pub fn allowed(&self) -> String {
        format!("{}至{}{}", self.min, self.max, self.measure.unit())
    }

    fn refusal(&self) -> String {
        format!("{}应为{}（{}）", self.matter, self.allowed(), self.clause)
    }
}

/// A set of periods an office may set for itself.
pub trait OfficePeriods: Serialize + DeserializeOwned + Copy + Send + Sync {
    /// The column of `units` that holds an office's own, as JSON (NULL: the deployment's).
    const COLUMN: &'static str;
    /// The audit action of a change.
    const AUDIT: &'static str;
    /// Every period in the set, with what it may be.
    const BOUNDS: &'static [Bound];
}

fn pointer(field: &str) -> String {
    format!("/{}", field.replace('.', "/"))
}

/// Period `field` of `p`, as shown (yuan for an amount).
pub fn shown<P: OfficePeriods>(p: &P, b: &Bound) -> i64 {
    let v = serde_json::to_value(p).unwrap_or_default();
    b.measure.shown(
        v.pointer(&pointer(b.field))
            .and_then(|x| x.as_i64())
            .unwrap_or(0),
    )
}

/// Each period within its bounds, else a field error against each one that is not.
pub fn check<P: OfficePeriods>(p: &P) -> Result<(), FieldErrors> {
    let mut e = FieldErrors::new();
    for b in P::BOUNDS {
        if !(b.min..=b.max).contains(&shown(p, b)) {
            e.add(b.field, "out_of_range", b.refusal());
        }
    }
    e.into_result(|| ())
}

/// The set `base` with the figures typed on the settings form (each named by its field), or
/// the field errors of those that are not whole numbers.
pub fn from_form<P: OfficePeriods>(
    base: &P,
    typed: impl Fn(&str) -> String,
) -> Result<P, FieldErrors> {
    let mut v = serde_json::to_value(base).unwrap_or_default();
    let mut e = FieldErrors::new();
    for b in P::BOUNDS {
        let figure = typed(b.field).trim().parse::<i64>().ok();
        // Out of bounds is said against the field here, before the figure meets the set's
        // types (a number too large for them would otherwise fail without a field).
        if figure.is_some_and(|n| !(b.min..=b.max).contains(&n)) {
            e.add(b.field, "out_of_range", b.refusal());
            continue;
        }
        match (
            figure.and_then(|n| b.measure.stored(n)),
            v.pointer_mut(&pointer(b.field)),
        ) {
            (Some(n), Some(slot)) => *slot = json!(n),
            _ => e.add(
                b.field,
                "invalid_format",
                format!(
                    "请填写{}数（整数）",
                    b.measure.unit().trim_start_matches('个')
                ),
            ),
        }
    }
    if !e.is_empty() {
        return Err(e);
    }
    serde_json::from_value(v).map_err(|err| {
        FieldErrors::single("periods", "invalid_format", format!("期限无法保存：{err}"))
    })
}

/// A set whose figures outside the bounds (those not the office's to set) are the
/// deployment's; else a field error against each one that differs.
pub fn fixed<P: OfficePeriods>(p: &P, default: &P) -> Result<(), FieldErrors> {
    fn leaves(v: &serde_json::Value, at: String, out: &mut Vec<(String, serde_json::Value)>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    let next = if at.is_empty() {
                        k.clone()
                    } else {
                        format!("{at}.{k}")
                    };
                    leaves(x, next, out);
                }
            }
            other => out.push((at, other.clone())),
        }
    }
    let (mut mine, mut law) = (Vec::new(), Vec::new());
    leaves(
        &serde_json::to_value(p).unwrap_or_default(),
        String::new(),
        &mut mine,
    );
    leaves(
        &serde_json::to_value(default).unwrap_or_default(),
        String::new(),
        &mut law,
    );
    let mut e = FieldErrors::new();
    for ((field, v), (_, d)) in mine.iter().zip(&law) {
        if v != d && !P::BOUNDS.iter().any(|b| b.field == field) {
            e.add(
                field,
                "not_allowed",
                "该项由本平台统一配置，办公室不能自行设定",
            );
        }
    }
    e.into_result(|| ())
}

/// The periods office `office` set for itself, if it did.
pub async fn own<P: OfficePeriods>(
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    office: i64,
) -> AppResult<Option<P>> {
    let own: Option<Option<String>> =
        // `COLUMN` is a constant of the set's type, never input.
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM units WHERE id = $1",
            P::COLUMN
        )))
            .bind(office)
            .fetch_optional(exec)
            .await?;
    own.flatten()
        .map(|json| {
            serde_json::from_str(&json).map_err(|e| {
                AppError::internal(format!("stored {} of unit {office}: {e}", P::COLUMN))
            })
        })
        .transpose()
}

/// `default` with the periods an office may set taken from `own`: what the office did not
/// set (or may not set) stays the deployment's.
pub fn merged<P: OfficePeriods>(default: &P, own: &P) -> P {
    let mut v = serde_json::to_value(default).unwrap_or_default();
    let o = serde_json::to_value(own).unwrap_or_default();
    for b in P::BOUNDS {
        let at = pointer(b.field);
        if let (Some(from), Some(slot)) = (o.pointer(&at), v.pointer_mut(&at)) {
            *slot = from.clone();
        }
    }
    serde_json::from_value(v).unwrap_or(*default)
}

/// The periods that apply to the records of unit `unit` (an organ, or an office itself):
/// those of its region ([`for_region`]).
pub async fn for_unit<P: OfficePeriods>(
    tx: &mut crate::db::Tx,
    unit: i64,
    default: &P,
) -> AppResult<P> {
    let region: Option<String> = sqlx::query_scalar("SELECT region_code FROM units WHERE id = $1")
        .bind(unit)
        .fetch_optional(&mut **tx)
        .await?;
    match region.as_deref().and_then(RegionCode::parse) {
        Some(region) => for_region(tx, &region, default).await,
        None => Ok(*default),
    }
}

/// The periods that apply in `region`: those of the most specific office governing it that
/// set its own (a county office's, else its city's), merged over `default`.
pub async fn for_region<P: OfficePeriods>(
    tx: &mut crate::db::Tx,
    region: &RegionCode,
    default: &P,
) -> AppResult<P> {
    for office in governing_offices(&mut **tx, region).await? {
        if let Some(o) = own::<P>(&mut **tx, office).await? {
            return Ok(merged(default, &o));
        }
    }
    Ok(*default)
}

/// The office director sets his office's own periods, each within its bounds; `None` returns
/// to the deployment's. Records started afterwards run on them; clocks already open keep
/// their dates. One transaction with the audit.
pub async fn set<P: OfficePeriods>(
    db: &Db,
    actor: &Actor,
    who: &Who,
    periods: Option<P>,
    default: &P,
) -> AppResult<()> {
    if !actor.has(crate::access::Role::OfficeDirector) {
        return Err(AppError::Forbidden);
    }
    if let Some(p) = &periods {
        check(p)?;
        fixed(p, default)?;
    }
    let json = periods
        .map(|p| serde_json::to_string(&p))
        .transpose()
        .map_err(AppError::internal)?;
    let mut tx = db.begin().await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE units SET {} = $1 WHERE id = $2",
        P::COLUMN
    )))
    .bind(&json)
    .bind(actor.unit_id)
    .execute(&mut *tx)
    .await?;
    crate::procedure::finish(
        tx,
        who,
        Entry::new(P::AUDIT, "unit")
            .object(actor.unit_id, Some(actor.unit_id))
            .summary(json!({ "periods": periods })),
    )
    .await
}

/// The office whose region holds `region`: the most specific active office (a county office
/// before the city's), if there is one.
pub async fn governing_office(
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    region: &RegionCode,
) -> AppResult<Option<i64>> {
    Ok(governing_offices(exec, region).await?.first().copied())
}

/// The active offices whose region holds `region`, the most specific first.
pub async fn governing_offices(
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    region: &RegionCode,
) -> AppResult<Vec<i64>> {
    let offices: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, region_code FROM units WHERE active = 1 \
         AND kind IN ('group_office', 'county_office') ORDER BY id",
    )
    .fetch_all(exec)
    .await?;
    let mut within: Vec<(i64, RegionCode)> = offices
        .into_iter()
        .filter_map(|(id, code)| RegionCode::parse(&code).map(|c| (id, c)))
        .filter(|(_, c)| c.contains(region))
        .collect();
    within.sort_by_key(|(id, c)| (std::cmp::Reverse(c.scope_prefix().len()), *id));
    Ok(within.into_iter().map(|(id, _)| id).collect())
}

/// One row of the settings page: the matter, its rule, what applies, what may be set, and the
/// form's figure (as typed beside a refusal).
#[derive(Debug, Clone)]
pub struct Row {
    pub field: &'static str,
    pub id: String,
    pub matter: &'static str,
    pub clause: &'static str,
    pub current: String,
    pub allowed: String,
    pub value: String,
    pub error: Option<String>,
}

/// The rows of the settings page of `p`; `typed` gives what was typed beside a refusal.
pub fn rows<P: OfficePeriods>(
    p: &P,
    typed: Option<&dyn Fn(&str) -> String>,
    errors: &FieldErrors,
) -> Vec<Row> {
    P::BOUNDS
        .iter()
        .map(|b| {
            let figure = shown(p, b);
            Row {
                field: b.field,
                id: b.id(),
                matter: b.matter,
                clause: b.clause,
                current: format!("{figure}{}", b.measure.unit()),
                allowed: b.allowed(),
                value: typed.map_or_else(|| figure.to_string(), |t| t(b.field)),
                error: errors.get(b.field).map(str::to_string),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    struct Inner {
        days: u32,
        fen: i64,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    struct Set {
        a: u32,
        inner: Inner,
    }

    impl OfficePeriods for Set {
        const COLUMN: &'static str = "x";
        const AUDIT: &'static str = "x.settings";
        const BOUNDS: &'static [Bound] = &[
            Bound {
                field: "a",
                matter: "甲事项",
                clause: "某办法第一条",
                measure: Measure::WorkingDays,
                min: 1,
                max: 5,
            },
            Bound {
                field: "inner.days",
                matter: "乙事项",
                clause: "某办法第二条",
                measure: Measure::Years,
                min: 1,
                max: 3,
            },
            Bound {
                field: "inner.fen",
                matter: "丙数额",
                clause: "某规定",
                measure: Measure::Fen,
                min: 1,
                max: 10_000,
            },
        ];
    }

    const BASE: Set = Set {
        a: 5,
        inner: Inner {
            days: 3,
            fen: 300_000,
        },
    };

    #[test]
    fn each_period_must_lie_within_its_bounds() {
        assert!(check(&BASE).is_ok());
        let mut slow = BASE;
        slow.a = 6;
        slow.inner.days = 0;
        let e = check(&slow).expect_err("refused");
        assert_eq!(e.get("a"), Some("甲事项应为1至5个工作日（某办法第一条）"));
        assert_eq!(
            e.get("inner.days"),
            Some("乙事项应为1至3年（某办法第二条）")
        );
        assert!(e.get("inner.fen").is_none());
        let mut rich = BASE;
        rich.inner.fen = 1_000_100;
        assert!(
            check(&rich)
                .expect_err("refused")
                .get("inner.fen")
                .is_some()
        );
    }

    #[test]
    fn the_form_sets_nested_fields_and_amounts_in_yuan() {
        let typed = |f: &str| match f {
            "a" => " 2 ".to_string(),
            "inner.days" => "1".into(),
            _ => "5000".into(),
        };
        let p = from_form(&BASE, typed).expect("parsed");
        assert_eq!(
            p,
            Set {
                a: 2,
                inner: Inner {
                    days: 1,
                    fen: 500_000
                }
            }
        );
        let e = from_form(
            &BASE,
            |f: &str| if f == "a" { "两".into() } else { "1".into() },
        )
        .expect_err("refused");
        assert_eq!(e.get("a"), Some("请填写工作日数（整数）"));
        let rows = rows(&p, None, &FieldErrors::new());
        assert_eq!(rows[1].id, "inner-days");
        assert_eq!(rows[2].current, "5000元");
        assert_eq!(rows[2].value, "5000");
        assert_eq!(rows[0].allowed, "1至5个工作日");
    }
}

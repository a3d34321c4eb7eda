//! Figures of the linkage work by unit and period: transfers, filing rate, refusals,
//! reconsiderations and their outcomes, procuratorate supervisions, hand-backs, and the share
//! of each unit's clocks met on time — on screen and as an .xlsx workbook. The tally is pure;
//! reading and writing the workbook are at the edges.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::flow;
use crate::access::Scope;
use crate::access::sql::parties_in_scope;
use crate::db::Db;
use crate::db::query::Sql;
use crate::deadline::Clock;
use crate::error::{AppError, AppResult};

/// One transfer as the tally needs it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TransferFact {
    pub from_unit_id: i64,
    pub from_unit_name: String,
    pub to_unit_id: i64,
    pub to_unit_name: String,
    pub direction: String,
    pub state: String,
    pub refused: i64,
    pub reconsideration: Option<String>,
    pub supervision: Option<String>,
}

/// One clock of a transfer: its owner and how it ended.
#[derive(Debug, Clone)]
pub struct ClockFact {
    pub owner_unit_id: i64,
    pub owner_unit_name: String,
    pub on_time: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct UnitFigures {
    pub unit_id: i64,
    pub unit_name: String,
    /// Transfers to the police sent by the unit, or received by a police unit.
    pub transfers: i64,
    pub filed: i64,
    pub refused: i64,
    /// Filed over transfers with a decision (filed or refused at least once), in percent.
    pub filing_rate: Option<f64>,
    pub reconsiderations: i64,
    pub reconsidered_filed: i64,
    pub reconsidered_upheld: i64,
    pub supervisions: i64,
    pub supervised_filed: i64,
    pub supervised_sustained: i64,
    /// Hand-backs sent (police) or received (market regulation).
    pub hand_backs: i64,
    pub clocks_settled: i64,
    pub clocks_on_time: i64,
    /// Clocks met on time over clocks met or missed, in percent.
    pub on_time_rate: Option<f64>,
}

fn rate(n: i64, d: i64) -> Option<f64> {
    (d > 0).then(|| (n as f64 * 1000.0 / d as f64).round() / 10.0)
}

/// Count one transfer into a row.
fn count(r: &mut UnitFigures, t: &TransferFact) {
    if t.direction == "hand_back" {
        r.hand_backs += 1;
        return;
    }
    r.transfers += 1;
    if t.state == "filed" {
        r.filed += 1;
    }
    if t.refused == 1 {
        r.refused += 1;
    }
    match t.reconsideration.as_deref() {
        Some("requested") => r.reconsiderations += 1,
        Some("filed") => {
            r.reconsiderations += 1;
            r.reconsidered_filed += 1;
        }
        Some("upheld") => {
            r.reconsiderations += 1;
            r.reconsidered_upheld += 1;
        }
        _ => {}
    }
    match t.supervision.as_deref() {
        Some("requested") => r.supervisions += 1,
        Some("filed") => {
            r.supervisions += 1;
            r.supervised_filed += 1;
        }
        Some("sustained") => {
            r.supervisions += 1;
            r.supervised_sustained += 1;
        }
        _ => {}
    }
}

fn finish_rates(r: &mut UnitFigures) {
    // A refusal later reversed is counted among the filed, not again as a decision.
    let decided = r.filed + (r.refused - r.reconsidered_filed - r.supervised_filed).max(0);
    r.filing_rate = rate(r.filed, decided);
    r.on_time_rate = rate(r.clocks_on_time, r.clocks_settled);
}

/// Tally the figures per unit: each transfer counts for both its sending and its receiving
/// unit, so the market regulation row and the police row of the same work agree.
pub fn tally(transfers: &[TransferFact], clocks: &[ClockFact]) -> Vec<UnitFigures> {
    let mut by: BTreeMap<i64, UnitFigures> = BTreeMap::new();
    fn row<'a>(by: &'a mut BTreeMap<i64, UnitFigures>, id: i64, name: &str) -> &'a mut UnitFigures {
        by.entry(id).or_insert_with(|| UnitFigures {
            unit_id: id,
            unit_name: name.to_string(),
            ..Default::default()
        })
    }
    for t in transfers {
        for (id, name) in [
            (t.from_unit_id, &t.from_unit_name),
            (t.to_unit_id, &t.to_unit_name),
        ] {
            count(row(&mut by, id, name), t);
        }
    }
    for c in clocks {
        if let Some(on_time) = c.on_time {
            let r = row(&mut by, c.owner_unit_id, &c.owner_unit_name);
            r.clocks_settled += 1;
            r.clocks_on_time += i64::from(on_time);
        }
    }
    let mut out: Vec<UnitFigures> = by.into_values().collect();
    out.iter_mut().for_each(finish_rates);
    out.sort_by(|a, b| {
        b.transfers
            .cmp(&a.transfers)
            .then(a.unit_id.cmp(&b.unit_id))
    });
    out
}

/// Whether a clock was kept: met on or before its due date; missed, or met late, is not.
/// Open and waived clocks are not counted, nor are the optional request windows, which bind
/// no one.
pub fn on_time(clause: &str, clock: &Clock, due: Option<NaiveDate>) -> Option<bool> {
    if clause == flow::REQUEST_CLAUSE || clause == flow::SUPERVISION_WINDOW_CLAUSE {
        return None;
    }
    let t = crate::deadline::Timeliness::of(&clock.state, due);
    t.is_settled().then(|| !t.is_late())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Figures {
    pub from: String,
    pub to: String,
    pub rows: Vec<UnitFigures>,
    pub total: UnitFigures,
}

/// The figures for transfers sent in [from, to] within `scope`.
pub async fn figures(db: &Db, scope: &Scope, from: NaiveDate, to: NaiveDate) -> AppResult<Figures> {
    // The period is of the day a transfer was sent (a Beijing date), so drafts never count.
    let range = |q: &mut Sql| {
        q.push(" AND t.sent_on >= ")
            .bind(from.to_string())
            .push(" AND t.sent_on <= ")
            .bind(to.to_string());
    };
    let mut q = Sql::new(
        "SELECT t.from_unit_id, fu.name AS from_unit_name, t.to_unit_id, tu.name AS to_unit_name, t.direction, t.state, \
         t.refused, t.reconsideration, t.supervision FROM transfers t JOIN units fu ON fu.id = t.from_unit_id \
         JOIN units tu ON tu.id = t.to_unit_id WHERE t.state <> 'draft' AND ",
    );
    q.append(parties_in_scope(scope, super::store::RESOURCE, "t.id"));
    range(&mut q);
    let transfers: Vec<TransferFact> = q.query_as().fetch_all(&db.pool).await?;
    let mut q = Sql::new(
        "SELECT d.owner_unit_id, u.name, d.clause, d.clock, d.due_date FROM deadlines d JOIN transfers t \
         ON d.record_type = 'transfer' AND d.record_id = t.id JOIN units u ON u.id = d.owner_unit_id WHERE ",
    );
    q.append(parties_in_scope(scope, super::store::RESOURCE, "t.id"));
    range(&mut q);
    let rows: Vec<(i64, String, String, String, Option<String>)> =
        q.query_as().fetch_all(&db.pool).await?;
    let mut clocks = Vec::new();
    for (owner, name, clause, clock, due) in rows {
        let clock: Clock = serde_json::from_str(&clock).map_err(AppError::internal)?;
        let due = due.and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok());
        clocks.push(ClockFact {
            owner_unit_id: owner,
            owner_unit_name: name,
            on_time: on_time(&clause, &clock, due),
        });
    }
    let mut rows = tally(&transfers, &clocks);
    // A unit sees its own row only, not the figures of the units it worked with.
    if let Scope::Unit(u) = scope {
        rows.retain(|r| r.unit_id == *u);
    }
    let total = total_of(&transfers, &clocks, scope);
    Ok(Figures {
        from: from.to_string(),
        to: to.to_string(),
        rows,
        total,
    })
}

/// The totals over the scope: each transfer once; the clocks of the reader's own unit when
/// the scope is a unit.
fn total_of(transfers: &[TransferFact], clocks: &[ClockFact], scope: &Scope) -> UnitFigures {
    let mut total = UnitFigures {
        unit_name: "合计".into(),
        ..Default::default()
    };
    for t in transfers {
        count(&mut total, t);
    }
    for c in clocks {
        let mine = match scope {
            Scope::Unit(u) => c.owner_unit_id == *u,
            _ => true,
        };
        if let (true, Some(on_time)) = (mine, c.on_time) {
            total.clocks_settled += 1;
            total.clocks_on_time += i64::from(on_time);
        }
    }
    finish_rates(&mut total);
    total
}

/// The figures as an .xlsx workbook with one sheet.
pub fn workbook(f: &Figures, region: &str) -> AppResult<Vec<u8>> {
    use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};
    let xl = |e: rust_xlsxwriter::XlsxError| AppError::internal(format!("xlsx: {e}"));
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("两法衔接统计").map_err(xl)?;
    let title = Format::new().set_bold().set_font_size(14);
    let head = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_text_wrap();
    let cell = Format::new().set_border(FormatBorder::Thin);
    let pct = Format::new()
        .set_border(FormatBorder::Thin)
        .set_num_format("0.0");
    ws.write_string_with_format(
        0,
        0,
        format!("{region}行政执法与刑事司法衔接工作统计表"),
        &title,
    )
    .map_err(xl)?;
    ws.write_string(
        1,
        0,
        format!("统计期间：{} 至 {}（按登记日期）", f.from, f.to),
    )
    .map_err(xl)?;
    let headers = [
        "单位",
        "移送案件数",
        "立案数",
        "不予立案数",
        "立案率(%)",
        "提请复议数",
        "复议后立案",
        "复议维持",
        "建议立案监督数",
        "监督后立案",
        "不立案理由成立",
        "移交市场监管数",
        "期限已结数",
        "按时办结数",
        "按时率(%)",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(3, c as u16, *h, &head)
            .map_err(xl)?;
    }
    ws.set_column_width(0, 36).map_err(xl)?;
    for c in 1..headers.len() as u16 {
        ws.set_column_width(c, 11).map_err(xl)?;
    }
    for (i, r) in f.rows.iter().chain(std::iter::once(&f.total)).enumerate() {
        let row = 4 + i as u32;
        ws.write_string_with_format(row, 0, &r.unit_name, &cell)
            .map_err(xl)?;
        let ints = [
            r.transfers,
            r.filed,
            r.refused,
            -1,
            r.reconsiderations,
            r.reconsidered_filed,
            r.reconsidered_upheld,
            r.supervisions,
            r.supervised_filed,
            r.supervised_sustained,
            r.hand_backs,
            r.clocks_settled,
            r.clocks_on_time,
        ];
        for (j, v) in ints.iter().enumerate() {
            let col = 1 + j as u16;
            if *v >= 0 {
                ws.write_number_with_format(row, col, *v as f64, &cell)
                    .map_err(xl)?;
            }
        }
        for (col, v) in [(4u16, r.filing_rate), (14u16, r.on_time_rate)] {
            match v {
                Some(p) => ws.write_number_with_format(row, col, p, &pct).map_err(xl)?,
                None => ws
                    .write_string_with_format(row, col, "—", &cell)
                    .map_err(xl)?,
            };
        }
    }
    wb.save_to_buffer().map_err(xl)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(
        from: i64,
        to: i64,
        dir: &str,
        state: &str,
        refused: i64,
        rec: Option<&str>,
        sup: Option<&str>,
    ) -> TransferFact {
        TransferFact {
            from_unit_id: from,
            from_unit_name: format!("单位{from}"),
            to_unit_id: to,
            to_unit_name: format!("单位{to}"),
            direction: dir.into(),
            state: state.into(),
            refused,
            reconsideration: rec.map(Into::into),
            supervision: sup.map(Into::into),
        }
    }

    fn sample() -> Vec<TransferFact> {
        vec![
            t(1, 9, "to_police", "filed", 0, None, None),
            t(1, 9, "to_police", "filed", 1, Some("filed"), None),
            t(
                1,
                9,
                "to_police",
                "not_filed",
                1,
                Some("upheld"),
                Some("sustained"),
            ),
            t(2, 9, "to_police", "under_review", 0, None, None),
            t(9, 1, "hand_back", "reported", 0, None, None),
        ]
    }

    #[test]
    fn counts_per_unit_agree_between_the_sides() {
        let rows = tally(&sample(), &[]);
        let police = rows.iter().find(|r| r.unit_id == 9).expect("police");
        let mr = rows.iter().find(|r| r.unit_id == 1).expect("mr");
        assert_eq!(police.transfers, 4);
        assert_eq!(mr.transfers, 3);
        assert_eq!((mr.filed, mr.refused), (2, 2));
        // Decided: 2 filed + 1 refusal that stood → 2/3.
        assert_eq!(mr.filing_rate, Some(66.7));
        assert_eq!(
            (
                mr.reconsiderations,
                mr.reconsidered_filed,
                mr.reconsidered_upheld
            ),
            (2, 1, 1)
        );
        assert_eq!((mr.supervisions, mr.supervised_sustained), (1, 1));
        assert_eq!((mr.hand_backs, police.hand_backs), (1, 1));
        let pending = rows.iter().find(|r| r.unit_id == 2).expect("pending");
        assert_eq!(pending.filing_rate, None, "no decision yet");
    }

    #[test]
    fn on_time_rate_counts_only_settled_duties() {
        let clocks = vec![
            ClockFact {
                owner_unit_id: 9,
                owner_unit_name: "公安".into(),
                on_time: Some(true),
            },
            ClockFact {
                owner_unit_id: 9,
                owner_unit_name: "公安".into(),
                on_time: Some(false),
            },
            ClockFact {
                owner_unit_id: 9,
                owner_unit_name: "公安".into(),
                on_time: None,
            },
        ];
        let rows = tally(&[], &clocks);
        assert_eq!(rows[0].clocks_settled, 2);
        assert_eq!(rows[0].on_time_rate, Some(50.0));
    }

    #[test]
    fn totals_count_each_transfer_once() {
        let total = total_of(&sample(), &[], &Scope::All);
        assert_eq!(total.transfers, 4);
        assert_eq!(total.filed, 2);
        assert_eq!(total.hand_backs, 1);
        assert_eq!(total.reconsiderations, 2);
    }

    #[test]
    fn workbook_is_a_zip_with_the_sheet() {
        let f = Figures {
            from: "2026-01-01".into(),
            to: "2026-12-31".into(),
            rows: tally(&sample(), &[]),
            total: total_of(&sample(), &[], &Scope::All),
        };
        let bytes = workbook(&f, "信阳市").expect("xlsx");
        assert_eq!(&bytes[..2], b"PK");
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
        let mut sheet = String::new();
        std::io::Read::read_to_string(
            &mut zip.by_name("xl/sharedStrings.xml").expect("strings"),
            &mut sheet,
        )
        .expect("read");
        assert!(sheet.contains("立案率(%)") && sheet.contains("单位9"));
    }
}

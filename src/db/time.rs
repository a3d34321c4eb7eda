//! Instants are stored as UTC text with a fixed width so that text order is time order on both
//! databases, and shown to people in Beijing time (Asia/Shanghai has been UTC+8 without DST
//! since 1991, so a fixed offset is exact). The current time comes from the operation's clock
//! (`crate::clock::Clock`), never from here.

use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat, Utc};

pub fn to_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

pub fn beijing() -> FixedOffset {
    // 8 hours east of UTC; the constant is always in range.
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero"))
}

/// "2026年11月23日 17:32" in Beijing time, as people write it: for pages, notices and
/// documents.
pub fn display(text: &str) -> String {
    beijing_format(text, "%Y年%-m月%-d日 %H:%M")
}

/// "2026年11月23日 17:32:05": where the order of events within a minute matters (the audit
/// log).
pub fn display_precise(text: &str) -> String {
    beijing_format(text, "%Y年%-m月%-d日 %H:%M:%S")
}

/// "2026-11-23 17:32:05" in Beijing time, for exports that spreadsheets sort.
pub fn export(text: &str) -> String {
    beijing_format(text, "%Y-%m-%d %H:%M:%S")
}

fn beijing_format(text: &str, format: &str) -> String {
    parse(text)
        .map(|t| t.with_timezone(&beijing()).format(format).to_string())
        .unwrap_or_else(|| text.to_string())
}

/// The stored (UTC) timestamp text at which the Beijing day `d` begins, for comparing stored
/// timestamps with dates people pick: a record made at 07:00 on the 24th in Beijing is stored
/// as the 23rd in UTC.
pub fn beijing_day_start(d: NaiveDate) -> String {
    let start = d
        .and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(beijing()).single())
        .map(|t| t.with_timezone(&Utc));
    match start {
        Some(t) => to_text(t),
        // Only out-of-range dates get here; they bound nothing.
        None => d.to_string(),
    }
}

/// The date in Beijing at the instant `t`.
pub fn beijing_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&beijing()).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_order() {
        let a = parse("2026-01-01T00:00:00Z").expect("parse");
        let b = a + chrono::Duration::microseconds(1);
        assert!(to_text(a) < to_text(b));
        assert_eq!(to_text(a).len(), to_text(b).len());
        assert_eq!(parse(&to_text(b)), Some(b));
    }

    #[test]
    fn shows_beijing_time() {
        let at = "2026-11-23T17:32:05.000000Z";
        assert_eq!(display(at), "2026年11月24日 01:32");
        assert_eq!(display_precise(at), "2026年11月24日 01:32:05");
        assert_eq!(export(at), "2026-11-24 01:32:05");
        assert_eq!(display("not a time"), "not a time");
    }

    #[test]
    fn a_beijing_day_begins_at_16_00_utc_the_day_before() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 24).expect("date");
        assert_eq!(beijing_day_start(d), "2026-11-23T16:00:00.000000Z");
        // 07:00 on the 24th in Beijing is inside the 24th, not the 23rd.
        let morning = "2026-11-23T23:00:00.000000Z";
        assert!(morning >= beijing_day_start(d).as_str());
        assert!(morning < beijing_day_start(d.succ_opt().expect("next")).as_str());
    }
}

//! Instants are stored as UTC text with a fixed width so that text order is time order on both
//! databases, and shown to people in Beijing time (Asia/Shanghai has been UTC+8 without DST
//! since 1991, so a fixed offset is exact).

use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat, Utc};

pub fn now() -> DateTime<Utc> {
    Utc::now()
}

pub fn to_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub fn now_text() -> String {
    to_text(now())
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

/// "2026-11-23 17:32:05" in Beijing time, for pages and exports.
pub fn display(text: &str) -> String {
    parse(text)
        .map(|t| {
            t.with_timezone(&beijing())
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_else(|| text.to_string())
}

pub fn today_beijing() -> NaiveDate {
    now().with_timezone(&beijing()).date_naive()
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
        assert_eq!(
            display("2026-11-23T17:32:05.000000Z"),
            "2026-11-24 01:32:05"
        );
    }
}

//! Long exports (issue #16, "exports that scale"): a workbook of every clock of a period, a
//! million rows if need be, written in the background in constant memory — rows read from the
//! database as a stream and written by rust_xlsxwriter's constant-memory worksheet, which keeps
//! one row in memory and the rest in a temporary file — with its progress on a page that
//! refreshes itself, and the file sent as it is read once ready.
//!
//! One instance writes the file under `data_dir/exports`; behind a load balancer the download
//! must reach that instance (docs/operations.md).

pub mod http;
pub mod store;

/// How far an export has gone, in whole percent (0 until rows are known; 100 when done).
pub fn percent(done: i64, total: i64) -> i64 {
    if total <= 0 {
        return 0;
    }
    (done.clamp(0, total) * 100) / total
}

/// How often (in rows) a running export writes its progress: often enough for the page, rarely
/// enough not to slow it.
pub const PROGRESS_EVERY: i64 = 10_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_is_whole_percent_within_bounds() {
        assert_eq!(percent(0, 0), 0);
        assert_eq!(percent(5, 0), 0);
        assert_eq!(percent(0, 1_000_000), 0);
        assert_eq!(percent(333_333, 1_000_000), 33);
        assert_eq!(percent(1_000_000, 1_000_000), 100);
        assert_eq!(percent(2_000_000, 1_000_000), 100, "never past the end");
    }
}

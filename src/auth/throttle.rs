//! Sign-in throttling. Per account: after `MAX_FAILURES` consecutive failures the account is
//! locked for `LOCK_MINUTES` (stored with the user, so it holds across instances). Per client
//! address: a sliding window in memory slows down guessing across many accounts.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const MAX_FAILURES: i64 = 5;
pub const LOCK_MINUTES: i64 = 15;

/// Whether this failure locks the account (pure rule).
pub fn locks_after(failures_so_far: i64) -> bool {
    failures_so_far + 1 >= MAX_FAILURES
}

pub struct AddressLimiter {
    max: usize,
    window: Duration,
    hits: Mutex<HashMap<String, Vec<Instant>>>,
}

impl AddressLimiter {
    pub fn new(max: usize, window: Duration) -> Self {
        AddressLimiter {
            max,
            window,
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// Count an attempt from `addr`; false when the address is over its limit.
    pub fn allow(&self, addr: &str) -> bool {
        let now = Instant::now();
        let Ok(mut hits) = self.hits.lock() else {
            return true;
        };
        if hits.len() > 10_000 {
            hits.retain(|_, v| {
                v.last()
                    .is_some_and(|t| now.duration_since(*t) < self.window)
            });
        }
        let v = hits.entry(addr.to_string()).or_default();
        v.retain(|t| now.duration_since(*t) < self.window);
        if v.len() >= self.max {
            return false;
        }
        v.push(now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_rule() {
        assert!(!locks_after(0));
        assert!(!locks_after(3));
        assert!(locks_after(4));
    }

    #[test]
    fn limiter_window() {
        let l = AddressLimiter::new(3, Duration::from_secs(60));
        assert!(l.allow("a") && l.allow("a") && l.allow("a"));
        assert!(!l.allow("a"));
        assert!(l.allow("b"));
    }
}

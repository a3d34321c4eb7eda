//! Sign-in throttling. Per account: after `MAX_FAILURES` consecutive failures the account is
//! locked for `LOCK_MINUTES` (stored with the user, so it holds across instances). Per client
//! address: a sliding window of failed sign-ins in memory slows down guessing across many
//! accounts. Only failures count, so people signing in correctly from one address (an office
//! behind one NAT, or a proxy when `trust_forwarded_for` is off) never lock each other out.

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

    /// Whether `addr` has failed too often within the window: its sign-ins are refused unread.
    pub fn blocked(&self, addr: &str) -> bool {
        let now = Instant::now();
        let Ok(mut hits) = self.hits.lock() else {
            return false;
        };
        match hits.get_mut(addr) {
            Some(v) => {
                v.retain(|t| now.duration_since(*t) < self.window);
                v.len() >= self.max
            }
            None => false,
        }
    }

    /// Count a failed sign-in from `addr`.
    pub fn failed(&self, addr: &str) {
        let now = Instant::now();
        let Ok(mut hits) = self.hits.lock() else {
            return;
        };
        if hits.len() > 10_000 {
            hits.retain(|_, v| {
                v.last()
                    .is_some_and(|t| now.duration_since(*t) < self.window)
            });
        }
        let v = hits.entry(addr.to_string()).or_default();
        v.retain(|t| now.duration_since(*t) < self.window);
        v.push(now);
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
        for _ in 0..3 {
            assert!(!l.blocked("a"));
            l.failed("a");
        }
        assert!(l.blocked("a"));
        assert!(!l.blocked("b"));
        let short = AddressLimiter::new(1, Duration::from_millis(0));
        short.failed("a");
        assert!(!short.blocked("a"), "failures leave the window");
    }
}

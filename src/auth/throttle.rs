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

    /// Take a turn for a sign-in from `addr`: false when the address has failed too often within
    /// the window. The attempt counts at once, as if it failed, so that a burst of sign-ins
    /// sent in parallel cannot all pass before any failure is known; [`Self::succeeded`] takes
    /// it back when the password was right.
    pub fn try_begin(&self, addr: &str) -> bool {
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

    /// The sign-in begun from `addr` succeeded: it does not count against the address.
    pub fn succeeded(&self, addr: &str) {
        if let Ok(mut hits) = self.hits.lock()
            && let Some(v) = hits.get_mut(addr)
        {
            v.pop();
        }
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
        // Successes give their turn back.
        for _ in 0..10 {
            assert!(l.try_begin("a"));
            l.succeeded("a");
        }
        // Three attempts in flight at once use the budget up before any of them is known.
        assert!(l.try_begin("a") && l.try_begin("a") && l.try_begin("a"));
        assert!(!l.try_begin("a"));
        assert!(l.try_begin("b"));
        let short = AddressLimiter::new(1, Duration::from_millis(0));
        assert!(short.try_begin("a"));
        assert!(short.try_begin("a"), "failures leave the window");
    }
}

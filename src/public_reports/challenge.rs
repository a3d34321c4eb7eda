//! The public site's challenge, with no third party: a proof of work. The confirmation page
//! gives a token (the time it was issued and a random nonce); the reporter's browser searches
//! for a counter whose SHA-256 with the token starts with `bits` zero bits (a second or so on a
//! phone at the default 16), and the report is accepted only with it. Each token is spent once:
//! the report keeps its nonce under a unique index, so a solved token cannot be replayed, and
//! a script pays the work for every report it sends. Nothing here needs a secret: a forged
//! token costs the same work as an issued one. Pure but for the random source.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::error::AppError;

/// How long a token stays good: a reporter may take a while to choose the evidence.
pub const VALID_MINUTES: i64 = 120;

/// A token issued at `at`: `v1.<unix seconds>.<32 hex digits of chance>`.
pub fn issue(at: DateTime<Utc>) -> Result<String, AppError> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| AppError::internal(format!("random source: {e}")))?;
    Ok(format!("v1.{}.{}", at.timestamp(), crate::domain::hex(&b)))
}

/// Why a proof is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No token, or not one of ours.
    Malformed,
    /// Issued too long ago (or in the future).
    Expired,
    /// The counter does not solve the token.
    Unsolved,
    /// The token was spent on a report already.
    Spent,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Refusal::Malformed => "challenge_missing",
            Refusal::Expired => "challenge_expired",
            Refusal::Unsolved => "challenge_unsolved",
            Refusal::Spent => "challenge_spent",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Refusal::Malformed | Refusal::Unsolved => {
                "提交前的安全校验未完成，请稍候片刻再点击“确认提交”"
            }
            Refusal::Expired => "页面停留时间过长，安全校验已失效，请重新核对后提交",
            Refusal::Spent => {
                "这份举报投诉已经提交过，请勿重复提交；如需补充，请通过查询页补充材料"
            }
        }
    }
}

/// The number of leading zero bits of `digest`.
fn leading_zero_bits(digest: &[u8]) -> u32 {
    let mut n = 0;
    for b in digest {
        if *b == 0 {
            n += 8;
        } else {
            return n + b.leading_zeros();
        }
    }
    n
}

/// SHA-256 of `token:counter`, as the browser computes it.
fn work(token: &str, counter: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(token.as_bytes());
    h.update(b":");
    h.update(counter.as_bytes());
    h.finalize().into()
}

/// Check a solved token at `now`; returns its nonce, which the report keeps so it is spent once.
pub fn verify(
    token: &str,
    counter: &str,
    bits: u32,
    now: DateTime<Utc>,
) -> Result<String, Refusal> {
    let mut parts = token.split('.');
    let (Some("v1"), Some(issued), Some(nonce), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Refusal::Malformed);
    };
    let issued: i64 = issued.parse().map_err(|_| Refusal::Malformed)?;
    if nonce.len() != 32 || !nonce.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Refusal::Malformed);
    }
    let age = now.timestamp() - issued;
    // A minute of grace for the clocks of several instances.
    if !(-60..=VALID_MINUTES * 60).contains(&age) {
        return Err(Refusal::Expired);
    }
    if counter.is_empty() || counter.len() > 20 || !counter.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Refusal::Unsolved);
    }
    if leading_zero_bits(&work(token, counter)) < bits {
        return Err(Refusal::Unsolved);
    }
    Ok(nonce.to_ascii_lowercase())
}

/// Solve `token` as the browser does (tests and scripted clients of the API).
pub fn solve(token: &str, bits: u32) -> String {
    let mut i: u64 = 0;
    loop {
        let c = i.to_string();
        if leading_zero_bits(&work(token, &c)) >= bits {
            return c;
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(s, 0).expect("time")
    }

    #[test]
    fn a_solved_token_is_accepted_and_gives_its_nonce() {
        let t = issue(at(1_800_000_000)).expect("token");
        let c = solve(&t, 12);
        let nonce = verify(&t, &c, 12, at(1_800_000_100)).expect("solved");
        assert_eq!(nonce.len(), 32);
        assert!(t.ends_with(&nonce));
    }

    #[test]
    fn an_unsolved_or_wrong_counter_is_refused() {
        let t = issue(at(1_800_000_000)).expect("token");
        let c = solve(&t, 12);
        // The counter of one token does not solve another.
        let refused = (0..4).any(|_| {
            let other = issue(at(1_800_000_000)).expect("token");
            verify(&other, &c, 12, at(1_800_000_000)).is_err()
        });
        assert!(refused);
        assert_eq!(
            verify(&t, "", 12, at(1_800_000_000)),
            Err(Refusal::Unsolved)
        );
        assert_eq!(
            verify(&t, "12a", 12, at(1_800_000_000)),
            Err(Refusal::Unsolved)
        );
        // More work asked than was done: a 12-bit solution rarely has 24 bits.
        let hard = (0..8).any(|_| {
            let t = issue(at(1_800_000_000)).expect("token");
            let c = solve(&t, 4);
            verify(&t, &c, 24, at(1_800_000_000)) == Err(Refusal::Unsolved)
        });
        assert!(hard);
    }

    #[test]
    fn a_token_lasts_two_hours() {
        let t = issue(at(1_800_000_000)).expect("token");
        let c = solve(&t, 8);
        assert!(verify(&t, &c, 8, at(1_800_000_000 + 120 * 60)).is_ok());
        assert_eq!(
            verify(&t, &c, 8, at(1_800_000_000 + 120 * 60 + 1)),
            Err(Refusal::Expired)
        );
        assert_eq!(
            verify(&t, &c, 8, at(1_800_000_000 - 61)),
            Err(Refusal::Expired)
        );
    }

    #[test]
    fn a_token_not_ours_is_malformed() {
        for t in [
            "",
            "v1",
            "v2.1800000000.00112233445566778899aabbccddeeff",
            "v1.x.00112233445566778899aabbccddeeff",
            "v1.1800000000.0011",
            "v1.1800000000.00112233445566778899aabbccddeeff.1",
        ] {
            assert_eq!(
                verify(t, "1", 0, at(1_800_000_000)),
                Err(Refusal::Malformed),
                "{t}"
            );
        }
    }

    #[test]
    fn zero_bits_are_counted_across_bytes() {
        assert_eq!(leading_zero_bits(&[0, 0, 0x10]), 19);
        assert_eq!(leading_zero_bits(&[0x80]), 0);
        assert_eq!(leading_zero_bits(&[0, 0]), 16);
    }
}

//! The audit trail's hash chain, as pure functions over records: how a record's hash is
//! computed and how a walk over the stored trail finds the first record that was altered,
//! inserted or removed.

use serde::Serialize;
use sha2::{Digest, Sha256};

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AuditRecord {
    pub seq: i64,
    /// UTC, RFC 3339.
    pub at: String,
    pub actor_user_id: Option<i64>,
    pub actor_name: String,
    pub acting_unit_id: Option<i64>,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub object_unit_id: Option<i64>,
    /// JSON summary of the change.
    pub summary: String,
    pub request_id: Option<String>,
    pub client_addr: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// SHA-256 over the previous hash and every field of the record but its own hash, in a fixed
/// order and an unambiguous (JSON) encoding.
pub fn compute_hash(r: &AuditRecord) -> String {
    let content = serde_json::json!([
        r.seq,
        r.at,
        r.actor_user_id,
        r.actor_name,
        r.acting_unit_id,
        r.action,
        r.object_type,
        r.object_id,
        r.object_unit_id,
        r.summary,
        r.request_id,
        r.client_addr,
    ]);
    let mut h = Sha256::new();
    h.update(r.prev_hash.as_bytes());
    h.update(b"\n");
    h.update(content.to_string().as_bytes());
    crate::domain::hex(&h.finalize())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Finding {
    /// The record's content no longer matches its hash.
    Altered { seq: i64 },
    /// Records in this range are missing from the trail.
    Removed { from: i64, to: i64 },
    /// A record that the chain never contained: beyond the recorded head, or not linked to its
    /// predecessor.
    Inserted { seq: i64 },
    /// The head (last sequence number and hash) disagrees with the last record.
    HeadMismatch { head_seq: i64 },
    /// The record an anchor (a signed checkpoint kept outside the database) names has another
    /// hash now: the trail up to it was rewritten, head and all.
    AnchorMismatch { seq: i64 },
    /// The record an anchor names is no longer in the trail.
    AnchorMissing { seq: i64 },
}

impl Finding {
    pub fn describe(&self) -> String {
        match self {
            Finding::Altered { seq } => format!("第 {seq} 条审计记录被篡改（内容与哈希不符）"),
            Finding::Removed { from, to } if from == to => {
                format!("第 {from} 条审计记录被删除")
            }
            Finding::Removed { from, to } => format!("第 {from} 至 {to} 条审计记录被删除"),
            Finding::Inserted { seq } => {
                format!("第 {seq} 条审计记录是插入的（不在哈希链中）")
            }
            Finding::HeadMismatch { head_seq } => {
                format!("链头记录（第 {head_seq} 条）与审计记录不一致")
            }
            Finding::AnchorMismatch { seq } => {
                format!("第 {seq} 条审计记录与外部存证不符：存证之前的审计日志已被改写")
            }
            Finding::AnchorMissing { seq } => {
                format!("外部存证所记的第 {seq} 条审计记录已不在日志中")
            }
        }
    }
}

/// Incremental verifier: feed records in sequence order, then `finish` with the stored head.
pub struct Verifier {
    expected_seq: i64,
    prev_hash: String,
    /// A checkpoint kept outside the database: (sequence, hash), and whether it was reached.
    anchor: Option<(i64, String, bool)>,
    pub checked: u64,
    pub findings: Vec<Finding>,
}

impl Default for Verifier {
    fn default() -> Self {
        Verifier {
            expected_seq: 1,
            prev_hash: GENESIS.to_string(),
            anchor: None,
            checked: 0,
            findings: Vec::new(),
        }
    }
}

impl Verifier {
    /// A verifier that also holds the trail to a checkpoint taken earlier.
    pub fn anchored(seq: i64, hash: &str) -> Verifier {
        Verifier {
            anchor: Some((seq, hash.to_string(), false)),
            ..Verifier::default()
        }
    }

    pub fn feed(&mut self, r: &AuditRecord, head_seq: i64) {
        self.checked += 1;
        if let Some((seq, hash, seen)) = &mut self.anchor
            && *seq == r.seq
        {
            *seen = true;
            if *hash != r.hash {
                self.findings.push(Finding::AnchorMismatch { seq: r.seq });
            }
        }
        if r.seq > head_seq || r.seq < self.expected_seq {
            self.findings.push(Finding::Inserted { seq: r.seq });
            return;
        }
        let mut gap = false;
        if r.seq > self.expected_seq {
            self.findings.push(Finding::Removed {
                from: self.expected_seq,
                to: r.seq - 1,
            });
            gap = true;
        }
        if compute_hash(r) != r.hash {
            self.findings.push(Finding::Altered { seq: r.seq });
        } else if r.prev_hash != self.prev_hash && !gap {
            self.findings.push(Finding::Inserted { seq: r.seq });
        }
        self.prev_hash = r.hash.clone();
        self.expected_seq = r.seq + 1;
    }

    pub fn finish(mut self, head_seq: i64, head_hash: &str) -> Vec<Finding> {
        if let Some((seq, _, false)) = self.anchor {
            self.findings.push(Finding::AnchorMissing { seq });
        }
        if self.expected_seq <= head_seq {
            self.findings.push(Finding::Removed {
                from: self.expected_seq,
                to: head_seq,
            });
        } else if self.findings.is_empty() && self.prev_hash != head_hash {
            self.findings.push(Finding::HeadMismatch { head_seq });
        }
        self.findings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditRecord> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let mut r = AuditRecord {
                    seq,
                    at: format!("2026-11-23T00:00:{seq:02}.000000Z"),
                    actor_user_id: Some(1),
                    actor_name: "张三".into(),
                    acting_unit_id: Some(2),
                    action: "unit.create".into(),
                    object_type: "unit".into(),
                    object_id: Some(seq.to_string()),
                    object_unit_id: Some(2),
                    summary: "{}".into(),
                    request_id: None,
                    client_addr: None,
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                r.hash = compute_hash(&r);
                prev = r.hash.clone();
                r
            })
            .collect()
    }

    fn verify(rows: &[AuditRecord], head_seq: i64, head_hash: &str) -> Vec<Finding> {
        let mut v = Verifier::default();
        for r in rows {
            v.feed(r, head_seq);
        }
        v.finish(head_seq, head_hash)
    }

    #[test]
    fn intact_chain_verifies() {
        let rows = chain(5);
        assert_eq!(verify(&rows, 5, &rows[4].hash), vec![]);
        assert_eq!(verify(&[], 0, GENESIS), vec![]);
    }

    /// A tail rewritten together with the head passes the chain alone; the anchor taken before
    /// the rewrite catches it.
    #[test]
    fn an_anchor_catches_a_trail_rewritten_with_its_head() {
        let rows = chain(5);
        let anchored = |rows: &[AuditRecord], seq: i64, hash: &str| {
            let mut v = Verifier::anchored(seq, hash);
            for r in rows {
                v.feed(r, rows.len() as i64);
            }
            let last = rows.last().map(|r| r.hash.clone()).unwrap_or_default();
            v.finish(rows.len() as i64, &last)
        };
        assert_eq!(anchored(&rows, 3, &rows[2].hash), vec![]);

        // Records 3 to 5 forged and re-chained, head rewritten: the chain itself verifies.
        let mut forged = chain(5);
        forged.truncate(2);
        let mut prev = forged[1].hash.clone();
        for seq in 3..=5 {
            let mut r = rows[seq as usize - 1].clone();
            r.summary = "{\"forged\":true}".into();
            r.prev_hash = prev.clone();
            r.hash = compute_hash(&r);
            prev = r.hash.clone();
            forged.push(r);
        }
        assert_eq!(verify(&forged, 5, &prev), vec![]);
        assert_eq!(
            anchored(&forged, 3, &rows[2].hash),
            vec![Finding::AnchorMismatch { seq: 3 }]
        );
        // An anchor past what the trail now holds: records were cut away with the head.
        assert_eq!(
            anchored(&rows[..2], 3, &rows[2].hash),
            vec![Finding::AnchorMissing { seq: 3 }]
        );
    }

    #[test]
    fn finds_alteration() {
        let mut rows = chain(5);
        rows[2].summary = "{\"x\":1}".into();
        assert_eq!(
            verify(&rows, 5, &rows[4].hash.clone()),
            vec![Finding::Altered { seq: 3 }]
        );
    }

    #[test]
    fn finds_removal_in_middle_and_at_end() {
        let mut rows = chain(5);
        let head = rows[4].hash.clone();
        rows.remove(1);
        assert_eq!(
            verify(&rows, 5, &head),
            vec![Finding::Removed { from: 2, to: 2 }]
        );
        rows.pop();
        assert_eq!(
            verify(&rows, 5, &head),
            vec![
                Finding::Removed { from: 2, to: 2 },
                Finding::Removed { from: 5, to: 5 }
            ]
        );
    }

    #[test]
    fn finds_insertion() {
        let rows = chain(5);
        let head = rows[4].hash.clone();
        // Beyond the head.
        let mut forged = rows[4].clone();
        forged.seq = 6;
        forged.prev_hash = rows[4].hash.clone();
        forged.hash = compute_hash(&forged);
        let mut with = rows.clone();
        with.push(forged);
        assert_eq!(verify(&with, 5, &head), vec![Finding::Inserted { seq: 6 }]);
        // Re-linked in the middle with a self-consistent hash.
        let mut spliced = rows.clone();
        spliced[2].prev_hash = GENESIS.into();
        spliced[2].hash = compute_hash(&spliced[2]);
        let found = verify(&spliced, 5, &head);
        assert_eq!(found[0], Finding::Inserted { seq: 3 });
    }
}

//! Anchors: signed checkpoints of the audit trail, kept outside the database.
//!
//! The hash chain proves that no record was altered, inserted or removed relative to the
//! stored head, but someone with write access to the database could rewrite a tail of records
//! together with `audit_head`. An anchor (sequence, hash, time) signed with an Ed25519 key kept
//! outside the database, and stored somewhere else, settles it: `audit verify --anchor` fails if
//! the record the anchor names has any other hash now, so nothing up to that point changed.

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};

/// What is signed: a fixed prefix, so that the key signs nothing else by accident.
fn message(seq: i64, hash: &str, at: &str) -> String {
    format!("shuangda-audit-anchor/v1\n{seq}\n{hash}\n{at}")
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    /// The last record's sequence number when the anchor was taken.
    pub seq: i64,
    /// That record's hash.
    pub hash: String,
    /// When the anchor was taken (RFC 3339, UTC).
    pub at: String,
    /// The verifying key (hex), to tell which key signed; verification uses the key the
    /// operator names, never this one alone.
    pub public_key: String,
    /// Ed25519 signature (hex) over the message above.
    pub signature: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AnchorError {
    #[error("密钥格式不正确：应为64位十六进制字符（Ed25519 私钥种子）")]
    BadSecret,
    #[error("公钥格式不正确：应为64位十六进制字符")]
    BadPublic,
    #[error("存证签名格式不正确")]
    BadSignature,
    #[error("存证不是用所给公钥签名的")]
    WrongKey,
    #[error("存证签名无效：存证内容被改动过")]
    Forged,
}

fn unhex<const N: usize>(s: &str) -> Option<[u8; N]> {
    let s = s.trim();
    if s.len() != N * 2 || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; N];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&s[i * 2..i * 2 + 2], 16).ok()?;
    }
    Some(out)
}

/// A new signing key from the operating system's random source, as hex.
pub fn generate_secret() -> String {
    crate::domain::hex(&crate::auth::random_bytes::<32>())
}

pub fn signing_key(secret_hex: &str) -> Result<SigningKey, AnchorError> {
    unhex::<32>(secret_hex)
        .map(|b| SigningKey::from_bytes(&b))
        .ok_or(AnchorError::BadSecret)
}

pub fn public_hex(key: &SigningKey) -> String {
    crate::domain::hex(key.verifying_key().as_bytes())
}

pub fn verifying_key(public_hex: &str) -> Result<VerifyingKey, AnchorError> {
    unhex::<32>(public_hex)
        .and_then(|b| VerifyingKey::from_bytes(&b).ok())
        .ok_or(AnchorError::BadPublic)
}

impl Anchor {
    pub fn sign(key: &SigningKey, seq: i64, hash: &str, at: DateTime<Utc>) -> Anchor {
        let at = at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let signature = key.sign(message(seq, hash, &at).as_bytes());
        Anchor {
            seq,
            hash: hash.to_string(),
            at,
            public_key: public_hex(key),
            signature: crate::domain::hex(&signature.to_bytes()),
        }
    }

    /// The anchor was signed by `key` and has not been changed since.
    pub fn check(&self, key: &VerifyingKey) -> Result<(), AnchorError> {
        if verifying_key(&self.public_key).ok().as_ref() != Some(key) {
            return Err(AnchorError::WrongKey);
        }
        let sig = unhex::<64>(&self.signature)
            .map(|b| Signature::from_bytes(&b))
            .ok_or(AnchorError::BadSignature)?;
        key.verify(message(self.seq, &self.hash, &self.at).as_bytes(), &sig)
            .map_err(|_| AnchorError::Forged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-04T01:00:00Z")
            .expect("time")
            .with_timezone(&Utc)
    }

    #[test]
    fn a_signed_anchor_checks_with_its_key_only() {
        let key = signing_key(&generate_secret()).expect("key");
        let a = Anchor::sign(&key, 42, "ab12", at());
        assert_eq!(a.at, "2026-12-04T01:00:00Z");
        let public = verifying_key(&public_hex(&key)).expect("public");
        assert_eq!(a.check(&public), Ok(()));

        let other = signing_key(&generate_secret()).expect("key");
        let other_public = other.verifying_key();
        assert_eq!(a.check(&other_public), Err(AnchorError::WrongKey));
        // Re-signed by another key and passed off with the expected public key: still refused.
        let mut forged = Anchor::sign(&other, 42, "ffff", at());
        forged.public_key = public_hex(&key);
        assert_eq!(forged.check(&public), Err(AnchorError::Forged));
    }

    #[test]
    fn any_change_to_an_anchor_breaks_its_signature() {
        let key = signing_key(&generate_secret()).expect("key");
        let public = key.verifying_key();
        let a = Anchor::sign(&key, 42, "ab12", at());
        for changed in [
            Anchor {
                seq: 43,
                ..a.clone()
            },
            Anchor {
                hash: "ab13".into(),
                ..a.clone()
            },
            Anchor {
                at: "2026-12-05T01:00:00Z".into(),
                ..a.clone()
            },
        ] {
            assert_eq!(changed.check(&public), Err(AnchorError::Forged));
        }
    }

    #[test]
    fn malformed_keys_are_refused() {
        assert_eq!(signing_key("xyz").err(), Some(AnchorError::BadSecret));
        assert_eq!(
            verifying_key(&"0".repeat(63)).err(),
            Some(AnchorError::BadPublic)
        );
        assert!(signing_key(&"a".repeat(64)).is_ok());
    }
}

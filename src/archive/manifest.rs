//! The `manifest.json` format and the hashes it records.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Value of the manifest's `format` field.
pub const FORMAT: &str = "shuangda-dossier/1";
/// The catalogue, always the first entry.
pub const CATALOGUE_PATH: &str = "00-卷内目录.pdf";
/// The audit records, right before the manifest.
pub const AUDIT_TRAIL_PATH: &str = "audit-trail.json";
/// The manifest, always the last entry.
pub const MANIFEST_PATH: &str = "manifest.json";

/// Title and responsible party recorded for the entries the platform itself generates.
pub(crate) const CATALOGUE_TITLE: &str = "卷内目录";
pub(crate) const AUDIT_TRAIL_TITLE: &str = "案件操作审计记录";
pub(crate) const PLATFORM_RESPONSIBLE: &str = "双打协同平台";

/// The content of `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub case_number: String,
    pub case_title: String,
    pub created_at: String,
    /// Every entry except the manifest itself, in ZIP order.
    pub files: Vec<ManifestEntry>,
    /// See [`summary_sha256`].
    pub manifest_sha256_of_files: String,
}

/// One line of the manifest's file list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    pub path: String,
    pub title: String,
    pub responsible: String,
    pub date: String,
    pub size: u64,
    /// Lower-case hex.
    pub sha256: String,
}

/// SHA-256 (lower-case hex) over the concatenation of the lines `"<sha256>  <path>\n"`, one per
/// entry in order — the format of `sha256sum`, so `sha256sum -c` can check an unpacked dossier.
pub fn summary_sha256(files: &[ManifestEntry]) -> String {
    let mut hasher = Sha256::new();
    for entry in files {
        hasher.update(entry.sha256.as_bytes());
        hasher.update(b"  ");
        hasher.update(entry.path.as_bytes());
        hasher.update(b"\n");
    }
    to_hex(&hasher.finalize())
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    to_hex(&Sha256::digest(bytes))
}

pub(crate) fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

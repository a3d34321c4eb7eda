//! The archived dossier of a supervised case (单独立卷归档, seed rule 000 §13).
//!
//! A dossier is one deterministic ZIP file:
//!
//! 1. `00-卷内目录.pdf` — the catalogue, rendered by the caller;
//! 2. every document and attachment, at the path the caller chose;
//! 3. `audit-trail.json` — the case's audit records, supplied by the caller;
//! 4. `manifest.json` — always last: size and SHA-256 of every other entry, in ZIP order, plus
//!    `manifest_sha256_of_files`, a SHA-256 over the lines `"<sha256>  <path>\n"` of all entries.
//!
//! The same [`DossierInput`] always gives byte-identical ZIP bytes (fixed entry order, fixed
//! modification time derived from `created_at`, fixed permissions), so the SHA-256 of the whole
//! file can be recorded at archive time as well.
//!
//! [`verify`] re-reads a dossier and reports every problem it finds rather than stopping at the
//! first; damaged input never panics, it yields [`Problem::CorruptZip`].

mod build;
mod manifest;
mod verify;

#[cfg(test)]
mod tests;

use std::fmt;

use serde::Serialize;

pub use build::{BuiltDossier, build, build_dossier};
pub use manifest::{
    AUDIT_TRAIL_PATH, CATALOGUE_PATH, FORMAT, MANIFEST_PATH, Manifest, ManifestEntry,
    summary_sha256,
};
pub use verify::{verify, verify_file};

/// One document or attachment of the dossier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierFile {
    /// Path inside the ZIP, e.g. `02-督办公函/信打假办督〔2026〕7号.pdf`. `/`-separated, relative,
    /// without `..`, `.` or empty segments, backslashes or control characters.
    pub path: String,
    /// 文件题名, for the catalogue and the manifest.
    pub title: String,
    /// 责任者: the unit or person responsible for the document.
    pub responsible: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub bytes: Vec<u8>,
}

/// Everything a dossier is built from. The module reads no clock: `created_at` comes from the
/// caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierInput {
    /// e.g. `督〔2026〕7号`.
    pub case_number: String,
    pub case_title: String,
    /// RFC 3339, e.g. `2026-03-05T10:30:00+08:00`. Its wall-clock time (in its own offset) becomes
    /// the modification time of every ZIP entry.
    pub created_at: String,
    /// 卷内目录, rendered by the caller.
    pub catalogue_pdf: Vec<u8>,
    /// Every document and attachment, in the order they appear in the ZIP.
    pub files: Vec<DossierFile>,
    /// The case's audit records as JSON, supplied by the caller.
    pub audit_trail_json: Vec<u8>,
}

/// Why a dossier could not be built or read.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("案件编号不能为空")]
    EmptyCaseNumber,
    #[error("卷内目录为空")]
    EmptyCatalogue,
    #[error("审计记录不是有效的 JSON：{0}")]
    InvalidAuditTrail(String),
    #[error("归档时间“{value}”无效：{reason}")]
    InvalidCreatedAt { value: String, reason: String },
    #[error("文件“{title}”的路径为空")]
    EmptyPath { title: String },
    #[error("文件路径“{path}”无效：{reason}")]
    InvalidPath { path: String, reason: String },
    #[error("文件路径“{path}”重复")]
    DuplicatePath { path: String },
    #[error("文件路径“{path}”为系统保留名称")]
    ReservedPath { path: String },
    #[error("文件“{path}”的日期“{date}”无效，应为 YYYY-MM-DD 格式")]
    InvalidDate { path: String, date: String },
    #[error("生成 ZIP 文件失败：{0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("生成清单失败：{0}")]
    Manifest(#[from] serde_json::Error),
    #[error("读写卷宗文件失败：{0}")]
    Io(#[from] std::io::Error),
}

/// One thing wrong with a dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum Problem {
    /// There is no `manifest.json`.
    MissingManifest,
    /// `manifest.json` is there but is not a readable manifest of this format.
    ManifestUnreadable(String),
    /// Listed in the manifest but absent from the ZIP.
    Missing { path: String },
    /// Present in the ZIP but not listed in the manifest.
    Extra { path: String },
    HashMismatch {
        path: String,
        expected: String,
        actual: String,
    },
    SizeMismatch {
        path: String,
        expected: u64,
        actual: u64,
    },
    /// `manifest_sha256_of_files` does not match the manifest's own file list.
    SummaryMismatch,
    /// The ZIP (or one of its entries) cannot be read.
    CorruptZip(String),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::MissingManifest => write!(f, "缺少清单文件 {MANIFEST_PATH}"),
            Problem::ManifestUnreadable(reason) => {
                write!(f, "清单文件 {MANIFEST_PATH} 无法解析：{reason}")
            }
            Problem::Missing { path } => write!(f, "清单列出的文件“{path}”在卷宗中不存在"),
            Problem::Extra { path } => write!(f, "卷宗中的文件“{path}”未列入清单"),
            Problem::HashMismatch {
                path,
                expected,
                actual,
            } => write!(
                f,
                "文件“{path}”的 SHA-256 与清单不符（清单：{expected}，实际：{actual}）"
            ),
            Problem::SizeMismatch {
                path,
                expected,
                actual,
            } => write!(
                f,
                "文件“{path}”的大小与清单不符（清单：{expected} 字节，实际：{actual} 字节）"
            ),
            Problem::SummaryMismatch => write!(
                f,
                "清单摘要 manifest_sha256_of_files 与清单中的文件列表不符，清单可能被改动"
            ),
            Problem::CorruptZip(reason) => write!(f, "ZIP 文件已损坏：{reason}"),
        }
    }
}

/// The outcome of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// True when there is no problem at all.
    pub ok: bool,
    /// How many entries listed in the manifest were found and compared (size and SHA-256).
    pub checked: usize,
    /// Every problem found, in a stable order: unreadable entries, then per listed file in manifest
    /// order, then unlisted entries, then the summary.
    pub problems: Vec<Problem>,
    /// `manifest_sha256_of_files` as recorded in the manifest, when it could be read. Compare it
    /// with the value stored at archive time to detect a consistently rewritten manifest.
    pub summary_sha256: Option<String>,
}

impl VerifyReport {
    pub(crate) fn new(
        checked: usize,
        problems: Vec<Problem>,
        summary_sha256: Option<String>,
    ) -> Self {
        Self {
            ok: problems.is_empty(),
            checked,
            problems,
            summary_sha256,
        }
    }

    /// The lines a CLI (`shuangda archive verify FILE`) prints: a verdict first, then one numbered
    /// line per problem, then the recorded summary hash when known.
    pub fn describe_zh(&self) -> Vec<String> {
        let mut lines = Vec::with_capacity(self.problems.len() + 2);
        if self.ok {
            lines.push(format!(
                "校验通过：已核对 {} 个文件，大小与 SHA-256 均与清单一致。",
                self.checked
            ));
        } else {
            lines.push(format!(
                "校验未通过：发现 {} 个问题（已核对 {} 个文件）。",
                self.problems.len(),
                self.checked
            ));
            for (i, problem) in self.problems.iter().enumerate() {
                lines.push(format!("  {}. {problem}", i + 1));
            }
        }
        if let Some(summary) = &self.summary_sha256 {
            lines.push(format!("清单摘要（manifest_sha256_of_files）：{summary}"));
        }
        lines
    }
}

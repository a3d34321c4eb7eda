//! Writing a dossier ZIP.

use std::collections::HashSet;
use std::io::{Cursor, Write};

use chrono::{DateTime as ChronoDateTime, Datelike, NaiveDate, NaiveDateTime, Timelike};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime as ZipDateTime, System, ZipWriter};

use super::manifest::{
    AUDIT_TRAIL_PATH, AUDIT_TRAIL_TITLE, CATALOGUE_PATH, CATALOGUE_TITLE, FORMAT, MANIFEST_PATH,
    Manifest, ManifestEntry, PLATFORM_RESPONSIBLE, sha256_hex, summary_sha256,
};
use super::{ArchiveError, DossierInput};

/// Unix mode of every entry: a plain read/write-by-owner, read-by-others file.
const ENTRY_MODE: u32 = 0o644;

/// A built dossier together with the manifest written into it, so the caller can store
/// `manifest.manifest_sha256_of_files` (and the SHA-256 of `zip`) at archive time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltDossier {
    pub zip: Vec<u8>,
    pub manifest: Manifest,
}

/// Builds the dossier ZIP. The same input always gives the same bytes.
pub fn build(input: &DossierInput) -> Result<Vec<u8>, ArchiveError> {
    build_dossier(input).map(|built| built.zip)
}

/// Like [`build`], and also returns the manifest.
pub fn build_dossier(input: &DossierInput) -> Result<BuiltDossier, ArchiveError> {
    if input.case_number.trim().is_empty() {
        return Err(ArchiveError::EmptyCaseNumber);
    }
    if input.catalogue_pdf.is_empty() {
        return Err(ArchiveError::EmptyCatalogue);
    }
    serde_json::from_slice::<serde::de::IgnoredAny>(&input.audit_trail_json)
        .map_err(|e| ArchiveError::InvalidAuditTrail(e.to_string()))?;
    let created = parse_created_at(&input.created_at)?;
    let modified = zip_time(&input.created_at, created)?;
    let archive_date = created.format("%Y-%m-%d").to_string();

    let mut seen: HashSet<&str> = HashSet::new();
    for file in &input.files {
        if file.path.is_empty() {
            return Err(ArchiveError::EmptyPath {
                title: file.title.clone(),
            });
        }
        validate_path(&file.path)?;
        if [CATALOGUE_PATH, AUDIT_TRAIL_PATH, MANIFEST_PATH].contains(&file.path.as_str()) {
            return Err(ArchiveError::ReservedPath {
                path: file.path.clone(),
            });
        }
        if !seen.insert(&file.path) {
            return Err(ArchiveError::DuplicatePath {
                path: file.path.clone(),
            });
        }
        if !is_valid_date(&file.date) {
            return Err(ArchiveError::InvalidDate {
                path: file.path.clone(),
                date: file.date.clone(),
            });
        }
    }

    // Every entry but the manifest, in ZIP order.
    let mut entries: Vec<(ManifestEntry, &[u8])> = Vec::with_capacity(input.files.len() + 2);
    entries.push((
        entry(
            CATALOGUE_PATH,
            CATALOGUE_TITLE,
            PLATFORM_RESPONSIBLE,
            &archive_date,
            &input.catalogue_pdf,
        ),
        &input.catalogue_pdf,
    ));
    for file in &input.files {
        entries.push((
            entry(
                &file.path,
                &file.title,
                &file.responsible,
                &file.date,
                &file.bytes,
            ),
            &file.bytes,
        ));
    }
    entries.push((
        entry(
            AUDIT_TRAIL_PATH,
            AUDIT_TRAIL_TITLE,
            PLATFORM_RESPONSIBLE,
            &archive_date,
            &input.audit_trail_json,
        ),
        &input.audit_trail_json,
    ));

    let files: Vec<ManifestEntry> = entries.iter().map(|(e, _)| e.clone()).collect();
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        case_number: input.case_number.clone(),
        case_title: input.case_title.clone(),
        created_at: input.created_at.clone(),
        manifest_sha256_of_files: summary_sha256(&files),
        files,
    };
    let mut manifest_json = serde_json::to_vec_pretty(&manifest)?;
    manifest_json.push(b'\n');

    let capacity = entries.iter().map(|(_, b)| b.len()).sum::<usize>() + manifest_json.len();
    let mut writer = ZipWriter::new(Cursor::new(Vec::with_capacity(capacity / 2 + 4096)));
    for (entry, bytes) in &entries {
        write_entry(&mut writer, &entry.path, bytes, modified)?;
    }
    write_entry(&mut writer, MANIFEST_PATH, &manifest_json, modified)?;
    let zip = writer.finish()?.into_inner();
    Ok(BuiltDossier { zip, manifest })
}

fn entry(path: &str, title: &str, responsible: &str, date: &str, bytes: &[u8]) -> ManifestEntry {
    ManifestEntry {
        path: path.to_owned(),
        title: title.to_owned(),
        responsible: responsible.to_owned(),
        date: date.to_owned(),
        size: bytes.len() as u64,
        sha256: sha256_hex(bytes),
    }
}

fn write_entry(
    writer: &mut ZipWriter<Cursor<Vec<u8>>>,
    path: &str,
    bytes: &[u8],
    modified: ZipDateTime,
) -> Result<(), ArchiveError> {
    // Every option is pinned so the bytes do not depend on the machine that builds them. The
    // zip crate sets the UTF-8 (language encoding) flag itself for non-ASCII names.
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(6))
        .last_modified_time(modified)
        .system(System::Unix)
        .unix_permissions(ENTRY_MODE)
        .large_file(bytes.len() as u64 >= zip::ZIP64_BYTES_THR);
    writer.start_file(path, options)?;
    writer.write_all(bytes)?;
    Ok(())
}

fn parse_created_at(value: &str) -> Result<NaiveDateTime, ArchiveError> {
    ChronoDateTime::parse_from_rfc3339(value)
        // The wall-clock time in the caller's own offset, as a person reading the dossier expects.
        .map(|dt| dt.naive_local())
        .map_err(|e| ArchiveError::InvalidCreatedAt {
            value: value.to_owned(),
            reason: format!("应为 RFC 3339 格式（{e}）"),
        })
}

fn zip_time(value: &str, created: NaiveDateTime) -> Result<ZipDateTime, ArchiveError> {
    let out_of_range = || ArchiveError::InvalidCreatedAt {
        value: value.to_owned(),
        reason: "年份须在 1980 至 2107 之间".to_owned(),
    };
    let year = u16::try_from(created.year()).map_err(|_| out_of_range())?;
    // Month, day, hour, minute and second always fit in a u8.
    let small = |v: u32| u8::try_from(v).map_err(|_| out_of_range());
    ZipDateTime::from_date_and_time(
        year,
        small(created.month())?,
        small(created.day())?,
        small(created.hour())?,
        small(created.minute())?,
        small(created.second())?,
    )
    .map_err(|_| out_of_range())
}

fn is_valid_date(date: &str) -> bool {
    date.len() == 10 && NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok()
}

/// A path must be relative, `/`-separated, with no `..`, `.` or empty segment, no backslash
/// and no control character.
fn validate_path(path: &str) -> Result<(), ArchiveError> {
    let invalid = |reason: &str| {
        Err(ArchiveError::InvalidPath {
            path: path.to_owned(),
            reason: reason.to_owned(),
        })
    };
    if path.contains('\\') {
        return invalid("不得包含反斜杠“\\”");
    }
    if path.starts_with('/') {
        return invalid("不得为绝对路径");
    }
    let bytes = path.as_bytes();
    if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        return invalid("不得为绝对路径（含盘符）");
    }
    if path.chars().any(char::is_control) {
        return invalid("不得包含控制字符");
    }
    for segment in path.split('/') {
        match segment {
            ".." => return invalid("不得包含“..”"),
            "." => return invalid("不得包含“.”路径段"),
            "" => return invalid("不得包含空的路径段（如“//”或以“/”结尾）"),
            _ => {}
        }
    }
    Ok(())
}

//! Checking a dossier ZIP against its manifest.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{self, BufReader, Cursor, Read, Seek};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use sha2::{Digest, Sha256};
use zip::ZipArchive;
use zip::result::ZipError;

use super::manifest::{FORMAT, MANIFEST_PATH, Manifest, summary_sha256, to_hex};
use super::{ArchiveError, Problem, VerifyReport};

/// A manifest larger than this is not read (it would describe hundreds of thousands of files).
const MANIFEST_LIMIT: u64 = 16 * 1024 * 1024;

/// Verifies dossier bytes. Damage is reported in the [`VerifyReport`], never as an error.
pub fn verify(zip_bytes: &[u8]) -> Result<VerifyReport, ArchiveError> {
    Ok(verify_reader(Cursor::new(zip_bytes)))
}

/// Verifies a dossier file, streaming it from disk. Errs only when the file cannot be opened.
pub fn verify_file(path: &Path) -> Result<VerifyReport, ArchiveError> {
    let file = File::open(path)?;
    Ok(verify_reader(BufReader::new(file)))
}

fn verify_reader<R: Read + Seek>(reader: R) -> VerifyReport {
    // The zip crate is not expected to panic on hostile input, but a dossier checker must not take
    // the process down if it does: a panic is reported as damage.
    match catch_unwind(AssertUnwindSafe(|| verify_archive(reader))) {
        Ok(report) => report,
        Err(_) => VerifyReport::new(
            0,
            vec![Problem::CorruptZip("读取时发生内部错误".to_owned())],
            None,
        ),
    }
}

/// What reading one entry gave.
struct Entry {
    name: String,
    /// Size and SHA-256, or `None` when the entry could not be read (already reported).
    digest: Option<(u64, String)>,
}

fn verify_archive<R: Read + Seek>(reader: R) -> VerifyReport {
    let mut archive = match ZipArchive::new(reader) {
        Ok(archive) => archive,
        Err(e) => return VerifyReport::new(0, vec![Problem::CorruptZip(zip_reason(&e))], None),
    };

    let mut problems = Vec::new();
    let mut entries: Vec<Entry> = Vec::with_capacity(archive.len());
    let mut manifest_bytes: Option<Vec<u8>> = None;
    let mut manifest_seen = false;
    for index in 0..archive.len() {
        let mut file = match archive.by_index(index) {
            Ok(file) => file,
            Err(e) => {
                problems.push(Problem::CorruptZip(format!(
                    "第 {} 个条目无法读取：{}",
                    index + 1,
                    zip_reason(&e)
                )));
                continue;
            }
        };
        let name = match file.name() {
            Ok(name) => name.into_owned(),
            Err(e) => {
                problems.push(Problem::CorruptZip(format!(
                    "第 {} 个条目的名称无法解析：{}",
                    index + 1,
                    zip_reason(&e)
                )));
                continue;
            }
        };
        if entries.iter().any(|entry| entry.name == name) {
            problems.push(Problem::CorruptZip(format!("条目“{name}”重复出现")));
            continue;
        }
        let is_manifest = name == MANIFEST_PATH;
        manifest_seen |= is_manifest;
        let result = if is_manifest {
            read_manifest(&mut file).map(|bytes| {
                let digest = (bytes.len() as u64, to_hex(&Sha256::digest(&bytes)));
                manifest_bytes = Some(bytes);
                digest
            })
        } else {
            hash_stream(&mut file)
        };
        let digest = match result {
            Ok(digest) => Some(digest),
            Err(e) => {
                problems.push(Problem::CorruptZip(format!(
                    "条目“{name}”无法读取：{}",
                    io_reason(&e)
                )));
                None
            }
        };
        entries.push(Entry { name, digest });
    }

    let Some(manifest_bytes) = manifest_bytes else {
        if !manifest_seen {
            problems.push(Problem::MissingManifest);
        }
        return VerifyReport::new(0, problems, None);
    };
    let manifest: Manifest = match serde_json::from_slice(&manifest_bytes) {
        Ok(manifest) => manifest,
        Err(e) => {
            problems.push(Problem::ManifestUnreadable(e.to_string()));
            return VerifyReport::new(0, problems, None);
        }
    };
    if manifest.format != FORMAT {
        problems.push(Problem::ManifestUnreadable(format!(
            "不支持的格式“{}”，应为“{FORMAT}”",
            manifest.format
        )));
        return VerifyReport::new(0, problems, None);
    }

    let present: HashMap<&str, &Option<(u64, String)>> = entries
        .iter()
        .map(|entry| (entry.name.as_str(), &entry.digest))
        .collect();
    let mut listed: HashSet<&str> = HashSet::with_capacity(manifest.files.len());
    let mut checked = 0;
    for listed_entry in &manifest.files {
        let path = listed_entry.path.as_str();
        if !listed.insert(path) {
            problems.push(Problem::ManifestUnreadable(format!("清单重复列出“{path}”")));
            continue;
        }
        match present.get(path) {
            None => problems.push(Problem::Missing {
                path: path.to_owned(),
            }),
            // Unreadable: already reported as CorruptZip.
            Some(None) => {}
            Some(Some((size, sha256))) => {
                checked += 1;
                if *size != listed_entry.size {
                    problems.push(Problem::SizeMismatch {
                        path: path.to_owned(),
                        expected: listed_entry.size,
                        actual: *size,
                    });
                }
                if !sha256.eq_ignore_ascii_case(&listed_entry.sha256) {
                    problems.push(Problem::HashMismatch {
                        path: path.to_owned(),
                        expected: listed_entry.sha256.clone(),
                        actual: sha256.clone(),
                    });
                }
            }
        }
    }
    for entry in &entries {
        if entry.name != MANIFEST_PATH && !listed.contains(entry.name.as_str()) {
            problems.push(Problem::Extra {
                path: entry.name.clone(),
            });
        }
    }
    if !summary_sha256(&manifest.files).eq_ignore_ascii_case(&manifest.manifest_sha256_of_files) {
        problems.push(Problem::SummaryMismatch);
    }
    VerifyReport::new(checked, problems, Some(manifest.manifest_sha256_of_files))
}

fn read_manifest(reader: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader.take(MANIFEST_LIMIT + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MANIFEST_LIMIT {
        return Err(io::Error::other(format!(
            "清单超过 {} MiB",
            MANIFEST_LIMIT / 1024 / 1024
        )));
    }
    Ok(bytes)
}

/// Size and SHA-256 of everything `reader` yields, without holding it in memory.
fn hash_stream(reader: &mut impl Read) -> io::Result<(u64, String)> {
    let mut hasher = Sha256::new();
    let size = io::copy(reader, &mut hasher)?;
    Ok((size, to_hex(&hasher.finalize())))
}

/// A Chinese reason for a zip crate error, keeping the crate's own (English) detail.
fn zip_reason(error: &ZipError) -> String {
    match error {
        ZipError::Io(e) => io_reason(e),
        ZipError::InvalidArchive(detail) => format!("不是有效的 ZIP 文件（{detail}）"),
        ZipError::UnsupportedArchive(detail) => format!("使用了不支持的 ZIP 特性（{detail}）"),
        ZipError::CompressionMethodNotSupported(method) => {
            format!("不支持的压缩方法（{method}）")
        }
        other => other.to_string(),
    }
}

/// A Chinese reason for an error met while reading an entry's data.
fn io_reason(error: &io::Error) -> String {
    if error.kind() == io::ErrorKind::InvalidData && error.to_string() == "Invalid checksum" {
        "CRC-32 校验不符，数据已损坏".to_owned()
    } else if error.kind() == io::ErrorKind::UnexpectedEof {
        format!("数据不完整（{error}）")
    } else {
        format!("读取失败（{error}）")
    }
}

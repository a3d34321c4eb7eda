use std::io::{Cursor, Read, Write};
use std::process::Command;

use zip::write::SimpleFileOptions;
use zip::{ZipArchive, ZipWriter};

use super::manifest::sha256_hex;
use super::*;

const LETTER: &str = "02-督办公函/信打假办督〔2026〕7号.pdf";
const PHOTO: &str = "03-现场检查/现场照片（2 MB）.bin";
const CREATED_AT: &str = "2026-03-05T10:30:27+08:00";

/// Deterministic pseudo-random bytes (xorshift64), incompressible like a real photo.
fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        out.extend_from_slice(&seed.to_le_bytes());
    }
    out.truncate(len);
    out
}

fn file(path: &str, title: &str, bytes: Vec<u8>) -> DossierFile {
    DossierFile {
        path: path.to_owned(),
        title: title.to_owned(),
        responsible: "某市市场监督管理局".to_owned(),
        date: "2026-02-14".to_owned(),
        bytes,
    }
}

fn pdf(text: &str) -> Vec<u8> {
    format!("%PDF-1.7\n% {text}\n%%EOF\n").into_bytes()
}

/// Five files, Chinese names, one 2 MB binary.
fn sample() -> DossierInput {
    DossierInput {
        case_number: "督〔2026〕7号".to_owned(),
        case_title: "某品牌白酒假冒注册商标案".to_owned(),
        created_at: CREATED_AT.to_owned(),
        catalogue_pdf: pdf("卷内目录"),
        files: vec![
            file(
                "01-立案材料/立案审批表.pdf",
                "立案审批表",
                pdf("立案审批表"),
            ),
            file(
                LETTER,
                "关于督办某品牌白酒假冒注册商标案的函",
                pdf("督办函"),
            ),
            file(PHOTO, "现场检查照片", noise(2 * 1024 * 1024, 0x5eed)),
            file(
                "04-处理结果/行政处罚决定书.pdf",
                "行政处罚决定书",
                pdf("处罚决定"),
            ),
            file(
                "readme.txt",
                "说明",
                b"plain ASCII name, mixed into the dossier\n".to_vec(),
            ),
        ],
        audit_trail_json: r#"[{"at":"2026-02-14T09:00:00+08:00","actor":"张三","action":"立案"}]"#
            .as_bytes()
            .to_vec(),
    }
}

/// A small dossier for exhaustive damage loops.
fn small_sample() -> DossierInput {
    let mut input = sample();
    input.files.truncate(2);
    input
}

enum Edit {
    Keep,
    Drop,
    Replace(Vec<u8>),
}

/// Rebuilds a ZIP with the zip crate: entries copied raw unless `edit` says otherwise, then
/// `add` appended.
fn rewrite(zip: &[u8], edit: impl Fn(&str) -> Edit, add: &[(&str, &[u8])]) -> Vec<u8> {
    let mut src = ZipArchive::new(Cursor::new(zip)).unwrap();
    let mut dst = ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..src.len() {
        let entry = src.by_index_raw(i).unwrap();
        let name = entry.name().unwrap().into_owned();
        match edit(&name) {
            Edit::Keep => dst.raw_copy_file(entry).unwrap(),
            Edit::Drop => {}
            Edit::Replace(bytes) => {
                drop(entry);
                dst.start_file(name, SimpleFileOptions::default()).unwrap();
                dst.write_all(&bytes).unwrap();
            }
        }
    }
    for (name, bytes) in add {
        dst.start_file(*name, SimpleFileOptions::default()).unwrap();
        dst.write_all(bytes).unwrap();
    }
    dst.finish().unwrap().into_inner()
}

fn read_entry(zip: &[u8], name: &str) -> Vec<u8> {
    let mut archive = ZipArchive::new(Cursor::new(zip)).unwrap();
    let mut out = Vec::new();
    archive
        .by_name(name)
        .unwrap()
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn has_corrupt(report: &VerifyReport) -> bool {
    report
        .problems
        .iter()
        .any(|p| matches!(p, Problem::CorruptZip(_)))
}

#[test]
fn built_dossier_verifies() {
    let input = sample();
    let zip = build(&input).unwrap();
    let report = verify(&zip).unwrap();
    assert!(report.ok, "{:#?}", report.problems);
    assert!(report.problems.is_empty());
    assert_eq!(report.checked, 7); // catalogue + 5 files + audit trail
    let lines = report.describe_zh();
    assert_eq!(
        lines[0],
        "校验通过：已核对 7 个文件，大小与 SHA-256 均与清单一致。"
    );
    assert!(lines[1].starts_with("清单摘要（manifest_sha256_of_files）："));
    // The content comes back intact.
    assert_eq!(read_entry(&zip, PHOTO), input.files[2].bytes);
    assert_eq!(read_entry(&zip, LETTER), input.files[1].bytes);
}

#[test]
fn layout_and_manifest() {
    let input = sample();
    let built = build_dossier(&input).unwrap();
    let names: Vec<String> = ZipArchive::new(Cursor::new(&built.zip))
        .unwrap()
        .file_names()
        .map(|n| n.unwrap().into_owned())
        .collect();
    let mut expected = vec![CATALOGUE_PATH.to_owned()];
    expected.extend(input.files.iter().map(|f| f.path.clone()));
    expected.push(AUDIT_TRAIL_PATH.to_owned());
    expected.push(MANIFEST_PATH.to_owned());
    assert_eq!(names, expected);

    let manifest: Manifest =
        serde_json::from_slice(&read_entry(&built.zip, MANIFEST_PATH)).unwrap();
    assert_eq!(manifest, built.manifest);
    assert_eq!(manifest.format, "shuangda-dossier/1");
    assert_eq!(manifest.case_number, "督〔2026〕7号");
    assert_eq!(manifest.created_at, CREATED_AT);
    let listed: Vec<&str> = manifest.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(listed, &names[..names.len() - 1]);
    let photo = &manifest.files[3];
    assert_eq!(photo.path, PHOTO);
    assert_eq!(photo.title, "现场检查照片");
    assert_eq!(photo.responsible, "某市市场监督管理局");
    assert_eq!(photo.date, "2026-02-14");
    assert_eq!(photo.size, 2 * 1024 * 1024);
    assert_eq!(photo.sha256, sha256_hex(&input.files[2].bytes));
    assert_eq!(manifest.files[0].title, "卷内目录");
    assert_eq!(manifest.files[0].date, "2026-03-05");
    // The summary is the SHA-256 of the sha256sum-style listing.
    let listing: String = manifest
        .files
        .iter()
        .map(|f| format!("{}  {}\n", f.sha256, f.path))
        .collect();
    assert_eq!(
        manifest.manifest_sha256_of_files,
        sha256_hex(listing.as_bytes())
    );
    // Chinese stays readable in the JSON.
    let raw = String::from_utf8(read_entry(&built.zip, MANIFEST_PATH)).unwrap();
    assert!(raw.contains("\"case_title\": \"某品牌白酒假冒注册商标案\""));
}

#[test]
fn chinese_names_carry_the_utf8_flag() {
    let zip = build(&sample()).unwrap();
    for name in [CATALOGUE_PATH, LETTER, PHOTO] {
        let needle = name.as_bytes();
        // Local file header: signature, then the flags at offset 6 and the name at offset 30.
        let at = zip.windows(needle.len()).position(|w| w == needle).unwrap();
        let header = &zip[at - 30..at];
        assert_eq!(&header[..4], b"PK\x03\x04", "{name}");
        let flags = u16::from_le_bytes([header[6], header[7]]);
        assert_ne!(flags & 0x0800, 0, "UTF-8 flag missing on {name}");
    }
}

#[test]
fn tampered_content_is_a_hash_mismatch() {
    let zip = build(&sample()).unwrap();
    let original = read_entry(&zip, LETTER);

    // Same size, different content.
    let mut forged = original.clone();
    let last = forged.len() - 2;
    forged[last] ^= 0x20;
    let tampered = rewrite(
        &zip,
        |name| {
            if name == LETTER {
                Edit::Replace(forged.clone())
            } else {
                Edit::Keep
            }
        },
        &[],
    );
    let report = verify(&tampered).unwrap();
    assert!(!report.ok);
    assert_eq!(report.checked, 7);
    assert_eq!(
        report.problems,
        vec![Problem::HashMismatch {
            path: LETTER.to_owned(),
            expected: sha256_hex(&original),
            actual: sha256_hex(&forged),
        }]
    );

    // Different size: both the size and the hash are reported.
    let tampered = rewrite(
        &zip,
        |name| {
            if name == PHOTO {
                Edit::Replace(b"not the photo".to_vec())
            } else {
                Edit::Keep
            }
        },
        &[],
    );
    let report = verify(&tampered).unwrap();
    assert!(!report.ok);
    assert!(report.problems.contains(&Problem::SizeMismatch {
        path: PHOTO.to_owned(),
        expected: 2 * 1024 * 1024,
        actual: 13,
    }));
    assert!(
        report
            .problems
            .iter()
            .any(|p| matches!(p, Problem::HashMismatch { path, .. } if path == PHOTO))
    );
    assert_eq!(report.problems.len(), 2);
}

#[test]
fn dropped_entry_is_missing() {
    let zip = build(&sample()).unwrap();
    let tampered = rewrite(
        &zip,
        |name| {
            if name == LETTER {
                Edit::Drop
            } else {
                Edit::Keep
            }
        },
        &[],
    );
    let report = verify(&tampered).unwrap();
    assert!(!report.ok);
    assert_eq!(report.checked, 6);
    assert_eq!(
        report.problems,
        vec![Problem::Missing {
            path: LETTER.to_owned()
        }]
    );
    assert_eq!(
        report.describe_zh()[1],
        format!("  1. 清单列出的文件“{LETTER}”在卷宗中不存在")
    );
}

#[test]
fn added_entry_is_extra() {
    let zip = build(&sample()).unwrap();
    let tampered = rewrite(
        &zip,
        |_| Edit::Keep,
        &[("05-补充/后补材料.pdf", b"%PDF-1.7")],
    );
    let report = verify(&tampered).unwrap();
    assert!(!report.ok);
    assert_eq!(report.checked, 7);
    assert_eq!(
        report.problems,
        vec![Problem::Extra {
            path: "05-补充/后补材料.pdf".to_owned()
        }]
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let zip = build(&sample()).unwrap();
    let tampered = rewrite(
        &zip,
        |name| match name {
            LETTER => Edit::Drop,
            "readme.txt" => Edit::Replace(b"changed".to_vec()),
            _ => Edit::Keep,
        },
        &[("extra.txt", b"x")],
    );
    let report = verify(&tampered).unwrap();
    assert!(!report.ok);
    let kinds: Vec<&Problem> = report.problems.iter().collect();
    assert!(kinds.contains(&&Problem::Missing {
        path: LETTER.to_owned()
    }));
    assert!(kinds.contains(&&Problem::Extra {
        path: "extra.txt".to_owned()
    }));
    assert!(
        kinds
            .iter()
            .any(|p| matches!(p, Problem::HashMismatch { path, .. } if path == "readme.txt"))
    );
    let lines = report.describe_zh();
    assert_eq!(
        lines[0],
        format!(
            "校验未通过：发现 {} 个问题（已核对 6 个文件）。",
            report.problems.len()
        )
    );
    assert!(lines[1].starts_with("  1. "));
}

#[test]
fn flipped_byte_is_detected() {
    let zip = build(&sample()).unwrap();
    let mut damaged = zip.clone();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 0xff;
    let report = verify(&damaged).unwrap();
    assert!(!report.ok);
    assert!(
        report
            .problems
            .iter()
            .all(|p| matches!(p, Problem::CorruptZip(_) | Problem::HashMismatch { .. })),
        "{:#?}",
        report.problems
    );
}

#[test]
fn truncated_or_garbage_is_corrupt() {
    let zip = build(&sample()).unwrap();
    for len in [0, 1, 4, 100, zip.len() / 2, zip.len() - 23, zip.len() - 1] {
        let report = verify(&zip[..len]).unwrap();
        assert!(!report.ok, "truncated to {len}");
        assert!(
            has_corrupt(&report),
            "truncated to {len}: {:?}",
            report.problems
        );
    }
    let report = verify(&noise(10_000, 42)).unwrap();
    assert!(!report.ok);
    assert!(has_corrupt(&report));
    assert!(
        report.describe_zh()[1].starts_with("  1. ZIP 文件已损坏：不是有效的 ZIP 文件"),
        "{:?}",
        report.describe_zh()
    );
}

/// Every truncation of a small dossier fails; no single-byte flip panics.
#[test]
fn exhaustive_damage_never_panics() {
    let zip = build(&small_sample()).unwrap();
    assert!(zip.len() < 8 * 1024, "small sample is {} bytes", zip.len());
    for len in 0..zip.len() {
        let report = verify(&zip[..len]).unwrap();
        assert!(!report.ok, "truncated to {len}");
    }
    let mut detected = 0;
    let mut damaged = zip.clone();
    for at in 0..zip.len() {
        damaged[at] ^= 0x55;
        if !verify(&damaged).unwrap().ok {
            detected += 1;
        }
        damaged[at] = zip[at];
    }
    // Flips in timestamps, attributes and the like change nothing that is verified; flips in
    // names, hashed content, the manifest and the structure must be caught.
    assert!(
        detected * 2 > zip.len(),
        "{detected} of {} flips",
        zip.len()
    );
}

#[test]
fn manifest_problems() {
    let zip = build(&sample()).unwrap();

    let without = rewrite(
        &zip,
        |name| {
            if name == MANIFEST_PATH {
                Edit::Drop
            } else {
                Edit::Keep
            }
        },
        &[],
    );
    let report = verify(&without).unwrap();
    assert_eq!(report.problems, vec![Problem::MissingManifest]);
    assert!(!report.ok);
    assert_eq!(report.summary_sha256, None);

    let unreadable = rewrite(
        &zip,
        |name| {
            if name == MANIFEST_PATH {
                Edit::Replace(b"{not json".to_vec())
            } else {
                Edit::Keep
            }
        },
        &[],
    );
    let report = verify(&unreadable).unwrap();
    assert!(matches!(
        report.problems.as_slice(),
        [Problem::ManifestUnreadable(_)]
    ));

    let mut manifest: Manifest = serde_json::from_slice(&read_entry(&zip, MANIFEST_PATH)).unwrap();
    manifest.format = "shuangda-dossier/9".to_owned();
    let other_format = serde_json::to_vec(&manifest).unwrap();
    let report = verify(&rewrite(
        &zip,
        |name| {
            if name == MANIFEST_PATH {
                Edit::Replace(other_format.clone())
            } else {
                Edit::Keep
            }
        },
        &[],
    ))
    .unwrap();
    assert!(matches!(
        report.problems.as_slice(),
        [Problem::ManifestUnreadable(reason)] if reason.contains("shuangda-dossier/9")
    ));

    // Someone drops a file and deletes it from the list, but cannot fix the summary without
    // it differing from the value recorded at archive time.
    let mut manifest: Manifest = serde_json::from_slice(&read_entry(&zip, MANIFEST_PATH)).unwrap();
    let recorded = manifest.manifest_sha256_of_files.clone();
    manifest.files.retain(|f| f.path != LETTER);
    let edited = serde_json::to_vec(&manifest).unwrap();
    let forged = rewrite(
        &zip,
        |name| match name {
            MANIFEST_PATH => Edit::Replace(edited.clone()),
            LETTER => Edit::Drop,
            _ => Edit::Keep,
        },
        &[],
    );
    let report = verify(&forged).unwrap();
    assert_eq!(report.problems, vec![Problem::SummaryMismatch]);
    assert_eq!(report.summary_sha256.as_deref(), Some(recorded.as_str()));

    manifest.manifest_sha256_of_files = summary_sha256(&manifest.files);
    let consistent = serde_json::to_vec(&manifest).unwrap();
    let forged = rewrite(
        &zip,
        |name| match name {
            MANIFEST_PATH => Edit::Replace(consistent.clone()),
            LETTER => Edit::Drop,
            _ => Edit::Keep,
        },
        &[],
    );
    let report = verify(&forged).unwrap();
    assert!(report.ok);
    assert_ne!(report.summary_sha256, Some(recorded));
}

#[test]
fn output_is_deterministic() {
    let input = sample();
    let first = build(&input).unwrap();
    let second = build(&input.clone()).unwrap();
    assert!(first == second, "same input gave different bytes");

    let mut later = input.clone();
    later.created_at = "2026-03-05T10:30:29+08:00".to_owned();
    assert!(build(&later).unwrap() != first);

    // Every entry carries the wall-clock time of created_at (DOS time: even seconds).
    let mut archive = ZipArchive::new(Cursor::new(&first)).unwrap();
    for i in 0..archive.len() {
        let entry = archive.by_index(i).unwrap();
        let t = entry.last_modified().unwrap();
        assert_eq!(
            (
                t.year(),
                t.month(),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            ),
            (2026, 3, 5, 10, 30, 26),
            "{}",
            entry.name().unwrap()
        );
        assert_eq!(entry.unix_mode().map(|m| m & 0o777), Some(0o644));
    }
}

#[test]
fn rejects_bad_input() {
    fn with_path(path: &str) -> DossierInput {
        let mut input = small_sample();
        input.files[0].path = path.to_owned();
        input
    }
    let err = |input: DossierInput| build(&input).unwrap_err();

    assert!(matches!(err(with_path("")), ArchiveError::EmptyPath { .. }));
    for bad in [
        "../etc/passwd",
        "01/../../x.pdf",
        "01/..",
        "/etc/passwd",
        "C:/x.pdf",
        "01\\x.pdf",
        "01//x.pdf",
        "01/",
        "./x.pdf",
        "a\nb.pdf",
    ] {
        assert!(
            matches!(err(with_path(bad)), ArchiveError::InvalidPath { .. }),
            "{bad:?} accepted"
        );
    }
    for reserved in [CATALOGUE_PATH, AUDIT_TRAIL_PATH, MANIFEST_PATH] {
        assert!(matches!(
            err(with_path(reserved)),
            ArchiveError::ReservedPath { .. }
        ));
    }
    // Dots inside a name are fine.
    assert!(build(&with_path("01/关于……的报告..v2.pdf")).is_ok());

    let mut dup = small_sample();
    dup.files[1].path = dup.files[0].path.clone();
    let e = err(dup);
    assert!(matches!(e, ArchiveError::DuplicatePath { .. }));
    assert_eq!(e.to_string(), "文件路径“01-立案材料/立案审批表.pdf”重复");

    let e = err(with_path("../x.pdf"));
    assert_eq!(e.to_string(), "文件路径“../x.pdf”无效：不得包含“..”");

    for bad_date in ["2026-2-14", "2026-02-30", "14.02.2026", ""] {
        let mut input = small_sample();
        input.files[0].date = bad_date.to_owned();
        assert!(matches!(err(input), ArchiveError::InvalidDate { .. }));
    }
    for bad_time in ["2026-03-05 10:30", "yesterday", "1970-01-01T00:00:00Z"] {
        let mut input = small_sample();
        input.created_at = bad_time.to_owned();
        assert!(matches!(err(input), ArchiveError::InvalidCreatedAt { .. }));
    }
    let mut input = small_sample();
    input.audit_trail_json = b"[{".to_vec();
    assert!(matches!(err(input), ArchiveError::InvalidAuditTrail(_)));
    let mut input = small_sample();
    input.catalogue_pdf.clear();
    assert!(matches!(err(input), ArchiveError::EmptyCatalogue));
    let mut input = small_sample();
    input.case_number = " ".to_owned();
    assert!(matches!(err(input), ArchiveError::EmptyCaseNumber));
}

#[test]
fn verify_file_streams_from_disk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("督〔2026〕7号.zip");
    std::fs::write(&path, build(&sample()).unwrap()).unwrap();
    let report = verify_file(&path).unwrap();
    assert!(report.ok, "{:?}", report.problems);
    assert_eq!(report.checked, 7);

    let missing = dir.path().join("nope.zip");
    assert!(matches!(verify_file(&missing), Err(ArchiveError::Io(_))));
}

#[test]
fn report_serializes_for_the_web_ui() {
    let report = VerifyReport::new(
        1,
        vec![
            Problem::Missing {
                path: "a.pdf".to_owned(),
            },
            Problem::CorruptZip("x".to_owned()),
            Problem::SummaryMismatch,
        ],
        None,
    );
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["ok"], false);
    assert_eq!(json["problems"][0]["kind"], "missing");
    assert_eq!(json["problems"][0]["detail"]["path"], "a.pdf");
    assert_eq!(json["problems"][1]["kind"], "corrupt_zip");
    assert_eq!(json["problems"][1]["detail"], "x");
    assert_eq!(json["problems"][2]["kind"], "summary_mismatch");
}

/// Debian's `unzip` must list the Chinese names as they are (UTF-8 flag honoured).
#[test]
fn unzip_lists_chinese_names() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dossier.zip");
    std::fs::write(&path, build(&sample()).unwrap()).unwrap();
    let output = match Command::new("unzip")
        .arg("-l")
        .arg(&path)
        .env("LC_ALL", "C.UTF-8")
        .env("LANG", "C.UTF-8")
        .output()
    {
        Ok(output) => output,
        Err(e) => panic!("cannot run `unzip` ({e}); install it with `apt-get install -y unzip`"),
    };
    assert!(output.status.success(), "unzip -l failed: {output:?}");
    let listing = String::from_utf8(output.stdout).expect("unzip printed non-UTF-8 names");
    for name in [
        CATALOGUE_PATH,
        LETTER,
        PHOTO,
        AUDIT_TRAIL_PATH,
        MANIFEST_PATH,
    ] {
        assert!(listing.contains(name), "`{name}` not in:\n{listing}");
    }
    assert!(listing.contains("2026-03-05 10:30"), "{listing}");
}

//! Uploaded files: the allowed types, recognised by extension and confirmed by content (a file
//! whose bytes do not match its extension is refused), and the size limit. Pure.

use super::FieldError;

pub const MAX_BYTES: usize = 20 * 1024 * 1024;

/// (extensions, MIME type, how the content starts)
const TYPES: &[(&[&str], &str, Magic)] = &[
    (&["pdf"], "application/pdf", Magic::Prefix(b"%PDF-")),
    (&["ofd"], "application/ofd", Magic::Prefix(b"PK\x03\x04")),
    (
        &["jpg", "jpeg"],
        "image/jpeg",
        Magic::Prefix(b"\xff\xd8\xff"),
    ),
    (&["png"], "image/png", Magic::Prefix(b"\x89PNG\r\n\x1a\n")),
    (
        &["doc"],
        "application/msword",
        Magic::Prefix(b"\xd0\xcf\x11\xe0"),
    ),
    (
        &["xls"],
        "application/vnd.ms-excel",
        Magic::Prefix(b"\xd0\xcf\x11\xe0"),
    ),
    (
        &["docx"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Magic::Prefix(b"PK\x03\x04"),
    ),
    (
        &["xlsx"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Magic::Prefix(b"PK\x03\x04"),
    ),
    (&["txt"], "text/plain; charset=utf-8", Magic::Utf8Text),
];

enum Magic {
    Prefix(&'static [u8]),
    Utf8Text,
}

/// A checked upload: a safe file name and the MIME type to serve it with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub filename: String,
    pub mime: &'static str,
}

/// A file's size as people read it in a list: "856 字节", "12.4 KB", "3.1 MB" (the exact
/// byte count and the checksum are in the file's details).
pub fn size_zh(bytes: impl std::borrow::Borrow<i64>) -> String {
    const KB: f64 = 1024.0;
    let bytes = *bytes.borrow();
    let b = bytes as f64;
    if bytes < 1024 {
        format!("{bytes} 字节")
    } else if b < KB * KB {
        format!("{:.1} KB", b / KB)
    } else {
        format!("{:.1} MB", b / (KB * KB))
    }
}

/// Check an upload's name, size and content.
pub fn check(field: &str, filename: &str, bytes: &[u8]) -> Result<Upload, FieldError> {
    // Keep only the last path component and drop characters that have no place in a name.
    let name: String = filename
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | '|' | '*' | '?' | ':'))
        .collect();
    let name = name.trim().trim_start_matches('.').to_string();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(FieldError::new(
            field,
            "invalid_format",
            "文件名为空或过长（最多120个字符）",
        ));
    }
    if bytes.is_empty() {
        return Err(FieldError::new(
            field,
            "required",
            "请选择要上传的文件（文件不能为空）",
        ));
    }
    if bytes.len() > MAX_BYTES {
        return Err(FieldError::new(field, "too_large", "单个文件不能超过20MB"));
    }
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let Some((_, mime, magic)) = TYPES
        .iter()
        .find(|(exts, _, _)| exts.contains(&ext.as_str()))
    else {
        return Err(FieldError::new(
            field,
            "invalid_type",
            "只能上传 PDF、OFD、JPG、PNG、DOC、DOCX、XLS、XLSX、TXT 文件",
        ));
    };
    let matches = match magic {
        Magic::Prefix(p) => bytes.starts_with(p),
        Magic::Utf8Text => std::str::from_utf8(bytes).is_ok() && !bytes.contains(&0),
    };
    if !matches {
        return Err(FieldError::new(
            field,
            "invalid_type",
            format!("文件内容与扩展名“.{ext}”不符，已拒绝上传"),
        ));
    }
    Ok(Upload {
        filename: name,
        mime,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_files() {
        assert_eq!(
            check("f", "现场照片.JPG", b"\xff\xd8\xff\xe0rest").map(|u| u.mime),
            Ok("image/jpeg")
        );
        assert!(check("f", "材料.pdf", b"%PDF-1.7 ...").is_ok());
        assert!(check("f", "说明.txt", "进展情况".as_bytes()).is_ok());
    }

    #[test]
    fn refuses_disguised_and_unknown() {
        assert_eq!(
            check("f", "a.pdf", b"MZ\x90\x00").map_err(|e| e.code),
            Err("invalid_type".into())
        );
        assert_eq!(
            check("f", "a.exe", b"MZ").map_err(|e| e.code),
            Err("invalid_type".into())
        );
        assert_eq!(
            check("f", "a.txt", b"a\x00b").map_err(|e| e.code),
            Err("invalid_type".into())
        );
        assert_eq!(
            check("f", "noext", b"%PDF-").map_err(|e| e.code),
            Err("invalid_type".into())
        );
        assert_eq!(
            check("f", "a.pdf", b"").map_err(|e| e.code),
            Err("required".into())
        );
    }

    #[test]
    fn names_are_made_safe() {
        let u = check("f", "../../etc/\"证据\".pdf", b"%PDF-").expect("ok");
        assert_eq!(u.filename, "证据.pdf");
        assert!(
            check("f", "C:\\docs\\扫描件.pdf", b"%PDF-").is_ok_and(|u| u.filename == "扫描件.pdf")
        );
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size_zh(856), "856 字节");
        assert_eq!(size_zh(12_700), "12.4 KB");
        assert_eq!(size_zh(3 * 1024 * 1024 + 100_000), "3.1 MB");
    }

    #[test]
    fn size_limit() {
        let big = vec![b'a'; MAX_BYTES + 1];
        assert_eq!(
            check("f", "a.txt", &big).map_err(|e| e.code),
            Err("too_large".into())
        );
    }
}

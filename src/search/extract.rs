//! The text of an uploaded file, for search: a PDF's text layer (lopdf), a plain-text file as
//! it is. Scans and other types have none. Bounded, so a hostile file costs little: at most
//! `MAX_PAGES` pages, each inflated to at most `MAX_PAGE_BYTES` (100 MB in all at worst), and `MAX_CHARS` characters
//! kept; a file the parser cannot read (or that makes it panic) has no text.

const MAX_PAGES: u32 = 50;
const MAX_PAGE_BYTES: usize = 2 * 1024 * 1024;
const MAX_CHARS: usize = 200_000;

/// The searchable text of a file of type `mime`, if it has one.
pub fn text(mime: &str, bytes: &[u8]) -> Option<String> {
    let raw = match mime {
        "application/pdf" => pdf_text(bytes)?,
        m if m.starts_with("text/plain") => String::from_utf8_lossy(bytes).into_owned(),
        _ => return None,
    };
    // Runs of blanks (a PDF's layout) collapse to one space.
    let text: String = raw
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(MAX_CHARS)
        .collect();
    (!text.is_empty()).then_some(text)
}

/// [`text`] on the blocking pool (parsing a PDF is CPU work), for an upload before its
/// transaction begins.
pub async fn text_of(mime: &'static str, bytes: &[u8]) -> Option<String> {
    if mime != "application/pdf" && !mime.starts_with("text/plain") {
        return None;
    }
    let bytes = bytes.to_vec();
    tokio::task::spawn_blocking(move || text(mime, &bytes))
        .await
        .ok()
        .flatten()
}

/// A PDF's text layer.
pub fn pdf_text(bytes: &[u8]) -> Option<String> {
    std::panic::catch_unwind(|| {
        let doc = lopdf::Document::load_mem(bytes).ok()?;
        let pages: Vec<u32> = doc
            .get_pages()
            .into_keys()
            .take(MAX_PAGES as usize)
            .collect();
        let chunks = doc.extract_text_chunks_with_limit(&pages, MAX_PAGE_BYTES);
        let text: String = chunks.into_iter().filter_map(Result::ok).collect();
        Some(text)
    })
    .ok()
    .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_and_unreadable_files() {
        assert_eq!(
            text("text/plain; charset=utf-8", "假冒\n\n  伪劣".as_bytes()),
            Some("假冒 伪劣".into())
        );
        assert_eq!(text("application/pdf", b"%PDF-1.7 not really"), None);
        assert_eq!(text("image/png", b"\x89PNG"), None);
        assert_eq!(text("text/plain", b"   "), None);
    }
}

//! 卷内目录: the file catalogue of an archived case dossier, as an A4 table whose header
//! row is repeated on every page.

use super::PdfError;
use super::fonts::{FontSet, Fonts};
use super::layout::{
    BLACK, MM, PAGE_HEIGHT, PageContent, PlacedText, Style, balanced_lines, baseline_in_box,
    break_lines, write_pdf,
};

/// One entry of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueRow {
    /// 序号.
    pub seq: u32,
    /// 责任者.
    pub responsible: String,
    /// 文件题名.
    pub title: String,
    /// 日期: "20261123", or a stored "2026-11-23", which is printed as "20261123".
    pub date: String,
    /// 页数/大小 (e.g. "3页" or "1.2 MB").
    pub size: String,
    /// 备注.
    pub note: String,
}

/// A catalogue dates its files with eight Arabic numerals, 20260615, as the 日期 of an
/// archival catalogue is written (DA/T 22-2015 归档文件整理规则), never the ISO form a record
/// stores; other text is kept as given.
pub(crate) fn archival_date(date: &str) -> String {
    match chrono::NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d") {
        Ok(d) => d.format("%Y%m%d").to_string(),
        Err(_) => date.to_string(),
    }
}

const TOP: f32 = 30.0 * MM;
/// The table is wider than the letter text area: 20 mm margins on both sides.
const TABLE_LEFT: f32 = 20.0 * MM;
const TABLE_WIDTH: f32 = 170.0 * MM;
const BOTTOM: f32 = PAGE_HEIGHT - 25.0 * MM;
const TITLE_SIZE: f32 = 22.0;
const LABEL_SIZE: f32 = 14.0;
const CELL_SIZE: f32 = 10.5;
const FOOTER_SIZE: f32 = 10.5;
const CELL_LINE: f32 = 14.0;
const PAD_X: f32 = 3.0;
const PAD_Y: f32 = 4.0;
const MIN_ROW: f32 = 20.0;
const OUTER_RULE: f32 = 1.0;
const INNER_RULE: f32 = 0.5;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Center,
}

/// Column headers, widths in millimetres (sum = [`TABLE_WIDTH`]) and alignment.
const COLUMNS: [(&str, f32, Align); 6] = [
    ("序号", 10.0, Align::Center),
    ("责任者", 36.0, Align::Left),
    ("文件题名", 71.0, Align::Left),
    ("日期", 22.0, Align::Center),
    ("页数/大小", 19.0, Align::Center),
    ("备注", 12.0, Align::Left),
];

/// A laid-out table row: the wrapped lines of each cell and the row height.
struct TableRow {
    cells: Vec<Vec<PlacedText>>,
    height: f32,
}

fn column_x(index: usize) -> f32 {
    TABLE_LEFT + COLUMNS[..index].iter().map(|c| c.1 * MM).sum::<f32>()
}

/// Lays out one row; text baselines are relative to the top of the row.
fn layout_row(style: &Style, values: &[&str]) -> TableRow {
    let mut cells = Vec::with_capacity(COLUMNS.len());
    let mut lines_max = 1;
    for (index, value) in values.iter().enumerate() {
        let (_, width_mm, align) = COLUMNS[index];
        let inner = width_mm * MM - 2.0 * PAD_X;
        let glyphs = style.shape(value.trim());
        let mut ranges = break_lines(&glyphs, style, &|_| inner);
        if ranges.len() > 1 && ranges.last().is_some_and(|r| r.len() == 1) {
            // Avoid a lone character on the last line of a cell.
            ranges = balanced_lines(&glyphs, style, inner);
        }
        lines_max = lines_max.max(ranges.len());
        let cell: Vec<PlacedText> = ranges
            .into_iter()
            .enumerate()
            .map(|(line, range)| {
                let part = &glyphs[range];
                let offset = match align {
                    Align::Left => 0.0,
                    Align::Center => ((inner - style.width_of(part)) / 2.0).max(0.0),
                };
                PlacedText::new(
                    style,
                    part,
                    column_x(index) + PAD_X + offset,
                    line as f32 * CELL_LINE,
                )
            })
            .collect();
        cells.push(cell);
    }
    let height = (lines_max as f32 * CELL_LINE + 2.0 * PAD_Y).max(MIN_ROW);
    // Centre every cell vertically.
    for cell in &mut cells {
        let block = cell.len() as f32 * CELL_LINE;
        let top = (height - block) / 2.0;
        for text in cell.iter_mut() {
            text.baseline = baseline_in_box(top + text.baseline, CELL_LINE, CELL_SIZE);
        }
    }
    TableRow { cells, height }
}

fn emit_row(page: &mut PageContent, row: &TableRow, top: f32) {
    for cell in &row.cells {
        for text in cell {
            let mut text = text.clone();
            text.baseline += top;
            page.text(text);
        }
    }
    // Bottom rule and the vertical rules of this row.
    page.hrule(
        TABLE_LEFT,
        top + row.height - INNER_RULE / 2.0,
        TABLE_WIDTH,
        INNER_RULE,
        BLACK,
    );
    for index in 1..COLUMNS.len() {
        page.rect(
            column_x(index) - INNER_RULE / 2.0,
            top,
            INNER_RULE,
            row.height,
            BLACK,
        );
    }
}

/// Renders a 卷内目录 (file catalogue) as PDF: `title` (e.g. "卷内目录") and
/// `case_label` (e.g. the dossier number and case name) on the first page, then a table
/// with the columns 序号, 责任者, 文件题名, 日期, 页数/大小, 备注. Long cell contents wrap
/// inside their cell; the header row is repeated on every page.
pub fn render_catalogue(
    title: &str,
    case_label: &str,
    rows: &[CatalogueRow],
    fonts: &Fonts,
    created: chrono::NaiveDateTime,
) -> Result<Vec<u8>, PdfError> {
    let fonts = FontSet::load(fonts)?;
    let cell_style = Style::new(&fonts.body, CELL_SIZE);
    let header_style = Style::new(&fonts.heading, CELL_SIZE);
    let header_values: Vec<&str> = COLUMNS.iter().map(|c| c.0).collect();
    let header = layout_row(&header_style, &header_values);

    let mut pages: Vec<PageContent> = vec![PageContent::default()];
    let mut y = TOP;

    // Title and case label (first page only).
    let title_style = Style::new(&fonts.title, TITLE_SIZE);
    for text in centred_lines(&title_style, title, TITLE_SIZE * 1.4) {
        if let Some(page) = pages.last_mut() {
            page.text(text.with_offset(y));
        }
        y += TITLE_SIZE * 1.4;
    }
    y += 4.0;
    let label_style = Style::new(&fonts.body, LABEL_SIZE);
    for text in centred_lines(&label_style, case_label, LABEL_SIZE * 1.5) {
        if let Some(page) = pages.last_mut() {
            page.text(text.with_offset(y));
        }
        y += LABEL_SIZE * 1.5;
    }
    y += 6.0;

    let mut table_top = y;
    start_table(&mut pages, &header, &mut y);
    for entry in rows {
        let seq = entry.seq.to_string();
        let date = archival_date(&entry.date);
        let values = [
            seq.as_str(),
            entry.responsible.as_str(),
            entry.title.as_str(),
            date.as_str(),
            entry.size.as_str(),
            entry.note.as_str(),
        ];
        let row = layout_row(&cell_style, &values);
        if y + row.height > BOTTOM && y > table_top + header.height + 0.5 {
            close_table(&mut pages, table_top, y);
            pages.push(PageContent::default());
            y = TOP;
            table_top = y;
            start_table(&mut pages, &header, &mut y);
        }
        if let Some(page) = pages.last_mut() {
            emit_row(page, &row, y);
        }
        y += row.height;
    }
    close_table(&mut pages, table_top, y);

    let footer_style = Style::new(&fonts.body, FOOTER_SIZE);
    let total = pages.len();
    for (index, page) in pages.iter_mut().enumerate() {
        let text = format!("第 {} 页  共 {} 页", index + 1, total);
        let glyphs = footer_style.shape(&text);
        let x = TABLE_LEFT + (TABLE_WIDTH - footer_style.width_of(&glyphs)) / 2.0;
        page.text(PlacedText::new(
            &footer_style,
            &glyphs,
            x,
            PAGE_HEIGHT - 15.0 * MM,
        ));
    }

    let doc_title = if case_label.trim().is_empty() {
        title.trim().to_string()
    } else {
        format!("{}（{}）", title.trim(), case_label.trim())
    };
    write_pdf(&pages, &doc_title, created)
}

/// Centred, balanced lines of `text`; each baseline is relative to its own line top.
fn centred_lines(style: &Style, text: &str, pitch: f32) -> Vec<PlacedText> {
    let glyphs = style.shape(text.trim());
    if glyphs.is_empty() {
        return Vec::new();
    }
    balanced_lines(&glyphs, style, TABLE_WIDTH)
        .into_iter()
        .map(|range| {
            let part = &glyphs[range];
            let x = TABLE_LEFT + (TABLE_WIDTH - style.width_of(part)) / 2.0;
            PlacedText::new(style, part, x, baseline_in_box(0.0, pitch, style.size))
        })
        .collect()
}

/// Top rule and header row.
fn start_table(pages: &mut [PageContent], header: &TableRow, y: &mut f32) {
    if let Some(page) = pages.last_mut() {
        page.hrule(
            TABLE_LEFT,
            *y - OUTER_RULE / 2.0,
            TABLE_WIDTH,
            OUTER_RULE,
            BLACK,
        );
        emit_row(page, header, *y);
        // A heavier rule below the header.
        page.hrule(
            TABLE_LEFT,
            *y + header.height - OUTER_RULE / 2.0,
            TABLE_WIDTH,
            OUTER_RULE,
            BLACK,
        );
    }
    *y += header.height;
}

/// Outer left/right borders and the closing bottom rule.
fn close_table(pages: &mut [PageContent], top: f32, bottom: f32) {
    if let Some(page) = pages.last_mut() {
        let height = bottom - top;
        page.rect(
            TABLE_LEFT - OUTER_RULE / 2.0,
            top,
            OUTER_RULE,
            height,
            BLACK,
        );
        page.rect(
            TABLE_LEFT + TABLE_WIDTH - OUTER_RULE / 2.0,
            top,
            OUTER_RULE,
            height,
            BLACK,
        );
        page.hrule(
            TABLE_LEFT,
            bottom - OUTER_RULE / 2.0,
            TABLE_WIDTH,
            OUTER_RULE,
            BLACK,
        );
    }
}

//! Letter-format official documents (信函格式公文) after GB/T 9704-2012, clause 10.1.
//!
//! Page 1: red 发文机关标志 30 mm below the top edge, a red double rule (thick above
//! thin, 170 mm) 4 mm below it, the 发文字号 right-aligned 7/8 of a 3号 character below
//! that rule (with an optional red mark such as 挂牌督办 at the left), the title two lines
//! further down, and a red double rule (thin above thick) 20 mm above the bottom edge.
//! The first page shows no page number. Following pages use the standard 版心
//! (37 mm top, 28 mm left, 156 × 225 mm, 22 lines × 28 characters of 3号仿宋).

use chrono::NaiveDate;

use super::PdfError;
use super::fonts::{FontSet, Fonts, ShapedChar};
use super::layout::{
    EM_ASCENT, MARGIN_LEFT, MARGIN_TOP, MM, PAGE_HEIGHT, PAGE_WIDTH, PageContent, PlacedText, RED,
    Style, TEXT_BOTTOM, TEXT_HEIGHT, TEXT_RIGHT, TEXT_WIDTH, balanced_lines, baseline_in_box,
    break_lines, write_pdf,
};

/// 3号: body text.
const BODY_SIZE: f32 = 16.0;
/// 2号: title.
const TITLE_SIZE: f32 = 22.0;
/// 4号: page numbers and copy-to line.
const SMALL_SIZE: f32 = 14.0;
/// Lines per standard page.
const LINES_PER_PAGE: usize = 22;
/// Line pitch so that 22 lines fill the 225 mm text area (≈ 28.9 pt).
const LINE_PITCH: f32 = TEXT_HEIGHT / LINES_PER_PAGE as f32;
/// Character pitch so that 28 characters fill the 156 mm line (≈ 15.8 pt).
const CHAR_PITCH: f32 = TEXT_WIDTH / 28.0;
/// Tracking that turns a 16 pt full-width glyph into one 28th of the line.
const BODY_TRACKING: f32 = CHAR_PITCH - BODY_SIZE;

/// Top edge of the 发文机关标志: 30 mm from the top of the page.
const ISSUER_TOP: f32 = 30.0 * MM;
/// Preferred and minimal size of the 发文机关标志.
const ISSUER_MAX_SIZE: f32 = 30.0;
const ISSUER_MIN_SIZE: f32 = 22.0;
/// Narrowest horizontal scale used to fit a long issuer name on one line.
const ISSUER_MIN_HSCALE: f32 = 0.6;
/// Red double rules: 170 mm, centred.
const RED_RULE_WIDTH: f32 = 170.0 * MM;
const RED_RULE_X: f32 = (PAGE_WIDTH - RED_RULE_WIDTH) / 2.0;
const THICK_RULE: f32 = 2.25;
const THIN_RULE: f32 = 0.75;
const RULE_GAP: f32 = 1.5;
/// Lower red double rule: its bottom edge 20 mm above the bottom of the page.
const LOWER_RULE_BOTTOM: f32 = PAGE_HEIGHT - 20.0 * MM;
/// Distance between a red rule and the text next to it: 7/8 of a 3号 character.
const RULE_TEXT_DISTANCE: f32 = BODY_SIZE * 7.0 / 8.0;

/// Kind of a body paragraph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParagraphKind {
    /// 一级标题 (e.g. "一、基本案情"), set in 黑体.
    Heading1,
    /// 二级标题 (e.g. "（一）涉案商品"), set in 楷体.
    Heading2,
    /// Ordinary paragraph, set in 仿宋.
    Text,
}

/// One paragraph of the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paragraph {
    /// How the paragraph is set.
    pub kind: ParagraphKind,
    /// Paragraph text (without the two-character indent).
    pub text: String,
}

impl Paragraph {
    /// An ordinary paragraph.
    pub fn text(text: impl Into<String>) -> Self {
        Paragraph {
            kind: ParagraphKind::Text,
            text: text.into(),
        }
    }

    /// A level-1 heading.
    pub fn heading1(text: impl Into<String>) -> Self {
        Paragraph {
            kind: ParagraphKind::Heading1,
            text: text.into(),
        }
    }

    /// A level-2 heading.
    pub fn heading2(text: impl Into<String>) -> Self {
        Paragraph {
            kind: ParagraphKind::Heading2,
            text: text.into(),
        }
    }
}

/// A letter-format official document (信函格式公文).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficialDocument {
    /// 发文机关全称 (the lead issuer).
    pub issuer: String,
    /// Further issuers of a 联合发文, each printed on its own line below the lead issuer.
    pub joint_issuers: Vec<String>,
    /// 发文字号, e.g. "信打假办督〔2026〕7号".
    pub number: String,
    /// Prominent red mark printed at the upper left, e.g. "挂牌督办".
    pub mark: Option<String>,
    /// 标题.
    pub title: String,
    /// 主送机关 (a full-width colon is appended).
    pub addressee: String,
    /// 正文.
    pub body: Vec<Paragraph>,
    /// 附件说明: attachment names, numbered when there are several.
    pub attachments: Vec<String>,
    /// 发文机关署名; a `'\n'` separates the signatures of a joint letter.
    pub signature: String,
    /// 成文日期.
    pub date: NaiveDate,
    /// 抄送机关.
    pub copy_to: Vec<String>,
    /// 附注 such as "（联系人：赵经办，电话：0376-6221234）"; parentheses are added if missing.
    pub contact: Option<String>,
}

/// One line slot of the flow. Text baselines and frame positions are relative to the
/// top of the slot.
#[derive(Default)]
struct Row {
    texts: Vec<PlacedText>,
    /// Stroked boxes (x, dy, width, height) drawn in red.
    frames: Vec<(f32, f32, f32, f32)>,
    blank: bool,
    /// Keep this row on the same page as the next one.
    glue_next: bool,
}

impl Row {
    fn blank() -> Self {
        Row {
            blank: true,
            ..Row::default()
        }
    }

    fn with(texts: Vec<PlacedText>) -> Self {
        Row {
            texts,
            ..Row::default()
        }
    }

    fn glued(mut self) -> Self {
        self.glue_next = true;
        self
    }
}

/// Where the rows of a page go.
#[derive(Clone, Copy)]
struct Frame {
    top: f32,
    rows: usize,
}

const STANDARD_FRAME: Frame = Frame {
    top: MARGIN_TOP,
    rows: LINES_PER_PAGE,
};

fn row_baseline(size: f32) -> f32 {
    baseline_in_box(0.0, LINE_PITCH, size)
}

/// Renders a letter-format official document as PDF, made at `created` (UTC).
pub fn render(
    doc: &OfficialDocument,
    fonts: &Fonts,
    created: chrono::NaiveDateTime,
) -> Result<Vec<u8>, PdfError> {
    let fonts = FontSet::load(fonts)?;
    let pages = compose(doc, &fonts)?;
    write_pdf(&pages, doc.title.trim(), created)
}

/// Lays the document out into pages without writing the PDF.
pub(crate) fn compose(
    doc: &OfficialDocument,
    fonts: &FontSet,
) -> Result<Vec<PageContent>, PdfError> {
    if doc.issuer.trim().is_empty() {
        return Err(PdfError::InvalidDocument(
            "发文机关 (issuer) is empty".into(),
        ));
    }
    if doc.title.trim().is_empty() {
        return Err(PdfError::InvalidDocument("标题 (title) is empty".into()));
    }
    let body = Style::new(&fonts.body, BODY_SIZE).tracking(BODY_TRACKING);

    let mut first_page = PageContent::default();
    let rule_bottom = draw_header(doc, fonts, &mut first_page);
    draw_lower_rule(&mut first_page);

    // Page 1 rows start so that the 发文字号 sits 7/8 of a character below the red rule,
    // and end 7/8 of a character above the lower red rule.
    let first_top = rule_bottom + RULE_TEXT_DISTANCE - (LINE_PITCH - BODY_SIZE) / 2.0;
    let lower_rule_top = LOWER_RULE_BOTTOM - (THIN_RULE + RULE_GAP + THICK_RULE);
    let first_limit = lower_rule_top - RULE_TEXT_DISTANCE + (LINE_PITCH - BODY_SIZE) / 2.0;
    let first_frame = Frame {
        top: first_top,
        rows: (((first_limit - first_top) / LINE_PITCH).floor().max(1.0)) as usize,
    };

    let rows = build_rows(doc, fonts, &body);
    let placed = paginate(rows, first_frame);

    let mut pages: Vec<PageContent> = vec![first_page];
    for (index, page_rows) in placed.pages.iter().enumerate() {
        if index >= pages.len() {
            pages.push(PageContent::default());
        }
        let frame = if index == 0 {
            first_frame
        } else {
            STANDARD_FRAME
        };
        for (slot, row) in page_rows {
            let top = frame.top + *slot as f32 * LINE_PITCH;
            emit_row(&mut pages[index], row, top);
        }
    }

    if !doc.copy_to.is_empty() {
        let copy_rows = copy_to_rows(doc, fonts);
        let last = pages.len() - 1;
        let frame = if last == 0 {
            first_frame
        } else {
            STANDARD_FRAME
        };
        let (page_index, frame) = if placed.last_used + copy_rows.len() <= frame.rows {
            (last, frame)
        } else {
            pages.push(PageContent::default());
            (last + 1, STANDARD_FRAME)
        };
        // GB/T 9704-2012 10.1: in the letter format the 版记 stands at the foot of the last
        // page's text area without 印发机关, 印发日期 or separator lines.
        let first_slot = frame.rows.saturating_sub(copy_rows.len());
        let block_top = frame.top + first_slot as f32 * LINE_PITCH;
        let page = &mut pages[page_index];
        for (i, row) in copy_rows.iter().enumerate() {
            emit_row(page, row, block_top + i as f32 * LINE_PITCH);
        }
    }

    // 信函格式: no page number on the first page; odd pages right, even pages left,
    // one character in from the edge of the text area.
    let page_style = Style::new(&fonts.body, SMALL_SIZE);
    for (index, page) in pages.iter_mut().enumerate().skip(1) {
        let number = index + 1;
        let glyphs = page_style.shape(&format!("— {number} —"));
        let width = page_style.width_of(&glyphs);
        let x = if number % 2 == 1 {
            TEXT_RIGHT - SMALL_SIZE - width
        } else {
            MARGIN_LEFT + SMALL_SIZE
        };
        // The dash (at mid-height of the em box) lies 7 mm below the text area.
        let baseline = TEXT_BOTTOM + 7.0 * MM + (EM_ASCENT - 0.5) * SMALL_SIZE;
        page.text(PlacedText::new(&page_style, &glyphs, x, baseline));
    }
    Ok(pages)
}

fn emit_row(page: &mut PageContent, row: &Row, top: f32) {
    for text in &row.texts {
        let mut text = text.clone();
        text.baseline += top;
        page.text(text);
    }
    for &(x, dy, width, height) in &row.frames {
        page.items.push(super::layout::Item::Frame {
            x,
            y: top + dy,
            width,
            height,
            line: 1.0,
            color: RED,
        });
    }
}

/// Draws the 发文机关标志 and the upper red double rule; returns the rule's bottom edge.
fn draw_header(doc: &OfficialDocument, fonts: &FontSet, page: &mut PageContent) -> f32 {
    let issuers: Vec<&str> = std::iter::once(doc.issuer.trim())
        .chain(doc.joint_issuers.iter().map(|s| s.trim()))
        .filter(|s| !s.is_empty())
        .collect();
    let unit = Style::new(&fonts.title, 1.0).color(RED);
    let widest = issuers
        .iter()
        .map(|s| unit.text_width(s))
        .fold(0.0_f32, f32::max)
        .max(0.01);
    let available = TEXT_WIDTH;
    let mut size = (available / widest).min(ISSUER_MAX_SIZE);
    let mut hscale = 1.0;
    if size < ISSUER_MIN_SIZE {
        size = ISSUER_MIN_SIZE;
        hscale = available / (widest * size);
        if hscale < ISSUER_MIN_HSCALE {
            hscale = ISSUER_MIN_HSCALE;
            size = available / (widest * hscale);
        }
    }
    let style = Style::new(&fonts.title, size).color(RED);
    let pitch = size * 1.25;
    for (i, issuer) in issuers.iter().enumerate() {
        let glyphs = style.shape(issuer);
        let width = style.width_of(&glyphs) * hscale;
        let top = ISSUER_TOP + i as f32 * pitch;
        let x = (PAGE_WIDTH - width) / 2.0;
        page.text(PlacedText::new(&style, &glyphs, x, top + EM_ASCENT * size).condensed(hscale));
    }
    let issuer_bottom = ISSUER_TOP + (issuers.len().max(1) - 1) as f32 * pitch + size;
    let rule_top = issuer_bottom + 4.0 * MM;
    page.hrule(RED_RULE_X, rule_top, RED_RULE_WIDTH, THICK_RULE, RED);
    page.hrule(
        RED_RULE_X,
        rule_top + THICK_RULE + RULE_GAP,
        RED_RULE_WIDTH,
        THIN_RULE,
        RED,
    );
    rule_top + THICK_RULE + RULE_GAP + THIN_RULE
}

/// Lower red double rule of page 1: thin above thick.
fn draw_lower_rule(page: &mut PageContent) {
    let thick_top = LOWER_RULE_BOTTOM - THICK_RULE;
    let thin_top = thick_top - RULE_GAP - THIN_RULE;
    page.hrule(RED_RULE_X, thin_top, RED_RULE_WIDTH, THIN_RULE, RED);
    page.hrule(RED_RULE_X, thick_top, RED_RULE_WIDTH, THICK_RULE, RED);
}

/// Rows of a paragraph-like text: `first_indent` on the first line, `rest_indent` after.
fn paragraph_rows(
    style: &Style,
    text: &str,
    first_indent: f32,
    rest_indent: f32,
    justify: bool,
) -> Vec<Row> {
    let glyphs = style.shape(text.trim());
    let indent = |line: usize| if line == 0 { first_indent } else { rest_indent };
    let ranges = break_lines(&glyphs, style, &|line| TEXT_WIDTH - indent(line));
    let count = ranges.len();
    ranges
        .into_iter()
        .enumerate()
        .map(|(i, range)| {
            let mut text = PlacedText::new(
                style,
                &glyphs[range],
                MARGIN_LEFT + indent(i),
                row_baseline(style.size),
            );
            if justify && i + 1 < count {
                text = text.justify(TEXT_WIDTH - indent(i));
            }
            Row::with(vec![text])
        })
        .collect()
}

fn build_rows(doc: &OfficialDocument, fonts: &FontSet, body: &Style) -> Vec<Row> {
    let mut rows: Vec<Row> = Vec::new();
    let indent2 = 2.0 * CHAR_PITCH;

    // 发文字号 at the right, the optional mark at the left.
    let mut number_row = Row::default().glued();
    let number = doc.number.trim();
    if !number.is_empty() {
        let glyphs = body.shape(number);
        let x = TEXT_RIGHT - body.width_of(&glyphs);
        number_row
            .texts
            .push(PlacedText::new(body, &glyphs, x, row_baseline(BODY_SIZE)));
    }
    if let Some(mark) = doc.mark.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        let style = Style::new(&fonts.title, BODY_SIZE)
            .tracking(BODY_TRACKING)
            .color(RED);
        let glyphs = style.shape(mark);
        let width = style.width_of(&glyphs);
        let pad = 3.0;
        let em_top = (LINE_PITCH - BODY_SIZE) / 2.0;
        number_row.texts.push(PlacedText::new(
            &style,
            &glyphs,
            MARGIN_LEFT + pad,
            row_baseline(BODY_SIZE),
        ));
        number_row.frames.push((
            MARGIN_LEFT,
            em_top - pad,
            width + 2.0 * pad,
            BODY_SIZE + 2.0 * pad,
        ));
    }
    rows.push(number_row);
    // The title is two lines below the last element above it.
    rows.push(Row::blank().glued());
    rows.push(Row::blank().glued());

    let title_style = Style::new(&fonts.title, TITLE_SIZE);
    let title_glyphs = title_style.shape(doc.title.trim());
    for range in balanced_lines(&title_glyphs, &title_style, TEXT_WIDTH) {
        let glyphs = &title_glyphs[range];
        let x = MARGIN_LEFT + (TEXT_WIDTH - title_style.width_of(glyphs)) / 2.0;
        rows.push(
            Row::with(vec![PlacedText::new(
                &title_style,
                glyphs,
                x,
                row_baseline(TITLE_SIZE),
            )])
            .glued(),
        );
    }
    rows.push(Row::blank().glued());

    let addressee = doc.addressee.trim();
    if !addressee.is_empty() {
        let text = if addressee.ends_with('：') || addressee.ends_with(':') {
            addressee.to_string()
        } else {
            format!("{addressee}：")
        };
        rows.extend(
            paragraph_rows(body, &text, 0.0, 0.0, true)
                .into_iter()
                .map(Row::glued),
        );
    }

    for paragraph in &doc.body {
        if paragraph.text.trim().is_empty() {
            continue;
        }
        match paragraph.kind {
            ParagraphKind::Text => {
                rows.extend(paragraph_rows(body, &paragraph.text, indent2, 0.0, true))
            }
            ParagraphKind::Heading1 | ParagraphKind::Heading2 => {
                let font = if paragraph.kind == ParagraphKind::Heading1 {
                    &fonts.heading
                } else {
                    &fonts.subheading
                };
                let style = Style::new(font, BODY_SIZE).tracking(BODY_TRACKING);
                rows.extend(
                    paragraph_rows(&style, &paragraph.text, indent2, 0.0, true)
                        .into_iter()
                        .map(Row::glued),
                );
            }
        }
    }

    rows.extend(attachment_rows(doc, body));
    // The last content row travels with the signature block, so that no page carries
    // only the signature and date.
    if let Some(last) = rows.last_mut() {
        last.glue_next = true;
    }
    rows.extend(signature_rows(doc, body));

    if let Some(contact) = doc
        .contact
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        let text = if contact.starts_with('（') || contact.starts_with('(') {
            contact.to_string()
        } else {
            format!("（{contact}）")
        };
        // 附注 directly below the date, two characters from the left.
        if let Some(last) = rows.last_mut() {
            last.glue_next = true;
        }
        rows.extend(paragraph_rows(body, &text, indent2, 0.0, true));
    }
    rows
}

/// 附件说明: one blank line below the body, two characters in, "附件：1. 名称".
fn attachment_rows(doc: &OfficialDocument, body: &Style) -> Vec<Row> {
    let names: Vec<&str> = doc
        .attachments
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    if names.is_empty() {
        return Vec::new();
    }
    let mut rows = vec![Row::blank().glued()];
    let label = body.shape("附件：");
    let label_x = MARGIN_LEFT + 2.0 * CHAR_PITCH;
    let numbered = names.len() > 1;
    for (i, name) in names.iter().enumerate() {
        let prefix = if numbered {
            body.shape(&format!("{}. ", i + 1))
        } else {
            Vec::new()
        };
        let prefix_x = label_x + body.width_of(&label);
        let name_x = prefix_x + body.width_of(&prefix);
        let glyphs = body.shape(name);
        let ranges = break_lines(&glyphs, body, &|_| TEXT_RIGHT - name_x);
        let count = ranges.len();
        for (line, range) in ranges.into_iter().enumerate() {
            let mut row = Row::default();
            if line == 0 {
                if i == 0 {
                    row.texts.push(PlacedText::new(
                        body,
                        &label,
                        label_x,
                        row_baseline(BODY_SIZE),
                    ));
                }
                if !prefix.is_empty() {
                    row.texts.push(PlacedText::new(
                        body,
                        &prefix,
                        prefix_x,
                        row_baseline(BODY_SIZE),
                    ));
                }
            }
            let mut text = PlacedText::new(body, &glyphs[range], name_x, row_baseline(BODY_SIZE));
            if line + 1 < count {
                text = text.justify(TEXT_RIGHT - name_x);
            }
            row.texts.push(text);
            rows.push(row);
        }
    }
    rows
}

/// Signature centred above the date; the date ends four characters from the right
/// margin (GB/T 9704-2012 7.3.5.1, 加盖印章的公文). Two blank lines leave room for the seal.
/// An organ's name is never broken across lines: a name too long to be centred on the date
/// where it stands moves, with the date under it, left until it fits on one line.
fn signature_rows(doc: &OfficialDocument, body: &Style) -> Vec<Row> {
    // 成文日期 with Arabic numerals and no leading zeros (GB/T 9704-2012 7.3.5.1).
    let date = body.shape(&crate::calendar::format_date_zh(doc.date));
    let date_width = body.width_of(&date);
    let date_right = TEXT_RIGHT - 4.0 * CHAR_PITCH;
    let widest = doc
        .signature
        .lines()
        .map(|l| body.width_of(&body.shape(l.trim())))
        .fold(date_width, f32::max);
    let standard_centre = date_right - date_width / 2.0;
    let centre = if widest / 2.0 > TEXT_RIGHT - standard_centre {
        (TEXT_RIGHT - widest / 2.0).max(MARGIN_LEFT + widest / 2.0)
    } else {
        standard_centre
    };
    let date_x = centre - date_width / 2.0;
    // Only a name longer than the whole line is broken, after one of its parts.
    let max_width = TEXT_WIDTH;

    let mut rows = vec![Row::blank().glued(), Row::blank().glued()];
    for line in doc
        .signature
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        let glyphs = body.shape(line);
        for range in organ_name_lines(&glyphs, body, max_width) {
            let part = &glyphs[range];
            let width = body.width_of(part);
            let x = (centre - width / 2.0)
                .min(TEXT_RIGHT - width)
                .max(MARGIN_LEFT);
            rows.push(
                Row::with(vec![PlacedText::new(
                    body,
                    part,
                    x,
                    row_baseline(BODY_SIZE),
                )])
                .glued(),
            );
        }
    }
    rows.push(Row::with(vec![PlacedText::new(
        body,
        &date,
        date_x,
        row_baseline(BODY_SIZE),
    )]));
    rows
}

/// An organ's name that does not fit on one line is broken into two after one of its parts
/// (a place, 和, a group, a bureau, a council), as evenly as those places allow, never inside a
/// word (「知识产/权」); a name with no such place is broken as a title is.
fn organ_name_lines(
    glyphs: &[ShapedChar],
    style: &Style,
    max_width: f32,
) -> Vec<std::ops::Range<usize>> {
    let n = glyphs.len();
    if style.width_of(glyphs) <= max_width {
        return std::iter::once(0..n).collect();
    }
    let longer = |i: usize| {
        style
            .width_of(&glyphs[..i])
            .max(style.width_of(&glyphs[i..]))
    };
    let best = (1..n)
        .filter(|&i| {
            matches!(
                glyphs[i - 1].ch,
                '省' | '市' | '县' | '区' | '和' | '局' | '组' | '会' | '院' | '厅'
            )
        })
        .filter(|&i| longer(i) <= max_width)
        .min_by(|&a, &b| longer(a).total_cmp(&longer(b)));
    match best {
        Some(i) => vec![0..i, i..n],
        None => balanced_lines(glyphs, style, max_width),
    }
}

/// "抄送：A，B，C。" in 4号, one character in from both sides, continuation lines aligned
/// with the first unit name.
fn copy_to_rows(doc: &OfficialDocument, fonts: &FontSet) -> Vec<Row> {
    let style = Style::new(&fonts.body, SMALL_SIZE);
    let units: Vec<&str> = doc
        .copy_to
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    let label = style.shape("抄送：");
    let label_x = MARGIN_LEFT + SMALL_SIZE;
    let text_x = label_x + style.width_of(&label);
    let right = TEXT_RIGHT - SMALL_SIZE;
    let glyphs = style.shape(&format!("{}。", units.join("，")));
    let ranges = break_lines(&glyphs, &style, &|_| right - text_x);
    let count = ranges.len();
    ranges
        .into_iter()
        .enumerate()
        .map(|(i, range)| {
            let mut row = Row::default();
            if i == 0 {
                row.texts.push(PlacedText::new(
                    &style,
                    &label,
                    label_x,
                    row_baseline(SMALL_SIZE),
                ));
            }
            let mut text =
                PlacedText::new(&style, &glyphs[range], text_x, row_baseline(SMALL_SIZE));
            if i + 1 < count {
                text = text.justify(right - text_x);
            }
            row.texts.push(text);
            row
        })
        .collect()
}

struct Placed {
    /// Per page: (slot, row).
    pages: Vec<Vec<(usize, Row)>>,
    /// Slots used on the last page.
    last_used: usize,
}

/// Distributes rows over pages. Glued rows form groups that move to the next page
/// together; blank rows are dropped at the top of a page.
fn paginate(rows: Vec<Row>, first: Frame) -> Placed {
    let mut groups: Vec<Vec<Row>> = Vec::new();
    let mut current: Vec<Row> = Vec::new();
    for row in rows {
        let glue = row.glue_next;
        current.push(row);
        if !glue {
            groups.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        groups.push(current);
    }

    let capacity = |page: usize| {
        if page == 0 {
            first.rows
        } else {
            LINES_PER_PAGE
        }
    };
    let mut pages: Vec<Vec<(usize, Row)>> = vec![Vec::new()];
    let mut slot = 0;
    for group in groups {
        let page = pages.len() - 1;
        let leading_blanks = group.iter().take_while(|r| r.blank).count();
        let needed = group.len() - if slot == 0 { leading_blanks } else { 0 };
        if slot > 0 && slot + needed > capacity(page) && needed - leading_blanks <= LINES_PER_PAGE {
            pages.push(Vec::new());
            slot = 0;
        }
        for row in group {
            if slot >= capacity(pages.len() - 1) {
                pages.push(Vec::new());
                slot = 0;
            }
            if row.blank && slot == 0 && pages.len() > 1 {
                continue;
            }
            if let Some(page_rows) = pages.last_mut() {
                page_rows.push((slot, row));
            }
            slot += 1;
        }
    }
    Placed {
        pages,
        last_used: slot,
    }
}

//! Page geometry, line breaking (with basic Chinese 禁则) and PDF assembly shared by the
//! letter and catalogue renderers.
//!
//! Coordinates are PDF points with the origin at the top-left corner of the page and
//! `y` growing downwards (krilla's convention).

use std::ops::Range;

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Transform};
use krilla::metadata::{DateTime, Metadata};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{GlyphId, KrillaGlyph};

use super::fonts::{LoadedFont, ShapedChar};
use super::{PDF_CREATOR, PdfError};

/// Points per millimetre.
pub(crate) const MM: f32 = 72.0 / 25.4;
/// A4 width.
pub(crate) const PAGE_WIDTH: f32 = 210.0 * MM;
/// A4 height.
pub(crate) const PAGE_HEIGHT: f32 = 297.0 * MM;
/// 天头 (top margin) per GB/T 9704-2012: 37 mm.
pub(crate) const MARGIN_TOP: f32 = 37.0 * MM;
/// 订口 (left margin): 28 mm.
pub(crate) const MARGIN_LEFT: f32 = 28.0 * MM;
/// 版心 width: 156 mm.
pub(crate) const TEXT_WIDTH: f32 = 156.0 * MM;
/// 版心 height: 225 mm.
pub(crate) const TEXT_HEIGHT: f32 = 225.0 * MM;
/// Right edge of the text area.
pub(crate) const TEXT_RIGHT: f32 = MARGIN_LEFT + TEXT_WIDTH;
/// Bottom edge of the text area.
pub(crate) const TEXT_BOTTOM: f32 = MARGIN_TOP + TEXT_HEIGHT;

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Color(pub u8, pub u8, pub u8);

impl Color {
    fn to_krilla(self) -> rgb::Color {
        rgb::Color::new(self.0, self.1, self.2)
    }
}

/// Red used for the 发文机关标志, red rules and marks.
pub(crate) const RED: Color = Color(230, 0, 18);
/// Black text.
pub(crate) const BLACK: Color = Color(0, 0, 0);

/// Share of the em box above the baseline for CJK faces (ideographic em box: 880/1000).
pub(crate) const EM_ASCENT: f32 = 0.88;

const EPSILON: f32 = 0.01;

/// Characters that must not begin a line (行首禁则).
const NO_LINE_START: &[char] = &[
    '，', '。', '、', '；', '：', '！', '？', '）', '》', '」', '』', '”', '’', '〕', '】', '］',
    '｝', '〉', '％', '‰', '·', '・', '﹒', '．', ',', '.', ';', ':', '!', '?', ')', ']', '}', '%',
];

/// Characters that must not end a line (行尾禁则).
const NO_LINE_END: &[char] = &[
    '（', '《', '「', '『', '“', '‘', '〔', '【', '［', '｛', '〈', '(', '[', '{',
];

/// A font at a size, with optional tracking (extra advance in points after every glyph).
#[derive(Clone, Copy)]
pub(crate) struct Style<'a> {
    pub font: &'a LoadedFont,
    pub size: f32,
    pub tracking: f32,
    pub color: Color,
}

impl<'a> Style<'a> {
    pub fn new(font: &'a LoadedFont, size: f32) -> Self {
        Style {
            font,
            size,
            tracking: 0.0,
            color: BLACK,
        }
    }

    pub fn tracking(mut self, tracking: f32) -> Self {
        self.tracking = tracking;
        self
    }

    pub fn color(mut self, color: Color) -> Self {
        self.color = color;
        self
    }

    pub fn advance(&self, glyph: &ShapedChar) -> f32 {
        glyph.advance * self.size + self.tracking
    }

    pub fn width_of(&self, glyphs: &[ShapedChar]) -> f32 {
        glyphs.iter().map(|g| self.advance(g)).sum()
    }

    pub fn shape(&self, text: &str) -> Vec<ShapedChar> {
        self.font.shape(text)
    }

    pub fn text_width(&self, text: &str) -> f32 {
        self.width_of(&self.shape(text))
    }
}

/// Letters, digits and the punctuation that glues them into one unbreakable run
/// ("0376-6221234", "No.5", "3.5%").
fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '.' | '-' | '_' | '/' | '@' | '%' | ':' | '+' | '#' | '&' | '=' | '~'
        )
}

/// Line-break opportunity before `glyphs[i]` respecting 禁则 and ASCII runs.
pub(crate) fn can_break_before(glyphs: &[ShapedChar], i: usize) -> bool {
    if i == 0 || i >= glyphs.len() {
        return false;
    }
    let (a, b) = (glyphs[i - 1].ch, glyphs[i].ch);
    if b == ' ' || !can_force_break_between(a, b) {
        return false;
    }
    if is_word_char(a) && is_word_char(b) {
        return false;
    }
    // Never split a 破折号 "——" or 省略号 "……".
    !(a == b && matches!(a, '—' | '…'))
}

/// Minimal rule used when a run is too long to keep together: only 禁则.
fn can_force_break_between(a: char, b: char) -> bool {
    !NO_LINE_START.contains(&b) && !NO_LINE_END.contains(&a)
}

/// Greedy line breaking. `width_for(line_index)` gives the usable width of each line.
/// Returns glyph ranges; leading spaces of continuation lines are skipped.
pub(crate) fn break_lines(
    glyphs: &[ShapedChar],
    style: &Style,
    width_for: &dyn Fn(usize) -> f32,
) -> Vec<Range<usize>> {
    let n = glyphs.len();
    let mut lines: Vec<Range<usize>> = Vec::new();
    let mut start = 0;
    while start < n {
        if !lines.is_empty() {
            while start < n && glyphs[start].ch == ' ' {
                start += 1;
            }
            if start == n {
                break;
            }
        }
        let available = width_for(lines.len());
        let mut width = 0.0;
        let mut end = start;
        while end < n {
            let advance = style.advance(&glyphs[end]);
            if end > start && width + advance > available + EPSILON {
                break;
            }
            width += advance;
            end += 1;
        }
        if end == n {
            lines.push(start..n);
            break;
        }
        let preferred = (start + 1..=end)
            .rev()
            .find(|&i| can_break_before(glyphs, i))
            .filter(|&i| style.width_of(&glyphs[start..i]) >= available * 0.5);
        let cut = preferred
            .or_else(|| {
                (start + 1..=end)
                    .rev()
                    .find(|&i| can_force_break_between(glyphs[i - 1].ch, glyphs[i].ch))
            })
            .unwrap_or(end);
        lines.push(start..cut);
        start = cut;
    }
    lines
}

/// Breaks a short text (title, signature) into visually balanced lines of at most
/// `max_width`, never leaving a single character alone on a line and avoiding breaks
/// inside quotations and book titles.
pub(crate) fn balanced_lines(
    glyphs: &[ShapedChar],
    style: &Style,
    max_width: f32,
) -> Vec<Range<usize>> {
    let n = glyphs.len();
    let total = style.width_of(glyphs);
    if n == 0 || total <= max_width + EPSILON {
        return std::iter::once(0..n).collect();
    }
    // Nesting depth of quotes/brackets before each position: breaking inside is penalised.
    let mut depth = vec![0i32; n + 1];
    for (i, g) in glyphs.iter().enumerate() {
        let delta = match g.ch {
            '“' | '《' | '（' | '(' | '「' | '〔' => 1,
            '”' | '》' | '）' | ')' | '」' | '〕' => -1,
            _ => 0,
        };
        depth[i + 1] = depth[i] + delta;
    }
    let mut candidates: Vec<usize> = vec![0];
    candidates.extend((1..n).filter(|&i| can_break_before(glyphs, i)));
    candidates.push(n);
    let prefix: Vec<f32> = std::iter::once(0.0)
        .chain(glyphs.iter().scan(0.0, |acc, g| {
            *acc += style.advance(g);
            Some(*acc)
        }))
        .collect();
    let em = style.size.max(1.0);
    let break_penalty = |pos: usize| -> f32 {
        if pos == n {
            return 0.0;
        }
        let mut penalty = 0.0;
        if depth[pos] > 0 {
            penalty += 40.0;
        }
        if matches!(
            glyphs[pos - 1].ch,
            '的' | '和' | '与' | '及' | '并' | '、' | '”' | '》'
        ) {
            penalty -= 3.0;
        }
        penalty
    };
    let min_lines = (total / max_width).ceil().max(2.0) as usize;
    for line_count in min_lines..=min_lines + 2 {
        let target = total / line_count as f32;
        let m = candidates.len();
        // best[l][j]: minimal cost to cover glyphs[..candidates[j]] with l lines.
        let mut best = vec![vec![f32::INFINITY; m]; line_count + 1];
        let mut from = vec![vec![usize::MAX; m]; line_count + 1];
        best[0][0] = 0.0;
        for l in 1..=line_count {
            for j in 1..m {
                for i in 0..j {
                    if !best[l - 1][i].is_finite() {
                        continue;
                    }
                    let (a, b) = (candidates[i], candidates[j]);
                    let width = prefix[b] - prefix[a];
                    if width > max_width + EPSILON || b - a < 2 {
                        continue;
                    }
                    let deviation = (width - target) / em;
                    let cost = best[l - 1][i] + deviation * deviation + break_penalty(b);
                    if cost < best[l][j] {
                        best[l][j] = cost;
                        from[l][j] = i;
                    }
                }
            }
        }
        if best[line_count][m - 1].is_finite() {
            let mut ranges = Vec::with_capacity(line_count);
            let mut j = m - 1;
            for l in (1..=line_count).rev() {
                let i = from[l][j];
                ranges.push(candidates[i]..candidates[j]);
                j = i;
            }
            ranges.reverse();
            return ranges;
        }
    }
    break_lines(glyphs, style, &|_| max_width)
}

/// A run of text placed on a page.
#[derive(Clone)]
pub(crate) struct PlacedText {
    pub text: String,
    pub glyphs: Vec<ShapedChar>,
    pub font: LoadedFont,
    pub size: f32,
    pub tracking: f32,
    pub color: Color,
    pub x: f32,
    pub baseline: f32,
    /// Extra space added at every justification opportunity.
    pub gap: f32,
    /// Horizontal scale (1.0 = normal, < 1.0 = condensed).
    pub hscale: f32,
}

impl PlacedText {
    /// A run from a slice of shaped glyphs (byte ranges are rebased onto the new text).
    pub fn new(style: &Style, glyphs: &[ShapedChar], x: f32, baseline: f32) -> Self {
        let mut text = String::new();
        let mut rebased = Vec::with_capacity(glyphs.len());
        for g in glyphs {
            let start = text.len();
            text.push(g.ch);
            rebased.push(ShapedChar {
                range: start..text.len(),
                ..g.clone()
            });
        }
        PlacedText {
            text,
            glyphs: rebased,
            font: style.font.clone(),
            size: style.size,
            tracking: style.tracking,
            color: style.color,
            x,
            baseline,
            gap: 0.0,
            hscale: 1.0,
        }
    }

    pub fn natural_width(&self) -> f32 {
        self.glyphs
            .iter()
            .map(|g| g.advance * self.size + self.tracking)
            .sum()
    }

    /// Number of justification opportunities: gaps between glyphs except inside ASCII
    /// runs and before trailing spaces.
    fn gap_count(&self) -> usize {
        let visible = self
            .glyphs
            .iter()
            .rposition(|g| g.ch != ' ')
            .map_or(0, |p| p + 1);
        (1..visible).filter(|&i| self.is_gap(i)).count()
    }

    fn is_gap(&self, i: usize) -> bool {
        !(is_word_char(self.glyphs[i - 1].ch) && is_word_char(self.glyphs[i].ch))
    }

    /// Stretches the run to `width` (两端对齐) when the shortfall is small.
    pub fn justify(mut self, width: f32) -> Self {
        let slack = width - self.natural_width();
        let gaps = self.gap_count();
        if slack > EPSILON && gaps > 0 && slack <= 3.0 * self.size {
            self.gap = slack / gaps as f32;
        }
        self
    }

    /// Moves the run down by `dy`.
    pub fn with_offset(mut self, dy: f32) -> Self {
        self.baseline += dy;
        self
    }

    pub fn condensed(mut self, hscale: f32) -> Self {
        self.hscale = hscale;
        self
    }

    fn draw(&self, surface: &mut Surface) {
        if self.glyphs.is_empty() {
            return;
        }
        let size = self.size.max(0.01);
        let visible = self
            .glyphs
            .iter()
            .rposition(|g| g.ch != ' ')
            .map_or(0, |p| p + 1);
        let glyphs: Vec<KrillaGlyph> = self
            .glyphs
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let mut advance = g.advance * size + self.tracking;
                if i + 1 < visible && self.is_gap(i + 1) {
                    advance += self.gap;
                }
                KrillaGlyph::new(
                    GlyphId::new(g.glyph_id),
                    advance / size,
                    0.0,
                    0.0,
                    0.0,
                    g.range.clone(),
                    None,
                )
            })
            .collect();
        surface.set_fill(Some(fill(self.color)));
        surface.push_transform(&Transform::from_row(
            self.hscale,
            0.0,
            0.0,
            1.0,
            self.x,
            self.baseline,
        ));
        surface.draw_glyphs(
            Point::from_xy(0.0, 0.0),
            &glyphs,
            self.font.font.clone(),
            &self.text,
            self.size,
            false,
        );
        surface.pop();
    }
}

/// Baseline of text of `size` vertically centred in a box starting at `top` of `height`.
pub(crate) fn baseline_in_box(top: f32, height: f32, size: f32) -> f32 {
    top + (height - size) / 2.0 + EM_ASCENT * size
}

/// Something drawn on a page.
pub(crate) enum Item {
    Text(PlacedText),
    /// Filled rectangle (rules, table lines).
    Rect {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        color: Color,
    },
    /// Stroked rectangle outline.
    Frame {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        line: f32,
        color: Color,
    },
}

/// Content of one page.
#[derive(Default)]
pub(crate) struct PageContent {
    pub items: Vec<Item>,
}

impl PageContent {
    pub fn text(&mut self, text: PlacedText) {
        self.items.push(Item::Text(text));
    }

    pub fn rect(&mut self, x: f32, y: f32, width: f32, height: f32, color: Color) {
        self.items.push(Item::Rect {
            x,
            y,
            width,
            height,
            color,
        });
    }

    /// Horizontal rule of `thickness` whose top edge is at `y`.
    pub fn hrule(&mut self, x: f32, y: f32, width: f32, thickness: f32, color: Color) {
        self.rect(x, y, width, thickness, color);
    }
}

fn fill(color: Color) -> Fill {
    Fill {
        paint: color.to_krilla().into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

fn draw_item(surface: &mut Surface, item: &Item) {
    match item {
        Item::Text(text) => text.draw(surface),
        Item::Rect {
            x,
            y,
            width,
            height,
            color,
        } => {
            let mut builder = PathBuilder::new();
            if let Some(rect) = Rect::from_xywh(*x, *y, *width, *height) {
                builder.push_rect(rect);
            }
            if let Some(path) = builder.finish() {
                surface.set_stroke(None);
                surface.set_fill(Some(fill(*color)));
                surface.draw_path(&path);
            }
        }
        Item::Frame {
            x,
            y,
            width,
            height,
            line,
            color,
        } => {
            let mut builder = PathBuilder::new();
            if let Some(rect) = Rect::from_xywh(*x, *y, *width, *height) {
                builder.push_rect(rect);
            }
            if let Some(path) = builder.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(Stroke {
                    paint: color.to_krilla().into(),
                    width: *line,
                    ..Default::default()
                }));
                surface.draw_path(&path);
                surface.set_stroke(None);
            }
        }
    }
}

/// Writes the pages into an A4 PDF with title/creator metadata; `created` (UTC) is the
/// operation's instant, never the wall clock, so a document is reproducible.
pub(crate) fn write_pdf(
    pages: &[PageContent],
    title: &str,
    created: chrono::NaiveDateTime,
) -> Result<Vec<u8>, PdfError> {
    let mut document = Document::new();
    let now = created;
    document.set_metadata(
        Metadata::new()
            .title(title.to_string())
            .creator(PDF_CREATOR.to_string())
            .producer(format!("{PDF_CREATOR} (krilla)"))
            .language("zh-CN".to_string())
            .creation_date(krilla_date(now)),
    );
    let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
        .ok_or_else(|| PdfError::Pdf("invalid page size".to_string()))?;
    for content in pages {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        for item in &content.items {
            draw_item(&mut surface, item);
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| PdfError::Pdf(format!("{e:?}")))
}

fn krilla_date(now: chrono::NaiveDateTime) -> DateTime {
    use chrono::{Datelike, Timelike};
    let year = u16::try_from(now.year()).unwrap_or(2000);
    let narrow = |v: u32| u8::try_from(v).unwrap_or(0);
    DateTime::new(year)
        .month(narrow(now.month()))
        .day(narrow(now.day()))
        .hour(narrow(now.hour()))
        .minute(narrow(now.minute()))
        .second(narrow(now.second()))
        .utc_offset_hour(0)
        .utc_offset_minute(0)
}

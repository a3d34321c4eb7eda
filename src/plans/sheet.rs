//! The spreadsheet edge of work plans: the template the office fills in (rust_xlsxwriter) and
//! reading an uploaded .xlsx into cells (calamine), keeping the spreadsheet's row numbers.

use calamine::{Data, Reader, Xlsx};

use super::{ACTIVITY_HEADER, Cell, HEADERS};
use crate::error::{AppError, AppResult};

/// The import template: the header, an example row, and a note on how it is read.
pub fn template() -> AppResult<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let xl = |e: rust_xlsxwriter::XlsxError| AppError::internal(format!("xlsx: {e}"));
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("工作要点").map_err(xl)?;
    let head = Format::new().set_bold();
    for (c, h) in HEADERS.iter().chain([&ACTIVITY_HEADER]).enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &head)
            .map_err(xl)?;
    }
    let examples = [
        [
            "1",
            "（三）加强行政执法与刑事司法有效衔接",
            "建立执法协作机制、信息沟通机制和激励约束机制",
            "市检察院",
            "市公安局、市市场监督管理局",
            "2026-12-31",
            "",
        ],
        [
            "2",
            "（八）加强宣传培训",
            "市场监管和公安机关联合开展执法人员业务培训",
            "市市场监督管理局",
            "市公安局",
            "2026-12-31",
            "培训",
        ],
    ];
    for (r, example) in examples.iter().enumerate() {
        for (c, v) in example.iter().enumerate() {
            ws.write_string(1 + r as u32, c as u16, *v).map_err(xl)?;
        }
    }
    for (c, w) in [6, 34, 50, 22, 40, 14, 12].iter().enumerate() {
        ws.set_column_width(c as u16, *w).map_err(xl)?;
    }
    let notes = wb.add_worksheet();
    notes.set_name("填写说明").map_err(xl)?;
    for (r, line) in [
        "只读取第一个工作表“工作要点”，第一行是表头，请勿改动。",
        "每行一项工作；“部分”为空时沿用上一行的部分。",
        "牵头单位只填一个；责任单位多个时用顿号分隔。单位名称按单位名录匹配，不能唯一确定的，导入时会请您选择。",
        "完成时限写成2026-12-31，应晚于导入当天。请删除示例行后填写。",
        "要求牵头单位在时限内开展宣传活动、培训或“四进”活动的，在“活动类别”中填写“宣传活动”“培训”或“四进活动”；登记该活动时选择本事项，即记为完成。不要求开展活动的留空。",
    ]
    .iter()
    .enumerate()
    {
        notes.write_string(r as u32, 0, *line).map_err(xl)?;
    }
    notes.set_column_width(0, 100).map_err(xl)?;
    wb.save_to_buffer().map_err(xl)
}

fn cell(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Text(b.to_string()),
        Data::DateTime(dt) => dt
            .as_datetime()
            .map(|d| Cell::Date(d.date()))
            .unwrap_or(Cell::Empty),
        Data::DateTimeIso(s) => Cell::Text(s.chars().take(10).collect()),
        Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Text(format!("#{e:?}")),
    }
}

/// The first sheet's cells, row by row from A1, so that a row's index + 1 is its number in
/// the spreadsheet. An unreadable file is a field error on the upload, not a server error.
pub fn read(bytes: &[u8]) -> AppResult<Vec<Vec<Cell>>> {
    let bad = || {
        AppError::field(
            "file",
            "invalid_type",
            "无法读取该文件，请上传用平台模板填写的 .xlsx 文件",
        )
    };
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).map_err(|_| bad())?;
    let range = wb
        .worksheet_range_at(0)
        .ok_or_else(bad)?
        .map_err(|_| bad())?;
    let Some((end_row, end_col)) = range.end() else {
        return Ok(Vec::new());
    };
    if end_row > 5000 {
        return Err(AppError::field(
            "file",
            "too_long",
            "工作要点不能超过5000行",
        ));
    }
    // The six columns and the optional activity column.
    let cols = end_col.min(6) + 1;
    Ok((0..=end_row)
        .map(|r| {
            (0..cols)
                .map(|c| range.get_value((r, c)).map(cell).unwrap_or(Cell::Empty))
                .collect()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_reads_back_as_its_header_and_example() {
        let bytes = template().expect("template");
        let rows = read(&bytes).expect("read");
        let header: Vec<String> = rows[0]
            .iter()
            .map(|c| match c {
                Cell::Text(s) => s.clone(),
                _ => String::new(),
            })
            .collect();
        assert_eq!(header[..6], HEADERS);
        assert_eq!(header[6], ACTIVITY_HEADER);
        assert_eq!(rows[1][3], Cell::Text("市检察院".into()));
    }

    #[test]
    fn a_file_that_is_not_xlsx_is_a_field_error() {
        let e = read(b"not a spreadsheet").expect_err("bad");
        assert!(matches!(e, AppError::Validation(_)));
    }
}

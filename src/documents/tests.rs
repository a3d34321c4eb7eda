//! Tests for the document renderers. The end-to-end tests need poppler-utils
//! (`pdftotext`, `pdfinfo`, `pdftoppm`) and fonts-noto-cjk.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::NaiveDate;

use super::fonts::{FontSet, family_names};
use super::layout::{Style, balanced_lines, break_lines};
use super::official::compose;
use super::*;

/// The instant the test documents are made: fixed, as an operation's would be.
fn created() -> chrono::NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 12, 2)
        .and_then(|d| d.and_hms_opt(2, 0, 0))
        .expect("date")
}

fn fonts() -> Fonts {
    Fonts::discover(None).expect("fonts-noto-cjk must be installed: apt-get install fonts-noto-cjk")
}

/// Runs a poppler tool and returns its stdout.
fn poppler(tool: &str, args: &[&str]) -> String {
    let output = match Command::new(tool).args(args).output() {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            panic!("`{tool}` not found: install poppler-utils (apt-get install poppler-utils)")
        }
        Err(e) => panic!("cannot run {tool}: {e}"),
    };
    assert!(
        output.status.success(),
        "{tool} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("poppler output is UTF-8")
}

fn page_count(pdf: &Path) -> usize {
    let info = poppler("pdfinfo", &[pdf.to_str().expect("utf-8 path")]);
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("pdfinfo reports the page count")
}

fn without_whitespace(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

fn sample_letter() -> OfficialDocument {
    let text = |s: &str| Paragraph::text(s);
    OfficialDocument {
        issuer: "信阳市打击侵犯知识产权和制售假冒伪劣商品工作领导小组办公室".into(),
        joint_issuers: vec!["信阳市公安局".into()],
        number: "信打假办督〔2026〕7号".into(),
        mark: Some("挂牌督办".into()),
        title: "关于督办假冒“信阳毛尖”茶叶案的函".into(),
        addressee: "信阳市市场监督管理局".into(),
        body: vec![
            text(
                "2026年10月，我办接到群众举报，反映浉河区部分茶叶经营户销售假冒“信阳毛尖”地理标志产品，涉嫌侵犯“信阳毛尖”证明商标专用权。经初步核查，涉案茶叶外包装印有“信阳毛尖”字样及地理标志专用标志，但无法提供产地证明，货值金额较大，社会影响恶劣。为依法严厉打击侵犯知识产权违法犯罪行为，维护“信阳毛尖”品牌声誉，根据《河南省打击侵犯知识产权和制售假冒伪劣商品工作督办办法》，决定对该案挂牌督办。现将有关事项函告如下。",
            ),
            Paragraph::heading1("一、基本案情"),
            text(
                "经查，2026年9月至10月间，当事人在浉河区某茶叶市场租赁门面，从外地购入普通绿茶约1200公斤，使用印有“信阳毛尖”证明商标和地理标志专用标志的包装物进行分装，以每斤260元至680元不等的价格对外销售，累计销售额约38.6万元。现场查获假冒包装盒3600余个、手提袋1500余个，涉案物品已依法先行登记保存。",
            ),
            Paragraph::heading2("（一）涉案商品情况"),
            text(
                "涉案商品分为礼盒装、罐装、袋装三种规格，包装印制精美，与正品相似度高，普通消费者难以辨别。经“信阳毛尖”证明商标注册人鉴定，上述商品均非其授权生产，属于侵犯注册商标专用权的商品。",
            ),
            Paragraph::heading2("（二）涉嫌违法犯罪情况"),
            text(
                "当事人的行为涉嫌违反《中华人民共和国商标法》第五十七条的规定。因销售金额已超过5万元，可能涉嫌销售假冒注册商标的商品罪，需与公安机关密切配合，依法做好行政执法与刑事司法衔接工作。",
            ),
            Paragraph::heading1("二、督办要求"),
            text(
                "请你局高度重视，成立专案组，由主要负责同志亲自督导，抽调执法骨干力量，深挖细查案件线索，彻查假冒包装物的印制来源和商品的销售去向，依法查清违法事实，固定证据材料。对涉嫌犯罪的，要及时移送公安机关，不得以罚代刑。",
            ),
            text(
                "办案过程中要注重加强与公安、农业农村、供销等部门的协作配合，充分运用“双打”协同平台开展线索流转和信息共享，形成打击合力。要主动做好案件的舆论引导工作，及时回应社会关切，防止出现负面炒作。",
            ),
            text(
                "请于2026年12月31日前将案件查办进展情况书面报送我办，案件办结后10个工作日内报送结案报告及相关证明材料。对督办案件查办不力、推诿扯皮的，将按照有关规定予以通报。",
            ),
            Paragraph::heading1("三、工作要求"),
            text(
                "各相关单位要以此案为契机，举一反三，在全市范围内组织开展地理标志产品保护专项整治行动，重点检查茶叶批发市场、商超、电商平台和物流寄递环节，全面排查“信阳毛尖”等地理标志产品的生产经营秩序，切实维护权利人和消费者的合法权益，营造良好的营商环境和消费环境。",
            ),
        ],
        attachments: vec!["案件线索材料".into(), "涉案商品鉴定意见书".into()],
        signature: "信阳市打击侵权假冒工作领导小组办公室\n信阳市公安局".into(),
        date: NaiveDate::from_ymd_opt(2026, 11, 23).expect("valid date"),
        copy_to: vec![
            "河南省打击侵权假冒工作领导小组办公室".into(),
            "信阳市人民检察院".into(),
            "浉河区人民政府".into(),
        ],
        contact: Some("（联系人：赵经办，电话：0376-6221234）".into()),
    }
}

#[test]
fn discover_selects_simplified_chinese_faces() {
    let fonts = fonts();
    for (role, source) in [
        ("title", &fonts.title),
        ("body", &fonts.body),
        ("heading", &fonts.heading),
    ] {
        let data = std::fs::read(&source.path).expect("font readable");
        let names = family_names(&data, source.index);
        assert!(
            names.iter().any(|n| n.ends_with(" SC")
                || n.ends_with(" CN")
                || n.starts_with("WenQuanYi")
                || !source.path.starts_with("/usr/share/fonts")),
            "{role}: face {} of {} is {names:?}",
            source.index,
            source.path.display()
        );
        if source.path.to_string_lossy().contains("NotoS") {
            // fonts-noto-cjk: JP=0, KR=1, SC=2.
            assert_eq!(source.index, 2, "{role}: Noto CJK SC face index");
        }
    }
}

#[test]
fn office_directory_overrides_fallbacks() {
    let dir = std::env::temp_dir().join(format!("letterpdf-fonts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let link = dir.join("SimHei.TTF");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", &link)
        .expect("symlink");
    let fonts = Fonts::discover(Some(&dir)).expect("fonts");
    assert_eq!(fonts.heading.path, link);
    // A collection dropped in as an office font still resolves to its SC face.
    assert_eq!(fonts.heading.index, 2);
    assert_ne!(fonts.body.path.parent(), Some(dir.as_path()));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn missing_font_error_names_the_debian_package() {
    let error = PdfError::FontNotFound {
        role: "body (仿宋)",
        searched: "/nowhere".into(),
    };
    assert!(error.to_string().contains("apt-get install fonts-noto-cjk"));
}

#[test]
fn dates_use_arabic_numerals_without_padding() {
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("valid date");
    assert_eq!(
        crate::calendar::format_date_zh(date(2026, 11, 23)),
        "2026年11月23日"
    );
    assert_eq!(
        crate::calendar::format_date_zh(date(2026, 1, 5)),
        "2026年1月5日"
    );
}

#[test]
fn line_breaking_respects_kinsoku_and_ascii_runs() {
    let set = FontSet::load(&fonts()).expect("fonts load");
    let style = Style::new(&set.body, 16.0);
    let width = 10.0 * 16.0;
    let lines = |text: &str| -> Vec<String> {
        let glyphs = style.shape(text);
        break_lines(&glyphs, &style, &|_| width)
            .into_iter()
            .map(|r| glyphs[r].iter().map(|g| g.ch).collect())
            .collect()
    };
    // The comma would be the 11th character: the 10th moves down with it.
    let broken = lines("一二三四五六七八九十，十一十二");
    assert_eq!(broken[0], "一二三四五六七八九");
    assert_eq!(broken[1], "十，十一十二");
    // An opening quote never ends a line.
    let broken = lines("一二三四五六七八九“信阳毛尖”");
    assert!(!broken[0].ends_with('“'), "{broken:?}");
    // ASCII runs stay together.
    let broken = lines("联系电话：0376-6221234");
    assert!(
        broken.iter().any(|l| l.contains("0376-6221234")),
        "{broken:?}"
    );
    for text in [
        "甲乙丙丁戊己庚辛壬癸。子丑",
        "一二三四五六七八九十）、",
        "测试文本测试文本测试文本测试文本测试。",
    ] {
        for line in lines(text).iter().skip(1) {
            let first = line.chars().next().expect("non-empty line");
            assert!(!"，。、；：！？）》」』”".contains(first), "{text}: {line}");
        }
    }
}

#[test]
fn long_titles_split_evenly_without_widows() {
    let set = FontSet::load(&fonts()).expect("fonts load");
    let style = Style::new(&set.title, 22.0);
    let title = "关于督办假冒“信阳毛尖”茶叶及包装材料系列案件并加强跨区域协查联动的函";
    let glyphs = style.shape(title);
    let ranges = balanced_lines(&glyphs, &style, 442.0);
    assert_eq!(ranges.len(), 2);
    let (a, b) = (ranges[0].len(), ranges[1].len());
    assert!(a.abs_diff(b) <= 4, "unbalanced split {a}/{b}");
    // Not inside the quotation.
    let first: String = glyphs[ranges[0].clone()].iter().map(|g| g.ch).collect();
    assert!(
        first.matches('“').count() == first.matches('”').count(),
        "{first}"
    );
    // A title that barely overflows never leaves one character alone.
    let glyphs = style.shape("关于督办假冒伪劣商品跨区域系列案件协查工作有关事项的函");
    for range in balanced_lines(&glyphs, &style, 20.0 * 22.0) {
        assert!(range.len() >= 2);
    }
}

#[test]
fn empty_title_is_rejected() {
    let mut doc = sample_letter();
    doc.title = "  ".into();
    assert!(matches!(
        render(&doc, &fonts(), created()),
        Err(PdfError::InvalidDocument(_))
    ));
}

#[test]
fn sample_letter_renders_as_real_text() {
    let pdf = render(&sample_letter(), &fonts(), created()).expect("render");
    let path = PathBuf::from("/tmp/letter-sample.pdf");
    std::fs::write(&path, &pdf).expect("write sample");
    assert!(
        pdf.len() < 1024 * 1024,
        "PDF too large: {} bytes",
        pdf.len()
    );
    assert_eq!(page_count(&path), 3);

    let text = poppler("pdftotext", &["-layout", "/tmp/letter-sample.pdf", "-"]);
    let flat = without_whitespace(&text);
    for expected in [
        "信打假办督〔2026〕7号",
        "关于督办假冒“信阳毛尖”茶叶案的函",
        "信阳市市场监督管理局：",
        "挂牌督办",
        "信阳市打击侵犯知识产权和制售假冒伪劣商品工作领导小组办公室",
        "信阳市打击侵权假冒工作领导小组办公室",
        "2026年11月23日",
        "附件：1.案件线索材料",
        "2.涉案商品鉴定意见书",
        "（联系人：赵经办，电话：0376-6221234）",
        "抄送：河南省打击侵权假冒工作领导小组办公室，信阳市人民检察院，浉河区人民政府。",
        "—2—",
        "—3—",
    ] {
        assert!(flat.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert!(!flat.contains("—1—"), "page 1 must not carry a page number");
    for line in text.lines() {
        let line = line.trim_start();
        assert!(
            !line.starts_with('，') && !line.starts_with('。'),
            "line starts with punctuation: {line:?}"
        );
    }

    let info = poppler("pdfinfo", &["/tmp/letter-sample.pdf"]);
    assert!(
        info.contains("双打协同平台"),
        "creator metadata missing: {info}"
    );
    assert!(
        info.contains("关于督办假冒"),
        "title metadata missing: {info}"
    );

    poppler(
        "pdftoppm",
        &[
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "3",
            "/tmp/letter-sample.pdf",
            "/tmp/letter-sample",
        ],
    );
    assert!(Path::new("/tmp/letter-sample-1.png").exists());
}

#[test]
fn short_letter_fits_one_page_with_copy_to_above_lower_rule() {
    let mut doc = sample_letter();
    doc.joint_issuers.clear();
    doc.mark = None;
    doc.body = vec![Paragraph::text(
        "经初步核查，浉河区部分茶叶经营户涉嫌销售假冒“信阳毛尖”茶叶，请你局依法查处，并于2026年12月31日前报送查办结果。",
    )];
    doc.attachments = vec!["案件线索材料".into()];
    doc.signature = "信阳市打击侵权假冒工作领导小组办公室".into();
    doc.title = "关于督办假冒“信阳毛尖”茶叶及包装材料系列案件并加强跨区域协查联动的函".into();
    let pdf = render(&doc, &fonts(), created()).expect("render");
    let path = PathBuf::from("/tmp/letter-short.pdf");
    std::fs::write(&path, &pdf).expect("write");
    assert_eq!(page_count(&path), 1);
    let text = poppler(
        "pdftotext",
        &["-layout", path.to_str().expect("utf-8"), "-"],
    );
    let flat = without_whitespace(&text);
    assert!(flat.contains("附件：案件线索材料"), "{text}");
    assert!(flat.contains(&without_whitespace(&doc.title)), "{text}");
    assert!(flat.contains("抄送："), "{text}");
    assert!(!flat.contains("—1—"), "{text}");
}

/// GB/T 9704-2012 10.1: a letter's 版记 (抄送) has no separator lines, nor 印发机关 and
/// 印发日期; its only rules are the red ones of the letterhead and the foot of page 1.
#[test]
fn a_letter_has_no_separator_lines_and_no_issuing_line() {
    let set = FontSet::load(&fonts()).expect("fonts load");
    let doc = sample_letter();
    assert!(!doc.copy_to.is_empty());
    let pages = compose(&doc, &set).expect("compose");
    let black_rules = pages
        .iter()
        .flat_map(|p| &p.items)
        .filter(|item| {
            matches!(item, super::layout::Item::Rect { color, .. } if *color != super::layout::RED)
        })
        .count();
    assert_eq!(black_rules, 0, "a rule that is not the letterhead's");
    let pdf = render(&doc, &fonts(), created()).expect("render");
    let path = PathBuf::from("/tmp/letter-no-issuing-line.pdf");
    std::fs::write(&path, &pdf).expect("write");
    let flat = without_whitespace(&poppler("pdftotext", &[path.to_str().expect("utf-8"), "-"]));
    assert!(flat.contains("抄送："), "{flat}");
    assert!(!flat.contains("印发"), "{flat}");
}

#[test]
fn catalogue_with_forty_rows_spans_two_pages() {
    let rows: Vec<CatalogueRow> = (1..=40)
        .map(|seq| CatalogueRow {
            seq,
            responsible: if seq % 3 == 0 {
                "信阳市市场监督管理局".into()
            } else {
                "信阳市打假办".into()
            },
            title: if seq % 5 == 0 {
                format!("关于假冒“信阳毛尖”茶叶案第{seq}号证据材料的现场检查笔录及询问笔录")
            } else {
                format!("案件材料第{seq}号")
            },
            date: format!("2026-11-{:02}", seq % 28 + 1),
            size: format!("{}页", seq % 7 + 1),
            note: if seq == 7 {
                "原件".into()
            } else {
                String::new()
            },
        })
        .collect();
    let pdf = render_catalogue(
        "卷内目录",
        "案卷号：信打假办〔2026〕7号",
        &rows,
        &fonts(),
        created(),
    )
    .expect("render catalogue");
    let path = PathBuf::from("/tmp/catalogue-sample.pdf");
    std::fs::write(&path, &pdf).expect("write");
    assert_eq!(page_count(&path), 2);
    let text = poppler("pdftotext", &["-layout", "/tmp/catalogue-sample.pdf", "-"]);
    let flat = without_whitespace(&text);
    for expected in [
        "卷内目录",
        "信打假办〔2026〕7号",
        "文件题名",
        "页数/大小",
        "案件材料第39号",
        "原件",
        "第2页共2页",
    ] {
        assert!(flat.contains(expected), "missing {expected:?} in:\n{text}");
    }
    // The header is repeated on the second page.
    assert_eq!(text.matches("文件题名").count(), 2, "{text}");
}

#[test]
fn copy_to_moves_to_a_new_page_when_the_last_page_is_full() {
    let set = FontSet::load(&fonts()).expect("fonts load");
    let letter = |paragraphs: usize, copy_to: bool| {
        let mut doc = sample_letter();
        doc.body = (0..paragraphs)
            .map(|i| Paragraph::text(format!("第{}项：请依法查处。", i + 1)))
            .collect();
        doc.copy_to = if copy_to {
            vec!["信阳市人民检察院".into()]
        } else {
            Vec::new()
        };
        doc
    };
    let overflow = (1..=40)
        .find(|&n| {
            let with = compose(&letter(n, true), &set).expect("compose").len();
            let without = compose(&letter(n, false), &set).expect("compose").len();
            with == without + 1
        })
        .expect("some body length fills the last page exactly");
    let pdf = render(&letter(overflow, true), &fonts(), created()).expect("render");
    let path = PathBuf::from("/tmp/letter-copy-to-overflow.pdf");
    std::fs::write(&path, &pdf).expect("write");
    let pages = page_count(&path);
    let last = pages.to_string();
    let text = poppler(
        "pdftotext",
        &[
            "-layout",
            "-f",
            &last,
            "-l",
            &last,
            "/tmp/letter-copy-to-overflow.pdf",
            "-",
        ],
    );
    let flat = without_whitespace(&text);
    assert!(flat.contains("抄送：信阳市人民检察院。"), "{text}");
    assert!(!flat.contains("2026年11月23日"), "{text}");
    assert!(flat.contains(&format!("—{pages}—")), "{text}");
}

#[test]
fn stored_dates_are_written_as_documents_write_them() {
    assert_eq!(crate::calendar::date_zh("2026-12-02"), "2026年12月2日");
    assert_eq!(
        crate::calendar::date_zh("2027-01-05T09:30:00+08:00"),
        "2027年1月5日"
    );
    // Not a date: kept as it is rather than lost.
    assert_eq!(crate::calendar::date_zh("近期"), "近期");
    assert_eq!(crate::calendar::date_zh(""), "");
}

#[test]
fn an_organs_name_is_never_broken_inside_a_word() {
    // 30 characters: longer than a line, so broken once, after 「和」, not in 「知识产权」.
    let office = "信阳市打击侵犯知识产权和制售假冒伪劣商品工作领导小组办公室";
    let mut doc = sample_letter();
    doc.signature = office.into();
    doc.joint_issuers.clear();
    let pdf = render(&doc, &fonts(), created()).expect("render");
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("s.pdf");
    std::fs::write(&path, &pdf).expect("write");
    let text = poppler("pdftotext", &["-layout", path.to_str().expect("path"), "-"]);
    let lines: Vec<String> = text.lines().map(without_whitespace).collect();
    assert!(
        lines.iter().any(|l| l == "信阳市打击侵犯知识产权和"),
        "{text}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l == "制售假冒伪劣商品工作领导小组办公室"),
        "{text}"
    );
    // 18 characters: too wide to be centred on the date where it stands, it moves left with
    // the date and stays on one line.
    doc.signature = "信阳市打击侵权假冒工作领导小组办公室".into();
    let pdf = render(&doc, &fonts(), created()).expect("render");
    std::fs::write(&path, &pdf).expect("write");
    let text = poppler("pdftotext", &["-layout", path.to_str().expect("path"), "-"]);
    assert!(
        text.lines()
            .map(without_whitespace)
            .any(|l| l == "信阳市打击侵权假冒工作领导小组办公室"),
        "{text}"
    );
}

/// The PDF's creation date is the operation's instant, not the wall clock: the same document
/// made at the same instant is the same bytes ("no wall clock on a code path").
#[test]
fn the_creation_date_is_the_operations_instant() {
    let a = render(&sample_letter(), &fonts(), created()).expect("render");
    let text = String::from_utf8_lossy(&a);
    assert!(text.contains("D:20261202020000"), "creation date");
    let b = render(&sample_letter(), &fonts(), created()).expect("render");
    assert_eq!(a, b, "reproducible");
}

/// The platform's own PDFs carry a text layer that search can read back (issue #17): the
/// words of a letter uploaded as an attachment are found.
#[test]
fn a_letters_text_layer_reads_back_for_search() {
    let pdf = render(&sample_letter(), &fonts(), created()).expect("render");
    let text = crate::search::extract::text("application/pdf", &pdf).expect("text layer");
    let flat = without_whitespace(&text);
    for expected in ["信打假办督〔2026〕7号", "挂牌督办", "信阳市市场监督管理局"]
    {
        assert!(flat.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

#[test]
fn a_catalogue_dates_its_files_in_eight_numerals() {
    use super::catalogue::archival_date;
    assert_eq!(archival_date("2026-06-05"), "20260605");
    assert_eq!(archival_date("20260605"), "20260605");
    assert_eq!(archival_date("2026年6月5日"), "2026年6月5日");
}

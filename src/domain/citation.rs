//! Clause references as the users cite them. The rules are kept in the code by short codes
//! (`000 §8`, `004 二(二)`, `001 §19–21；003 三(一)`), which is how the developers read the seeds;
//! an official, a page or a notice says 「《重大案件协调督办工作规则》第八条」. `cite` turns
//! the one into the other wherever a clause is shown, and leaves any other text as it is.

use super::chinese_ordinal;

/// The seed documents by their file prefix, with the short titles officials cite them by.
const DOCUMENTS: [(&str, &str); 5] = [
    ("000", "《重大案件协调督办工作规则》"),
    ("001", "《领导小组工作规则》"),
    (
        "002",
        "《关于进一步做好打击侵犯知识产权和制售假冒伪劣商品工作的实施意见》",
    ),
    ("003", "《打击侵犯知识产权和制售假冒伪劣商品工作制度》"),
    (
        "004",
        "《关于建立协调会商机制强化知识产权保护工作的实施方案》",
    ),
];

const PARTS: &str = "一二三四五六七八九十";

/// `text` with every coded reference written out as officials cite it. Several references are
/// separated by 「；」; a reference's own remark (「（移交市场监管部门）」) stays after it.
pub fn cite(text: &str) -> String {
    text.split('；')
        .map(cite_one)
        .collect::<Vec<_>>()
        .join("；")
}

/// `text` (a notice, a hint) with each coded reference inside it written out: 「期限将至：
/// 反馈办理结果（000 §8），…」 → 「…（《重大案件协调督办工作规则》第八条），…」.
pub fn cite_in(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut copied = 0;
    let mut at = 0;
    while at < text.len() {
        if let Some((cited, end)) = reference_at(text, at) {
            out.push_str(&text[copied..at]);
            out.push_str(&cited);
            copied = end;
            at = end;
        } else {
            at += text[at..].chars().next().map_or(1, char::len_utf8);
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// A stored text (a history entry, a notice, a to-do, an explanation) as people read it on a
/// page: coded references written out ([`cite_in`]) and ISO dates written 2026年12月2日
/// ([`crate::calendar::dates_zh_in`]), old entries as well as new ones. The API keeps the text
/// as stored.
pub fn readable(text: &str) -> String {
    crate::calendar::dates_zh_in(&cite_in(text))
}

/// The coded reference starting at byte `at` of `text`, written out, and where it ends.
fn reference_at(text: &str, at: usize) -> Option<(String, usize)> {
    let rest = &text[at..];
    let (code, _) = DOCUMENTS
        .iter()
        .find(|(code, _)| rest.starts_with(code) && rest[code.len()..].starts_with(' '))?;
    // Only a code standing on its own: at the start, or after a bracket or separator.
    let before = text[..at].chars().next_back();
    if before.is_some_and(|c| {
        !matches!(
            c,
            '（' | '(' | '【' | '「' | '“' | '；' | '，' | '、' | ' ' | '：' | '\n'
        )
    }) {
        return None;
    }
    let after = &rest[code.len() + 1..];
    let len: usize = after
        .char_indices()
        .take_while(|(_, c)| c.is_ascii_digit() || "§–-、()".contains(*c) || PARTS.contains(*c))
        .map(|(i, c)| i + c.len_utf8())
        .last()
        .unwrap_or(0);
    // A trailing 、 or bracket belongs to the sentence, not to the reference.
    let reference = after[..len].trim_end_matches(['、', '(']);
    let cited = cite_one(&format!("{code} {reference}"));
    cited
        .starts_with('《')
        .then(|| (cited, at + code.len() + 1 + reference.len()))
}

fn cite_one(part: &str) -> String {
    let trimmed = part.trim();
    let Some((code, rest)) = trimmed.split_once(' ') else {
        return part.to_string();
    };
    let Some((_, title)) = DOCUMENTS.iter().find(|(c, _)| *c == code) else {
        return part.to_string();
    };
    // The reference runs to the first remark in full-width brackets.
    let (reference, remark) = match rest.find('（') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match articles(reference.trim()).or_else(|| outline(reference.trim())) {
        Some(place) => format!("{title}{place}{remark}"),
        None => part.to_string(),
    }
}

/// `§8` → 第八条; `§19–21` → 第十九条至第二十一条; `§3、5` → 第三条、第五条.
fn articles(r: &str) -> Option<String> {
    let r = r.strip_prefix('§')?;
    if let Some((a, b)) = r.split_once(['–', '-', '—']) {
        // Two neighbours are listed (第三条、第四条); a longer run is a range.
        let next = a.trim().parse::<usize>().ok().map(|a| a + 1) == b.trim().parse().ok();
        let join = if next { "、" } else { "至" };
        return Some(format!("{}{join}{}", article(a)?, article(b)?));
    }
    r.split(['、', ','])
        .map(article)
        .collect::<Option<Vec<_>>>()
        .map(|v| v.join("、"))
}

fn article(n: &str) -> Option<String> {
    let n: usize = n.trim().parse().ok().filter(|n| (1..=99).contains(n))?;
    Some(format!("第{}条", chinese_ordinal(n)))
}

/// The outline of a 实施意见 or 实施方案: `二(二)` → 第二部分第（二）项; `三` → 第三部分;
/// `一、三(二)` → 第一部分、第三部分第（二）项; `(七)1` → 第（七）项第1目.
fn outline(r: &str) -> Option<String> {
    let r = r.strip_prefix('§').unwrap_or(r);
    r.split('、')
        .map(|piece| {
            let piece = piece.trim();
            let head: String = piece.chars().take_while(|c| PARTS.contains(*c)).collect();
            let tail = &piece[head.len()..];
            let mut out = String::new();
            if !head.is_empty() {
                out.push_str(&format!("第{head}部分"));
            }
            if let Some(inner) = tail.strip_prefix('(') {
                let (item, after) = inner.split_once(')')?;
                if item.is_empty() || !item.chars().all(|c| PARTS.contains(c)) {
                    return None;
                }
                out.push_str(&format!("第（{item}）项"));
                if !after.is_empty() {
                    let sub: usize = after.parse().ok()?;
                    out.push_str(&format!("第{sub}目"));
                }
            } else if !tail.is_empty() {
                return None;
            }
            (!out.is_empty()).then_some(out)
        })
        .collect::<Option<Vec<_>>>()
        .map(|v| v.join("、"))
}

#[cfg(test)]
mod tests {
    use super::cite;

    #[test]
    fn articles_are_cited_by_title_and_number() {
        assert_eq!(cite("000 §8"), "《重大案件协调督办工作规则》第八条");
        assert_eq!(cite("000 §11"), "《重大案件协调督办工作规则》第十一条");
        assert_eq!(
            cite("001 §19–21"),
            "《领导小组工作规则》第十九条至第二十一条"
        );
        assert_eq!(
            cite("001 §25；003 三(三)"),
            "《领导小组工作规则》第二十五条；《打击侵犯知识产权和制售假冒伪劣商品工作制度》第三部分第（三）项"
        );
    }

    #[test]
    fn outlines_are_cited_by_part_and_item() {
        let plan = "《关于建立协调会商机制强化知识产权保护工作的实施方案》";
        assert_eq!(cite("004 二(二)"), format!("{plan}第二部分第（二）项"));
        assert_eq!(
            cite("004 二(三)（书面反馈处理结果）"),
            format!("{plan}第二部分第（三）项（书面反馈处理结果）")
        );
        assert_eq!(
            cite("003 一、三(二)"),
            "《打击侵犯知识产权和制售假冒伪劣商品工作制度》第一部分、第三部分第（二）项"
        );
        assert_eq!(
            cite("002 (七)1"),
            "《关于进一步做好打击侵犯知识产权和制售假冒伪劣商品工作的实施意见》第（七）项第1目"
        );
    }

    #[test]
    fn references_inside_a_sentence_are_written_out() {
        assert_eq!(
            super::cite_in("期限将至：反馈办理结果（000 §8），届满日2026年12月10日"),
            "期限将至：反馈办理结果（《重大案件协调督办工作规则》第八条），届满日2026年12月10日"
        );
        assert_eq!(
            super::cite_in("通报（003 三(六)）和工作简报（003 三(三)）由组长签发（001 §26）。"),
            "通报（《打击侵犯知识产权和制售假冒伪劣商品工作制度》第三部分第（六）项）和工作简报（《打击侵犯知识产权和制售假冒伪劣商品工作制度》第三部分第（三）项）由组长签发（《领导小组工作规则》第二十六条）。"
        );
        assert_eq!(
            super::cite_in("【000 §4】自线索登记之日起"),
            "【《重大案件协调督办工作规则》第四条】自线索登记之日起"
        );
        for text in ["共1000 件", "编号2004 号", "无条款"] {
            assert_eq!(super::cite_in(text), text);
        }
    }

    #[test]
    fn other_text_is_left_as_it_is() {
        assert_eq!(
            cite("004 二(二)；国务院令第310号第八条"),
            "《关于建立协调会商机制强化知识产权保护工作的实施方案》第二部分第（二）项；国务院令第310号第八条"
        );
        assert_eq!(cite("001 §3–4"), "《领导小组工作规则》第三条、第四条");
        for text in [
            "",
            "国务院令第310号第八条",
            "009 §8",
            "000 §0",
            "000 §x",
            "004 二(x)",
            "会议决定",
        ] {
            assert_eq!(cite(text), text);
        }
    }
}

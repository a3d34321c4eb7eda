//! Reports of the same matter (issue #14): the same enterprise's credit code, the same brand at
//! the same place, or nearly the same words. The office is offered them and merges one into
//! another; a merged report keeps its own reporter, tracking number and time of receipt,
//! because the first reporter's priority for a reward rests on it. Pure: no I/O.

/// What is compared of a report.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    pub credit_code: Option<&'a str>,
    pub brand: Option<&'a str>,
    pub region: &'a str,
    pub product: &'a str,
    pub description: &'a str,
}

/// Why two reports look like one matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    SameCreditCode,
    SameBrandAndPlace,
    /// Their descriptions share this share of their character pairs (percent).
    SimilarText(u8),
}

impl Why {
    pub fn label(self) -> String {
        match self {
            Why::SameCreditCode => "被举报企业的统一社会信用代码相同".into(),
            Why::SameBrandAndPlace => "品牌和发生地相同".into(),
            Why::SimilarText(p) => format!("反映的情况相似（{p}%）"),
        }
    }
}

/// Descriptions this alike (Dice coefficient of their character pairs) are offered.
pub const SIMILAR: f64 = 0.6;

fn pairs(text: &str) -> Vec<(char, char)> {
    let chars: Vec<char> = text
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    let mut p: Vec<(char, char)> = chars.windows(2).map(|w| (w[0], w[1])).collect();
    p.sort_unstable();
    p
}

/// How alike two texts are: twice the character pairs they share over all their pairs (0–1).
pub fn similarity(a: &str, b: &str) -> f64 {
    let (pa, pb) = (pairs(a), pairs(b));
    if pa.is_empty() || pb.is_empty() {
        return 0.0;
    }
    // Both sorted: count the common pairs with repetition, as a merge does.
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < pa.len() && j < pb.len() {
        match pa[i].cmp(&pb[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    (2 * common) as f64 / (pa.len() + pb.len()) as f64
}

/// Whether `a` and `b` look like one matter, and why (the strongest reason).
pub fn why_duplicate(a: &Facts<'_>, b: &Facts<'_>) -> Option<Why> {
    let same = |x: Option<&str>, y: Option<&str>| matches!((x, y), (Some(x), Some(y)) if !x.trim().is_empty() && x.trim() == y.trim());
    if same(a.credit_code, b.credit_code) {
        return Some(Why::SameCreditCode);
    }
    if same(a.brand, b.brand) && a.region == b.region {
        return Some(Why::SameBrandAndPlace);
    }
    let s = similarity(a.description, b.description);
    (s >= SIMILAR).then(|| Why::SimilarText((s * 100.0).round().clamp(0.0, 100.0) as u8))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts<'a>(
        code: Option<&'a str>,
        brand: Option<&'a str>,
        region: &'a str,
        text: &'a str,
    ) -> Facts<'a> {
        Facts {
            credit_code: code,
            brand,
            region,
            product: "白酒",
            description: text,
        }
    }

    #[test]
    fn the_same_enterprise_brand_and_place_or_words() {
        let a = facts(Some("91411500MA44XXXX0L"), None, "411500", "甲");
        let b = facts(Some("91411500MA44XXXX0L"), None, "411521", "乙");
        assert_eq!(why_duplicate(&a, &b), Some(Why::SameCreditCode));
        let a = facts(None, Some("茅台"), "411500", "甲店卖假酒");
        let b = facts(None, Some("茅台"), "411500", "完全不同的描述");
        assert_eq!(why_duplicate(&a, &b), Some(Why::SameBrandAndPlace));
        let c = facts(None, Some("茅台"), "411521", "完全不同的描述");
        assert_eq!(why_duplicate(&a, &c), None, "another place");
        let a = facts(
            None,
            None,
            "411500",
            "工区路88号烟酒店销售假冒茅台酒，瓶盖防伪码查不到",
        );
        let b = facts(
            None,
            None,
            "411500",
            "工区路88号的烟酒店在卖假冒茅台酒，防伪码查不到",
        );
        assert!(matches!(why_duplicate(&a, &b), Some(Why::SimilarText(p)) if p >= 60));
        let c = facts(None, None, "411500", "某网店销售侵权运动鞋");
        assert_eq!(why_duplicate(&a, &c), None);
        // An empty code or brand matches nothing.
        let e1 = facts(Some(" "), Some(""), "411500", "x");
        let e2 = facts(Some(" "), Some(""), "411500", "y");
        assert_eq!(why_duplicate(&e1, &e2), None);
    }

    #[test]
    fn similarity_is_symmetric_and_bounded() {
        assert_eq!(similarity("假冒伪劣", "假冒伪劣"), 1.0);
        assert_eq!(similarity("", "假冒"), 0.0);
        let (x, y) = ("销售假冒白酒", "白酒假冒销售");
        assert_eq!(similarity(x, y), similarity(y, x));
        assert!((0.0..=1.0).contains(&similarity(x, y)));
    }
}

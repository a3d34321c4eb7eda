//! The enterprise record (企业诚信档案), seed 002 (六)1 (issue #15): one record per enterprise,
//! keyed by its 统一社会信用代码, bringing together the major cases that name it as a party,
//! the public reports about it, the penalty decisions against it and, clearly marked as
//! possible matches only, the transfers whose suspects' text contains its code. Each part is
//! read within the reader's data scope exactly as its own module reads its list, and shown only
//! to a reader who may read that kind of record at all. A party named only by name is never
//! matched automatically.
//!
//! The record of a natural person (个人诚信档案) is the same mechanism keyed by resident ID: the
//! major cases naming the person as a party, the penalty decisions against the person, the
//! listings whose party the person is and — the blacklist of 002 (六)2 — those on which the
//! person is linked as the legal representative or a person responsible, with the role, and
//! the transfers whose suspects' text contains the number as possible matches only. The
//! number is looked up by POST only, shown masked, never put in a URL, a log line, a page or
//! an answer in full; each lookup is audited with the masked number.
//!
//! - this file: the records' shape and the pure rules — a section's cap and its count of
//!   earlier records, the names the party is recorded under, a person's roles on each listing
//!   (pure);
//! - `store`: the scoped reads, one indexed query per section part, shared by both records;
//! - `http`: the lookup forms, the record pages and the API.

use serde::Serialize;

pub mod http;
pub mod store;

/// A person's record may be looked up this many times an hour by one user (on one instance):
/// each lookup confirms or denies a number, and a reader shown a masked number could
/// otherwise try the hidden birth dates one by one.
pub const PERSON_LOOKUPS_PER_HOUR: usize = 30;

/// At most this many records are listed per section, newest first; the rest are counted.
pub const CAP: i64 = 200;

/// Said when the reader sees nothing of the code (nothing recorded, or nothing in scope: the
/// two are not told apart).
pub const NOTHING_FOUND: &str = "未找到该统一社会信用代码的记录";

/// Said when the reader sees nothing of a resident ID (nothing recorded, or nothing in scope).
pub const PERSON_NOTHING_FOUND: &str = "未找到该身份证号码的记录";

/// One part of the record: its newest records (at most 200, `CAP`), how many there are in the
/// reader's scope, and how many older ones are not listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Section<T> {
    /// Every record of the section in the reader's scope.
    pub total: i64,
    /// Records older than those listed, not listed (`total` minus the listed ones).
    pub earlier: i64,
    /// The newest records, at most 200.
    pub items: Vec<T>,
}

impl<T> Section<T> {
    /// The section of `total` records of which `items` are the newest (read with a limit of
    /// [`CAP`]; any beyond it are cut).
    pub fn of(mut items: Vec<T>, total: i64) -> Section<T> {
        items.truncate(usize::try_from(CAP).unwrap_or(usize::MAX));
        let shown = i64::try_from(items.len()).unwrap_or(i64::MAX);
        Section {
            total: total.max(shown),
            earlier: (total - shown).max(0),
            items,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }
}

/// A name the party is recorded under, with where and how often, and the latest date a record
/// gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = EnterpriseName)]
pub struct RecordedName {
    pub name: String,
    /// Records in the reader's scope that give this name.
    pub count: i64,
    /// Where it is recorded: 重大案件, 举报投诉, 行政处罚决定, 严重违法失信名单 (a person's name
    /// as a linked person).
    pub sources: Vec<&'static str>,
    /// The latest date (YYYY-MM-DD) of a record giving this name.
    pub latest: String,
}

/// The names of the party as each kind of record gives them — `(name, source, records, latest
/// date)` — merged: one entry per name (surrounding white space ignored; blank names left
/// out), its counts summed and its sources listed once each in the order given; the most
/// recently used name first, then the most used, then by name.
pub fn merge_names(
    rows: impl IntoIterator<Item = (String, &'static str, i64, String)>,
) -> Vec<RecordedName> {
    let mut out: Vec<RecordedName> = Vec::new();
    for (name, source, count, latest) in rows {
        let name = name.trim();
        if name.is_empty() {
            continue;
        }
        match out.iter_mut().find(|n| n.name == name) {
            Some(n) => {
                n.count += count;
                if !n.sources.contains(&source) {
                    n.sources.push(source);
                }
                if latest > n.latest {
                    n.latest = latest;
                }
            }
            None => out.push(RecordedName {
                name: name.to_string(),
                count,
                sources: vec![source],
                latest,
            }),
        }
    }
    out.sort_by(|a, b| {
        b.latest
            .cmp(&a.latest)
            .then(b.count.cmp(&a.count))
            .then(a.name.cmp(&b.name))
    });
    out
}

/// A person's links to listings as read, one `(listing, role, name)` per link, the links of
/// one listing next to each other: one entry per listing in the order read, its roles each once
/// in the order given, and the name of its first link.
pub fn group_links<K: PartialEq>(
    links: impl IntoIterator<Item = (K, String, String)>,
) -> Vec<(K, Vec<String>, String)> {
    let mut out: Vec<(K, Vec<String>, String)> = Vec::new();
    for (listing, role, name) in links {
        match out.last_mut() {
            Some((last, roles, _)) if *last == listing => {
                if !roles.contains(&role) {
                    roles.push(role);
                }
            }
            _ => out.push((listing, vec![role], name)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_section_lists_the_newest_and_counts_the_earlier() {
        let s = Section::of(vec![1, 2, 3], 3);
        assert_eq!((s.total, s.earlier, s.items.len()), (3, 0, 3));
        // 1,000 records: the newest 200 listed, 800 earlier ones counted.
        let s = Section::of((0..201).collect::<Vec<i64>>(), 1000);
        assert_eq!((s.total, s.earlier, s.items.len()), (1000, 800, 200));
        // A count read a moment before a row was added never says fewer than are listed.
        let s = Section::of(vec![1, 2], 1);
        assert_eq!((s.total, s.earlier), (2, 0));
        let s: Section<i64> = Section::of(Vec::new(), 0);
        assert!(s.is_empty());
    }

    #[test]
    fn a_persons_links_are_one_entry_per_listing_with_each_role_once() {
        let links = group_links([
            (9, "legal_representative".to_string(), "张某".to_string()),
            (9, "responsible".to_string(), "张某某".to_string()),
            (9, "responsible".to_string(), "张某".to_string()),
            (4, "responsible".to_string(), "张某".to_string()),
        ]);
        assert_eq!(
            links,
            vec![
                (
                    9,
                    vec![
                        "legal_representative".to_string(),
                        "responsible".to_string()
                    ],
                    "张某".to_string()
                ),
                (4, vec!["responsible".to_string()], "张某".to_string()),
            ]
        );
        assert!(group_links(Vec::<(i64, String, String)>::new()).is_empty());
    }

    #[test]
    fn names_are_merged_latest_first() {
        let names = merge_names([
            (
                "某商贸有限公司".to_string(),
                "重大案件",
                2,
                "2026-03-01".to_string(),
            ),
            (
                " 某商贸有限公司 ".to_string(),
                "行政处罚决定",
                3,
                "2026-05-01".to_string(),
            ),
            (
                "某商行".to_string(),
                "举报投诉",
                1,
                "2025-01-01".to_string(),
            ),
            ("".to_string(), "举报投诉", 4, "2026-06-01".to_string()),
            (
                "某商贸有限公司".to_string(),
                "重大案件",
                1,
                "2024-01-01".to_string(),
            ),
        ]);
        assert_eq!(
            names,
            vec![
                RecordedName {
                    name: "某商贸有限公司".into(),
                    count: 6,
                    sources: vec!["重大案件", "行政处罚决定"],
                    latest: "2026-05-01".into(),
                },
                RecordedName {
                    name: "某商行".into(),
                    count: 1,
                    sources: vec!["举报投诉"],
                    latest: "2025-01-01".into(),
                },
            ]
        );
        // Same latest date: the more used name first.
        let names = merge_names([
            ("甲".to_string(), "重大案件", 1, "2026-01-01".to_string()),
            ("乙".to_string(), "重大案件", 2, "2026-01-01".to_string()),
        ]);
        assert_eq!(names[0].name, "乙");
    }
}

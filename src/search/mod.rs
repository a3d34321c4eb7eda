//! Full-text search over every record a person may open (issue #17). Pure rules here: the
//! kinds of record and whose scope governs each, how a query is read (traditional characters
//! as simplified, words segmented by jieba, a character-bigram safety net, exact codes), the
//! region prefixes a record is filed under, and the snippet shown with the matched words
//! marked. The index itself (`index.rs`, tantivy) and what is read from the database into it
//! (`source.rs`) are the edges; `http.rs` the header box, the page and the API.
//!
//! Scope is the first filter: a query carries, for each kind the person may read, that kind's
//! scope as a filter on the index, and every hit is then confirmed against the database with
//! the same predicate the kind's list uses before anything of it is shown (`source::confirm`).
//! A withheld record (004 一(二)) is found only by those entitled to its content.

pub mod extract;
pub mod find;
pub mod http;
pub mod index;
pub mod source;

use crate::access::{Action, Actor, Resource, Scope};

/// A kind of record the search finds.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Case,
    Transfer,
    LinkageRequest,
    LinkageMeeting,
    Task,
    Meeting,
    Circular,
    Inspection,
    UnitReport,
    Unit,
    User,
}

impl Kind {
    pub const ALL: [Kind; 11] = [
        Kind::Case,
        Kind::Transfer,
        Kind::LinkageRequest,
        Kind::LinkageMeeting,
        Kind::Task,
        Kind::Meeting,
        Kind::Circular,
        Kind::Inspection,
        Kind::UnitReport,
        Kind::Unit,
        Kind::User,
    ];

    /// The code stored in the index, in the audit trail's object types and in `?kind=`.
    pub fn code(self) -> &'static str {
        match self {
            Kind::Case => "case",
            Kind::Transfer => "transfer",
            Kind::LinkageRequest => "linkage_request",
            Kind::LinkageMeeting => "linkage_meeting",
            Kind::Task => "task",
            Kind::Meeting => "meeting",
            Kind::Circular => "circular",
            Kind::Inspection => "inspection",
            Kind::UnitReport => "unit_report",
            Kind::Unit => "unit",
            Kind::User => "user",
        }
    }

    pub fn parse(code: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Case => "重大案件",
            Kind::Transfer => "案件移送",
            Kind::LinkageRequest => "协助与会商",
            Kind::LinkageMeeting => "联席会议",
            Kind::Task => "督办任务",
            Kind::Meeting => "领导小组会议",
            Kind::Circular => "通报与简报",
            Kind::Inspection => "督导检查",
            Kind::UnitReport => "信息报送",
            Kind::Unit => "单位",
            Kind::User => "人员",
        }
    }

    /// Whose read permission, and so whose data scope, governs the kind: the same as its list.
    pub fn resource(self) -> Resource {
        match self {
            Kind::Case => Resource::Case,
            Kind::Transfer | Kind::LinkageRequest | Kind::LinkageMeeting => Resource::Linkage,
            Kind::Task => Resource::Task,
            Kind::Meeting => Resource::Meeting,
            Kind::Circular => Resource::Circular,
            Kind::Inspection => Resource::Inspection,
            Kind::UnitReport => Resource::Report,
            Kind::Unit => Resource::Unit,
            Kind::User => Resource::User,
        }
    }

    /// Kinds whose records can be marked withheld (004 一(二)).
    pub fn can_be_withheld(self) -> bool {
        matches!(self, Kind::Transfer | Kind::LinkageRequest)
    }
}

/// Each kind `actor` may read, with the scope they read it in. A kind left out is searched
/// for no one without that permission — the administrators' roles keep their 三员分立 limits.
pub fn readable(actor: &Actor) -> Vec<(Kind, Scope)> {
    Kind::ALL
        .into_iter()
        .filter_map(|k| actor.scope(k.resource(), Action::Read).map(|s| (k, s)))
        .collect()
}

/// The region prefixes a record is filed under for a party unit in `code` (411521 → 41, 4115,
/// 411521): a scope `Region(prefix)` is one term whatever the prefix's level.
pub fn region_prefixes(code: &str) -> [String; 3] {
    let take = |n: usize| code.get(..n).unwrap_or(code).to_string();
    [take(2), take(4), take(6)]
}

/// The query as searched: traditional characters read as simplified, blanks collapsed.
/// Returns the text searched and, when it differs from what was typed, that fact for the page
/// to say (「已按简体“假冒伪劣”检索」).
pub fn normalise(raw: &str) -> (String, bool) {
    let collapsed = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let simplified = fast2s::convert(&collapsed);
    let changed = simplified != collapsed;
    (simplified, changed)
}

/// Whether a character can be part of a searched word (CJK, letters, digits).
pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// Whether a character is a Chinese character (CJK unified ideographs and their extension A).
pub fn is_han(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}')
}

/// The words of a query as jieba segments it (precise mode), lower-cased, without blanks and
/// punctuation.
pub fn words(query: &str) -> Vec<String> {
    use tantivy::tokenizer::{TokenStream, Tokenizer};
    let mut tk = tantivy_jieba::JiebaTokenizer::with_search_mode(false);
    let mut stream = tk.token_stream(query);
    let mut out: Vec<String> = Vec::new();
    while stream.advance() {
        let t = stream.token().text.to_lowercase();
        if t.chars().any(is_word_char) && !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

/// The character unigram or bigrams of a word, as the safety-net field holds them: one
/// character is itself; longer words are the pairs of neighbours (假冒伪劣 → 假冒 冒伪 伪劣).
pub fn grams(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().filter(|c| is_word_char(*c)).collect();
    match chars.len() {
        0 => Vec::new(),
        1 => vec![chars[0].to_string()],
        _ => chars.windows(2).map(|w| w.iter().collect()).collect(),
    }
}

/// A code as exact lookups hold it: lower-cased, and a second form with only letters and
/// digits (0376-6221234 and 03766221234 are the same phone number; 〔2026〕 brackets kept in
/// the first form so a document number matches as typed).
pub fn exact_forms(code: &str) -> Vec<String> {
    let plain = code.trim().to_lowercase();
    if plain.is_empty() {
        return Vec::new();
    }
    let compact: String = plain.chars().filter(|c| c.is_alphanumeric()).collect();
    if compact.is_empty() || compact == plain {
        vec![plain]
    } else {
        vec![plain, compact]
    }
}

/// The first run of `typed.len()` characters in `text` that differs from `typed` in exactly
/// one position (a wrongly chosen character, the commonest typo in Chinese input).
pub fn one_char_apart(text: &str, typed: &[char]) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    if typed.len() < 2 || chars.len() < typed.len() {
        return None;
    }
    chars
        .windows(typed.len())
        .find(|w| w.iter().zip(typed).filter(|(a, b)| a != b).count() == 1)
        .map(|w| w.iter().collect())
}

/// A piece of a snippet: text, and whether it is a matched word.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Piece {
    pub text: String,
    pub hit: bool,
}

/// The part of `text` around the first matched word, about `width` characters, with every
/// occurrence of `terms` in it marked. Without a match, the beginning of the text.
pub fn snippet(text: &str, terms: &[String], width: usize) -> Vec<Piece> {
    let chars: Vec<char> = text.chars().collect();
    let lower: Vec<char> = text.to_lowercase().chars().collect();
    // Lower-casing can change the length of a few non-CJK characters; then match as typed.
    let hay = if lower.len() == chars.len() {
        &lower
    } else {
        &chars
    };
    let needles: Vec<Vec<char>> = {
        let mut v: Vec<Vec<char>> = terms
            .iter()
            .map(|t| t.chars().collect::<Vec<_>>())
            .filter(|t| !t.is_empty())
            .collect();
        // Longest first, so 假冒伪劣 is marked whole rather than as 伪劣 inside it.
        v.sort_by_key(|t| std::cmp::Reverse(t.len()));
        v
    };
    let mut marked = vec![false; chars.len()];
    let mut first: Option<usize> = None;
    let mut i = 0;
    while i < hay.len() {
        let found = needles
            .iter()
            .find(|n| hay.len() - i >= n.len() && hay[i..i + n.len()] == n[..]);
        match found {
            Some(n) => {
                first.get_or_insert(i);
                marked[i..i + n.len()].fill(true);
                i += n.len();
            }
            None => i += 1,
        }
    }
    let start = match first {
        Some(f) if f > width / 3 => f - width / 3,
        _ => 0,
    };
    let end = (start + width).min(chars.len());
    let mut out: Vec<Piece> = Vec::new();
    if start > 0 {
        out.push(Piece {
            text: "…".into(),
            hit: false,
        });
    }
    for k in start..end {
        match out.last_mut() {
            Some(p) if p.hit == marked[k] && !(k == start && start > 0) => p.text.push(chars[k]),
            _ => out.push(Piece {
                text: chars[k].to_string(),
                hit: marked[k],
            }),
        }
    }
    if end < chars.len() {
        out.push(Piece {
            text: "…".into(),
            hit: false,
        });
    }
    out
}

/// What is searched: the words, and the filters beside them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    /// As searched (`normalise`d).
    pub text: String,
    pub kind: Option<Kind>,
    /// Records with a party unit in this region (a prefix of division codes, 4115 or 411521).
    pub region: Option<String>,
    /// Records with this unit as a party.
    pub unit_id: Option<i64>,
    /// The record's stored state code.
    pub state: Option<String>,
    /// The record's date (received, sent, held, due, issued…) from and to, inclusive.
    pub from: Option<chrono::NaiveDate>,
    pub to: Option<chrono::NaiveDate>,
}

/// Keep the index caught up with the database every `every`, from the start (building it
/// first if this instance has none). A failed pass is logged and tried again next time.
pub fn spawn(
    ctx: std::sync::Arc<crate::context::Ctx>,
    every: std::time::Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let pass = match ctx.search() {
                Ok(index) => index.catch_up(&ctx.db).await,
                Err(e) => Err(e),
            };
            if let Err(e) = pass {
                tracing::warn!(error = ?e, "search index catch-up failed");
            }
        }
    })
}

/// The longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 100;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segmentation_compound_words_brands_names_and_mixed_text() {
        // A compound word stays one word in precise mode; the grams reach its parts.
        assert_eq!(words("假冒伪劣"), vec!["假冒伪劣"]);
        assert!(grams("假冒伪劣").contains(&"伪劣".to_string()));
        // A brand and a product with Latin letters and digits, lower-cased.
        let w = words("NIKE运动鞋3000双");
        assert!(w.contains(&"nike".to_string()), "{w:?}");
        assert!(w.iter().any(|t| t.contains("3000")), "{w:?}");
        // A person's name is kept together by jieba's HMM.
        let w = words("当事人王建国经营");
        assert!(w.contains(&"王建国".to_string()), "{w:?}");
        // Punctuation and blanks are not words.
        assert_eq!(words("，。  ！"), Vec::<String>::new());
        assert_eq!(words("待处理"), words("待处理"));
    }

    #[test]
    fn a_typo_is_one_character_apart() {
        let typed: Vec<char> = "信阳毛间".chars().collect();
        assert_eq!(
            one_char_apart("销售假冒信阳毛尖茶叶", &typed),
            Some("信阳毛尖".to_string())
        );
        // The same text, or two characters apart, is no suggestion.
        assert_eq!(one_char_apart("信阳毛间", &typed), None);
        assert_eq!(one_char_apart("信阳白茶", &typed), None);
        assert_eq!(one_char_apart("短", &typed), None);
    }

    #[test]
    fn grams_of_a_word() {
        assert_eq!(grams("伪"), vec!["伪"]);
        assert_eq!(grams("处理"), vec!["处理"]);
        assert_eq!(grams("待处理"), vec!["待处", "处理"]);
        assert_eq!(grams("〔〕"), Vec::<String>::new());
    }

    #[test]
    fn traditional_characters_read_as_simplified() {
        assert_eq!(normalise("假冒偽劣"), ("假冒伪劣".to_string(), true));
        assert_eq!(normalise("  假冒  伪劣 "), ("假冒 伪劣".to_string(), false));
        assert_eq!(normalise("商標侵權"), ("商标侵权".to_string(), true));
    }

    #[test]
    fn exact_forms_of_codes() {
        assert_eq!(
            exact_forms("0376-6221234"),
            vec!["0376-6221234", "03766221234"]
        );
        assert_eq!(
            exact_forms("91411500MA44XXXX0L"),
            vec!["91411500ma44xxxx0l"]
        );
        assert_eq!(
            exact_forms("信打假办督〔2026〕7号"),
            vec!["信打假办督〔2026〕7号", "信打假办督20267号"]
        );
        assert!(exact_forms("  ").is_empty());
    }

    #[test]
    fn region_prefixes_of_every_level() {
        assert_eq!(region_prefixes("411521"), ["41", "4115", "411521"]);
    }

    #[test]
    fn snippet_marks_matches_around_the_first() {
        let text = "某某公司生产销售假冒伪劣白酒，涉案金额较大。";
        let s = snippet(text, &["假冒伪劣".into(), "伪劣".into()], 40);
        let marked: Vec<&str> = s
            .iter()
            .filter(|p| p.hit)
            .map(|p| p.text.as_str())
            .collect();
        assert_eq!(marked, vec!["假冒伪劣"]);
        let all: String = s.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(all, text);
        // A long text is cut around the match, with ellipses.
        let long = format!("{}商标侵权{}", "甲".repeat(100), "乙".repeat(100));
        let s = snippet(&long, &["商标".into()], 30);
        assert_eq!(s.first().map(|p| p.text.as_str()), Some("…"));
        assert_eq!(s.last().map(|p| p.text.as_str()), Some("…"));
        assert!(s.iter().any(|p| p.hit && p.text == "商标"));
        // No match: the beginning.
        let s = snippet("无关内容", &["商标".into()], 30);
        assert_eq!(
            s,
            vec![Piece {
                text: "无关内容".into(),
                hit: false
            }]
        );
        // Latin matches ignore case.
        let s = snippet("NIKE鞋", &["nike".into()], 30);
        assert_eq!(
            s[0],
            Piece {
                text: "NIKE".into(),
                hit: true
            }
        );
    }

    #[test]
    fn kinds_round_trip_and_follow_their_lists_permissions() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.code()), Some(k));
        }
        assert_eq!(Kind::Transfer.resource(), Resource::Linkage);
        assert_eq!(Kind::UnitReport.resource(), Resource::Report);
        assert!(Kind::Transfer.can_be_withheld() && !Kind::Case.can_be_withheld());
    }
}

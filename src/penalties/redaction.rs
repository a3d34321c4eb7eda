//! The public text of a penalty decision (行政处罚信息公示, 国发〔2014〕6号; SAMR Order 45,
//! 2021), generated from the decision's fields with personal identifiers redacted: resident ID
//! numbers, home addresses, phone numbers, e-mail addresses, bank accounts, the names of
//! natural persons other than the party, and the phrases marked as trade secrets.
//!
//! The fields that must be public — decision number, deciding organ, party name, credit code —
//! are never altered, whatever they contain: the guarantee is in [`redact`] and
//! [`redact_extra`], not left to callers (hiding them is the mistake the courts corrected).
//!
//! Detection errs towards hiding: a mistyped ID number is still personal data, so shapes are
//! matched, not checksums. Marks are byte ranges of the original text, on char boundaries,
//! sorted and non-overlapping. Pure: no I/O.

use crate::domain::credit_code::CreditCode;

/// What a span was redacted as (shown to the reviewer, who sees exactly what will be public).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    ResidentId,
    Phone,
    Email,
    BankAccount,
    Address,
    PersonName,
    TradeSecret,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::ResidentId,
        Kind::Phone,
        Kind::Email,
        Kind::BankAccount,
        Kind::Address,
        Kind::PersonName,
        Kind::TradeSecret,
    ];

    /// The serde name.
    pub fn code(self) -> &'static str {
        match self {
            Kind::ResidentId => "resident_id",
            Kind::Phone => "phone",
            Kind::Email => "email",
            Kind::BankAccount => "bank_account",
            Kind::Address => "address",
            Kind::PersonName => "person_name",
            Kind::TradeSecret => "trade_secret",
        }
    }

    pub fn parse(code: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == code.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::ResidentId => "身份证号码",
            Kind::Phone => "联系电话",
            Kind::Email => "电子邮箱",
            Kind::BankAccount => "银行账号",
            Kind::Address => "住址",
            Kind::PersonName => "自然人姓名",
            Kind::TradeSecret => "商业秘密",
        }
    }

    /// What replaces a span of this kind in the public text.
    pub fn mask(self) -> &'static str {
        match self {
            Kind::ResidentId => "［身份证号码已隐去］",
            Kind::Phone => "［联系电话已隐去］",
            Kind::Email => "［电子邮箱已隐去］",
            Kind::BankAccount => "［银行账号已隐去］",
            Kind::Address => "［住址已隐去］",
            Kind::PersonName => "［自然人姓名已隐去］",
            Kind::TradeSecret => "［商业秘密不予公开］",
        }
    }

    /// Which kind names a merged span when two start together and are equally long.
    fn rank(self) -> usize {
        Kind::ALL
            .iter()
            .position(|k| *k == self)
            .unwrap_or(usize::MAX)
    }
}

/// One redaction in a field's text: byte range in the ORIGINAL text and its kind.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Mark {
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
}

/// A field of the publication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    DecisionNumber,
    Organ,
    PartyName,
    CreditCode,
    LegalRepresentative,
    Facts,
    Provisions,
    Penalty,
    Basis,
    DecidedOn,
}

impl Field {
    /// In the order of the publication.
    pub const ALL: [Field; 10] = [
        Field::DecisionNumber,
        Field::Organ,
        Field::PartyName,
        Field::CreditCode,
        Field::LegalRepresentative,
        Field::Facts,
        Field::Provisions,
        Field::Penalty,
        Field::Basis,
        Field::DecidedOn,
    ];

    /// The serde name.
    pub fn code(self) -> &'static str {
        match self {
            Field::DecisionNumber => "decision_number",
            Field::Organ => "organ",
            Field::PartyName => "party_name",
            Field::CreditCode => "credit_code",
            Field::LegalRepresentative => "legal_representative",
            Field::Facts => "facts",
            Field::Provisions => "provisions",
            Field::Penalty => "penalty",
            Field::Basis => "basis",
            Field::DecidedOn => "decided_on",
        }
    }

    pub fn parse(code: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.code() == code.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Field::DecisionNumber => "决定书文号",
            Field::Organ => "处罚机关",
            Field::PartyName => "当事人名称",
            Field::CreditCode => "统一社会信用代码",
            Field::LegalRepresentative => "法定代表人（负责人）",
            Field::Facts => "主要违法事实",
            Field::Provisions => "违反的法律规定",
            Field::Penalty => "处罚种类和内容",
            Field::Basis => "处罚依据",
            Field::DecidedOn => "作出处罚决定的日期",
        }
    }

    /// The fields a publication must show as they are. The party's name is among them for a
    /// natural person too: the publication names the party; only the party's identifiers in
    /// the other fields are hidden.
    pub fn never_redacted(self) -> bool {
        matches!(
            self,
            Field::DecisionNumber | Field::Organ | Field::PartyName | Field::CreditCode
        )
    }
}

/// What the generator knows beyond the text: who the party is and which words are secret.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The party is an enterprise (its name and registered 住所 are public) or a natural person
    /// (named as the party, but the ID number, address and contacts are redacted).
    pub party_is_enterprise: bool,
    /// The party's own name (never redacted as a "person name").
    pub party_name: &'a str,
    /// The legal representative's name (published; never redacted as a "person name").
    pub legal_representative: Option<&'a str>,
    /// Names of other natural persons in the decision (witnesses, employees, buyers...): each
    /// occurrence redacted.
    pub other_persons: &'a [String],
    /// Phrases the deciding unit marked as trade secrets: each occurrence withheld.
    pub trade_secrets: &'a [String],
}

/// One field's text, original and public, with the redactions between them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Redacted {
    pub field: Field,
    pub original: String,
    pub public: String,
    /// Sorted, non-overlapping, on char boundaries of `original`.
    pub marks: Vec<Mark>,
}

impl Redacted {
    fn new(field: Field, original: &str, marks: Vec<Mark>) -> Redacted {
        let mut r = Redacted {
            field,
            original: original.to_string(),
            public: String::new(),
            marks,
        };
        r.public = r
            .pieces()
            .into_iter()
            .map(|(text, kind)| kind.map_or(text, |k| k.mask()))
            .collect();
        r
    }

    /// For the reviewer: the original in order, each redacted span a segment with its kind.
    pub fn segments(&self) -> Vec<(String, Option<Kind>)> {
        self.pieces()
            .into_iter()
            .map(|(text, kind)| (text.to_string(), kind))
            .collect()
    }

    /// The original cut at the marks. Marks this module did not make (the fields are public)
    /// and that do not fit the text are skipped rather than panicking.
    fn pieces(&self) -> Vec<(&str, Option<Kind>)> {
        let mut out = Vec::new();
        let mut pos = 0;
        for m in &self.marks {
            let (Some(before), Some(span)) = (
                self.original.get(pos..m.start),
                self.original.get(m.start..m.end),
            ) else {
                continue;
            };
            if !before.is_empty() {
                out.push((before, None));
            }
            if !span.is_empty() {
                out.push((span, Some(m.kind)));
            }
            pos = m.end;
        }
        if let Some(rest) = self.original.get(pos..)
            && !rest.is_empty()
        {
            out.push((rest, None));
        }
        out
    }
}

/// Why a manual redaction was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The field (its label) must be published as it is.
    #[error("“{0}”依法应当公开，不能隐去")]
    NeverRedacted(&'static str),
    #[error("隐去的范围无效")]
    BadRange,
}

/// Redact one field's text. A never-redacted field comes back unchanged with no marks,
/// whatever its text holds.
pub fn redact(field: Field, text: &str, cx: &Context) -> Redacted {
    if field.never_redacted() {
        return Redacted::new(field, text, Vec::new());
    }
    let chars = Chars::new(text, cx.party_is_enterprise);
    let mut hits = Vec::new();
    chars.numbers(&mut hits);
    chars.emails(&mut hits);
    chars.labelled(&mut hits);
    let mut marks: Vec<Mark> = hits
        .into_iter()
        .map(|(start, end, kind)| Mark {
            start: chars.byte(start),
            end: chars.byte(end),
            kind,
        })
        .collect();
    person_names(text, cx, &mut marks);
    phrases(text, cx.trade_secrets, Kind::TradeSecret, &mut marks);
    Redacted::new(field, text, merge(marks))
}

/// A reviewer's extra redaction of `start..end` (bytes of the original), merged with the
/// marks already there. Refused for a never-redacted field and for a range that is empty,
/// past the end or not on char boundaries.
pub fn redact_extra(
    r: &Redacted,
    start: usize,
    end: usize,
    kind: Kind,
) -> Result<Redacted, Refusal> {
    if r.field.never_redacted() {
        return Err(Refusal::NeverRedacted(r.field.label()));
    }
    let text = &r.original;
    if start >= end
        || end > text.len()
        || !text.is_char_boundary(start)
        || !text.is_char_boundary(end)
    {
        return Err(Refusal::BadRange);
    }
    let mut marks = r.marks.clone();
    marks.push(Mark { start, end, kind });
    Ok(Redacted::new(r.field, text, merge(marks)))
}

/// Sorts and unites overlapping marks: a span that overlaps the one before extends it (so
/// nothing inside either is shown) and takes its kind — the earlier, or at the same start the
/// longer, wins; ties go by [`Kind::ALL`] order.
fn merge(mut marks: Vec<Mark>) -> Vec<Mark> {
    marks.retain(|m| m.start < m.end);
    marks.sort_by_key(|m| (m.start, std::cmp::Reverse(m.end), m.kind.rank()));
    let mut out: Vec<Mark> = Vec::with_capacity(marks.len());
    for m in marks {
        match out.last_mut() {
            Some(last) if m.start < last.end => last.end = last.end.max(m.end),
            _ => out.push(m),
        }
    }
    out
}

/// Names of natural persons, longest first, each occurrence claimed once: the party's and the
/// legal representative's names claim their occurrences without a mark, so a shorter other
/// name inside them (张三 in 信阳市张三商贸有限公司) stays, while a longer other name around
/// them (张三丰 when the party is 张三) is still hidden.
fn person_names(text: &str, cx: &Context, marks: &mut Vec<Mark>) {
    let protected: Vec<&str> = [Some(cx.party_name), cx.legal_representative]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect();
    let mut names: Vec<(&str, bool)> = protected.iter().map(|n| (*n, false)).collect();
    names.extend(
        cx.other_persons
            .iter()
            .map(|n| n.trim())
            .filter(|n| !n.is_empty() && !protected.contains(n))
            .map(|n| (n, true)),
    );
    // Longest first; protected before hidden at equal length; then by text, deterministic.
    names.sort_by(|a, b| {
        b.0.len()
            .cmp(&a.0.len())
            .then(a.1.cmp(&b.1))
            .then(a.0.cmp(b.0))
    });
    names.dedup();
    let mut claimed: Vec<(usize, usize)> = Vec::new();
    for (name, hide) in names {
        for (start, _) in text.match_indices(name) {
            let end = start + name.len();
            if claimed.iter().any(|&(s, e)| start < e && s < end) {
                continue;
            }
            claimed.push((start, end));
            if hide {
                marks.push(Mark {
                    start,
                    end,
                    kind: Kind::PersonName,
                });
            }
        }
    }
}

/// Each occurrence of each non-blank phrase.
fn phrases(text: &str, list: &[String], kind: Kind, marks: &mut Vec<Mark>) {
    for phrase in list.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        for (start, _) in text.match_indices(phrase) {
            marks.push(Mark {
                start,
                end: start + phrase.len(),
                kind,
            });
        }
    }
}

/// What must follow a label before the text after it is taken as the value.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Needs {
    /// Anything (现住河南省… is written without a colon).
    Nothing,
    /// A colon, or a digit straight away (账号6222…, 身份证号码为4115…).
    ColonOrDigit,
    /// A colon: 电话/手机 also occur in prose (销售手机3部).
    Colon,
}

/// A label whose value is redacted up to the next punctuation.
struct Label {
    text: &'static str,
    kind: Kind,
    needs: Needs,
    /// An enterprise's 住所 is public registration data; a natural person's is an address.
    person_only: bool,
}

const fn label(text: &'static str, kind: Kind, needs: Needs) -> Label {
    Label {
        text,
        kind,
        needs,
        person_only: false,
    }
}

const LABELS: &[Label] = &[
    label("家庭住址", Kind::Address, Needs::Nothing),
    label("家庭地址", Kind::Address, Needs::Nothing),
    label("现住址", Kind::Address, Needs::Nothing),
    label("现住", Kind::Address, Needs::Nothing),
    label("户籍所在地", Kind::Address, Needs::Nothing),
    label("户籍地址", Kind::Address, Needs::Nothing),
    label("户籍地", Kind::Address, Needs::Nothing),
    label("住址", Kind::Address, Needs::Nothing),
    Label {
        text: "住所地",
        kind: Kind::Address,
        needs: Needs::Nothing,
        person_only: true,
    },
    Label {
        text: "住所",
        kind: Kind::Address,
        needs: Needs::Nothing,
        person_only: true,
    },
    label("公民身份号码", Kind::ResidentId, Needs::ColonOrDigit),
    label("身份证号码", Kind::ResidentId, Needs::ColonOrDigit),
    label("身份证号", Kind::ResidentId, Needs::ColonOrDigit),
    label("身份号码", Kind::ResidentId, Needs::ColonOrDigit),
    label("银行账户", Kind::BankAccount, Needs::ColonOrDigit),
    label("银行账号", Kind::BankAccount, Needs::ColonOrDigit),
    label("银行卡号", Kind::BankAccount, Needs::ColonOrDigit),
    label("开户账号", Kind::BankAccount, Needs::ColonOrDigit),
    label("账号", Kind::BankAccount, Needs::ColonOrDigit),
    label("卡号", Kind::BankAccount, Needs::ColonOrDigit),
    label("账户", Kind::BankAccount, Needs::ColonOrDigit),
    label("联系电话", Kind::Phone, Needs::Colon),
    label("联系方式", Kind::Phone, Needs::Colon),
    label("手机号码", Kind::Phone, Needs::Colon),
    label("手机号", Kind::Phone, Needs::Colon),
    label("电话号码", Kind::Phone, Needs::Colon),
    label("电话", Kind::Phone, Needs::Colon),
    label("手机", Kind::Phone, Needs::Colon),
    label("电子邮箱", Kind::Email, Needs::Colon),
    label("邮箱", Kind::Email, Needs::Colon),
];

/// Labels before an 18- or 15-character number that make it an organisation's public code,
/// not an ID number (统一社会信用代码, the old 15-digit 注册号).
const CODE_LABELS: &[&str] = &["信用代码", "注册号"];

/// A (char start, char end, kind) candidate.
type Hit = (usize, usize, Kind);

/// The text as chars with their byte offsets; detection works in char indices so every mark
/// lands on a char boundary.
struct Chars<'t> {
    text: &'t str,
    cs: Vec<char>,
    at: Vec<usize>,
    enterprise: bool,
}

fn digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

/// The digit as ASCII (full-width digits count: documents typed in Word often have them).
fn ascii(c: char) -> char {
    match c {
        '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
        'ｘ' | 'Ｘ' | 'x' => 'X',
        _ => c,
    }
}

fn colon(c: char) -> bool {
    matches!(c, '：' | ':')
}

fn blank(c: char) -> bool {
    matches!(c, ' ' | '\u{3000}' | '\t')
}

/// Where a labelled value ends (the parentheses are handled apart, by depth).
fn terminator(c: char) -> bool {
    matches!(
        c,
        '，' | ',' | '。' | '；' | ';' | '、' | '\n' | '\r' | '：' | ':' | '！' | '!' | '？' | '?'
    )
}

impl<'t> Chars<'t> {
    fn new(text: &'t str, enterprise: bool) -> Self {
        let (at, cs) = text.char_indices().unzip();
        Chars {
            text,
            cs,
            at,
            enterprise,
        }
    }

    fn byte(&self, i: usize) -> usize {
        self.at.get(i).copied().unwrap_or(self.text.len())
    }

    fn is(&self, i: usize, f: impl Fn(char) -> bool) -> bool {
        self.cs.get(i).is_some_and(|&c| f(c))
    }

    /// The maximal runs of digits, as char ranges.
    fn runs(&self) -> Vec<(usize, usize)> {
        let mut runs = Vec::new();
        let mut i = 0;
        while i < self.cs.len() {
            if digit(self.cs[i]) {
                let start = i;
                while self.is(i, digit) {
                    i += 1;
                }
                runs.push((start, i));
            } else {
                i += 1;
            }
        }
        runs
    }

    fn ascii_of(&self, a: usize, b: usize) -> String {
        self.cs[a..b].iter().map(|&c| ascii(c)).collect()
    }

    /// A decimal point with digits on the other side makes the run part of an amount.
    fn in_decimal(&self, a: usize, b: usize) -> bool {
        let dot = |c| matches!(c, '.' | '．');
        (a >= 2 && self.is(a - 1, dot) && self.is(a - 2, digit))
            || (self.is(b, dot) && self.is(b + 1, digit))
    }

    /// Whether `CODE_LABELS` stands right before char `a` (separators between allowed).
    fn after_code_label(&self, a: usize) -> bool {
        let mut i = a;
        while i > 0 && (colon(self.cs[i - 1]) || blank(self.cs[i - 1]) || self.cs[i - 1] == '为') {
            i -= 1;
        }
        let before: String = self.cs[i.saturating_sub(8)..i].iter().collect();
        CODE_LABELS.iter().any(|l| before.ends_with(l))
    }

    /// An ID-shaped `a..b` that is really an organisation's code: labelled so, or a valid
    /// credit code of authority 9 (no GB/T 2260 address code starts with 9, so no ID does).
    fn organisation_code(&self, a: usize, b: usize) -> bool {
        let s = self.ascii_of(a, b);
        self.after_code_label(a) || (s.starts_with('9') && CreditCode::parse(&s).is_some())
    }

    /// An ID-shaped `a..b`, unless it is an organisation's code.
    fn resident_id(&self, a: usize, b: usize, hits: &mut Vec<Hit>) {
        if !self.organisation_code(a, b) {
            hits.push((a, b, Kind::ResidentId));
        }
    }

    /// The end of a phone extension after `e` (-8001, 转8001, #8001), or `e`.
    fn extension(&self, runs: &[(usize, usize)], k: usize, e: usize) -> usize {
        match runs.get(k) {
            Some(&(a, b))
                if a == e + 1
                    && (1..=6).contains(&(b - a))
                    && self.is(e, |c| matches!(c, '-' | '－' | '转' | '#')) =>
            {
                b
            }
            _ => e,
        }
    }

    /// ID numbers, phones and bank accounts: digit runs and their grouped forms.
    fn numbers(&self, hits: &mut Vec<Hit>) {
        let runs = self.runs();
        let len = |k: usize| runs.get(k).map_or(0, |&(a, b)| b - a);
        let starts_at = |k: usize, at: usize| runs.get(k).is_some_and(|&(a, _)| a == at);
        for (k, &(a, b)) in runs.iter().enumerate() {
            let s = self.ascii_of(a, b);
            let sb = s.as_bytes();
            let n = b - a;
            let mobile_head = n >= 2 && sb[0] == b'1' && (b'3'..=b'9').contains(&sb[1]);
            let area_head = sb.first() == Some(&b'0') && sb.get(1).is_some_and(|&d| d != b'0');
            // A single run.
            if !self.in_decimal(a, b) {
                let x_after = self.is(b, |c| ascii(c) == 'X')
                    && !self.is(b + 1, |c| c.is_ascii_alphanumeric() || digit(c));
                match n {
                    17 if x_after => self.resident_id(a, b + 1, hits),
                    18 | 15 => self.resident_id(a, b, hits),
                    16 | 17 | 19 => hits.push((a, b, Kind::BankAccount)),
                    11 if mobile_head => {
                        // +86 138…: the country code goes with the number.
                        let plus86 = a >= 4
                            && self.is(a - 1, |c| matches!(c, ' ' | '-'))
                            && self.cs[a - 4..a - 1] == ['+', '8', '6'];
                        hits.push((if plus86 { a - 4 } else { a }, b, Kind::Phone));
                    }
                    13 if a > 0 && self.cs[a - 1] == '+' && s.starts_with("86") => {
                        let m = &sb[2..];
                        if m[0] == b'1' && (b'3'..=b'9').contains(&m[1]) {
                            hits.push((a - 1, b, Kind::Phone));
                        }
                    }
                    _ => {}
                }
                if (10..=12).contains(&n) && area_head {
                    hits.push((a, self.extension(&runs, k + 1, b), Kind::Phone));
                }
            }
            // Landline with its area code apart: 0376-6221234, (0376)6221234, 0376 6221234.
            if (3..=4).contains(&n) && area_head {
                let open = a > 0 && matches!(self.cs[a - 1], '(' | '（');
                let sep = |c| matches!(c, '-' | '－' | ' ');
                let local = if open {
                    if self.is(b, |c| matches!(c, ')' | '）')) {
                        Some(if self.is(b + 1, sep) { b + 2 } else { b + 1 })
                    } else {
                        None
                    }
                } else {
                    self.is(b, sep).then_some(b + 1)
                };
                if let Some(at) = local
                    && starts_at(k + 1, at)
                    && (7..=8).contains(&len(k + 1))
                {
                    let end = self.extension(&runs, k + 2, runs[k + 1].1);
                    hits.push((if open { a - 1 } else { a }, end, Kind::Phone));
                }
            }
            // Mobile grouped 3-4-4: 138 0013 8000, 138-0013-8000.
            if n == 3 && mobile_head {
                let sep = self.cs.get(b).copied();
                if let Some(sep @ (' ' | '-' | '－')) = sep
                    && starts_at(k + 1, b + 1)
                    && len(k + 1) == 4
                    && self.cs.get(runs[k + 1].1) == Some(&sep)
                    && starts_at(k + 2, runs[k + 1].1 + 1)
                    && len(k + 2) == 4
                {
                    hits.push((a, runs[k + 2].1, Kind::Phone));
                }
            }
            // Bank account grouped by fours, the last group shorter: 6222 0212 3456 7890 123.
            // Only from the first group, so a longer grouped number is not cut into an account.
            let continues = a >= 2 && self.cs[a - 1] == ' ' && digit(self.cs[a - 2]);
            if n == 4 && !continues {
                let (mut total, mut groups, mut end, mut j) = (4, 1, b, k);
                while self.is(end, |c| c == ' ') && starts_at(j + 1, end + 1) {
                    let l = len(j + 1);
                    if l > 4 {
                        break;
                    }
                    total += l;
                    groups += 1;
                    j += 1;
                    end = runs[j].1;
                    if l < 4 {
                        break;
                    }
                }
                if groups >= 4 && (16..=19).contains(&total) {
                    hits.push((a, end, Kind::BankAccount));
                }
            }
        }
    }

    /// `local@domain.tld` (also with a full-width ＠).
    fn emails(&self, hits: &mut Vec<Hit>) {
        let local = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-');
        let domain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-');
        for (i, &c) in self.cs.iter().enumerate() {
            if !matches!(c, '@' | '＠') {
                continue;
            }
            let mut a = i;
            while a > 0 && local(self.cs[a - 1]) {
                a -= 1;
            }
            while a < i && self.cs[a] == '.' {
                a += 1;
            }
            let mut b = i + 1;
            while self.is(b, domain) {
                b += 1;
            }
            while b > i + 1 && matches!(self.cs[b - 1], '.' | '-') {
                b -= 1;
            }
            let host: String = self.cs[i + 1..b].iter().collect();
            let tld_ok = host.rsplit_once('.').is_some_and(|(name, tld)| {
                !name.is_empty() && tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic())
            });
            if a < i && !host.starts_with(['.', '-']) && tld_ok {
                hits.push((a, b, Kind::Email));
            }
        }
    }

    /// The label at char `i` whose value would be taken, longest first: its kind and where
    /// the value starts.
    fn label_at(&self, i: usize) -> Option<(Kind, usize)> {
        let rest = self.text.get(self.byte(i)..)?;
        let found = LABELS
            .iter()
            .filter(|l| !(l.person_only && self.enterprise) && rest.starts_with(l.text))
            .max_by_key(|l| l.text.len())?;
        let mut v = i + found.text.chars().count();
        let mut had_colon = false;
        while self.is(v, |c| colon(c) || blank(c)) {
            had_colon |= colon(self.cs[v]);
            v += 1;
        }
        if self.is(v, |c| c == '为') {
            v += 1;
        }
        let ok = match found.needs {
            Needs::Nothing => true,
            Needs::ColonOrDigit => had_colon || self.is(v, digit),
            Needs::Colon => had_colon,
        };
        ok.then_some((found.kind, v))
    }

    /// Values after labels (住址：…, 账号：…): up to the next punctuation outside brackets, an
    /// unmatched closing bracket, or the next label that takes a value.
    fn labelled(&self, hits: &mut Vec<Hit>) {
        for i in 0..self.cs.len() {
            let Some((kind, v)) = self.label_at(i) else {
                continue;
            };
            let mut e = v;
            let mut depth = 0usize;
            while let Some(&c) = self.cs.get(e) {
                match c {
                    '（' | '(' => depth += 1,
                    '）' | ')' if depth == 0 => break,
                    '）' | ')' => depth -= 1,
                    _ if terminator(c) => break,
                    _ if e > v && self.label_at(e).is_some() => break,
                    _ => {}
                }
                e += 1;
            }
            while e > v && blank(self.cs[e - 1]) {
                e -= 1;
            }
            if e > v {
                hits.push((v, e, kind));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID18: &str = "411502199001011234";
    const ID18X: &str = "41150219900101123X";
    const ID15: &str = "411502900101123";
    const MOBILE: &str = "13800138000";
    const EMPTY: &[String] = &[];
    const NONE: [(&str, Kind); 0] = [];

    fn person<'a>(name: &'a str, others: &'a [String], secrets: &'a [String]) -> Context<'a> {
        Context {
            party_is_enterprise: false,
            party_name: name,
            legal_representative: None,
            other_persons: others,
            trade_secrets: secrets,
        }
    }

    fn enterprise<'a>(name: &'a str, rep: &'a str, others: &'a [String]) -> Context<'a> {
        Context {
            party_is_enterprise: true,
            party_name: name,
            legal_representative: Some(rep),
            other_persons: others,
            trade_secrets: EMPTY,
        }
    }

    fn plain() -> Context<'static> {
        person("王五", EMPTY, EMPTY)
    }

    /// The redacted substrings with their kinds, checking the invariants on the way.
    fn spans(r: &Redacted) -> Vec<(&str, Kind)> {
        check_invariants(r);
        r.marks
            .iter()
            .map(|m| (&r.original[m.start..m.end], m.kind))
            .collect()
    }

    fn facts(text: &str, cx: &Context) -> Redacted {
        redact(Field::Facts, text, cx)
    }

    /// Marks on char boundaries, sorted, non-overlapping, non-empty; segments give back the
    /// original; the public text is the original with exactly the marked spans masked.
    fn check_invariants(r: &Redacted) {
        let mut prev_end = 0;
        for m in &r.marks {
            assert!(m.start < m.end, "empty mark {m:?}");
            assert!(m.start >= prev_end, "overlapping or unsorted {:?}", r.marks);
            assert!(r.original.is_char_boundary(m.start) && r.original.is_char_boundary(m.end));
            prev_end = m.end;
        }
        let segs = r.segments();
        assert_eq!(
            segs.iter().map(|(s, _)| s.as_str()).collect::<String>(),
            r.original
        );
        let mut public = String::new();
        let mut pos = 0;
        for m in &r.marks {
            public.push_str(&r.original[pos..m.start]);
            public.push_str(m.kind.mask());
            pos = m.end;
        }
        public.push_str(&r.original[pos..]);
        assert_eq!(r.public, public);
    }

    #[test]
    fn resident_id_18_digits_is_redacted() {
        let r = facts(&format!("当事人王五，身份证{ID18}，男。"), &plain());
        assert_eq!(spans(&r), [(ID18, Kind::ResidentId)]);
        assert_eq!(r.public, "当事人王五，身份证［身份证号码已隐去］，男。");
    }

    #[test]
    fn resident_id_ending_in_x_either_case_is_redacted() {
        let r = facts(&format!("甲{ID18X}乙"), &plain());
        assert_eq!(spans(&r), [(ID18X, Kind::ResidentId)]);
        let lower = ID18X.to_lowercase();
        let r = facts(&format!("甲{lower}乙"), &plain());
        assert_eq!(spans(&r), [(lower.as_str(), Kind::ResidentId)]);
    }

    #[test]
    fn resident_id_with_wrong_checksum_is_still_redacted() {
        // 411502199001011235: the checksum is wrong; a mistyped number is still personal data.
        let r = facts("号码411502199001011235。", &plain());
        assert_eq!(spans(&r), [("411502199001011235", Kind::ResidentId)]);
    }

    #[test]
    fn resident_id_15_digits_is_redacted() {
        let r = facts(&format!("旧证{ID15}。"), &plain());
        assert_eq!(spans(&r), [(ID15, Kind::ResidentId)]);
    }

    #[test]
    fn resident_id_in_full_width_digits_is_redacted() {
        let wide = "４１１５０２１９９００１０１１２３Ｘ";
        let r = facts(&format!("证号{wide}。"), &plain());
        assert_eq!(spans(&r), [(wide, Kind::ResidentId)]);
    }

    #[test]
    fn resident_id_after_its_label_is_redacted_even_when_spaced() {
        let r = facts("身份证号码：4115 0219 9001 0112 34，", &plain());
        assert_eq!(spans(&r), [("4115 0219 9001 0112 34", Kind::ResidentId)]);
    }

    #[test]
    fn credit_code_and_registration_number_in_text_stay_public() {
        // An all-digit credit code of authority 9 cannot be an ID number.
        assert!(CreditCode::parse("914115007474185004").is_some());
        let text = "当事人统一社会信用代码914115007474185004，原注册号：411500000012345。";
        assert_eq!(spans(&facts(text, &plain())), NONE);
        // A labelled code of another authority stays public too.
        let r = facts("统一社会信用代码：111000000000000000。", &plain());
        assert_eq!(spans(&r), NONE);
    }

    #[test]
    fn mobile_number_is_redacted() {
        let r = facts(&format!("电话{MOBILE}，"), &plain());
        assert_eq!(spans(&r), [(MOBILE, Kind::Phone)]);
        assert_eq!(r.public, "电话［联系电话已隐去］，");
    }

    #[test]
    fn mobile_number_grouped_or_with_country_code_is_redacted() {
        for phone in [
            "138 0013 8000",
            "138-0013-8000",
            "+86 13800138000",
            "+8613800138000",
        ] {
            let r = facts(&format!("手机{phone}。"), &plain());
            assert_eq!(spans(&r), [(phone, Kind::Phone)], "{phone}");
        }
    }

    #[test]
    fn landline_formats_are_redacted() {
        for phone in [
            "0376-6221234",
            "(0376)6221234",
            "（0376）6221234",
            "（0376）-6221234",
            "03766221234",
            "010-12345678",
            "01012345678",
            "0376 6221234",
            "0376-6221234-8001",
            "0376-6221234转8001",
        ] {
            let r = facts(&format!("座机{phone}。"), &plain());
            assert_eq!(spans(&r), [(phone, Kind::Phone)], "{phone}");
        }
    }

    #[test]
    fn phone_after_its_label_is_redacted_in_any_form() {
        let r = facts("联系电话：6221234，", &plain());
        assert_eq!(spans(&r), [("6221234", Kind::Phone)]);
        // Without a colon 手机 is just a word.
        assert_eq!(spans(&facts("销售手机3部。", &plain())), NONE);
    }

    #[test]
    fn email_is_redacted() {
        let r = facts("邮箱zhang.san+ip@mail.example.com。", &plain());
        assert_eq!(spans(&r), [("zhang.san+ip@mail.example.com", Kind::Email)]);
        let r = facts(&format!("邮箱{MOBILE}@163.com，"), &plain());
        assert_eq!(spans(&r), [("13800138000@163.com", Kind::Email)]);
        assert_eq!(spans(&facts("价格为5@件，a@b", &plain())), NONE);
    }

    #[test]
    fn bank_account_plain_is_redacted() {
        for account in [
            "6222021234567890",
            "62220212345678901",
            "6222021234567890123",
        ] {
            let r = facts(&format!("转入{account}。"), &plain());
            assert_eq!(spans(&r), [(account, Kind::BankAccount)], "{account}");
        }
    }

    #[test]
    fn bank_account_grouped_by_fours_is_redacted() {
        for account in ["6222 0212 3456 7890", "6222 0212 3456 7890 123"] {
            let r = facts(&format!("转入{account}。"), &plain());
            assert_eq!(spans(&r), [(account, Kind::BankAccount)], "{account}");
        }
    }

    #[test]
    fn bank_account_after_its_label_is_redacted() {
        let cases = [
            ("账号：6222-0212-3456，", "6222-0212-3456"),
            ("卡号6222021234，", "6222021234"),
            (
                "银行账户：中国工商银行信阳分行 622202123，",
                "中国工商银行信阳分行 622202123",
            ),
            ("其银行账号为6222021234。", "6222021234"),
        ];
        for (text, account) in cases {
            let r = facts(text, &plain());
            assert_eq!(spans(&r), [(account, Kind::BankAccount)], "{text}");
        }
        // Without a colon or a number 账户 is just a word.
        assert_eq!(spans(&facts("冻结其账户余额。", &plain())), NONE);
    }

    #[test]
    fn address_after_each_label_is_redacted_for_a_natural_person() {
        let place = "河南省信阳市浉河区东方红大道1号";
        for label in [
            "住址：",
            "住所地：",
            "住所：",
            "家庭住址：",
            "现住",
            "现住址：",
            "户籍地",
            "户籍所在地：",
        ] {
            let r = facts(&format!("当事人王五，{label}{place}，"), &plain());
            assert_eq!(spans(&r), [(place, Kind::Address)], "{label}");
            assert_eq!(r.public, format!("当事人王五，{label}［住址已隐去］，"));
        }
    }

    #[test]
    fn address_keeps_balanced_brackets_and_stops_at_an_unmatched_one() {
        let r = facts("证人（住址：信阳市某小区（东门）3栋），", &plain());
        assert_eq!(spans(&r), [("信阳市某小区（东门）3栋", Kind::Address)]);
        let r = facts("住址:Room 5 (North), Xinyang; ", &plain());
        assert_eq!(spans(&r), [("Room 5 (North)", Kind::Address)]);
    }

    #[test]
    fn address_stops_at_the_next_label() {
        let text = format!("联系电话：{MOBILE} 住址：信阳市某路2号。");
        let r = facts(&text, &plain());
        assert_eq!(
            spans(&r),
            [(MOBILE, Kind::Phone), ("信阳市某路2号", Kind::Address)]
        );
    }

    #[test]
    fn enterprise_registered_domicile_is_public_but_a_persons_address_is_not() {
        let cx = enterprise("信阳市某商贸有限公司", "李四", EMPTY);
        let text = "住所：信阳市羊山新区新七大道99号，住所地信阳市，员工家庭住址：信阳市某村。";
        let r = facts(text, &cx);
        assert_eq!(spans(&r), [("信阳市某村", Kind::Address)]);
    }

    #[test]
    fn other_person_names_are_redacted_longest_first() {
        let others = ["张三".to_string(), "张三丰".to_string(), " ".to_string()];
        let r = facts(
            "证人张三丰、张三到场，张三丰签字。",
            &person("王五", &others, EMPTY),
        );
        assert_eq!(
            spans(&r),
            [
                ("张三丰", Kind::PersonName),
                ("张三", Kind::PersonName),
                ("张三丰", Kind::PersonName)
            ]
        );
        assert_eq!(
            r.public,
            "证人［自然人姓名已隐去］、［自然人姓名已隐去］到场，［自然人姓名已隐去］签字。"
        );
    }

    #[test]
    fn party_and_legal_representative_names_are_never_person_names() {
        let others = ["李四".to_string(), "张三".to_string(), "赵六".to_string()];
        let cx = enterprise("信阳市张三商贸有限公司", "李四", &others);
        let r = facts(
            "信阳市张三商贸有限公司法定代表人李四指使员工赵六、张三销售。",
            &cx,
        );
        assert_eq!(
            spans(&r),
            [("赵六", Kind::PersonName), ("张三", Kind::PersonName)]
        );
        // The party is 张三; another person is 张三丰, whose name contains the party's.
        let others = ["张三丰".to_string(), "张三".to_string()];
        let r = facts("张三雇用张三丰。", &person("张三", &others, EMPTY));
        assert_eq!(spans(&r), [("张三丰", Kind::PersonName)]);
        // The legal representative's own field keeps the name.
        let cx = enterprise("某公司", "李四", &others);
        let r = redact(Field::LegalRepresentative, "李四", &cx);
        assert_eq!(spans(&r), NONE);
    }

    #[test]
    fn trade_secrets_are_withheld() {
        let secrets = ["配方A-7".to_string(), "年产量".to_string(), String::new()];
        let r = facts(
            "其配方A-7及年产量见附件，配方A-7另存。",
            &person("王五", EMPTY, &secrets),
        );
        assert_eq!(
            spans(&r),
            [
                ("配方A-7", Kind::TradeSecret),
                ("年产量", Kind::TradeSecret),
                ("配方A-7", Kind::TradeSecret)
            ]
        );
        assert_eq!(
            r.public,
            "其［商业秘密不予公开］及［商业秘密不予公开］见附件，［商业秘密不予公开］另存。"
        );
    }

    #[test]
    fn never_redacted_fields_come_back_unchanged_whatever_they_hold() {
        let others = ["张三".to_string()];
        let secrets = ["信阳".to_string()];
        let cx = person("张三", &others, &secrets);
        let text = format!("信阳市市场监管局 张三 {ID18} {MOBILE} 0376-6221234 住址：某村 a@b.cn");
        for field in Field::ALL {
            let r = redact(field, &text, &cx);
            if field.never_redacted() {
                assert_eq!(r.public, text, "{field:?}");
                assert!(r.marks.is_empty(), "{field:?}");
            } else {
                assert_ne!(r.public, text, "{field:?}");
            }
        }
        let never: Vec<Field> = Field::ALL
            .into_iter()
            .filter(|f| f.never_redacted())
            .collect();
        assert_eq!(
            never,
            [
                Field::DecisionNumber,
                Field::Organ,
                Field::PartyName,
                Field::CreditCode
            ]
        );
    }

    #[test]
    fn redact_extra_is_refused_for_a_never_redacted_field() {
        let r = redact(Field::DecisionNumber, "信市监处罚〔2026〕123号", &plain());
        let refusal = redact_extra(&r, 0, 3, Kind::TradeSecret);
        assert_eq!(refusal, Err(Refusal::NeverRedacted("决定书文号")));
        assert_eq!(
            refusal.map_err(|e| e.to_string()),
            Err("“决定书文号”依法应当公开，不能隐去".to_string())
        );
        for field in [Field::Organ, Field::PartyName, Field::CreditCode] {
            let r = redact(field, "某某", &plain());
            assert_eq!(
                redact_extra(&r, 0, 3, Kind::PersonName),
                Err(Refusal::NeverRedacted(field.label()))
            );
        }
    }

    #[test]
    fn redact_extra_adds_merges_and_checks_the_range() {
        let r = facts(&format!("证人赵六，电话{MOBILE}。"), &plain());
        let start = r.original.find("赵六").unwrap();
        let r2 = redact_extra(&r, start, start + "赵六".len(), Kind::PersonName).unwrap();
        assert_eq!(
            spans(&r2),
            [("赵六", Kind::PersonName), (MOBILE, Kind::Phone)]
        );
        assert_eq!(
            r2.public,
            "证人［自然人姓名已隐去］，电话［联系电话已隐去］。"
        );
        // Overlapping the phone: one span, nothing of either shown.
        let p = r.original.find(MOBILE).unwrap();
        let r3 = redact_extra(&r, p - "电话".len(), p + 3, Kind::Phone).unwrap();
        assert_eq!(spans(&r3), [("电话13800138000", Kind::Phone)]);
        // Inside a character, empty, reversed or past the end.
        assert_eq!(
            redact_extra(&r, 1, 6, Kind::PersonName),
            Err(Refusal::BadRange)
        );
        assert_eq!(
            redact_extra(&r, 6, 6, Kind::PersonName),
            Err(Refusal::BadRange)
        );
        assert_eq!(
            redact_extra(&r, 6, 3, Kind::PersonName),
            Err(Refusal::BadRange)
        );
        let len = r.original.len();
        assert_eq!(
            redact_extra(&r, 0, len + 1, Kind::PersonName),
            Err(Refusal::BadRange)
        );
    }

    #[test]
    fn segments_reconstruct_the_original_and_carry_the_kinds() {
        let others = ["赵六".to_string()];
        let r = facts(
            &format!("赵六{MOBILE}住址：某村"),
            &person("王五", &others, EMPTY),
        );
        assert_eq!(
            r.segments(),
            [
                ("赵六".to_string(), Some(Kind::PersonName)),
                (MOBILE.to_string(), Some(Kind::Phone)),
                ("住址：".to_string(), None),
                ("某村".to_string(), Some(Kind::Address)),
            ]
        );
        check_invariants(&r);
        let r = facts("无个人信息。", &plain());
        assert_eq!(r.segments(), [("无个人信息。".to_string(), None)]);
        assert!(facts("", &plain()).segments().is_empty());
    }

    #[test]
    fn overlapping_matches_merge_into_non_overlapping_marks() {
        // The secret covers part of a phone, the name is inside the address.
        let others = ["赵六".to_string()];
        let secrets = ["供货价138".to_string()];
        let cx = person("王五", &others, &secrets);
        let text = format!("供货价{MOBILE}，住址：赵六家隔壁，");
        let r = facts(&text, &cx);
        assert_eq!(
            spans(&r),
            [
                ("供货价13800138000", Kind::TradeSecret),
                ("赵六家隔壁", Kind::Address)
            ]
        );
        // Deterministic: the same input gives the same marks.
        assert_eq!(facts(&text, &cx), r);
    }

    #[test]
    fn numbers_inside_longer_runs_or_amounts_are_not_identifiers() {
        let texts = [
            "信市监处罚〔2026〕123号",
            "编号12345678901234567890。",
            "编号0138001380001。",
            "罚款13800138000.50元。",
            "2026年3月5日，货值20260305元，批号2026-0305。",
            "依据《商标法》第六十条第二款，罚款人民币150000元。",
        ];
        for text in texts {
            assert_eq!(spans(&facts(text, &plain())), NONE, "{text}");
        }
    }

    #[test]
    fn marks_are_on_char_boundaries_in_mixed_text() {
        let others = ["赵六".to_string()];
        let text = format!(
            "赵六（身份证号码{ID18X}，电话（0376）6221234，邮箱ａ@ｂ，z@x.cn）住址：信阳市；"
        );
        let r = facts(&text, &person("王五", &others, EMPTY));
        assert_eq!(
            spans(&r),
            [
                ("赵六", Kind::PersonName),
                (ID18X, Kind::ResidentId),
                ("（0376）6221234", Kind::Phone),
                ("z@x.cn", Kind::Email),
                ("信阳市", Kind::Address)
            ]
        );
    }

    #[test]
    fn codes_and_labels_are_consistent() {
        for field in Field::ALL {
            assert_eq!(Field::parse(field.code()), Some(field));
            let json = serde_json::to_string(&field).unwrap();
            assert_eq!(json, format!("\"{}\"", field.code()));
        }
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.code()), Some(kind));
            assert_eq!(
                serde_json::to_string(&kind).unwrap(),
                format!("\"{}\"", kind.code())
            );
            assert!(kind.mask().contains(kind.label()));
        }
        assert_eq!(Field::LegalRepresentative.label(), "法定代表人（负责人）");
        assert_eq!(Kind::ResidentId.mask(), "［身份证号码已隐去］");
    }

    const PIECES: &[&str] = &[
        "1",
        "3",
        "8",
        "0",
        "6",
        "X",
        "x",
        "４",
        "Ｘ",
        " ",
        "-",
        "(",
        "（",
        ")",
        "）",
        "：",
        "，",
        "。",
        "@",
        "a",
        ".",
        "cn",
        "住址",
        "住所",
        "现住",
        "账号",
        "电话：",
        "身份证号码",
        "张三",
        "张三丰",
        "王五",
        "+",
        "86",
        "号",
        "转",
        "为",
        "\n",
        "信用代码",
    ];

    proptest::proptest! {
        /// Whatever the text, marks keep their invariants, never-redacted fields are untouched
        /// and a reviewer's extra span ends up hidden.
        #[test]
        fn any_text_keeps_the_invariants(
            picks in proptest::collection::vec(0..PIECES.len(), 0..80),
            is_enterprise: bool,
            cut in (0usize..200, 0usize..200),
        ) {
            let text: String = picks.iter().map(|&i| PIECES[i]).collect();
            let others = ["张三".to_string(), "张三丰".to_string()];
            let secrets = ["38".to_string()];
            let cx = Context {
                party_is_enterprise: is_enterprise,
                party_name: "王五",
                legal_representative: Some("李四"),
                other_persons: &others,
                trade_secrets: &secrets,
            };
            for field in Field::ALL {
                let r = redact(field, &text, &cx);
                check_invariants(&r);
                if field.never_redacted() {
                    proptest::prop_assert_eq!(&r.public, &text);
                    proptest::prop_assert!(r.marks.is_empty());
                }
            }
            let r = redact(Field::Facts, &text, &cx);
            let (start, end) = (cut.0.min(cut.1), cut.0.max(cut.1));
            match redact_extra(&r, start, end, Kind::TradeSecret) {
                Ok(extra) => {
                    check_invariants(&extra);
                    proptest::prop_assert!(
                        extra.marks.iter().any(|m| m.start <= start && end <= m.end)
                    );
                }
                Err(e) => {
                    proptest::prop_assert_eq!(e, Refusal::BadRange);
                    proptest::prop_assert!(
                        start == end
                            || end > text.len()
                            || !text.is_char_boundary(start)
                            || !text.is_char_boundary(end)
                    );
                }
            }
        }
    }
}

//! The search index (tantivy): its fields and tokenizers, feeding it from the audit trail,
//! rebuilding it from the database, and answering a query within a person's scope.
//!
//! Each server instance keeps its own index (in `search_dir`, by default `data/search`; in
//! memory when none is set, as in the tests) and feeds it from the one outbox every instance
//! shares: the audit trail, whose records are numbered in commit order. The point reached is
//! stored in the index's own commit (its payload), so the index and its point can never
//! disagree, and a restart resumes from there. Nothing is shared between instances but the
//! database; an instance added later builds its index from it on first use.

use std::collections::BTreeSet;
use std::ops::Bound;
use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use tantivy::collector::{Count, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{
    Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
    Value,
};
use tantivy::tokenizer::{LowerCaser, NgramTokenizer, TextAnalyzer};
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use super::source::{self, Doc, Point};
use super::{Kind, Query as Search};
use crate::access::Scope;
use crate::db::Db;
use crate::error::AppError;

/// Bumped whenever the fields or what is fed into them change: an index of another version is
/// rebuilt.
const VERSION: i64 = 3;
/// Audit records applied per commit when catching up.
const BATCH: i64 = 1000;
/// The most postings a suggestion may read (the typed characters' record counts, summed).
const SUGGEST_POSTINGS: u64 = 200_000;
/// Records read per statement when rebuilding.
const REBUILD_BATCH: i64 = 500;

#[derive(Clone, Copy)]
struct Fields {
    key: Field,
    kind: Field,
    rid: Field,
    title: Field,
    body: Field,
    grams: Field,
    exact: Field,
    units: Field,
    regions: Field,
    access: Field,
    owners: Field,
    named: Field,
    state: Field,
    date: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let words = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("zh")
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let grams = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("grams")
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let f = Fields {
        key: b.add_text_field("key", STRING),
        kind: b.add_text_field("kind", STRING | STORED),
        rid: b.add_i64_field("rid", INDEXED | STORED),
        title: b.add_text_field("title", words.clone()),
        body: b.add_text_field("body", words),
        grams: b.add_text_field("grams", grams),
        exact: b.add_text_field("exact", STRING),
        units: b.add_i64_field("units", INDEXED),
        regions: b.add_text_field("regions", STRING),
        access: b.add_text_field("access", STRING),
        owners: b.add_i64_field("owners", INDEXED),
        named: b.add_i64_field("named", INDEXED),
        state: b.add_text_field("state", STRING | STORED),
        date: b.add_i64_field("date", INDEXED | STORED),
    };
    (b.build(), f)
}

fn register_tokenizers(index: &Index) -> tantivy::Result<()> {
    // Search mode adds the shorter words inside a long one (假冒伪劣 → 假冒, 伪劣); ordinal
    // positions keep phrase positions consistent when it does.
    let mut jieba = tantivy_jieba::JiebaTokenizer::new();
    jieba.set_ordinal_position_mode(true);
    index.tokenizers().register(
        "zh",
        TextAnalyzer::builder(jieba).filter(LowerCaser).build(),
    );
    index.tokenizers().register(
        "grams",
        TextAnalyzer::builder(NgramTokenizer::new(1, 2, false)?)
            .filter(LowerCaser)
            .build(),
    );
    Ok(())
}

/// The `access` term that `scope` finds records of `kind` by.
fn access_term(kind: Kind, scope: &Scope) -> String {
    match scope {
        Scope::All => kind.code().to_string(),
        Scope::Region(p) => format!("{}/r{p}", kind.code()),
        Scope::Unit(u) => format!("{}/u{u}", kind.code()),
    }
}

/// The `access` term that `scope` finds open records of every kind by.
fn any_term(scope: &Scope) -> String {
    match scope {
        Scope::All => "*".to_string(),
        Scope::Region(p) => format!("*/r{p}"),
        Scope::Unit(u) => format!("*/u{u}"),
    }
}

/// The `access` term of a withheld record of `kind` in `scope`.
fn withheld_term(kind: Kind, scope: &Scope) -> String {
    format!("{}#w", access_term(kind, scope))
}

/// A query for the term `t` of a text field.
fn text_query(field: Field, t: &str, record: IndexRecordOption) -> Box<dyn Query> {
    Box::new(TermQuery::new(Term::from_field_text(field, t), record))
}

fn key(kind: Kind, id: i64) -> String {
    format!("{}:{id}", kind.code())
}

fn date_number(d: chrono::NaiveDate) -> i64 {
    use chrono::Datelike;
    i64::from(d.year()) * 10_000 + i64::from(d.month()) * 100 + i64::from(d.day())
}

impl Fields {
    fn document(&self, d: &Doc) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        doc.add_text(self.key, key(d.kind, d.id));
        doc.add_text(self.kind, d.kind.code());
        doc.add_i64(self.rid, d.id);
        doc.add_text(self.title, &d.title);
        doc.add_text(self.body, &d.body);
        doc.add_text(self.grams, &d.title);
        doc.add_text(self.grams, &d.body);
        for code in &d.codes {
            for form in super::exact_forms(code) {
                doc.add_text(self.exact, form);
            }
        }
        let mut regions = BTreeSet::new();
        for (unit, region) in &d.units {
            doc.add_i64(self.units, *unit);
            regions.extend(super::region_prefixes(region));
        }
        // Who may find it, one term per way in: the kind and the whole scope, the kind and a
        // region prefix, the kind and a party unit (`access_term`); for a record open to its
        // scope also the same without the kind (`any_term`), so that a person whose scope is
        // the same for every kind — everyone but the administrators — filters on one term.
        // A withheld record's terms are marked apart: found only with the entitlement.
        let ways: Vec<Scope> = std::iter::once(Scope::All)
            .chain(regions.iter().map(|r| Scope::Region(r.clone())))
            .chain(d.units.iter().map(|(u, _)| Scope::Unit(*u)))
            .collect();
        for way in &ways {
            if d.withheld {
                doc.add_text(self.access, withheld_term(d.kind, way));
            } else {
                doc.add_text(self.access, access_term(d.kind, way));
                doc.add_text(self.access, any_term(way));
            }
        }
        for r in regions {
            doc.add_text(self.regions, r);
        }
        for o in &d.owners {
            doc.add_i64(self.owners, *o);
        }
        for n in &d.named {
            doc.add_i64(self.named, *n);
        }
        doc.add_text(self.state, &d.state);
        if let Some(day) = d.date {
            doc.add_i64(self.date, date_number(day));
        }
        doc
    }
}

/// A record found, before it is confirmed against the database.
#[derive(Debug, Clone)]
pub struct Found {
    pub kind: Kind,
    pub id: i64,
    pub title: String,
    pub body: String,
    pub state: String,
    pub date: Option<chrono::NaiveDate>,
}

/// Who is searching, as the index filters on it.
pub struct Searcher<'a> {
    /// Each kind they may read and its scope (`super::readable`).
    pub readable: &'a [(Kind, Scope)],
    pub unit_id: i64,
    pub user_id: i64,
}

pub struct SearchIndex {
    reader: IndexReader,
    writer: Arc<Mutex<IndexWriter>>,
    f: Fields,
    /// One catch-up or rebuild at a time.
    turn: tokio::sync::Mutex<()>,
    /// The audit record applied last; -1 until the index has been built.
    applied: AtomicI64,
    /// Its hash, as stored with the index's last commit.
    applied_hash: Mutex<String>,
    /// Whether the stored point has been checked against the database since opening.
    checked: std::sync::atomic::AtomicBool,
}

/// A boolean query's clauses.
type Clauses = Vec<(Occur, Box<dyn Query>)>;

fn err(e: impl std::fmt::Display) -> AppError {
    AppError::internal(format!("search index: {e}"))
}

fn payload(point: &Point) -> String {
    serde_json::json!({ "version": VERSION, "applied": point.seq, "hash": point.hash }).to_string()
}

/// The point stored with the index's last commit, if the index is of this version.
fn stored_point(index: &Index) -> Option<Point> {
    let meta = index.load_metas().ok()?;
    let p: serde_json::Value = serde_json::from_str(meta.payload.as_deref()?).ok()?;
    (p.get("version")?.as_i64()? == VERSION).then_some(())?;
    Some(Point {
        seq: p.get("applied")?.as_i64()?,
        hash: p.get("hash")?.as_str()?.to_string(),
    })
}

impl SearchIndex {
    /// The index in `dir` (created, or recreated when it is of another version), or in
    /// memory when `dir` is `None`.
    pub fn open(dir: Option<&Path>) -> Result<SearchIndex, AppError> {
        let (schema, f) = schema();
        let index = match dir {
            None => Index::create_in_ram(schema),
            Some(dir) => {
                std::fs::create_dir_all(dir).map_err(err)?;
                let directory = MmapDirectory::open(dir).map_err(err)?;
                match Index::open_or_create(directory, schema.clone()) {
                    Ok(index) => index,
                    // Another version's fields: start again; the database has everything.
                    Err(tantivy::TantivyError::SchemaError(_)) => {
                        std::fs::remove_dir_all(dir).map_err(err)?;
                        std::fs::create_dir_all(dir).map_err(err)?;
                        Index::create_in_dir(dir, schema).map_err(err)?
                    }
                    Err(e) => return Err(err(e)),
                }
            }
        };
        register_tokenizers(&index).map_err(err)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(err)?;
        let writer = index
            .writer_with_num_threads(1, 32_000_000)
            .map_err(|e| match e {
                // Another process holds it: a second instance pointed at the same directory,
                // or `search rebuild` while the server runs.
                tantivy::TantivyError::LockFailure(..) => err(format!(
                    "the index in {} is held by another process; each instance needs its own search_dir",
                    dir.map(|d| d.display().to_string()).unwrap_or_default()
                )),
                e => err(e),
            })?;
        let stored = stored_point(&index);
        Ok(SearchIndex {
            reader,
            writer: Arc::new(Mutex::new(writer)),
            f,
            turn: tokio::sync::Mutex::new(()),
            applied: AtomicI64::new(stored.as_ref().map_or(-1, |p| p.seq)),
            applied_hash: Mutex::new(stored.map(|p| p.hash).unwrap_or_default()),
            checked: Default::default(),
        })
    }

    /// The audit record applied last (-1: not built yet).
    pub fn applied(&self) -> i64 {
        self.applied.load(Ordering::Acquire)
    }

    /// Apply everything written since the last point (building the index first if it never
    /// was). Searches call it before they read, so a person finds what they just wrote; the
    /// server also calls it every second, which bounds the lag for everyone else.
    pub async fn catch_up(&self, db: &Db) -> Result<(), AppError> {
        let _turn = self.turn.lock().await;
        self.catch_up_locked(db).await
    }

    /// [`catch_up`](Self::catch_up) for a search: while another catch-up holds the index (a
    /// long batch, or the rebuild after a unit moved region) it waits at most `wait`, then
    /// reads the index as it is; while the index has never been built it says so (409).
    pub async fn catch_up_for_search(
        &self,
        db: &Db,
        wait: std::time::Duration,
    ) -> Result<(), AppError> {
        let turn = match self.turn.try_lock() {
            Ok(turn) => Some(turn),
            // The first build of a large database takes minutes: a search says so.
            Err(_) if self.applied() < 0 => {
                return Err(AppError::conflict(
                    "search_index_building",
                    "查找索引正在建立，请稍后再试",
                ));
            }
            Err(_) => tokio::time::timeout(wait, self.turn.lock()).await.ok(),
        };
        match turn {
            Some(_turn) => self.catch_up_locked(db).await,
            None => Ok(()),
        }
    }

    async fn catch_up_locked(&self, db: &Db) -> Result<(), AppError> {
        // An index whose point is not a record of this database's audit trail (another
        // database, or one restored from a backup) is rebuilt, like one never built.
        if !self.checked.load(Ordering::Acquire) {
            let point = Point {
                seq: self.applied(),
                hash: self.applied_hash.lock().map_err(err)?.clone(),
            };
            if point.seq >= 0 && !source::holds(db, &point).await? {
                self.applied.store(-1, Ordering::Release);
            }
            self.checked.store(true, Ordering::Release);
        }
        if self.applied() < 0 {
            self.rebuild_locked(db, &mut |_, _, _| {}).await?;
        }
        loop {
            let after = self.applied();
            let changes = source::changes(db, after, BATCH).await?;
            let Some(last) = changes.last else {
                return Ok(());
            };
            if changes.rebuild {
                self.rebuild_locked(db, &mut |_, _, _| {}).await?;
                continue;
            }
            let targets = changes.records;
            let mut docs = Vec::new();
            for kind in Kind::ALL {
                let ids: Vec<i64> = targets
                    .iter()
                    .filter(|(k, _)| *k == kind)
                    .map(|(_, id)| *id)
                    .collect();
                for chunk in ids.chunks(REBUILD_BATCH as usize) {
                    docs.extend(source::read(db, kind, chunk).await?);
                }
            }
            let deletes: Vec<String> = targets.iter().map(|(k, id)| key(*k, *id)).collect();
            self.write(deletes, docs, last).await?;
        }
    }

    /// Build the index again from the database. `progress` hears (kind, done, of) as it goes.
    pub async fn rebuild(
        &self,
        db: &Db,
        progress: &mut (dyn FnMut(Kind, i64, i64) + Send),
    ) -> Result<(), AppError> {
        let _turn = self.turn.lock().await;
        self.rebuild_locked(db, progress).await
    }

    async fn rebuild_locked(
        &self,
        db: &Db,
        progress: &mut (dyn FnMut(Kind, i64, i64) + Send),
    ) -> Result<(), AppError> {
        // The point is read first: whatever changes while the records are read is applied
        // again afterwards, and applying a change twice reads the same record twice.
        let head = source::head(db).await?;
        {
            let w = self.writer.lock().map_err(err)?;
            w.delete_all_documents().map_err(err)?;
        }
        let built = self.add_all(db, progress).await;
        if built.is_err() {
            // Nothing of a failed rebuild may reach a later commit.
            let mut w = self.writer.lock().map_err(err)?;
            w.rollback().map_err(err)?;
        }
        built?;
        self.write(Vec::new(), Vec::new(), head).await
    }

    /// Every record of the database added to the writer (not yet committed).
    async fn add_all(
        &self,
        db: &Db,
        progress: &mut (dyn FnMut(Kind, i64, i64) + Send),
    ) -> Result<(), AppError> {
        for kind in Kind::ALL {
            let of = source::count(db, kind).await?;
            let mut done = 0;
            let mut after = 0;
            progress(kind, done, of);
            loop {
                let ids = source::ids_after(db, kind, after, REBUILD_BATCH).await?;
                let Some(&last) = ids.last() else { break };
                after = last;
                let docs = source::read(db, kind, &ids).await?;
                done += i64::try_from(ids.len()).unwrap_or(0);
                let writer = self.writer.clone();
                let f = self.f;
                tokio::task::spawn_blocking(move || -> Result<(), AppError> {
                    let w = writer.lock().map_err(err)?;
                    for d in &docs {
                        w.add_document(f.document(d)).map_err(err)?;
                    }
                    Ok(())
                })
                .await
                .map_err(err)??;
                progress(kind, done, of);
            }
        }
        Ok(())
    }

    /// Delete `deletes`, add `docs`, and commit with the point `applied`.
    async fn write(
        &self,
        deletes: Vec<String>,
        docs: Vec<Doc>,
        applied: Point,
    ) -> Result<(), AppError> {
        let writer = self.writer.clone();
        let reader = self.reader.clone();
        let f = self.f;
        let stored = payload(&applied);
        tokio::task::spawn_blocking(move || -> Result<(), AppError> {
            let mut w = writer.lock().map_err(err)?;
            for k in deletes {
                w.delete_term(Term::from_field_text(f.key, &k));
            }
            for d in &docs {
                w.add_document(f.document(d)).map_err(err)?;
            }
            let mut commit = w.prepare_commit().map_err(err)?;
            commit.set_payload(&stored);
            commit.commit().map_err(err)?;
            reader.reload().map_err(err)?;
            Ok(())
        })
        .await
        .map_err(err)??;
        *self.applied_hash.lock().map_err(err)? = applied.hash;
        self.applied.store(applied.seq, Ordering::Release);
        Ok(())
    }

    /// The records matching `q` that `who` may find, best first: `limit` from `offset`, and
    /// how many match in all.
    pub fn search(
        &self,
        q: &Search,
        who: &Searcher<'_>,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<Found>, usize), AppError> {
        let searcher = self.reader.searcher();
        let (top, count) = self.run(&searcher, self.query(q, who), offset + limit.max(1))?;
        let mut out = Vec::with_capacity(limit);
        for (_, addr) in top.into_iter().skip(offset).take(limit.max(1)) {
            out.push(self.found(&searcher, addr)?);
        }
        Ok((out, count))
    }

    /// The best `n` of the records matching any of `parts` (which never share a record), and
    /// how many match in all.
    fn run(
        &self,
        searcher: &tantivy::Searcher,
        parts: Vec<Box<dyn Query>>,
        n: usize,
    ) -> Result<(Vec<(f32, DocAddress)>, usize), AppError> {
        let mut top: Vec<(f32, DocAddress)> = Vec::new();
        let mut count = 0;
        for part in parts {
            let (t, c) = searcher
                .search(
                    &part,
                    &(TopDocs::with_limit(n.max(1)).order_by_score(), Count),
                )
                .map_err(err)?;
            top.extend(t);
            count += c;
        }
        top.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        top.truncate(n);
        Ok((top, count))
    }

    fn found(&self, searcher: &tantivy::Searcher, addr: DocAddress) -> Result<Found, AppError> {
        let doc: TantivyDocument = searcher.doc(addr).map_err(err)?;
        let text = |f: Field| {
            doc.get_first(f)
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        };
        let kind = Kind::parse(&text(self.f.kind)).ok_or_else(|| err("unknown kind"))?;
        let date = doc
            .get_first(self.f.date)
            .and_then(|v| v.as_i64())
            .and_then(|n| {
                chrono::NaiveDate::from_ymd_opt(
                    i32::try_from(n / 10_000).ok()?,
                    u32::try_from(n / 100 % 100).ok()?,
                    u32::try_from(n % 100).ok()?,
                )
            });
        Ok(Found {
            kind,
            id: doc
                .get_first(self.f.rid)
                .and_then(|v| v.as_i64())
                .ok_or_else(|| err("no id"))?,
            title: text(self.f.title),
            body: text(self.f.body),
            state: text(self.f.state),
            date,
        })
    }

    /// The query, as parts that never share a record: the records holding an exact code
    /// typed, and the others holding every word. A Chinese word matches through its character
    /// grams (a superset of the word as the segmenter indexed it, in the title or the text),
    /// and scores by where the word itself stands; a word without Chinese characters matches
    /// as itself. The word clauses score only, so a search walks
    /// one intersection of gram postings rather than a union of three lists per word: that
    /// union was 40 % of a search's time over 50,000 matches (bench/RESULTS.md).
    fn query(&self, q: &Search, who: &Searcher<'_>) -> Vec<Box<dyn Query>> {
        let f = &self.f;
        let words = super::words(&q.text);
        let exact = super::exact_forms(&q.text);
        let text_term = |field: Field, t: &str| text_query(field, t, IndexRecordOption::WithFreqs);
        let boosted =
            |q: Box<dyn Query>, by: f32| -> Box<dyn Query> { Box::new(BoostQuery::new(q, by)) };
        let mut grams: Vec<String> = Vec::new();
        let mut scoring: Clauses = Vec::new();
        // A word without Chinese characters (a number, a Latin name) is segmented the same in
        // a query and a record, so it matches as itself: its postings are short, and they
        // drive the intersection where digit pairs (12, 23, 34 …) would each hold half the
        // index.
        let mut plain: Clauses = Vec::new();
        for w in &words {
            let either = || -> Box<dyn Query> {
                Box::new(BooleanQuery::new(vec![
                    (Occur::Should, boosted(text_term(f.title, w), 3.0)),
                    (Occur::Should, boosted(text_term(f.body, w), 2.0)),
                ]))
            };
            if !w.chars().any(super::is_han) {
                plain.push((Occur::Must, either()));
                continue;
            }
            for g in super::grams(w) {
                if !grams.contains(&g) {
                    grams.push(g);
                }
            }
            scoring.push((Occur::Should, either()));
        }
        let exact_any = || -> Option<Box<dyn Query>> {
            let terms: Clauses = exact
                .iter()
                .map(|e| (Occur::Should, boosted(text_term(f.exact, e), 10.0)))
                .collect();
            (!terms.is_empty()).then(|| Box::new(BooleanQuery::new(terms)) as Box<dyn Query>)
        };
        let mut parts: Vec<Clauses> = Vec::new();
        if let Some(code) = exact_any() {
            let mut part = vec![(Occur::Must, code)];
            part.extend(scoring.iter().map(|(o, c)| (*o, c.box_clone())));
            part.extend(plain.iter().map(|(_, c)| (Occur::Should, c.box_clone())));
            parts.push(part);
        }
        if !grams.is_empty() || !plain.is_empty() {
            let mut part: Clauses = grams
                .iter()
                .map(|g| (Occur::Must, text_term(f.grams, g)))
                .collect();
            part.extend(plain.iter().map(|(o, c)| (*o, c.box_clone())));
            part.extend(scoring);
            if let Some(code) = exact_any() {
                part.push((Occur::MustNot, code));
            }
            parts.push(part);
        }
        self.within(parts, q, who)
    }

    /// Each of `parts` within the kinds and scopes `who` may read, and the query's filters:
    /// for each, one query for the records open to their scope, and one for the withheld
    /// records they are entitled to, each filtered by single terms where it can be — a union
    /// of large posting lists as a filter cost most of a search's time (bench/RESULTS.md).
    /// The filters join each part's own clauses, so the intersection is of term postings.
    fn within(&self, parts: Vec<Clauses>, q: &Search, who: &Searcher<'_>) -> Vec<Box<dyn Query>> {
        let f = &self.f;
        let text_term = |field: Field, t: &str| text_query(field, t, IndexRecordOption::Basic);
        let any_of = |mut terms: Vec<Box<dyn Query>>| -> Option<Box<dyn Query>> {
            match terms.len() {
                0 => None,
                1 => terms.pop(),
                _ => Some(Box::new(BooleanQuery::new(
                    terms.into_iter().map(|t| (Occur::Should, t)).collect(),
                ))),
            }
        };
        let i64_term = |field: Field, v: i64| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_i64(field, v),
                IndexRecordOption::Basic,
            ))
        };
        // Scope first: each kind they may read, within that kind's scope.
        let kinds: Vec<&(Kind, Scope)> = who
            .readable
            .iter()
            .filter(|(k, _)| q.kind.is_none_or(|want| want == *k))
            .collect();
        let uniform = q.kind.is_none()
            && kinds.len() == Kind::ALL.len()
            && kinds.windows(2).all(|w| w[0].1 == w[1].1);
        let open = if uniform {
            any_of(vec![text_term(f.access, &any_term(&kinds[0].1))])
        } else {
            any_of(
                kinds
                    .iter()
                    .map(|(k, s)| text_term(f.access, &access_term(*k, s)))
                    .collect(),
            )
        };
        // A withheld record only for its owning units and the people named on it.
        let withheld = any_of(
            kinds
                .iter()
                .filter(|(k, _)| k.can_be_withheld())
                .map(|(k, s)| text_term(f.access, &withheld_term(*k, s)))
                .collect(),
        )
        .map(|scoped| -> Box<dyn Query> {
            Box::new(BooleanQuery::new(vec![
                (Occur::Must, scoped),
                (
                    Occur::Must,
                    Box::new(BooleanQuery::new(vec![
                        (Occur::Should, i64_term(f.owners, who.unit_id)),
                        (Occur::Should, i64_term(f.named, who.user_id)),
                    ])),
                ),
            ]))
        });
        let mut filters: Vec<Box<dyn Query>> = Vec::new();
        if let Some(r) = &q.region {
            filters.push(text_term(f.regions, r));
        }
        if let Some(u) = q.unit_id {
            filters.push(i64_term(f.units, u));
        }
        if let Some(s) = &q.state {
            filters.push(text_term(f.state, s));
        }
        if q.from.is_some() || q.to.is_some() {
            let bound = |d: Option<chrono::NaiveDate>| match d {
                Some(d) => Bound::Included(Term::from_field_i64(f.date, date_number(d))),
                None => Bound::Unbounded,
            };
            filters.push(Box::new(RangeQuery::new(bound(q.from), bound(q.to))));
        }
        let scopes: Vec<Box<dyn Query>> = [open, withheld].into_iter().flatten().collect();
        let mut out: Vec<Box<dyn Query>> = Vec::new();
        for part in &parts {
            for scope in &scopes {
                let mut clauses: Clauses = part.iter().map(|(o, c)| (*o, c.box_clone())).collect();
                for filter in std::iter::once(scope).chain(filters.iter()) {
                    clauses.push((
                        Occur::Must,
                        Box::new(ConstScoreQuery::new(filter.box_clone(), 0.0)),
                    ));
                }
                out.push(Box::new(BooleanQuery::new(clauses)));
            }
        }
        out
    }

    /// What a query that found nothing probably meant: the query with one character
    /// replaced (a 别字, 信阳毛间 → 信阳毛尖), as it stands in a record `who` may find — the
    /// suggestion is looked for within their scope and filters, so it reveals nothing else.
    pub fn suggest(&self, q: &Search, who: &Searcher<'_>) -> Result<Option<String>, AppError> {
        // Chinese words only (a code or a number is not corrected), of a word's length.
        let typed: Vec<char> = q.text.chars().filter(|c| !c.is_whitespace()).collect();
        if !(2..=8).contains(&typed.len()) || !typed.iter().all(|c| super::is_han(*c)) {
            return Ok(None);
        }
        // Records holding all the typed characters but one, best first.
        let chars: BTreeSet<String> = typed.iter().map(char::to_string).collect();
        let clauses: Vec<Box<dyn Query>> = chars
            .iter()
            .map(|c| -> Box<dyn Query> {
                text_query(self.f.grams, c, IndexRecordOption::WithFreqs)
            })
            .collect();
        let searcher = self.reader.searcher();
        // Characters so common that collecting the records holding them would cost more than
        // the suggestion is worth: none offered.
        let mut postings = 0;
        for c in &chars {
            postings += searcher
                .doc_freq(&Term::from_field_text(self.f.grams, c))
                .map_err(err)?;
        }
        if postings > SUGGEST_POSTINGS {
            return Ok(None);
        }
        let need = clauses.len().saturating_sub(1).max(1);
        let near = BooleanQuery::union_with_minimum_required_clauses(clauses, need);
        let parts = self.within(vec![vec![(Occur::Must, Box::new(near))]], q, who);
        let (top, _) = self.run(&searcher, parts, 20)?;
        for (_, addr) in top {
            let d = self.found(&searcher, addr)?;
            let text = format!("{} {}", d.title, d.body);
            if let Some(meant) = super::one_char_apart(&text, &typed) {
                return Ok(Some(meant));
            }
        }
        Ok(None)
    }

    /// Documents in the index (for tests and the rebuild's report).
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every (kind, id, title, body) in the index, in order: what a rebuild is compared on.
    pub fn contents(&self) -> Result<Vec<(String, i64, String, String)>, AppError> {
        let searcher = self.reader.searcher();
        let all = searcher
            .search(
                &tantivy::query::AllQuery,
                &TopDocs::with_limit(usize::try_from(searcher.num_docs()).unwrap_or(1).max(1))
                    .order_by_score(),
            )
            .map_err(err)?;
        let mut out = Vec::new();
        for (_, addr) in all {
            let d = self.found(&searcher, addr)?;
            out.push((d.kind.code().to_string(), d.id, d.title, d.body));
        }
        out.sort();
        Ok(out)
    }
}

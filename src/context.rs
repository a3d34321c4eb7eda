//! The operation context: what every operation, whether started by a request, the scheduler,
//! the mail sender or the command line, works with — the database, the calendar in force, the
//! official-document renderer and the clock. The HTTP edge (`web::AppState`) holds one next to
//! its own settings; nothing outside `web/` and the `http` modules needs the edge's state.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use crate::calendar::Calendar;
use crate::clock::Clock;
use crate::db::Db;
use crate::documents::{Fonts, OfficialDocument};
use crate::error::AppError;

tokio::task_local! {
    /// Set while a step runs as a preview (see [`preview`]): where its document goes.
    static PREVIEW: Arc<Mutex<Option<Vec<u8>>>>;
}

/// Whether the running step is a preview: it must draw no document number.
pub fn previewing() -> bool {
    PREVIEW.try_with(|_| ()).is_ok()
}

/// The code of the error that stops a previewed step once its document is rendered.
const PREVIEWED: &str = "previewed";

/// "信打假办督〔2026〕7号" → "信打假办督〔2026〕　号": a draft has no number yet.
fn blank_number(number: &str) -> String {
    match number.rfind('〕') {
        Some(i) if number.ends_with('号') => format!("{}〕　号", &number[..i]),
        _ => number.to_string(),
    }
}

/// Run `step` (an operation that issues an official document) as a preview: the document is
/// rendered as it would be issued, with its number blank, and returned; the step stops at that
/// point and its transaction is rolled back, so nothing is written and no number is drawn.
/// The step's own checks run first, so a draft that could not be issued says why.
pub async fn preview<F>(step: F) -> Result<Vec<u8>, AppError>
where
    F: std::future::Future<Output = Result<(), AppError>>,
{
    let slot = Arc::new(Mutex::new(None));
    let result = PREVIEW.scope(slot.clone(), step).await;
    let pdf = slot.lock().ok().and_then(|mut s| s.take());
    match (result, pdf) {
        (Err(AppError::Conflict { code, .. }), Some(pdf)) if code == PREVIEWED => Ok(pdf),
        (Err(e), _) => Err(e),
        (Ok(()), _) => Err(AppError::internal("a previewed step issued no document")),
    }
}

pub struct Ctx {
    pub db: Db,
    /// Where operations take the time from.
    pub clock: Clock,
    /// The legal-period calendar in force: shipped years overlaid with those an administrator
    /// stored. Replaced as a whole when a year is saved.
    calendar: RwLock<Arc<Calendar>>,
    /// The office's licensed font files, if configured.
    fonts_dir: Option<PathBuf>,
    /// Fonts for official documents, found on first use.
    fonts: OnceLock<Result<Arc<Fonts>, String>>,
    /// Every unit, for pickers and filters, kept between requests.
    pub units: crate::units::registry::Registry,
    /// Whether drafts are reviewed (核稿) in an office that has not said (`SHUANGDA_DOCUMENT_REVIEW`).
    pub document_review: bool,
    /// Where this instance keeps its search index; in memory when unset.
    search_dir: Option<PathBuf>,
    /// The search index, opened on first use.
    search: Mutex<Option<Arc<crate::search::index::SearchIndex>>>,
}

impl Ctx {
    pub fn new(db: Db, clock: Clock, fonts_dir: Option<PathBuf>) -> Ctx {
        Ctx {
            db,
            clock,
            calendar: RwLock::new(Arc::new(crate::calendar::store::shipped(clock.today()))),
            fonts_dir,
            fonts: OnceLock::new(),
            units: Default::default(),
            document_review: false,
            search_dir: None,
            search: Mutex::new(None),
        }
    }

    /// Keep the search index in `dir` (the server: `search_dir`, by default `data/search`).
    pub fn with_search_dir(mut self, dir: Option<PathBuf>) -> Ctx {
        self.search_dir = dir;
        self
    }

    /// The search index (`search::index`), opened on first use; an open that failed (the
    /// directory held by `search rebuild`, say) is tried again on the next use.
    pub fn search(&self) -> Result<Arc<crate::search::index::SearchIndex>, AppError> {
        let mut slot = match self.search.lock() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(index) = slot.as_ref() {
            return Ok(index.clone());
        }
        let index = Arc::new(crate::search::index::SearchIndex::open(
            self.search_dir.as_deref(),
        )?);
        *slot = Some(index.clone());
        Ok(index)
    }

    /// The deployment's default for 核稿, for offices that have not set their own.
    pub fn with_document_review(mut self, on: bool) -> Ctx {
        self.document_review = on;
        self
    }

    /// The document fonts (the office's licensed files from `fonts_dir`, else free Noto CJK).
    pub fn fonts(&self) -> Result<Arc<Fonts>, AppError> {
        self.fonts
            .get_or_init(|| {
                Fonts::discover(self.fonts_dir.as_deref())
                    .map(Arc::new)
                    .map_err(|e| e.to_string())
            })
            .clone()
            .map_err(|e| AppError::conflict("fonts_missing", format!("无法生成公文：{e}")))
    }

    /// Render an official document as PDF on the blocking pool (layout is CPU work). Inside
    /// [`preview`] the document is rendered with its number left blank, kept, and the step
    /// that asked for it is stopped there, so that it writes nothing and draws no number.
    pub async fn render_pdf(&self, mut doc: OfficialDocument) -> Result<Vec<u8>, AppError> {
        let previewing = PREVIEW.try_with(Arc::clone).ok();
        if previewing.is_some() {
            doc.number = blank_number(&doc.number);
        }
        let fonts = self.fonts()?;
        let created = self.clock.now().naive_utc();
        let pdf =
            tokio::task::spawn_blocking(move || crate::documents::render(&doc, &fonts, created))
                .await
                .map_err(AppError::internal)?
                .map_err(|e| AppError::internal(format!("pdf: {e}")))?;
        match previewing {
            Some(slot) => {
                if let Ok(mut s) = slot.lock() {
                    *s = Some(pdf);
                }
                Err(AppError::conflict(PREVIEWED, "预览已生成"))
            }
            None => Ok(pdf),
        }
    }

    pub fn calendar(&self) -> Arc<Calendar> {
        match self.calendar.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Re-read the stored years (at start and after an administrator saves one).
    pub async fn reload_calendar(&self) -> Result<(), sqlx::Error> {
        let cal = Arc::new(crate::calendar::store::load(&self.db, self.clock.today()).await?);
        match self.calendar.write() {
            Ok(mut c) => *c = cal,
            Err(poisoned) => *poisoned.into_inner() = cal,
        }
        Ok(())
    }

    /// The acting party for work the platform does by itself (`what`: the job), at this moment.
    pub fn system(&self, what: &str) -> crate::audit::Who {
        crate::audit::Who::system(what, self.clock.now())
    }
}

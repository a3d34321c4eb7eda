//! The search operation the page and the API share: catch the index up, query it within the
//! person's scope, confirm each hit against the database, and cut the snippets.

use super::index::Searcher;
use super::{Kind, Piece, Query, readable, snippet, source, words};
use crate::access::Actor;
use crate::context::Ctx;
use crate::error::AppError;

/// Hits per page.
pub const PAGE_SIZE: usize = 20;
/// Characters of text around the first match.
const SNIPPET_CHARS: usize = 80;

/// One record found.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Hit {
    pub kind: Kind,
    /// 重大案件, 案件移送 …
    pub kind_label: &'static str,
    pub id: i64,
    pub title: String,
    /// The text around the first match, matched words marked.
    pub snippet: Vec<Piece>,
    /// The record's stored state code.
    pub state: String,
    /// The record's date (received, sent, held, due …), YYYY-MM-DD.
    pub date: Option<String>,
    /// Its page.
    pub url: String,
}

/// A page of results.
pub struct Results {
    pub hits: Vec<Hit>,
    pub page: i64,
    pub has_more: bool,
    /// Matches in all within the person's scope.
    pub total: i64,
    /// When nothing was found: what the query probably meant, if a record in scope says so.
    pub suggestion: Option<String>,
}

fn url(kind: Kind, id: i64) -> String {
    match kind {
        Kind::Case => format!("/cases/{id}"),
        Kind::Transfer => format!("/transfers/{id}"),
        Kind::LinkageRequest => format!("/linkage/requests/{id}"),
        Kind::LinkageMeeting => format!("/linkage/meetings/{id}"),
        Kind::Task => format!("/tasks/{id}"),
        Kind::Meeting => format!("/meetings/{id}"),
        Kind::Circular => format!("/circulars/{id}"),
        Kind::Inspection => format!("/inspections/{id}"),
        Kind::UnitReport => "/reports".to_string(),
        Kind::Unit => format!("/units/{id}"),
        Kind::User => format!("/users/{id}"),
    }
}

/// Page `page` (from 1) of what `actor` finds for `q`.
pub async fn find(ctx: &Ctx, actor: &Actor, q: &Query, page: i64) -> Result<Results, AppError> {
    let index = ctx.search()?;
    // A person finds what they just wrote; a long catch-up elsewhere delays them 2 s at most.
    index
        .catch_up_for_search(&ctx.db, std::time::Duration::from_secs(2))
        .await?;
    let kinds = readable(actor);
    let page = page.max(1);
    let offset = usize::try_from(page - 1).unwrap_or(0) * PAGE_SIZE;
    // The index is read on the blocking pool: scoring thousands of matches is CPU work that
    // would otherwise hold an async worker. The suggestion is looked for in the same pass when
    // nothing was found.
    let (found, total, suggestion) = {
        let (index, q, kinds) = (index.clone(), q.clone(), kinds.clone());
        let (unit_id, user_id) = (actor.unit_id, actor.user_id);
        tokio::task::spawn_blocking(move || -> Result<_, AppError> {
            let who = Searcher {
                readable: &kinds,
                unit_id,
                user_id,
            };
            // One past the page tells whether another follows.
            let (found, total) = index.search(&q, &who, offset, PAGE_SIZE + 1)?;
            let suggestion = if total == 0 && page == 1 {
                index.suggest(&q, &who)?
            } else {
                None
            };
            Ok((found, total, suggestion))
        })
        .await
        .map_err(AppError::internal)??
    };
    let has_more = found.len() > PAGE_SIZE;
    let found: Vec<_> = found.into_iter().take(PAGE_SIZE).collect();

    // Every hit confirmed with its list's own predicate before anything of it is shown.
    let asked: Vec<(Kind, &crate::access::Scope, Vec<i64>)> = kinds
        .iter()
        .map(|(kind, scope)| {
            let ids = found
                .iter()
                .filter(|f| f.kind == *kind)
                .map(|f| f.id)
                .collect();
            (*kind, scope, ids)
        })
        .collect();
    let confirmed = source::confirm(&ctx.db, actor, &asked).await?;
    let mut terms = words(&q.text);
    terms.push(q.text.to_lowercase());
    let hits = found
        .into_iter()
        .filter(|f| confirmed.contains(&(f.kind, f.id)))
        .map(|f| Hit {
            kind: f.kind,
            kind_label: f.kind.label(),
            id: f.id,
            snippet: snippet(&f.body, &terms, SNIPPET_CHARS),
            url: url(f.kind, f.id),
            title: f.title,
            state: f.state,
            date: f.date.map(|d| d.to_string()),
        })
        .collect();
    Ok(Results {
        suggestion,
        hits,
        page,
        has_more,
        total: i64::try_from(total).unwrap_or(i64::MAX),
    })
}

//! Yearly document and record number sequences (`doc_sequences`): case codes, letters,
//! transfer documents. Numbers are unique and gapless per series and year.
//!
//! An office's documents are numbered by the organ that issues them (`official_number`): the
//! same choice gives the red header and the prefix, so 信打假通〔2026〕1号 comes under the
//! group's header and 信打假办督〔2026〕7号 under the office's (GB/T 9704-2012 7.2.1, 7.2.4).

use chrono::Datelike;

use crate::db::Tx;
use crate::error::AppResult;

/// The next number in a yearly sequence. Taking the row lock by updating it first keeps the
/// numbers unique and gapless when two are issued at once; a rolled-back transaction gives its
/// number back.
pub async fn next_number(tx: &mut Tx, series: &str, year: i32) -> Result<i64, sqlx::Error> {
    let updated: Option<i64> = sqlx::query_scalar(
        "UPDATE doc_sequences SET last = last + 1 WHERE series = $1 AND year = $2 RETURNING last",
    )
    .bind(series)
    .bind(i64::from(year))
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(n) = updated {
        return Ok(n);
    }
    // First number of the year; a concurrent first insert makes one of us retry the update.
    let inserted = sqlx::query(
        "INSERT INTO doc_sequences (series, year, last) VALUES ($1, $2, 1) ON CONFLICT DO NOTHING",
    )
    .bind(series)
    .bind(i64::from(year))
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok(1);
    }
    sqlx::query_scalar(
        "UPDATE doc_sequences SET last = last + 1 WHERE series = $1 AND year = $2 RETURNING last",
    )
    .bind(series)
    .bind(i64::from(year))
    .fetch_one(&mut **tx)
    .await
}

/// The document-number prefix of a unit: its short name (e.g. 信打假办), else `fallback`.
pub async fn prefix(tx: &mut Tx, unit_id: i64, fallback: &str) -> AppResult<String> {
    let short: Option<Option<String>> =
        sqlx::query_scalar("SELECT short_name FROM units WHERE id = $1")
            .bind(unit_id)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(short
        .flatten()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| fallback.to_string()))
}

/// The next document number of `kind` (督, 通, 移, …) for the unit in the year of `on` (the
/// issuing day), in the official form "信打假办督〔2026〕7号".
pub async fn document_number(
    tx: &mut Tx,
    unit_id: i64,
    kind: &str,
    fallback_prefix: &str,
    on: chrono::NaiveDate,
) -> AppResult<String> {
    let year = on.year();
    let prefix = prefix(tx, unit_id, fallback_prefix).await?;
    // A preview shows the number blank and does not touch (or lock) the sequence.
    if crate::context::previewing() {
        return Ok(format!("{prefix}{kind}〔{year}〕　号"));
    }
    let n = next_number(tx, &format!("{kind}:{unit_id}"), year).await?;
    Ok(format!("{prefix}{kind}〔{year}〕{n}号"))
}

/// An office document of `kind`: who issues it (header, signature and 印发机关) and its next
/// number in that organ's yearly sequence for the year of `on`, e.g. 信打假通〔2026〕1号 from
/// the group or 信打假办督〔2026〕7号 from the office (`documents::issuers`). The office's own
/// sequences keep the key they always had, so its numbers go on where they were.
pub async fn official_number(
    tx: &mut Tx,
    office: i64,
    kind: crate::documents::issuers::Kind,
    on: chrono::NaiveDate,
) -> AppResult<(crate::documents::issuers::Issuer, String)> {
    let issuer = crate::documents::issuers::issuer(tx, office, kind).await?;
    let (prefix, series, year) = (&issuer.prefix, kind.series(), on.year());
    // A preview shows the number blank and does not touch (or lock) the sequence.
    if crate::context::previewing() {
        let number = format!("{prefix}{series}〔{year}〕　号");
        return Ok((issuer, number));
    }
    let n = next_number(tx, &format!("{series}:{}", issuer.unit_id), year).await?;
    let number = format!("{prefix}{series}〔{year}〕{n}号");
    Ok((issuer, number))
}

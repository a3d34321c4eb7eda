//! The accessibility audit of the browser tests of the pages built for issue #16
//! (`#[path = "a11y/audit.rs"] mod audit;`): the shared WCAG audit of `common::browser::audit`
//! (labels, announced errors, contrast, third-party resources, language, skip link, viewport),
//! and then the page's outline as a screen reader reads it, which that audit does not look at:
//! one `h1`, headings that do not skip a level, a name for every button, link and chart, column
//! headers on every table with no row wider than them, unique ids and the ids that ARIA
//! attributes and labels name, and the page's title.

use fantoccini::Client;

use crate::common::browser::{Ctx, Step, audit};

const OUTLINE: &str = r#"
var problems = [];
var h1 = document.querySelectorAll('h1');
if (h1.length !== 1) problems.push(h1.length + ' h1 headings');
var last = 0;
document.querySelectorAll('main h1, main h2, main h3, main h4, main h5, main h6').forEach(function (h) {
  var level = parseInt(h.tagName.substring(1), 10);
  if (last && level > last + 1) problems.push('heading skips from h' + last + ' to h' + level + ': ' + h.textContent.trim());
  last = level;
});
function named(el) {
  var label = el.getAttribute('aria-label');
  if (label && label.trim()) return true;
  var by = el.getAttribute('aria-labelledby');
  if (by && by.split(/\s+/).every(function (id) { var e = document.getElementById(id); return e && e.textContent.trim(); })) return true;
  if (el.labels && Array.prototype.some.call(el.labels, function (l) { return l.textContent.trim(); })) return true;
  var title = el.getAttribute('title');
  return !!(title && title.trim());
}
function what(el) { return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.name ? '[name=' + el.name + ']' : ''); }
document.querySelectorAll('button').forEach(function (b) {
  if (!b.textContent.trim() && !named(b)) problems.push('button without a name: ' + what(b));
});
document.querySelectorAll('a[href]').forEach(function (a) {
  if (!a.textContent.trim() && !named(a)) problems.push('link without a name: ' + a.getAttribute('href'));
});
document.querySelectorAll('main table').forEach(function (t) {
  var name = t.id || '(table without id)';
  var heads = t.querySelectorAll('thead th');
  if (!heads.length) problems.push('table without column headers: ' + name);
  heads.forEach(function (th) { if (!th.textContent.trim() && !named(th)) problems.push('empty column header in ' + name); });
  var cols = 0;
  var first = t.querySelector('thead tr');
  if (first) Array.prototype.forEach.call(first.cells, function (c) { cols += c.colSpan; });
  t.querySelectorAll('tbody tr').forEach(function (tr) {
    var n = 0;
    Array.prototype.forEach.call(tr.cells, function (c) { n += c.colSpan; });
    if (n > cols) problems.push('a row of ' + name + ' has ' + n + ' cells under ' + cols + ' headers');
  });
});
document.querySelectorAll('svg[role=img]').forEach(function (s) {
  if (!(s.getAttribute('aria-label') || '').trim()) problems.push('chart without a name');
});
var ids = {};
document.querySelectorAll('[id]').forEach(function (e) {
  if (ids[e.id]) problems.push('duplicate id ' + e.id);
  ids[e.id] = true;
});
['aria-describedby', 'aria-labelledby', 'for'].forEach(function (attr) {
  document.querySelectorAll('[' + attr + ']').forEach(function (e) {
    e.getAttribute(attr).split(/\s+/).forEach(function (id) {
      if (id && !document.getElementById(id)) problems.push(attr + ' names no element: ' + id);
    });
  });
});
if (!document.title.trim()) problems.push('the page has no title');
return problems;
"#;

/// Fail with the problems the audits find on `page`, the page now in the browser.
pub async fn audit_page(c: &Client, page: &str) -> Step<()> {
    audit(c, page).await?;
    let found = c
        .execute(OUTLINE, vec![])
        .await
        .ctx(&format!("reading the outline of {page}"))?;
    let problems: Vec<String> = serde_json::from_value(found).ctx("the audit's findings")?;
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{page}: {}", problems.join("; ")))
    }
}

//! A small builder for SQL assembled at run time (filters, data-scope predicates, paging),
//! keeping every value a bound parameter.

use sqlx::any::AnyArguments;
use sqlx::{Any, Arguments};

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(i64),
    Text(String),
    /// A NULL of type text.
    Null,
    /// A NULL of an integer type: PostgreSQL refuses a text NULL for an integer column in a
    /// multi-row VALUES list.
    NullInt,
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_string())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Self {
        v.map(Value::Text).unwrap_or(Value::Null)
    }
}
impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Self {
        v.map(Value::Int).unwrap_or(Value::NullInt)
    }
}

#[derive(Debug, Default, Clone)]
pub struct Sql {
    text: String,
    values: Vec<Value>,
    /// Placeholders as anonymous `?` (SQLite bulk statements, see [`Sql::bulk`]) rather than
    /// numbered `$N`.
    anonymous: bool,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Sql {
            text: text.to_string(),
            values: Vec::new(),
            anonymous: false,
        }
    }

    /// A statement that carries many rows of values (see [`bulk_rows`]). On SQLite its
    /// placeholders are anonymous `?`: SQLite finds a numbered `$N` by a linear scan of the
    /// statement's parameter names, once per parameter and execution, so binding a statement
    /// with n numbered parameters costs n² (7,000 took ~0.1 s); anonymous ones bind in order.
    /// The builder numbers placeholders in text order, so the two forms bind the same values.
    pub fn bulk(conn: &sqlx::AnyConnection, text: &str) -> Self {
        let mut q = Sql::new(text);
        q.anonymous = is_sqlite(conn);
        q
    }

    /// Append literal SQL (never user input).
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Append ` LIMIT n OFFSET m` as integer literals, not parameters: the planner must know
    /// the page is small to read an index in order and stop early. With SQLite's planner
    /// stability guarantee (.cargo/config.toml) a bound LIMIT is planned as unknown, and the
    /// office's case list fell from thousands of requests a second to tens. Each distinct
    /// page is then its own cached statement; only the first pages are hot.
    pub fn limit_offset(&mut self, limit: i64, offset: i64) -> &mut Self {
        self.text
            .push_str(&format!(" LIMIT {} OFFSET {}", limit.max(0), offset.max(0)));
        self
    }

    /// Append a placeholder bound to `value`.
    pub fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        if self.anonymous {
            self.text.push('?');
        } else {
            self.text.push_str(&format!("${}", self.values.len()));
        }
        self
    }

    /// Append another fragment, renumbering its placeholders.
    pub fn append(&mut self, other: Sql) -> &mut Self {
        let offset = self.values.len();
        let mut out = String::with_capacity(other.text.len());
        let mut chars = other.text.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '$' {
                let mut n = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    n.push(*d);
                    chars.next();
                }
                match n.parse::<usize>() {
                    Ok(_) if self.anonymous => out.push('?'),
                    Ok(i) => out.push_str(&format!("${}", i + offset)),
                    Err(_) => out.push('$'),
                }
            } else {
                out.push(c);
            }
        }
        self.text.push_str(&out);
        self.values.extend(other.values);
        self
    }

    /// Append rows of bound values, "($1, $2), ($3, $4)", for a multi-row INSERT or a
    /// `WITH v(...) AS (VALUES ...)` list (both databases accept either).
    pub fn rows<R>(&mut self, rows: impl IntoIterator<Item = R>) -> &mut Self
    where
        R: IntoIterator<Item = Value>,
    {
        for (i, row) in rows.into_iter().enumerate() {
            self.push(if i == 0 { "(" } else { ", (" });
            for (j, v) in row.into_iter().enumerate() {
                if j > 0 {
                    self.push(", ");
                }
                self.bind(v);
            }
            self.push(")");
        }
        self
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// The text is assembled only from literal SQL in this crate and numbered placeholders;
    /// every value travels as a bound argument, so it is safe to hand to the driver.
    fn sql(&self) -> sqlx::AssertSqlSafe<String> {
        sqlx::AssertSqlSafe(self.text.clone())
    }

    pub fn arguments(&self) -> AnyArguments {
        let mut args = AnyArguments::default();
        for v in &self.values {
            // Adding an owned i64/String/None cannot fail for the Any driver.
            let _ = match v {
                Value::Int(i) => args.add(*i),
                Value::Text(s) => args.add(s.clone()),
                Value::Null => args.add(Option::<String>::None),
                Value::NullInt => args.add(Option::<i64>::None),
            };
        }
        args
    }

    pub fn query(&self) -> sqlx::query::Query<'_, Any, AnyArguments> {
        sqlx::query_with(self.sql(), self.arguments())
    }

    pub fn query_as<T>(&self) -> sqlx::query::QueryAs<'_, Any, T, AnyArguments>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        sqlx::query_as_with(self.sql(), self.arguments())
    }

    pub fn query_scalar<T>(&self) -> sqlx::query::QueryScalar<'_, Any, T, AnyArguments>
    where
        (T,): for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        sqlx::query_scalar_with(self.sql(), self.arguments())
    }
}

pub(crate) fn is_sqlite(conn: &sqlx::AnyConnection) -> bool {
    conn.backend_name().eq_ignore_ascii_case("sqlite")
}

/// How many rows of `columns` bound values one [`Sql::bulk`] statement should carry on `conn`:
/// up to 20,000 parameters on SQLite (its limit is 32,766) and 6,000 on PostgreSQL, where each
/// statement is a round trip but very long lists plan and encode slowly.
pub fn bulk_rows(conn: &sqlx::AnyConnection, columns: usize) -> usize {
    let params = if is_sqlite(conn) { 20_000 } else { 6_000 };
    (params / columns.max(1)).max(1)
}

/// Escape `%`, `_` and `\` for a LIKE pattern used with `ESCAPE '\'`.
pub fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binds_are_numbered_and_appended() {
        let mut a = Sql::new("SELECT * FROM t WHERE a = ");
        a.bind(1);
        let mut b = Sql::new("");
        b.push(" AND b = ").bind("x").push(" AND c = ").bind(2);
        a.append(b);
        assert_eq!(
            a.text(),
            "SELECT * FROM t WHERE a = $1 AND b = $2 AND c = $3"
        );
        assert_eq!(a.values().len(), 3);
    }

    #[test]
    fn rows_bind_in_order_numbered_or_anonymous() {
        let rows = || {
            vec![
                [Value::from(1), Value::from("a")],
                [Value::from(2), Value::NullInt],
            ]
        };
        let mut q = Sql::new("INSERT INTO t (a, b) VALUES ");
        q.rows(rows());
        assert_eq!(q.text(), "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)");
        let mut q = Sql::new("INSERT INTO t (a, b) VALUES ");
        q.anonymous = true;
        q.rows(rows()).push(" RETURNING ").bind(5);
        let mut tail = Sql::new(" AND c = ");
        tail.bind(6);
        q.append(tail);
        assert_eq!(
            q.text(),
            "INSERT INTO t (a, b) VALUES (?, ?), (?, ?) RETURNING ? AND c = ?"
        );
        assert_eq!(q.values().len(), 6);
        assert_eq!(q.values()[5], Value::Int(6));
    }

    #[test]
    fn paging_is_literal_and_never_negative() {
        let mut q = Sql::new("SELECT id FROM t WHERE a = ");
        q.bind(1).limit_offset(21, 40);
        assert_eq!(q.text(), "SELECT id FROM t WHERE a = $1 LIMIT 21 OFFSET 40");
        assert_eq!(q.values().len(), 1);
        let mut q = Sql::new("SELECT id FROM t");
        q.limit_offset(-1, -20);
        assert_eq!(q.text(), "SELECT id FROM t LIMIT 0 OFFSET 0");
    }

    #[test]
    fn escapes_like() {
        assert_eq!(like_escape("50%_a\\"), "50\\%\\_a\\\\");
    }
}

/// One page of a list: page `page` (from 1) of `size` rows, in the list's own order. The store
/// reads one row past the window (`sql`), so that whoever shows it knows whether another page
/// follows (`rows` drops that row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub page: i64,
    pub size: i64,
}

impl Window {
    pub fn first(size: i64) -> Self {
        Window { page: 1, size }
    }

    pub fn page(page: i64, size: i64) -> Self {
        Window {
            page: page.max(1),
            size,
        }
    }

    /// ` LIMIT size+1 OFFSET …`, to end a statement ordered by the list's order.
    pub fn sql(&self) -> String {
        format!(
            " LIMIT {} OFFSET {}",
            self.size + 1,
            (self.page - 1).saturating_mul(self.size)
        )
    }

    /// The rows of the window, and whether more follow.
    pub fn cut<T>(&self, mut rows: Vec<T>) -> (Vec<T>, bool) {
        let more = rows.len() as i64 > self.size;
        rows.truncate(self.size.max(0) as usize);
        (rows, more)
    }

    /// The rows of the window.
    pub fn rows<T>(&self, rows: Vec<T>) -> Vec<T> {
        self.cut(rows).0
    }
}

#[cfg(test)]
mod window_tests {
    use super::Window;

    #[test]
    fn a_window_reads_one_row_past_itself_and_says_whether_more_follow() {
        assert_eq!(Window::first(200).sql(), " LIMIT 201 OFFSET 0");
        assert_eq!(Window::page(3, 100).sql(), " LIMIT 101 OFFSET 200");
        assert_eq!(Window::page(0, 100), Window::first(100));
        let w = Window::first(2);
        assert_eq!(w.cut(vec![1, 2, 3]), (vec![1, 2], true));
        assert_eq!(w.cut(vec![1, 2]), (vec![1, 2], false));
        assert_eq!(w.rows(vec![1]), vec![1]);
    }
}

//! A record's child rows, read either on their own or nested as one JSON array column of the
//! parent's query. A record page that reads six small child lists in one statement instead of
//! six saves five round trips; on PostgreSQL each costs about as much as the query itself
//! (bench/RESULTS.md). One description serves both forms, so they cannot drift apart.

use super::Dialect;

/// Child rows of one kind: each column as (JSON key and column alias, SQL expression), the
/// tables with the condition tying them to the parent (`{id}` stands for the parent's id), and
/// their order.
pub struct Children {
    pub columns: &'static [(&'static str, &'static str)],
    pub from_where: &'static str,
    pub order_by: &'static str,
}

impl Children {
    fn tables_for(&self, id: &str) -> String {
        self.from_where.replace("{id}", id)
    }

    /// The rows on their own, the parent's id bound as `$1`.
    pub fn select(&self) -> String {
        let cols: Vec<String> = self
            .columns
            .iter()
            .map(|(key, expr)| format!("{expr} AS {key}"))
            .collect();
        format!(
            "SELECT {} FROM {} ORDER BY {}",
            cols.join(", "),
            self.tables_for("$1"),
            self.order_by
        )
    }

    /// A scalar subquery giving the rows as a JSON array of objects (text, `[]` when none),
    /// for the parent whose id is the expression `id`.
    pub fn json_array(&self, dialect: Dialect, id: &str) -> String {
        let (agg, object) = match dialect {
            Dialect::Sqlite => ("json_group_array", "json_object"),
            Dialect::Postgres => ("json_agg", "json_build_object"),
        };
        let pairs: Vec<String> = self
            .columns
            .iter()
            .map(|(key, expr)| format!("'{key}', {expr}"))
            .collect();
        // The Any driver carries no JSON type: the array comes back as text.
        format!(
            "CAST(COALESCE((SELECT {agg}({object}({}) ORDER BY {}) FROM {}), '[]') AS TEXT)",
            pairs.join(", "),
            self.order_by,
            self.tables_for(id)
        )
    }

    /// The rows on their own, for the parent `id`. The SQL is assembled per call: these reads
    /// serve documents and dossiers, not the hot page, which nests them.
    pub async fn fetch_all<'e, T>(
        &self,
        exec: impl sqlx::Executor<'e, Database = sqlx::Any>,
        id: i64,
    ) -> Result<Vec<T>, sqlx::Error>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    {
        sqlx::query_as(sqlx::AssertSqlSafe(self.select()))
            .bind(id)
            .fetch_all(exec)
            .await
    }
}

/// Decode the JSON array column `column` read through [`Children::json_array`].
pub fn decode<T: serde::de::DeserializeOwned>(
    row: &sqlx::any::AnyRow,
    column: &str,
) -> Result<Vec<T>, sqlx::Error> {
    use sqlx::Row;
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Children = Children {
        columns: &[("id", "t.id"), ("name", "u.name")],
        from_where: "things t JOIN units u ON u.id = t.unit_id WHERE t.parent_id = {id}",
        order_by: "t.id",
    };

    #[test]
    fn one_description_two_forms() {
        assert_eq!(
            T.select(),
            "SELECT t.id AS id, u.name AS name FROM things t JOIN units u ON u.id = t.unit_id \
             WHERE t.parent_id = $1 ORDER BY t.id"
        );
        assert_eq!(
            T.json_array(Dialect::Postgres, "c.id"),
            "CAST(COALESCE((SELECT json_agg(json_build_object('id', t.id, 'name', u.name) ORDER BY t.id) \
             FROM things t JOIN units u ON u.id = t.unit_id WHERE t.parent_id = c.id), '[]') AS TEXT)"
        );
        assert!(
            T.json_array(Dialect::Sqlite, "$1")
                .starts_with("CAST(COALESCE((SELECT json_group_array(json_object('id', t.id")
        );
    }
}

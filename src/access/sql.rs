//! Data scope as SQL: predicates that every list and lookup of a scoped resource appends, so
//! records outside the scope are never read, whatever link or id a request carries.

use super::scope::Scope;
use crate::db::query::Sql;

/// Predicate: the six-digit division code in `column` lies under `prefix` ("4115" → 411500
/// to 411599). Written as a range, not `LIKE 'prefix%'`: SQLite recompiles a statement every
/// time a value is bound to a LIKE pattern (its LIKE optimisation depends on the value), which
/// made every scoped request parse and plan its SQL afresh. Digit strings of equal length
/// compare the same under any collation, so PostgreSQL agrees.
pub fn region_within(column: &str, prefix: &str) -> Sql {
    let mut s = Sql::default();
    s.push(&format!("{column} BETWEEN "))
        .bind(format!("{prefix:0<6}"))
        .push(" AND ")
        .bind(format!("{prefix:9<6}"));
    s
}

/// Predicate over a `units` row aliased `alias` (the unit itself is the party).
pub fn unit_in_scope(scope: &Scope, alias: &str) -> Sql {
    let mut s = Sql::default();
    match scope {
        Scope::All => {
            s.push("1=1");
        }
        Scope::Region(prefix) => {
            s.append(region_within(&format!("{alias}.region_code"), prefix));
        }
        Scope::Unit(id) => {
            s.push(&format!("{alias}.id = ")).bind(*id);
        }
    }
    s
}

/// Predicate: one of the unit-id expressions `columns` names a unit in scope (for records that
/// carry their party units in their own columns, like the audit trail).
pub fn any_unit_in_scope(scope: &Scope, columns: &[&str]) -> Sql {
    let list = columns.join(", ");
    let mut s = Sql::default();
    match scope {
        Scope::All => {
            s.push("1=1");
        }
        Scope::Unit(id) => {
            s.push("(");
            for (i, c) in columns.iter().enumerate() {
                if i > 0 {
                    s.push(" OR ");
                }
                s.push(&format!("{c} = ")).bind(*id);
            }
            s.push(")");
        }
        Scope::Region(_) => {
            s.push(&format!(
                "EXISTS (SELECT 1 FROM units pu WHERE pu.id IN ({list}) AND "
            ));
            s.append(unit_in_scope(scope, "pu"));
            s.push(")");
        }
    }
    s
}

/// Predicate for records of `resource` whose parties are listed in `record_parties`; `id_expr`
/// is the record's id column. Later capabilities (cases, transfers, tasks) plug in here.
pub fn parties_in_scope(scope: &Scope, resource: &str, id_expr: &str) -> Sql {
    let mut s = Sql::default();
    match scope {
        Scope::All => {
            s.push("1=1");
        }
        // Driven from the unit's own party rows (an index on unit_id), so a unit party to a
        // few records among millions does not scan them all.
        Scope::Unit(id) => {
            s.push(&format!(
                "{id_expr} IN (SELECT rp.record_id FROM record_parties rp WHERE rp.resource = "
            ))
            .bind(resource)
            .push(" AND rp.unit_id = ")
            .bind(*id)
            .push(")");
        }
        Scope::Region(_) => {
            s.push("EXISTS (SELECT 1 FROM record_parties rp JOIN units pu ON pu.id = rp.unit_id WHERE rp.resource = ")
                .bind(resource)
                .push(&format!(" AND rp.record_id = {id_expr} AND "));
            s.append(unit_in_scope(scope, "pu"));
            s.push(")");
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(unit_in_scope(&Scope::All, "u").text(), "1=1");
        assert_eq!(
            unit_in_scope(&Scope::Region("4115".into()), "u").text(),
            "u.region_code BETWEEN $1 AND $2"
        );
        let s = any_unit_in_scope(&Scope::Unit(3), &["a.x", "a.y"]);
        assert_eq!(s.text(), "(a.x = $1 OR a.y = $2)");
        let s = parties_in_scope(&Scope::Region("4115".into()), "case", "c.id");
        assert!(s.text().contains("rp.resource = $1") && s.text().contains("BETWEEN $2 AND $3"));
    }

    /// The range holds exactly the codes the prefix starts, for every prefix length in use.
    #[test]
    fn region_range_matches_the_prefix() {
        use crate::domain::RegionCode;
        let codes = [
            "411500", "411502", "411521", "411599", "411600", "411499", "410000",
        ];
        for prefix in ["41", "4115", "411521"] {
            let lo = format!("{prefix:0<6}");
            let hi = format!("{prefix:9<6}");
            for c in codes {
                let code = RegionCode::parse(c).expect("code");
                let in_range = lo.as_str() <= code.as_str() && code.as_str() <= hi.as_str();
                assert_eq!(in_range, c.starts_with(prefix), "{prefix} {c}");
                assert_eq!(
                    Scope::Region(prefix.into()).admits(&[(1, &code)]),
                    in_range,
                    "{prefix} {c}"
                );
            }
        }
    }
}

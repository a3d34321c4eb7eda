//! Which organ issues each kind of the office's numbered documents: the leading group
//! (领导小组) or its office (领导小组办公室). One choice gives both the red 发文机关标志 and the
//! prefix of the 发文字号, so the two always name the same organ (GB/T 9704-2012 7.2.1 and
//! 7.2.4). Each office may set its own choice per kind; what it has not set takes the default
//! here, which follows who signs the kind under the seed rules.

use std::collections::BTreeMap;

use serde_json::json;

use crate::access::{Actor, Role};
use crate::audit::{Entry, Who};
use crate::db::{Db, Tx};
use crate::domain::{FieldErrors, coded_enum};
use crate::error::{AppError, AppResult};

coded_enum! {
    /// The organ in whose name a document goes out.
    Organ {
        Group = "group", "领导小组";
        Office = "office", "领导小组办公室";
    }
}

coded_enum! {
    /// The office's numbered documents whose issuing organ is a choice.
    Kind {
        SupervisionLetter = "supervision_letter", "督办函";
        CaseCircular = "case_circular", "重大案件查处结果通报";
        LeaderReport = "leader_report", "领导批示案件办理情况报告";
        Circular = "circular", "通报";
        Briefing = "briefing", "工作简报";
        GroupMinutes = "group_minutes", "领导小组会议纪要";
        LiaisonMinutes = "liaison_minutes", "联络员会议纪要";
        InspectionReport = "inspection_report", "督导检查报告";
        TypicalCase = "typical_case", "典型案例";
    }
}

impl Kind {
    /// The sequence character of the kind's 发文字号: 信打假办督〔2026〕7号.
    pub fn series(self) -> &'static str {
        match self {
            Kind::SupervisionLetter => "督",
            Kind::CaseCircular | Kind::Circular => "通",
            Kind::LeaderReport => "报",
            Kind::Briefing => "简",
            Kind::GroupMinutes | Kind::LiaisonMinutes => "纪",
            Kind::InspectionReport => "检",
            Kind::TypicalCase => "典",
        }
    }

    /// Who issues the kind when the office has not said, and the rule that says so: a
    /// document the group leader signs is the group's (001 §26 「领导小组文件由领导小组组长
    /// 或其委托的副组长签发」); what the office does by its own duty goes out in its name.
    pub fn default_organ(self) -> (Organ, &'static str) {
        match self {
            Kind::SupervisionLetter => (Organ::Office, "000 §5"),
            Kind::CaseCircular | Kind::LeaderReport => (Organ::Office, "000 §9"),
            Kind::Circular => (Organ::Group, "001 §26；003 三(六)"),
            Kind::Briefing => (Organ::Office, "003 三(三)"),
            Kind::GroupMinutes => (Organ::Group, "001 §21；001 §26"),
            Kind::LiaisonMinutes => (Organ::Office, "001 §23"),
            Kind::InspectionReport => (Organ::Office, "003 三(四)"),
            Kind::TypicalCase => (Organ::Office, "003 三(六)"),
        }
    }
}

/// An office's choices: every kind, its own where it set one, else the default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuers {
    pub own: BTreeMap<Kind, Organ>,
}

impl Issuers {
    pub fn organ(&self, kind: Kind) -> Organ {
        self.own
            .get(&kind)
            .copied()
            .unwrap_or_else(|| kind.default_organ().0)
    }
}

impl PartialOrd for Kind {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Kind {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let at = |k: &Kind| Kind::ALL.iter().position(|x| x == k);
        at(self).cmp(&at(other))
    }
}

/// The choices as sent (`{"circular": "group", …}`): each key a kind, each value an organ; a
/// kind left out keeps the default. Every bad entry is named by its key.
pub fn parse(input: &serde_json::Map<String, serde_json::Value>) -> Result<Issuers, FieldErrors> {
    let mut e = FieldErrors::new();
    let mut own = BTreeMap::new();
    for (key, value) in input {
        let Some(kind) = Kind::parse(key) else {
            e.add(key, "unknown_kind", "没有这类公文");
            continue;
        };
        match value.as_str().and_then(Organ::parse) {
            Some(organ) => {
                own.insert(kind, organ);
            }
            None => e.add(
                key,
                "invalid_organ",
                "发文机关应为“领导小组”（group）或“领导小组办公室”（office）",
            ),
        }
    }
    e.into_result(|| Issuers { own })
}

/// The office's choices as stored.
pub async fn of_office(
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    office: i64,
) -> Result<Issuers, sqlx::Error> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT kind, organ FROM document_issuers WHERE office_unit_id = $1")
            .bind(office)
            .fetch_all(exec)
            .await?;
    // A code this version does not know (a later one stored it) is left to the default.
    let own = rows
        .iter()
        .filter_map(|(k, o)| Some((Kind::parse(k)?, Organ::parse(o)?)))
        .collect();
    Ok(Issuers { own })
}

/// The office director sets, for his own office, which organ issues each kind; kinds not
/// named keep what they were. One transaction with its audit record. Numbers already issued
/// keep their prefix: they are stored as issued, and each organ numbers in its own sequence.
pub async fn set(
    db: &Db,
    actor: &Actor,
    who: &Who,
    input: &serde_json::Map<String, serde_json::Value>,
) -> AppResult<Issuers> {
    // The office director is an office role: no second test of the office.
    if !actor.has(Role::OfficeDirector) {
        return Err(AppError::Forbidden);
    }
    let chosen = parse(input)?;
    let office = actor.unit_id;
    let mut tx = db.begin().await?;
    for (kind, organ) in &chosen.own {
        sqlx::query(
            "INSERT INTO document_issuers (office_unit_id, kind, organ, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (office_unit_id, kind) DO UPDATE SET organ = excluded.organ, updated_at = excluded.updated_at",
        )
        .bind(office)
        .bind(kind.code())
        .bind(organ.code())
        .bind(who.at_text())
        .execute(&mut *tx)
        .await?;
    }
    let now = of_office(&mut *tx, office).await?;
    let summary: serde_json::Map<String, serde_json::Value> = chosen
        .own
        .iter()
        .map(|(k, o)| (k.code().to_string(), json!(o.code())))
        .collect();
    crate::procedure::finish(
        tx,
        who,
        Entry::new("documents.issuers", "unit")
            .object(office, Some(office))
            .summary(json!({ "issuers": summary })),
    )
    .await?;
    Ok(now)
}

/// The organ that issues a document: its name for the red header and the signature, its
/// prefix for the number, the unit whose sequence numbers it, and the office that prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer {
    pub organ: Organ,
    /// 发文机关全称 (header and signature).
    pub name: String,
    /// 发文机关代字 of the number: 信打假 for the group, 信打假办 for its office.
    pub prefix: String,
    /// The unit whose yearly sequences number the organ's documents.
    pub unit_id: i64,
    /// 印发机关: the office, which prints and sends what either organ issues.
    pub office_name: String,
}

/// The prefix of an office without a short name (kept as before, so numbers go on alike).
pub const OFFICE_FALLBACK: &str = "双打办";

/// The group's prefix when it has no short name of its own: its office's prefix without the
/// final 办 (信打假办 → 信打假), as the group and its office abbreviate alike.
pub fn group_prefix(group_short: Option<&str>, office_prefix: &str) -> String {
    if let Some(s) = group_short.map(str::trim).filter(|s| !s.is_empty()) {
        return s.to_string();
    }
    match office_prefix.strip_suffix('办') {
        Some(p) if !p.is_empty() => p.to_string(),
        _ => office_prefix.to_string(),
    }
}

/// Who issues `kind` for `office`, read in the issuing transaction.
pub async fn issuer(tx: &mut Tx, office: i64, kind: Kind) -> AppResult<Issuer> {
    let organ = of_office(&mut **tx, office).await?.organ(kind);
    let row: Option<(String, Option<String>, Option<i64>)> =
        sqlx::query_as("SELECT name, short_name, parent_id FROM units WHERE id = $1")
            .bind(office)
            .fetch_optional(&mut **tx)
            .await?;
    let (office_name, office_short, parent) =
        row.ok_or_else(|| AppError::internal("issuing office missing"))?;
    let office_prefix = office_short
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| OFFICE_FALLBACK.to_string());
    let office_issuer = Issuer {
        organ: Organ::Office,
        name: office_name.clone(),
        prefix: office_prefix.clone(),
        unit_id: office,
        office_name: office_name.clone(),
    };
    if organ == Organ::Office {
        return Ok(office_issuer);
    }
    let group: Option<(i64, String, Option<String>)> = match parent {
        Some(p) => {
            sqlx::query_as(
                "SELECT id, name, short_name FROM units WHERE id = $1 AND kind IN ('leading_group', 'county_group')",
            )
            .bind(p)
            .fetch_optional(&mut **tx)
            .await?
        }
        None => None,
    };
    // An office with no group above it issues in its own name: header and number still agree.
    Ok(match group {
        Some((id, name, short)) => Issuer {
            organ: Organ::Group,
            name,
            prefix: group_prefix(short.as_deref(), &office_prefix),
            unit_id: id,
            office_name,
        },
        None => office_issuer,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_group_abbreviates_as_its_office_without_the_office() {
        assert_eq!(group_prefix(None, "信打假办"), "信打假");
        assert_eq!(group_prefix(Some(" 信双打 "), "信打假办"), "信双打");
        assert_eq!(group_prefix(Some(""), "双打办"), "双打");
        // Nothing to take away: the office's own, rather than an empty prefix.
        assert_eq!(group_prefix(None, "办"), "办");
        assert_eq!(group_prefix(None, "罗双打"), "罗双打");
    }

    #[test]
    fn what_the_leader_signs_is_the_groups_and_the_rest_the_offices() {
        let none = Issuers {
            own: BTreeMap::new(),
        };
        assert_eq!(none.organ(Kind::Circular), Organ::Group);
        assert_eq!(none.organ(Kind::GroupMinutes), Organ::Group);
        for k in [
            Kind::SupervisionLetter,
            Kind::CaseCircular,
            Kind::LeaderReport,
            Kind::Briefing,
            Kind::LiaisonMinutes,
            Kind::InspectionReport,
            Kind::TypicalCase,
        ] {
            assert_eq!(none.organ(k), Organ::Office, "{k:?}");
        }
    }

    #[test]
    fn choices_are_read_field_by_field() {
        let input = json!({"circular": "office", "briefing": "group"});
        let chosen = parse(input.as_object().expect("object")).expect("valid");
        assert_eq!(chosen.organ(Kind::Circular), Organ::Office);
        assert_eq!(chosen.organ(Kind::Briefing), Organ::Group);
        assert_eq!(chosen.organ(Kind::SupervisionLetter), Organ::Office);

        let bad = json!({"circular": "unit", "memo": "office", "briefing": 1});
        let e = parse(bad.as_object().expect("object")).expect_err("invalid");
        let fields: Vec<(String, String)> =
            e.0.iter()
                .map(|f| (f.field.clone(), f.code.clone()))
                .collect();
        assert!(fields.contains(&("circular".into(), "invalid_organ".into())));
        assert!(fields.contains(&("memo".into(), "unknown_kind".into())));
        assert!(fields.contains(&("briefing".into(), "invalid_organ".into())));
    }
}

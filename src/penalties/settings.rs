//! The office's own disclosure and listing periods (issue #15: "the defaults are configurable
//! per office"; "the office must be able to set the periods it applies"). The deployment's
//! `[penalties]` and `[listings]` are the defaults; a leading-group office's director sets his
//! own, within what the rules allow, for the organs of his region (`units::periods`). A
//! decision, listing or objection reads the periods of the office governing its organ's region
//! in its own transaction, when it starts a clock.

use axum::Json;
use axum::extract::State;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{disclosure, listing};
use crate::access::Actor;
use crate::config::Config;
use crate::error::AppResult;
use crate::units::periods::{Bound, Measure, OfficePeriods};
use crate::units::periods_http::{self, Spec};
use crate::web::SharedState;
use crate::web::extract::{ApiJson, ApiUser, CsrfForm, CurrentUser, Query};
use crate::web::page::{MsgQuery, PageResult};

/// The disclosure and listing periods together: one setting, one audit record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditPeriods {
    pub disclosure: disclosure::Periods,
    pub listings: listing::Periods,
}

impl CreditPeriods {
    /// The deployment's.
    pub fn configured(config: &Config) -> CreditPeriods {
        CreditPeriods {
            disclosure: config.penalties,
            listings: config.listings,
        }
    }

    /// The periods that apply to a record of organ `organ`: those of the most specific office
    /// governing the organ's region that set its own (a county office's, else its city's),
    /// over the deployment's. Read in the operation's transaction.
    pub async fn for_organ(
        tx: &mut crate::db::Tx,
        organ: i64,
        default: &CreditPeriods,
    ) -> AppResult<CreditPeriods> {
        crate::units::periods::for_unit(tx, organ, default).await
    }
}

/// What an office may set: the periods the rules give the authorities, as maxima (an office
/// may be quicker, never slower), and the party's time to state its case, as a minimum (an
/// office may give it longer, never less). Not the office's to set, so always the
/// deployment's: the display terms of Order 45 and the listing term of Order 44 (fixed by the
/// rules; an earlier end is credit repair, decided case by case), the minimum listed time
/// before repair, and the small-fine line (the province's, Order 45).
impl OfficePeriods for CreditPeriods {
    const COLUMN: &'static str = "credit_periods";
    const AUDIT: &'static str = "penalty.settings";
    const BOUNDS: &'static [Bound] = &[
        Bound {
            field: "disclosure.publish_workdays",
            matter: "行政处罚信息公示",
            clause: "国发〔2014〕6号：作出决定之日起20个工作日内",
            measure: Measure::WorkingDays,
            min: 1,
            max: 20,
        },
        Bound {
            field: "disclosure.takedown_workdays",
            matter: "处罚决定被撤销等情形撤下公示",
            clause: "《市场监督管理行政处罚信息公示规定》：5个工作日内",
            measure: Measure::WorkingDays,
            min: 1,
            max: 5,
        },
        Bound {
            field: "disclosure.objection_workdays",
            matter: "答复异议",
            clause: "本平台默认15个工作日",
            measure: Measure::WorkingDays,
            min: 1,
            max: 15,
        },
        Bound {
            field: "listings.statement_workdays",
            matter: "当事人陈述、申辩或者申请听证",
            clause: "《市场监督管理行政处罚听证办法》：告知后5个工作日内，可以更长",
            measure: Measure::WorkingDays,
            min: 5,
            max: 15,
        },
        Bound {
            field: "listings.repair_decision_workdays",
            matter: "作出信用修复决定",
            clause: "《市场监督管理严重违法失信名单管理办法》：15个工作日内",
            measure: Measure::WorkingDays,
            min: 1,
            max: 15,
        },
        Bound {
            field: "listings.revoke_workdays",
            matter: "处罚决定被撤销后撤销列入",
            clause: "《市场监督管理严重违法失信名单管理办法》：3个工作日内",
            measure: Measure::WorkingDays,
            min: 1,
            max: 3,
        },
    ];
}

const SPEC: Spec = Spec {
    title: "信用公示期限",
    nav: "/penalties",
    path: "/penalties/settings",
    intro: "本地区行政机关作出的行政处罚决定的公示、撤下，以及严重违法失信名单的告知、列入、信用修复和撤销，按下列期限办理，届满前提醒、逾期督办。办公室可以规定比法定期限更短的办理期限和公示期，给予当事人不少于法定期限的陈述申辩期，并按省级市场监督管理部门的标准确定较低数额罚款。",
    table_id: "credit-periods",
};

pub fn routes() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .route("/penalties/settings", get(page).post(save))
        .routes(routes!(api_get, api_put))
}

async fn page(
    State(state): State<SharedState>,
    cu: CurrentUser,
    Query(q): Query<MsgQuery>,
) -> PageResult {
    let default = CreditPeriods::configured(&state.config);
    periods_http::page(&state, &cu, &SPEC, &default, q.msg.as_deref()).await
}

async fn save(
    State(state): State<SharedState>,
    cu: CurrentUser,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let default = CreditPeriods::configured(&state.config);
    periods_http::save(&state, &cu, &SPEC, &default, &pairs).await
}

/// An office's disclosure and listing periods: its own, or the deployment's.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CreditSettings {
    /// The office set its own (else the deployment's apply).
    pub own: bool,
    pub periods: CreditPeriods,
}

/// The office's periods as it sets them: `null` returns to the deployment's.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditSettingsInput {
    pub periods: Option<CreditPeriods>,
}

async fn settings(state: &SharedState, actor: &Actor) -> AppResult<CreditSettings> {
    let default = CreditPeriods::configured(&state.config);
    let a = periods_http::applied(state, actor, &default).await?;
    Ok(CreditSettings {
        own: a.own,
        periods: a.periods,
    })
}

/// The caller's office's disclosure and listing periods.
#[utoipa::path(get, path = "/api/v1/penalties/settings", tag = "penalties",
    responses((status = 200, body = CreditSettings), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_get(
    State(state): State<SharedState>,
    u: ApiUser,
) -> AppResult<Json<CreditSettings>> {
    Ok(Json(settings(&state, &u.actor).await?))
}

/// The office director sets his office's disclosure and listing periods (each within what the
/// rules allow), or `null` to return to the deployment's.
#[utoipa::path(put, path = "/api/v1/penalties/settings", tag = "penalties",
    request_body = CreditSettingsInput,
    responses((status = 200, body = CreditSettings), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_put(
    State(state): State<SharedState>,
    u: ApiUser,
    ApiJson(input): ApiJson<CreditSettingsInput>,
) -> AppResult<Json<CreditSettings>> {
    let default = CreditPeriods::configured(&state.config);
    crate::units::periods::set(&state.db, &u.actor, &u.who, input.periods, &default)
        .await
        .map_err(|e| e.under("periods"))?;
    Ok(Json(settings(&state, &u.actor).await?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::periods::check;

    fn law() -> CreditPeriods {
        CreditPeriods {
            disclosure: disclosure::Periods::default(),
            listings: listing::Periods::default(),
        }
    }

    #[test]
    fn the_rules_figures_are_the_bounds_an_office_may_not_pass() {
        assert!(check(&law()).is_ok());
        let mut slow = law();
        slow.disclosure.publish_workdays = 21;
        slow.disclosure.takedown_workdays = 6;
        slow.disclosure.objection_workdays = 16;
        slow.listings.repair_decision_workdays = 16;
        slow.listings.revoke_workdays = 4;
        let e = check(&slow).expect_err("slower than the rules");
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "disclosure.publish_workdays",
                "disclosure.takedown_workdays",
                "disclosure.objection_workdays",
                "listings.repair_decision_workdays",
                "listings.revoke_workdays"
            ]
        );
        assert_eq!(
            e.get("disclosure.publish_workdays"),
            Some(
                "行政处罚信息公示应为1至20个工作日（国发〔2014〕6号：作出决定之日起20个工作日内）"
            )
        );
    }

    /// The display and listing terms and the small-fine line are not the office's: whatever
    /// an office stored, the deployment's apply.
    #[test]
    fn the_fixed_terms_and_the_provinces_line_stay_the_deployments() {
        let deployment = law();
        let mut own = law();
        own.disclosure.publish_workdays = 10;
        own.disclosure.long_years = 1;
        own.disclosure.short_months = 1;
        own.disclosure.small_fine_fen = 100_000_000;
        own.listings.listing_years = 1;
        own.listings.repair_after_years = 0;
        let applied = crate::units::periods::merged(&deployment, &own);
        assert_eq!(applied.disclosure.publish_workdays, 10);
        assert_eq!(
            (
                applied.disclosure.long_years,
                applied.disclosure.short_months,
                applied.disclosure.small_fine_fen,
                applied.listings.listing_years,
                applied.listings.repair_after_years
            ),
            (3, 3, 300_000, 3, 1)
        );
    }

    #[test]
    fn the_party_may_be_given_longer_to_state_its_case_never_less() {
        let mut p = law();
        p.listings.statement_workdays = 10;
        assert!(check(&p).is_ok());
        p.listings.statement_workdays = 4;
        assert!(
            check(&p)
                .expect_err("less than the hearing rules give")
                .get("listings.statement_workdays")
                .is_some()
        );
    }

    #[test]
    fn an_office_may_be_quicker() {
        let mut p = law();
        p.disclosure.publish_workdays = 10;
        p.listings.revoke_workdays = 1;
        assert!(check(&p).is_ok());
        p.listings.revoke_workdays = 0;
        assert!(check(&p).is_err());
    }
}

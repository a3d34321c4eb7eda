//! The settings page of an office's own periods, one for every set (`units::periods`): the
//! table of what applies and what the law allows, and the director's form. Each module
//! routes its page to [`page`] and [`save`] with its [`Spec`] and declares its own API.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};

use super::periods::{self, OfficePeriods, Row};
use crate::access::Actor;
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::web::SharedState;
use crate::web::extract::CurrentUser;
use crate::web::form::Pairs;
use crate::web::page::{Layout, PageResult, render, render_status};

/// What a settings page says of its set.
pub struct Spec {
    pub title: &'static str,
    /// The navigation entry it belongs to.
    pub nav: &'static str,
    /// Its own path (the form posts back to it).
    pub path: &'static str,
    /// The opening paragraph: what the periods are for and what the office may do.
    pub intro: &'static str,
    /// The id of the table of periods.
    pub table_id: &'static str,
}

/// Whether the office set its own, and the periods that apply.
pub struct Applied<P> {
    pub own: bool,
    pub periods: P,
}

/// The reader's office's periods; 403 outside a leading-group office.
pub async fn applied<P: OfficePeriods>(
    state: &SharedState,
    actor: &Actor,
    default: &P,
) -> AppResult<Applied<P>> {
    if !actor.roles.iter().any(|r| r.is_office()) {
        return Err(AppError::Forbidden);
    }
    let own = periods::own::<P>(&state.db.pool, actor.unit_id).await?;
    Ok(Applied {
        own: own.is_some(),
        periods: own.map_or(*default, |o| periods::merged(default, &o)),
    })
}

#[derive(Template)]
#[template(path = "units/periods.html")]
struct PeriodsPage {
    layout: Layout,
    spec: &'static Spec,
    own: bool,
    rows: Vec<Row>,
    may_change: bool,
    refused: bool,
}

fn may_set(actor: &Actor) -> bool {
    actor.has(crate::access::Role::OfficeDirector)
}

/// The page: the periods that apply, and the director's form.
pub async fn page<P: OfficePeriods>(
    state: &SharedState,
    cu: &CurrentUser,
    spec: &'static Spec,
    default: &P,
    msg: Option<&str>,
) -> PageResult {
    let a = applied(state, &cu.actor, default).await?;
    Ok(render(&PeriodsPage {
        layout: Layout::new(cu, spec.title, spec.nav).notice(msg),
        spec,
        own: a.own,
        rows: periods::rows(&a.periods, None, &FieldErrors::new()),
        may_change: may_set(&cu.actor),
        refused: false,
    }))
}

/// The form sent: the office's own periods set (or, with `reset=1`, the deployment's again);
/// a figure that is not a whole number or lies beyond its bounds comes back against its
/// field, as typed.
pub async fn save<P: OfficePeriods>(
    state: &SharedState,
    cu: &CurrentUser,
    spec: &'static Spec,
    default: &P,
    pairs: &[(String, String)],
) -> PageResult {
    let p = Pairs(pairs);
    let chosen = if p.one("reset") == "1" {
        Ok(None)
    } else {
        periods::from_form(default, |f| p.one(f)).map(Some)
    };
    let result = match chosen {
        Ok(chosen) => periods::set(&state.db, &cu.actor, &cu.who, chosen, default).await,
        Err(e) => Err(AppError::Validation(e)),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("{}?msg=saved", spec.path)).into_response()),
        Err(AppError::Validation(errors)) => {
            let a = applied(state, &cu.actor, default).await?;
            let typed = |f: &str| p.one(f);
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &PeriodsPage {
                    layout: Layout::new(cu, spec.title, spec.nav),
                    spec,
                    own: a.own,
                    rows: periods::rows(&a.periods, Some(&typed), &errors),
                    may_change: may_set(&cu.actor),
                    refused: true,
                },
            ))
        }
        Err(e) => Err(e.into()),
    }
}

//! HTTP for the linkage work: transfers, requests and meetings, figures.

pub mod requests;
pub mod stats;
pub mod transfers;

use axum::Router;

use crate::web::SharedState;

pub fn routes() -> Router<SharedState> {
    Router::new()
        .merge(transfers::routes())
        .merge(requests::routes())
        .merge(stats::routes())
}

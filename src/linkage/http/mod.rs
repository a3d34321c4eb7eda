//! HTTP for the linkage work: transfers, requests and meetings, figures.

pub mod requests;
pub mod stats;
pub mod transfers;

use utoipa_axum::router::OpenApiRouter;

use crate::web::SharedState;

pub fn routes() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .merge(transfers::routes())
        .merge(requests::routes())
        .merge(stats::routes())
}

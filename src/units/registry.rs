//! Every unit, as the pages' pickers and filters read it: the registry changes a few times a
//! year and the case list showed all of it on every view (27% of that page's CPU). Kept in the
//! operation context, dropped when this instance changes a unit, and read afresh after
//! [`FRESH_FOR`] so that a change made through another instance shows within that time.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use super::store::{self, Unit};
use crate::access::Scope;
use crate::db::Db;

/// How long a copy serves before it is read again (for changes made by another instance).
const FRESH_FOR: Duration = Duration::from_secs(60);

#[derive(Default)]
pub struct Registry {
    copy: RwLock<Option<(Instant, Arc<Vec<Unit>>)>>,
}

impl Registry {
    /// Every unit, active or not, in the registry's order (region, then id).
    pub async fn all(&self, db: &Db) -> Result<Arc<Vec<Unit>>, sqlx::Error> {
        if let Ok(copy) = self.copy.read()
            && let Some((at, units)) = copy.as_ref()
            && at.elapsed() < FRESH_FOR
        {
            return Ok(units.clone());
        }
        let units = Arc::new(store::list(db, &Scope::All, &Default::default()).await?);
        if let Ok(mut copy) = self.copy.write() {
            *copy = Some((Instant::now(), units.clone()));
        }
        Ok(units)
    }

    /// Forget the copy: a unit was created or changed.
    pub fn invalidate(&self) {
        if let Ok(mut copy) = self.copy.write() {
            *copy = None;
        }
    }
}

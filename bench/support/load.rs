//! Load through `wrk` (support/wrk.rs) as a signed-in caller: a bearer token for the API or a
//! session cookie for pages, `paths` round-robin on 32 connections. Included by bench targets
//! next to `wrk` (`#[path = "support/load.rs"] mod load;`).

use crate::wrk::{Measure, wrk};

/// How the load generator signs in: a bearer token (the API) or a session cookie (pages).
pub enum Auth {
    Bearer(String),
    Cookie(String),
}

impl Auth {
    fn lua(&self) -> String {
        match self {
            Auth::Bearer(t) => format!("wrk.headers[\"Authorization\"] = \"Bearer {t}\"\n"),
            Auth::Cookie(t) => format!("wrk.headers[\"Cookie\"] = \"sd_session={t}\"\n"),
        }
    }
}

/// Hit `paths` round-robin with `connections` concurrent keep-alive connections for `secs`
/// seconds, from `wrk` in its own process.
pub async fn load(
    base: &str,
    auth: &Auth,
    paths: &[String],
    connections: u32,
    secs: u64,
) -> Result<Measure, String> {
    let list: Vec<String> = paths.iter().map(|p| format!("{p:?}")).collect();
    let script = format!(
        "local paths = {{{}}}\nlocal i = 0\n{}\
         request = function()\n  i = i + 1\n  return wrk.format(\"GET\", paths[(i % #paths) + 1])\nend\n",
        list.join(", "),
        auth.lua()
    );
    wrk(base, &script, connections, secs).await
}

//! What the benchmarks share: `wrk` run in its own process with a Lua script, its output read,
//! and a browser session made without signing in. Included by each bench target
//! (`#[path = "support/wrk.rs"] mod wrk;`).

use shuangda::db::Db;

pub struct Measure {
    pub p50: f64,
    pub p99: f64,
    pub rps: f64,
    pub errors: u64,
}

/// Run `wrk` with a Lua `script` and `connections` connections for `secs` seconds.
pub async fn wrk(base: &str, script: &str, connections: u32, secs: u64) -> Result<Measure, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let file = dir.path().join("load.lua");
    std::fs::write(&file, script).map_err(|e| e.to_string())?;
    let script = file;
    // On the blocking pool: the server runs on this process's async workers.
    let (script, base) = (script.clone(), base.to_string());
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("wrk")
            .arg(format!("-t{}", connections.min(2)))
            .arg(format!("-c{connections}"))
            .args(["--latency", "-d"])
            .arg(format!("{secs}s"))
            .arg("-s")
            .arg(&script)
            .arg(&base)
            .output()
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| format!("cannot run wrk ({e}); install it: apt-get install wrk"))?;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    if !out.status.success() {
        return Err(format!(
            "wrk failed: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    parse_wrk(&text).ok_or_else(|| format!("unexpected wrk output:\n{text}"))
}

/// The 50 % and 99 % latencies, requests per second and non-2xx/socket errors from `wrk --latency`.
pub fn parse_wrk(text: &str) -> Option<Measure> {
    let ms = |v: &str| -> Option<f64> {
        let (num, factor) = if let Some(n) = v.strip_suffix("us") {
            (n, 0.001)
        } else if let Some(n) = v.strip_suffix("ms") {
            (n, 1.0)
        } else if let Some(n) = v.strip_suffix('s') {
            (n, 1000.0)
        } else {
            return None;
        };
        num.parse::<f64>().ok().map(|x| x * factor)
    };
    let field = |prefix: &str| -> Option<&str> {
        text.lines()
            .map(str::trim)
            .find(|l| l.starts_with(prefix))
            .and_then(|l| l.split_whitespace().nth(1))
    };
    let errors = text
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("Non-2xx") || l.starts_with("Socket errors"))
        // "Non-2xx or 3xx responses: N", "Socket errors: connect N, read N, write N, timeout N"
        .filter_map(|l| l.split_once(':').map(|(_, counts)| counts))
        .flat_map(|counts| {
            counts
                .split(|c: char| !c.is_ascii_digit())
                .filter_map(|n| n.parse::<u64>().ok())
        })
        .sum();
    Some(Measure {
        p50: ms(field("50%")?)?,
        p99: ms(field("99%")?)?,
        rps: field("Requests/sec:")?.parse().ok()?,
        errors,
    })
}

pub async fn session(db: &Db, username: &str) -> Result<String, Box<dyn std::error::Error>> {
    let id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
        .bind(username)
        .fetch_one(&db.pool)
        .await?;
    let mut tx = db.begin().await?;
    let s = shuangda::auth::session::create(
        &mut tx,
        id,
        None,
        chrono::Duration::hours(12),
        shuangda::clock::Clock::system().now(),
        shuangda::auth::session::Origin::PASSWORD,
    )
    .await?;
    tx.commit().await?;
    Ok(s.token)
}

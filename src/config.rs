//! Configuration: built-in defaults, then a TOML file, then `SHUANGDA_*` environment variables
//! (each later source overrides the earlier). See docs/configuration.md.

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `sqlite:data/shuangda.db` (default) or `postgres://user@host/db`.
    pub database_url: String,
    /// Address to listen on.
    pub bind: String,
    /// Address of the public site (reports and complaints from anyone), on a listener of its
    /// own that serves the public routes only; unset, the public pages are served at
    /// `/public` on the main listener alone.
    pub public_bind: Option<String>,
    /// Handling periods of public reports (《市场监督管理投诉举报处理暂行办法》 by default).
    pub public_reports: crate::public_reports::flow::Periods,
    /// Informant-reward tiers, cap and joint-decision figure (国市监稽规〔2021〕4号 by default).
    pub public_rewards: crate::public_reports::reward::RewardRules,
    /// Disclosure of penalty decisions: the clock to publish, how long a publication stays up
    /// and the small-fine line (国发〔2014〕6号; SAMR Order 45 by default).
    pub penalties: crate::penalties::disclosure::Periods,
    /// The serious-violation list's periods (SAMR Order 44 by default).
    pub listings: crate::penalties::listing::Periods,
    /// Reports and complaints accepted per client address per hour.
    pub public_submissions_per_address: usize,
    /// Failed tracking lookups allowed per client address per 5 minutes.
    pub public_lookup_failures_per_address: usize,
    /// Reports and complaints accepted against one subject (credit code, else enterprise name,
    /// else shop) per 24 hours, from whatever addresses.
    pub public_submissions_per_subject: usize,
    /// Send notices to reporters who asked for them when their report moves (off by default):
    /// by e-mail (with `smtp_url`) and/or to `public_notice_hook`.
    pub public_notices: bool,
    /// An outbound hook for reporters' notices (an SMS gateway): each notice is POSTed to it as
    /// JSON `{tracking_no, phone, email, text}`.
    pub public_notice_hook: Option<String>,
    /// The public site's address, for the tracking link in notices (default `public_url`).
    pub public_site_url: Option<String>,
    /// Leading zero bits the public site's proof of work asks for (each one doubles the work;
    /// 16 takes a phone about a second).
    pub public_challenge_bits: u32,
    /// Directory for the SQLite database and, later, stored files.
    pub data_dir: PathBuf,
    pub db_max_connections: u32,
    /// SQLite only: `full` (default) makes every acknowledged write survive power loss;
    /// `normal` is faster and may lose the last commits on an operating-system crash.
    pub sqlite_synchronous: crate::db::SqliteSynchronous,
    /// Minutes without activity after which a session ends.
    pub session_idle_minutes: i64,
    /// Hours after which a session ends regardless of activity.
    pub session_lifetime_hours: i64,
    /// Mark cookies `Secure` (set when served over HTTPS, directly or behind a proxy).
    pub cookie_secure: bool,
    /// `Strict-Transport-Security: max-age=…` sent with every response when `cookie_secure` is
    /// set (served over HTTPS); 0 sends none.
    pub hsts_max_age_seconds: u64,
    /// `text` or `json`.
    pub log_format: String,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Failed sign-ins allowed per client address per 5 minutes (successful ones do not count).
    pub sign_in_attempts_per_address: usize,
    /// Trust `X-Forwarded-For` for the client address (only behind a reverse proxy you run).
    pub trust_forwarded_for: bool,
    /// The address users reach the platform at, for links in e-mails.
    pub public_url: String,
    /// SMTP server for e-mail notifications, e.g. `smtp://relay.example.gov.cn:25`,
    /// `smtp://user:pass@host:587?tls=required` or `smtps://user:pass@host:465`. E-mail is off
    /// when unset.
    pub smtp_url: Option<String>,
    /// Sender of e-mail notifications.
    pub smtp_from: String,
    /// Directory with the office's licensed official-document fonts (方正小标宋, 仿宋_GB2312,
    /// 黑体, 楷体); free Noto CJK fonts are used for whatever is missing.
    pub fonts_dir: Option<PathBuf>,
    /// Where this instance keeps its search index (`data_dir/search` when unset). Each
    /// instance keeps its own, fed from the shared database (docs/operations.md).
    pub search_dir: Option<PathBuf>,
    /// Days the police have to review a transferred case (国务院令第310号第八条: 3).
    pub linkage_review_days: u32,
    /// Days the police have to decide a reconsideration (国务院令第310号第九条: 3).
    pub linkage_reconsider_days: u32,
    /// Days the transferring unit has to hand the items over after the filing notice
    /// (国务院令第310号第十二条: 3).
    pub linkage_handover_days: u32,
    /// Days the organ's head has to decide on a transfer after the handlers' report
    /// (国务院令第310号第五条: 3).
    pub linkage_approval_days: u32,
    /// Whether the office reviews (核稿) every draft before it goes to the signer
    /// (《党政机关公文处理工作条例》第十九条); off, a draft goes straight to the signer.
    pub document_review: bool,
    /// Bearer token that `/metrics` (Prometheus text) answers to; unset, `/metrics` does not
    /// exist. Set it from the environment or a file readable by the service only.
    pub metrics_token: Option<String>,
    /// Run as if the Beijing date were this day (YYYY-MM-DD), for tests, demonstrations and CI's
    /// date matrix. Production must leave it unset.
    pub today: Option<chrono::NaiveDate>,
    /// Offer the platform's own user-name-and-password form on the sign-in page. An office
    /// that signs everyone in through its identity platform may switch it off.
    pub password_sign_in: bool,
    /// OpenID Connect providers (`[[oidc]]`), offered as 「统一身份认证登录」.
    pub oidc: Vec<crate::auth::federation::OidcProvider>,
    /// The LDAP directory (`[ldap]`) people may sign in against.
    pub ldap: Option<crate::auth::federation::LdapDirectory>,
}

/// Four connections per core, 8 to 32. More connections than the cores can serve only add
/// context switches: on two cores, 16 connections to a local PostgreSQL raised the case page's
/// p99 from 18 to 22 ms against 8 (bench/RESULTS.md).
pub fn default_pool_size(cores: usize) -> u32 {
    (cores.saturating_mul(4)).clamp(8, 32) as u32
}

impl Config {
    /// Where the search index lives.
    pub fn search_dir(&self) -> PathBuf {
        self.search_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("search"))
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: "sqlite:data/shuangda.db".into(),
            bind: "127.0.0.1:8080".into(),
            public_bind: None,
            public_reports: crate::public_reports::flow::Periods::default(),
            public_rewards: crate::public_reports::reward::RewardRules::default(),
            penalties: crate::penalties::disclosure::Periods::default(),
            listings: crate::penalties::listing::Periods::default(),
            public_submissions_per_address: 20,
            public_lookup_failures_per_address: 20,
            public_submissions_per_subject: 10,
            public_challenge_bits: 16,
            public_notices: false,
            public_notice_hook: None,
            public_site_url: None,
            data_dir: PathBuf::from("data"),
            db_max_connections: default_pool_size(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            ),
            sqlite_synchronous: crate::db::SqliteSynchronous::Full,
            session_idle_minutes: 30,
            session_lifetime_hours: 12,
            cookie_secure: false,
            hsts_max_age_seconds: 31_536_000,
            log_format: "text".into(),
            max_body_bytes: 2 * 1024 * 1024,
            sign_in_attempts_per_address: 30,
            trust_forwarded_for: false,
            public_url: "http://127.0.0.1:8080".into(),
            smtp_url: None,
            smtp_from: "双打协同平台 <noreply@localhost>".into(),
            fonts_dir: None,
            search_dir: None,
            linkage_review_days: 3,
            linkage_reconsider_days: 3,
            linkage_handover_days: 3,
            linkage_approval_days: 3,
            document_review: false,
            metrics_token: None,
            today: None,
            password_sign_in: true,
            oidc: Vec::new(),
            ldap: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("无法读取配置文件 {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("配置文件 {path} 有误: {source}")]
    Parse {
        path: String,
        source: toml::de::Error,
    },
    #[error("环境变量 {name} 的值无效: {value}")]
    Env { name: String, value: String },
    #[error("统一身份认证配置有误: {0}")]
    SignIn(String),
    #[error("public_notice_hook 应为 http:// 或 https:// 地址：{0}")]
    NoticeHook(String),
    #[error("public_challenge_bits 为 {0}，应在 0 到 28 之间（每增加 1 位，举报人的等待时间加倍）")]
    ChallengeBits(u32),
}

impl Config {
    /// Load from `path` (or `./shuangda.toml` if it exists) and the environment.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let default_path = Path::new("shuangda.toml");
        let path = path.or(default_path.exists().then_some(default_path));
        let mut cfg = match path {
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|source| ConfigError::Read {
                    path: p.display().to_string(),
                    source,
                })?;
                toml::from_str(&text).map_err(|source| ConfigError::Parse {
                    path: p.display().to_string(),
                    source,
                })?
            }
            None => Config::default(),
        };
        cfg.apply_env(|k| std::env::var(k).ok())?;
        crate::auth::federation::check_config(&cfg.oidc, cfg.ldap.as_ref())
            .map_err(ConfigError::SignIn)?;
        if let Some(h) = &cfg.public_notice_hook
            && !(h.starts_with("https://") || h.starts_with("http://"))
        {
            return Err(ConfigError::NoticeHook(h.clone()));
        }
        if cfg.public_challenge_bits > 28 {
            return Err(ConfigError::ChallengeBits(cfg.public_challenge_bits));
        }
        Ok(cfg)
    }

    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        fn parse<T: std::str::FromStr>(name: &str, v: String) -> Result<T, ConfigError> {
            v.trim().parse().map_err(|_| ConfigError::Env {
                name: name.into(),
                value: v,
            })
        }
        fn boolean(name: &str, v: String) -> Result<bool, ConfigError> {
            match v.trim() {
                "1" | "true" | "yes" => Ok(true),
                "0" | "false" | "no" => Ok(false),
                _ => Err(ConfigError::Env {
                    name: name.into(),
                    value: v,
                }),
            }
        }
        let var = |n: &str| get(&format!("SHUANGDA_{n}"));
        if let Some(v) = var("DATABASE_URL") {
            self.database_url = v;
        }
        if let Some(v) = var("BIND") {
            self.bind = v;
        }
        if let Some(v) = var("PUBLIC_BIND") {
            self.public_bind = Some(v).filter(|s| !s.trim().is_empty());
        }
        if let Some(v) = var("PUBLIC_SUBMISSIONS_PER_ADDRESS") {
            self.public_submissions_per_address =
                parse("SHUANGDA_PUBLIC_SUBMISSIONS_PER_ADDRESS", v)?;
        }
        if let Some(v) = var("PUBLIC_LOOKUP_FAILURES_PER_ADDRESS") {
            self.public_lookup_failures_per_address =
                parse("SHUANGDA_PUBLIC_LOOKUP_FAILURES_PER_ADDRESS", v)?;
        }
        if let Some(v) = var("PUBLIC_SUBMISSIONS_PER_SUBJECT") {
            self.public_submissions_per_subject =
                parse("SHUANGDA_PUBLIC_SUBMISSIONS_PER_SUBJECT", v)?;
        }
        if let Some(v) = var("PUBLIC_NOTICES") {
            self.public_notices = boolean("SHUANGDA_PUBLIC_NOTICES", v)?;
        }
        if let Some(v) = var("PUBLIC_NOTICE_HOOK") {
            self.public_notice_hook = Some(v).filter(|s| !s.trim().is_empty());
        }
        if let Some(v) = var("PUBLIC_SITE_URL") {
            self.public_site_url = Some(v).filter(|s| !s.trim().is_empty());
        }
        if let Some(v) = var("PUBLIC_CHALLENGE_BITS") {
            self.public_challenge_bits = parse("SHUANGDA_PUBLIC_CHALLENGE_BITS", v)?;
        }
        if let Some(v) = var("DATA_DIR") {
            self.data_dir = PathBuf::from(v);
        }
        if let Some(v) = var("SEARCH_DIR") {
            self.search_dir = Some(PathBuf::from(v)).filter(|p| !p.as_os_str().is_empty());
        }
        if let Some(v) = var("DB_MAX_CONNECTIONS") {
            self.db_max_connections = parse("SHUANGDA_DB_MAX_CONNECTIONS", v)?;
        }
        if let Some(v) = var("SESSION_IDLE_MINUTES") {
            self.session_idle_minutes = parse("SHUANGDA_SESSION_IDLE_MINUTES", v)?;
        }
        if let Some(v) = var("SESSION_LIFETIME_HOURS") {
            self.session_lifetime_hours = parse("SHUANGDA_SESSION_LIFETIME_HOURS", v)?;
        }
        if let Some(v) = var("COOKIE_SECURE") {
            self.cookie_secure = boolean("SHUANGDA_COOKIE_SECURE", v)?;
        }
        if let Some(v) = var("SQLITE_SYNCHRONOUS") {
            self.sqlite_synchronous = parse("SHUANGDA_SQLITE_SYNCHRONOUS", v)?;
        }
        if let Some(v) = var("PASSWORD_SIGN_IN") {
            self.password_sign_in = boolean("SHUANGDA_PASSWORD_SIGN_IN", v)?;
        }
        if let Some(v) = var("METRICS_TOKEN") {
            self.metrics_token = Some(v).filter(|t| !t.trim().is_empty());
        }
        if let Some(v) = var("HSTS_MAX_AGE_SECONDS") {
            self.hsts_max_age_seconds = parse("SHUANGDA_HSTS_MAX_AGE_SECONDS", v)?;
        }
        if let Some(v) = var("LOG_FORMAT") {
            self.log_format = v;
        }
        if let Some(v) = var("MAX_BODY_BYTES") {
            self.max_body_bytes = parse("SHUANGDA_MAX_BODY_BYTES", v)?;
        }
        if let Some(v) = var("SIGN_IN_ATTEMPTS_PER_ADDRESS") {
            self.sign_in_attempts_per_address = parse("SHUANGDA_SIGN_IN_ATTEMPTS_PER_ADDRESS", v)?;
        }
        if let Some(v) = var("TRUST_FORWARDED_FOR") {
            self.trust_forwarded_for = boolean("SHUANGDA_TRUST_FORWARDED_FOR", v)?;
        }
        if let Some(v) = var("PUBLIC_URL") {
            self.public_url = v;
        }
        if let Some(v) = var("SMTP_URL") {
            self.smtp_url = Some(v).filter(|s| !s.trim().is_empty());
        }
        if let Some(v) = var("SMTP_FROM") {
            self.smtp_from = v;
        }
        if let Some(v) = var("FONTS_DIR") {
            self.fonts_dir = Some(PathBuf::from(v)).filter(|p| !p.as_os_str().is_empty());
        }
        if let Some(v) = var("LINKAGE_REVIEW_DAYS") {
            self.linkage_review_days = parse("SHUANGDA_LINKAGE_REVIEW_DAYS", v)?;
        }
        if let Some(v) = var("LINKAGE_RECONSIDER_DAYS") {
            self.linkage_reconsider_days = parse("SHUANGDA_LINKAGE_RECONSIDER_DAYS", v)?;
        }
        if let Some(v) = var("LINKAGE_HANDOVER_DAYS") {
            self.linkage_handover_days = parse("SHUANGDA_LINKAGE_HANDOVER_DAYS", v)?;
        }
        if let Some(v) = var("DOCUMENT_REVIEW") {
            self.document_review = boolean("SHUANGDA_DOCUMENT_REVIEW", v)?;
        }
        if let Some(v) = var("LINKAGE_APPROVAL_DAYS") {
            self.linkage_approval_days = parse("SHUANGDA_LINKAGE_APPROVAL_DAYS", v)?;
        }
        if let Some(v) = var("TODAY") {
            self.today = if v.trim().is_empty() {
                None
            } else {
                let d = chrono::NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").map_err(|_| {
                    ConfigError::Env {
                        name: "SHUANGDA_TODAY".into(),
                        value: v.clone(),
                    }
                })?;
                Some(d)
            };
        }
        Ok(())
    }

    /// The clock operations read: the wall clock, or the set day (`today`).
    pub fn clock(&self) -> crate::clock::Clock {
        match self.today {
            Some(d) => crate::clock::Clock::on(d),
            None => crate::clock::Clock::system(),
        }
    }

    /// The configured periods of the transfer procedure.
    pub fn linkage_periods(&self) -> crate::linkage::flow::Periods {
        crate::linkage::flow::Periods {
            review_days: self.linkage_review_days.max(1),
            reconsider_days: self.linkage_reconsider_days.max(1),
            handover_days: self.linkage_handover_days.max(1),
            approval_days: self.linkage_approval_days.max(1),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn pool_size_follows_the_cores() {
        assert_eq!(default_pool_size(1), 8);
        assert_eq!(default_pool_size(2), 8);
        assert_eq!(default_pool_size(4), 16);
        assert_eq!(default_pool_size(8), 32);
        assert_eq!(default_pool_size(64), 32);
    }

    use super::*;

    #[test]
    fn env_overrides_file() {
        let mut c: Config =
            toml::from_str("bind = \"0.0.0.0:9000\"\nsession_idle_minutes = 15").expect("parse");
        assert_eq!(c.bind, "0.0.0.0:9000");
        c.apply_env(|k| match k {
            "SHUANGDA_BIND" => Some("127.0.0.1:1".into()),
            "SHUANGDA_COOKIE_SECURE" => Some("true".into()),
            _ => None,
        })
        .expect("env");
        assert_eq!(c.bind, "127.0.0.1:1");
        assert!(c.cookie_secure);
        assert_eq!(c.session_idle_minutes, 15);
    }

    #[test]
    fn bad_values_are_named() {
        let mut c = Config::default();
        let e = c
            .apply_env(|k| (k == "SHUANGDA_SESSION_IDLE_MINUTES").then(|| "soon".into()))
            .expect_err("bad");
        assert!(e.to_string().contains("SHUANGDA_SESSION_IDLE_MINUTES"));
        assert!(toml::from_str::<Config>("no_such_key = 1").is_err());
        let e = c
            .apply_env(|k| (k == "SHUANGDA_TODAY").then(|| "2026-13-01".into()))
            .expect_err("bad date");
        assert!(e.to_string().contains("SHUANGDA_TODAY"));
    }

    #[test]
    fn today_sets_the_clock() {
        let d = chrono::NaiveDate::from_ymd_opt(2026, 12, 31).expect("date");
        assert_eq!(Config::default().today, None);
        assert_eq!(Config::default().clock().set_to(), None);
        let from_file: Config = toml::from_str("today = \"2026-12-31\"").expect("parse");
        assert_eq!(from_file.today, Some(d));
        let mut c = Config::default();
        c.apply_env(|k| (k == "SHUANGDA_TODAY").then(|| " 2026-12-31 ".into()))
            .expect("env");
        assert_eq!(c.today, Some(d));
        assert_eq!(c.clock().today(), d);
        c.apply_env(|k| (k == "SHUANGDA_TODAY").then(String::new))
            .expect("empty");
        assert_eq!(c.today, None);
    }
}

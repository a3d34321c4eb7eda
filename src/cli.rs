//! The command line: `serve`, `migrate`, `init`, `demo`, `audit verify`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::access::Role;
use crate::config::Config;
use crate::domain::RegionCode;
use crate::server;

#[derive(Parser)]
#[command(name = "shuangda", version, about = "双打协同平台")]
struct Cli {
    /// Configuration file (TOML). Defaults to ./shuangda.toml when present.
    #[arg(long, global = true, env = "SHUANGDA_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the web server (applies migrations first).
    Serve {
        /// Load the demo organisation and accounts if the database is empty.
        #[arg(long)]
        demo: bool,
        /// Listen address, overriding the configuration.
        #[arg(long)]
        bind: Option<String>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// First set-up of a real deployment: the root leading group, its office, and the three
    /// administrators (系统/安全/审计管理员) with one-time passwords.
    Init {
        /// Name of the leading group, e.g. 信阳市打击侵犯知识产权和制售假冒伪劣商品工作领导小组.
        #[arg(long)]
        group_name: String,
        /// GB/T 2260 division code of its region, e.g. 411500.
        #[arg(long)]
        region: String,
    },
    /// Load the demo organisation into an empty database and exit.
    Demo,
    /// Audit-trail tools.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Archived case dossiers.
    Archive {
        #[command(subcommand)]
        command: ArchiveCommand,
    },
    /// The legal-period calendar: working days, periods, holiday years.
    Calendar {
        #[command(subcommand)]
        command: CalendarCommand,
    },
    /// Write a consistent copy of the database to FILE while the server runs (SQLite: VACUUM
    /// INTO; PostgreSQL: pg_dump, custom format). Never copy the file of a running database.
    Backup { file: PathBuf },
    /// Restore a backup made by `backup` into the configured database, then migrate it and
    /// verify its audit trail. Stop the server first.
    Restore {
        file: PathBuf,
        /// Replace a database that already holds data.
        #[arg(long)]
        replace: bool,
    },
    /// The full-text search index of this instance.
    Search {
        #[command(subcommand)]
        command: SearchCommand,
    },
    /// Integration tokens (for operators and scripts; audited as the system).
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
}

#[derive(Subcommand)]
enum ArchiveCommand {
    /// Check a dossier ZIP offline against its manifest of SHA-256 hashes; exit 1 on any
    /// problem.
    Verify { file: PathBuf },
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// Print `true` if DATE (YYYY-MM-DD) is a working day, `false` otherwise.
    IsWorkday {
        date: String,
        /// Also say what kind of day it is.
        #[arg(long)]
        explain: bool,
    },
    /// Print the date N working days after DATE (the start day is not counted).
    AddWorkdays {
        date: String,
        n: String,
        /// Also print how the date was reached.
        #[arg(long)]
        explain: bool,
    },
    /// Print the date N calendar days after DATE, moved to the next working day if it falls on
    /// a holiday or rest day.
    AddDays {
        date: String,
        n: String,
        #[arg(long)]
        explain: bool,
    },
    /// Validate and store a year's holiday schedule from a TOML file (audited).
    Import { file: PathBuf },
    /// Print a year's schedule as TOML (a template for the next year).
    Export { year: i32 },
}

#[derive(Subcommand)]
enum SearchCommand {
    /// Build the index again from the database (in `search_dir`), showing progress. Stop this
    /// instance's server first: the index has one writer.
    Rebuild,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Issue a bearer token acting as an existing account; prints the token once.
    Issue {
        #[arg(long)]
        username: String,
        /// What the token is for.
        #[arg(long)]
        name: String,
        /// Days until it expires (default: no expiry).
        #[arg(long)]
        days: Option<i64>,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the hash chain; exit 1 and name the first altered, inserted or removed record.
    Verify {
        /// Also prove, with an anchor written by `audit anchor`, that nothing up to it changed.
        #[arg(long, requires = "public_key")]
        anchor: Option<PathBuf>,
        /// The anchor key's public half (hex), as `audit keygen` printed it.
        #[arg(long, requires = "anchor")]
        public_key: Option<String>,
    },
    /// Make a new anchor signing key (Ed25519) in FILE, readable by its owner only; keep it
    /// outside the database and its backups. Prints the public key for `verify --public-key`.
    Keygen {
        #[arg(long)]
        out: PathBuf,
    },
    /// Write a signed checkpoint of the trail's head (sequence, hash, time) as JSON, to store
    /// somewhere the database's administrators cannot write.
    Anchor {
        /// The key file made by `audit keygen`.
        #[arg(long)]
        key: PathBuf,
        /// Where to write the anchor; standard output when absent.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut config = match Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    // A secret file or CA file that cannot be read stops the start, not the first sign-in.
    if let Err(e) = crate::auth::sso::Federation::from_config(&config) {
        eprintln!("统一身份认证配置有误: {e}");
        return ExitCode::from(2);
    }
    if let Command::Serve {
        bind: Some(bind), ..
    } = &cli.command
    {
        config.bind = bind.clone();
    }
    server::init_logging(&config.log_format);
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("无法启动运行时: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli.command, config)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> Result<ExitCode, String> {
    match command {
        Command::Serve { demo, .. } => {
            let started = std::time::Instant::now();
            let db = server::open_db(&config).await?;
            let state = server::state(db, config);
            let mut demo_loaded = false;
            if demo {
                let accounts = crate::demo::load(&state).await.map_err(|e| e.to_string())?;
                demo_loaded = !accounts.is_empty();
                print_demo(accounts);
            } else if crate::users::store::count(&state.db)
                .await
                .map_err(|e| e.to_string())?
                == 0
            {
                println!(
                    "数据库中还没有任何账号。请先运行 `shuangda init --group-name … --region …` 创建管理员，\
                     或用 `shuangda serve --demo` 载入演示数据。"
                );
            }
            let listener = tokio::net::TcpListener::bind(&state.config.bind)
                .await
                .map_err(|e| format!("无法监听 {}: {e}", state.config.bind))?;
            let addr = listener.local_addr().map_err(|e| e.to_string())?;
            tracing::info!(%addr, startup_ms = started.elapsed().as_millis() as u64, "listening");
            println!("双打协同平台已启动：http://{addr}/");
            if demo_loaded {
                crate::demo::load_records(&state)
                    .await
                    .map_err(demo_failed)?;
            }
            let public = match &state.config.public_bind {
                Some(bind) => {
                    let l = tokio::net::TcpListener::bind(bind)
                        .await
                        .map_err(|e| format!("无法监听举报投诉网站地址 {bind}: {e}"))?;
                    let addr = l.local_addr().map_err(|e| e.to_string())?;
                    tracing::info!(%addr, "public site listening");
                    println!("举报投诉网站已启动：http://{addr}/");
                    Some(l)
                }
                None => None,
            };
            server::serve_with_public(state, listener, public)
                .await
                .map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            server::open_db(&config).await?;
            println!("数据库迁移已完成。");
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo => {
            let db = server::open_db(&config).await?;
            let state = server::state(db, config);
            let accounts = crate::demo::load(&state).await.map_err(|e| e.to_string())?;
            if !accounts.is_empty() {
                crate::demo::load_records(&state)
                    .await
                    .map_err(demo_failed)?;
            }
            print_demo(accounts);
            Ok(ExitCode::SUCCESS)
        }
        Command::Init { group_name, region } => {
            let region = RegionCode::parse(&region)
                .ok_or("行政区划代码应为6位数字（GB/T 2260），如411500")?;
            let db = server::open_db(&config).await?;
            let ctx = server::context(db, &config);
            let accounts = crate::bootstrap::init(&ctx, &group_name, region)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "已创建领导小组、办公室和三员账号。以下初始密码只显示这一次，首次登录须修改："
            );
            for (username, role, password) in accounts {
                println!("  {:<12} {:<8} {}", username, role.label(), password);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Calendar { command } => calendar(command, &config).await,
        Command::Archive {
            command: ArchiveCommand::Verify { file },
        } => {
            // Needs no database and no configuration: the dossier carries its own manifest.
            let report = crate::archive::verify_file(&file).map_err(|e| e.to_string())?;
            for line in report.describe_zh() {
                println!("{line}");
            }
            Ok(if report.ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Token {
            command:
                TokenCommand::Issue {
                    username,
                    name,
                    days,
                },
        } => {
            let db = server::open_db(&config).await?;
            let token = crate::auth::token::issue_for_username(
                &db,
                &username,
                &name,
                days,
                config.clock().now(),
            )
            .await
            .map_err(|e| e.to_string())?;
            println!("{token}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit { command } => audit(command, &config).await,
        Command::Search {
            command: SearchCommand::Rebuild,
        } => {
            let db = server::open_db(&config).await?;
            let ctx = server::context(db, &config);
            let index = ctx.search().map_err(|e| {
                format!(
                    "无法打开查找索引 {}（服务是否仍在运行？请先停止本实例）：{e}",
                    config.search_dir().display()
                )
            })?;
            let started = std::time::Instant::now();
            let mut progress = |kind: crate::search::Kind, done: i64, of: i64| {
                use std::io::Write;
                let width = 30;
                let filled = if of > 0 {
                    (done * width / of).clamp(0, width)
                } else {
                    width
                };
                let bar = format!(
                    "{}{}",
                    "#".repeat(filled as usize),
                    "-".repeat((width - filled) as usize)
                );
                eprint!("\r{:<8} [{bar}] {done}/{of}    ", kind.label());
                if done >= of {
                    eprintln!();
                }
                let _ = std::io::stderr().flush();
            };
            index
                .rebuild(&ctx.db, &mut progress)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "查找索引已重建：{} 条记录，用时 {:.1} 秒（{}）。",
                index.len(),
                started.elapsed().as_secs_f64(),
                config.search_dir().display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { file } => {
            crate::db::backup::backup(&config.database_url, &file)
                .await
                .map_err(|e| e.to_string())?;
            println!("已备份到 {}。", file.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { file, replace } => {
            let r = crate::db::backup::restore(&config.database_url, &file, replace)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "已从 {} 恢复；审计日志完整：共校验 {} 条记录，链头为第 {} 条。",
                file.display(),
                r.audit_records,
                r.audit_head
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn read_text(path: &std::path::Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("无法读取 {}：{e}", path.display()))
}

async fn audit(command: AuditCommand, config: &Config) -> Result<ExitCode, String> {
    use crate::audit::anchor;
    match command {
        AuditCommand::Keygen { out } => {
            let secret = anchor::generate_secret();
            let key = anchor::signing_key(&secret).map_err(|e| e.to_string())?;
            write_new(&out, &format!("{secret}\n"), true)?;
            println!("{}", anchor::public_hex(&key));
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Anchor { key, out } => {
            let key = anchor::signing_key(&read_text(&key)?).map_err(|e| e.to_string())?;
            let db = server::open_db(config).await?;
            // Never certify a trail that does not verify: an anchor taken after tampering would
            // vouch for it.
            let report = crate::audit::verify(&db).await.map_err(|e| e.to_string())?;
            if let Some(f) = report.findings.first() {
                println!("审计日志校验失败，不生成存证：{}", f.describe());
                return Ok(ExitCode::from(1));
            }
            let (seq, hash) = crate::audit::store::head(&db)
                .await
                .map_err(|e| e.to_string())?;
            if seq == 0 {
                return Err("审计日志还没有记录，无需存证".into());
            }
            let a = anchor::Anchor::sign(&key, seq, &hash, config.clock().now());
            let json = serde_json::to_string_pretty(&a).map_err(|e| e.to_string())?;
            match out {
                Some(path) => {
                    write_new(&path, &format!("{json}\n"), false)?;
                    eprintln!("已为第 {seq} 条审计记录生成存证：{}", path.display());
                }
                None => println!("{json}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Verify { anchor, public_key } => {
            let db = server::open_db(config).await?;
            let report = match (anchor, public_key) {
                (Some(path), Some(public)) => {
                    let a: anchor::Anchor = serde_json::from_str(&read_text(&path)?)
                        .map_err(|e| format!("{} 不是存证文件：{e}", path.display()))?;
                    let key = anchor::verifying_key(&public).map_err(|e| e.to_string())?;
                    if let Err(e) = a.check(&key) {
                        println!("存证无效：{e}");
                        return Ok(ExitCode::from(1));
                    }
                    crate::audit::store::verify_anchored(&db, a.seq, &a.hash).await
                }
                _ => crate::audit::verify(&db).await,
            }
            .map_err(|e| e.to_string())?;
            if report.findings.is_empty() {
                println!(
                    "审计日志完整：共校验 {} 条记录，链头为第 {} 条。",
                    report.checked, report.head_seq
                );
                Ok(ExitCode::SUCCESS)
            } else {
                println!("审计日志校验失败：{}", report.findings[0].describe());
                for f in &report.findings[1..] {
                    println!("  另见：{}", f.describe());
                }
                Ok(ExitCode::from(1))
            }
        }
    }
}

/// Create `path`, which must not exist (a key or an anchor is never overwritten); `private`
/// makes it readable and writable by its owner only.
fn write_new(path: &std::path::Path, content: &str, private: bool) -> Result<(), String> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    if private {
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    }
    let mut f = opts.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            format!("{} 已存在，不会覆盖", path.display())
        } else {
            format!("无法创建 {}：{e}", path.display())
        }
    })?;
    f.write_all(content.as_bytes())
        .map_err(|e| format!("无法写入 {}：{e}", path.display()))
}

/// The calendar in force: shipped years plus those stored in the database. Arithmetic needs no
/// database, so when it cannot be opened the shipped years are used and the operator is told.
async fn calendar_in_force(config: &Config) -> crate::calendar::Calendar {
    // Do not create an empty SQLite file just to answer a question.
    let missing_file = config
        .database_url
        .strip_prefix("sqlite:")
        .map(|p| !std::path::Path::new(p.split('?').next().unwrap_or(p)).exists())
        .unwrap_or(false);
    let db = if missing_file {
        None
    } else {
        crate::db::Db::connect(&config.database_url, 1).await.ok()
    };
    match db {
        Some(db) if matches!(crate::db::pending_migrations(&db).await, Ok(0)) => {
            match crate::calendar::store::load(&db, config.clock().today()).await {
                Ok(c) => return c,
                Err(e) => eprintln!("注意：无法读取数据库中的节假日安排（{e}），仅使用内置年份。"),
            }
        }
        _ => eprintln!("注意：数据库不可用，仅使用内置的节假日安排。"),
    }
    crate::calendar::store::shipped(config.clock().today())
}

async fn calendar(command: CalendarCommand, config: &Config) -> Result<ExitCode, String> {
    use crate::calendar::http as q;
    let field = |e: crate::domain::FieldError| e.message;
    match command {
        CalendarCommand::IsWorkday { date, explain } => {
            let date = q::parse_date("date", &date).map_err(field)?;
            let a =
                q::workday(&calendar_in_force(config).await, date).map_err(|e| e.to_string())?;
            println!("{}", a.workday);
            if explain {
                println!("{} 是{}。", a.date, a.kind);
                if let Some(note) = &a.provisional_note {
                    println!("{note}");
                }
            }
        }
        CalendarCommand::AddWorkdays { date, n, explain } => {
            let (date, n) = period_args(&date, &n)?;
            let a = q::add_workdays(&calendar_in_force(config).await, date, n)
                .map_err(|e| e.to_string())?;
            print_period(&a, explain);
        }
        CalendarCommand::AddDays { date, n, explain } => {
            let (date, n) = period_args(&date, &n)?;
            let a = q::add_days(&calendar_in_force(config).await, date, n)
                .map_err(|e| e.to_string())?;
            print_period(&a, explain);
        }
        CalendarCommand::Import { file } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("无法读取 {}: {e}", file.display()))?;
            let db = server::open_db(config).await?;
            let in_force = crate::calendar::store::load(&db, config.clock().today())
                .await
                .map_err(|e| e.to_string())?;
            let (s, r) = crate::calendar::store::save_year(
                &db,
                &in_force,
                None,
                &crate::audit::Who::system("命令行导入节假日安排", config.clock().now()),
                &text,
            )
            .await
            .map_err(|e| match e {
                crate::error::AppError::Validation(f) => {
                    f.0.into_iter()
                        .map(|x| x.message)
                        .collect::<Vec<_>>()
                        .join("；")
                }
                other => other.to_string(),
            })?;
            println!(
                "已导入{}年节假日安排（{}）。{}正在运行的服务将在一分钟内载入，并重新计算暂定的期限。",
                s.year(),
                s.source(),
                r.summary_zh(false)
            );
        }
        CalendarCommand::Export { year } => {
            let cal = calendar_in_force(config).await;
            let s = cal
                .schedule(year)
                .ok_or(format!("没有{year}年的节假日安排"))?;
            print!("{}", s.to_toml());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn period_args(date: &str, n: &str) -> Result<(chrono::NaiveDate, u32), String> {
    let date = crate::calendar::http::parse_date("date", date).map_err(|e| e.message)?;
    let n = crate::calendar::http::parse_amount("n", n).map_err(|e| e.message)?;
    Ok((date, n))
}

fn print_period(a: &crate::calendar::http::PeriodAnswer, explain: bool) {
    println!("{}", a.due);
    if explain {
        println!("{}", a.explanation);
    }
}

/// The demo's records are loaded by the operations themselves, each its own transaction, so a
/// load that failed part-way leaves a database to start again from.
fn demo_failed(e: crate::error::AppError) -> String {
    format!(
        "载入演示数据未完成：{e}。演示数据库已不完整，请删除后重新运行 `shuangda serve --demo`。"
    )
}

fn print_demo(accounts: Vec<crate::demo::DemoAccount>) {
    if accounts.is_empty() {
        println!("数据库中已有数据，未重复载入演示数据。");
        return;
    }
    println!("已载入演示数据：信阳市领导小组及23个成员单位、10个县区、平阴县领导小组及18个单位。");
    println!("演示账号（密码均为 {}）：", crate::demo::DEMO_PASSWORD);
    for a in accounts {
        println!("  {:<16} {:<14} {}", a.username, a.role.label(), a.unit);
    }
    let _ = Role::ALL;
}

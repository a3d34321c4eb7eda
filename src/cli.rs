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
    /// Integration tokens (for operators and scripts; audited as the system).
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
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
    Verify,
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
            if demo {
                print_demo(crate::demo::load(&db).await.map_err(|e| e.to_string())?);
            } else if crate::users::store::count(&db)
                .await
                .map_err(|e| e.to_string())?
                == 0
            {
                println!(
                    "数据库中还没有任何账号。请先运行 `shuangda init --group-name … --region …` 创建管理员，\
                     或用 `shuangda serve --demo` 载入演示数据。"
                );
            }
            let listener = tokio::net::TcpListener::bind(&config.bind)
                .await
                .map_err(|e| format!("无法监听 {}: {e}", config.bind))?;
            let addr = listener.local_addr().map_err(|e| e.to_string())?;
            tracing::info!(%addr, startup_ms = started.elapsed().as_millis() as u64, "listening");
            println!("双打协同平台已启动：http://{addr}/");
            let state = server::state(db, config);
            server::serve(state, listener)
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
            print_demo(crate::demo::load(&db).await.map_err(|e| e.to_string())?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Init { group_name, region } => {
            let region = RegionCode::parse(&region)
                .ok_or("行政区划代码应为6位数字（GB/T 2260），如411500")?;
            let db = server::open_db(&config).await?;
            let accounts = crate::bootstrap::init(&db, &group_name, region)
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
        Command::Token {
            command:
                TokenCommand::Issue {
                    username,
                    name,
                    days,
                },
        } => {
            let db = server::open_db(&config).await?;
            let token = crate::auth::token::issue_for_username(&db, &username, &name, days)
                .await
                .map_err(|e| e.to_string())?;
            println!("{token}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let db = server::open_db(&config).await?;
            let report = crate::audit::verify(&db).await.map_err(|e| e.to_string())?;
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

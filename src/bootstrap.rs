//! First set-up of a real deployment (`shuangda init`).

use crate::access::Role;
use crate::auth::password;
use crate::context::Ctx;
use crate::domain::RegionCode;
use crate::error::{AppError, AppResult};
use crate::units::{NewUnit, UnitKind, store as units};
use crate::users::{model::NewUser, store as users};

/// Create the root group, its office and the three administrators; refuses a database that
/// already has accounts. Returns (user name, role, one-time password).
pub async fn init(
    ctx: &Ctx,
    group_name: &str,
    region: RegionCode,
) -> AppResult<Vec<(String, Role, String)>> {
    let db = &ctx.db;
    let who = ctx.system("初始化");
    if users::count(db).await? > 0 {
        return Err(AppError::conflict(
            "already_initialised",
            "数据库中已有账号，不能重复初始化",
        ));
    }
    let name = crate::domain::text::required("group_name", "领导小组名称", group_name, 60)?;
    let mut tx = db.begin().await?;
    let group = units::insert_system(
        &mut tx,
        &who,
        &NewUnit {
            name: name.clone(),
            short_name: None,
            kind: UnitKind::LeadingGroup,
            region,
            parent_id: None,
            phone: None,
        },
    )
    .await?;
    let office = units::insert_system(
        &mut tx,
        &who,
        &NewUnit {
            name: format!("{name}办公室"),
            short_name: None,
            kind: UnitKind::GroupOffice,
            region,
            parent_id: Some(group),
            phone: None,
        },
    )
    .await?;
    let mut out = Vec::new();
    for (username, display, role) in [
        ("sysadmin", "系统管理员", Role::SystemAdmin),
        ("secadmin", "安全管理员", Role::SecurityAdmin),
        ("auditadmin", "审计管理员", Role::AuditAdmin),
    ] {
        let pw = password::generate();
        users::insert_system(
            &mut tx,
            &who,
            &NewUser {
                username: username.into(),
                display_name: display.into(),
                unit_id: office,
                phone: None,
                email: None,
            },
            &pw,
            true,
            &[role],
        )
        .await?;
        out.push((username.to_string(), role, pw));
    }
    tx.commit().await?;
    Ok(out)
}

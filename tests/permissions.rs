//! The permission matrix through the HTTP layer: every role against every resource and action,
//! allowed and refused. The expected table is written out here by hand, independently of
//! src/access/permission.rs.

mod common;

use axum::http::{Method, StatusCode};
use common::{App, Client, PASSWORD, api, each_db};
use serde_json::json;

const ROLES: [&str; 10] = [
    "leader",
    "director",
    "staff",
    "liaison.scjg",
    "handler.gaj",
    "county.luoshan",
    "procurator",
    "sysadmin",
    "secadmin",
    "auditadmin",
];

/// (operation, accounts allowed)
const MATRIX: &[(&str, &[&str])] = &[
    ("unit.read", &ROLES),
    ("unit.create", &["sysadmin"]),
    ("unit.update", &["sysadmin"]),
    ("user.read", &ROLES),
    ("user.create", &["sysadmin"]),
    ("user.update", &["sysadmin"]),
    ("user.reset_password", &["sysadmin"]),
    ("user.unlock", &["secadmin"]),
    ("role.grant", &["secadmin"]),
    ("role.revoke", &["secadmin"]),
    ("token.read", &["secadmin"]),
    ("token.issue", &["secadmin"]),
    (
        "audit.read",
        &["auditadmin", "director", "county.luoshan", "liaison.scjg"],
    ),
    ("audit.export", &["auditadmin"]),
    ("calendar.read", &ROLES),
    ("calendar.update", &["sysadmin"]),
    (
        "deadline.read",
        &[
            "leader",
            "director",
            "staff",
            "liaison.scjg",
            "handler.gaj",
            "county.luoshan",
            "procurator",
        ],
    ),
    ("deadline.update", &["director", "staff", "county.luoshan"]),
    ("deadline.decide", &["leader", "director"]),
    (
        "case.read",
        &[
            "leader",
            "director",
            "staff",
            "liaison.scjg",
            "handler.gaj",
            "county.luoshan",
            "procurator",
        ],
    ),
    (
        "case.create",
        &[
            "director",
            "staff",
            "liaison.scjg",
            "handler.gaj",
            "county.luoshan",
        ],
    ),
    (
        "linkage.read",
        &[
            "leader",
            "director",
            "staff",
            "liaison.scjg",
            "handler.gaj",
            "county.luoshan",
            "procurator",
        ],
    ),
    (
        "linkage.export",
        &[
            "leader",
            "director",
            "staff",
            "liaison.scjg",
            "handler.gaj",
            "county.luoshan",
            "procurator",
        ],
    ),
    (
        "linkage.create",
        &[
            "director",
            "staff",
            "liaison.scjg",
            "handler.gaj",
            "county.luoshan",
        ],
    ),
    (
        "task.read",
        &[
            "leader",
            "director",
            "staff",
            "liaison.scjg",
            "handler.gaj",
            "county.luoshan",
            "procurator",
        ],
    ),
    ("task.create", &["director", "staff", "county.luoshan"]),
    (
        "meeting.read",
        &[
            "leader",
            "director",
            "staff",
            "liaison.scjg",
            "handler.gaj",
            "county.luoshan",
            "procurator",
        ],
    ),
    ("meeting.create", &["director", "staff", "county.luoshan"]),
    (
        "circular.read",
        &[
            "leader",
            "director",
            "staff",
            "liaison.scjg",
            "handler.gaj",
            "county.luoshan",
            "procurator",
        ],
    ),
    ("circular.create", &["director", "staff", "county.luoshan"]),
    (
        "inspection.read",
        &[
            "leader",
            "director",
            "staff",
            "liaison.scjg",
            "handler.gaj",
            "county.luoshan",
            "procurator",
        ],
    ),
    (
        "inspection.create",
        &["director", "staff", "county.luoshan"],
    ),
    (
        "typical_case.read",
        &[
            "leader",
            "director",
            "staff",
            "liaison.scjg",
            "handler.gaj",
            "county.luoshan",
            "procurator",
        ],
    ),
];

const Y2027: &str =
    "year = 2027\nsource = \"测试\"\n\n[[holidays]]\nname = \"元旦\"\ndays = [\"2027-01-01\"]\n";

/// A fresh open deadline owned by a Luoshan county unit (visible to the city and that county).
async fn fresh_deadline(app: &App) -> i64 {
    app.open_deadline(
        "矩阵测试期限",
        chrono::NaiveDate::from_ymd_opt(2026, 3, 2).expect("date"),
        shuangda::deadline::Rule::WorkingDays(5),
        "罗山县市场监督管理局",
    )
    .await
}

async fn attempt(
    app: &App,
    c: &mut Client,
    token: &str,
    who: &str,
    op: &str,
    n: usize,
) -> StatusCode {
    let t = Some(token);
    // Targets every role can see, so that a refusal is about the action, not the scope.
    let own_unit: i64 = sqlx::query_scalar("SELECT unit_id FROM users WHERE username = $1")
        .bind(who)
        .fetch_one(&app.db.pool)
        .await
        .expect("unit");
    let target = app.user_id("matrix.target").await;
    let unit_body =
        json!({"name": format!("矩阵测试单位{n}"), "kind": "other", "region_code": "411500"});
    let user_body = json!({"username": format!("matrix{n}"), "display_name": "矩阵", "unit_id": own_unit.to_string()});
    let s = match op {
        "unit.read" => api(app, Method::GET, "/api/v1/units", t, None).await.status,
        "unit.create" => {
            api(app, Method::POST, "/api/v1/units", t, Some(unit_body))
                .await
                .status
        }
        "unit.update" => {
            let u: serde_json::Value = api(
                app,
                Method::GET,
                &format!("/api/v1/units/{own_unit}"),
                Some(&app.token("sysadmin").await),
                None,
            )
            .await
            .json();
            let body = json!({"name": u["name"], "kind": u["kind"], "region_code": u["region_code"], "parent_id": u["parent_id"].as_i64().map(|p| p.to_string())});
            api(
                app,
                Method::PUT,
                &format!("/api/v1/units/{own_unit}"),
                t,
                Some(body),
            )
            .await
            .status
        }
        "user.read" => api(app, Method::GET, "/api/v1/users", t, None).await.status,
        "user.create" => {
            api(app, Method::POST, "/api/v1/users", t, Some(user_body))
                .await
                .status
        }
        "user.update" => {
            let body = json!({"username": "matrix.target", "display_name": "目标", "unit_id": app.unit_id("信阳市打击侵犯知识产权和制售假冒伪劣商品工作领导小组办公室").await.to_string()});
            api(
                app,
                Method::PUT,
                &format!("/api/v1/users/{target}"),
                t,
                Some(body),
            )
            .await
            .status
        }
        "user.reset_password" => {
            c.post(&format!("/users/{target}/reset-password"), &[])
                .await
                .status
        }
        "user.unlock" => c.post(&format!("/users/{target}/unlock"), &[]).await.status,
        "role.grant" => {
            api(
                app,
                Method::POST,
                &format!("/api/v1/users/{target}/roles"),
                t,
                Some(json!({"role": "unit_handler"})),
            )
            .await
            .status
        }
        "role.revoke" => {
            // Make sure there is something to revoke, granted by the security administrator.
            let sec = app.token("secadmin").await;
            let _ = api(
                app,
                Method::POST,
                &format!("/api/v1/users/{target}/roles"),
                Some(&sec),
                Some(json!({"role": "unit_liaison"})),
            )
            .await;
            api(
                app,
                Method::DELETE,
                &format!("/api/v1/users/{target}/roles/unit_liaison"),
                t,
                None,
            )
            .await
            .status
        }
        "token.read" => c.get("/tokens").await.status,
        "token.issue" => {
            c.post(
                "/tokens",
                &[("user_id", &target.to_string()), ("name", "矩阵")],
            )
            .await
            .status
        }
        "audit.read" => api(app, Method::GET, "/api/v1/audit", t, None).await.status,
        "audit.export" => c.get("/audit/export").await.status,
        "calendar.read" => {
            api(
                app,
                Method::GET,
                "/api/v1/calendar/workday?date=2026-10-10",
                t,
                None,
            )
            .await
            .status
        }
        "calendar.update" => {
            api(
                app,
                Method::PUT,
                "/api/v1/calendar/years/2027",
                t,
                Some(json!({"schedule": Y2027})),
            )
            .await
            .status
        }
        "deadline.read" => {
            api(app, Method::GET, "/api/v1/deadlines", t, None)
                .await
                .status
        }
        "case.read" => api(app, Method::GET, "/api/v1/cases", t, None).await.status,
        "case.create" => {
            let body = json!({"title": format!("矩阵测试线索{n}"), "summary": "测试", "source": "daily_work",
                "received_on": app.today().to_string(), "right_kinds": ["trademark"]});
            api(app, Method::POST, "/api/v1/cases", t, Some(body))
                .await
                .status
        }
        "deadline.update" => {
            let id = fresh_deadline(app).await;
            c.post(
                &format!("/deadlines/{id}/change"),
                &[("op", "met"), ("date", "2026-03-05")],
            )
            .await
            .status
        }
        "deadline.decide" => {
            let id = fresh_deadline(app).await;
            c.post(
                &format!("/deadlines/{id}/change"),
                &[("op", "waive"), ("reason", "矩阵测试")],
            )
            .await
            .status
        }
        "linkage.read" => {
            api(app, Method::GET, "/api/v1/transfers", t, None)
                .await
                .status
        }
        "linkage.export" => {
            api(app, Method::GET, "/api/v1/linkage/stats.xlsx", t, None)
                .await
                .status
        }
        "linkage.create" => {
            let body = json!({"kind": "special_coordination",
                "held_on": app.today().to_string(),
                "unit_ids": [own_unit.to_string()], "attendees": "矩阵", "topics": "矩阵", "minutes": "矩阵"});
            api(app, Method::POST, "/api/v1/linkage/meetings", t, Some(body))
                .await
                .status
        }
        "task.read" => api(app, Method::GET, "/api/v1/tasks", t, None).await.status,
        "task.create" => {
            let due = (app.today() + chrono::Duration::days(10)).to_string();
            let body = json!({"title": format!("矩阵任务{n}"), "description": "矩阵", "source": "unit_request",
                "lead_unit_id": own_unit.to_string(), "due_on": due});
            api(app, Method::POST, "/api/v1/tasks", t, Some(body))
                .await
                .status
        }
        "meeting.read" => {
            api(app, Method::GET, "/api/v1/meetings", t, None)
                .await
                .status
        }
        "meeting.create" => {
            let body = json!({"kind": "liaison", "title": format!("矩阵会议{n}"), "topics": "矩阵",
                "planned_on": app.today().to_string(), "unit_ids": [own_unit.to_string()]});
            api(app, Method::POST, "/api/v1/meetings", t, Some(body))
                .await
                .status
        }
        "circular.read" => {
            api(app, Method::GET, "/api/v1/circulars", t, None)
                .await
                .status
        }
        "circular.create" => {
            let body = json!({"kind": "data", "title": format!("矩阵通报{n}"), "body": "矩阵",
                "unit_ids": [own_unit.to_string()]});
            api(app, Method::POST, "/api/v1/circulars", t, Some(body))
                .await
                .status
        }
        "inspection.read" => {
            api(app, Method::GET, "/api/v1/inspections", t, None)
                .await
                .status
        }
        "inspection.create" => {
            let today = app.today().to_string();
            let body = json!({"title": format!("矩阵检查{n}"), "team": "矩阵", "starts_on": today,
                "ends_on": today, "unit_ids": [own_unit.to_string()]});
            api(app, Method::POST, "/api/v1/inspections", t, Some(body))
                .await
                .status
        }
        "report.read" => {
            api(app, Method::GET, "/api/v1/reports", t, None)
                .await
                .status
        }
        "typical_case.read" => {
            api(app, Method::GET, "/api/v1/typical-cases", t, None)
                .await
                .status
        }
        other => panic!("unknown operation {other}"),
    };
    // Revert a grant so the next attempt starts from the same state.
    if op == "role.grant" && s.is_success() {
        let sec = app.token("secadmin").await;
        api(
            app,
            Method::DELETE,
            &format!("/api/v1/users/{target}/roles/unit_handler"),
            Some(&sec),
            None,
        )
        .await;
    }
    s
}

#[tokio::test]
async fn every_role_against_every_resource_and_action() {
    each_db(true, |app| async move {
        let mut failures = Vec::new();
        let mut n = 0;
        // A target account outside the roles under test, so no attempt changes a tester.
        let office = app.unit_id("信阳市打击侵犯知识产权和制售假冒伪劣商品工作领导小组办公室").await;
        let r = api(&app, Method::POST, "/api/v1/users", Some(&app.token("sysadmin").await),
            Some(json!({"username": "matrix.target", "display_name": "目标", "unit_id": office.to_string()}))).await;
        assert_eq!(r.status, StatusCode::CREATED);
        let mut sessions = Vec::new();
        for who in ROLES {
            let mut c = app.client();
            assert_eq!(c.login(who, PASSWORD).await.status, StatusCode::SEE_OTHER, "{who} signs in");
            sessions.push((who, c, app.token(who).await));
        }
        for (op, allowed) in MATRIX {
            for (who, c, token) in sessions.iter_mut() {
                let who: &str = who;
                n += 1;
                let status = attempt(&app, c, token, who, op, n).await;
                let expect_allowed = allowed.contains(&who);
                let ok = if expect_allowed {
                    status.is_success() || status == StatusCode::SEE_OTHER
                } else {
                    status == StatusCode::FORBIDDEN
                };
                if !ok {
                    failures.push(format!("{who} {op}: expected {}, got {status}", if expect_allowed { "allowed" } else { "403" }));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    })
    .await;
}

/// Issue #20: each role's menu shows its work, grouped; what a role may not read is never in
/// it, and some permitted pages are left out of roles they do not serve.
#[tokio::test]
async fn each_role_sees_the_menu_of_its_work_grouped() {
    each_db(true, |app| async move {
        for (username, present, absent) in [
            (
                "procurator",
                &["href=\"/transfers\"", "aria-label=\"两法衔接\""][..],
                &[
                    "href=\"/units\"",
                    "href=\"/users\"",
                    "href=\"/calendar\"",
                    "href=\"/audit\"",
                ][..],
            ),
            (
                "liaison.scjg",
                &["href=\"/cases\"", "aria-label=\"督办\""][..],
                &["href=\"/audit\"", "href=\"/units\""][..],
            ),
            (
                "director",
                &[
                    "aria-label=\"督办\"",
                    "aria-label=\"两法衔接\"",
                    "aria-label=\"工作制度\"",
                    "aria-label=\"系统\"",
                    "href=\"/audit\"",
                    "href=\"/calendar\"",
                ][..],
                &[][..],
            ),
            (
                "auditadmin",
                &["href=\"/audit\"", "aria-label=\"系统\""][..],
                &[
                    "href=\"/cases\"",
                    "href=\"/transfers\"",
                    "aria-label=\"督办\"",
                ][..],
            ),
        ] {
            let mut c = app.client();
            c.login(username, PASSWORD).await;
            let home = c.get("/").await;
            assert_eq!(home.status, StatusCode::OK, "{username}");
            let nav = home
                .body
                .split("<nav class=\"nav\">")
                .nth(1)
                .and_then(|s| s.split("</nav>").next())
                .unwrap_or_default();
            for p in present {
                assert!(nav.contains(p), "{username}'s menu lacks {p}: {nav}");
            }
            for a in absent {
                assert!(!nav.contains(a), "{username}'s menu has {a}: {nav}");
            }
        }
    })
    .await;
}

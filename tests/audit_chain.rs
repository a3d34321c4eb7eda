//! The audit trail: records are written with every change, hash-chained, and
//! `shuangda audit verify` names the first record altered, inserted or removed directly in the
//! database.

mod common;

use axum::http::{Method, StatusCode};
use common::{PASSWORD, api, cli, each_db};
use serde_json::json;
use shuangda::audit::{self, Finding};

fn verify_cli(url: &str) -> (i32, String) {
    let (code, out, _) = cli(url, &["audit", "verify"]);
    (code, out)
}

#[tokio::test]
async fn verify_names_altered_removed_and_inserted_records() {
    each_db(true, |app| async move {
        let report = audit::verify(&app.db).await.expect("verify");
        assert!(report.findings.is_empty(), "{:?}", report.findings);
        assert!(report.checked > 50, "demo data is audited");
        let (code, out) = verify_cli(&app.url);
        assert_eq!(code, 0, "{out}");
        assert!(out.contains("审计日志完整"));

        // Alter record 10.
        sqlx::query("UPDATE audit_log SET summary = '{\"name\":\"篡改\"}' WHERE seq = 10")
            .execute(&app.db.pool).await.expect("tamper");
        let report = audit::verify(&app.db).await.expect("verify");
        assert_eq!(report.findings[0], Finding::Altered { seq: 10 });
        let (code, out) = verify_cli(&app.url);
        assert_eq!(code, 1);
        assert!(out.contains("第 10 条审计记录被篡改"), "{out}");

        // Remove record 20.
        sqlx::query("DELETE FROM audit_log WHERE seq = 20").execute(&app.db.pool).await.expect("delete");
        let report = audit::verify(&app.db).await.expect("verify");
        assert!(report.findings.contains(&Finding::Removed { from: 20, to: 20 }), "{:?}", report.findings);
        let (_, out) = verify_cli(&app.url);
        assert!(out.contains("第 20 条审计记录被删除"), "{out}");

        // Insert a forged record after the head, copying a real one's shape.
        sqlx::query(
            "INSERT INTO audit_log (seq, at, actor_user_id, actor_name, acting_unit_id, action, object_type, object_id, \
             object_unit_id, summary, request_id, client_addr, prev_hash, hash) \
             SELECT seq + 100000, at, actor_user_id, actor_name, acting_unit_id, 'user.delete', object_type, object_id, \
             object_unit_id, summary, request_id, client_addr, prev_hash, hash FROM audit_log WHERE seq = 30",
        )
        .execute(&app.db.pool).await.expect("insert");
        let report = audit::verify(&app.db).await.expect("verify");
        assert!(report.findings.iter().any(|f| matches!(f, Finding::Inserted { seq } if *seq == 100030)), "{:?}", report.findings);
        let (_, out) = verify_cli(&app.url);
        assert!(out.contains("第 100030 条审计记录是插入的"), "{out}");
    })
    .await;
}

/// Someone with write access to the database rewrites the trail from record 10 on and the head
/// with it: the chain alone verifies, the anchor taken before proves the rewrite.
#[tokio::test]
async fn an_anchor_kept_elsewhere_proves_a_rewritten_trail() {
    each_db(true, |app| async move {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = dir.path().join("anchor.key");
        let anchor = dir.path().join("anchor.json");
        let (code, public, err) = cli(
            &app.url,
            &["audit", "keygen", "--out", key.to_str().expect("path")],
        );
        assert_eq!(code, 0, "{err}");
        let public = public.trim().to_string();
        assert_eq!(public.len(), 64, "{public}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&key).expect("key").permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "the key is its owner's only");
        }
        let (code, _, err) = cli(
            &app.url,
            &["audit", "keygen", "--out", key.to_str().expect("path")],
        );
        assert_eq!(code, 1, "an existing key is never overwritten");
        assert!(err.contains("已存在"), "{err}");

        let (code, _, err) = cli(
            &app.url,
            &[
                "audit",
                "anchor",
                "--key",
                key.to_str().expect("path"),
                "--out",
                anchor.to_str().expect("path"),
            ],
        );
        assert_eq!(code, 0, "{err}");
        let (code, _, err) = cli(
            &app.url,
            &[
                "audit",
                "anchor",
                "--key",
                key.to_str().expect("path"),
                "--out",
                anchor.to_str().expect("path"),
            ],
        );
        assert_eq!(code, 1, "an anchor is never overwritten");
        assert!(err.contains("已存在"), "{err}");
        let a: shuangda::audit::anchor::Anchor =
            serde_json::from_str(&std::fs::read_to_string(&anchor).expect("anchor")).expect("json");
        let (head, _) = shuangda::audit::store::head(&app.db).await.expect("head");
        assert_eq!(a.seq, head);
        let verify_anchored = |public: &str| {
            cli(
                &app.url,
                &[
                    "audit",
                    "verify",
                    "--anchor",
                    anchor.to_str().expect("path"),
                    "--public-key",
                    public,
                ],
            )
        };
        let (code, out, _) = verify_anchored(&public);
        assert_eq!(code, 0, "{out}");

        // Later work extends the trail; the anchor still holds.
        app.client().login("staff", PASSWORD).await;
        let (code, out, _) = verify_anchored(&public);
        assert_eq!(code, 0, "{out}");

        // Rewrite records 10.. and the head, re-chaining each: the chain verifies on its own.
        let mut rows: Vec<shuangda::audit::AuditRecord> =
            sqlx::query_as("SELECT * FROM audit_log WHERE seq >= 9 ORDER BY seq")
                .fetch_all(&app.db.pool)
                .await
                .expect("rows");
        let mut prev = rows[0].hash.clone();
        for r in rows.iter_mut().skip(1) {
            if r.seq == 10 {
                r.summary = "{\"name\":\"改写\"}".into();
            }
            r.prev_hash = prev.clone();
            r.hash = shuangda::audit::chain::compute_hash(r);
            prev = r.hash.clone();
            sqlx::query(
                "UPDATE audit_log SET summary = $1, prev_hash = $2, hash = $3 WHERE seq = $4",
            )
            .bind(&r.summary)
            .bind(&r.prev_hash)
            .bind(&r.hash)
            .bind(r.seq)
            .execute(&app.db.pool)
            .await
            .expect("rewrite");
        }
        sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
            .bind(&prev)
            .execute(&app.db.pool)
            .await
            .expect("head");
        let (code, out) = verify_cli(&app.url);
        assert_eq!(code, 0, "the rewrite passes the chain alone: {out}");

        let (code, out, _) = verify_anchored(&public);
        assert_eq!(code, 1, "{out}");
        assert!(
            out.contains(&format!("第 {} 条审计记录与外部存证不符", a.seq)),
            "{out}"
        );

        // An anchor checked with another key, or altered, is refused before the trail is read.
        let other = shuangda::audit::anchor::public_hex(
            &shuangda::audit::anchor::signing_key(&shuangda::audit::anchor::generate_secret())
                .expect("key"),
        );
        let (code, out, _) = verify_anchored(&other);
        assert_eq!(code, 1);
        assert!(out.contains("不是用所给公钥签名的"), "{out}");
        let mut altered = a.clone();
        altered.seq -= 1;
        std::fs::write(&anchor, serde_json::to_string(&altered).expect("json")).expect("write");
        let (code, out, _) = verify_anchored(&public);
        assert_eq!(code, 1);
        assert!(out.contains("存证签名无效"), "{out}");

        // A trail that does not verify is never anchored: the anchor would vouch for it.
        sqlx::query("UPDATE audit_log SET summary = '{}' WHERE seq = 3")
            .execute(&app.db.pool)
            .await
            .expect("tamper");
        let later = dir.path().join("later.json");
        let (code, out, _) = cli(
            &app.url,
            &[
                "audit",
                "anchor",
                "--key",
                key.to_str().expect("path"),
                "--out",
                later.to_str().expect("path"),
            ],
        );
        assert_eq!(code, 1, "{out}");
        assert!(
            out.contains("不生成存证") && out.contains("第 3 条"),
            "{out}"
        );
        assert!(!later.exists());
    })
    .await;
}

#[tokio::test]
async fn truncating_the_tail_is_detected() {
    each_db(true, |app| async move {
        let head: i64 = sqlx::query_scalar("SELECT seq FROM audit_head")
            .fetch_one(&app.db.pool)
            .await
            .expect("head");
        sqlx::query("DELETE FROM audit_log WHERE seq > $1")
            .bind(head - 3)
            .execute(&app.db.pool)
            .await
            .expect("delete");
        let report = audit::verify(&app.db).await.expect("verify");
        assert_eq!(
            report.findings,
            vec![Finding::Removed {
                from: head - 2,
                to: head
            }]
        );
    })
    .await;
}

#[tokio::test]
async fn concurrent_changes_keep_one_unbroken_chain() {
    each_db(true, |app| async move {
        let t = app.token("sysadmin").await;
        let mut tasks = Vec::new();
        for i in 0..24 {
            let router = app.router.clone();
            let t = t.clone();
            tasks.push(tokio::spawn(async move {
                use tower::ServiceExt;
                let body = json!({"name": format!("并发测试单位{i}"), "kind": "other", "region_code": "411500"});
                let req = axum::http::Request::builder()
                    .method("POST")
                    .uri("/api/v1/units")
                    .header("authorization", format!("Bearer {t}"))
                    .header("content-type", "application/json")
                    .body(axum::body::Body::from(body.to_string()))
                    .expect("request");
                router.oneshot(req).await.expect("response").status()
            }));
        }
        for task in tasks {
            assert_eq!(task.await.expect("join"), StatusCode::CREATED);
        }
        let report = audit::verify(&app.db).await.expect("verify");
        assert!(report.findings.is_empty(), "{:?}", report.findings);
    })
    .await;
}

#[tokio::test]
async fn the_audit_administrator_searches_and_exports() {
    each_db(true, |app| async move {
        let mut a = app.client();
        assert_eq!(
            a.login("auditadmin", PASSWORD).await.status,
            StatusCode::SEE_OTHER
        );
        let r = a.get("/audit?action=unit.create").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("unit.create") && r.body.contains("北京时间"));
        assert!(!r.body.contains("auth.sign_in"), "filtered by action");
        // The acts read as words (#20): 「新增单位」, the code only as the cell's title.
        assert!(r.body.contains(">新增单位</td>"), "{}", r.body);
        assert!(!r.body.contains("<code>unit.create</code>"));
        let r = a.get("/audit?action=auth.sign_in").await;
        assert!(r.body.contains(">登录</td>"), "signing in reads as 登录");
        let r = a.get("/audit?from=2026-13-40").await;
        assert!(r.body.contains("日期格式应为YYYY-MM-DD"));
        let r = a.get("/audit/export?action=auth.").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(
            r.headers["content-disposition"]
                .to_str()
                .unwrap_or("")
                .contains("attachment")
        );
        assert!(r.body.starts_with('\u{feff}'));
        assert!(r.body.contains("auth.sign_in"));
        let exported: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'audit.export'")
                .fetch_one(&app.db.pool)
                .await
                .expect("count");
        assert_eq!(exported, 1, "exports are audited");
        // API with paging.
        let t = app.token("auditadmin").await;
        let r = api(
            &app,
            Method::GET,
            "/api/v1/audit?object_type=unit&page=2",
            Some(&t),
            None,
        )
        .await
        .json();
        assert_eq!(r["page"], 2);
        assert_eq!(r["total"], 85, "one record per demo unit");
        assert_eq!(r["items"].as_array().expect("items").len(), 35);
        // A liaison officer sees only records about their own unit.
        let t = app.token("liaison.scjg").await;
        let unit = app.unit_id("信阳市市场监督管理局").await;
        let r = api(&app, Method::GET, "/api/v1/audit", Some(&t), None)
            .await
            .json();
        let items = r["items"].as_array().expect("items");
        assert!(!items.is_empty());
        assert!(
            items
                .iter()
                .all(|i| i["acting_unit_id"] == unit || i["object_unit_id"] == unit),
            "{r}"
        );
        // Case content in summaries is withheld from the audit administrator ...
        let office = app
            .unit_id("信阳市打击侵犯知识产权和制售假冒伪劣商品工作领导小组办公室")
            .await;
        let mut tx = app.db.begin().await.expect("tx");
        shuangda::deadline::store::open(
            &mut tx,
            &app.state.calendar(),
            &app.system("测试"),
            &shuangda::deadline::store::NewDeadline {
                purpose: "确定主办单位（假冒信阳毛尖线索）".into(),
                clause: "000 §4".into(),
                start_event: "线索登记".into(),
                start: chrono::NaiveDate::from_ymd_opt(2026, 3, 2).expect("date"),
                rule: shuangda::deadline::Rule::WorkingDays(5),
                record_type: None,
                record_id: None,
                owner_unit_id: office,
                owner_user_id: None,
            },
        )
        .await
        .expect("open");
        tx.commit().await.expect("commit");
        let r = api(
            &app,
            Method::GET,
            "/api/v1/audit?object_type=deadline",
            Some(&app.token("auditadmin").await),
            None,
        )
        .await
        .json();
        let items = r["items"].as_array().expect("items");
        assert!(!items.is_empty());
        assert!(
            items
                .iter()
                .all(|i| i["summary"] == shuangda::audit::WITHHELD),
            "{r}"
        );
        let csv = a.get("/audit/export?object_type=deadline").await.body;
        assert!(!csv.contains("信阳毛尖") && csv.contains("业务内容"));
        // ... but shown to the office director, who may read deadlines.
        let r = api(
            &app,
            Method::GET,
            "/api/v1/audit?object_type=deadline",
            Some(&app.token("director").await),
            None,
        )
        .await
        .json();
        assert!(
            r["items"]
                .as_array()
                .expect("items")
                .iter()
                .any(|i| i["summary"].as_str().unwrap_or("").contains("信阳毛尖")),
            "{r}"
        );
        // An office staff member may not read the trail at all.
        let t = app.token("staff").await;
        assert_eq!(
            api(&app, Method::GET, "/api/v1/audit", Some(&t), None)
                .await
                .status,
            StatusCode::FORBIDDEN
        );
    })
    .await;
}

//! Full-text search (issue #17) through the API and pages on both databases: Chinese found as
//! Chinese (segmented words, the bigram safety net, traditional characters, exact codes),
//! scope as the first filter for every role, withheld records found only by those entitled,
//! a change found at once, a rebuild equal to the index fed change by change, and a restart
//! that resumes where the index stopped.

mod common;

use axum::http::{Method, StatusCode};
use common::{App, PASSWORD, call, each_db};
use serde_json::{Value, json};
use shuangda::search::index::SearchIndex;

const CREDIT: &str = "91350100M000100Y43";
const POLICE: &str = "信阳市公安局";

async fn search(app: &App, who: &str, query: &str) -> (StatusCode, Value) {
    let q = serde_urlencoded::to_string([("q", query)]).expect("query");
    call(app, who, Method::GET, &format!("/api/v1/search?{q}"), None).await
}

/// The (kind, id) of every hit of `who`'s search for `query` (the first page).
async fn found(app: &App, who: &str, query: &str) -> Vec<(String, i64)> {
    let (s, v) = search(app, who, query).await;
    assert_eq!(s, StatusCode::OK, "{who} {query}: {v}");
    v["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|h| {
            (
                h["kind"].as_str().expect("kind").to_string(),
                h["id"].as_i64().expect("id"),
            )
        })
        .collect()
}

async fn register_case(app: &App, who: &str, title: &str, summary: &str, regions: &[&str]) -> i64 {
    let received = common::test_today() - chrono::Duration::days(1);
    let (s, v) = call(
        app,
        who,
        Method::POST,
        "/api/v1/cases",
        Some(json!({
            "title": title,
            "summary": summary,
            "source": "leader_instruction",
            "received_on": received.to_string(),
            "leader_name": "李副市长",
            "instruction_date": (received - chrono::Duration::days(1)).to_string(),
            "instruction_text": "请依法查处。",
            "right_kinds": ["trademark"],
            "regions": regions,
            "parties": [{"kind": "enterprise", "name": "信阳某某茶业有限公司", "code": CREDIT}]
        })),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().expect("id")
}

async fn transfer(app: &App, who: &str, title: &str, withheld: bool) -> i64 {
    let mut body = json!({
        "situation": "own_investigation",
        "title": title,
        "facts": "经查，某商贸公司销售假冒注册商标的白酒120箱，货值25万余元。",
        "suspects": "某商贸有限公司",
        "amount": "256000.50",
        "to_unit_id": app.unit_id(POLICE).await.to_string(),
        "items": [{"name": "假冒白酒", "quantity": "120", "unit": "箱", "storage": "市场监管局罚没物品仓库"}]
    });
    if withheld {
        body["withheld"] = json!(true);
        body["secrecy_basis"] = json!("涉及正在侦办案件的工作秘密");
        body["secrecy_user_ids"] = json!([app.user_id("director").await.to_string()]);
    }
    let (s, v) = call(
        app,
        who,
        Method::POST,
        "/api/v1/transfers?direction=to_police",
        Some(body),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().expect("id")
}

#[tokio::test]
async fn chinese_is_searched_as_chinese() {
    each_db(true, |app| async move {
        let id = register_case(
            &app,
            "staff",
            "NIKE运动鞋制假案",
            "群众举报某公司生产销售假冒伪劣运动鞋3000双，另有一批货物待处理。",
            &["411502"],
        )
        .await;
        let case = ("case".to_string(), id);
        // A word inside a compound (伪劣 in 假冒伪劣), the compound, a word inside a longer
        // one (处理 in 待处理), a brand in Latin letters in another case, a person-free
        // company name.
        for q in ["伪劣", "假冒伪劣", "处理", "nike", "运动鞋", "茶业有限公司"] {
            assert!(found(&app, "staff", q).await.contains(&case), "{q}");
        }
        // Words absent from it do not find it.
        for q in ["白酒", "农药"] {
            assert!(!found(&app, "staff", q).await.contains(&case), "{q}");
        }
        // Exact lookups: the credit code (any case), the case number.
        assert!(
            found(&app, "staff", &CREDIT.to_lowercase())
                .await
                .contains(&case)
        );
        let code: String = sqlx::query_scalar("SELECT code FROM cases WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .expect("code");
        let hits = found(&app, "staff", &code).await;
        assert_eq!(
            hits.first(),
            Some(&case),
            "the numbered case first: {hits:?}"
        );
        // Traditional characters read as simplified, and the page says so.
        assert!(found(&app, "staff", "假冒偽劣").await.contains(&case));
        let mut web = app.client();
        web.login("staff", PASSWORD).await;
        let page = web
            .get("/search?q=%E5%81%87%E5%86%92%E5%81%BD%E5%8A%A3")
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("已按简体“假冒伪劣”查找"),
            "{}",
            page.body
        );
        // The snippet marks the words found.
        assert!(page.body.contains("<mark>假冒伪劣</mark>"), "{}", page.body);
        assert!(page.body.contains(&format!("href=\"/cases/{id}\"")));
        // A wrongly chosen character: nothing found, and the page offers what was meant, as
        // it stands in a record this person may open.
        assert!(found(&app, "staff", "运动靴").await.is_empty());
        let page = web.get("/search?q=%E8%BF%90%E5%8A%A8%E9%9D%B4").await;
        assert!(page.body.contains("您是不是要找："), "{}", page.body);
        assert!(page.body.contains(">运动鞋</a>"), "{}", page.body);
        // Someone who cannot see the case is offered nothing from it.
        let mut other = app.client();
        other.login("pingyin.staff", PASSWORD).await;
        let page = other.get("/search?q=%E8%BF%90%E5%8A%A8%E9%9D%B4").await;
        assert!(!page.body.contains("运动鞋"), "{}", page.body);
        // A unit by name, a person by name.
        let msa = app.unit_id("信阳市市场监督管理局").await;
        assert!(
            found(&app, "staff", "市场监督管理局")
                .await
                .contains(&("unit".into(), msa))
        );
        let director = app.user_id("director").await;
        assert!(
            found(&app, "staff", "王主任")
                .await
                .contains(&("user".into(), director))
        );
    })
    .await;
}

#[tokio::test]
async fn bad_queries_are_refused_field_by_field() {
    each_db(true, |app| async move {
        for (path, field) in [
            ("/api/v1/search", "q"),
            ("/api/v1/search?q=", "q"),
            ("/api/v1/search?q=%E5%81%87&kind=secret", "kind"),
            ("/api/v1/search?q=%E5%81%87&from=2026-13-01", "from"),
            ("/api/v1/search?q=%E5%81%87&region=4115", "region"),
            (
                "/api/v1/search?q=%E5%81%87&from=2026-06-02&to=2026-06-01",
                "to",
            ),
            ("/api/v1/search?q=%E5%81%87&page=51", "page"),
        ] {
            let (s, v) = call(&app, "staff", Method::GET, path, None).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {v}");
            assert_eq!(v["error"]["fields"][0]["field"], field, "{path}: {v}");
        }
        let long = "假".repeat(101);
        let (s, v) = search(&app, "staff", &long).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        // On the page, in Chinese beside the form.
        let mut web = app.client();
        web.login("staff", PASSWORD).await;
        let page = web.get("/search?q=").await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.body.contains("请输入要查找的内容"));
        // The bare page asks nothing of anyone yet.
        assert_eq!(web.get("/search").await.status, StatusCode::OK);
    })
    .await;
}

/// For every role, a term in records in and out of their scope finds exactly those they may
/// open (the record's own API answers 200), and nothing of a withheld record they are not
/// entitled to — not even a count.
#[tokio::test]
async fn scope_is_the_first_filter_for_every_role() {
    each_db(true, |app| async move {
        const TERM: &str = "翡翠砚台";
        let city = register_case(
            &app,
            "staff",
            &format!("{TERM}侵权案（市）"),
            "市区案件。",
            &["411502"],
        )
        .await;
        let county = register_case(
            &app,
            "county.luoshan",
            &format!("{TERM}侵权案（罗山）"),
            "罗山县案件。",
            &["411521"],
        )
        .await;
        let open = transfer(&app, "liaison.scjg", &format!("{TERM}白酒移送案"), false).await;
        let secret = transfer(&app, "liaison.scjg", &format!("{TERM}涉密移送案"), true).await;
        let records = [
            ("case", city, "/api/v1/cases"),
            ("case", county, "/api/v1/cases"),
            ("transfer", open, "/api/v1/transfers"),
        ];
        for who in [
            "leader",
            "director",
            "staff",
            "county.luoshan",
            "pingyin.staff",
            "liaison.scjg",
            "handler.gaj",
            "liaison.luoshan.scjg",
            "procurator",
            "sysadmin",
            "secadmin",
            "auditadmin",
        ] {
            let hits = found(&app, who, TERM).await;
            for (kind, id, base) in records {
                let (s, _) = call(&app, who, Method::GET, &format!("{base}/{id}"), None).await;
                let may_open = s == StatusCode::OK;
                assert_eq!(
                    hits.contains(&(kind.to_string(), id)),
                    may_open,
                    "{who} {kind} {id}: detail {s}, hits {hits:?}"
                );
            }
            // The withheld transfer: only its owning units and the people named on it, within
            // their scope.
            let (s, _) = call(
                &app,
                who,
                Method::GET,
                &format!("/api/v1/transfers/{secret}"),
                None,
            )
            .await;
            let entitled =
                s == StatusCode::OK && matches!(who, "liaison.scjg" | "handler.gaj" | "director");
            assert_eq!(
                hits.contains(&("transfer".into(), secret)),
                entitled,
                "{who}: {hits:?}"
            );
            let (_, v) = search(&app, who, "涉密移送案").await;
            if !entitled {
                assert!(
                    v["items"]
                        .as_array()
                        .is_none_or(|a| a.iter().all(|h| h["id"] != secret)),
                    "{who}: {v}"
                );
                // Its words are not counted for anyone else either.
                let (_, v) = call(
                    &app,
                    who,
                    Method::GET,
                    "/api/v1/search?q=%E6%B6%89%E5%AF%86%E7%A7%BB%E9%80%81%E6%A1%88&kind=transfer",
                    None,
                )
                .await;
                assert!(v["total"].as_i64().unwrap_or(0) == 0, "{who}: {v}");
            }
        }
        // The filters narrow within the scope: by region, by kind, by date.
        let only = |q: &str| format!("/api/v1/search?q=%E7%BF%A1%E7%BF%A0%E7%A0%9A%E5%8F%B0&{q}");
        let ids = |v: &Value| -> Vec<(String, i64)> {
            v["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|h| {
                    (
                        h["kind"].as_str().unwrap_or("").to_string(),
                        h["id"].as_i64().unwrap_or(0),
                    )
                })
                .collect()
        };
        let (s, v) = call(&app, "staff", Method::GET, &only("region=411521"), None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert!(
            ids(&v).contains(&("case".into(), county)) && !ids(&v).contains(&("case".into(), city)),
            "{v}"
        );
        let (_, v) = call(&app, "staff", Method::GET, &only("kind=transfer"), None).await;
        assert_eq!(ids(&v), vec![("transfer".to_string(), open)], "{v}");
        let yesterday = common::test_today() - chrono::Duration::days(1);
        let (_, v) = call(
            &app,
            "staff",
            Method::GET,
            &only(&format!("kind=case&from={yesterday}&to={yesterday}")),
            None,
        )
        .await;
        assert_eq!(ids(&v).len(), 2, "both cases were received yesterday: {v}");
        let (_, v) = call(
            &app,
            "staff",
            Method::GET,
            &only(&format!(
                "kind=case&to={}",
                yesterday - chrono::Duration::days(1)
            )),
            None,
        )
        .await;
        assert_eq!(ids(&v).len(), 0, "{v}");
        // 三员分立: the administrators find no case work at all.
        for who in ["sysadmin", "secadmin", "auditadmin"] {
            let hits = found(&app, who, TERM).await;
            assert!(hits.is_empty(), "{who}: {hits:?}");
        }
    })
    .await;
}

#[tokio::test]
async fn a_change_is_found_at_once_and_a_rebuild_equals_the_index_fed_by_changes() {
    each_db(true, |app| async move {
        let id = register_case(&app, "staff", "紫砂壶仿冒案", "仿冒紫砂壶。", &["411502"]).await;
        assert!(found(&app, "staff", "紫砂壶").await.contains(&("case".into(), id)));
        // A report added to the case is searchable by its words straight away.
        let (s, v) = call(
            &app,
            "staff",
            Method::POST,
            &format!("/api/v1/cases/{id}/steps"),
            Some(json!({"step": "propose", "grounds": [["leader_instruction", "副市长批示要求查处景德镇青花瓷线索"]]})),
        )
        .await;
        assert!(s.is_success(), "{v}");
        assert!(found(&app, "staff", "青花瓷").await.contains(&("case".into(), id)));

        let live = app.state.ctx.search().expect("index");
        let fresh = SearchIndex::open(None).expect("fresh");
        fresh
            .rebuild(&app.db, &mut |_, _, _| {})
            .await
            .expect("rebuild");
        assert_eq!(fresh.applied(), live.applied());
        assert_eq!(fresh.contents().expect("fresh"), live.contents().expect("live"));
        assert!(live.len() > 50, "the demo organisation is indexed: {}", live.len());
    })
    .await;
}

#[tokio::test]
async fn an_index_on_disk_resumes_where_it_stopped() {
    each_db(true, |app| async move {
        let dir = tempfile::tempdir().expect("dir");
        let before = {
            let index = SearchIndex::open(Some(dir.path())).expect("open");
            assert_eq!(index.applied(), -1, "never built");
            index.catch_up(&app.db).await.expect("build");
            index.applied()
        };
        // Written while the instance was down.
        let id = register_case(&app, "staff", "端砚仿冒案", "仿冒端砚。", &["411502"]).await;
        let index = SearchIndex::open(Some(dir.path())).expect("reopen");
        assert_eq!(index.applied(), before, "the point is kept with the index");
        // A second process (instance) on the same directory is refused, and takes nothing
        // from the first.
        assert!(SearchIndex::open(Some(dir.path())).is_err());
        assert_eq!(index.applied(), before);
        index.catch_up(&app.db).await.expect("resume");
        assert!(index.applied() > before);
        let fresh = SearchIndex::open(None).expect("fresh");
        fresh
            .rebuild(&app.db, &mut |_, _, _| {})
            .await
            .expect("rebuild");
        assert_eq!(
            fresh.contents().expect("fresh"),
            index.contents().expect("resumed")
        );
        assert!(
            index
                .contents()
                .expect("contents")
                .iter()
                .any(|(k, i, _, _)| k == "case" && *i == id)
        );
    })
    .await;
}

/// A PDF uploaded to a case: its text layer is extracted once at upload and its words find the
/// case (the PDF made here by the platform's own renderer, as a member unit's letter would be).
#[tokio::test]
async fn the_text_of_an_uploaded_pdf_finds_its_case() {
    use shuangda::documents::{Fonts, OfficialDocument, Paragraph, render};
    let doc = OfficialDocument {
        issuer: "信阳市市场监督管理局".into(),
        joint_issuers: Vec::new(),
        number: "信市监函〔2026〕12号".into(),
        mark: None,
        title: "关于某茶叶公司涉嫌侵权的鉴定意见".into(),
        addressee: "信阳市打击侵犯知识产权和制售假冒伪劣商品工作领导小组办公室：".into(),
        body: vec![Paragraph::text(
            "经鉴定，扣押的毛尖茶外包装所用商标与权利人注册商标近似，系侵权商品。",
        )],
        attachments: Vec::new(),
        signature: "信阳市市场监督管理局".into(),
        date: chrono::NaiveDate::from_ymd_opt(2026, 6, 1).expect("date"),
        copy_to: Vec::new(),
        contact: None,
    };
    let fonts = Fonts::discover(None).expect("fonts-noto-cjk");
    let created = chrono::NaiveDate::from_ymd_opt(2026, 6, 1)
        .and_then(|d| d.and_hms_opt(2, 0, 0))
        .expect("instant");
    let pdf = std::sync::Arc::new(render(&doc, &fonts, created).expect("pdf"));
    each_db(true, move |app| {
        let pdf = pdf.clone();
        async move {
            let id = register_case(&app, "staff", "茶叶侵权案", "侵权线索。", &["411502"]).await;
            assert!(found(&app, "staff", "鉴定意见").await.is_empty());
            let t = app.token("staff").await;
            let boundary = "XxSdBoundaryxX";
            let mut body = Vec::new();
            body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"jianding.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").as_bytes());
            body.extend_from_slice(&pdf);
            body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
            let r = common::api_raw(
                &app,
                Method::POST,
                &format!("/api/v1/cases/{id}/attachments"),
                &t,
                &format!("multipart/form-data; boundary={boundary}"),
                body,
            )
            .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
            for q in ["鉴定意见", "信市监函〔2026〕12号", "毛尖茶"] {
                assert!(found(&app, "staff", q).await.contains(&("case".into(), id)), "{q}");
            }
        }
    })
    .await;
}

/// A person's resident ID number is not looked up: the case page masks it from most of those
/// who may open the case, and a search that answered to it would confirm it to them.
#[tokio::test]
async fn a_persons_id_number_is_not_an_exact_lookup() {
    const PERSON: &str = "11010519491231002X";
    each_db(true, |app| async move {
        let received = common::test_today() - chrono::Duration::days(1);
        let (s, v) = call(
            &app,
            "staff",
            Method::POST,
            "/api/v1/cases",
            Some(json!({
                "title": "印章仿冒案",
                "summary": "有人仿冒印章。",
                "source": "daily_work",
                "received_on": received.to_string(),
                "right_kinds": ["trademark"],
                "regions": ["411502"],
                "parties": [{"kind": "person", "name": "张某", "code": PERSON}]
            })),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let id = v["id"].as_i64().expect("id");
        assert!(
            found(&app, "staff", "印章仿冒")
                .await
                .contains(&("case".into(), id))
        );
        for q in [PERSON, &PERSON.to_lowercase()] {
            assert!(
                !found(&app, "staff", q).await.contains(&("case".into(), id)),
                "{q}"
            );
        }
    })
    .await;
}

/// A unit moved to another region by the administrator moves the scope of what it is party
/// to: the county office that may now open the transfer finds it, at once.
#[tokio::test]
async fn a_unit_moved_to_another_region_moves_what_search_finds() {
    each_db(true, |app| async move {
        const TERM: &str = "玛瑙手镯";
        let id = transfer(&app, "liaison.scjg", &format!("{TERM}移送案"), false).await;
        let msa = app.unit_id("信阳市市场监督管理局").await;
        let path = format!("/api/v1/transfers/{id}");
        let (s, _) = call(&app, "county.luoshan", Method::GET, &path, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert!(
            !found(&app, "county.luoshan", TERM)
                .await
                .contains(&("transfer".into(), id))
        );
        let (_, unit) = call(
            &app,
            "sysadmin",
            Method::GET,
            &format!("/api/v1/units/{msa}"),
            None,
        )
        .await;
        let mut body = json!({
            "name": unit["name"],
            "short_name": unit["short_name"],
            "kind": unit["kind"],
            "region_code": "411521",
            "parent_id": unit["parent_id"],
            "phone": unit["phone"],
        });
        if body["phone"].is_null() {
            body.as_object_mut().map(|o| o.remove("phone"));
        }
        let (s, v) = call(
            &app,
            "sysadmin",
            Method::PUT,
            &format!("/api/v1/units/{msa}"),
            Some(body),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, _) = call(&app, "county.luoshan", Method::GET, &path, None).await;
        assert_eq!(s, StatusCode::OK, "the county may open it now");
        assert!(
            found(&app, "county.luoshan", TERM)
                .await
                .contains(&("transfer".into(), id))
        );
    })
    .await;
}

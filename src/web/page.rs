//! Shared page plumbing: the layout every page extends, rendering, and error pages.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::extract::CurrentUser;
use crate::domain::FieldErrors;
use crate::error::AppError;

/// A group of the menu (督办, 两法衔接, …), or a link standing alone (`label` None).
pub struct NavGroup {
    pub label: Option<&'static str>,
    pub items: Vec<NavItem>,
}

pub struct NavItem {
    pub label: &'static str,
    pub href: &'static str,
    pub active: bool,
    /// A count beside the label (to-dos, unread notices).
    pub badge: Option<String>,
    /// The count calls for action now (overdue or due today).
    pub alert: bool,
}

/// What the base template needs: title, the signed-in user, navigation, the CSRF token for
/// the sign-out button, and an optional notice.
pub struct Layout {
    pub title: String,
    pub user_name: String,
    pub unit_name: String,
    pub roles: String,
    pub nav: Vec<NavGroup>,
    pub csrf: String,
    pub notice: Option<String>,
    pub signed_in: bool,
}

impl Layout {
    pub fn new(cu: &CurrentUser, title: &str, path: &str) -> Layout {
        let a = &cu.actor;
        let item = |label: &'static str, href: &'static str| {
            let (badge, alert) = match href {
                "/" => (cu.counts.todos, cu.counts.pressing > 0),
                "/notifications" => (cu.counts.unread.max(0) as usize, false),
                _ => (0, false),
            };
            NavItem {
                label,
                href,
                active: if href == "/" {
                    path == "/"
                } else {
                    path.starts_with(href)
                },
                badge: match badge {
                    0 => None,
                    1..=99 => Some(badge.to_string()),
                    _ => Some("99+".to_string()),
                },
                alert,
            }
        };
        let nav = super::menu::menu(a)
            .into_iter()
            .map(|g| NavGroup {
                label: g.label,
                items: g.links.into_iter().map(|(l, h)| item(l, h)).collect(),
            })
            .collect();
        Layout {
            title: title.to_string(),
            user_name: a.display_name.clone(),
            unit_name: a.unit_name.clone(),
            roles: a.role_labels(),
            nav,
            csrf: cu.csrf.clone(),
            notice: None,
            signed_in: true,
        }
    }

    /// For pages shown before sign-in.
    pub fn public(title: &str) -> Layout {
        Layout {
            title: title.to_string(),
            user_name: String::new(),
            unit_name: String::new(),
            roles: String::new(),
            nav: Vec::new(),
            csrf: String::new(),
            notice: None,
            signed_in: false,
        }
    }

    pub fn notice(mut self, msg: Option<&str>) -> Layout {
        self.notice = msg.and_then(notice_text).map(str::to_string);
        self
    }

    /// After a step on a record with a history (`msg` = "saved"), say what was done in the
    /// history's own words — 「已办理：发出督办公函信打假办督〔2026〕1号。」 — from the newest
    /// entry the person made in the last ten minutes (`events`: actor name, time as stored and
    /// summary, oldest first). Read from the database, never echoed from the URL; the generic
    /// notice when there is none.
    pub fn step_notice<'a>(
        self,
        msg: Option<&str>,
        who: &str,
        now: chrono::DateTime<chrono::Utc>,
        events: impl DoubleEndedIterator<Item = (&'a str, &'a str, &'a str)>,
    ) -> Layout {
        let mut layout = self.notice(msg);
        let since = crate::db::time::to_text(now - chrono::Duration::minutes(10));
        if msg == Some("saved")
            && let Some((_, _, summary)) = events.rev().find(|(actor, at, summary)| {
                *actor == who && *at >= since.as_str() && !summary.is_empty()
            })
        {
            let said = crate::domain::citation::readable(summary);
            layout.notice = Some(format!("已办理：{}。", said.trim_end_matches('。')));
        }
        layout
    }
}

/// Notices after a redirect are named by code, never echoed from the URL.
fn notice_text(code: &str) -> Option<&'static str> {
    Some(match code {
        "created" => "已创建。",
        "saved" => "已保存。",
        "activated" => "已启用。",
        "deactivated" => "已停用。",
        "granted" => "已授予角色。",
        "revoked" => "已撤销。",
        "unlocked" => "账号已解锁。",
        "password_changed" => "密码已修改，请妥善保管。",
        "signed_out" => "您已安全退出。",
        "identity_linked" => "已关联统一身份认证账号。关联不授予任何角色。",
        "identity_unlinked" => "已解除统一身份认证账号的关联。",
        "read" => "已标记为已读。",
        "reminded" => "已催办，承办单位已收到提醒。",
        "opened" => "已开启，报送单位已收到通知。",
        "submitted" => "已报送，等待上一级审核。",
        "done" => "已办理。",
        _ => return None,
    })
}

pub fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => error_page(AppError::internal(format!("template: {e}"))),
    }
}

/// A form page's status: 422 while it shows field errors, 200 otherwise.
pub fn form_status(errors: &FieldErrors) -> StatusCode {
    if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

pub fn render_status(status: StatusCode, t: &impl Template) -> Response {
    with_status(render(t), status)
}

/// `status` for a page that rendered; an error page keeps its own.
fn with_status(mut r: Response, status: StatusCode) -> Response {
    if r.status() == StatusCode::OK {
        *r.status_mut() = status;
    }
    r
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    status: u16,
    message: String,
}

pub fn error_page(e: AppError) -> Response {
    e.log();
    let status = e.status();
    let message = match &e {
        AppError::Validation(f) => {
            f.0.iter()
                .map(|x| x.message.clone())
                .collect::<Vec<_>>()
                .join("；")
        }
        other => other.to_string(),
    };
    let page = ErrorPage {
        layout: Layout::public("出错了"),
        status: status.as_u16(),
        message: message.clone(),
    };
    let mut r = match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, "出错了").into_response(),
    };
    r.extensions_mut().insert(ErrorInfo { message });
    r
}

/// What an error page said, kept on its response so that the public site can say it in its own
/// layout (`public_errors`).
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub message: String,
}

#[derive(Template)]
#[template(path = "public/error.html")]
struct PublicErrorPage {
    title: &'static str,
    status: u16,
    message: String,
}

/// An error page in the public site's layout: a member of the public never sees the internal
/// platform's frame (its name, its navigation) on the public site.
fn in_public_layout(r: Response) -> Response {
    let Some(info) = r.extensions().get::<ErrorInfo>().cloned() else {
        return r;
    };
    let status = r.status();
    match (PublicErrorPage {
        title: "出错了",
        status: status.as_u16(),
        message: info.message,
    })
    .render()
    {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => r,
    }
}

/// On the main listener: the public site's paths (`/public…`) show their errors in the public
/// layout.
pub async fn public_path_errors(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = req.uri().path();
    let public = path == "/public" || path.starts_with("/public/");
    let r = next.run(req).await;
    if public { in_public_layout(r) } else { r }
}

/// On the public listener: every error page in the public layout.
pub async fn public_errors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    in_public_layout(next.run(req).await)
}

/// Handlers of pages return this: any `AppError` becomes a Chinese error page.
pub struct PageError(pub AppError);

impl<E: Into<AppError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        error_page(self.0)
    }
}

pub type PageResult = Result<Response, PageError>;

pub async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        AppError::NotFound.into_response()
    } else {
        error_page(AppError::NotFound)
    }
}

/// Query-string paging: `page` ≥ 1.
pub fn page_number(raw: Option<&str>) -> i64 {
    raw.and_then(|p| p.parse::<i64>().ok())
        .filter(|p| (1..=100_000).contains(p))
        .unwrap_or(1)
}

/// Empty query parameters are absent.
pub fn non_empty(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The page after a step taken on a record's page: on success a redirect to `done`; when the
/// input was refused, the record's page again with the messages (422); when a rule refused the
/// step, the record's page with the reason (409); anything else an error page. A page that
/// failed to render keeps its own error status.
pub async fn after_step<T, F, Fut>(result: Result<T, AppError>, done: &str, show: F) -> PageResult
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = PageResult>,
{
    match result {
        Ok(_) => Ok(axum::response::Redirect::to(done).into_response()),
        Err(AppError::Validation(f)) => {
            let msg =
                f.0.iter()
                    .map(|x| x.message.clone())
                    .collect::<Vec<_>>()
                    .join("；");
            Ok(with_status(
                show(msg).await?,
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
        Err(e @ AppError::Conflict { .. }) => Ok(with_status(
            show(e.to_string()).await?,
            StatusCode::CONFLICT,
        )),
        Err(e) => Err(e.into()),
    }
}

/// The `?msg=` a page shows after a redirect (see `after_step`).
#[derive(serde::Deserialize, Default)]
pub struct MsgQuery {
    pub msg: Option<String>,
}

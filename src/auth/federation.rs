//! Sign-in through the government's unified identity platform (统一身份认证): what an external
//! identity may do here. Rules only, no I/O.
//!
//! An identity proved by a provider (OpenID Connect or LDAP) is only ever *linked* to an
//! account; it never brings a role with it. Roles stay granted inside the platform by the
//! security administrator, accounts are managed by the system administrator (三员分立). A
//! disabled or locked account stays shut whatever the provider says.

use std::path::PathBuf;

use serde::Deserialize;

/// A standard claim of the ID token that can identify the person or link the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Claim {
    /// The provider's stable subject identifier.
    Sub,
    PreferredUsername,
    Email,
    PhoneNumber,
}

/// One OpenID Connect provider, from `[[oidc]]` in the configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcProvider {
    /// Short id used in addresses and links (`/auth/oidc/{id}/…`): lower-case letters, digits,
    /// `-` and `_`.
    pub id: String,
    /// The provider's name: the sign-in button says 「{name}登录」, the audit trail names it.
    #[serde(default = "default_button")]
    pub name: String,
    /// The issuer; its metadata is read by discovery (`/.well-known/openid-configuration`).
    pub issuer: String,
    pub client_id: String,
    /// File holding the client secret; otherwise `SHUANGDA_OIDC_<ID>_CLIENT_SECRET`.
    #[serde(default)]
    pub client_secret_file: Option<PathBuf>,
    /// Scopes asked for beyond `openid`.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// The claim that identifies the person at this provider.
    #[serde(default = "default_subject")]
    pub subject_claim: Claim,
    /// A claim whose value, equal to an account's user name exactly, links an identity seen for
    /// the first time to that account. Unset: only the system administrator links.
    #[serde(default)]
    pub link_claim: Option<Claim>,
    /// Just-in-time creation of an account (without any role) for an identity linked to none.
    /// Off by default.
    #[serde(default)]
    pub create_accounts: bool,
    /// The unit (by its full name, e.g. 信阳市市场监督管理局) new accounts belong to; required
    /// when `create_accounts` is on.
    #[serde(default)]
    pub create_in_unit: Option<String>,
}

/// The directory, from `[ldap]` in the configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LdapDirectory {
    /// What the sign-in page calls it.
    #[serde(default = "default_ldap_name")]
    pub name: String,
    /// `ldaps://host:636`, or `ldap://host:389` with `starttls = true`.
    pub url: String,
    #[serde(default)]
    pub starttls: bool,
    /// PEM file of the certificate authorities trusted for the directory's certificate
    /// (the system's roots otherwise).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// The account that looks people up (unset: an anonymous search).
    #[serde(default)]
    pub bind_dn: Option<String>,
    /// File holding `bind_dn`'s password; otherwise `SHUANGDA_LDAP_BIND_PASSWORD`.
    #[serde(default)]
    pub bind_password_file: Option<PathBuf>,
    pub base_dn: String,
    /// Search filter; `{username}` is replaced by the escaped name typed in.
    #[serde(default = "default_filter")]
    pub user_filter: String,
    /// The attribute that identifies the person (the subject an account is linked to).
    #[serde(default = "default_id_attribute")]
    pub id_attribute: String,
    /// Link an identity seen for the first time to the account whose user name equals its
    /// `id_attribute` exactly. Off: only the system administrator links.
    #[serde(default)]
    pub link_by_username: bool,
}

/// The provider id under which directory identities are linked.
pub const LDAP_PROVIDER: &str = "ldap";

fn default_button() -> String {
    "统一身份认证".into()
}
fn default_ldap_name() -> String {
    "统一身份认证账号".into()
}
fn default_scopes() -> Vec<String> {
    vec!["profile".into()]
}
fn default_subject() -> Claim {
    Claim::Sub
}
fn default_filter() -> String {
    "(uid={username})".into()
}
fn default_id_attribute() -> String {
    "uid".into()
}

/// What is wrong with the sign-in configuration, said so the administrator can mend it.
pub fn check_config(oidc: &[OidcProvider], ldap: Option<&LdapDirectory>) -> Result<(), String> {
    let mut seen = Vec::new();
    for p in oidc {
        let ok_id = !p.id.is_empty()
            && p.id.len() <= 32
            && p.id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !ok_id {
            return Err(format!(
                "[[oidc]] id「{}」只能由小写字母、数字、- 和 _ 组成（1至32个字符）",
                p.id
            ));
        }
        if p.id == LDAP_PROVIDER || seen.contains(&p.id.as_str()) {
            return Err(format!("[[oidc]] id「{}」重复或为保留字", p.id));
        }
        seen.push(&p.id);
        if !issuer_allowed(&p.issuer) {
            return Err(format!(
                "[[oidc]]「{}」的 issuer 必须是 https 地址（本机测试除外）",
                p.id
            ));
        }
        if p.create_accounts && p.create_in_unit.as_deref().is_none_or(str::is_empty) {
            return Err(format!(
                "[[oidc]]「{}」开启 create_accounts 时须以 create_in_unit 指定新账号所属单位",
                p.id
            ));
        }
    }
    if let Some(l) = ldap {
        let tls = l.url.starts_with("ldaps://") || (l.url.starts_with("ldap://") && l.starttls);
        if !tls {
            return Err(
                "[ldap] 只能经 LDAPS（ldaps://）或 StartTLS（ldap:// 且 starttls = true）连接，密码不得明文传输"
                    .into(),
            );
        }
        if !l.user_filter.contains("{username}") {
            return Err("[ldap] user_filter 须包含 {username}".into());
        }
    }
    Ok(())
}

/// An issuer must be reached over HTTPS; plain HTTP only on this machine (tests, a provider on
/// loopback), judged by the parsed host, not a prefix (`http://localhost.evil.example`).
pub fn issuer_allowed(issuer: &str) -> bool {
    let Ok(url) = reqwest::Url::parse(issuer) else {
        return false;
    };
    match url.scheme() {
        "https" => url.host_str().is_some(),
        "http" => {
            let host = url.host_str().unwrap_or_default();
            let loopback = host == "localhost"
                || host
                    .parse::<std::net::Ipv4Addr>()
                    .is_ok_and(|ip| ip.is_loopback());
            url.username().is_empty() && loopback
        }
        _ => false,
    }
}

/// An account as the linking rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub active: bool,
    /// Holds one of the three administrators' roles (三员): such an account signs in with the
    /// platform's own password only, so that no identity elsewhere — nor the system
    /// administrator linking one — can become the security or audit administrator.
    pub administrator: bool,
}

/// What to do with an identity a provider has just proved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// Linked before: sign in as that account.
    Linked(i64),
    /// First seen, and the configured claim names exactly this account: link it, then sign in.
    LinkByClaim(i64),
    /// First seen, no account matches, and the office allows it: create an account without any
    /// role in the configured unit, tell the security administrator, then sign in.
    Create,
    /// Refused.
    Refused(Refusal),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No account is linked and none may be linked or created automatically.
    Unlinked,
    /// The account is disabled in the platform.
    Disabled,
    /// The account is one of the three administrators' (三员).
    Administrator,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Refusal::Unlinked => "unlinked",
            Refusal::Disabled => "disabled",
            Refusal::Administrator => "administrator",
        }
    }

    /// What the sign-in page says.
    pub fn message(self) -> &'static str {
        match self {
            Refusal::Unlinked => {
                "该统一身份认证账号尚未关联本平台账号，请联系系统管理员关联后再登录。"
            }
            Refusal::Disabled => "本平台账号已停用，不能登录。如有疑问请联系系统管理员。",
            Refusal::Administrator => {
                "系统管理员、安全管理员、审计管理员账号只能以本平台账号密码登录，不能经统一身份认证登录。"
            }
        }
    }
}

/// The linking rule. `linked`: the account this identity is linked to; `by_claim`: the account
/// the configured claim names exactly (if a claim is configured and one matches); `create`:
/// whether just-in-time creation is on.
pub fn resolve(linked: Option<Account>, by_claim: Option<Account>, create: bool) -> Resolution {
    match (linked, by_claim) {
        // An existing link decides; a disabled account stays shut whatever the provider says,
        // and an administrator's only ever opens with the platform's password.
        (Some(a), _) if a.administrator => Resolution::Refused(Refusal::Administrator),
        (Some(a), _) if a.active => Resolution::Linked(a.id),
        (Some(_), _) => Resolution::Refused(Refusal::Disabled),
        (None, Some(a)) if a.administrator => Resolution::Refused(Refusal::Administrator),
        (None, Some(a)) if a.active => Resolution::LinkByClaim(a.id),
        // A claim naming a disabled account neither links it nor creates a second one.
        (None, Some(_)) => Resolution::Refused(Refusal::Disabled),
        (None, None) if create => Resolution::Create,
        (None, None) => Resolution::Refused(Refusal::Unlinked),
    }
}

/// LDAP filter value escaping (RFC 4515 §3): the typed name can never widen the search.
pub fn ldap_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '*' => out.push_str("\\2a"),
            '(' => out.push_str("\\28"),
            ')' => out.push_str("\\29"),
            '\\' => out.push_str("\\5c"),
            '\0' => out.push_str("\\00"),
            c => out.push(c),
        }
    }
    out
}

/// The directory search filter for a typed user name.
pub fn ldap_filter(template: &str, username: &str) -> String {
    template.replace("{username}", &ldap_escape(username))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ON: Account = Account {
        id: 7,
        active: true,
        administrator: false,
    };
    const OFF: Account = Account {
        id: 8,
        active: false,
        administrator: false,
    };
    const ADMIN: Account = Account {
        id: 9,
        active: true,
        administrator: true,
    };

    #[test]
    fn an_administrators_account_never_opens_through_a_provider() {
        for create in [false, true] {
            assert_eq!(
                resolve(Some(ADMIN), None, create),
                Resolution::Refused(Refusal::Administrator)
            );
            assert_eq!(
                resolve(None, Some(ADMIN), create),
                Resolution::Refused(Refusal::Administrator)
            );
        }
    }

    #[test]
    fn plain_http_issuers_only_on_this_machine() {
        assert!(issuer_allowed("https://idp.example.gov.cn"));
        assert!(issuer_allowed("http://127.0.0.1:8080"));
        assert!(issuer_allowed("http://localhost:9000/realms/x"));
        for bad in [
            "http://idp.example.gov.cn",
            "http://localhost.evil.example",
            "http://127.0.0.1.nip.io",
            "http://localhost@evil.example",
            "ftp://127.0.0.1",
            "not a url",
        ] {
            assert!(!issuer_allowed(bad), "{bad}");
        }
    }

    #[test]
    fn a_link_decides_and_a_disabled_account_stays_shut() {
        assert_eq!(resolve(Some(ON), None, false), Resolution::Linked(7));
        // The existing link wins over a claim that names another account.
        assert_eq!(resolve(Some(ON), Some(OFF), true), Resolution::Linked(7));
        for create in [false, true] {
            for claim in [None, Some(ON)] {
                assert_eq!(
                    resolve(Some(OFF), claim, create),
                    Resolution::Refused(Refusal::Disabled)
                );
            }
        }
    }

    #[test]
    fn a_first_sign_in_links_by_claim_creates_only_if_allowed_or_is_refused() {
        assert_eq!(resolve(None, Some(ON), false), Resolution::LinkByClaim(7));
        assert_eq!(resolve(None, Some(ON), true), Resolution::LinkByClaim(7));
        assert_eq!(
            resolve(None, Some(OFF), true),
            Resolution::Refused(Refusal::Disabled)
        );
        assert_eq!(resolve(None, None, true), Resolution::Create);
        assert_eq!(
            resolve(None, None, false),
            Resolution::Refused(Refusal::Unlinked)
        );
    }

    #[test]
    fn a_typed_name_cannot_widen_the_directory_search() {
        assert_eq!(ldap_filter("(uid={username})", "zhang"), "(uid=zhang)");
        assert_eq!(
            ldap_filter("(&(objectClass=person)(uid={username}))", "*)(uid=*"),
            "(&(objectClass=person)(uid=\\2a\\29\\28uid=\\2a))"
        );
        assert_eq!(ldap_escape("a\\b\0"), "a\\5cb\\00");
    }

    fn provider(id: &str) -> OidcProvider {
        OidcProvider {
            id: id.into(),
            name: default_button(),
            issuer: "https://idp.example.gov.cn".into(),
            client_id: "shuangda".into(),
            client_secret_file: None,
            scopes: default_scopes(),
            subject_claim: Claim::Sub,
            link_claim: None,
            create_accounts: false,
            create_in_unit: None,
        }
    }

    #[test]
    fn the_configuration_is_checked_before_the_server_starts() {
        assert!(check_config(&[provider("gov")], None).is_ok());
        assert!(check_config(&[provider("Gov")], None).is_err());
        assert!(check_config(&[provider("gov"), provider("gov")], None).is_err());
        assert!(check_config(&[provider("ldap")], None).is_err());
        let mut plain = provider("gov");
        plain.issuer = "http://idp.example.gov.cn".into();
        assert!(check_config(&[plain], None).is_err());
        let mut jit = provider("gov");
        jit.create_accounts = true;
        assert!(check_config(std::slice::from_ref(&jit), None).is_err());
        jit.create_in_unit = Some("SJ01".into());
        assert!(check_config(&[jit], None).is_ok());
        let mut dir = LdapDirectory {
            name: default_ldap_name(),
            url: "ldap://dir.example.gov.cn".into(),
            starttls: false,
            ca_file: None,
            bind_dn: None,
            bind_password_file: None,
            base_dn: "dc=example".into(),
            user_filter: default_filter(),
            id_attribute: default_id_attribute(),
            link_by_username: false,
        };
        assert!(check_config(&[], Some(&dir)).is_err(), "plain LDAP refused");
        dir.starttls = true;
        assert!(check_config(&[], Some(&dir)).is_ok());
        dir.url = "ldaps://dir.example.gov.cn".into();
        dir.starttls = false;
        assert!(check_config(&[], Some(&dir)).is_ok());
        dir.user_filter = "(uid=x)".into();
        assert!(check_config(&[], Some(&dir)).is_err());
    }
}

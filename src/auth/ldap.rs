//! Sign-in against the directory (`ldap3`), over LDAPS or StartTLS only: find the person's entry
//! with the configured filter (as the service account, or anonymously), then bind as that entry
//! with the password typed in. The password is never stored; groups are not read as roles.

use std::sync::Arc;
use std::time::Duration;

use ldap3::{LdapConnAsync, LdapConnSettings, Scope, SearchEntry};

use super::federation::{LdapDirectory, ldap_filter};

#[derive(Debug, thiserror::Error)]
pub enum LdapError {
    #[error("统一身份认证目录暂时无法访问（{0}）")]
    Unreachable(String),
    #[error("统一身份认证目录的配置有误（{0}）")]
    Config(String),
}

/// What the directory says of a name and password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The password is right: the person's identifying attribute.
    Proved { subject: String },
    /// The directory has this person, the password is wrong.
    WrongPassword { subject: String },
    /// No entry (or more than one) matches the name.
    NotFound,
}

/// The directory with its TLS settings and the service account's password, read once.
pub struct Directory {
    pub conf: LdapDirectory,
    bind_password: Option<String>,
    tls: Arc<rustls::ClientConfig>,
}

impl Directory {
    /// Read the CA file and the service account's password (file, or
    /// `SHUANGDA_LDAP_BIND_PASSWORD`).
    pub fn new(conf: LdapDirectory, env_password: Option<String>) -> Result<Directory, LdapError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        match &conf.ca_file {
            Some(path) => {
                use rustls::pki_types::CertificateDer;
                use rustls::pki_types::pem::PemObject;
                let certs = CertificateDer::pem_file_iter(path)
                    .map_err(|e| LdapError::Config(format!("{}: {e}", path.display())))?;
                for c in certs {
                    let c = c.map_err(|e| LdapError::Config(format!("{}: {e}", path.display())))?;
                    roots
                        .add(c)
                        .map_err(|e| LdapError::Config(format!("{}: {e}", path.display())))?;
                }
            }
            None => {
                let native = rustls_native_roots();
                roots.add_parsable_certificates(native);
            }
        }
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| LdapError::Config(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let bind_password = match &conf.bind_password_file {
            Some(p) => Some(
                std::fs::read_to_string(p)
                    .map_err(|e| LdapError::Config(format!("{}: {e}", p.display())))?
                    .trim_end_matches(['\r', '\n'])
                    .to_string(),
            ),
            None => env_password,
        };
        // An empty password would make the service bind an unauthenticated one (RFC 4513
        // §5.1.2), which some directories accept as success.
        if conf.bind_dn.is_some() && bind_password.as_deref().is_none_or(str::is_empty) {
            return Err(LdapError::Config(
                "设置了 bind_dn 却没有其密码（bind_password_file 或 SHUANGDA_LDAP_BIND_PASSWORD）"
                    .into(),
            ));
        }
        Ok(Directory {
            conf,
            bind_password,
            tls: Arc::new(tls),
        })
    }

    /// Check `username` and `password` against the directory, within 15 seconds in all (ldap3's
    /// own timeout covers one operation at a time).
    pub async fn check(&self, username: &str, password: &str) -> Result<Outcome, LdapError> {
        tokio::time::timeout(Duration::from_secs(15), self.check_now(username, password))
            .await
            .unwrap_or_else(|_| Err(LdapError::Unreachable("15 秒内未答复".into())))
    }

    async fn check_now(&self, username: &str, password: &str) -> Result<Outcome, LdapError> {
        // An empty password would be an anonymous bind, which "succeeds" (RFC 4513 §5.1.2).
        if password.is_empty() || username.trim().is_empty() {
            return Ok(Outcome::NotFound);
        }
        let settings = LdapConnSettings::new()
            .set_conn_timeout(Duration::from_secs(10))
            .set_starttls(self.conf.starttls)
            .set_config(self.tls.clone());
        let unreachable = |e: ldap3::LdapError| LdapError::Unreachable(e.to_string());
        let (conn, mut ldap) = LdapConnAsync::with_settings(settings, &self.conf.url)
            .await
            .map_err(unreachable)?;
        ldap3::drive!(conn);
        ldap.with_timeout(Duration::from_secs(10));
        if let Some(dn) = &self.conf.bind_dn {
            ldap.simple_bind(dn, self.bind_password.as_deref().unwrap_or(""))
                .await
                .and_then(|r| r.success())
                .map_err(|e| LdapError::Config(format!("查询账号绑定失败：{e}")))?;
        }
        let filter = ldap_filter(&self.conf.user_filter, username.trim());
        let attr = self.conf.id_attribute.as_str();
        let (entries, _) = ldap
            .search(&self.conf.base_dn, Scope::Subtree, &filter, vec![attr])
            .await
            .and_then(|r| r.success())
            .map_err(unreachable)?;
        // Exactly one entry, or nobody: an ambiguous name proves no one.
        let [entry] = entries.as_slice() else {
            let _ = ldap.unbind().await;
            return Ok(Outcome::NotFound);
        };
        let entry = SearchEntry::construct(entry.clone());
        let subject = entry
            .attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(attr))
            .and_then(|(_, v)| v.first().cloned());
        let Some(subject) = subject else {
            let _ = ldap.unbind().await;
            return Ok(Outcome::NotFound);
        };
        let bound = ldap
            .simple_bind(&entry.dn, password)
            .await
            .map_err(unreachable)?;
        let _ = ldap.unbind().await;
        // 49: invalidCredentials. Anything else is the directory's trouble, not a wrong password.
        match bound.rc {
            0 => Ok(Outcome::Proved { subject }),
            49 => Ok(Outcome::WrongPassword { subject }),
            rc => Err(LdapError::Unreachable(format!(
                "bind rc={rc} {}",
                bound.text
            ))),
        }
    }
}

/// The system's trusted roots, for a directory whose certificate a public CA signed.
fn rustls_native_roots() -> Vec<rustls::pki_types::CertificateDer<'static>> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    [
        "/etc/ssl/certs/ca-certificates.crt",
        "/etc/pki/tls/certs/ca-bundle.crt",
    ]
    .iter()
    .find_map(|p| CertificateDer::pem_file_iter(p).ok())
    .map(|it| it.filter_map(Result::ok).collect())
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conf() -> LdapDirectory {
        toml::from_str(
            "url = \"ldaps://dir.example.gov.cn\"\nbase_dn = \"dc=example\"\n\
             bind_dn = \"cn=shuangda,dc=example\"",
        )
        .expect("conf")
    }

    #[test]
    fn a_service_account_without_its_password_is_refused_at_start() {
        assert!(Directory::new(conf(), None).is_err());
        assert!(Directory::new(conf(), Some(String::new())).is_err());
        assert!(Directory::new(conf(), Some("secret".into())).is_ok());
    }

    #[tokio::test]
    async fn an_empty_password_or_name_proves_nobody_without_asking_the_directory() {
        // The directory's address is unreachable: an answer means it was never asked.
        let d = Directory::new(conf(), Some("secret".into())).expect("directory");
        assert_eq!(d.check("zhang", "").await.ok(), Some(Outcome::NotFound));
        assert_eq!(d.check("  ", "pw").await.ok(), Some(Outcome::NotFound));
    }
}

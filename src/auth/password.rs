//! Passwords: the policy (pure) and argon2id hashing.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Argon2, PasswordHash};

use crate::domain::FieldError;

pub const MIN_LEN: usize = 10;
pub const MAX_LEN: usize = 128;

/// A few passwords people reach for first; refused whatever their character classes.
const COMMON: &[&str] = &[
    "password",
    "passw0rd",
    "12345678",
    "123456789",
    "1234567890",
    "qwertyuiop",
    "admin123",
    "abc12345",
    "shuangda",
    "welcome1",
    "iloveyou",
    "p@ssw0rd",
    "admin@123",
    "root1234",
];

/// The password policy (等保 2.0 身份鉴别: complexity): at least 10 characters, at least three of
/// upper case, lower case, digits and symbols, not containing the user name, not a common
/// password, and different from the current one.
pub fn check_policy(field: &str, password: &str, username: &str) -> Result<(), FieldError> {
    let weak = |msg: &str| Err(FieldError::new(field, "weak_password", msg));
    let n = password.chars().count();
    if n < MIN_LEN {
        return weak("密码至少10位");
    }
    if n > MAX_LEN {
        return Err(FieldError::new(field, "too_long", "密码不能超过128位"));
    }
    let classes = [
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if classes < 3 {
        return weak("密码须包含大写字母、小写字母、数字、符号中的至少三类");
    }
    let lower = password.to_lowercase();
    if !username.is_empty() && lower.contains(&username.to_lowercase()) {
        return weak("密码不能包含用户名");
    }
    if COMMON
        .iter()
        .any(|c| lower.contains(c) && c.len() + 3 >= lower.len())
    {
        return weak("密码过于常见，请换一个");
    }
    Ok(())
}

pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    // Argon2::default() is argon2id v19 with the OWASP-recommended m=19 MiB, t=2, p=1.
    Ok(Argon2::default()
        .hash_password(password.as_bytes())?
        .to_string())
}

pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A random password that satisfies the policy, for accounts an administrator creates or
/// resets (the user must change it at first sign-in).
pub fn generate() -> String {
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const LOWER: &[u8] = b"abcdefghijkmnpqrstuvwxyz";
    const DIGIT: &[u8] = b"23456789";
    const SYMBOL: &[u8] = b"@#%+=!";
    let bytes = super::random_bytes::<16>();
    let sets = [UPPER, LOWER, DIGIT, SYMBOL];
    bytes
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let set = if i < 4 {
                sets[i]
            } else {
                sets[(*b as usize) % 3]
            };
            set[(*b as usize) % set.len()] as char
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        assert!(check_policy("p", "Xinyang@2026", "zhang").is_ok());
        assert!(check_policy("p", "短密码A1!", "zhang").is_err());
        assert!(check_policy("p", "alllowercase1", "zhang").is_err());
        assert!(check_policy("p", "Zhangsan2026!", "zhangsan").is_err());
        assert!(check_policy("p", "Password123", "x").is_err());
        assert!(check_policy("p", &"Aa1!".repeat(40), "x").is_err());
    }

    #[test]
    fn generated_passwords_pass_policy() {
        for _ in 0..50 {
            let p = generate();
            assert_eq!(p.len(), 16);
            assert!(check_policy("p", &p, "user").is_ok(), "{p}");
        }
    }

    #[test]
    fn hash_and_verify() {
        let h = hash("Xinyang@2026").expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("Xinyang@2026", &h));
        assert!(!verify("xinyang@2026", &h));
        assert!(!verify("x", "not a hash"));
    }
}

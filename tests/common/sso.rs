//! Real identity providers for the sign-in tests: panva's `oidc-provider` (node) and Debian's
//! `slapd`, each started on a loopback port with throw-away state and stopped on drop.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The address the in-process test apps pretend to be served at; the provider sends the
/// browser back there, and the test hands that request to the app's router.
pub const PUBLIC_URL: &str = "http://shuangda.test";

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The OpenID Connect provider (tests/support/oidc/server.mjs).
pub struct OpenIdProvider {
    child: Child,
    pub issuer: String,
}

impl Drop for OpenIdProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl OpenIdProvider {
    /// Start it with these redirect and post-logout URIs registered for its clients.
    pub fn start(redirects: &[String], post_logout: &[String]) -> OpenIdProvider {
        let dir = manifest_dir().join("tests/support/oidc");
        if !dir.join("node_modules/oidc-provider").exists() {
            let ok = Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&dir)
                .status()
                .is_ok_and(|s| s.success());
            assert!(
                ok,
                "npm ci in tests/support/oidc failed: the OpenID Connect tests need node and npm"
            );
        }
        let mut child = Command::new("node")
            .arg("server.mjs")
            .current_dir(&dir)
            .env("REDIRECT_URIS", redirects.join(","))
            .env("POST_LOGOUT_URIS", post_logout.join(","))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node runs tests/support/oidc/server.mjs");
        let out = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(out).lines();
        let issuer = loop {
            match lines.next() {
                Some(Ok(l)) if l.starts_with("READY ") => break l[6..].trim().to_string(),
                Some(Ok(_)) => continue,
                _ => panic!("the OpenID Connect provider did not start"),
            }
        };
        OpenIdProvider { child, issuer }
    }
}

/// A provider section of the configuration for client `client` at `issuer`.
pub fn oidc_config(id: &str, name: &str, issuer: &str, client: &str) -> toml::Table {
    let secret = format!("{client}-secret");
    let mut t = toml::Table::new();
    t.insert("id".into(), id.into());
    t.insert("name".into(), name.into());
    t.insert("issuer".into(), issuer.into());
    t.insert("client_id".into(), client.into());
    // The secret from a file, as production keeps it. One file per call: tests of one binary
    // run at once, and a shared path could be read between another test's truncate and write
    // (an empty secret, so the provider refused the code exchange now and then under load).
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let f = std::env::temp_dir().join(format!("shuangda-oidc-{client}-{}-{n}", std::process::id()));
    std::fs::write(&f, format!("{secret}\n")).expect("write secret file");
    t.insert("client_secret_file".into(), f.display().to_string().into());
    t
}

/// `slapd` on a loopback port, StartTLS with a certificate of a throw-away CA, holding
/// `dc=shuangda,dc=test` with the people given as (uid, password).
pub struct Slapd {
    child: Child,
    pub port: u16,
    pub ca_file: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Slapd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn run(cmd: &mut Command) {
    let out = cmd.output().expect("command runs");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Slapd {
    pub fn start(people: &[(&str, &str)]) -> Slapd {
        let slapd = ["/usr/sbin/slapd", "/usr/local/sbin/slapd"]
            .into_iter()
            .map(Path::new)
            .find(|p| p.exists())
            .expect("slapd is installed (Debian package slapd)");
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        let p = |n: &str| d.join(n).display().to_string();
        // A CA and a server certificate for 127.0.0.1 signed by it.
        run(Command::new("openssl").args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=shuangda test CA",
            "-keyout",
            &p("ca.key"),
            "-out",
            &p("ca.pem"),
        ]));
        run(Command::new("openssl").args([
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            &p("key.pem"),
            "-out",
            &p("req.csr"),
        ]));
        std::fs::write(
            d.join("ext.cnf"),
            "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
        )
        .expect("ext");
        run(Command::new("openssl").args([
            "x509",
            "-req",
            "-days",
            "2",
            "-in",
            &p("req.csr"),
            "-CA",
            &p("ca.pem"),
            "-CAkey",
            &p("ca.key"),
            "-CAcreateserial",
            "-extfile",
            &p("ext.cnf"),
            "-out",
            &p("cert.pem"),
        ]));
        std::fs::create_dir(d.join("db")).expect("db dir");
        let conf = format!(
            "include /etc/ldap/schema/core.schema\n\
             include /etc/ldap/schema/cosine.schema\n\
             include /etc/ldap/schema/inetorgperson.schema\n\
             modulepath /usr/lib/ldap\n\
             moduleload back_mdb\n\
             pidfile {pid}\n\
             TLSCertificateFile {cert}\n\
             TLSCertificateKeyFile {key}\n\
             database mdb\n\
             maxsize 10485760\n\
             suffix \"dc=shuangda,dc=test\"\n\
             rootdn \"cn=admin,dc=shuangda,dc=test\"\n\
             rootpw admin-secret\n\
             directory {db}\n",
            pid = p("slapd.pid"),
            cert = p("cert.pem"),
            key = p("key.pem"),
            db = p("db"),
        );
        std::fs::write(d.join("slapd.conf"), conf).expect("conf");
        let mut ldif = String::from(
            "dn: dc=shuangda,dc=test\nobjectClass: dcObject\nobjectClass: organization\n\
             o: shuangda\ndc: shuangda\n\n\
             dn: ou=people,dc=shuangda,dc=test\nobjectClass: organizationalUnit\nou: people\n\n",
        );
        for (uid, pw) in people {
            ldif.push_str(&format!(
                "dn: uid={uid},ou=people,dc=shuangda,dc=test\nobjectClass: inetOrgPerson\n\
                 uid: {uid}\ncn: {uid}\nsn: {uid}\nuserPassword: {pw}\n\n"
            ));
        }
        std::fs::write(d.join("people.ldif"), ldif).expect("ldif");
        let slapadd = slapd.with_file_name("slapadd");
        run(Command::new(slapadd).args(["-f", &p("slapd.conf"), "-l", &p("people.ldif")]));
        let port = free_port();
        let child = Command::new(slapd)
            .args([
                "-f",
                &p("slapd.conf"),
                "-h",
                &format!("ldap://127.0.0.1:{port}/"),
                "-d",
                "0",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("slapd starts");
        // Serving once the port accepts connections.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "slapd did not start listening"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Slapd {
            child,
            port,
            ca_file: d.join("ca.pem"),
            _dir: dir,
        }
    }

    /// The `[ldap]` section for this directory: StartTLS, the test CA, anonymous search.
    pub fn config(&self, link_by_username: bool) -> toml::Table {
        let mut t = toml::Table::new();
        t.insert("name".into(), "信阳市统一身份认证目录".into());
        t.insert(
            "url".into(),
            format!("ldap://127.0.0.1:{}", self.port).into(),
        );
        t.insert("starttls".into(), true.into());
        t.insert("ca_file".into(), self.ca_file.display().to_string().into());
        t.insert("base_dn".into(), "ou=people,dc=shuangda,dc=test".into());
        t.insert("link_by_username".into(), link_by_username.into());
        t
    }
}

/// A browser at the provider: keeps the provider's cookies, follows nothing by itself.
pub fn provider_browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// From `url` (where the platform sent the browser), sign in at the provider as `login` and
/// follow its redirects until it sends the browser back under `back_to`: that address.
pub async fn at_provider(
    op: &reqwest::Client,
    issuer: &str,
    mut url: String,
    back_to: &str,
    login: &str,
) -> String {
    assert!(url.starts_with(issuer), "to the provider: {url}");
    assert!(url.contains("code_challenge_method=S256"), "PKCE: {url}");
    assert!(url.contains("nonce="), "nonce: {url}");
    for _ in 0..10 {
        if url.starts_with(back_to) {
            return url;
        }
        let abs = if url.starts_with('/') {
            format!("{issuer}{url}")
        } else {
            url.clone()
        };
        let resp = if abs.contains("/interaction/") {
            let uid = abs.rsplit('/').next().unwrap_or_default().to_string();
            op.post(format!("{issuer}/interaction/{uid}/login"))
                .form(&[("login", login)])
                .send()
                .await
                .expect("provider login")
        } else {
            op.get(&abs).send().await.expect("provider")
        };
        url = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("provider answered {} at {abs}", resp.status()))
            .to_string();
    }
    panic!("the provider never sent the browser back");
}

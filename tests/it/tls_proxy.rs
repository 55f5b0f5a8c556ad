//! The TLS-terminating HAProxy of `deploy/haproxy/` in front of the gateway's
//! trusted-proxy mode: real handshakes with the cipher suites OCPP requires that the
//! gateway's own rustls listener does not offer (RSA key exchange), for security
//! profiles 2 and 3, driven by a Python `ocpp` charger whose TLS stack offers only
//! that suite.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use common::*;
use ocpp_gateway::config::ChargerSeed;
use ocpp_gateway::security::certs;

/// Whether haproxy, openssl and python3 with `ocpp` and `websockets` are here; under
/// CI they must be.
fn tools_ready() -> bool {
    let runs = |cmd: &str, args: &[&str]| {
        std::process::Command::new(cmd)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    let ready = runs("haproxy", &["-v"])
        && runs("openssl", &["version"])
        && runs("python3", &["-c", "import ocpp, websockets"]);
    if !ready {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but haproxy, openssl or python3 with ocpp and websockets is missing"
        );
        eprintln!("skipped: haproxy, openssl or python3 with ocpp and websockets not installed");
    }
    ready
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// `certs init` certificates plus the RSA server certificate of
/// `deploy/haproxy/rsa-server-cert.sh`.
fn pki(chargers: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let chargers: Vec<String> = chargers.iter().map(|c| c.to_string()).collect();
    certs::init(
        dir.path(),
        &["localhost".into(), "127.0.0.1".into()],
        &chargers,
    )
    .expect("certs init");
    let out = std::process::Command::new("sh")
        .arg(repo("deploy/haproxy/rsa-server-cert.sh"))
        .arg(dir.path())
        .output()
        .expect("rsa-server-cert.sh runs");
    assert!(
        out.status.success(),
        "rsa-server-cert.sh: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

/// HAProxy running `deploy/haproxy/haproxy.cfg`, killed when dropped.
struct Proxy {
    _child: tokio::process::Child,
    addr: String,
}

/// Starts HAProxy in front of `gateway` on a free port. HAProxy cannot bind port 0, so
/// a port is picked by binding 127.0.0.1:0 and released right before the launch; if
/// something took it meanwhile HAProxy exits and another port is tried.
async fn proxy(gateway: std::net::SocketAddr, cert_dir: &Path) -> Proxy {
    for _ in 0..5 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let addr = format!("127.0.0.1:{port}");
        let mut child = tokio::process::Command::new("haproxy")
            .args(["-db", "-f"])
            .arg(repo("deploy/haproxy/haproxy.cfg"))
            .env("OCPP_TLS_BIND", &addr)
            .env("OCPP_GATEWAY", gateway.to_string())
            .env("OCPP_CERT_DIR", cert_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("haproxy starts");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while tokio::time::Instant::now() < deadline {
            if child.try_wait().expect("haproxy status").is_some() {
                break;
            }
            if tokio::net::TcpStream::connect(&addr).await.is_ok() {
                return Proxy {
                    _child: child,
                    addr,
                };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    panic!("haproxy did not come up on any of five ports");
}

/// What the Python charger printed (`key=value` lines) and its exit status.
struct Outcome {
    code: Option<i32>,
    lines: Vec<String>,
}

impl Outcome {
    fn get(&self, key: &str) -> Option<&str> {
        self.lines
            .iter()
            .find_map(|l| l.strip_prefix(&format!("{key}=")))
    }
}

async fn charger(proxy: &str, identity: &str, ca: &Path, cipher: &str, extra: &[&str]) -> Outcome {
    let out = tokio::time::timeout(
        Duration::from_secs(40),
        tokio::process::Command::new("python3")
            .arg(repo("tests/python/tls_proxy_charger.py"))
            .args(["--url", &format!("wss://{proxy}/ocpp/{identity}")])
            .arg("--ca")
            .arg(ca)
            .args(["--cipher", cipher])
            .args(extra)
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("the Python charger finishes")
    .expect("python3 runs");
    let lines = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    Outcome {
        code: out.status.code(),
        lines,
    }
}

fn profile(identity: &str, password: Option<&str>, level: u8) -> ChargerSeed {
    let mut s = seed(identity, password);
    s.security_profile = level;
    s
}

/// OCPP 2.0.1 A00.FR.318/319 (profile 2) and A00.FR.418/419 (profile 3), 1.6 security
/// whitepaper §4.1.3: a charger whose TLS offers only TLS_RSA_WITH_AES_128_GCM_SHA256
/// or TLS_RSA_WITH_AES_256_GCM_SHA384 connects through the HAProxy path and boots, with
/// Basic auth (profile 2) or its client certificate (profile 3); another identity's
/// certificate, a wrong password and a forged certificate header are refused. The
/// gateway's own listener refuses that suite (what such a charger sees without the
/// proxy).
#[tokio::test]
async fn chargers_limited_to_rsa_key_exchange_connect_through_the_haproxy_path() {
    if !tools_ready() {
        return;
    }
    let pki = pki(&["PX3", "PXOTHER"]);
    let path = |name: &str| pki.path().join(name);
    let mut s = settings();
    s.ocpp.auto_register = false;
    s.ocpp.allow_unauthenticated = false;
    s.ocpp.trusted_proxies = vec!["127.0.0.1".into()];
    s.ocpp.tls_listen = "127.0.0.1:0".into();
    s.tls.cert_chain = path("server.pem");
    s.tls.private_key = path("server.key");
    s.tls.client_ca = path("ca.pem");
    s.tls.ca_key = path("ca.key");
    s.chargers
        .push(profile("PX2", Some("px2-secret-password"), 2));
    s.chargers.push(profile("PX3", None, 3));
    let tg = start(s).await;
    let proxy = proxy(tg.gw.ocpp_addr(), pki.path()).await;
    let ca = path("ca.pem");
    let basic = ["--user", "PX2", "--password", "px2-secret-password"];

    // Profile 2 with each RSA key-exchange suite.
    for suite in ["AES128-GCM-SHA256", "AES256-GCM-SHA384"] {
        let o = charger(&proxy.addr, "PX2", &ca, suite, &basic).await;
        assert_eq!(o.code, Some(0), "{suite}: {:?}", o.lines);
        assert_eq!(o.get("cipher"), Some(suite), "{:?}", o.lines);
        assert_eq!(o.get("boot"), Some("Accepted"), "{:?}", o.lines);
    }
    // ECDHE-ECDSA (the suites the rustls listener offers too): the ECDSA certificate,
    // chosen by SNI.
    let mut sni = basic.to_vec();
    sni.extend(["--server-name", "localhost"]);
    let o = charger(
        &proxy.addr,
        "PX2",
        &ca,
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        &sni,
    )
    .await;
    assert_eq!(
        o.get("cipher"),
        Some("ECDHE-ECDSA-AES128-GCM-SHA256"),
        "{:?}",
        o.lines
    );
    assert_eq!(o.get("boot"), Some("Accepted"), "{:?}", o.lines);
    // The proxy does not make a wrong password right.
    let o = charger(
        &proxy.addr,
        "PX2",
        &ca,
        "AES128-GCM-SHA256",
        &["--user", "PX2", "--password", "wrong"],
    )
    .await;
    assert_eq!(o.get("refused"), Some("401"), "{:?}", o.lines);

    // Profile 3: the client certificate, verified by HAProxy, named to the gateway.
    let cert = |id: &str| path(&format!("charger-{id}.pem")).display().to_string();
    let key = |id: &str| path(&format!("charger-{id}.key")).display().to_string();
    let own = [
        "--cert".to_string(),
        cert("PX3"),
        "--key".into(),
        key("PX3"),
    ];
    let own: Vec<&str> = own.iter().map(String::as_str).collect();
    let o = charger(&proxy.addr, "PX3", &ca, "AES128-GCM-SHA256", &own).await;
    assert_eq!(o.get("cipher"), Some("AES128-GCM-SHA256"), "{:?}", o.lines);
    assert_eq!(o.get("boot"), Some("Accepted"), "{:?}", o.lines);
    // Another identity's certificate from the same CA does not make it PX3.
    let other = [
        "--cert".to_string(),
        cert("PXOTHER"),
        "--key".into(),
        key("PXOTHER"),
    ];
    let other: Vec<&str> = other.iter().map(String::as_str).collect();
    let o = charger(&proxy.addr, "PX3", &ca, "AES128-GCM-SHA256", &other).await;
    assert_eq!(o.get("refused"), Some("401"), "{:?}", o.lines);
    // A charger sending the certificate header itself: the proxy drops it.
    let forged = cert("PX3");
    let o = charger(
        &proxy.addr,
        "PX3",
        &ca,
        "AES128-GCM-SHA256",
        &["--forge-client-cert", &forged],
    )
    .await;
    assert_eq!(o.get("refused"), Some("401"), "{:?}", o.lines);

    // Without the proxy: the rustls listener has no RSA key exchange.
    let direct = tg.gw.tls_addr().expect("tls listener").to_string();
    let o = charger(&direct, "PX2", &ca, "AES128-GCM-SHA256", &basic).await;
    assert_eq!(o.code, Some(4), "{:?}", o.lines);
    assert!(o.get("tls_error").is_some(), "{:?}", o.lines);
}

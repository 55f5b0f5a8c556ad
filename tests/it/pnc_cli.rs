//! `ocpp-gateway certs init --pnc`: the real binary writes the Plug & Charge development
//! PKI, and a gateway with the local provider starts on it.

use crate::common;
use crate::pnc_common;

use pnc_common::*;
use serde_json::json;

#[tokio::test]
async fn certs_init_pnc_writes_a_pki_the_local_provider_uses() {
    let dir = tempfile::tempdir().expect("tempdir");
    let certs = dir.path().join("certs");
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_ocpp-gateway"))
        .args(["certs", "init", "--dir"])
        .arg(&certs)
        .args(["--pnc", "--vehicle", VEHICLE])
        .output();
    let out = tokio::time::timeout(common::WAIT, out)
        .await
        .expect("in time")
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pnc = certs.join("pnc");
    for name in [
        "v2g-root",
        "cpo-sub-ca1",
        "cpo-sub-ca2",
        "mo-root",
        "mo-sub-ca1",
        "mo-sub-ca2",
        "oem-root",
    ] {
        assert!(pnc.join(format!("{name}.pem")).exists(), "{name}.pem");
        assert!(pnc.join(format!("{name}.key")).exists(), "{name}.key");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(pnc.join(format!("{name}.key")))
                .expect("key")
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "{name}.key is private");
        }
    }
    // The chains hold together.
    let der = |n: &str| ders(&read(&pnc, n)).remove(0);
    assert!(signed_by(&der("cpo-sub-ca2.pem"), &der("cpo-sub-ca1.pem")));
    assert!(signed_by(&der("cpo-sub-ca1.pem"), &der("v2g-root.pem")));
    assert!(signed_by(&der("mo-sub-ca2.pem"), &der("mo-sub-ca1.pem")));
    assert!(signed_by(&der("mo-sub-ca1.pem"), &der("mo-root.pem")));
    let vehicle = format!("provisioning-{VEHICLE}.pem");
    assert!(signed_by(&der(&vehicle), &der("oem-root.pem")));
    assert_eq!(cn(&der(&vehicle)), VEHICLE);

    // Run again: the CAs are kept.
    let before = read(&pnc, "mo-root.pem");
    let again = tokio::process::Command::new(env!("CARGO_BIN_EXE_ocpp-gateway"))
        .args(["certs", "init", "--dir"])
        .arg(&certs)
        .arg("--pnc")
        .output();
    let again = tokio::time::timeout(common::WAIT, again)
        .await
        .expect("in time")
        .expect("runs");
    assert!(again.status.success());
    assert_eq!(read(&pnc, "mo-root.pem"), before);

    let (_tg, api) = local_gateway(&pnc).await;
    let id = create_vehicle(&api, &read(&pnc, &vehicle)).await;
    let r = api.post(&issue_path(id), json!({})).await;
    assert_eq!(r.status, 202, "{}", r.text);
}

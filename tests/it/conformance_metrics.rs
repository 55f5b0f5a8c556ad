//! `/metrics` speaks the exposition format its content type names: the Prometheus text
//! format 0.0.4 under `text/plain; version=0.0.4`, OpenMetrics 1.0 under
//! `application/openmetrics-text; version=1.0.0` when the scraper's `Accept` asks for it.
//! The bodies are read by the Prometheus project's own Python parsers (skipped without
//! python3 and `prometheus_client`, unless `CI` is set).

use crate::common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;

use common::*;
use serde_json::json;
use tokio::io::AsyncWriteExt;

fn python_ready() -> bool {
    python_has("prometheus_client.openmetrics.parser")
}

/// The families and their types, as the Python parser for `format` reads `body`.
async fn parse(format: &str, body: &str) -> BTreeMap<String, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/metrics_parse.py");
    let mut child = tokio::process::Command::new("python3")
        .arg(&script)
        .arg(format)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("python3 starts");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(body.as_bytes()).await.expect("write");
    drop(stdin);
    let out = tokio::time::timeout(WAIT, child.wait_with_output())
        .await
        .expect("the parser finishes")
        .expect("output");
    assert!(
        out.status.success(),
        "the {format} parser refused the body: {}\n{body}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("families as JSON")
}

/// A gateway that has seen a charger's handshake and frames, so every family has samples.
async fn gateway_with_traffic() -> TestGateway {
    let tg = start(settings()).await;
    let mut c = charger(&tg, "MET-FMT", "ocpp1.6").await;
    c.call(
        "BootNotification",
        json!({"chargePointVendor": "V", "chargePointModel": "M"}),
    )
    .await;
    tg
}

async fn scrape(tg: &TestGateway, accept: Option<&str>) -> (String, String) {
    let mut req = reqwest::Client::new().get(format!("http://{}/metrics", tg.gw.api_addr()));
    if let Some(a) = accept {
        req = req.header("Accept", a);
    }
    let r = tokio::time::timeout(WAIT, req.send())
        .await
        .expect("in time")
        .expect("request");
    assert_eq!(r.status().as_u16(), 200);
    let ct = r.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .to_owned();
    (ct, r.text().await.expect("body"))
}

/// Prometheus text format 0.0.4 (exposition_formats.md, "Text format details"): a
/// `# TYPE` line names the metric exactly as its samples are named (histograms add
/// `_bucket`/`_sum`/`_count`); there is no `# EOF`. A user sees every counter typed in
/// Prometheus, not `untyped`.
#[tokio::test]
async fn the_text_format_declares_every_counter_under_its_sample_name() {
    let tg = gateway_with_traffic().await;
    let (ct, body) = scrape(&tg, None).await;
    assert_eq!(ct, "text/plain; version=0.0.4; charset=utf-8");
    assert!(!body.contains("# EOF"), "{body}");
    let mut typed = BTreeMap::new();
    for line in body.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("name and type");
            typed.insert(name.to_owned(), kind.to_owned());
        }
    }
    for line in body.lines().filter(|l| !l.starts_with('#')) {
        let name = line.split(['{', ' ']).next().expect("a name");
        let declared = typed.get(name).map(String::as_str).or_else(|| {
            ["_bucket", "_sum", "_count"].iter().find_map(|s| {
                let base = name.strip_suffix(s)?;
                typed
                    .get(base)
                    .filter(|k| *k == "histogram" || *k == "summary")
                    .map(String::as_str)
            })
        });
        assert!(declared.is_some(), "sample {name} has no TYPE: {body}");
    }
    for counter in ["ocpp_gateway_frames_total", "ocpp_gateway_handshakes_total"] {
        assert_eq!(
            typed.get(counter).map(String::as_str),
            Some("counter"),
            "{body}"
        );
    }
    if python_ready() {
        let families = parse("text", &body).await;
        for counter in ["ocpp_gateway_frames", "ocpp_gateway_handshakes"] {
            assert_eq!(
                families.get(counter).map(String::as_str),
                Some("counter"),
                "{families:?}"
            );
        }
        assert!(
            !families.values().any(|t| t == "unknown" || t == "untyped"),
            "{families:?}"
        );
    }
}

/// OpenMetrics 1.0 (§ "Content negotiation", "Counter"): a scraper that sends
/// `Accept: application/openmetrics-text` (as Prometheus does) gets that format, with its
/// media type, counter families named without `_total` and a closing `# EOF`; the strict
/// OpenMetrics parser reads it.
#[tokio::test]
async fn an_openmetrics_scraper_gets_openmetrics_under_its_media_type() {
    let tg = gateway_with_traffic().await;
    let accept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    let (ct, body) = scrape(&tg, Some(accept)).await;
    assert_eq!(
        ct,
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    assert!(body.ends_with("# EOF\n"), "{body}");
    assert!(
        body.contains("# TYPE ocpp_gateway_frames counter"),
        "{body}"
    );
    if python_ready() {
        let families = parse("openmetrics", &body).await;
        for counter in ["ocpp_gateway_frames", "ocpp_gateway_handshakes"] {
            assert_eq!(
                families.get(counter).map(String::as_str),
                Some("counter"),
                "{families:?}"
            );
        }
        assert_eq!(
            families
                .get("ocpp_gateway_call_duration_seconds")
                .map(String::as_str),
            Some("histogram")
        );
    }
    // Refused with q=0, it is not chosen.
    let (ct, _) = scrape(&tg, Some("application/openmetrics-text;q=0, text/plain")).await;
    assert_eq!(ct, "text/plain; version=0.0.4; charset=utf-8");
}

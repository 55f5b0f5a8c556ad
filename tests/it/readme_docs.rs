//! The README is the operator's reference: every setting of `config/default.toml`, every
//! metric family `/metrics` serves and every field of a frame-log record is named there.
//! A setting, metric or field added without a line in the README fails here.

use crate::common;

use std::collections::BTreeSet;
use std::path::Path;

use common::*;
use serde_json::json;

fn read(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(name))
        .unwrap_or_else(|e| panic!("reading {name}: {e}"))
}

/// `section.key` for every key of the built-in settings, commented examples included
/// (`# key = ...` lines under a table are settings an operator may write too).
fn setting_names(toml: &str) -> BTreeSet<String> {
    let mut section = String::new();
    let mut names = BTreeSet::new();
    for line in toml.lines() {
        let line = line.trim();
        if let Some(table) = line.strip_prefix("[[").and_then(|l| l.strip_suffix("]]")) {
            section = table.to_owned();
            continue;
        }
        if let Some(table) = line.strip_prefix("# [[").and_then(|l| l.strip_suffix("]]")) {
            section = table.to_owned();
            continue;
        }
        if let Some(table) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = table.to_owned();
            continue;
        }
        let commented = line.strip_prefix("# ");
        let assignment = commented.unwrap_or(line);
        let Some((key, _)) = assignment.split_once(" = ") else {
            continue;
        };
        let key = key.trim();
        // Prose in comments may contain " = "; keys are bare words.
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            continue;
        }
        // `[certificates]` is a map of certificate types, documented as a whole.
        if section == "certificates" {
            names.insert("certificates.TYPE".to_owned());
            continue;
        }
        names.insert(format!("{section}.{key}"));
    }
    names
}

#[test]
fn every_setting_is_documented_in_the_readme() {
    let readme = read("README.md");
    let names = setting_names(&read("config/default.toml"));
    assert!(
        names.len() > 50,
        "the settings parser found too few keys: {names:?}"
    );
    let missing: Vec<_> = names
        .iter()
        .filter(|n| !readme.contains(&format!("`{n}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "settings missing from the README's configuration table: {missing:?}"
    );
}

/// The metric families a scrape shows, after traffic made every labelled family appear.
#[tokio::test]
async fn every_metric_family_is_documented_in_the_readme() {
    let tg = start(settings()).await;
    let mut c = charger(&tg, "DOC-1", "ocpp1.6").await;
    c.call(
        "BootNotification",
        json!({"chargePointVendor": "V", "chargePointModel": "M"}),
    )
    .await;
    c.send("not json").await;
    let _ = c.recv().await;
    let body = reqwest::get(format!("http://{}/metrics", tg.gw.api_addr()))
        .await
        .expect("scrape")
        .text()
        .await
        .expect("body");
    let families: BTreeSet<&str> = body
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split(' ').next())
        .collect();
    assert!(
        families.contains("ocpp_gateway_frames") || families.contains("ocpp_gateway_frames_total"),
        "no frames family in {body}"
    );
    let readme = read("README.md");
    let missing: Vec<_> = families
        .iter()
        .filter(|f| {
            let bare = f.trim_end_matches("_total");
            !readme.contains(&format!("`{bare}`")) && !readme.contains(&format!("`{bare}_total`"))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "metric families missing from the README: {missing:?}"
    );
}

#[tokio::test]
async fn every_frame_log_field_is_documented_in_the_readme() {
    let tg = start(settings()).await;
    let mut c = charger(&tg, "DOC-2", "ocpp1.6").await;
    c.call("Heartbeat", json!({})).await;
    let token = tg.gw.api_tokens().first().expect("a token").clone();
    let api = common::reference::Api::new(tg.gw.api_addr(), Some(&token));
    let list = api
        .get("/public-api/resources/charge-points/v2.0?per_page=100")
        .await;
    let id = list.body["data"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|cp| cp["network"]["id"] == "DOC-2")
        .and_then(|cp| cp["id"].as_i64())
        .expect("the charge point DOC-2");
    let frames = format!(
        "{}/public-api/resources/charge-points/v2.0/{id}/frames?limit=10",
        api.base
    );
    let fetch = || async {
        let r = reqwest::Client::new()
            .get(&frames)
            .bearer_auth(&token)
            .send()
            .await
            .expect("frames request");
        r.json::<serde_json::Value>().await.expect("frames JSON")["data"].clone()
    };
    eventually("the frames are logged", || async {
        fetch().await.as_array().is_some_and(|d| d.len() >= 2)
    })
    .await;
    let records = fetch().await;
    let fields: BTreeSet<String> = records
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r.as_object())
        .flat_map(|o| o.keys().cloned())
        .collect();
    assert!(fields.len() >= 5, "too few fields in {records}");
    let readme = read("README.md");
    let format = readme
        .split("Frame-log records")
        .nth(1)
        .expect("the README has a 'Frame-log records' paragraph");
    let missing: Vec<_> = fields
        .iter()
        .filter(|f| !format.contains(&format!("`{f}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "frame-log fields missing from the README: {missing:?}"
    );
}

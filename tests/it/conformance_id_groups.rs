//! Id-tag groups, reservations, remote starts without a tag and ConcurrentTx, with the
//! Python `ocpp` package as a charger that checks every tag it is given
//! (`tests/python/id_groups.py`), in both versions. Skipped without python3 and the
//! packages, unless `CI` is set.

use crate::actions_common;
use crate::common;
use crate::id_groups_common;

use std::collections::HashMap;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use actions_common::{charge_point_id, A};
use common::*;
use id_groups_common::{add_tag, gateway, info};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};

const WAIT: Duration = Duration::from_secs(30);

/// What the Python charger printed: its observations and how far it got.
struct Script {
    lines: tokio::sync::mpsc::UnboundedReceiver<String>,
    seen: HashMap<String, Value>,
    child: tokio::process::Child,
}

impl Script {
    fn spawn(version: &str, url: &str, cards: &str, group: &str) -> Script {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/id_groups.py");
        let mut child = tokio::process::Command::new("python3")
            .arg(&script)
            .args(["--version", version, "--url", url, "--cards", cards])
            .args(["--group", group])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("python3 starts");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut out = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = out.next_line().await {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Script {
            lines,
            seen: HashMap::new(),
            child,
        }
    }

    /// Reads observations until the charger reports `PHASE n`.
    async fn phase(&mut self, n: u32) {
        let done = format!("PHASE {n}");
        loop {
            let line = tokio::time::timeout(WAIT, self.lines.recv())
                .await
                .unwrap_or_else(|_| panic!("timed out waiting for {done}"))
                .unwrap_or_else(|| panic!("the Python charger ended before {done}"));
            if line == done {
                return;
            }
            if let Some(rest) = line.strip_prefix("OBS ") {
                let (name, value) = rest.split_once(' ').expect("OBS name json");
                let value = serde_json::from_str(value).expect("observation JSON");
                self.seen.insert(name.to_owned(), value);
            }
        }
    }

    fn get(&self, name: &str) -> &Value {
        self.seen
            .get(name)
            .unwrap_or_else(|| panic!("no observation {name}: {:?}", self.seen.keys()))
    }
}

async fn groups_reservations_and_concurrency(version: &str, identity: &str) {
    if !python_ready() {
        return;
    }
    let (tg, api) = gateway().await;
    let v16 = version == "1.6";
    let card = |c: &str| format!("{identity}-{c}");
    let (a, b, x, m) = (card("A"), card("B"), card("X"), card("M"));
    let tag_a = add_tag(&api, &a, Some(7)).await;
    add_tag(&api, &b, Some(7)).await;
    add_tag(&api, &x, None).await;
    add_tag(&api, &m, Some(99)).await;

    let cards = format!("{a},{b},{x},{m}");
    let mut py = Script::spawn(version, &tg.url(identity), &cards, "USR7");
    py.phase(0).await;
    let cp = charge_point_id(&api, identity).await;
    let at = |tail: &str| format!("{A}/v1.0/{cp}/{tail}");

    // 1.6 §5.13 / 2.0.1 H01 (ReserveNow idToken and groupIdToken): the reservation
    // carries the user's group as its tag and group; the charger authorizes that tag
    // (1.6 §4.2 / 2.0.1 C01) and is answered Accepted, so the operator gets 202, not 406.
    let one = api.post(&at("reserve/1"), json!({"userId": 7})).await;
    assert_eq!(one.status, 202, "{version} reserve/1: {}", one.text);
    // The reference's reservation always names an EVSE: 0 is none, refused before
    // anything is sent (the charger sees one ReserveNow only).
    let whole = api.post(&at("reserve/0"), json!({"userId": 7})).await;
    assert_eq!(whole.status, 404, "{version} reserve/0: {}", whole.text);
    assert_eq!(tag_a["userId"], 7);
    py.phase(1).await;
    let sent = py.get("ReserveNow0");
    if v16 {
        assert_eq!(sent["idTag"], "USR7", "{sent}");
        assert_eq!(sent["parentIdTag"], "USR7", "{sent}");
        assert_eq!(sent["connectorId"], 1, "{sent}");
    } else {
        assert_eq!(
            sent["idToken"],
            json!({"idToken": "USR7", "type": "Central"})
        );
        assert_eq!(
            sent["groupIdToken"],
            json!({"idToken": "USR7", "type": "Central"})
        );
        assert_eq!(sent["evseId"], 1, "{sent}");
    }
    let answer = info(py.get("ReserveNow0.Authorize"));
    assert_eq!(answer, ("Accepted".into(), Some("USR7".into())));
    assert!(!py.seen.contains_key("ReserveNow1"), "{:?}", py.seen.keys());
    // The reservation resource names its user and an EVSE that exists.
    let id = one.body["reservationId"].as_i64().expect("reservationId");
    let r = api
        .get(&format!("/public-api/resources/reservations/v1.0/{id}"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["data"]["userId"], 7, "{}", r.text);
    let evse_id = &r.body["data"]["evseId"];
    let e = api
        .get(&format!("/public-api/resources/evses/v2.1/{evse_id}"))
        .await;
    assert_eq!(
        e.status, 200,
        "the reservation's EVSE {evse_id}: {}",
        e.text
    );
    let mine = api
        .get("/public-api/resources/reservations/v1.0?filter[userId]=7")
        .await;
    assert_eq!(
        mine.body["data"].as_array().map(Vec::len),
        Some(1),
        "{}",
        mine.text
    );

    let accepted = |group: Option<&str>| ("Accepted".to_owned(), group.map(str::to_owned));
    let concurrent = ("ConcurrentTx".to_owned(), Some("USR7".to_owned()));
    // C09.FR.02/03: both cards of user 7 are answered with the same group; a tag with
    // no user has none; the group token itself is accepted.
    assert_eq!(info(py.get("Authorize.A")), accepted(Some("USR7")));
    assert_eq!(info(py.get("Authorize.B")), accepted(Some("USR7")));
    assert_eq!(info(py.get("Authorize.X")), accepted(None));
    assert_eq!(info(py.get("Authorize.Group")), accepted(Some("USR7")));
    // ConcurrentTx: A runs on connector/EVSE 1; presented again for something else it
    // is concurrent, for its own transaction it is not.
    assert_eq!(info(py.get("Start.A.1")), accepted(Some("USR7")));
    assert_eq!(info(py.get("Authorize.A.inUse")), concurrent);
    assert_eq!(info(py.get("Start.A.2")), concurrent);
    // Ended without a tag: nothing to answer about one.
    assert_eq!(py.get("Stop.A.2"), &Value::Null);
    let again = py.get("Start.A.1.again");
    assert_eq!(info(again), accepted(Some("USR7")), "{again}");
    if v16 {
        assert_eq!(again["sameTransaction"], true);
    }
    // The group is shared, the use is not: B is free while A charges.
    assert_eq!(info(py.get("Authorize.B.whileA")), accepted(Some("USR7")));
    // C16: the master pass is never concurrent (it may end any transaction).
    assert_eq!(info(py.get("Start.M.2")), accepted(Some("USR99")));
    assert_eq!(info(py.get("Authorize.M.inUse")), accepted(Some("USR99")));
    assert_eq!(info(py.get("Stop.M.2")), accepted(Some("USR99")));
    // C09.FR.03: the session started with A is ended with B of the same group.
    assert_eq!(info(py.get("Stop.A.1.byB")), accepted(Some("USR7")));
    assert_eq!(info(py.get("Authorize.A.after")), accepted(Some("USR7")));

    // A remote start naming nobody carries the configured remote-start tag, which the
    // charger's own authorization of it accepts (1.6 §5.11, 2.0.1 F01.FR.02).
    let start = api.post(&at("start/2"), json!({})).await;
    assert_eq!(start.status, 202, "{version} start/2 {{}}: {}", start.text);
    py.phase(2).await;
    let sent = py.get("RemoteStart");
    let tag = if v16 {
        &sent["idTag"]
    } else {
        &sent["idToken"]["idToken"]
    };
    assert_eq!(tag, "CENTRAL", "{sent}");
    assert_eq!(info(py.get("RemoteStart.Authorize")), accepted(None));
    // Elsewhere the remote-start tag opens nothing: it is no free card.
    let mut other = charger(
        &tg,
        &format!("{identity}-other"),
        version_subprotocol(version),
    )
    .await;
    let answer = if v16 {
        other.call("Authorize", json!({"idTag": "CENTRAL"})).await["idTagInfo"].clone()
    } else {
        other
            .call(
                "Authorize",
                json!({"idToken": {"idToken": "CENTRAL", "type": "ISO14443"}}),
            )
            .await["idTokenInfo"]
            .clone()
    };
    assert_eq!(info(&answer), ("Invalid".into(), None));
    let _ = py.child.start_kill();
}

fn version_subprotocol(version: &str) -> &'static str {
    if version == "1.6" {
        "ocpp1.6"
    } else {
        "ocpp2.0.1"
    }
}

#[tokio::test]
async fn a_python_1_6_charger_reserves_groups_and_concurrency() {
    groups_reservations_and_concurrency("1.6", "PYGRP16").await;
}

#[tokio::test]
async fn a_python_2_0_1_charger_reserves_groups_and_concurrency() {
    groups_reservations_and_concurrency("2.0.1", "PYGRP201").await;
}

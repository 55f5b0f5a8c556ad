//! Local authorization lists kept in step with the id tags, with the Python `ocpp`
//! package as the charger (`tests/python/local_list_charger.py`: it checks every CALL
//! against the official schema, keeps its list across restarts and prints every CALL it
//! receives). Both versions; both stores (`OCPP_GATEWAY_TEST_STORE=postgres`). Skipped
//! without python3 and the packages, unless `CI` is set.
//!
//! Requirements: OCPP 1.6 §3.5.3 (local authorization list), §5.10 (GetLocalListVersion:
//! 0 no list, -1 none supported), §5.15 (SendLocalList: Full replaces, Differential
//! updates, an entry without idTagInfo is removed; after VersionMismatch the Central
//! System retries with the full list), §9.4 (LocalAuthListEnabled,
//! LocalAuthListMaxLength, SendLocalListMaxLength); OCPP 2.0.1 D01 (D01.FR.01 update type
//! and version, D01.FR.06 unique tokens, D01.FR.11 ItemsPerMessage / BytesPerMessage,
//! D01.FR.18 versionNumber > 0) and D02 (GetLocalListVersion).

use crate::common;
use crate::local_list_common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use local_list_common::*;
use ocpp_gateway::ocpp::OcppVersion;
use serde_json::{json, Value};

// -- A fresh charger gets the full list, cut to its limits ---------------------------------

/// OCPP 1.6 §5.15 / §9.4 SendLocalListMaxLength, 2.0.1 D01.FR.01/11/18: a charger that
/// never had the gateway's list gets all of it (disabled tags Blocked), as a Full update
/// cut into messages of at most its limit (Full first, Differential after), versions
/// rising from 1. A user sees every card of the platform work at the charger offline.
async fn fresh_charger_gets_the_full_list(version: OcppVersion, identity: &str, args: &[&str]) {
    if !python_ready() {
        return;
    }
    let rig = rig().await;
    for i in 0..4 {
        rig.tag(&format!("CARD{i}"), "enabled").await;
    }
    rig.tag("CARD-OFF", "disabled").await;
    let mut expected: BTreeMap<_, _> = (0..4).map(|i| accepted(&format!("CARD{i}"))).collect();
    expected.insert("CARD-OFF".into(), Some(("Blocked".into(), None)));
    let py = Py::start(&rig, version, identity, args).await;
    let union = |lists: &[Value]| {
        let mut all = BTreeMap::new();
        for p in lists {
            all.extend(entries(p));
        }
        all
    };
    eventually("the whole list arrives", || async {
        union(&py.lists()).len() == expected.len()
    })
    .await;
    let lists = py.lists();
    assert!(lists.len() >= 3, "cut to at most 2 entries each: {lists:?}");
    let calls: Vec<String> = py.calls().into_iter().map(|(a, _)| a).collect();
    let ask = match version {
        OcppVersion::V16 => "GetConfiguration",
        OcppVersion::V201 => "GetVariables",
    };
    assert_eq!(
        &calls[..3],
        [ask, "GetLocalListVersion", "SendLocalList"],
        "{calls:?}"
    );
    let types: Vec<&str> = lists
        .iter()
        .map(|p| p["updateType"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(types[0], "Full");
    assert!(types[1..].iter().all(|t| *t == "Differential"), "{types:?}");
    let versions: Vec<i64> = lists.iter().map(list_version).collect();
    assert_eq!(versions[0], 1, "{versions:?}");
    assert!(versions.windows(2).all(|w| w[1] > w[0]), "{versions:?}");
    for p in &lists {
        assert!(
            entries(p).len() <= 2,
            "more than the charger's limit of 2: {p}"
        );
        if let Some(bytes) = args.iter().position(|a| *a == "--bytes") {
            let cap: usize = args[bytes + 1].parse().expect("bytes");
            let frame = json!([2, "0123456789abcdef", "SendLocalList", p]).to_string();
            assert!(frame.len() <= cap, "{} bytes > {cap}: {frame}", frame.len());
        }
    }
    assert_eq!(union(&lists), expected);
    eventually("the stored list version", || async {
        rig.stored(identity).await
            == Some((
                "supported".into(),
                versions.last().copied().unwrap_or(0).to_string(),
            ))
    })
    .await;
    py.stop().await;
}

#[tokio::test]
async fn v16_fresh_charger_gets_the_full_list_chunked() {
    fresh_charger_gets_the_full_list(OcppVersion::V16, "LLFRESH16", &["--items", "2"]).await;
}

#[tokio::test]
async fn v201_fresh_charger_gets_the_full_list_chunked() {
    // 2.0.1 D01.FR.11: both ItemsPerMessage and BytesPerMessage hold.
    fresh_charger_gets_the_full_list(
        OcppVersion::V201,
        "LLFRESH201",
        &["--items", "2", "--bytes", "300"],
    )
    .await;
}

// -- Changes through the API arrive as differential updates --------------------------------

/// OCPP 1.6 §5.15, 2.0.1 D01: creating, updating, disabling and deleting an id tag
/// reaches the connected charger as a Differential update with just that tag (a deleted
/// one without idTagInfo / idTokenInfo, which removes it), each version one above the
/// last. A user sees a new card work, and a blocked one refused, at an offline charger.
async fn tag_changes_arrive_as_differential_updates(version: OcppVersion, identity: &str) {
    if !python_ready() {
        return;
    }
    let rig = rig().await;
    rig.tag("KEEP", "enabled").await;
    let py = Py::start(&rig, version, identity, &[]).await;
    let first = py.wait_lists(1).await;
    assert_eq!(first[0]["updateType"], "Full");
    assert_eq!(entries(&first[0]), BTreeMap::from([accepted("KEEP")]));
    let mut last = list_version(&first[0]);

    let id = rig.tag("NEW1", "enabled").await;
    let expiry = "2030-01-01T00:00:00.000Z";
    let steps: Vec<(&str, Info)> = vec![
        ("create", Some(("Accepted".into(), None))),
        ("update", Some(("Accepted".into(), Some(expiry.into())))),
        ("disable", Some(("Blocked".into(), Some(expiry.into())))),
        ("delete", None),
    ];
    for (n, (step, expected)) in steps.into_iter().enumerate() {
        match step {
            "create" => {}
            "update" => rig.patch_tag(id, json!({"expireAt": expiry})).await,
            "disable" => rig.patch_tag(id, json!({"status": "disabled"})).await,
            _ => rig.delete_tag(id).await,
        }
        let lists = py.wait_lists(2 + n).await;
        let p = &lists[1 + n];
        assert_eq!(p["updateType"], "Differential", "{step}: {p}");
        assert_eq!(
            entries(p),
            BTreeMap::from([("NEW1".to_owned(), expected)]),
            "{step}: {p}"
        );
        assert_eq!(list_version(p), last + 1, "{step}: {p}");
        last = list_version(p);
    }
    py.stop().await;
}

#[tokio::test]
async fn v16_tag_changes_arrive_as_differential_updates() {
    tag_changes_arrive_as_differential_updates(OcppVersion::V16, "LLDIFF16").await;
}

#[tokio::test]
async fn v201_tag_changes_arrive_as_differential_updates() {
    tag_changes_arrive_as_differential_updates(OcppVersion::V201, "LLDIFF201").await;
}

// -- Offline at change time, another version, VersionMismatch -------------------------------

/// OCPP 1.6 §5.15, 2.0.1 D01: a change made while the charger is offline stays pending
/// and reaches it as a Differential update when it connects again. A user sees a card
/// added during an outage work once the charger is back.
async fn offline_charger_gets_the_change_on_reconnect(version: OcppVersion, identity: &str) {
    if !python_ready() {
        return;
    }
    let rig = rig().await;
    let synced = synced_then_offline(&rig, version, identity).await;
    rig.tag("WHILE-AWAY", "enabled").await;
    let py = Py::start(&rig, version, identity, &[]).await;
    let lists = py.wait_lists(1).await;
    assert_eq!(lists[0]["updateType"], "Differential", "{}", lists[0]);
    assert_eq!(entries(&lists[0]), BTreeMap::from([accepted("WHILE-AWAY")]));
    assert_eq!(list_version(&lists[0]), synced + 1);
    py.stop().await;
}

#[tokio::test]
async fn v16_offline_charger_gets_the_change_on_reconnect() {
    offline_charger_gets_the_change_on_reconnect(OcppVersion::V16, "LLAWAY16").await;
}

#[tokio::test]
async fn v201_offline_charger_gets_the_change_on_reconnect() {
    offline_charger_gets_the_change_on_reconnect(OcppVersion::V201, "LLAWAY201").await;
}

/// OCPP 1.6 §5.10/§5.15, 2.0.1 D02: a charger reporting a list version other than the
/// one it last accepted from the gateway (its list was replaced or reset behind the
/// gateway's back) gets the whole list again, as a Full update above its version. A
/// user sees the platform's cards back on a charger that was reset.
async fn other_version_gets_the_full_list(version: OcppVersion, identity: &str) {
    if !python_ready() {
        return;
    }
    let rig = rig().await;
    synced_then_offline(&rig, version, identity).await;
    rig.tag("SECOND", "enabled").await;
    let py = Py::start(&rig, version, identity, &["--list-version", "77"]).await;
    let lists = py.wait_lists(1).await;
    assert_eq!(lists[0]["updateType"], "Full", "{}", lists[0]);
    assert_eq!(list_version(&lists[0]), 78);
    assert_eq!(
        entries(&lists[0]),
        BTreeMap::from([accepted("FIRST"), accepted("SECOND")])
    );
    py.stop().await;
}

#[tokio::test]
async fn v16_charger_reporting_another_version_gets_the_full_list() {
    other_version_gets_the_full_list(OcppVersion::V16, "LLOTHER16").await;
}

#[tokio::test]
async fn v201_charger_reporting_another_version_gets_the_full_list() {
    other_version_gets_the_full_list(OcppVersion::V201, "LLOTHER201").await;
}

/// OCPP 1.6 §5.15 ("If the status is Failed or VersionMismatch and the updateType was
/// Differential, then the Central System SHOULD retry sending the full local
/// authorization list with updateType Full"), 2.0.1 D01: a Differential update
/// answered VersionMismatch is followed by the Full list. A user sees the charger's
/// list repaired without anyone stepping in.
async fn version_mismatch_gets_the_full_list(version: OcppVersion, identity: &str) {
    if !python_ready() {
        return;
    }
    let rig = rig().await;
    let synced = synced_then_offline(&rig, version, identity).await;
    rig.tag("THIRD", "enabled").await;
    let py = Py::start(&rig, version, identity, &["--answers", "VersionMismatch"]).await;
    let lists = py.wait_lists(2).await;
    assert_eq!(lists[0]["updateType"], "Differential", "{}", lists[0]);
    assert_eq!(list_version(&lists[0]), synced + 1);
    assert_eq!(lists[1]["updateType"], "Full", "{}", lists[1]);
    assert!(list_version(&lists[1]) > synced, "{}", lists[1]);
    assert_eq!(
        entries(&lists[1]),
        BTreeMap::from([accepted("FIRST"), accepted("THIRD")])
    );
    py.stop().await;
}

#[tokio::test]
async fn v16_version_mismatch_gets_the_full_list() {
    version_mismatch_gets_the_full_list(OcppVersion::V16, "LLMISMATCH16").await;
}

#[tokio::test]
async fn v201_version_mismatch_gets_the_full_list() {
    version_mismatch_gets_the_full_list(OcppVersion::V201, "LLMISMATCH201").await;
}

// -- Chargers without the feature get nothing -----------------------------------------------

/// OCPP 1.6 §9.4 LocalAuthListEnabled, 2.0.1 D01 (LocalAuthListCtrlr.Enabled): a charger
/// whose local list is disabled, or that reports no such setting, is sent neither
/// GetLocalListVersion nor SendLocalList, at boot or when a tag changes; a charger beside
/// it that keeps a list gets the change. A user sees no refused calls in the frame log.
async fn charger_without_the_feature_gets_nothing(version: OcppVersion, prefix: &str) {
    if !python_ready() {
        return;
    }
    let rig = rig().await;
    rig.tag("ANY", "enabled").await;
    let on = Py::start(&rig, version, &format!("{prefix}ON"), &[]).await;
    let off = Py::start(
        &rig,
        version,
        &format!("{prefix}OFF"),
        &["--enabled", "false"],
    )
    .await;
    let absent = Py::start(
        &rig,
        version,
        &format!("{prefix}NONE"),
        &["--enabled", "absent"],
    )
    .await;
    on.wait_lists(1).await;
    for name in ["OFF", "NONE"] {
        let identity = format!("{prefix}{name}");
        eventually("the charger found without a list", || async {
            rig.stored(&identity).await.map(|s| s.0) == Some("unsupported".into())
        })
        .await;
    }
    rig.tag("LATER", "enabled").await;
    on.wait_lists(2).await;
    for (identity, py) in [("OFF", &off), ("NONE", &absent)] {
        let identity = format!("{prefix}{identity}");
        barrier(&rig, py, &identity).await;
        let actions: BTreeSet<String> = py.calls().into_iter().map(|(a, _)| a).collect();
        assert!(
            !actions.contains("SendLocalList") && !actions.contains("GetLocalListVersion"),
            "{identity}: {actions:?}"
        );
    }
    for py in [on, off, absent] {
        py.stop().await;
    }
}

#[tokio::test]
async fn v16_charger_without_the_feature_gets_nothing() {
    charger_without_the_feature_gets_nothing(OcppVersion::V16, "LLNO16").await;
}

#[tokio::test]
async fn v201_charger_without_the_feature_gets_nothing() {
    charger_without_the_feature_gets_nothing(OcppVersion::V201, "LLNO201").await;
}

// -- Refusals, reconnects without a boot, the list's capacity -------------------------------

/// OCPP 1.6 §5.15 (Failed: the update could not be applied), 2.0.1 D01: a charger that
/// answers Failed is recorded as such and sent nothing more (no retry loop on a tag
/// change) until it boots again, when it gets the Full list. A user sees one refusal in
/// the frame log, not a storm of them.
async fn failed_update_stops_until_the_next_boot(version: OcppVersion, identity: &str) {
    if !python_ready() {
        return;
    }
    let rig = rig().await;
    rig.tag("ONE", "enabled").await;
    let py = Py::start(&rig, version, identity, &["--answers", "Failed"]).await;
    py.wait_lists(1).await;
    eventually("the refusal recorded", || async {
        rig.stored(identity).await.map(|s| s.0) == Some("failed".into())
    })
    .await;
    rig.tag("TWO", "enabled").await;
    barrier(&rig, &py, identity).await;
    assert_eq!(py.lists().len(), 1, "sent again after Failed");
    py.stop().await;
    eventually("the charger is offline", || async {
        rig.tg.gw.charger(identity).is_none()
    })
    .await;
    let py = Py::start(&rig, version, identity, &[]).await;
    let lists = py.wait_lists(1).await;
    assert_eq!(lists[0]["updateType"], "Full", "{}", lists[0]);
    assert_eq!(
        entries(&lists[0]),
        BTreeMap::from([accepted("ONE"), accepted("TWO")])
    );
    py.stop().await;
}

#[tokio::test]
async fn v16_failed_update_stops_until_the_next_boot() {
    failed_update_stops_until_the_next_boot(OcppVersion::V16, "LLFAIL16").await;
}

#[tokio::test]
async fn v201_failed_update_stops_until_the_next_boot() {
    failed_update_stops_until_the_next_boot(OcppVersion::V201, "LLFAIL201").await;
}

/// OCPP 1.6 §4.2 (a charger whose boot was accepted need not boot again after a network
/// loss), §5.15: a charger that comes back without a BootNotification still gets the
/// changes made while it was away, once it talks. A user sees a card added during a
/// network outage work without anyone rebooting the charger.
async fn reconnect_without_boot_gets_the_change(version: OcppVersion, identity: &str) {
    if !python_ready() {
        return;
    }
    let rig = rig().await;
    let synced = synced_then_offline(&rig, version, identity).await;
    rig.tag("NO-BOOT", "enabled").await;
    let py = Py::start(&rig, version, identity, &["--no-boot"]).await;
    let lists = py.wait_lists(1).await;
    assert_eq!(lists[0]["updateType"], "Differential", "{}", lists[0]);
    assert_eq!(entries(&lists[0]), BTreeMap::from([accepted("NO-BOOT")]));
    assert_eq!(list_version(&lists[0]), synced + 1);
    py.stop().await;
}

#[tokio::test]
async fn v16_reconnect_without_boot_gets_the_change() {
    reconnect_without_boot_gets_the_change(OcppVersion::V16, "LLNOBOOT16").await;
}

#[tokio::test]
async fn v201_reconnect_without_boot_gets_the_change() {
    reconnect_without_boot_gets_the_change(OcppVersion::V201, "LLNOBOOT201").await;
}

/// OCPP 1.6 §9.4 LocalAuthListMaxLength: a Full list never holds more entries than the
/// charger can store; the tags that admit are kept first. A user sees the cards that
/// work kept on a charger with a small list, rather than an update it must refuse.
#[tokio::test]
async fn v16_full_list_fits_the_local_list_capacity() {
    if !python_ready() {
        return;
    }
    let rig = rig().await;
    rig.tag("BLOCKED1", "suspended").await;
    rig.tag("OK1", "enabled").await;
    rig.tag("OK2", "enabled").await;
    let py = Py::start(&rig, OcppVersion::V16, "LLCAP16", &["--max-length", "2"]).await;
    let lists = py.wait_lists(1).await;
    barrier(&rig, &py, "LLCAP16").await;
    assert_eq!(py.lists().len(), 1);
    assert_eq!(
        entries(&lists[0]),
        BTreeMap::from([accepted("OK1"), accepted("OK2")])
    );
    py.stop().await;
}

/// OCPP 1.6 §5.15, 2.0.1 D01, and the gateway's one-call-at-a-time rule (OCPP-J §4.1.1):
/// the id-tag API answers at once even while the charger sits on a SendLocalList; an
/// update the charger does not answer in time is not taken as applied, and the next
/// update carries the change again, with the tag as it is now. A user's API calls never hang on
/// a slow charger, and no change is lost to it.
async fn slow_charger_neither_blocks_the_api_nor_loses_a_change(
    version: OcppVersion,
    identity: &str,
) {
    if !python_ready() {
        return;
    }
    let rig = rig().await;
    let py = Py::start(&rig, version, identity, &["--answers", "Accepted,Hang"]).await;
    let first = py.wait_lists(1).await;
    let synced = list_version(&first[0]);
    let id = rig.tag("SLOW", "enabled").await;
    py.wait_lists(2).await;
    // The charger holds the second update unanswered; the API does not wait for it.
    rig.patch_tag(id, json!({"status": "suspended"})).await;
    let answered = |py: &Py| {
        py.lines()
            .iter()
            .filter(|l| l.starts_with("ANSWERED"))
            .count()
    };
    assert_eq!(
        answered(&py),
        1,
        "the charger answered the held update already"
    );
    let lists = py.wait_lists(3).await;
    // The charger applied the held update after the gateway gave up on it, so it reports
    // a version the gateway never saw accepted: it gets the whole list, above that one.
    assert_eq!(lists[2]["updateType"], "Full", "{}", lists[2]);
    assert_eq!(list_version(&lists[2]), synced + 2, "{}", lists[2]);
    assert_eq!(
        entries(&lists[2]),
        BTreeMap::from([("SLOW".to_owned(), Some(("Blocked".to_owned(), None)))])
    );
    py.stop().await;
}

#[tokio::test]
async fn v16_slow_charger_neither_blocks_the_api_nor_loses_a_change() {
    slow_charger_neither_blocks_the_api_nor_loses_a_change(OcppVersion::V16, "LLSLOW16").await;
}

#[tokio::test]
async fn v201_slow_charger_neither_blocks_the_api_nor_loses_a_change() {
    slow_charger_neither_blocks_the_api_nor_loses_a_change(OcppVersion::V201, "LLSLOW201").await;
}

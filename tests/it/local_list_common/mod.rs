//! Support for the local list tests: a gateway with the sync on, the Python charger of
//! `tests/python/local_list_charger.py` and what it received, and readers of
//! SendLocalList payloads.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{json, Value};

use crate::common::python::Script;
use crate::common::reference::Api;
use crate::common::*;
use ocpp_gateway::ocpp::OcppVersion;

pub const TAGS: &str = "/public-api/resources/id-tags/v2.0";
pub const ACTIONS: &str = "/public-api/actions/charge-point/v1.0";

/// A gateway with local list sync on, and its API.
pub struct Rig {
    pub tg: TestGateway,
    pub api: Api,
}

pub async fn rig() -> Rig {
    let mut s = settings();
    s.local_list.enabled = true;
    s.ocpp.call_timeout = std::time::Duration::from_secs(5);
    let tg = start(s).await;
    let token = tg.gw.api_tokens().first().expect("a token").clone();
    let api = Api::new(tg.gw.api_addr(), Some(&token));
    Rig { tg, api }
}

impl Rig {
    /// Creates an id tag; its id.
    pub async fn tag(&self, uid: &str, status: &str) -> i64 {
        let r = self
            .api
            .post(TAGS, json!({"idTagUid": uid, "status": status}))
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        r.body["data"]["id"].as_i64().expect("tag id")
    }

    pub async fn patch_tag(&self, id: i64, body: Value) {
        let r = self.api.patch(&format!("{TAGS}/{id}"), body).await;
        assert_eq!(r.status, 200, "{}", r.text);
    }

    pub async fn delete_tag(&self, id: i64) {
        let r = self.api.delete(&format!("{TAGS}/{id}")).await;
        assert_eq!(r.status, 204, "{}", r.text);
    }

    /// The stored list state of a charger: support, version.
    pub async fn stored(&self, identity: &str) -> Option<(String, String)> {
        let rows = self
            .tg
            .store
            .texts(&format!(
                "SELECT l.support, l.list_version FROM local_lists l JOIN charge_points cp
                 ON cp.id = l.charge_point_id WHERE cp.identity = '{identity}'"
            ))
            .await;
        rows.into_iter().next().map(|r| {
            (
                r[0].clone().unwrap_or_default(),
                r[1].clone().unwrap_or_default(),
            )
        })
    }
}

/// A running Python charger and the CALLs it received.
pub struct Py {
    script: Script,
    version: OcppVersion,
}

pub fn version_arg(v: OcppVersion) -> &'static str {
    match v {
        OcppVersion::V16 => "1.6",
        OcppVersion::V201 => "2.0.1",
    }
}

impl Py {
    pub async fn start(rig: &Rig, version: OcppVersion, identity: &str, args: &[&str]) -> Py {
        let state = state_file(rig, identity);
        let url = rig.tg.url(identity);
        let mut argv: Vec<std::ffi::OsString> = vec![
            "--version".into(),
            version_arg(version).into(),
            "--url".into(),
            url.into(),
        ];
        argv.extend(["--state".into(), state.into_os_string()]);
        argv.extend(args.iter().map(|a| a.into()));
        let py = Py {
            script: Script::start("local_list_charger.py", argv),
            version,
        };
        eventually("the Python charger boots", || async {
            py.lines().iter().any(|l| l == "BOOTED")
        })
        .await;
        py
    }

    pub fn lines(&self) -> Vec<String> {
        self.script.lines()
    }

    /// Every CALL received, in order: (action, payload).
    pub fn calls(&self) -> Vec<(String, Value)> {
        self.lines()
            .iter()
            .filter_map(|l| {
                let rest = l.strip_prefix("CALL ")?;
                let (action, payload) = rest.split_once(' ')?;
                Some((action.to_owned(), serde_json::from_str(payload).ok()?))
            })
            .collect()
    }

    /// The SendLocalList payloads received, each checked against the official schema.
    pub fn lists(&self) -> Vec<Value> {
        self.calls()
            .into_iter()
            .filter(|(a, _)| a == "SendLocalList")
            .map(|(_, p)| {
                crate::common::schema::validate(self.version, "SendLocalList", false, &p)
                    .unwrap_or_else(|e| panic!("{e}"));
                p
            })
            .collect()
    }

    /// Waits until `n` SendLocalList arrived in all; returns them all.
    pub async fn wait_lists(&self, n: usize) -> Vec<Value> {
        eventually(&format!("{n} SendLocalList"), || async {
            self.lists().len() >= n
        })
        .await;
        self.lists()
    }

    pub async fn stop(mut self) {
        self.script.stop().await;
    }
}

pub fn state_file(rig: &Rig, identity: &str) -> PathBuf {
    rig.tg.dir.path().join(format!("{identity}-list.json"))
}

pub fn list_version(p: &Value) -> i64 {
    p.get("listVersion")
        .or_else(|| p.get("versionNumber"))
        .and_then(Value::as_i64)
        .expect("a list version")
}

/// The entries of an update as uid → status (None: removed), with the expiry if any.
/// An entry's info: status and expiry; `None` when the entry removes the tag.
pub type Info = Option<(String, Option<String>)>;

pub fn entries(p: &Value) -> BTreeMap<String, Info> {
    p["localAuthorizationList"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let uid = e["idTag"]
                .as_str()
                .or_else(|| e["idToken"]["idToken"].as_str())
                .expect("a tag")
                .to_owned();
            let info = e.get("idTagInfo").or_else(|| e.get("idTokenInfo"));
            let info = info.map(|i| {
                let expiry = i
                    .get("expiryDate")
                    .or_else(|| i.get("cacheExpiryDateTime"))
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                (i["status"].as_str().unwrap_or("").to_owned(), expiry)
            });
            (uid, info)
        })
        .collect()
}

pub fn accepted(uid: &str) -> (String, Info) {
    (uid.to_owned(), Some(("Accepted".to_owned(), None)))
}

/// Syncs a charger once (a Full list of one tag) and disconnects it.
pub async fn synced_then_offline(rig: &Rig, version: OcppVersion, identity: &str) -> i64 {
    rig.tag("FIRST", "enabled").await;
    let py = Py::start(rig, version, identity, &[]).await;
    let lists = py.wait_lists(1).await;
    let v = list_version(&lists[0]);
    // Both sides done with the update before the charger goes.
    eventually("the update recorded as accepted", || async {
        rig.stored(identity).await == Some(("supported".into(), v.to_string()))
            && py.lines().iter().any(|l| l.starts_with("ANSWERED"))
    })
    .await;
    py.stop().await;
    eventually("the charger is offline", || async {
        rig.tg.gw.charger(identity).is_none()
    })
    .await;
    v
}

/// The charge point's id in the API.
pub async fn cp_id(rig: &Rig, identity: &str) -> i64 {
    let cps = rig
        .api
        .get("/public-api/resources/charge-points/v2.0?per_page=100")
        .await;
    cps.body["data"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["network"]["id"] == identity)
        .and_then(|c| c["id"].as_i64())
        .expect("charge point")
}

/// Waits until a ClearCache sent now arrived: whatever the gateway had queued for the
/// charger before has arrived too (one call at a time, in order).
pub async fn barrier(rig: &Rig, py: &Py, identity: &str) {
    let before = py.calls().iter().filter(|(a, _)| a == "ClearCache").count();
    let cp = cp_id(rig, identity).await;
    let r = rig
        .api
        .post(&format!("{ACTIONS}/{cp}/clear-cache"), json!({}))
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    eventually("the barrier call arrives", || async {
        py.calls().iter().filter(|(a, _)| a == "ClearCache").count() > before
    })
    .await;
}

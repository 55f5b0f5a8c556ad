//! Parity of the two stores' [`Resources`]: the same rows loaded into a fresh SQLite
//! file and a fresh PostgreSQL database, then every method called on both with the
//! same arguments; results, errors and the rows written must be the same. Times the
//! stores stamp themselves ("now") are compared as `<now>`.

use std::fmt::Debug;

use serde_json::json;

use crate::config::StoreSettings;
use crate::domain::notification::ConfigurationEntry;
use crate::security::PasswordHash;
use crate::store::resources::*;
use crate::store::sqlite::now;
use crate::store::{PostgresStore, SqliteStore, StoreError};

const FIXTURE: &str = include_str!("fixture.sql");

/// The two stores with the fixture loaded, and when the test began.
struct Pair {
    sqlite: SqliteStore,
    pg: PostgresStore,
    since: String,
    _dir: tempfile::TempDir,
}

/// A fresh database whose text sorts by ICU's English rules (`_x < a-b < ab < Ab < b <
/// B`), unlike SQLite's bytes: the queries must not lean on the database's collation.
/// None when the server was built without ICU.
async fn icu_database() -> Option<String> {
    let base = std::env::var("OCPP_GATEWAY_TEST_POSTGRES").ok()?;
    let (client, conn) = tokio_postgres::connect(&base, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("OCPP_GATEWAY_TEST_POSTGRES={base} unreachable: {e}"));
    tokio::spawn(conn);
    let mut suffix = [0u8; 8];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut suffix).expect("rand");
    let name = format!("gw_unit_icu_{:x}", u64::from_le_bytes(suffix));
    let created = client
        .batch_execute(&format!(
            "CREATE DATABASE {name} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"
        ))
        .await;
    if let Err(e) = created {
        eprintln!("no ICU collation on the test server ({e}): that variant skipped");
        return None;
    }
    let mut config: tokio_postgres::Config = base.parse().expect("url");
    config.dbname(&name);
    let host = match &config.get_hosts()[0] {
        tokio_postgres::config::Host::Tcp(h) => h.clone(),
        #[allow(unreachable_patterns)]
        _ => "127.0.0.1".into(),
    };
    Some(format!(
        "postgres://{}@{host}:{}/{name}",
        config.get_user().unwrap_or("postgres"),
        config.get_ports().first().copied().unwrap_or(5432),
    ))
}

async fn pair(url: String) -> Pair {
    let since = now();
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = StoreSettings {
        url,
        pool_size: 4,
        path: dir.path().join("gateway.db"),
        fsync: false,
        busy_timeout: std::time::Duration::from_secs(5),
    };
    let pg = PostgresStore::connect(&settings, "parity")
        .await
        .expect("PostgreSQL store");
    pg.client()
        .await
        .expect("client")
        .batch_execute(FIXTURE)
        .await
        .expect("fixture into PostgreSQL");
    let sqlite = SqliteStore::open(&StoreSettings {
        url: String::new(),
        ..settings
    })
    .expect("SQLite store");
    sqlite
        .write(|tx| tx.execute_batch(FIXTURE))
        .await
        .expect("fixture into SQLite");
    Pair {
        sqlite,
        pg,
        since,
        _dir: dir,
    }
}

/// A result as compared: the value's `Debug`, or the error's kind (the engines word
/// their messages differently).
trait Shown {
    fn shown(&self) -> String;
}

fn store_error(e: &StoreError) -> String {
    match e {
        StoreError::Conflict(_) => "Conflict".into(),
        // Never expected: an engine failing is a bug in its queries.
        StoreError::Unavailable(m) => panic!("store unavailable: {m}"),
    }
}

impl<T: Debug> Shown for Result<T, StoreError> {
    fn shown(&self) -> String {
        match self {
            Ok(v) => format!("Ok({v:?})"),
            Err(e) => format!("Err({})", store_error(e)),
        }
    }
}

impl<T: Debug> Shown for Result<T, ResourceError> {
    fn shown(&self) -> String {
        match self {
            Ok(v) => format!("Ok({v:?})"),
            Err(ResourceError::Store(e)) => format!("Err(Store({}))", store_error(e)),
            Err(e) => format!("Err({e:?})"),
        }
    }
}

impl Pair {
    /// `text` with every stored time from the test's own run (`YYYY-MM-DDTHH:MM:SS.mmmZ`,
    /// not before the test began, not after now) written `<now>`.
    fn mask(&self, text: &str) -> String {
        let until = now();
        let b = text.as_bytes();
        let shape = |s: &[u8]| {
            s.len() == 24
                && s.iter().enumerate().all(|(i, c)| match i {
                    4 | 7 => *c == b'-',
                    10 => *c == b'T',
                    13 | 16 => *c == b':',
                    19 => *c == b'.',
                    23 => *c == b'Z',
                    _ => c.is_ascii_digit(),
                })
        };
        let mut out = String::with_capacity(text.len());
        let mut i = 0;
        while i < b.len() {
            if i + 24 <= b.len() && shape(&b[i..i + 24]) {
                let t = &text[i..i + 24];
                if t >= self.since.as_str() && t <= until.as_str() {
                    out.push_str("<now>");
                } else {
                    out.push_str(t);
                }
                i += 24;
            } else {
                let c = text[i..].chars().next().expect("char");
                out.push(c);
                i += c.len_utf8();
            }
        }
        out
    }

    /// Rows of `sql` (columns read as integers where `kinds` says `i`, else text) on
    /// both engines, each row as one line, sorted.
    async fn dump(&self, sql: &'static str, kinds: &'static str) -> (String, String) {
        let a = self
            .sqlite
            .read(move |c| {
                let mut stmt = c.prepare(sql)?;
                let rows = stmt.query_map([], |r| {
                    let mut line = Vec::new();
                    for (i, k) in kinds.chars().enumerate() {
                        line.push(if k == 'i' {
                            format!("{:?}", r.get::<_, Option<i64>>(i)?)
                        } else {
                            format!("{:?}", r.get::<_, Option<String>>(i)?)
                        });
                    }
                    Ok(line.join(" | "))
                })?;
                rows.collect::<rusqlite::Result<Vec<String>>>()
            })
            .await
            .expect("SQLite dump");
        let client = self.pg.client().await.expect("client");
        let mut b = Vec::new();
        for r in client.query(sql, &[]).await.expect("PostgreSQL dump") {
            let mut line = Vec::new();
            for (i, k) in kinds.chars().enumerate() {
                line.push(if k == 'i' {
                    format!("{:?}", r.get::<_, Option<i64>>(i))
                } else {
                    format!("{:?}", r.get::<_, Option<String>>(i))
                });
            }
            b.push(line.join(" | "));
        }
        let finish = |mut v: Vec<String>| {
            v.sort();
            self.mask(&v.join("\n"))
        };
        (finish(a), finish(b))
    }

    async fn same_rows(&self, sql: &'static str, kinds: &'static str) {
        let (a, b) = self.dump(sql, kinds).await;
        assert_eq!(a, b, "rows of {sql}");
    }
}

/// Calls `$call` with `$s` bound to each store in turn and asserts both answered the
/// same; yields the SQLite answer.
macro_rules! answer {
    ($p:expr, |$s:ident| $call:expr) => {{
        let a = {
            let $s: &dyn Resources = &$p.sqlite;
            $call.await
        };
        let b = {
            let $s: &dyn Resources = &$p.pg;
            $call.await
        };
        let (ta, tb) = ($p.mask(&a.shown()), $p.mask(&b.shown()));
        assert_eq!(ta, tb, "{}", stringify!($call));
        a
    }};
}

/// [`answer!`] when the answer itself is not needed further.
macro_rules! same {
    ($p:expr, |$s:ident| $call:expr) => {{
        let _ = answer!($p, |$s| $call);
    }};
}

fn page(after: Option<i64>, limit: u32) -> Page {
    Page { after, limit }
}

fn all() -> Page {
    page(None, 100)
}

fn window(from: Option<&str>, to: Option<&str>) -> Window {
    Window {
        from: from.map(str::to_owned),
        to: to.map(str::to_owned),
    }
}

/// Windows that cut between the fixture's times, on their edges, and past them.
fn windows() -> Vec<Window> {
    vec![
        Window::default(),
        window(Some("2022-03-01T00:00:00.000Z"), None),
        window(None, Some("2022-03-01T00:00:00.000Z")),
        window(
            Some("2022-01-01T10:00:00.000Z"),
            Some("2022-02-01T00:00:00.000Z"),
        ),
        window(Some("2022-03-01"), None),
        window(
            Some("2022-01-01T10:00:00.001Z"),
            Some("2022-01-01T10:00:00.001Z"),
        ),
        window(Some("2030-01-01T00:00:00.000Z"), None),
        window(
            Some("2022-06-01T00:00:00.000Z"),
            Some("2021-01-01T00:00:00.000Z"),
        ),
    ]
}

/// Pages: everything, a small limit, after a cursor, past the end, nothing.
fn pages() -> Vec<Page> {
    vec![
        all(),
        page(None, 2),
        page(Some(1), 2),
        page(Some(2), 100),
        page(Some(100), 10),
        page(None, 0),
    ]
}

#[tokio::test]
async fn postgres_resources_answer_as_sqlite_does() {
    let Some(url) = super::super::tests::fresh_database().await else {
        eprintln!("OCPP_GATEWAY_TEST_POSTGRES unset: skipped");
        return;
    };
    run(&pair(url).await).await;
}

#[tokio::test]
async fn postgres_resources_answer_as_sqlite_does_whatever_the_collation() {
    let Some(url) = icu_database().await else {
        eprintln!("OCPP_GATEWAY_TEST_POSTGRES unset: skipped");
        return;
    };
    run(&pair(url).await).await;
}

async fn run(p: &Pair) {
    reads(p).await;
    writes(p).await;
    actions(p).await;
    deletes(p).await;
}

async fn reads(p: &Pair) {
    for pg in pages() {
        same!(p, |s| s.charge_points(ChargePointFilter::default(), pg));
        same!(p, |s| s.evses(EvseFilter::default(), pg));
        same!(p, |s| s.hardware_status_logs(1, Window::default(), pg));
        same!(p, |s| s.network_status_logs(1, Window::default(), pg));
        same!(p, |s| s.sessions(SessionFilter::default(), pg));
        same!(p, |s| s.id_tags(IdTagFilter::default(), pg));
        same!(p, |s| s.authorizations(AuthorizationFilter::default(), pg));
        same!(p, |s| s.security_events(SecurityEventFilter::default(), pg));
    }
    let listed = answer!(p, |s| s.charge_points(ChargePointFilter::default(), all()));
    assert_eq!(listed.expect("listed").len(), 4, "the fixture is loaded");

    for identity in ["CP-1", "cp-1", "cp-3", "nobody"] {
        let f = ChargePointFilter {
            identity: Some(identity.into()),
            ..Default::default()
        };
        same!(p, |s| s.charge_points(f.clone(), all()));
    }
    for name in ["CP One", "cp one", "Ünïcode 名前", "CP"] {
        let f = ChargePointFilter {
            name: Some(name.into()),
            ..Default::default()
        };
        same!(p, |s| s.charge_points(f.clone(), all()));
    }
    for w in windows() {
        let f = ChargePointFilter {
            updated: w.clone(),
            ..Default::default()
        };
        same!(p, |s| s.charge_points(f.clone(), all()));
        let f = EvseFilter {
            updated: w.clone(),
            ..Default::default()
        };
        same!(p, |s| s.evses(f.clone(), all()));
        for cp in [1, 2, 3] {
            same!(p, |s| s.hardware_status_logs(cp, w.clone(), all()));
            same!(p, |s| s.network_status_logs(cp, w.clone(), all()));
        }
        for f in [
            SessionFilter {
                updated: w.clone(),
                ..Default::default()
            },
            SessionFilter {
                started: w.clone(),
                ..Default::default()
            },
            SessionFilter {
                stopped: w.clone(),
                ..Default::default()
            },
        ] {
            same!(p, |s| s.sessions(f.clone(), all()));
        }
        let f = IdTagFilter {
            updated: w.clone(),
            ..Default::default()
        };
        same!(p, |s| s.id_tags(f.clone(), all()));
        for f in [
            AuthorizationFilter {
                created: w.clone(),
                ..Default::default()
            },
            AuthorizationFilter {
                updated: w.clone(),
                ..Default::default()
            },
        ] {
            same!(p, |s| s.authorizations(f.clone(), all()));
        }
        let f = ReservationFilter {
            created: w.clone(),
            ..Default::default()
        };
        same!(p, |s| s.reservations(f.clone(), 0, 10));
        let f = SecurityEventFilter {
            occurred: w.clone(),
            ..Default::default()
        };
        same!(p, |s| s.security_events(f.clone(), all()));
    }
    for id in [-1, 0, 1, 2, 3, 4, 5, 99] {
        same!(p, |s| s.charge_point(id));
        same!(p, |s| s.evse(id));
        same!(p, |s| s.session(id));
        same!(p, |s| s.id_tag(id));
        same!(p, |s| s.authorization(id));
        same!(p, |s| s.reservation(id));
        same!(p, |s| s.security_event(id));
        same!(p, |s| s.latest_hardware_status_log(id));
        same!(p, |s| s.latest_network_status_log(id));
        same!(p, |s| s.session_transaction_id(id));
    }
    for cp in [Some(1), Some(2), Some(3), Some(99)] {
        let f = EvseFilter {
            charge_point_id: cp,
            ..Default::default()
        };
        same!(p, |s| s.evses(f.clone(), all()));
        same!(p, |s| s.evses(f.clone(), page(Some(2), 1)));
        let f = SecurityEventFilter {
            charge_point_id: cp,
            ..Default::default()
        };
        same!(p, |s| s.security_events(f.clone(), all()));
        let f = SessionFilter {
            charge_point_id: cp,
            ..Default::default()
        };
        same!(p, |s| s.sessions(f.clone(), all()));
    }
    let configured = answer!(p, |s| s.configurations(1, None));
    assert_eq!(configured.expect("configurations").len(), 8);
    for (cp, key) in [
        (1, Some("B")),
        (1, Some("b")),
        (1, Some("gone")),
        (2, None),
        (3, None),
    ] {
        same!(p, |s| s.configurations(cp, key.map(str::to_owned)));
    }
    session_filters(p).await;
    other_filters(p).await;
}

async fn session_filters(p: &Pair) {
    let filters = [
        SessionFilter {
            charge_point_identity: Some("CP-2".into()),
            ..Default::default()
        },
        SessionFilter {
            charge_point_identity: Some("nobody".into()),
            ..Default::default()
        },
        SessionFilter {
            evse_id: Some(2),
            ..Default::default()
        },
        SessionFilter {
            evse_id: Some(1),
            ..Default::default()
        },
        SessionFilter {
            status: Some("finished".into()),
            ..Default::default()
        },
        SessionFilter {
            id_tag: Some("TAG1".into()),
            ..Default::default()
        },
        SessionFilter {
            id_tag: Some("tag1".into()),
            ..Default::default()
        },
        SessionFilter {
            charge_point_id: Some(1),
            status: Some("finished".into()),
            stopped: window(Some("2022-01-01T00:00:00.000Z"), None),
            ..Default::default()
        },
    ];
    for f in filters {
        same!(p, |s| s.sessions(f.clone(), all()));
        same!(p, |s| s.sessions(f.clone(), page(Some(1), 1)));
    }
}

async fn other_filters(p: &Pair) {
    let tags = [
        IdTagFilter {
            uid: Some("TAG1".into()),
            ..Default::default()
        },
        IdTagFilter {
            uid: Some("tag1".into()),
            ..Default::default()
        },
        IdTagFilter {
            status: Some("enabled".into()),
            ..Default::default()
        },
        IdTagFilter {
            kind: Some("rfid".into()),
            ..Default::default()
        },
        IdTagFilter {
            label: Some("Label B".into()),
            ..Default::default()
        },
    ];
    for f in tags {
        same!(p, |s| s.id_tags(f.clone(), all()));
    }
    let auths = [
        AuthorizationFilter {
            status: Some("rejected".into()),
            ..Default::default()
        },
        AuthorizationFilter {
            method: Some("rfid".into()),
            ..Default::default()
        },
        AuthorizationFilter {
            status: Some("accepted".into()),
            method: Some("remote".into()),
            ..Default::default()
        },
    ];
    for f in auths {
        same!(p, |s| s.authorizations(f.clone(), all()));
        same!(p, |s| s.authorizations(f.clone(), page(Some(1), 1)));
    }
    let reservations = [
        ReservationFilter::default(),
        ReservationFilter {
            evse_id: Some(2),
            ..Default::default()
        },
        ReservationFilter {
            evse_id: Some(4),
            ..Default::default()
        },
        ReservationFilter {
            status: Some("active".into()),
            ..Default::default()
        },
    ];
    for f in reservations {
        for (offset, limit) in [(0, 10), (1, 1), (2, 5), (3, 0), (100, 10), (u64::MAX, 10)] {
            same!(p, |s| s.reservations(f.clone(), offset, limit));
        }
    }
    for kind in ["ResetOrReboot", "resetorreboot"] {
        let f = SecurityEventFilter {
            kind: Some(kind.into()),
            ..Default::default()
        };
        same!(p, |s| s.security_events(f.clone(), all()));
    }
}

fn new_charge_point(identity: &str) -> NewChargePoint {
    NewChargePoint {
        identity: identity.into(),
        name: Some("New".into()),
        protocol: None,
        password: Some(PasswordHash::new("secret")),
        desired_profile: Some(2),
        access_type: "private".into(),
        system_status: "enabled".into(),
    }
}

fn new_id_tag(uid: &str) -> NewIdTag {
    NewIdTag {
        uid: uid.into(),
        status: "enabled".into(),
        kind: "rfid".into(),
        expire_at: Some("2031-01-01T00:00:00.000Z".into()),
        external_id: Some("e".into()),
        label: None,
    }
}

async fn writes(p: &Pair) {
    // The password hash is salted: both stores get the same one.
    let cp5 = new_charge_point("CP-5");
    same!(p, |s| s.create_charge_point(cp5.clone()));
    same!(p, |s| s.create_charge_point(new_charge_point("CP-1")));
    // A refused create spends an id in both: the next one is 7.
    let created = answer!(p, |s| s.create_charge_point(new_charge_point("CP-6")));
    assert_eq!(created.expect("created").id, 7);
    let patches = [
        ChargePointPatch {
            name: Some("Renamed".into()),
            protocol: Some("ocpp 2.0.1".into()),
            access_type: Some("public".into()),
            system_status: Some("demo".into()),
            desired_profile: Some(3),
            ..Default::default()
        },
        ChargePointPatch {
            identity: Some("CP-5".into()),
            ..Default::default()
        },
        ChargePointPatch {
            identity: Some("CP-1".into()),
            ..Default::default()
        },
        ChargePointPatch {
            password: Some(None),
            ..Default::default()
        },
        ChargePointPatch::default(),
        ChargePointPatch {
            identity: Some("CP-5b".into()),
            password: Some(Some(PasswordHash::new("again"))),
            ..Default::default()
        },
    ];
    for patch in patches {
        same!(p, |s| s.update_charge_point(5, patch.clone()));
    }
    same!(p, |s| s
        .update_charge_point(99, ChargePointPatch::default()));
    same!(p, |s| s.charge_points(ChargePointFilter::default(), all()));

    same!(p, |s| s.create_id_tag(new_id_tag("TAG3")));
    same!(p, |s| s.create_id_tag(new_id_tag("TAG1")));
    same!(p, |s| s.create_id_tag(new_id_tag("tag3")));
    let patches = [
        IdTagPatch {
            expire_at: Some(None),
            label: Some(Some("L".into())),
            status: Some("blocked".into()),
            kind: Some("app".into()),
            ..Default::default()
        },
        IdTagPatch {
            uid: Some("TAG1".into()),
            ..Default::default()
        },
        IdTagPatch {
            uid: Some("TAG3".into()),
            external_id: Some(None),
            ..Default::default()
        },
        IdTagPatch {
            uid: Some("TAG4".into()),
            ..Default::default()
        },
        IdTagPatch::default(),
    ];
    for patch in patches {
        same!(p, |s| s.update_id_tag(4, patch.clone()));
    }
    same!(p, |s| s.update_id_tag(99, IdTagPatch::default()));
    same!(p, |s| s.delete_id_tag(5));
    same!(p, |s| s.delete_id_tag(5));
    same!(p, |s| s.id_tags(IdTagFilter::default(), all()));
    p.same_rows(
        "SELECT id, identity, name, protocol,
           CAST(CASE WHEN password_hash IS NULL THEN 0 ELSE 1 END AS BIGINT), desired_profile,
           access_type, system_status, created_at, updated_at FROM charge_points",
        "itttiitttt",
    )
    .await;
}

fn entry(key: &str, value: Option<&str>, readonly: bool) -> ConfigurationEntry {
    ConfigurationEntry {
        key: key.into(),
        value: value.map(str::to_owned),
        readonly,
    }
}

async fn actions(p: &Pair) {
    same!(p, |s| s.new_request_id(1, "log"));
    same!(p, |s| s.new_request_id(2, "firmware"));
    same!(p, |s| s.new_request_id(99, "log"));
    // A refused write spends no id in either store.
    same!(p, |s| s.new_request_id(1, "configuration"));

    // The fixture's pending session of charge point 2 is long past the window: the next
    // remote start there expires it; the one after keeps the first (it is recent).
    let first = answer!(p, |s| s.create_pending_session(2, Some(1), "TAG9".into()));
    let first = first.expect("pending session");
    same!(p, |s| s.create_pending_session(2, None, "TAG9".into()));
    same!(p, |s| s.create_pending_session(99, None, "TAG9".into()));
    same!(p, |s| s.create_pending_session(3, Some(2), "TAG8".into()));
    same!(p, |s| s.fail_pending_session(first, "Rejected".into()));
    same!(p, |s| s.fail_pending_session(first, "again".into()));
    same!(p, |s| s.fail_pending_session(1, "not pending".into()));
    same!(p, |s| s.fail_pending_session(99, "unknown".into()));
    for id in [1, 4, first, first + 1] {
        same!(p, |s| s.session(id));
        same!(p, |s| s.session_transaction_id(id));
    }
    let f = SessionFilter {
        status: Some("pending".into()),
        ..Default::default()
    };
    same!(p, |s| s.sessions(f.clone(), all()));

    let entries = vec![
        entry("HeartbeatInterval", Some("120"), false),
        entry("New", None, true),
        entry("New", Some("twice"), false),
        entry("B", Some("now set"), false),
    ];
    same!(p, |s| s.store_configuration(
        1,
        Some(7),
        entries.clone(),
        false
    ));
    same!(p, |s| s.configurations(1, None));
    let entries = vec![
        entry("Only", Some("1"), true),
        entry("another", None, false),
    ];
    same!(p, |s| s.store_configuration(2, None, entries.clone(), true));
    same!(p, |s| s.configurations(2, None));
    same!(p, |s| s.store_configuration(3, None, Vec::new(), true));
    same!(p, |s| s.store_configuration(99, None, Vec::new(), true));
    same!(p, |s| s.store_configuration(
        99,
        None,
        entries.clone(),
        false
    ));
    same!(p, |s| s.set_configuration_value(
        1,
        "New".into(),
        "set".into()
    ));
    same!(p, |s| s.set_configuration_value(
        1,
        "Fresh".into(),
        "v".into()
    ));
    same!(p, |s| s.set_configuration_value(
        99,
        "Fresh".into(),
        "v".into()
    ));
    same!(p, |s| s.configurations(1, None));

    let body = json!({"chargingProfileKind": "Absolute", "stackLevel": 0});
    let mut profiles = Vec::new();
    for (evse, purpose, level) in [
        (1, "TxDefaultProfile", 0),
        (1, "TxDefaultProfile", 1),
        (2, "ChargePointMaxProfile", 0),
        (7, "TxProfile", 2),
    ] {
        let id = answer!(p, |s| s.new_charging_profile(
            1,
            evse,
            purpose.into(),
            level,
            body.clone()
        ));
        profiles.push(id.expect("profile id"));
    }
    same!(p, |s| s.new_charging_profile(
        99,
        1,
        "TxProfile".into(),
        0,
        body.clone()
    ));
    same!(p, |s| s.new_charging_profile(
        2,
        1,
        "TxProfile".into(),
        0,
        body.clone()
    ));
    let profile = json!({"id": 1, "stackLevel": 0})
        .as_object()
        .cloned()
        .expect("object");
    for (id, applied, session) in [
        (profiles[0], true, Some(1)),
        (profiles[1], true, None),
        (profiles[2], false, None),
        (profiles[3], true, Some(2)),
        (99, true, None),
    ] {
        same!(p, |s| s.charging_profile_outcome(
            id,
            applied,
            session,
            profile.clone()
        ));
    }
    let criteria = [
        ProfileCriteria {
            purpose: Some("TxProfile".into()),
            ..Default::default()
        },
        ProfileCriteria {
            id: Some(profiles[2]),
            ..Default::default()
        },
        ProfileCriteria {
            evse_network_id: Some(1),
            stack_level: Some(1),
            ..Default::default()
        },
        ProfileCriteria::default(),
        ProfileCriteria::default(),
    ];
    for c in criteria {
        same!(p, |s| s.clear_charging_profiles(1, c.clone()));
    }

    let r = answer!(p, |s| s.create_reservation(
        1,
        2,
        "TAG1".into(),
        "2030-01-01T00:00:00.000Z".into()
    ));
    let r = r.expect("reservation");
    same!(p, |s| s.create_reservation(
        99,
        1,
        "TAG1".into(),
        "x".into()
    ));
    same!(p, |s| s.create_reservation(2, 3, "TAG2".into(), "y".into()));
    for status in ["active", "rejected", "Removed", "canceled"] {
        same!(p, |s| s.set_reservation_status(r, status.into()));
        same!(p, |s| s.reservation(r));
    }
    same!(p, |s| s.set_reservation_status(99, "active".into()));
    same!(p, |s| s.reservations(ReservationFilter::default(), 0, 100));

    p.same_rows(
        "SELECT id, charge_point_id, evse_network_id, connector_id, status, id_tag, reason,
           remote_start_id, created_at, updated_at FROM sessions",
        "iiiitttitt",
    )
    .await;
    p.same_rows(
        "SELECT charge_point_id, key, value, CAST(CASE WHEN readonly THEN 1 ELSE 0 END AS BIGINT),
           updated_at FROM configurations",
        "ittit",
    )
    .await;
    p.same_rows(
        "SELECT id, charge_point_id, evse_network_id, purpose, stack_level, status, body,
           created_at, updated_at FROM charging_profiles",
        "iiitittt",
    )
    .await;
    p.same_rows(
        "SELECT id, charge_point_id, kind, created_at FROM action_requests",
        "iitt",
    )
    .await;
    p.same_rows(
        "SELECT id, charge_point_id, evse_network_id, id_tag, status, expires_at, created_at,
           updated_at FROM reservations",
        "iiittttt",
    )
    .await;
    // The notifications: one row per subscription that wants each, bodies alike.
    let (outbox, _) = p
        .dump(
            "SELECT id, subscription_id, charge_point_id, notification, body, status,
               next_attempt_at, created_at FROM outbox",
            "iiitttt",
        )
        .await;
    assert_eq!(outbox.lines().count(), 17, "{outbox}");
    p.same_rows(
        "SELECT id, subscription_id, charge_point_id, notification, body, status,
           next_attempt_at, created_at FROM outbox",
        "iiitttt",
    )
    .await;
}

async fn deletes(p: &Pair) {
    same!(p, |s| s.delete_charge_point(1));
    same!(p, |s| s.delete_charge_point(1));
    same!(p, |s| s.delete_charge_point(99));
    same!(p, |s| s.charge_points(ChargePointFilter::default(), all()));
    same!(p, |s| s.evses(EvseFilter::default(), all()));
    same!(p, |s| s.sessions(SessionFilter::default(), all()));
    same!(p, |s| s
        .authorizations(AuthorizationFilter::default(), all()));
    same!(p, |s| s.reservations(ReservationFilter::default(), 0, 100));
    same!(p, |s| s
        .security_events(SecurityEventFilter::default(), all()));
    same!(p, |s| s.configurations(1, None));
    same!(p, |s| s.hardware_status_logs(1, Window::default(), all()));
    same!(p, |s| s.network_status_logs(1, Window::default(), all()));
    p.same_rows(
        "SELECT evse_id, connector_id, hardware_status FROM connectors",
        "iit",
    )
    .await;
    p.same_rows(
        "SELECT id, charge_point_id, status FROM charging_profiles",
        "iit",
    )
    .await;
    // A charge point created after the delete gets a new id, in both.
    same!(p, |s| s.create_charge_point(new_charge_point("CP-1")));
}

//! The schema and its migrations, applied in order at start; `PRAGMA user_version`
//! records how far a database has come. Times are ISO 8601 UTC text with milliseconds
//! (they sort as text); energy in Wh, power in W.

use rusqlite::Connection;

/// Each step brings the schema from version `i` to `i + 1`. Never edit a released step:
/// add a new one.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE charge_points (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    identity TEXT NOT NULL UNIQUE,
    name TEXT,
    protocol TEXT,
    password_hash TEXT,
    strict INTEGER NOT NULL DEFAULT 0,
    desired_profile INTEGER,
    current_profile INTEGER,
    network_status TEXT NOT NULL DEFAULT 'never_connected',
    connection_generation INTEGER NOT NULL DEFAULT 0,
    hardware_status TEXT,
    last_boot TEXT,
    last_boot_at TEXT,
    first_contact_at TEXT,
    disconnected_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE evses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    charge_point_id INTEGER NOT NULL REFERENCES charge_points(id) ON DELETE CASCADE,
    network_id INTEGER NOT NULL,
    hardware_status TEXT NOT NULL DEFAULT 'unavailable',
    error_code TEXT,
    status_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (charge_point_id, network_id)
);
CREATE TABLE connectors (
    evse_id INTEGER NOT NULL REFERENCES evses(id) ON DELETE CASCADE,
    connector_id INTEGER NOT NULL,
    hardware_status TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (evse_id, connector_id)
);
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    charge_point_id INTEGER NOT NULL REFERENCES charge_points(id) ON DELETE CASCADE,
    evse_network_id INTEGER,
    connector_id INTEGER,
    transaction_id TEXT,
    status TEXT NOT NULL,
    id_tag TEXT,
    started_at TEXT,
    stopped_at TEXT,
    meter_start_wh REAL,
    meter_stop_wh REAL,
    meter_last_wh REAL,
    energy_wh REAL NOT NULL DEFAULT 0,
    power_latest_w REAL,
    power_peak_w REAL,
    soc_percent REAL,
    reason TEXT,
    last_seq_no INTEGER,
    charging_state TEXT,
    remote_start_id INTEGER,
    reservation_id INTEGER,
    start_key TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX sessions_transaction ON sessions (charge_point_id, transaction_id);
CREATE UNIQUE INDEX sessions_start_key ON sessions (charge_point_id, start_key);
CREATE INDEX sessions_updated ON sessions (updated_at);
CREATE TABLE meter_values (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    charge_point_id INTEGER NOT NULL REFERENCES charge_points(id) ON DELETE CASCADE,
    session_id INTEGER REFERENCES sessions(id) ON DELETE CASCADE,
    evse_network_id INTEGER,
    sampled_at TEXT NOT NULL,
    measurand TEXT NOT NULL,
    phase TEXT,
    unit TEXT,
    context TEXT,
    value REAL NOT NULL
);
CREATE INDEX meter_values_session ON meter_values (session_id, measurand, sampled_at);
CREATE TABLE transaction_events (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq_no INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    offline INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (session_id, seq_no)
);
CREATE TABLE unmatched_stops (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    charge_point_id INTEGER NOT NULL REFERENCES charge_points(id) ON DELETE CASCADE,
    transaction_id TEXT NOT NULL,
    id_tag TEXT,
    meter_stop_wh REAL,
    stopped_at TEXT,
    reason TEXT,
    received_at TEXT NOT NULL
);
CREATE TABLE hardware_status_logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    charge_point_id INTEGER NOT NULL REFERENCES charge_points(id) ON DELETE CASCADE,
    evse_network_id INTEGER NOT NULL,
    connector_id INTEGER NOT NULL,
    hardware_status TEXT NOT NULL,
    error_code TEXT,
    reported_at TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX hardware_status_logs_cp ON hardware_status_logs (charge_point_id, id);
CREATE TABLE network_status_logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    charge_point_id INTEGER NOT NULL REFERENCES charge_points(id) ON DELETE CASCADE,
    network_status TEXT NOT NULL,
    protocol TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX network_status_logs_cp ON network_status_logs (charge_point_id, id);
CREATE TABLE id_tags (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    id_tag_uid TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL DEFAULT 'enabled',
    type TEXT NOT NULL DEFAULT 'rfid',
    expire_at TEXT,
    external_id TEXT,
    id_label TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE authorizations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    charge_point_id INTEGER REFERENCES charge_points(id) ON DELETE SET NULL,
    id_tag TEXT NOT NULL,
    status TEXT NOT NULL,
    rejection_reason TEXT,
    method TEXT NOT NULL,
    source TEXT NOT NULL,
    session_id INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE reservations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    charge_point_id INTEGER NOT NULL REFERENCES charge_points(id) ON DELETE CASCADE,
    evse_network_id INTEGER,
    id_tag TEXT,
    status TEXT NOT NULL,
    expires_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE security_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    charge_point_id INTEGER NOT NULL REFERENCES charge_points(id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    tech_info TEXT,
    occurred_at TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE configurations (
    charge_point_id INTEGER NOT NULL REFERENCES charge_points(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT,
    readonly INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (charge_point_id, key)
);
CREATE TABLE charger_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    charge_point_id INTEGER NOT NULL REFERENCES charge_points(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL
);
"#,
    // The API's own charge-point fields: the access type and the system status an
    // operator sets (the gateway keeps them; they do not change how it treats a charger).
    r#"
ALTER TABLE charge_points ADD COLUMN access_type TEXT NOT NULL DEFAULT 'public';
ALTER TABLE charge_points ADD COLUMN system_status TEXT NOT NULL DEFAULT 'enabled';
"#,
    // Webhook subscriptions and the outbox of their events. An event row is written in
    // the transaction of the change it reports; `id` is its stable notification id.
    r#"
CREATE TABLE subscriptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    via TEXT NOT NULL,
    callback_url TEXT NOT NULL,
    token_sha256 TEXT NOT NULL,
    last_resend_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE subscription_topics (
    name TEXT NOT NULL,
    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    PRIMARY KEY (name, subscription_id)
) WITHOUT ROWID;
CREATE INDEX subscription_topics_subscription ON subscription_topics (subscription_id);
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
    charge_point_id INTEGER NOT NULL,
    notification TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    resent INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    created_at TEXT NOT NULL,
    delivered_at TEXT
);
CREATE INDEX outbox_pending ON outbox (subscription_id, charge_point_id, id) WHERE status = 'pending';
CREATE INDEX outbox_subscription ON outbox (subscription_id, status, id);
CREATE INDEX outbox_delivered ON outbox (delivered_at) WHERE status = 'delivered';
"#,
    // Actions: sessions started remotely wait as `pending` for the charger's transaction
    // (1.6 by connector and id tag, 2.0.1 by remoteStartId); charging profiles get
    // gateway-allocated ids (2.0.1 needs profile and schedule ids); request ids of
    // actions whose results arrive later (logs, firmware, reports).
    r#"
CREATE INDEX sessions_pending ON sessions (charge_point_id, status) WHERE status = 'pending';
CREATE TABLE charging_profiles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    charge_point_id INTEGER NOT NULL REFERENCES charge_points(id) ON DELETE CASCADE,
    evse_network_id INTEGER,
    purpose TEXT NOT NULL,
    stack_level INTEGER NOT NULL,
    status TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE action_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    charge_point_id INTEGER NOT NULL REFERENCES charge_points(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    created_at TEXT NOT NULL
);
"#,
    // Plug & Charge: the vehicles' OEM provisioning certificates, and the contract
    // certificates issued for them (one active per EMAID; earlier ones revoked).
    r#"
CREATE TABLE provisioning_certificates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pc_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    vehicle_type TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    certificate TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE contract_certificates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    provisioning_id INTEGER NOT NULL REFERENCES provisioning_certificates(id) ON DELETE CASCADE,
    id_tag_id INTEGER NOT NULL REFERENCES id_tags(id) ON DELETE CASCADE,
    emaid TEXT NOT NULL,
    serial TEXT NOT NULL,
    chain TEXT NOT NULL,
    status TEXT NOT NULL,
    not_after TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX contract_certificates_serial ON contract_certificates (serial);
CREATE INDEX contract_certificates_emaid ON contract_certificates (emaid, status);
CREATE INDEX contract_certificates_provisioning ON contract_certificates (provisioning_id);
CREATE INDEX contract_certificates_id_tag ON contract_certificates (id_tag_id);
"#,
    // Users: an id tag's and a reservation's platform user (its tags share a group id
    // token); the open sessions of a tag are looked up when it is presented (ConcurrentTx).
    r#"
ALTER TABLE id_tags ADD COLUMN user_id INTEGER;
CREATE INDEX id_tags_user ON id_tags (user_id);
ALTER TABLE reservations ADD COLUMN user_id INTEGER;
CREATE INDEX sessions_open_tag ON sessions (id_tag) WHERE status IN ('pending', 'active');
"#,
    // Local authorization lists: the log of id-tag changes (in commit order) and, per
    // charger, its list's support, limits, version and how far into the log it is.
    r#"
CREATE TABLE local_list_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id_tag_uid TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE local_lists (
    charge_point_id INTEGER PRIMARY KEY REFERENCES charge_points(id) ON DELETE CASCADE,
    support TEXT NOT NULL DEFAULT 'unknown',
    items_per_message INTEGER,
    bytes_per_message INTEGER,
    max_entries INTEGER,
    list_version INTEGER NOT NULL DEFAULT 0,
    change_cursor INTEGER NOT NULL DEFAULT 0,
    full_needed INTEGER NOT NULL DEFAULT 1,
    last_status TEXT,
    updated_at TEXT NOT NULL
);
"#,
    // Sessions the charger lost: the answer its start got (`start_status`, the 1.6
    // authorization status name; a refused start the charger never stops ends `failed`)
    // and who closed a session (`closed_by`: `gateway` when reconciliation or a forced
    // stop ended it, so the charger's own stop, arriving later, still applies). The open
    // sessions of an EVSE are looked up on every start and idle status.
    r#"
ALTER TABLE sessions ADD COLUMN start_status TEXT;
ALTER TABLE sessions ADD COLUMN closed_by TEXT;
CREATE INDEX sessions_open ON sessions (charge_point_id, evse_network_id) WHERE status = 'active';
"#,
    // Passwords sent to a charger whose use is pending (space-separated hashes): each is
    // admitted beside the current one until the charger connects with one of them.
    r#"
ALTER TABLE charge_points ADD COLUMN pending_password_hashes TEXT;
"#,
    // Registration: whether the charge point's boots are accepted or held pending while
    // it is provisioned (a `disabled` system status rejects them).
    r#"
ALTER TABLE charge_points ADD COLUMN registration TEXT NOT NULL DEFAULT 'accepted';
"#,
];

/// Applies every migration the database has not seen, each in its own transaction.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, step) in MIGRATIONS.iter().enumerate().skip(current.max(0) as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(step)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

/// Opens (creating if needed) a connection with the gateway's pragmas.
pub fn open(
    path: &std::path::Path,
    synchronous_full: bool,
    busy_timeout: std::time::Duration,
) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(busy_timeout)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(
        None,
        "synchronous",
        if synchronous_full { "FULL" } else { "NORMAL" },
    )?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}

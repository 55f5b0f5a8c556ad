//! Local list entries and SendLocalList payloads per version, and how an update is cut
//! into messages the charger takes. Pure: no I/O, unit-tested below.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::charger::outbound::ts;
use crate::ocpp::OcppVersion;
use crate::store::local_list::{ListLimits, ListTag};

/// Entries per message when the charger reports no limit.
pub const DEFAULT_ITEMS: u32 = 100;
/// What a CALL frame adds around its payload (`[2,"<message id>","SendLocalList",…]`),
/// counted against `BytesPerMessage` with room to spare.
const FRAME_OVERHEAD: usize = 64;
/// The longest 1.6 `idTag` (CiString20Type); a longer tag cannot be presented in 1.6.
const MAX_V16_TAG: usize = 20;

/// Full or differential (1.6 §5.15 `UpdateType`, 2.0.1 `UpdateEnumType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpdateKind {
    Full,
    Differential,
}

impl UpdateKind {
    fn name(self) -> &'static str {
        match self {
            UpdateKind::Full => "Full",
            UpdateKind::Differential => "Differential",
        }
    }
}

/// The one place a tag becomes a list entry: the tag `uid` in its current form, or
/// (`tag` None) its removal, which carries no `idTagInfo` / `idTokenInfo` (1.6 §5.15,
/// 2.0.1 D01: a differential entry without one is deleted). `None` when the tag cannot
/// be carried by `version` (a 1.6 `idTag` longer than 20 characters).
///
/// Status as the gateway's own Authorize decides it at `now` (disabled and suspended
/// tags are Blocked, an enabled tag past its expiry Expired); the expiry goes along as
/// `expiryDate` / `cacheExpiryDateTime`. 2.0.1 token types: `rfid` → `ISO14443`,
/// `mac_address` → `MacAddress`.
pub fn entry(
    version: OcppVersion,
    uid: &str,
    tag: Option<&ListTag>,
    now: DateTime<Utc>,
) -> Option<Value> {
    let info = tag.map(|t| {
        let record = t.record();
        (
            record.decide(now),
            t.expire_at.as_ref().map(ts),
            record.group(),
        )
    });
    match version {
        OcppVersion::V16 => {
            if uid.chars().count() > MAX_V16_TAG {
                return None;
            }
            let mut e = json!({ "idTag": uid });
            if let Some((status, expiry, group)) = info {
                let mut i = json!({ "status": status.as_v16() });
                crate::charger::outbound::put(&mut i, "expiryDate", expiry);
                crate::charger::outbound::put(&mut i, "parentIdTag", group);
                e["idTagInfo"] = i;
            }
            Some(e)
        }
        OcppVersion::V201 => {
            let kind = match tag.map(|t| t.kind.as_str()) {
                Some("mac_address") => "MacAddress",
                _ => "ISO14443",
            };
            let mut e = json!({ "idToken": { "idToken": uid, "type": kind } });
            if let Some((status, expiry, group)) = info {
                let mut i = json!({ "status": status.as_v201() });
                crate::charger::outbound::put(&mut i, "cacheExpiryDateTime", expiry);
                crate::charger::outbound::put(
                    &mut i,
                    "groupIdToken",
                    group.map(|g| json!({"idToken": g, "type": "Central"})),
                );
                e["idTokenInfo"] = i;
            }
            Some(e)
        }
    }
}

/// One SendLocalList payload. An empty list is left out (2.0.1 wants at least one item
/// when the field is present; an empty Full update clears the list in both versions).
pub fn payload(
    version: OcppVersion,
    list_version: i32,
    kind: UpdateKind,
    items: &[Value],
) -> Value {
    let mut p = match version {
        OcppVersion::V16 => json!({ "listVersion": list_version, "updateType": kind.name() }),
        OcppVersion::V201 => json!({ "versionNumber": list_version, "updateType": kind.name() }),
    };
    if !items.is_empty() {
        p["localAuthorizationList"] = Value::Array(items.to_vec());
    }
    p
}

/// An update of `kind` with `entries`, cut into the messages to send in order: at most
/// `items_per_message` entries and `bytes_per_message` bytes each (1.6
/// `SendLocalListMaxLength`; 2.0.1 D01.FR.11). The first message is of `kind`; the
/// rest are Differential, adding to what the first installed. Versions count up from
/// `first_version`, one per message, so each message's version is above the last one
/// the charger accepted (D01.FR.18: above 0). A Full update with no entries is one
/// message; a Differential one with none is no message at all.
pub fn updates(
    version: OcppVersion,
    kind: UpdateKind,
    entries: Vec<Value>,
    limits: &ListLimits,
    first_version: i32,
) -> Vec<(i32, Value)> {
    let items_cap = limits.items_per_message.unwrap_or(DEFAULT_ITEMS).max(1) as usize;
    let bytes_cap = limits.bytes_per_message.map(|b| b as usize);
    let mut chunks: Vec<Vec<Value>> = Vec::new();
    let mut current: Vec<Value> = Vec::new();
    let mut size = 0usize;
    // The envelope of a message, measured once (its version digits may grow; the
    // overhead allows for that).
    let envelope = payload(version, i32::MAX, UpdateKind::Differential, &[])
        .to_string()
        .len()
        + r#","localAuthorizationList":[]"#.len()
        + FRAME_OVERHEAD;
    for e in entries {
        let len = e.to_string().len() + 1;
        let over_items = current.len() >= items_cap;
        let over_bytes = bytes_cap.is_some_and(|cap| envelope + size + len > cap);
        if !current.is_empty() && (over_items || over_bytes) {
            chunks.push(std::mem::take(&mut current));
            size = 0;
        }
        size += len;
        current.push(e);
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    if chunks.is_empty() {
        if kind == UpdateKind::Differential {
            return Vec::new();
        }
        chunks.push(Vec::new());
    }
    chunks
        .iter()
        .enumerate()
        .map(|(i, items)| {
            let v = first_version.saturating_add(i as i32);
            let k = if i == 0 {
                kind
            } else {
                UpdateKind::Differential
            };
            (v, payload(version, v, k, items))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::auth::IdTagStatus;
    use chrono::TimeZone;

    fn tag(uid: &str, status: IdTagStatus) -> ListTag {
        ListTag {
            uid: uid.into(),
            status,
            kind: "rfid".into(),
            expire_at: None,
            user_id: None,
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .expect("time")
    }

    #[test]
    fn entries_per_version() {
        let mut t = tag("AB12", IdTagStatus::Enabled);
        t.expire_at = Some(now() + chrono::Duration::days(1));
        assert_eq!(
            entry(OcppVersion::V16, "AB12", Some(&t), now()),
            Some(
                json!({"idTag": "AB12", "idTagInfo": {"status": "Accepted", "expiryDate": "2026-01-02T00:00:00.000Z"}})
            )
        );
        assert_eq!(
            entry(OcppVersion::V201, "AB12", Some(&t), now()),
            Some(json!({"idToken": {"idToken": "AB12", "type": "ISO14443"},
                "idTokenInfo": {"status": "Accepted", "cacheExpiryDateTime": "2026-01-02T00:00:00.000Z"}}))
        );
        let blocked = tag("X", IdTagStatus::Suspended);
        assert_eq!(
            entry(OcppVersion::V16, "X", Some(&blocked), now()),
            Some(json!({"idTag": "X", "idTagInfo": {"status": "Blocked"}}))
        );
        // A removal carries no info.
        assert_eq!(
            entry(OcppVersion::V201, "X", None, now()),
            Some(json!({"idToken": {"idToken": "X", "type": "ISO14443"}}))
        );
        // 1.6 idTag is at most 20 characters.
        assert_eq!(entry(OcppVersion::V16, &"A".repeat(21), None, now()), None);
    }

    /// A tag of a user carries the user's group, so a card of the same user can stop a
    /// transaction offline (1.6 §7.x parentIdTag; 2.0.1 C09.FR.02/03 groupIdToken).
    #[test]
    fn entries_carry_the_users_group() {
        let mut t = tag("CARD1", IdTagStatus::Enabled);
        t.user_id = Some(42);
        assert_eq!(
            entry(OcppVersion::V16, "CARD1", Some(&t), now()),
            Some(
                json!({"idTag": "CARD1", "idTagInfo": {"status": "Accepted", "parentIdTag": "USR42"}})
            )
        );
        assert_eq!(
            entry(OcppVersion::V201, "CARD1", Some(&t), now()),
            Some(json!({"idToken": {"idToken": "CARD1", "type": "ISO14443"},
                "idTokenInfo": {"status": "Accepted", "groupIdToken": {"idToken": "USR42", "type": "Central"}}}))
        );
    }

    #[test]
    fn updates_are_cut_by_count_then_differential() {
        let entries: Vec<Value> = (0..5).map(|i| json!({"idTag": format!("T{i}")})).collect();
        let limits = ListLimits {
            items_per_message: Some(2),
            ..Default::default()
        };
        let u = updates(OcppVersion::V16, UpdateKind::Full, entries, &limits, 7);
        let shape: Vec<(i32, &str, usize)> = u
            .iter()
            .map(|(v, p)| {
                (
                    *v,
                    p["updateType"].as_str().unwrap_or(""),
                    p["localAuthorizationList"].as_array().map_or(0, Vec::len),
                )
            })
            .collect();
        assert_eq!(
            shape,
            vec![
                (7, "Full", 2),
                (8, "Differential", 2),
                (9, "Differential", 1)
            ]
        );
        assert_eq!(u[0].1["listVersion"], 7);
    }

    #[test]
    fn updates_are_cut_by_bytes() {
        let entries: Vec<Value> = (0..10)
            .map(|i| json!({"idToken": {"idToken": format!("TOKEN{i:04}"), "type": "ISO14443"}}))
            .collect();
        let limits = ListLimits {
            bytes_per_message: Some(300),
            ..Default::default()
        };
        let u = updates(
            OcppVersion::V201,
            UpdateKind::Differential,
            entries,
            &limits,
            1,
        );
        assert!(u.len() > 1, "{u:?}");
        for (_, p) in &u {
            assert!(p.to_string().len() + FRAME_OVERHEAD <= 300, "{p}");
        }
        let total: usize = u
            .iter()
            .map(|(_, p)| p["localAuthorizationList"].as_array().map_or(0, Vec::len))
            .sum();
        assert_eq!(total, 10);
    }

    #[test]
    fn empty_updates() {
        let l = ListLimits::default();
        let full = updates(OcppVersion::V201, UpdateKind::Full, vec![], &l, 3);
        assert_eq!(
            full,
            vec![(3, json!({"versionNumber": 3, "updateType": "Full"}))]
        );
        assert!(updates(OcppVersion::V16, UpdateKind::Differential, vec![], &l, 3).is_empty());
    }
}

//! Local authorization list storage: a log of id-tag changes (one row per change, in
//! commit order) and, per charger, how far its local list has come: the list version it
//! last accepted from the gateway and the last change of the log that list includes.
//! A store offers it through [`super::Store::local_lists`].
//!
//! The log is written in the transaction of the id-tag change itself (create, update,
//! delete through the API), so a change the API acknowledged is never missing from it.
//! A charger's pending changes are the log's rows after its cursor: one row per change
//! whatever the number of chargers.

use chrono::{DateTime, Utc};

use crate::domain::auth::IdTagStatus;

/// Whether a charger keeps a local authorization list, as last found out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListSupport {
    /// Not asked yet (a charger that never booted since the feature came).
    Unknown,
    /// It has one and it is enabled.
    Supported,
    /// It has none, or it is disabled (`LocalAuthListEnabled` false or not reported).
    Unsupported,
    /// It answered `Failed` to an update: nothing more is sent until its next boot.
    Failed,
}

impl ListSupport {
    pub fn as_str(self) -> &'static str {
        match self {
            ListSupport::Unknown => "unknown",
            ListSupport::Supported => "supported",
            ListSupport::Unsupported => "unsupported",
            ListSupport::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> ListSupport {
        match s {
            "supported" => ListSupport::Supported,
            "unsupported" => ListSupport::Unsupported,
            "failed" => ListSupport::Failed,
            _ => ListSupport::Unknown,
        }
    }
}

/// The limits a charger reported for its local list (`None`: not reported).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ListLimits {
    /// Entries per SendLocalList (1.6 `SendLocalListMaxLength`, 2.0.1 `ItemsPerMessage`).
    pub items_per_message: Option<u32>,
    /// Bytes per SendLocalList message (2.0.1 `BytesPerMessage`).
    pub bytes_per_message: Option<u32>,
    /// Entries the list may hold (1.6 `LocalAuthListMaxLength`).
    pub max_entries: Option<u32>,
}

/// One charger's local list as the gateway knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListState {
    pub support: ListSupport,
    pub limits: ListLimits,
    /// The version of the list the charger last accepted from the gateway; 0: none yet.
    pub version: i32,
    /// The last change of the log included in that list.
    pub cursor: i64,
    /// The next update must be a full one (never synced, or a full one was cut short).
    pub full_needed: bool,
    /// The charger's last answer to SendLocalList, or why the sync stopped.
    pub last_status: Option<String>,
}

impl Default for ListState {
    fn default() -> Self {
        ListState {
            support: ListSupport::Unknown,
            limits: ListLimits::default(),
            version: 0,
            cursor: 0,
            full_needed: true,
            last_status: None,
        }
    }
}

/// An id tag as a local list carries it.
#[derive(Clone, Debug, PartialEq)]
pub struct ListTag {
    pub uid: String,
    pub status: IdTagStatus,
    /// The API's type: `rfid` or `mac_address`.
    pub kind: String,
    pub expire_at: Option<DateTime<Utc>>,
    /// The platform user the tag belongs to (its group: `domain::tag_group`).
    pub user_id: Option<i64>,
}

impl ListTag {
    /// The tag as authorization sees it (its answer and its group).
    pub fn record(&self) -> crate::domain::auth::IdTagRecord {
        crate::domain::auth::IdTagRecord {
            uid: self.uid.clone(),
            status: self.status,
            expire_at: self.expire_at,
            user_id: self.user_id,
        }
    }
}

/// A tag named in the change log: its current form, or `None` when it is gone.
#[derive(Clone, Debug, PartialEq)]
pub struct ListChange {
    pub uid: String,
    pub tag: Option<ListTag>,
}

/// What a charger's list holds now, as a sync reads it: the log's head first, then the
/// rows (a change landing in between is sent again later, which is harmless).
#[derive(Clone, Debug, PartialEq)]
pub struct ListSnapshot<T> {
    pub head: i64,
    pub items: Vec<T>,
}

/// The tag types a local list carries (`emaid` tags come from contract certificates
/// and are authorized by them).
pub const LIST_TYPES: &[&str] = &["rfid", "mac_address"];

/// A stored status, as a list entry reads it (an unreadable one blocks).
pub fn parse_status(s: &str) -> IdTagStatus {
    IdTagStatus::parse(s).unwrap_or(IdTagStatus::Disabled)
}

/// A stored expiry, as a list entry reads it.
pub fn parse_expiry(s: Option<&str>) -> Option<DateTime<Utc>> {
    s.and_then(|e| DateTime::parse_from_rfc3339(e).ok())
        .map(|e| e.with_timezone(&Utc))
}

//! Authorization outcomes, version-neutral, and the rule that turns an id tag's record
//! into one.

use chrono::{DateTime, Utc};

use super::tag_group::group_token;

/// What the gateway answers for an id tag / id token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthStatus {
    Accepted,
    Blocked,
    Expired,
    Invalid,
    ConcurrentTx,
}

impl AuthStatus {
    /// The 1.6 `AuthorizationStatus` name.
    pub fn as_v16(self) -> &'static str {
        match self {
            AuthStatus::Accepted => "Accepted",
            AuthStatus::Blocked => "Blocked",
            AuthStatus::Expired => "Expired",
            AuthStatus::Invalid => "Invalid",
            AuthStatus::ConcurrentTx => "ConcurrentTx",
        }
    }

    /// The 2.0.1 `AuthorizationStatusEnumType` name.
    pub fn as_v201(self) -> &'static str {
        match self {
            AuthStatus::Accepted => "Accepted",
            AuthStatus::Blocked => "Blocked",
            AuthStatus::Expired => "Expired",
            AuthStatus::Invalid => "Invalid",
            AuthStatus::ConcurrentTx => "ConcurrentTx",
        }
    }
}

/// An id tag's administrative status, as the API names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdTagStatus {
    Enabled,
    Disabled,
    Suspended,
}

impl IdTagStatus {
    pub fn parse(s: &str) -> Option<IdTagStatus> {
        Some(match s {
            "enabled" => IdTagStatus::Enabled,
            "disabled" => IdTagStatus::Disabled,
            "suspended" => IdTagStatus::Suspended,
            _ => return None,
        })
    }
}

/// What the gateway holds about an id tag.
#[derive(Clone, Debug, PartialEq)]
pub struct IdTagRecord {
    pub uid: String,
    pub status: IdTagStatus,
    pub expire_at: Option<DateTime<Utc>>,
    /// The platform user the tag belongs to; its tags share a group.
    pub user_id: Option<i64>,
}

impl IdTagRecord {
    /// The tag's group id token (1.6 `parentIdTag`, 2.0.1 `groupIdToken`): its user's
    /// group, none for a tag without a user.
    pub fn group(&self) -> Option<String> {
        self.user_id.and_then(group_token)
    }

    /// The answer for this tag at `now`: disabled and suspended tags are blocked, an
    /// enabled tag past its expiry is expired.
    pub fn decide(&self, now: DateTime<Utc>) -> AuthStatus {
        match self.status {
            IdTagStatus::Disabled | IdTagStatus::Suspended => AuthStatus::Blocked,
            IdTagStatus::Enabled if self.expire_at.is_some_and(|e| e <= now) => AuthStatus::Expired,
            IdTagStatus::Enabled => AuthStatus::Accepted,
        }
    }
}

/// What an id tag's authorization answers: the status and the tag's group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthDecision {
    pub status: AuthStatus,
    /// The group id token answered with the status, when the tag has one.
    pub group: Option<String>,
}

impl AuthDecision {
    pub fn status(status: AuthStatus) -> AuthDecision {
        AuthDecision {
            status,
            group: None,
        }
    }
}

/// Where an authorization's answer came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthSource {
    /// The gateway's id-tag list.
    Local,
    /// The upstream authorization service (or its cached answer).
    Upstream,
    /// Nobody knew the tag, or the upstream could not be asked: the configured policy.
    Policy,
}

/// One authorization decision, as recorded.
#[derive(Clone, Debug, PartialEq)]
pub struct AuthorizationRecord {
    pub id_tag: String,
    pub status: AuthStatus,
    pub source: AuthSource,
    pub at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn tag_rules() {
        let now = Utc::now();
        let tag = |status, expire_at| IdTagRecord {
            uid: "T".into(),
            status,
            expire_at,
            user_id: None,
        };
        assert_eq!(
            tag(IdTagStatus::Enabled, None).decide(now),
            AuthStatus::Accepted
        );
        assert_eq!(
            tag(IdTagStatus::Enabled, Some(now + Duration::hours(1))).decide(now),
            AuthStatus::Accepted
        );
        assert_eq!(
            tag(IdTagStatus::Enabled, Some(now - Duration::seconds(1))).decide(now),
            AuthStatus::Expired
        );
        assert_eq!(
            tag(IdTagStatus::Disabled, None).decide(now),
            AuthStatus::Blocked
        );
        assert_eq!(
            tag(IdTagStatus::Suspended, None).decide(now),
            AuthStatus::Blocked
        );
    }
}

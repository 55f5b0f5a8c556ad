//! Authorization outcomes, version-neutral.

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

//! Groups of id tags and the use of a tag in transactions.
//!
//! The tags of one platform user share a group id token (1.6 `parentIdTag`, 2.0.1
//! `groupIdToken`), so that a transaction started with one of the user's cards can be
//! ended with another (2.0.1 C09.FR.02/03) and a reservation made for the user is
//! honoured for any of them (1.6 §5.13, 2.0.1 H01). The gateway holds no users: the
//! group is derived from the user id, `USR{userId}`, a token that fits 1.6's 20
//! characters. The group token is itself a tag the gateway answers (a reservation or a
//! remote start for a user carries it): Accepted while the user has a usable tag.
//!
//! A tag (never a group) that already has an open transaction is answered
//! `ConcurrentTx` when it is presented for another one (1.6 §4.2 / §4.8 idTagInfo,
//! 2.0.1 idTokenInfo); presenting it again for its own transaction is not concurrent.

/// How a group token starts.
pub const GROUP_PREFIX: &str = "USR";

/// The largest user id with a group token: `USR` and 17 digits fill 1.6's 20 characters.
pub const MAX_USER_ID: i64 = 99_999_999_999_999_999;

/// The group id token of the user `user_id`; none for an id outside 1..=`MAX_USER_ID`.
pub fn group_token(user_id: i64) -> Option<String> {
    (1..=MAX_USER_ID)
        .contains(&user_id)
        .then(|| format!("{GROUP_PREFIX}{user_id}"))
}

/// The user whose group `token` is, when it is a group token (`USR` and the user id's
/// canonical digits).
pub fn group_user(token: &str) -> Option<i64> {
    let digits = token.strip_prefix(GROUP_PREFIX)?;
    if digits.is_empty() || digits.starts_with('0') || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits
        .parse::<i64>()
        .ok()
        .filter(|u| (1..=MAX_USER_ID).contains(u))
}

/// What a tag is presented for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TagUse {
    /// An authorization before a transaction (1.6 Authorize, 2.0.1 Authorize).
    Authorize,
    /// A 1.6 StartTransaction on this connector of the presenting charger.
    Start { connector: u32 },
    /// A 2.0.1 transaction event of this transaction of the presenting charger, on this
    /// EVSE when the event names it.
    Transaction {
        transaction_id: String,
        evse: Option<u32>,
    },
    /// The end of a transaction (1.6 StopTransaction, 2.0.1 TransactionEvent Ended):
    /// never concurrent.
    Stop,
}

/// A transaction that is open (or, started through the API, about to be) with some tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenTransaction {
    /// Running (`false`: a remote start waiting for the charger's transaction).
    pub active: bool,
    /// The charger's identity.
    pub identity: String,
    /// The connector (1.6) or EVSE (2.0.1) number.
    pub evse: Option<i64>,
    pub transaction_id: Option<String>,
}

/// Whether presenting a tag for `used` at the charger `identity` is concurrent with one
/// of `open` (the open transactions of that tag): any open transaction counts, except
/// the transaction being presented for itself (the same connector's for a 1.6 start,
/// which is a repeat or replaces what the charger lost there; the same transaction id
/// for 2.0.1, or another one on the same EVSE, which the new one supersedes: a rebooted
/// station's lost transaction may still be open while the gateway asks the station
/// about it).
pub fn concurrent(used: &TagUse, identity: &str, open: &[OpenTransaction]) -> bool {
    open.iter().filter(|t| t.active).any(|t| match used {
        TagUse::Authorize => true,
        TagUse::Stop => false,
        TagUse::Start { connector } => {
            t.identity != identity || t.evse != Some(i64::from(*connector))
        }
        TagUse::Transaction {
            transaction_id,
            evse,
        } => {
            let same_evse = evse.is_some() && t.evse == evse.map(i64::from);
            t.identity != identity
                || (t.transaction_id.as_deref() != Some(transaction_id) && !same_evse)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_tokens_round_trip_and_fit_ocpp_16() {
        assert_eq!(group_token(1).as_deref(), Some("USR1"));
        let widest = group_token(MAX_USER_ID).unwrap_or_default();
        assert_eq!(widest.len(), 20);
        assert_eq!(group_user(&widest), Some(MAX_USER_ID));
        assert_eq!(group_token(0), None);
        assert_eq!(group_token(-3), None);
        assert_eq!(group_token(MAX_USER_ID + 1), None);
        assert_eq!(group_user("USR42"), Some(42));
        for not_group in ["USR", "USR042", "USR4a", "usr4", "USR0", "XUSR4", "USR-4"] {
            assert_eq!(group_user(not_group), None, "{not_group}");
        }
    }

    #[test]
    fn concurrency_spares_the_same_transaction() {
        let open = |identity: &str, evse, tx: &str| OpenTransaction {
            active: true,
            identity: identity.into(),
            evse: Some(evse),
            transaction_id: Some(tx.into()),
        };
        let here = [open("CP1", 1, "7")];
        assert!(concurrent(&TagUse::Authorize, "CP1", &here));
        assert!(!concurrent(&TagUse::Stop, "CP1", &here));
        assert!(!concurrent(&TagUse::Start { connector: 1 }, "CP1", &here));
        assert!(concurrent(&TagUse::Start { connector: 2 }, "CP1", &here));
        assert!(concurrent(&TagUse::Start { connector: 1 }, "CP2", &here));
        let same = TagUse::Transaction {
            transaction_id: "7".into(),
            evse: None,
        };
        assert!(!concurrent(&same, "CP1", &here));
        assert!(concurrent(&same, "CP2", &here));
        let other = TagUse::Transaction {
            transaction_id: "8".into(),
            evse: None,
        };
        assert!(concurrent(&other, "CP1", &here));
        // A new transaction on the EVSE supersedes the one open there.
        let replacing = |evse| TagUse::Transaction {
            transaction_id: "8".into(),
            evse: Some(evse),
        };
        assert!(!concurrent(&replacing(1), "CP1", &here));
        assert!(concurrent(&replacing(2), "CP1", &here));
        assert!(concurrent(&replacing(1), "CP2", &here));
        assert!(!concurrent(&TagUse::Authorize, "CP1", &[]));
        let waiting = [OpenTransaction {
            active: false,
            ..here[0].clone()
        }];
        assert!(!concurrent(&TagUse::Authorize, "CP1", &waiting));
    }
}

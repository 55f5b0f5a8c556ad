//! The id tag's answer as each version writes it: 1.6 `idTagInfo` (§4.2 Authorize,
//! §4.8 StartTransaction, §4.10 StopTransaction) with `parentIdTag`, 2.0.1 `idTokenInfo`
//! with `groupIdToken` (C01, C09).

use serde_json::{json, Value};

use crate::domain::auth::AuthDecision;

/// 1.6 `idTagInfo`.
pub fn v16(d: &AuthDecision) -> Value {
    let mut info = json!({"status": d.status.as_v16()});
    if let Some(group) = &d.group {
        info["parentIdTag"] = json!(group);
    }
    info
}

/// 2.0.1 `idTokenInfo`. The group is a token the gateway issues: type `Central`.
pub fn v201(d: &AuthDecision) -> Value {
    let mut info = json!({"status": d.status.as_v201()});
    if let Some(group) = &d.group {
        info["groupIdToken"] = json!({"idToken": group, "type": "Central"});
    }
    info
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::AuthStatus;

    #[test]
    fn the_group_is_written_only_when_there_is_one() {
        let grouped = AuthDecision {
            status: AuthStatus::Accepted,
            group: Some("USR4".into()),
        };
        assert_eq!(
            v16(&grouped),
            json!({"status": "Accepted", "parentIdTag": "USR4"})
        );
        assert_eq!(
            v201(&grouped),
            json!({"status": "Accepted", "groupIdToken": {"idToken": "USR4", "type": "Central"}})
        );
        let alone = AuthDecision::status(AuthStatus::ConcurrentTx);
        assert_eq!(v16(&alone), json!({"status": "ConcurrentTx"}));
        assert_eq!(v201(&alone), json!({"status": "ConcurrentTx"}));
    }
}

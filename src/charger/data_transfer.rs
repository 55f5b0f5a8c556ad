//! Which of a charger's DataTransfer messages the gateway handles. The platform is the
//! CSMS's implementation of vendor messages: those of the vendor ids (and message ids)
//! configured in `ocpp.data_transfer_vendors` are forwarded to it and answered
//! Accepted; any other is answered `UnknownVendorId` or `UnknownMessageId`, as OCPP
//! requires of a CSMS that implements no such vendor or message (1.6 §4.3 / §5.5,
//! 2.0.1 P02.FR.06/07), and forwarded nowhere.

use serde_json::Value;

use super::context::ChargerContext;
use crate::domain::event::ChargerEvent;
use crate::ocpp::Call;

/// A charger's DataTransfer: forwarded to the platform (and Accepted) when its vendor and
/// message are configured as handled, else answered with the status OCPP gives for an
/// unknown vendor or message (see [`decide`]).
pub async fn answer(
    ctx: &ChargerContext,
    call: &Call,
    vendor: &str,
    message: Option<&str>,
) -> Value {
    let rules = &ctx.shared.settings.ocpp.data_transfer_vendors;
    let verdict = decide(rules, vendor, message);
    if verdict == Verdict::Handled {
        let event = ChargerEvent::Other {
            action: call.action.clone(),
            payload: call.payload.clone(),
        };
        ctx.record_event(call, event).await;
    } else {
        tracing::info!(
            vendor,
            message,
            status = verdict.status(),
            "DataTransfer of a vendor or message not handled here"
        );
    }
    serde_json::json!({"status": verdict.status()})
}

/// What the gateway does with one DataTransfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Forwarded to the platform and answered Accepted.
    Handled,
    UnknownVendorId,
    UnknownMessageId,
}

impl Verdict {
    /// The answer's `status` (the same names in 1.6 and 2.0.1).
    pub fn status(self) -> &'static str {
        match self {
            Verdict::Handled => "Accepted",
            Verdict::UnknownVendorId => "UnknownVendorId",
            Verdict::UnknownMessageId => "UnknownMessageId",
        }
    }
}

/// Decides by the configured rules: `"*"` (every vendor), `"VENDOR"` (every message of
/// that vendor) or `"VENDOR/MESSAGE"` (that message only; a DataTransfer without a
/// `messageId` is not that message).
pub fn decide(rules: &[String], vendor: &str, message: Option<&str>) -> Verdict {
    let mut vendor_known = false;
    for rule in rules.iter().map(|r| r.trim()) {
        if rule == "*" {
            return Verdict::Handled;
        }
        let (v, m) = match rule.split_once('/') {
            Some((v, m)) => (v, Some(m)),
            None => (rule, None),
        };
        if v != vendor {
            continue;
        }
        vendor_known = true;
        match m {
            None => return Verdict::Handled,
            Some(m) if Some(m) == message => return Verdict::Handled,
            Some(_) => {}
        }
    }
    if vendor_known {
        Verdict::UnknownMessageId
    } else {
        Verdict::UnknownVendorId
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(r: &[&str]) -> Vec<String> {
        r.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn vendors_and_messages_decide_the_status() {
        let r = rules(&["com.acme", "org.example/Status", "org.example/Price"]);
        assert_eq!(decide(&r, "com.acme", None), Verdict::Handled);
        assert_eq!(decide(&r, "com.acme", Some("x")), Verdict::Handled);
        assert_eq!(decide(&r, "org.example", Some("Price")), Verdict::Handled);
        assert_eq!(
            decide(&r, "org.example", Some("Other")),
            Verdict::UnknownMessageId
        );
        assert_eq!(decide(&r, "org.example", None), Verdict::UnknownMessageId);
        assert_eq!(decide(&r, "com.other", None), Verdict::UnknownVendorId);
        // Vendor ids are compared exactly (OCPP: identifier strings).
        assert_eq!(decide(&r, "COM.ACME", None), Verdict::UnknownVendorId);
        assert_eq!(decide(&[], "com.acme", None), Verdict::UnknownVendorId);
        assert_eq!(decide(&rules(&["*"]), "any", Some("m")), Verdict::Handled);
        assert_eq!(Verdict::UnknownMessageId.status(), "UnknownMessageId");
    }
}

//! Subscription and resend bodies as the API receives them: checked field by field,
//! with every problem reported under its field's name.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::domain::notification;
use crate::store::notify::{ResendFilter, Subscription, SubscriptionSpec};

/// Problems by field (`webhook.callbackUrl`, `notifications.2`, ...).
pub type FieldErrors = BTreeMap<String, Vec<String>>;

const MAX_URL: usize = 500;

fn add(errors: &mut FieldErrors, field: &str, message: impl Into<String>) {
    errors
        .entry(field.to_owned())
        .or_default()
        .push(message.into());
}

/// A create or update body: `via` (webhook), `webhook.callbackUrl`, `notifications`.
pub fn parse_spec(body: &Value) -> Result<SubscriptionSpec, FieldErrors> {
    let mut errors = FieldErrors::new();
    let via = match body.get("via") {
        None | Some(Value::Null) => {
            add(&mut errors, "via", "The via field is required.");
            None
        }
        Some(Value::String(v)) if v == "webhook" => Some(v.clone()),
        Some(Value::String(v)) if v == "kafka" => {
            add(&mut errors, "via", "Only webhook delivery is supported.");
            None
        }
        Some(_) => {
            add(&mut errors, "via", "The selected via is invalid.");
            None
        }
    };
    let url = match body.get("webhook").and_then(|w| w.get("callbackUrl")) {
        None | Some(Value::Null) => {
            if via.is_some() {
                add(
                    &mut errors,
                    "webhook.callbackUrl",
                    "The webhook.callbackUrl field is required when via is webhook.",
                );
            }
            None
        }
        Some(Value::String(u)) => match check_url(u) {
            Ok(()) => Some(u.clone()),
            Err(m) => {
                add(&mut errors, "webhook.callbackUrl", m);
                None
            }
        },
        Some(_) => {
            add(
                &mut errors,
                "webhook.callbackUrl",
                "The webhook.callbackUrl must be a string.",
            );
            None
        }
    };
    let names = parse_names(body, &mut errors);
    match (via, url, names) {
        (Some(via), Some(callback_url), Some(notifications)) if errors.is_empty() => {
            Ok(SubscriptionSpec {
                via,
                callback_url,
                notifications,
            })
        }
        _ => Err(errors),
    }
}

fn check_url(u: &str) -> Result<(), &'static str> {
    if u.len() > MAX_URL {
        return Err("The webhook.callbackUrl may not be greater than 500 characters.");
    }
    match reqwest::Url::parse(u) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(()),
        _ => Err("The webhook.callbackUrl must be a valid http or https URL."),
    }
}

/// `notifications`: a non-empty list of names the gateway emits (duplicates dropped).
fn parse_names(body: &Value, errors: &mut FieldErrors) -> Option<Vec<String>> {
    let Some(list) = body.get("notifications").and_then(Value::as_array) else {
        let m = match body.get("notifications") {
            None | Some(Value::Null) => "The notifications field is required.",
            Some(_) => "The notifications must be an array.",
        };
        add(errors, "notifications", m);
        return None;
    };
    if list.is_empty() {
        add(
            errors,
            "notifications",
            "The notifications field is required.",
        );
        return None;
    }
    let mut names: Vec<String> = Vec::with_capacity(list.len());
    let mut ok = true;
    for (i, item) in list.iter().enumerate() {
        match item.as_str().filter(|n| notification::is_known(n)) {
            Some(n) if !names.iter().any(|x| x == n) => names.push(n.to_owned()),
            Some(_) => {}
            None => {
                ok = false;
                add(
                    errors,
                    &format!("notifications.{i}"),
                    format!("The selected notifications.{i} is invalid."),
                );
            }
        }
    }
    ok.then_some(names)
}

/// A resend body: `notifications` (required), `startTime`, `endTime`.
pub fn parse_resend(body: &Value) -> Result<ResendFilter, FieldErrors> {
    let mut errors = FieldErrors::new();
    let names = parse_names(body, &mut errors);
    let mut time = |field: &str| match body.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::String(t)) => match DateTime::parse_from_rfc3339(t) {
            Ok(t) => Some(crate::domain::time::text(t.with_timezone(&Utc))),
            Err(_) => {
                add(
                    &mut errors,
                    field,
                    format!("The {field} is not a valid date."),
                );
                None
            }
        },
        Some(_) => {
            add(
                &mut errors,
                field,
                format!("The {field} is not a valid date."),
            );
            None
        }
    };
    let start = time("startTime");
    let end = time("endTime");
    match names {
        Some(notifications) if errors.is_empty() => Ok(ResendFilter {
            notifications,
            start,
            end,
        }),
        _ => Err(errors),
    }
}

/// A subscription as the API shows it.
pub fn view(s: &Subscription) -> Value {
    json!({
        "id": s.id,
        "via": s.spec.via,
        "webhook": {"callbackUrl": s.spec.callback_url},
        "notifications": s.spec.notifications,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_good_body_is_accepted() {
        let spec = parse_spec(&json!({
            "via": "webhook",
            "webhook": {"callbackUrl": "https://example.com/hook"},
            "notifications": ["evse.changed", "BootNotification", "evse.changed"],
            "unknown": true
        }))
        .expect("valid");
        assert_eq!(spec.notifications, ["evse.changed", "BootNotification"]);
    }

    #[test]
    fn every_bad_field_is_reported() {
        let errors = parse_spec(&json!({
            "via": "webhook",
            "webhook": {"callbackUrl": "ftp://x"},
            "notifications": ["evse.changed", "nope"]
        }))
        .expect_err("invalid");
        assert!(errors.contains_key("webhook.callbackUrl"));
        assert!(errors.contains_key("notifications.1"));
        let errors = parse_spec(&json!({})).expect_err("invalid");
        assert!(errors.contains_key("via") && errors.contains_key("notifications"));
        let errors = parse_resend(&json!({"notifications": ["evse.changed"], "startTime": "x"}))
            .expect_err("invalid");
        assert!(errors.contains_key("startTime"));
    }
}

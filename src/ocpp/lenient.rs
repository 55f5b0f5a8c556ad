//! Fixes for the payload quirks of real chargers, applied to the JSON before typed
//! decoding when a charger is read leniently. Each fix is recorded as a `Deviation`.
//!
//! Before decoding ([`prepare`]), on the paths each action declares:
//! - a meter-value array (1.6 `meterValue`, `transactionData`; 2.0.1 `meterValue`) or a
//!   `sampledValue` array sent as a single object is read as a one-element array;
//! - a meter-value entry whose `sampledValue` is empty is dropped (an array left empty is
//!   accepted rather than answered with an error the charger would only retry);
//! - every `date-time` field of the message (the schema's, not a guess by name) is
//!   repaired by `timestamp::repair`: `+03` and `+0300` offsets, no zone (read as UTC),
//!   a space for the `T`, more than nine fraction digits (cut).
//!
//! When the typed decode fails ([`repair`]), the failing field is fixed and the decode
//! retried, so only fields that really are wrong are touched:
//! - a string holding a number where a number belongs (`"connectorId": "1"`);
//! - a number where a string belongs (1.6 `sampledValue.value: 12.5`);
//! - a sampled value's `context`, `measurand`, `unit`, `location` or `phase` outside its
//!   enumeration: the field is dropped, as the schema lets it be absent.
//!
//! Found after decoding (in `decode`), and also only recorded here: unknown fields and
//! `null`s (ignored) and 2.0.1 decimal fields sent as strings (`"value": "12.5"`, which
//! the types read as numbers). 1.6's `Celsius` needs no fix: the official 1.6 schema
//! lists both `Celcius` and `Celsius`, and the types read both.

use serde_json::{Map, Value};

use super::path::{self, Here, Step};
use super::schema::{Rule, Schema};
use super::timestamp;

/// One quirk fixed while decoding, for the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deviation(pub String);

/// The sampled-value fields whose invalid enumeration values are dropped.
const DROPPABLE: [&str; 5] = ["context", "measurand", "unit", "location", "phase"];

/// Applies the repairs that do not depend on a decode failure.
pub(crate) fn prepare(payload: &mut Value, schema: &Schema) -> Vec<Deviation> {
    let mut deviations = Vec::new();
    for meter in schema.meter_values {
        path::visit_mut(payload, meter, &mut |at, value| {
            wrap(at, value, &mut deviations)
        });
        let sampled = format!("{meter}.*.sampledValue");
        path::visit_mut(payload, &sampled, &mut |at, value| {
            wrap(at, value, &mut deviations)
        });
        path::visit_mut(payload, meter, &mut |at, value| {
            drop_empty(at, value, &mut deviations)
        });
    }
    for (pattern, rule) in schema.rules {
        if *rule != Rule::DateTime {
            continue;
        }
        path::visit_mut(payload, pattern, &mut |at, value| {
            let Some(repaired) = value.as_str().and_then(timestamp::repair) else {
                return;
            };
            deviations.push(Deviation(format!(
                "{at}: {:?} read as {:?} ({})",
                value.as_str().unwrap_or_default(),
                repaired.text,
                repaired.fixes.join(", ")
            )));
            *value = Value::String(repaired.text);
        });
    }
    deviations
}

fn wrap(at: &Here<'_>, value: &mut Value, deviations: &mut Vec<Deviation>) {
    if value.is_object() {
        let object = std::mem::take(value);
        *value = Value::Array(vec![object]);
        deviations.push(Deviation(format!(
            "{at}: an object, read as a one-element array"
        )));
    }
}

fn drop_empty(at: &Here<'_>, value: &mut Value, deviations: &mut Vec<Deviation>) {
    let Value::Array(entries) = value else {
        return;
    };
    let before = entries.len();
    let mut index = 0;
    entries.retain(|entry| {
        let empty = entry
            .get("sampledValue")
            .and_then(Value::as_array)
            .is_some_and(Vec::is_empty);
        if empty {
            deviations.push(Deviation(format!(
                "{at}[{index}]: empty sampledValue, entry dropped"
            )));
        }
        index += 1;
        !empty
    });
    if entries.is_empty() && before > 0 {
        deviations.push(Deviation(format!("{at}: no meter values left")));
    } else if before == 0 {
        deviations.push(Deviation(format!("{at}: empty, accepted")));
    }
}

/// Fixes the field a failed decode names, if its fault is a known quirk; the caller then
/// decodes again. `None` leaves the payload untouched and the error stands.
pub(crate) fn repair(
    payload: &mut Value,
    err: &serde_path_to_error::Error<serde_json::Error>,
) -> Option<Deviation> {
    let steps = path::steps(err.path())?;
    let text = err.inner().to_string();
    let at = err.path().to_string();
    if text.starts_with("unknown variant") {
        return drop_invalid_enum(payload, &steps, &at);
    }
    let target = path::get_mut(payload, &steps)?;
    if text.starts_with("invalid type: string") && expects_number(&text) {
        let number = target.as_str().and_then(parse_number)?;
        let deviation = Deviation(format!(
            "{at}: number sent as the string {target}, read as {number}"
        ));
        *target = Value::Number(number);
        return Some(deviation);
    }
    let number_given = ["integer", "floating point", "number"]
        .iter()
        .any(|kind| text.starts_with(&format!("invalid type: {kind}")));
    if number_given && text.ends_with("expected a string") {
        let Value::Number(number) = target else {
            return None;
        };
        let string = number.to_string();
        let deviation = Deviation(format!(
            "{at}: number {string} sent where a string belongs, read as {string:?}"
        ));
        *target = Value::String(string);
        return Some(deviation);
    }
    None
}

/// Removes a sampled value's optional enumerated field holding an unknown value.
fn drop_invalid_enum(payload: &mut Value, steps: &[Step], at: &str) -> Option<Deviation> {
    let (Step::Key(field), parent_steps) = steps.split_last()? else {
        return None;
    };
    let in_sampled_value = matches!(
        parent_steps,
        [.., Step::Key(list), Step::Index(_)] if list == "sampledValue"
    );
    if !in_sampled_value || !DROPPABLE.contains(&field.as_str()) {
        return None;
    }
    let parent: &mut Map<String, Value> = path::get_mut(payload, parent_steps)?.as_object_mut()?;
    let removed = parent.remove(field)?;
    Some(Deviation(format!("{at}: invalid value {removed} dropped")))
}

/// Whether serde's "expected ..." names a numeric type (`u32`, `i64`, `f64`, a decimal).
fn expects_number(text: &str) -> bool {
    let Some((_, expected)) = text.rsplit_once("expected ") else {
        return false;
    };
    let mut chars = expected.chars();
    let numeric_primitive = matches!(chars.next(), Some('u' | 'i' | 'f'))
        && chars.next().is_some_and(|c| c.is_ascii_digit());
    numeric_primitive || expected.contains("Decimal")
}

/// A JSON number from a string that holds exactly one (surrounding blanks allowed).
fn parse_number(text: &str) -> Option<serde_json::Number> {
    let text = text.trim();
    if let Ok(n) = text.parse::<i64>() {
        return Some(n.into());
    }
    if let Ok(n) = text.parse::<u64>() {
        return Some(n.into());
    }
    // Rust also parses "inf" and "NaN"; JSON has no such numbers.
    text.parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
}

#[cfg(test)]
#[path = "lenient_tests.rs"]
mod tests;

//! Typed decoding shared by both versions: classifying a payload's faults into the
//! exact OCPP-J error code.
//!
//! A payload is checked in this order; the first fault decides the code:
//!
//! | fault                                                   | code                            |
//! |---------------------------------------------------------|---------------------------------|
//! | payload not a JSON object                               | `FormatViolation`               |
//! | required field missing                                  | `OccurrenceConstraintViolation` |
//! | wrong JSON type (string for number, object for array, `null`) | `TypeConstraintViolation` |
//! | value not in the enumeration, number out of range, malformed date-time | `PropertyConstraintViolation` |
//! | field the schema does not define (`additionalProperties: false`) | `FormatViolation`      |
//! | string longer than the schema's `maxLength`, number past `minimum`/`maximum` | `PropertyConstraintViolation` |
//! | array shorter than `minItems` or longer than `maxItems` | `OccurrenceConstraintViolation` |
//! | `date-time` not in RFC 3339 form                        | `PropertyConstraintViolation`   |
//!
//! Types, presence and enumerations are judged by the typed decode (`serde_path_to_error`
//! names the field); what the types cannot express is judged by a per-action table of
//! `Rule`s taken from the official schemas (see `schema`), and by comparing the payload with the
//! re-encoded typed message (fields the type does not know, `null`s, numbers sent as
//! strings that the types silently accepted). A malformed date-time is a property fault,
//! not a format one: the value has the right JSON type, only not an allowed form. Unknown
//! fields follow 1.6's definition of `FormationViolation` ("not conform the PDU structure").
//! 2.0.1 allows a `customData` object (with a `vendorId` of at most 255 characters) in
//! every object; it is checked and otherwise ignored.
//!
//! In [`Leniency::Lenient`] the same checks run after the repairs of `lenient`, and the
//! faults that are only quirks (unknown fields, `null`s, numbers in strings) are recorded
//! as [`Deviation`]s instead of rejected.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use super::lenient::{self, Deviation};
use super::path::{self, Here};
use super::schema::{Rule, Schema};
use super::{timestamp, ErrorCode};

/// How strictly payloads are read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Leniency {
    /// Fix the known, unambiguous quirks of real chargers (see `lenient`), recording each.
    #[default]
    Lenient,
    /// Exactly the official schema; any deviation is a CALLERROR.
    Strict,
}

/// A decoded message with the quirks that were fixed on the way.
#[derive(Clone, Debug, PartialEq)]
pub struct Decoded<T> {
    /// The typed message.
    pub message: T,
    /// The quirks fixed to read it (always empty when strict).
    pub deviations: Vec<Deviation>,
}

impl<T> Decoded<T> {
    /// The same deviations around a transformed message.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Decoded<U> {
        Decoded {
            message: f(self.message),
            deviations: self.deviations,
        }
    }
}

/// A payload that does not decode: the code to answer with and a description naming the field.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{code:?}: {description}")]
pub struct DecodeError {
    /// The code to answer with.
    pub code: ErrorCode,
    /// What was wrong, naming the field.
    pub description: String,
}

impl DecodeError {
    pub(crate) fn new(code: ErrorCode, description: impl Into<String>) -> Self {
        DecodeError {
            code,
            description: description.into(),
        }
    }
}

/// How many lenient repairs one payload may need before it is given up on.
const MAX_REPAIRS: usize = 64;

/// Decodes `payload` into `T` under `schema`, applying the lenient repairs if asked.
pub(crate) fn decode<T: DeserializeOwned + Serialize>(
    mut payload: Value,
    schema: &Schema,
    leniency: Leniency,
) -> Result<Decoded<T>, DecodeError> {
    if !payload.is_object() {
        return Err(DecodeError::new(
            ErrorCode::FormatViolation,
            "payload is not a JSON object",
        ));
    }
    let lenient = leniency == Leniency::Lenient;
    let mut deviations = Vec::new();
    if lenient {
        deviations.extend(lenient::prepare(&mut payload, schema));
    }
    let mut repairs = 0;
    let message: T = loop {
        // The plain decode first: tracking the path of every field costs an allocation
        // per key, and the path is only wanted when the decode fails, so a failure is
        // decoded again, with the path, to name the field.
        if let Ok(message) = T::deserialize(&payload) {
            break message;
        }
        match serde_path_to_error::deserialize(&payload) {
            Ok(message) => break message,
            Err(err) => {
                if lenient && repairs < MAX_REPAIRS {
                    if let Some(fix) = lenient::repair(&mut payload, &err) {
                        deviations.push(fix);
                        repairs += 1;
                        continue;
                    }
                }
                return Err(classify(&payload, &err));
            }
        }
    };
    let known = serde_json::to_value(&message)
        .map_err(|e| DecodeError::new(ErrorCode::InternalError, format!("re-encoding: {e}")))?;
    let mut faults = Vec::new();
    compare(
        &payload,
        &known,
        &Here::Root,
        schema.custom_data,
        &mut faults,
    );
    for Fault { error, quirk } in faults {
        if lenient && quirk {
            deviations.push(Deviation(error.description));
        } else {
            return Err(error);
        }
    }
    // An array emptied by the lenient repairs is accepted (and was recorded).
    let relaxed = if lenient { schema.meter_values } else { &[] };
    check_rules(&payload, schema.rules, relaxed)?;
    Ok(Decoded {
        message,
        deviations,
    })
}

/// The code for a typed-decode failure of `payload`, with the field path in the description.
pub(crate) fn classify(
    payload: &Value,
    err: &serde_path_to_error::Error<serde_json::Error>,
) -> DecodeError {
    let inner = err.inner();
    let text = inner.to_string();
    let code = if text == "invalid number" {
        // With serde_json's arbitrary precision (which rust-ocpp's decimals turn on), a
        // number that does not fit the field's integer type fails with this one message;
        // the value itself tells a fraction (wrong type) from an integer out of range.
        let value = path::steps(err.path()).and_then(|steps| path::get(payload, &steps).cloned());
        match value {
            Some(Value::Number(n)) if n.is_i64() || n.is_u64() => {
                ErrorCode::PropertyConstraintViolation
            }
            _ => ErrorCode::TypeConstraintViolation,
        }
    } else if inner.classify() != serde_json::error::Category::Data {
        ErrorCode::FormatViolation
    } else if text.starts_with("missing field") || text.starts_with("invalid length") {
        ErrorCode::OccurrenceConstraintViolation
    } else if text.starts_with("invalid type")
        || (text.starts_with("invalid value: string") && text.contains("Decimal"))
    {
        // The 2.0.1 decimals accept strings, and reject those not holding a number as
        // invalid values: to the schema, any string there is of the wrong type.
        ErrorCode::TypeConstraintViolation
    } else {
        // Unknown variants, invalid values and failed parses of well-typed strings.
        ErrorCode::PropertyConstraintViolation
    };
    let at = err.path().to_string();
    let description = if at == "." {
        text
    } else {
        format!("{at}: {text}")
    };
    DecodeError::new(code, description)
}

/// A fault found by comparing the payload with the re-encoded message; a `quirk` is
/// recorded rather than rejected when lenient.
struct Fault {
    error: DecodeError,
    quirk: bool,
}

impl Fault {
    fn quirk(code: ErrorCode, description: String) -> Self {
        let error = DecodeError::new(code, description);
        Fault { error, quirk: true }
    }
}

/// Faults the typed decode let through: fields the type does not know, `null`s, numbers
/// sent as strings (the 2.0.1 decimal fields accept both) and malformed `customData`.
fn compare(input: &Value, known: &Value, at: &Here<'_>, custom_data: bool, out: &mut Vec<Fault>) {
    match (input, known) {
        (Value::Object(fields), Value::Object(known_fields)) => {
            for (key, value) in fields {
                let here = at.key(key);
                match (key.as_str(), value, known_fields.get(key)) {
                    (_, Value::Null, _) => out.push(Fault::quirk(
                        ErrorCode::TypeConstraintViolation,
                        format!("{here}: null ignored"),
                    )),
                    ("customData", _, _) if custom_data => {
                        if let Some(error) = check_custom_data(value, &here) {
                            out.push(Fault {
                                error,
                                quirk: false,
                            });
                        }
                    }
                    (_, _, None) => out.push(Fault::quirk(
                        ErrorCode::FormatViolation,
                        format!("{here}: unknown field ignored"),
                    )),
                    (_, _, Some(known_value)) => {
                        compare(value, known_value, &here, custom_data, out)
                    }
                }
            }
        }
        (Value::Array(items), Value::Array(known_items)) => {
            for (i, (item, known_item)) in items.iter().zip(known_items).enumerate() {
                compare(item, known_item, &at.index(i), custom_data, out);
            }
        }
        (Value::String(text), Value::Number(_)) => out.push(Fault::quirk(
            ErrorCode::TypeConstraintViolation,
            format!("{at}: number sent as the string {text:?}, read as a number"),
        )),
        _ => {}
    }
}

/// 2.0.1's `CustomDataType`: an object with a `vendorId` string of at most 255 characters
/// and any other members.
fn check_custom_data(value: &Value, at: &Here<'_>) -> Option<DecodeError> {
    let (code, what) = match value.get("vendorId") {
        _ if !value.is_object() => (ErrorCode::TypeConstraintViolation, "is not an object"),
        None => (ErrorCode::OccurrenceConstraintViolation, "lacks vendorId"),
        Some(Value::String(id)) if id.chars().count() > 255 => (
            ErrorCode::PropertyConstraintViolation,
            "vendorId is longer than 255 characters",
        ),
        Some(Value::String(_)) => return None,
        Some(_) => (
            ErrorCode::TypeConstraintViolation,
            "vendorId is not a string",
        ),
    };
    Some(DecodeError::new(code, format!("{at}: {what}")))
}

/// Applies a rule table to a payload that decoded.
/// `MinItems` is not applied to the paths in `relaxed`.
pub(crate) fn check_rules(
    payload: &Value,
    rules: &[(&str, Rule)],
    relaxed: &[&str],
) -> Result<(), DecodeError> {
    let mut fault = None;
    for (pattern, rule) in rules {
        if matches!(rule, Rule::MinItems(_)) && relaxed.contains(pattern) {
            continue;
        }
        path::visit(payload, pattern, &mut |at, value| {
            if fault.is_none() {
                fault = broken(*rule, value)
                    .map(|(code, what)| DecodeError::new(code, format!("{at}: {what}")));
            }
        });
        if let Some(fault) = fault {
            return Err(fault);
        }
    }
    Ok(())
}

fn broken(rule: Rule, value: &Value) -> Option<(ErrorCode, String)> {
    use ErrorCode::{
        OccurrenceConstraintViolation as Occurrence, PropertyConstraintViolation as Property,
    };
    match (rule, value) {
        (Rule::MaxLen(max), Value::String(s)) if s.chars().count() > max => {
            Some((Property, format!("longer than {max} characters")))
        }
        (Rule::MinItems(min), Value::Array(a)) if a.len() < min => {
            Some((Occurrence, format!("fewer than {min} elements")))
        }
        (Rule::MaxItems(max), Value::Array(a)) if a.len() > max => {
            Some((Occurrence, format!("more than {max} elements")))
        }
        (Rule::Min(min), Value::Number(n)) if n.as_f64().is_some_and(|x| x < min) => {
            Some((Property, format!("less than {min}")))
        }
        (Rule::Max(max), Value::Number(n)) if n.as_f64().is_some_and(|x| x > max) => {
            Some((Property, format!("greater than {max}")))
        }
        (Rule::DateTime, Value::String(s)) if !timestamp::is_rfc3339(s) => {
            Some((Property, format!("{s:?} is not an RFC 3339 date-time")))
        }
        _ => None,
    }
}

#[cfg(test)]
#[path = "decode_tests.rs"]
mod tests;

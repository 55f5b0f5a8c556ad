//! Station settings beyond configuration, and what the display-message and monitoring
//! handlers share: whether the charger's version has the operation at all (asked of the
//! outbound encoder before anything is allocated or stored), and length checks that
//! name the field.

use crate::api::error::ApiError;
use crate::charger::outbound;
use crate::domain::action::Action;

use super::{action_error, Target};

/// 501 (or 422) when `action` cannot be expressed for the target's version; nothing is
/// sent.
pub(crate) fn supported(t: &Target, action: &Action) -> Result<(), ApiError> {
    outbound::encode(t.handle.version(), action)
        .map(|_| ())
        .map_err(|e| action_error(&t.cp, e))
}

/// 422 when `value` is longer than `max` characters.
pub(crate) fn check_len(field: &str, value: &str, max: usize) -> Result<(), ApiError> {
    if value.chars().count() > max {
        return Err(ApiError::field(
            field,
            format!("The {field} may not be longer than {max} characters."),
        ));
    }
    Ok(())
}

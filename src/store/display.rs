//! The display messages the gateway set on its chargers, as the API lists them: one row
//! per `set-display-message`, with the charger's answer (`Pending` while the call is
//! out; `Replaced` once a later message with the same id was accepted; `Cleared` once
//! `clear-display-message` removed it).

/// A display message row.
#[derive(Clone, Debug, PartialEq)]
pub struct DisplayMessageView {
    pub id: i64,
    pub charge_point_id: i64,
    /// The message's id on the charger.
    pub message_id: i64,
    pub priority: String,
    /// The charger's answer to SetDisplayMessage, or the gateway's bookkeeping after it.
    pub status: String,
    /// What was sent, as the API shows it (JSON object text).
    pub body: String,
    pub created_at: String,
    pub updated_at: String,
}

/// The row a new display message was given, and its id on the charger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewDisplayMessage {
    pub row: i64,
    pub message_id: i64,
}

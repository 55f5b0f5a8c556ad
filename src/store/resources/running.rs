//! What the load manager reads besides its configuration: the sessions running on the
//! EVSEs of attached charge points, and how each attached charge point speaks.

/// A running session on an EVSE of an attached charge point.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadSession {
    pub session_id: i64,
    pub charge_point_id: i64,
    /// The OCPP number of its EVSE (1.6: the connector).
    pub evse_network_id: i64,
    /// The charger's transaction id, when it has given one.
    pub transaction_id: Option<String>,
    pub started_at: Option<String>,
    pub soc_percent: Option<f64>,
}

/// An attached charge point's protocol as last connected (`ocpp1.6`, `ocpp2.0.1`), and
/// whether the store has it connected (to any node).
#[derive(Clone, Debug, PartialEq)]
pub struct LoadProtocol {
    pub charge_point_id: i64,
    pub protocol: Option<String>,
    pub connected: bool,
    /// The highest stack level it takes, as its configuration says (1.6
    /// `ChargeProfileMaxStackLevel`, 2.0.1 `SmartChargingCtrlr.ProfileStackLevel`), when
    /// the gateway has read it.
    pub max_stack_level: Option<String>,
}

/// The limit an EVSE's charger last accepted from the load manager, A per phase.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadHeld {
    pub charge_point_id: i64,
    pub evse_network_id: i64,
    pub amps: f64,
}

//! ocpp-gateway: an OCPP 1.6J and 2.0.1 central-system gateway.

pub mod ocpp;
pub mod sim;

//! Dynamic load management, the pure part: circuits (breakers) in a tree with charge
//! points under them, and the allocator that shares each circuit's current among the
//! charging sessions, phase by phase, without ever planning past a breaker. No I/O, no
//! clock, no store: the runtime gathers [`Circuit`]s and [`Evse`]s, calls
//! [`allocate`] with the time and the previous [`Plan`], and sends the limits in the
//! order [`steps`] gives.
//!
//! Decisions: currents are `f64` amperes per phase; time is `i64` milliseconds (see
//! `key`); the allocator is weighted max-min fair (progressive filling, `fill`)
//! with a minimum-current rule (`share`); no crate beyond `thiserror` is needed.

mod allocate;
mod demand;
mod error;
mod fill;
mod key;
mod model;
mod network;
mod phase;
mod share;
mod transition;

pub use allocate::allocate;
pub use error::ModelError;
pub use key::{EvseKey, Timestamp};
pub use model::{
    Allowance, Binding, Circuit, CircuitState, Compliance, Drawn, Evse, MeterReading, MeterState,
    Plan, Reason, Session, Settings, SocPriorities,
};
pub use network::Network;
pub use phase::PhaseMap;
pub use transition::{steps, Steps};

#[cfg(test)]
mod allocate_tests;
#[cfg(test)]
mod property_tests;
#[cfg(test)]
mod testkit;
#[cfg(test)]
mod transition_tests;

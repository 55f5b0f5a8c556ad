//! The charger simulator: simulated OCPP 1.6 and 2.0.1 chargers for tests, for trying
//! the gateway out (`ocpp-gateway sim`) and for load generation.
//!
//! A [`SimCharger`] is one connection driven by one light task, so many chargers fit in
//! one process. [`run_scenario`] plays a scripted boot, idle link or charging session on
//! it; a [`Responder`] answers the gateway's calls. An [`EvCharger`] adds EVs that draw
//! what the charging profiles the gateway sent allow ([`ev`], [`profiles`]).

mod charger;
mod cli;
mod connection;
mod device;
mod error;
pub mod ev;
mod ev_charger;
pub mod load;
pub mod profiles;
mod responder;
mod scenario;
mod site;

pub use charger::{ConnectOptions, SimCharger};
pub use cli::{run, EvArgs, SimArgs};
pub use connection::{CloseInfo, ReceivedCall};
pub use error::SimError;
pub use ev::{Ev, EvSpec};
pub use ev_charger::{EvCharger, EvGauge, EvOptions, MeterReport};
pub use responder::{answered_actions, Answer, AutoAnswers, Outcome, Responder};
pub use scenario::{run_scenario, Scenario, ScenarioOptions, ScenarioReport, Step, StepHook};
pub use site::Reading;

//! The rows of the [`super::Resources`] seam: what the northbound API reads and writes,
//! version-neutral. The API turns them into its JSON shapes.

pub use crate::domain::notification::ConfigurationEntry;

mod circuits;
pub mod electrical;
mod rows;
mod running;

pub use circuits::*;
pub use rows::*;
pub use running::*;

pub use super::display::{DisplayMessageView, NewDisplayMessage};

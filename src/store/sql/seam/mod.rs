//! The storage traits other than [`crate::store::Store`] implemented once on
//! [`super::store::SqlStore`], whichever engine it runs on.

mod local_list;
mod notify;
mod pnc;
mod resources;

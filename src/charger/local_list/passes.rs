//! The sync's bookkeeping across chargers: which have a pass running, the pass wanted
//! after it, and the limit on passes at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::Semaphore;

use crate::charger::ChargerHandle;

/// Passes running at once, across all chargers.
pub const PASSES: usize = 16;

/// The sync's own state: which chargers have a pass running, and the limit on passes.
pub struct LocalLists {
    pub(crate) enabled: bool,
    /// Chargers with a pass running, and the pass wanted after it, if any.
    pub(crate) running: Mutex<HashMap<Arc<str>, Option<Next>>>,
    pub(crate) permits: Arc<Semaphore>,
}

pub(crate) struct Next {
    pub(crate) handle: ChargerHandle,
    pub(crate) discover: bool,
}

impl LocalLists {
    pub fn new(enabled: bool) -> LocalLists {
        LocalLists {
            enabled,
            running: Mutex::new(HashMap::new()),
            permits: Arc::new(Semaphore::new(PASSES)),
        }
    }

    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Arc<str>, Option<Next>>> {
        // Every critical section is a single map operation: poisoning leaves it whole.
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }
}

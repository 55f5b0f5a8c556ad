//! `identity → ChargerHandle` for the connected chargers. Newest connection wins: each
//! registration gets a generation number, and only the entry of that generation can be
//! removed by its actor's cleanup.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::handle::ChargerHandle;

/// See the module documentation. Cheap to clone.
#[derive(Clone)]
pub struct Registry {
    inner: Arc<Inner>,
}

struct Inner {
    map: Mutex<HashMap<Arc<str>, ChargerHandle>>,
    generation: AtomicU64,
}

impl Registry {
    /// Generations come from the clock (in microseconds, and always above the last one),
    /// so they keep growing across restarts and compare across the nodes of a cluster:
    /// the store can tell a newer connection from an older one wherever each was made.
    pub fn new() -> Registry {
        let start = clock_micros();
        Registry {
            inner: Arc::new(Inner {
                map: Mutex::new(HashMap::new()),
                generation: AtomicU64::new(start),
            }),
        }
    }

    /// A fresh generation number for a connection about to register.
    pub fn next_generation(&self) -> u64 {
        let now = clock_micros();
        let previous = self
            .inner
            .generation
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |last| {
                Some(now.max(last + 1))
            })
            .unwrap_or_else(|last| last);
        now.max(previous + 1)
    }

    /// Registers `handle`, returning the handle it replaces (whose socket should close).
    pub fn insert(&self, handle: ChargerHandle) -> Option<ChargerHandle> {
        let mut map = self.lock();
        map.insert(handle.identity.clone(), handle)
    }

    /// Removes the entry of `identity` only if it is still `generation`; true if it was.
    pub fn remove_if_current(&self, identity: &str, generation: u64) -> bool {
        let mut map = self.lock();
        if map
            .get(identity)
            .is_some_and(|h| h.generation == generation)
        {
            map.remove(identity);
            true
        } else {
            false
        }
    }

    /// Whether `generation` is the live connection of `identity`.
    pub fn is_current(&self, identity: &str, generation: u64) -> bool {
        self.lock()
            .get(identity)
            .is_some_and(|h| h.generation == generation)
    }

    /// The handle of a connected charger.
    pub fn get(&self, identity: &str) -> Option<ChargerHandle> {
        self.lock().get(identity).cloned()
    }

    /// How many chargers are connected.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every connected charger's handle (for shutdown and listings).
    pub fn handles(&self) -> Vec<ChargerHandle> {
        self.lock().values().cloned().collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Arc<str>, ChargerHandle>> {
        // A panic while holding this lock cannot leave the map inconsistent (every
        // critical section is a single map operation), so recover from poisoning.
        self.inner.map.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn clock_micros() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(1)
}

impl Default for Registry {
    fn default() -> Self {
        Registry::new()
    }
}

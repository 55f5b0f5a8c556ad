//! The outstanding-call state of one charger, sans IO: our CALLs queue here, one is in
//! flight at a time (OCPP-J one-call rule), each with a deadline counted from when it
//! was asked for. A call is registered as in flight *before* its frame is written, and
//! a late or unknown answer matches nothing.

use std::collections::VecDeque;

use serde_json::Value;
use tokio::time::Instant;

/// A call waiting for its turn.
#[derive(Debug)]
struct Queued<R> {
    action: String,
    payload: Value,
    deadline: Instant,
    reply: R,
}

/// The call on the wire.
#[derive(Debug)]
pub struct InFlight<R> {
    pub id: String,
    pub action: String,
    pub sent_at: Instant,
    pub deadline: Instant,
    pub reply: R,
}

/// A call to write now.
#[derive(Debug, PartialEq)]
pub struct ToSend {
    pub id: String,
    pub action: String,
    pub payload: Value,
}

/// How many calls that timed out on the wire are remembered (id → action), so that
/// their late answers are still logged with their action.
const TIMED_OUT_KEPT: usize = 4;

/// See the module documentation. `R` is whatever carries the answer back.
#[derive(Debug)]
pub struct PendingCalls<R> {
    in_flight: Option<InFlight<R>>,
    queue: VecDeque<Queued<R>>,
    capacity: usize,
    /// The last few calls that timed out in flight, oldest first: (id, action).
    timed_out: VecDeque<(String, String)>,
}

impl<R> PendingCalls<R> {
    /// At most `capacity` calls wait behind the one in flight.
    pub fn new(capacity: usize) -> Self {
        PendingCalls {
            in_flight: None,
            queue: VecDeque::new(),
            capacity,
            timed_out: VecDeque::new(),
        }
    }

    /// Queues a call; gives the reply back when the queue is full.
    pub fn enqueue(
        &mut self,
        action: String,
        payload: Value,
        deadline: Instant,
        reply: R,
    ) -> Result<(), R> {
        if self.queue.len() >= self.capacity {
            return Err(reply);
        }
        self.queue.push_back(Queued {
            action,
            payload,
            deadline,
            reply,
        });
        Ok(())
    }

    /// The next call to write, registered as in flight under `id`, when none is.
    pub fn next_to_send(&mut self, now: Instant, id: impl FnOnce() -> String) -> Option<ToSend> {
        if self.in_flight.is_some() {
            return None;
        }
        let q = self.queue.pop_front()?;
        let id = id();
        self.in_flight = Some(InFlight {
            id: id.clone(),
            action: q.action.clone(),
            sent_at: now,
            deadline: q.deadline,
            reply: q.reply,
        });
        Some(ToSend {
            id,
            action: q.action,
            payload: q.payload,
        })
    }

    /// The reply of the call in flight, if any.
    pub fn in_flight_reply(&mut self) -> Option<&mut R> {
        self.in_flight.as_mut().map(|f| &mut f.reply)
    }

    /// Takes the in-flight call if `id` is its id; `None` for a late or unknown answer.
    pub fn complete(&mut self, id: &str) -> Option<InFlight<R>> {
        match &self.in_flight {
            Some(f) if f.id == id => self.in_flight.take(),
            _ => None,
        }
    }

    /// The action of the call `id`: the one in flight, or one of the last few that
    /// timed out (a late answer matches nothing, but its action is still known).
    pub fn action_of(&self, id: &str) -> Option<&str> {
        self.in_flight
            .as_ref()
            .filter(|f| f.id == id)
            .map(|f| f.action.as_str())
            .or_else(|| {
                self.timed_out
                    .iter()
                    .rev()
                    .find(|(i, _)| i == id)
                    .map(|(_, a)| a.as_str())
            })
    }

    /// The in-flight call was never written (the socket failed): take it back.
    pub fn abandon_in_flight(&mut self) -> Option<InFlight<R>> {
        self.in_flight.take()
    }

    /// The earliest deadline of any call, in flight or queued.
    pub fn next_deadline(&self) -> Option<Instant> {
        let queued = self.queue.iter().map(|q| q.deadline).min();
        match (&self.in_flight, queued) {
            (Some(f), Some(q)) => Some(f.deadline.min(q)),
            (Some(f), None) => Some(f.deadline),
            (None, q) => q,
        }
    }

    /// Removes every call whose deadline has passed, the in-flight one included,
    /// returning their replies (with the action, for the log).
    pub fn expire(&mut self, now: Instant) -> Vec<(String, R)> {
        let mut out = Vec::new();
        if self.in_flight.as_ref().is_some_and(|f| f.deadline <= now) {
            if let Some(f) = self.in_flight.take() {
                if self.timed_out.len() >= TIMED_OUT_KEPT {
                    self.timed_out.pop_front();
                }
                self.timed_out.push_back((f.id, f.action.clone()));
                out.push((f.action, f.reply));
            }
        }
        let mut kept = VecDeque::with_capacity(self.queue.len());
        for q in self.queue.drain(..) {
            if q.deadline <= now {
                out.push((q.action, q.reply));
            } else {
                kept.push_back(q);
            }
        }
        self.queue = kept;
        out
    }

    /// Every reply still waiting, for when the charger is gone.
    pub fn drain(&mut self) -> Vec<R> {
        let mut out: Vec<R> = self.in_flight.take().map(|f| f.reply).into_iter().collect();
        out.extend(self.queue.drain(..).map(|q| q.reply));
        out
    }

    /// Calls in flight or queued.
    pub fn len(&self) -> usize {
        self.queue.len() + usize::from(self.in_flight.is_some())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::time::Duration;

    fn ids() -> impl FnMut() -> String {
        let mut n = 0;
        move || {
            n += 1;
            format!("m{n}")
        }
    }

    #[test]
    fn one_in_flight_then_the_next() {
        let now = Instant::now();
        let mut p = PendingCalls::new(8);
        let mut id = ids();
        p.enqueue("Reset".into(), json!({}), now + Duration::from_secs(30), 1)
            .expect("room");
        p.enqueue(
            "ClearCache".into(),
            json!({}),
            now + Duration::from_secs(30),
            2,
        )
        .expect("room");
        let first = p.next_to_send(now, &mut id).expect("first");
        assert_eq!(first.action, "Reset");
        assert!(p.next_to_send(now, &mut id).is_none(), "one at a time");
        assert!(p.complete("m9").is_none(), "unknown answers match nothing");
        assert_eq!(p.complete("m1").map(|f| f.reply), Some(1));
        assert_eq!(
            p.next_to_send(now, &mut id).map(|s| s.id),
            Some("m2".into())
        );
        assert_eq!(
            p.complete("m1").map(|f| f.reply),
            None,
            "a repeat answer is late"
        );
    }

    #[test]
    fn timeout_frees_the_slot_and_a_late_answer_is_dropped() {
        let now = Instant::now();
        let mut p = PendingCalls::new(8);
        let mut id = ids();
        p.enqueue("Reset".into(), json!({}), now + Duration::from_secs(1), "a")
            .expect("room");
        p.enqueue("Reset".into(), json!({}), now + Duration::from_secs(5), "b")
            .expect("room");
        p.next_to_send(now, &mut id).expect("sent");
        assert_eq!(p.next_deadline(), Some(now + Duration::from_secs(1)));
        assert!(p.expire(now).is_empty());
        let gone = p.expire(now + Duration::from_secs(1));
        assert_eq!(gone.len(), 1);
        assert!(
            p.complete("m1").is_none(),
            "late answer is not the next call's"
        );
        let next = p
            .next_to_send(now + Duration::from_secs(1), &mut id)
            .expect("next");
        assert_eq!(next.id, "m2");
        assert!(p.complete("m1").is_none());
        assert_eq!(p.complete("m2").map(|f| f.reply), Some("b"));
    }

    #[test]
    fn a_late_answer_keeps_its_action_for_the_log() {
        let now = Instant::now();
        let mut p = PendingCalls::new(8);
        let mut id = ids();
        for n in 0..6 {
            let at = now + Duration::from_secs(n);
            p.enqueue(format!("A{n}"), json!({}), at + Duration::from_secs(1), n)
                .expect("room");
            p.next_to_send(at, &mut id).expect("sent");
            assert_eq!(p.expire(at + Duration::from_secs(1)).len(), 1);
        }
        assert!(p.complete("m6").is_none(), "late answers match nothing");
        assert_eq!(p.action_of("m6"), Some("A5"));
        assert_eq!(p.action_of("m3"), Some("A2"));
        assert_eq!(p.action_of("m2"), None, "only the last few are kept");
        assert_eq!(p.action_of("m99"), None);
    }

    #[test]
    fn queued_calls_expire_too_and_drain_fails_everyone() {
        let now = Instant::now();
        let mut p = PendingCalls::new(1);
        p.enqueue("A".into(), json!({}), now + Duration::from_secs(1), 1)
            .expect("room");
        assert_eq!(
            p.enqueue("B".into(), json!({}), now, 2),
            Err(2),
            "queue full"
        );
        assert_eq!(p.expire(now + Duration::from_secs(2)).len(), 1);
        assert!(p.is_empty());
        p.enqueue("C".into(), json!({}), now + Duration::from_secs(1), 3)
            .expect("room");
        p.next_to_send(now, ids()).expect("sent");
        p.enqueue("D".into(), json!({}), now + Duration::from_secs(1), 4)
            .expect("room");
        assert_eq!(p.drain(), vec![3, 4]);
        assert!(p.is_empty());
    }
}

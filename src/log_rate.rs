//! At most one log line a second for a kind of event that can come in
//! floods (overload refusals, requests while the database is down): the
//! first of each second is logged in full with the number since the last
//! one, the rest only at debug, so that the log never becomes the
//! bottleneck of an instance that is already in trouble.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The gate for one kind of event.
#[derive(Debug, Default)]
pub struct OncePerSecond {
    /// The second (since the Unix epoch) of the last line let through.
    last: AtomicU64,
    /// Events since then.
    held: AtomicU64,
}

impl OncePerSecond {
    /// A gate that lets the first event through.
    pub const fn new() -> Self {
        Self {
            last: AtomicU64::new(0),
            held: AtomicU64::new(0),
        }
    }

    /// For one event: `Some(n)` when it is to be logged in full, with `n`
    /// the events held back since the last line; `None` otherwise.
    pub fn due(&self) -> Option<u64> {
        self.due_at(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        )
    }

    fn due_at(&self, second: u64) -> Option<u64> {
        let last = self.last.load(Ordering::Relaxed);
        if second > last
            && self
                .last
                .compare_exchange(last, second, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            Some(self.held.swap(0, Ordering::Relaxed))
        } else {
            self.held.fetch_add(1, Ordering::Relaxed);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_of_each_second_is_due_with_the_count_held_back() {
        let gate = OncePerSecond::new();
        assert_eq!(gate.due_at(100), Some(0));
        assert_eq!(gate.due_at(100), None);
        assert_eq!(gate.due_at(100), None);
        assert_eq!(gate.due_at(101), Some(2));
        assert_eq!(gate.due_at(101), None);
        // A clock that steps back lets nothing through until it passes.
        assert_eq!(gate.due_at(99), None);
        assert_eq!(gate.due_at(105), Some(2));
    }
}

//! The one clock every time-dependent rule reads (deadline, grace, publication).
//!
//! Production uses [`SystemClock`]; the demo runs on a [`DemoClock`] that starts at a chosen moment
//! in the past and advances in real time; tests use a [`ManualClock`] they set and move.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// A source of "now". Cheap to clone behind an `Arc`.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current instant as Docket should see it.
    fn now(&self) -> Timestamp;

    /// True when this clock is not the real time (the demo banner shows it).
    fn is_simulated(&self) -> bool {
        false
    }

    /// The time zone a simulated clock is read in on pages that belong to no call (the demo's
    /// call's zone), if it has one.
    fn zone(&self) -> Option<TimeZone> {
        None
    }
}

/// The real time.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that starts at `start` and advances with real time from the moment it was made.
#[derive(Debug, Clone)]
pub struct DemoClock {
    start: Timestamp,
    made_at: Instant,
    zone: Option<TimeZone>,
}

impl DemoClock {
    /// A demo clock reading `start` now, and advancing from there.
    pub fn starting_at(start: Timestamp) -> Self {
        Self {
            start,
            made_at: Instant::now(),
            zone: None,
        }
    }

    /// The same clock, read in `zone` on pages that belong to no call.
    pub fn in_zone(self, zone: TimeZone) -> Self {
        Self {
            zone: Some(zone),
            ..self
        }
    }
}

impl Clock for DemoClock {
    fn now(&self) -> Timestamp {
        let elapsed =
            SignedDuration::try_from(self.made_at.elapsed()).unwrap_or(SignedDuration::MAX);
        self.start.saturating_add(elapsed).unwrap_or(self.start)
    }

    fn is_simulated(&self) -> bool {
        true
    }

    fn zone(&self) -> Option<TimeZone> {
        self.zone.clone()
    }
}

/// A clock that stands still until a test moves it.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<Mutex<Timestamp>>,
    zone: Option<TimeZone>,
}

impl ManualClock {
    /// A clock reading `now` until [`ManualClock::set`] or [`ManualClock::advance`] changes it.
    pub fn new(now: Timestamp) -> Self {
        Self {
            now: Arc::new(Mutex::new(now)),
            zone: None,
        }
    }

    /// The same clock, read in `zone` on pages that belong to no call.
    pub fn in_zone(self, zone: TimeZone) -> Self {
        Self {
            zone: Some(zone),
            ..self
        }
    }

    /// Move the clock to `now`.
    pub fn set(&self, now: Timestamp) {
        *self
            .now
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = now;
    }

    /// Move the clock forward by `by`.
    pub fn advance(&self, by: SignedDuration) {
        let mut now = self
            .now
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *now = now.saturating_add(by).unwrap_or(*now);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self
            .now
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn is_simulated(&self) -> bool {
        true
    }

    fn zone(&self) -> Option<TimeZone> {
        self.zone.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_clock_starts_in_the_past_and_advances() {
        let start: Timestamp = "2022-10-13T08:00:00Z".parse().unwrap();
        let clock = DemoClock::starting_at(start);
        let first = clock.now();
        assert!(first >= start);
        assert!(first < start + SignedDuration::from_secs(60));
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert!(clock.now() > first);
        assert!(clock.is_simulated());
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let start: Timestamp = "2022-11-05T11:59:00Z".parse().unwrap();
        let clock = ManualClock::new(start);
        assert_eq!(clock.now(), start);
        clock.advance(SignedDuration::from_mins(2));
        assert_eq!(clock.now(), start + SignedDuration::from_mins(2));
        clock.set(start);
        assert_eq!(clock.now(), start);
    }
}

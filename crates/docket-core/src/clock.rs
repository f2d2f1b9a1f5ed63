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

    /// Moves a simulated clock forward to `to` (never back), or says why it cannot.
    fn jump_to(&self, to: Timestamp) -> Result<(), String> {
        let _ = to;
        Err("Only the demo's clock can be moved".into())
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
    /// How far the clock was moved forward, shared by every clone.
    jumped: Arc<Mutex<SignedDuration>>,
}

impl DemoClock {
    /// A demo clock reading `start` now, and advancing from there.
    pub fn starting_at(start: Timestamp) -> Self {
        Self {
            start,
            made_at: Instant::now(),
            zone: None,
            jumped: Arc::default(),
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
        let jumped = *self
            .jumped
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        self.start
            .saturating_add(elapsed.saturating_add(jumped))
            .unwrap_or(self.start)
    }

    fn jump_to(&self, to: Timestamp) -> Result<(), String> {
        let mut jumped = self
            .jumped
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let elapsed =
            SignedDuration::try_from(self.made_at.elapsed()).unwrap_or(SignedDuration::MAX);
        let now = self
            .start
            .saturating_add(elapsed.saturating_add(*jumped))
            .unwrap_or(self.start);
        if to <= now {
            return Err("The demo's clock only runs forward: choose a later moment".into());
        }
        *jumped = jumped.saturating_add(now.duration_until(to));
        Ok(())
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

    fn jump_to(&self, to: Timestamp) -> Result<(), String> {
        let mut now = self
            .now
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if to <= *now {
            return Err("The demo's clock only runs forward: choose a later moment".into());
        }
        *now = to;
        Ok(())
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
        let start: Timestamp = "2022-10-13T08:00:00Z".parse().expect("a valid literal");
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
        let start: Timestamp = "2022-11-05T11:59:00Z".parse().expect("a valid literal");
        let clock = ManualClock::new(start);
        assert_eq!(clock.now(), start);
        clock.advance(SignedDuration::from_mins(2));
        assert_eq!(clock.now(), start + SignedDuration::from_mins(2));
        clock.set(start);
        assert_eq!(clock.now(), start);
    }
}

#[cfg(test)]
mod jump_tests {
    use super::*;

    #[test]
    fn the_demo_clock_jumps_forward_never_back_and_runs_on() {
        let start: Timestamp = "2022-11-14T08:00:00Z"
            .parse()
            .unwrap_or_else(|_| unreachable!());
        let clock = DemoClock::starting_at(start);
        let shared = clock.clone();
        let tuesday: Timestamp = "2022-11-15T09:00:00Z"
            .parse()
            .unwrap_or_else(|_| unreachable!());
        assert!(
            clock.jump_to(start).is_err(),
            "not back, not standing still"
        );
        assert!(clock.jump_to(tuesday).is_ok());
        let now = shared.now();
        assert!(
            now >= tuesday
                && now
                    < tuesday
                        .saturating_add(SignedDuration::from_secs(5))
                        .unwrap_or(tuesday)
        );
        assert!(clock.jump_to(start).is_err());
    }
}

//! Docket's domain: calls for contributions, their themed days and kinds, the call file and its
//! checks, and the clock every time-dependent rule reads. No I/O, no SQL, no HTTP.

pub mod address;
pub mod call;
pub mod call_file;
pub mod clock;
pub mod ids;
pub mod judge;
pub mod mail;
pub mod markdown;
pub mod pledge;
pub mod prose_dates;
pub mod recognise;
pub mod search;
pub mod status;
pub mod submission;
pub mod text;
pub mod trust;
mod words;

pub use address::Address;
pub use call::{Call, Contact, Deadline, Email, Format, Kind, Limits, Slug, ThemedDay, Week};
pub use call_file::{CheckReport, Diagnostic, Severity};
pub use clock::{Clock, DemoClock, ManualClock, SystemClock};
pub use ids::{CallId, SubmissionId, UserId};

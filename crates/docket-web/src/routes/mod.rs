//! One module per resource, each with its own `router()`.

pub mod account;
pub mod announcements;
pub mod assets;
pub mod board;
pub mod console;
pub mod copy_edit;
pub mod demo;
pub mod editorial;
pub mod mail;
pub mod me;
pub mod ops;
pub mod people;
pub mod public;
pub mod reviews;
pub mod submissions;
pub mod week;

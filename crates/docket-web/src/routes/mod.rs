//! One module per resource, each with its own `router()`.

pub mod assets;
pub mod ops;
pub mod public;

//! Questions asked of an app state: paths into it (also walked on the raw
//! text of a message) and what changed between two states. Uses the relay
//! model; pure functions.

pub mod diff;
pub mod paths;
pub mod raw;

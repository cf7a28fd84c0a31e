//! Questions asked of an app state: paths into it (also walked on the raw
//! text of a message), and what changed between two states. Pure functions.

pub mod diff;
pub mod paths;
pub mod raw;

//! Questions asked of an app state: paths into it, and what changed between
//! two states. Pure functions on JSON values.

pub mod diff;
pub mod paths;

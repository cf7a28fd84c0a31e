//! What rdx knows of the apps: the instance registry, the selection a user
//! made, and the label store. Uses the relay model; knows nothing of sockets.

pub mod labels;
pub mod registry;
pub mod selection;

//! rdx: a read-only monitor for Redux DevTools remote sessions.
//!
//! Layers, each using only those below it: [`cmd`] (one module per command)
//! → [`feed`] (what commands consume) → [`model`] and [`relay`] → [`link`]
//! (the wire). [`query`] and [`output`] serve the commands; [`cli`] turns the
//! command line into a config. The module map in the README is generated from
//! these docs (`make modmap`).
pub mod cli;
pub mod cmd;
pub mod error;
pub mod feed;
pub mod link;
pub mod model;
pub mod output;
pub mod query;
pub mod relay;
pub mod time;

//! rdx: a read-only monitor for Redux DevTools remote sessions.
//!
//! Layers, each using only those below it (`tests/layout.rs` holds them):
//! [`cmd`] (one module per command) → [`cli`] (the command line into a
//! config), [`view`] (what commands print, as records, and their printers)
//! → [`feed`] (what commands consume) → [`model`], [`query`] →
//! [`relay`] → [`link`] (the wire), with [`output`], [`rawjson`], [`time`] and [`error`] as
//! leaves. The module map in the README is generated from the modules' docs
//! (`make modmap`).
pub mod cli;
pub mod cmd;
pub mod error;
pub mod feed;
pub mod link;
pub mod model;
pub mod output;
pub mod query;
pub mod rawjson;
pub mod relay;
pub mod time;
pub mod view;

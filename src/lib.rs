//! rdx: a read-only monitor for Redux DevTools remote sessions.
//!
//! The layers, from the wire up:
//! - [`wire`]: SocketCluster framing (pure).
//! - [`transport`]: the one thread that owns the WebSocket.
//! - [`relay`] and [`jsan`]: the Redux DevTools message model.
//! - [`event`]: what crosses the channel to the main thread, and the routine
//!   that turns a frame into events (shared by live and replay).
//! - [`fixture`]: record / replay files. [`source`]: live or replay, one channel.
//! - [`registry`]: the instances seen. [`output`]: terminal-safe text, tables.
//! - [`cmd`]: one module per command. [`cli`]: parsing and configuration.
pub mod appstate;
pub mod cli;
pub mod cmd;
pub mod diff;
pub mod error;
pub mod event;
pub mod feed;
pub mod fixture;
pub mod jsan;
pub mod labels;
pub mod ledger;
pub mod onepass;
pub mod output;
pub mod paths;
pub mod rawjson;
pub mod registry;
pub mod relay;
pub mod reload;
pub mod select;
pub mod source;
pub mod timefmt;
pub mod transport;
pub mod url;
pub mod wire;

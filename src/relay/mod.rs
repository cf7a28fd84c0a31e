//! The Redux DevTools relay: what apps publish on `log` (messages, their jsan
//! payloads, lifted states), decoded leniently and lazily. Uses the lazy
//! JSON reader (`rawjson`); pure, no I/O.

pub mod action;
pub mod hot;
pub(crate) mod ids;
pub mod jsan;
pub mod kind;
pub mod lifted;
pub mod message;
pub(crate) mod report;
pub mod scan;

//! The Redux DevTools relay: what apps publish on `log` (messages, their jsan
//! payloads, lifted states), decoded leniently and lazily. Pure: no I/O.

pub mod hot;
pub mod jsan;
pub mod kind;
pub mod lifted;
pub mod message;

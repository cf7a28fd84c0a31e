//! The link to the server: SocketCluster framing, server URLs, the
//! connection's protocol state machine and the one thread that owns the
//! WebSocket. Uses only the error type and the clock: what a frame means to
//! Redux is decided above, by the upstream it hands frames to.

pub mod expo;
pub mod session;
pub mod tls;
pub mod transport;
pub mod url;
pub mod wire;

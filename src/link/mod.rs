//! The link to the server: SocketCluster framing, server URLs, and the one
//! thread that owns the WebSocket. Uses nothing of rdx but the error type;
//! what a frame means to Redux is decided above, by whoever it hands frames to.

pub mod transport;
pub mod url;
pub mod wire;

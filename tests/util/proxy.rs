//! An in-test TCP proxy on 127.0.0.1: rdx connects through it, so a test can
//! cut rdx's own link while the server and the apps stay up.
//!
//! `cut()` closes every open connection (both sides, at once) and, until
//! `restore()`, closes each new one as soon as it is accepted (the client sees
//! its connection end before the WebSocket handshake: a failed connect).

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

struct Shared {
    target: u16,
    cut: AtomicBool,
    stop: AtomicBool,
    next: AtomicU64,
    /// Open connections: (id, client side, server side).
    conns: Mutex<Vec<(u64, TcpStream, TcpStream)>>,
    /// Connections accepted so far (including refused ones).
    accepted: AtomicU64,
}

impl Shared {
    fn drop_all(&self) {
        let conns = std::mem::take(&mut *self.conns.lock().unwrap());
        for (_, c, s) in conns {
            let _ = c.shutdown(Shutdown::Both);
            let _ = s.shutdown(Shutdown::Both);
        }
    }

    fn forget(&self, id: u64) {
        let mut conns = self.conns.lock().unwrap();
        if let Some(i) = conns.iter().position(|(k, _, _)| *k == id) {
            let (_, c, s) = conns.swap_remove(i);
            let _ = c.shutdown(Shutdown::Both);
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

pub struct Proxy {
    pub port: u16,
    shared: Arc<Shared>,
}

impl Proxy {
    /// Listen on 127.0.0.1 (a free port) and forward to 127.0.0.1:`target`.
    pub fn start(target: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("proxy: bind");
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared {
            target,
            cut: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            next: AtomicU64::new(0),
            conns: Mutex::new(Vec::new()),
            accepted: AtomicU64::new(0),
        });
        let sh = shared.clone();
        thread::spawn(move || accept_loop(listener, sh));
        Proxy { port, shared }
    }

    pub fn url(&self) -> String {
        format!("ws://127.0.0.1:{}/socketcluster/", self.port)
    }

    /// Drop every open connection; refuse new ones until `restore()`.
    pub fn cut(&self) {
        self.shared.cut.store(true, Ordering::SeqCst);
        self.shared.drop_all();
    }

    /// Accept and forward again.
    pub fn restore(&self) {
        self.shared.cut.store(false, Ordering::SeqCst);
    }

    /// Connections accepted so far (forwarded or refused).
    pub fn accepted(&self) -> u64 {
        self.shared.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.drop_all();
        // Wake the accept loop so it sees `stop`.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn accept_loop(listener: TcpListener, sh: Arc<Shared>) {
    for client in listener.incoming() {
        if sh.stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(client) = client else { continue };
        sh.accepted.fetch_add(1, Ordering::SeqCst);
        if sh.cut.load(Ordering::SeqCst) {
            let _ = client.shutdown(Shutdown::Both);
            continue;
        }
        let Ok(server) = TcpStream::connect(("127.0.0.1", sh.target)) else {
            let _ = client.shutdown(Shutdown::Both);
            continue;
        };
        let _ = client.set_nodelay(true);
        let _ = server.set_nodelay(true);
        let id = sh.next.fetch_add(1, Ordering::SeqCst);
        let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) else {
            continue;
        };
        {
            let mut conns = sh.conns.lock().unwrap();
            // A cut that raced with this accept: refuse.
            if sh.cut.load(Ordering::SeqCst) {
                let _ = client.shutdown(Shutdown::Both);
                let _ = server.shutdown(Shutdown::Both);
                continue;
            }
            conns.push((id, c2, s2));
        }
        let (Ok(c_read), Ok(s_write)) = (client.try_clone(), server.try_clone()) else {
            sh.forget(id);
            continue;
        };
        let sh1 = sh.clone();
        thread::spawn(move || {
            pump(c_read, s_write);
            sh1.forget(id);
        });
        let sh2 = sh.clone();
        thread::spawn(move || {
            pump(server, client);
            sh2.forget(id);
        });
    }
}

/// Copy `from` to `to` until either side ends.
fn pump(mut from: TcpStream, mut to: TcpStream) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
}

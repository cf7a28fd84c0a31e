//! Server addresses: `ws://host:port/path`, `wss://...`, or a bare `host:port`.
//! `http://` and `https://` (what people copy from a browser) mean `ws://` and
//! `wss://`. `expo://host:port` is an Expo dev server's plugin socket
//! (`ws://host:port/expo-dev-plugins/broadcast`, port 8081 by default).

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WsUrl {
    pub(crate) tls: bool,
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) path: String,
    /// What answers there.
    pub(crate) relay: Relay,
}

/// The kind of relay a URL names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Relay {
    /// `@redux-devtools/cli` (SocketCluster).
    #[default]
    DevTools,
    /// An Expo dev server's plugin socket.
    Expo,
}

pub(crate) const DEFAULT_PATH: &str = "/socketcluster/";

impl WsUrl {
    /// Parse a URL as a user types it: `host:port` and a URL without a path
    /// are completed to `/socketcluster/`.
    pub(crate) fn parse(text: &str) -> Result<WsUrl, String> {
        let t = text.trim();
        let scheme = |s: &str| t.get(..s.len()).is_some_and(|p| p.eq_ignore_ascii_case(s));
        if scheme("expo://") {
            let inner = format!("ws://{}", &t[7..]);
            let theirs = |e: String| e.replace(&format!("{inner:?}"), &format!("{text:?}"));
            return WsUrl::parse(&inner).map_err(theirs).map(|mut u| {
                if !t[7..].contains(['/', '?', '#']) {
                    u.path = crate::link::expo::PATH.to_string();
                }
                if !authority_has_port(&t[7..]) {
                    u.port = crate::link::expo::DEFAULT_PORT;
                }
                u.relay = Relay::Expo;
                u
            });
        }
        let (tls, rest) = if scheme("ws://") || scheme("http://") {
            (false, &t[t.find("://").unwrap_or(0) + 3..])
        } else if scheme("wss://") || scheme("https://") {
            (true, &t[t.find("://").unwrap_or(0) + 3..])
        } else if t.contains("://") {
            return Err(format!(
                "invalid URL {text:?}: the scheme must be ws://, wss://, http://, https:// or expo://"
            ));
        } else {
            (false, t)
        };
        let (authority, path) = match rest.find(['/', '?', '#']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let path = if path.is_empty() || path == "/" {
            DEFAULT_PATH.to_string()
        } else {
            path.to_string()
        };
        let default_port = if tls { 443 } else { 80 };
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let Some(end) = v6.find(']') else {
                return Err(format!("invalid URL {text:?}: unclosed [ in the host"));
            };
            let host = &v6[..end];
            let port = match &v6[end + 1..] {
                "" => default_port,
                p => parse_port(p.strip_prefix(':').unwrap_or("x"), text)?,
            };
            (host.to_string(), port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), parse_port(p, text)?),
                None => (authority.to_string(), default_port),
            }
        };
        if host.is_empty() || host.contains(['@', ' ']) {
            return Err(format!("invalid URL {text:?}: no usable host"));
        }
        Ok(WsUrl {
            tls,
            host,
            port,
            path,
            relay: Relay::DevTools,
        })
    }

    /// `--expo`: the dev server on this machine, Metro's port.
    pub(crate) fn expo(host: Option<&str>, port: Option<u16>) -> WsUrl {
        WsUrl {
            tls: false,
            host: host.unwrap_or("127.0.0.1").to_string(),
            port: port.unwrap_or(crate::link::expo::DEFAULT_PORT),
            path: crate::link::expo::PATH.to_string(),
            relay: Relay::Expo,
        }
    }

    /// The WebSocket URL to open (an `expo://` URL is a `ws://` one).
    pub(crate) fn websocket(&self) -> String {
        let scheme = if self.tls { "wss" } else { "ws" };
        format!("{scheme}://{}{}", self.authority(), self.path)
    }

    fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// From `--host`/`--port`.
    pub(crate) fn from_host_port(host: Option<&str>, port: Option<u16>) -> WsUrl {
        WsUrl {
            tls: false,
            host: host.unwrap_or("127.0.0.1").to_string(),
            port: port.unwrap_or(8000),
            path: DEFAULT_PATH.to_string(),
            relay: Relay::DevTools,
        }
    }
}

/// Does `host:port/...` (after the scheme) give a port?
fn authority_has_port(rest: &str) -> bool {
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    match authority.rfind(']') {
        Some(end) => authority[end..].contains(':'),
        None => authority.contains(':'),
    }
}

fn parse_port(p: &str, text: &str) -> Result<u16, String> {
    match p.parse::<u16>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("invalid URL {text:?}: {p:?} is not a port number")),
    }
}

impl fmt::Display for WsUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.relay {
            Relay::Expo if self.path == crate::link::expo::PATH => {
                write!(f, "expo://{}", self.authority())
            }
            Relay::Expo => write!(f, "expo://{}{}", self.authority(), self.path),
            Relay::DevTools => f.write_str(&self.websocket()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completes_what_users_type() {
        let u = |s| WsUrl::parse(s).unwrap().to_string();
        assert_eq!(
            u("ws://127.0.0.1:8000/socketcluster/"),
            "ws://127.0.0.1:8000/socketcluster/"
        );
        assert_eq!(u("localhost:9000"), "ws://localhost:9000/socketcluster/");
        assert_eq!(
            u("ws://example.test:1234"),
            "ws://example.test:1234/socketcluster/"
        );
        assert_eq!(
            u("ws://example.test:1234/"),
            "ws://example.test:1234/socketcluster/"
        );
        assert_eq!(u("ws://h:1/custom/path"), "ws://h:1/custom/path");
        assert_eq!(u("wss://h/x/"), "wss://h:443/x/");
        assert_eq!(u("[::1]:8000"), "ws://[::1]:8000/socketcluster/");
        assert_eq!(u("ws://h"), "ws://h:80/socketcluster/");
        // what people copy from their browser
        assert_eq!(u("http://host:8000"), "ws://host:8000/socketcluster/");
        assert_eq!(u("HTTPS://host/"), "wss://host:443/socketcluster/");
        assert_eq!(
            u("https://h:8443/socketcluster/"),
            "wss://h:8443/socketcluster/"
        );
    }

    #[test]
    fn expo_urls() {
        let u = |s| WsUrl::parse(s).unwrap();
        let e = u("expo://127.0.0.1");
        assert_eq!(e.relay, Relay::Expo);
        assert_eq!(e.to_string(), "expo://127.0.0.1:8081");
        assert_eq!(
            e.websocket(),
            "ws://127.0.0.1:8081/expo-dev-plugins/broadcast"
        );
        assert_eq!(u("EXPO://h:19000").to_string(), "expo://h:19000");
        assert_eq!(u("expo://[::1]").to_string(), "expo://[::1]:8081");
        assert_eq!(u("expo://h:1/custom").websocket(), "ws://h:1/custom");
        assert_eq!(
            WsUrl::expo(None, Some(18081)).to_string(),
            "expo://127.0.0.1:18081"
        );
        assert_eq!(WsUrl::expo(None, None), u("expo://127.0.0.1:8081"));
        assert!(WsUrl::parse("expo://").is_err());
        assert!(WsUrl::parse("expo://h:0").is_err());
    }

    #[test]
    fn rejects_nonsense() {
        for bad in [
            "ftp://h:1",
            "h:0",
            "h:99999",
            "h:x",
            ":80",
            "[::1",
            "",
            "ws://",
        ] {
            assert!(WsUrl::parse(bad).is_err(), "{bad}");
        }
    }
}

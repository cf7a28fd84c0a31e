//! Server addresses: `ws://host:port/path`, `wss://...`, or a bare `host:port`.
//! `http://` and `https://` (what people copy from a browser) mean `ws://` and
//! `wss://`.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WsUrl {
    pub(crate) tls: bool,
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) path: String,
}

pub(crate) const DEFAULT_PATH: &str = "/socketcluster/";

impl WsUrl {
    /// Parse a URL as a user types it: `host:port` and a URL without a path
    /// are completed to `/socketcluster/`.
    pub(crate) fn parse(text: &str) -> Result<WsUrl, String> {
        let t = text.trim();
        let scheme = |s: &str| t.get(..s.len()).is_some_and(|p| p.eq_ignore_ascii_case(s));
        let (tls, rest) = if scheme("ws://") || scheme("http://") {
            (false, &t[t.find("://").unwrap_or(0) + 3..])
        } else if scheme("wss://") || scheme("https://") {
            (true, &t[t.find("://").unwrap_or(0) + 3..])
        } else if t.contains("://") {
            return Err(format!(
                "invalid URL {text:?}: the scheme must be ws://, wss://, http:// or https://"
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
        })
    }

    /// From `--host`/`--port`.
    pub(crate) fn from_host_port(host: Option<&str>, port: Option<u16>) -> WsUrl {
        WsUrl {
            tls: false,
            host: host.unwrap_or("127.0.0.1").to_string(),
            port: port.unwrap_or(8000),
            path: DEFAULT_PATH.to_string(),
        }
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
        let scheme = if self.tls { "wss" } else { "ws" };
        if self.host.contains(':') {
            write!(f, "{scheme}://[{}]:{}{}", self.host, self.port, self.path)
        } else {
            write!(f, "{scheme}://{}:{}{}", self.host, self.port, self.path)
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

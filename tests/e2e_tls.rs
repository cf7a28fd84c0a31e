//! `wss://` end to end: the real DevTools server behind a real TLS proxy
//! (Node's `tls` module, tests/e2e/tls-proxy.js) with certificates this test
//! makes with openssl: a private CA and a server certificate for `localhost`
//! signed by it, plus an expired one.

use std::process::Command;
use std::time::Duration;

use crate::util::e2e::{Apps, NodeProc, Server};
use crate::util::*;

/// A private CA, a server certificate for `localhost` it signed, and an
/// expired one.
struct Certs {
    dir: TempDir,
}

impl Certs {
    fn make() -> Certs {
        let dir = TempDir::new("tls");
        let sh = |args: &[&str]| {
            let o = Command::new("openssl")
                .args(args)
                .current_dir(&dir.0)
                .output()
                .expect("openssl (make e2e-deps installs it)");
            assert!(
                o.status.success(),
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        };
        std::fs::write(dir.0.join("ext.cnf"), "subjectAltName=DNS:localhost\n").unwrap();
        sh(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=rdx test CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
        ]);
        sh(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-keyout",
            "srv.key",
            "-out",
            "srv.csr",
        ]);
        for (out, days) in [("srv.pem", "1"), ("old.pem", "-1")] {
            sh(&[
                "x509",
                "-req",
                "-in",
                "srv.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                days,
                "-extfile",
                "ext.cnf",
                "-out",
                out,
            ]);
        }
        Certs { dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name)
    }
}

/// The TLS proxy in front of `server` with the certificate `cert`.
fn proxy(server: &Server, certs: &Certs, cert: &str) -> (NodeProc, u16) {
    let args = [
        "--target".to_string(),
        server.port.to_string(),
        "--cert".to_string(),
        certs.path(cert),
        "--key".to_string(),
        certs.path("srv.key"),
    ];
    let p = NodeProc::spawn("tls-proxy.js", &args, "tls-proxy");
    let ready = p.wait_for(Duration::from_secs(30), "ready", |v| v["ready"] == true);
    let port = ready["port"].as_u64().unwrap() as u16;
    (p, port)
}

#[test]
fn e2e_wss_through_a_tls_proxy_with_the_three_certificate_outcomes() {
    let certs = Certs::make();
    let server = Server::start();
    let _apps = Apps::start(
        &server,
        &["shop"],
        &["--actions", "400", "--interval", "50"],
    );
    // The app streams (heard on the plain server) before anything is asked
    // of it through the proxy.
    run(&[
        "--url",
        &server.url(),
        "--timeout",
        "60s",
        "tail",
        "--count",
        "1",
    ])
    .expect(0);
    let (_proxy, port) = proxy(&server, &certs, "srv.pem");
    let url = format!("wss://localhost:{port}");
    let ca = certs.path("ca.pem");

    // With --cacert: sessions and tail work over wss://.
    let o = run(&[
        "--url", &url, "--cacert", &ca, "sessions", "--json", "--for", "2s",
    ]);
    o.expect(0);
    let rows = json_lines(&o);
    assert!(rows.iter().any(|r| r["app"] == "shop"), "{rows:?}");
    let o = run(&[
        "--url",
        &url,
        "--cacert",
        &ca,
        "--timeout",
        "30s",
        "tail",
        "--json",
        "--count",
        "3",
    ]);
    o.expect(0);
    assert_eq!(json_lines(&o).len(), 3);
    // RDX_CACERT does the same.
    let o = run_cmd(
        rdx().env("RDX_CACERT", &ca),
        &["--url", &url, "sessions", "--json", "--for", "1s"],
    );
    o.expect(0);

    // Without it: the unknown issuer, named, with the host; exit 3 at once.
    let o = run(&["--url", &url, "sessions"]);
    o.expect(3);
    let err = stderr(&o);
    assert!(
        err.contains("unknown issuer") && err.contains("localhost"),
        "{err}"
    );
    assert!(err.contains("--cacert"), "{err}");

    // --insecure: works, and warns.
    let o = run(&[
        "--url",
        &url,
        "--insecure",
        "sessions",
        "--json",
        "--for",
        "1s",
    ]);
    o.expect(0);
    assert!(stderr(&o).contains("warning: --insecure"), "{}", stderr(&o));
    assert!(json_lines(&o).iter().any(|r| r["app"] == "shop"));

    // The certificate is for localhost, not 127.0.0.1: a name mismatch.
    let o = run(&[
        "--url",
        &format!("wss://127.0.0.1:{port}"),
        "--cacert",
        &ca,
        "sessions",
    ]);
    o.expect(3);
    assert!(stderr(&o).contains("name mismatch"), "{}", stderr(&o));

    // An expired certificate, even from the trusted CA.
    let (_old, old_port) = proxy(&server, &certs, "old.pem");
    let o = run(&[
        "--url",
        &format!("wss://localhost:{old_port}"),
        "--cacert",
        &ca,
        "sessions",
    ]);
    o.expect(3);
    assert!(stderr(&o).contains("expired"), "{}", stderr(&o));

    // https:// means wss:// (an address copied from a browser).
    let o = run(&[
        "--url",
        &format!("https://localhost:{port}/"),
        "--cacert",
        &ca,
        "sessions",
        "--json",
        "--for",
        "1s",
    ]);
    o.expect(0);
}

#[test]
fn e2e_a_web_server_where_the_devtools_server_was_expected() {
    // A plain HTTP server (what an app's dev server is) on a loopback port.
    let port =
        crate::util::fake::http_server(2, b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello");
    let o = run(&["--url", &format!("http://127.0.0.1:{port}"), "sessions"]);
    o.expect(3);
    let err = stderr(&o);
    assert!(
        err.contains("HTTP 200") && err.contains("not the Redux DevTools server"),
        "{err}"
    );
    assert!(err.contains("--port 8000"), "{err}");
}

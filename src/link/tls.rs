//! TLS for `wss://`: rustls with the ring provider, Mozilla's roots compiled
//! in, a private CA from `--cacert`, or no verification at all with
//! `--insecure`. Certificate problems become errors that name the problem
//! and the host.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, ClientConnection, DigitallySignedStruct, RootCertStore,
};

/// How to trust the server's certificate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Trust {
    /// PEM certificates to trust besides the built-in roots.
    pub(crate) cacert: Option<PathBuf>,
    /// Accept any certificate.
    pub(crate) insecure: bool,
}

/// The client configuration for `trust`. Err: the CA file cannot be used.
pub(crate) fn client_config(trust: &Trust) -> Result<Arc<ClientConfig>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup failed: {e}"))?;
    let config = if trust.insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnything(provider)))
            .with_no_client_auth()
    } else {
        let mut roots = RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        if let Some(path) = &trust.cacert {
            for cert in read_pem(path)? {
                roots
                    .add(cert)
                    .map_err(|e| format!("--cacert {}: {e}", path.display()))?;
            }
        }
        builder.with_root_certificates(roots).with_no_client_auth()
    };
    Ok(Arc::new(config))
}

fn read_pem(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let shown = path.display();
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read --cacert {shown}: {e}"))?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("--cacert {shown} is not PEM: {e:?}"))?;
    if certs.is_empty() {
        return Err(format!("--cacert {shown} holds no PEM certificate"));
    }
    Ok(certs)
}

/// A TCP stream, or TLS over one.
pub(crate) enum Stream {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<ClientConnection, TcpStream>>),
}

impl Stream {
    /// Wrap `tcp` in TLS for `host` (the handshake happens on first use).
    pub(crate) fn tls(
        tcp: TcpStream,
        host: &str,
        config: Arc<ClientConfig>,
    ) -> Result<Stream, String> {
        let name = ServerName::try_from(host.to_string())
            .map_err(|_| format!("{host:?} is not a valid TLS server name"))?;
        let conn =
            ClientConnection::new(config, name).map_err(|e| format!("TLS setup failed: {e}"))?;
        Ok(Stream::Tls(Box::new(rustls::StreamOwned::new(conn, tcp))))
    }

    /// The TCP stream underneath (for timeouts).
    pub(crate) fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(s) => s,
            Stream::Tls(s) => s.get_ref(),
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

/// A TLS failure in an I/O error, said for people: what is wrong with the
/// certificate and what to do. None when the error is not about TLS.
pub(crate) fn describe(e: &io::Error, host: &str) -> Option<String> {
    let tls = e.get_ref()?.downcast_ref::<rustls::Error>()?;
    let fix = "trust its CA with --cacert FILE, or skip the check with --insecure";
    Some(match tls {
        rustls::Error::InvalidCertificate(c) => match c {
            CertificateError::UnknownIssuer => format!(
                "the certificate of {host} is signed by an unknown issuer (a private CA?); {fix}"
            ),
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                format!(
                    "the certificate of {host} is not valid for the name {host} (name mismatch); \
                     connect with a name it is for, or skip the check with --insecure"
                )
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => format!(
                "the certificate of {host} has expired; renew it, or skip the check with --insecure"
            ),
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                format!(
                    "the certificate of {host} is not valid yet (is this machine's clock right?)"
                )
            }
            other => format!("the certificate of {host} is not acceptable ({other:?}); {fix}"),
        },
        rustls::Error::AlertReceived(a) => format!("{host} refused the TLS handshake ({a:?})"),
        rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => {
            format!("{host} does not speak TLS here (is it a plain ws:// server? try ws://)")
        }
        other => format!("TLS with {host} failed: {other}"),
    })
}

/// `--insecure`: every certificate is accepted (signatures are still checked
/// so the handshake is well-formed; who signed is not).
#[derive(Debug)]
struct AcceptAnything(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AcceptAnything {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_cacert_is_an_error_naming_the_file() {
        let dir = std::env::temp_dir().join(format!("rdx-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let missing = Trust {
            cacert: Some(dir.join("nope.pem")),
            insecure: false,
        };
        assert!(client_config(&missing).unwrap_err().contains("nope.pem"));
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let e = client_config(&Trust {
            cacert: Some(empty),
            insecure: false,
        })
        .unwrap_err();
        assert!(e.contains("no PEM certificate"), "{e}");
        assert!(client_config(&Trust::default()).is_ok());
        assert!(
            client_config(&Trust {
                cacert: None,
                insecure: true
            })
            .is_ok()
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn certificate_problems_are_named() {
        let wrap = |e: rustls::Error| io::Error::new(io::ErrorKind::InvalidData, e);
        let d = |e| describe(&wrap(e), "h.example").unwrap();
        assert!(
            d(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer
            ))
            .contains("unknown issuer")
        );
        assert!(
            d(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName
            ))
            .contains("name mismatch")
        );
        assert!(
            d(rustls::Error::InvalidCertificate(CertificateError::Expired)).contains("expired")
        );
        assert!(describe(&io::Error::other("plain"), "h").is_none());
    }
}

//! The optional TLS listener: a certificate authority and a `localhost` /
//! `127.0.0.1` server certificate made at start (rcgen), served with rustls
//! (tokio-rustls, the copy reqwest already builds, on aws-lc-rs).
//!
//! Only the authority's certificate leaves the process (written to a file for
//! clients to trust); neither private key is ever written. A separate
//! authority, rather than one self-signed leaf, because strict X.509 checkers
//! (OpenSSL's `X509_V_FLAG_X509_STRICT`, which recent Pythons turn on) refuse
//! a leaf used as its own trust anchor.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::{
    self,
    pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer},
};
use tokio_rustls::server::TlsStream;

/// How long a client has to finish its TLS handshake before the connection
/// is dropped, so that a silent client holds no task for long.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Handshakes finished but not yet taken by the server.
const PENDING_CONNECTIONS: usize = 64;

/// The certificates of one TLS listener.
pub(crate) struct Certificates {
    /// The authority's certificate (PEM), what clients trust.
    pub ca_pem: String,
    server: rustls::ServerConfig,
}

impl Certificates {
    /// A new authority and a server certificate it signs, for `localhost`
    /// and `127.0.0.1`.
    pub(crate) fn generate() -> std::io::Result<Self> {
        let invalid = |err: rcgen::Error| std::io::Error::other(err.to_string());
        let mut ca_params = CertificateParams::default();
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "graph-emulator local authority");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().map_err(invalid)?)
            .map_err(invalid)?;

        let mut params =
            CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
                .map_err(invalid)?;
        params
            .distinguished_name
            .push(DnType::CommonName, "graph-emulator");
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        let key = KeyPair::generate().map_err(invalid)?;
        let leaf = params.signed_by(&key, &ca).map_err(invalid)?;

        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut server = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(std::io::Error::other)?
            .with_no_client_auth()
            .with_single_cert(
                vec![leaf.der().clone(), CertificateDer::from(ca.der().to_vec())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
            )
            .map_err(std::io::Error::other)?;
        // The router speaks HTTP/1.1 only (axum's `http1` feature).
        server.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Self {
            ca_pem: ca.pem(),
            server,
        })
    }

    /// Accepts TLS connections on `tcp` in a background task of the current
    /// runtime; the task ends when the returned listener is dropped.
    /// `failed` counts the handshakes that failed or timed out.
    pub(crate) fn listen(self, tcp: TcpListener, failed: Arc<watch::Sender<u64>>) -> TlsListener {
        let acceptor = TlsAcceptor::from(Arc::new(self.server));
        let local = tcp.local_addr();
        let (tx, rx) = mpsc::channel(PENDING_CONNECTIONS);
        tokio::spawn(accept_loop(tcp, acceptor, tx, failed));
        TlsListener { rx, local }
    }
}

async fn accept_loop(
    tcp: TcpListener,
    acceptor: TlsAcceptor,
    tx: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
    failed: Arc<watch::Sender<u64>>,
) {
    loop {
        let accepted = tokio::select! {
            accepted = tcp.accept() => accepted,
            () = tx.closed() => return,
        };
        let Ok((stream, peer)) = accepted else {
            // Out of file descriptors and the like: wait a little, as axum's
            // own listener does.
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let acceptor = acceptor.clone();
        let tx = tx.clone();
        let failed = Arc::clone(&failed);
        // Each handshake in its own task: one slow client holds up no other.
        tokio::spawn(async move {
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => {
                    let _ = tx.send((tls, peer)).await;
                }
                _ => {
                    failed.send_modify(|count| *count += 1);
                }
            }
        });
    }
}

/// An [`axum::serve::Listener`] of finished TLS handshakes.
pub(crate) struct TlsListener {
    rx: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: std::io::Result<SocketAddr>,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.rx.recv().await {
            Some(connection) => connection,
            // The accept loop never ends while this receiver lives.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        match &self.local {
            Ok(addr) => Ok(*addr),
            Err(err) => Err(std::io::Error::new(err.kind(), err.to_string())),
        }
    }
}

/// The authority's certificate written to a new file of the temporary
/// directory (a fresh name, never an existing file), removed on drop.
#[derive(Debug)]
pub(crate) struct CaFile {
    path: PathBuf,
}

impl CaFile {
    pub(crate) fn write(pem: &str, port: u16) -> std::io::Result<Self> {
        let path = std::env::temp_dir().join(format!(
            "graph-emulator-{port}-{}-ca.pem",
            uuid::Uuid::new_v4().simple()
        ));
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        file.write_all(pem.as_bytes())?;
        file.sync_all()?;
        Ok(Self { path })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for CaFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

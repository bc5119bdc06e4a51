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
    BasicConstraints, CertificateParams, CertifiedIssuer, CidrSubnet, DnType,
    ExtendedKeyUsagePurpose, GeneralSubtree, IsCa, KeyPair, KeyUsagePurpose, NameConstraints,
};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc, watch};
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

/// At most this many connections are in their handshake (or handed over
/// and waiting for the server) at once: past it, new connections wait in
/// the kernel's backlog, unaccepted, until a handshake ends (at the latest
/// at [`HANDSHAKE_TIMEOUT`]). Without it, a flood of connections that never
/// finish their handshake would hold a task and a TLS state each, with no
/// bound but the file descriptor limit.
const MAX_HANDSHAKES: usize = 64;

/// How long before now the certificates' validity starts: a client whose
/// clock is somewhat behind this machine's still accepts them.
const CLOCK_SKEW: Duration = Duration::from_secs(24 * 3600);

/// How long the certificates stay valid. Apple's platforms refuse a TLS
/// server certificate valid for more than 825 days, even from a root the
/// user trusts ("Requirements for trusted certificates in iOS 13 and macOS
/// 10.15"); rcgen's default is until the year 4096. One year: certificates
/// are made anew at every start.
const VALIDITY: Duration = Duration::from_secs(365 * 24 * 3600);

/// What the handshakes in progress look like, for tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Handshakes {
    /// Connections accepted so far.
    pub started: u64,
    /// Connections in their handshake (or waiting for the server) now.
    pub in_flight: usize,
    /// The most that ever were at once.
    pub peak: usize,
}

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
        let now = std::time::SystemTime::now();
        let not_before = now.checked_sub(CLOCK_SKEW).unwrap_or(now);
        let not_after = now.checked_add(VALIDITY).unwrap_or(now);
        let mut ca_params = CertificateParams::default();
        ca_params.not_before = not_before.into();
        ca_params.not_after = not_after.into();
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "graph-emulator local authority");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        // The authority can vouch for this machine's names only (RFC 5280
        // §4.2.1.10 name constraints): trusted by mistake beyond a test
        // (added to a system store, say), it still cannot stand for
        // another site. Its key never leaves the process anyway.
        ca_params.name_constraints = Some(NameConstraints {
            permitted_subtrees: vec![
                GeneralSubtree::DnsName("localhost".to_string()),
                GeneralSubtree::IpAddress(CidrSubnet::V4([127, 0, 0, 1], [255; 4])),
            ],
            excluded_subtrees: Vec::new(),
        });
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().map_err(invalid)?)
            .map_err(invalid)?;

        let mut params =
            CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
                .map_err(invalid)?;
        params
            .distinguished_name
            .push(DnType::CommonName, "graph-emulator");
        params.not_before = not_before.into();
        params.not_after = not_after.into();
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
        self.listen_with(tcp, failed, MAX_HANDSHAKES).0
    }

    /// [`listen`](Self::listen) with at most `max_handshakes` at once, and
    /// a view of them.
    fn listen_with(
        self,
        tcp: TcpListener,
        failed: Arc<watch::Sender<u64>>,
        max_handshakes: usize,
    ) -> (TlsListener, watch::Receiver<Handshakes>) {
        let acceptor = TlsAcceptor::from(Arc::new(self.server));
        let local = tcp.local_addr();
        let (tx, rx) = mpsc::channel(PENDING_CONNECTIONS);
        let handshakes = Arc::new(watch::Sender::new(Handshakes::default()));
        let view = handshakes.subscribe();
        let slots = Arc::new(Semaphore::new(max_handshakes));
        tokio::spawn(accept_loop(tcp, acceptor, tx, failed, slots, handshakes));
        (TlsListener { rx, local }, view)
    }
}

async fn accept_loop(
    tcp: TcpListener,
    acceptor: TlsAcceptor,
    tx: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
    failed: Arc<watch::Sender<u64>>,
    slots: Arc<Semaphore>,
    handshakes: Arc<watch::Sender<Handshakes>>,
) {
    loop {
        // A free slot first, then a connection: a full house leaves new
        // connections in the backlog rather than holding them here.
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => slot,
            () = tx.closed() => return,
        };
        let Ok(slot) = slot else { return };
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
        handshakes.send_modify(|h| {
            h.started += 1;
            h.in_flight += 1;
            h.peak = h.peak.max(h.in_flight);
        });
        let acceptor = acceptor.clone();
        let tx = tx.clone();
        let failed = Arc::clone(&failed);
        let handshakes = Arc::clone(&handshakes);
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
            handshakes.send_modify(|h| h.in_flight -= 1);
            drop(slot);
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
        let mut options = std::fs::OpenOptions::new();
        // `create_new`: O_EXCL, so never an existing file nor a symlink
        // someone planted.
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            // Readable by the clients that trust it, writable by no one
            // else: whoever could replace it could make them trust their own
            // authority. The umask may only take bits away (0077 leaves 0600).
            options.mode(0o644);
        }
        let mut file = options.open(&path)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Past the limit, connections that never say a word are left in the
    /// backlog: the next one is taken only when a handshake ends.
    #[tokio::test]
    async fn silent_connections_never_hold_more_than_the_limit_of_handshakes() {
        let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = tcp.local_addr().unwrap();
        let failed = Arc::new(watch::Sender::new(0));
        let (listener, mut view) =
            Certificates::generate()
                .unwrap()
                .listen_with(tcp, Arc::clone(&failed), 2);
        let mut silent = Vec::new();
        for _ in 0..3 {
            silent.push(TcpStream::connect(addr).await.unwrap());
        }
        view.wait_for(|h| h.in_flight >= 2).await.unwrap();
        // The first one hangs up: its handshake fails and frees its slot,
        // which the third takes.
        drop(silent.remove(0));
        let seen = *view.wait_for(|h| h.started == 3).await.unwrap();
        assert_eq!(seen.peak, 2, "{seen:?}");
        assert_eq!(*failed.subscribe().wait_for(|n| *n >= 1).await.unwrap(), 1);
        drop(listener);
    }
}

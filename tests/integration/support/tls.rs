//! A one-answer HTTPS server on 127.0.0.1 for the CA-bundle tests: a throwaway CA made with
//! rcgen signs a certificate for `localhost`, and rustls (already in the tree) serves it over a
//! std `TcpListener`, one thread per connection. Every request gets the same JSON answer; each
//! request is recorded, and so is each handshake the client refused.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

use super::request::Request;

pub struct TlsServer {
    pub port: u16,
    /// The CA that signed the server's certificate, as PEM: what a `--ca-bundle` file holds.
    pub ca_pem: String,
    requests: Arc<Mutex<Vec<Request>>>,
    refused_handshakes: Arc<AtomicUsize>,
}

impl TlsServer {
    /// Serves `body` (JSON, status 200) to every request.
    pub fn start(body: String) -> TlsServer {
        let ca_key = KeyPair::generate().expect("CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "leadctl test corporate proxy CA");
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca_params.self_signed(&ca_key).expect("CA cert");
        let ca_pem = ca_cert.pem();
        let issuer = Issuer::new(ca_params, ca_key);

        let leaf_key = KeyPair::generate().expect("leaf key");
        let leaf_params = CertificateParams::new(vec!["localhost".to_string()]).expect("params");
        let leaf = leaf_params
            .signed_by(&leaf_key, &issuer)
            .expect("leaf cert");

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_no_client_auth()
            .with_single_cert(
                vec![leaf.der().clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
            )
            .expect("server config");
        let config = Arc::new(config);

        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local addr").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let refused_handshakes = Arc::new(AtomicUsize::new(0));
        let (seen, refused) = (requests.clone(), refused_handshakes.clone());
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (config, seen, refused) = (config.clone(), seen.clone(), refused.clone());
                let body = body.clone();
                thread::spawn(move || serve(stream, config, &body, &seen, &refused));
            }
        });
        TlsServer {
            port,
            ca_pem,
            requests,
            refused_handshakes,
        }
    }

    /// The API URL by name (`localhost`, which the certificate is for).
    pub fn url(&self) -> String {
        format!("https://localhost:{}/functions/v1/keen-api", self.port)
    }

    /// Each request that arrived (`line()`: "POST /functions/v1/keen-api").
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    pub fn refused_handshakes(&self) -> usize {
        self.refused_handshakes.load(Ordering::SeqCst)
    }
}

fn serve(
    stream: TcpStream,
    config: Arc<ServerConfig>,
    body: &str,
    seen: &Mutex<Vec<Request>>,
    refused: &AtomicUsize,
) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let conn = ServerConnection::new(config).expect("server connection");
    let mut tls = StreamOwned::new(conn, stream);
    // Reading drives the handshake; nothing read means the client hung up on it.
    let mut counting = Counting {
        inner: &mut tls,
        read: 0,
    };
    let request = Request::read(&mut counting);
    let read = counting.read;
    let Ok(Some(request)) = request else {
        if read == 0 {
            refused.fetch_add(1, Ordering::SeqCst);
        }
        return;
    };
    seen.lock().unwrap().push(request);
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tls.write_all(response.as_bytes());
    tls.conn.send_close_notify();
    let _ = tls.flush();
}

/// Counts the bytes read through it.
struct Counting<R> {
    inner: R,
    read: usize,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n;
        Ok(n)
    }
}

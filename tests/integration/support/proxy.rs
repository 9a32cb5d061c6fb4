//! A recording forward proxy on 127.0.0.1, std only: `CONNECT host:port` (what a client sends for
//! an https URL) is recorded, answered 200 and tunnelled; any other request (absolute-form, for
//! plain http) is recorded and answered 502, so a request that should have bypassed the proxy
//! fails loudly.

use std::io::{self, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use super::request::Request;

pub struct Proxy {
    pub port: u16,
    seen: Arc<Mutex<Vec<Request>>>,
}

impl Proxy {
    pub fn start() -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local addr").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let recorded = seen.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let recorded = recorded.clone();
                thread::spawn(move || {
                    let _ = handle(stream, &recorded);
                });
            }
        });
        Proxy { port, seen }
    }

    /// For HTTPS_PROXY / HTTP_PROXY.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Each request the proxy received (`line()`: "CONNECT localhost:1234").
    pub fn requests(&self) -> Vec<Request> {
        self.seen.lock().unwrap().clone()
    }
}

fn handle(mut client: TcpStream, seen: &Mutex<Vec<Request>>) -> io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(10)))?;
    // Reads exactly the head (and a body, which CONNECT has not), so the tunnel gets the rest.
    let Some(request) = Request::read(&mut client)? else {
        return Ok(());
    };
    seen.lock().unwrap().push(request.clone());
    let target = request.path.clone();
    if request.method != "CONNECT" {
        client.write_all(
            b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        )?;
        return Ok(());
    }
    let upstream = match TcpStream::connect(&target) {
        Ok(s) => s,
        Err(_) => {
            client.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")?;
            return Ok(());
        }
    };
    client.set_read_timeout(None)?;
    client.write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")?;
    let (mut client_read, mut upstream_write) = (client.try_clone()?, upstream.try_clone()?);
    let forward = thread::spawn(move || {
        let _ = io::copy(&mut client_read, &mut upstream_write);
        let _ = upstream_write.shutdown(Shutdown::Write);
    });
    let (mut upstream_read, mut client_write) = (upstream, client);
    let _ = io::copy(&mut upstream_read, &mut client_write);
    let _ = client_write.shutdown(Shutdown::Write);
    let _ = forward.join();
    Ok(())
}

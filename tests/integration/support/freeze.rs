//! A TCP forwarder on 127.0.0.1 that can freeze: while frozen it stops passing bytes either way
//! but keeps every connection open (the kernel still acknowledges what arrives), as a network
//! link that hangs without a reset does. For a PostgreSQL ledger behind a frozen link.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

pub struct Freezer {
    pub port: u16,
    frozen: Arc<AtomicBool>,
}

impl Freezer {
    /// Forwards every connection to `target` (`127.0.0.1:PORT`).
    pub fn start(target: &str) -> Freezer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local addr").port();
        let frozen = Arc::new(AtomicBool::new(false));
        let (flag, target) = (frozen.clone(), target.to_string());
        thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let Ok(upstream) = TcpStream::connect(&target) else {
                    continue;
                };
                for (from, to) in [
                    (client.try_clone(), upstream.try_clone()),
                    (upstream.try_clone(), client.try_clone()),
                ] {
                    let (Ok(from), Ok(to)) = (from, to) else {
                        continue;
                    };
                    let flag = flag.clone();
                    thread::spawn(move || pass(from, to, &flag));
                }
            }
        });
        Freezer { port, frozen }
    }

    pub fn freeze(&self) {
        self.frozen.store(true, Ordering::SeqCst);
    }

    pub fn thaw(&self) {
        self.frozen.store(false, Ordering::SeqCst);
    }
}

fn pass(mut from: TcpStream, mut to: TcpStream, frozen: &AtomicBool) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        while frozen.load(Ordering::SeqCst) {
            thread::sleep(Duration::from_millis(20));
        }
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                // Bytes read just as the link froze are held until it thaws.
                while frozen.load(Ordering::SeqCst) {
                    thread::sleep(Duration::from_millis(20));
                }
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}

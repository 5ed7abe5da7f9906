//! A webhook receiver for the notification tests: a small HTTP/1.1 server on loopback that
//! answers each request as scripted (a status, a Retry-After, a delay), then 200, and records
//! every request with its body and when it came. One request a connection (`Connection:
//! close`), which the client under test handles as any server's.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// How the receiver answers one request.
#[derive(Debug, Clone, Copy)]
pub enum Reply {
    Status(u16),
    /// 429 with `Retry-After: SECONDS`.
    RetryAfter(u64),
    /// Waits this long, then 200.
    Delay(Duration),
}

#[derive(Debug, Clone)]
pub struct Request {
    pub at: Instant,
    pub path: String,
    pub body: Value,
    /// What it was answered (0 if it was never answered).
    pub status: u16,
}

#[derive(Default)]
struct State {
    script: VecDeque<Reply>,
    /// Once the script is used up (200 unless set).
    then: Option<Reply>,
    requests: Vec<Request>,
}

pub struct Hook {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
    task: JoinHandle<()>,
}

impl Hook {
    /// A receiver answering `script` in order, then 200.
    pub async fn start(script: Vec<Reply>) -> Self {
        Self::start_then(script, Reply::Status(200)).await
    }

    /// A receiver answering `script` in order, then `then` to every request.
    pub async fn start_then(script: Vec<Reply>, then: Reply) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State {
            script: script.into(),
            then: Some(then),
            requests: Vec::new(),
        }));
        let shared = Arc::clone(&state);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, Arc::clone(&shared)));
            }
        });
        Self { addr, state, task }
    }

    /// `http://ADDR/PATH`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}/{path}", self.addr)
    }

    /// Every request so far (attempts included), in order of arrival.
    pub fn requests(&self) -> Vec<Request> {
        self.state.lock().unwrap().requests.clone()
    }

    /// The bodies of the requests answered with a 2xx.
    pub fn accepted(&self) -> Vec<Value> {
        self.requests()
            .into_iter()
            .filter(|r| (200..300).contains(&r.status))
            .map(|r| r.body)
            .collect()
    }

    /// Waits until `n` requests were accepted (at most `within`), then gives them all.
    pub async fn wait_accepted(&self, n: usize, within: Duration) -> Vec<Value> {
        let end = Instant::now() + within;
        loop {
            let got = self.accepted();
            if got.len() >= n || Instant::now() >= end {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

impl Drop for Hook {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A loopback address where nothing listens (a receiver that is down).
pub async fn closed_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap()
}

async fn serve(mut stream: TcpStream, state: Arc<Mutex<State>>) {
    let Some((path, body)) = read_request(&mut stream).await else { return };
    let at = Instant::now();
    let (reply, index) = {
        let mut s = state.lock().unwrap();
        let reply = s.script.pop_front().or(s.then).unwrap_or(Reply::Status(200));
        let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
        s.requests.push(Request { at, path, body, status: 0 });
        (reply, s.requests.len() - 1)
    };
    let (status, extra) = match reply {
        Reply::Status(code) => (code, String::new()),
        Reply::RetryAfter(secs) => (429, format!("Retry-After: {secs}\r\n")),
        Reply::Delay(d) => {
            tokio::time::sleep(d).await;
            (200, String::new())
        }
    };
    let response =
        format!("HTTP/1.1 {status} X\r\n{extra}Content-Length: 2\r\nConnection: close\r\n\r\nok");
    if stream.write_all(response.as_bytes()).await.is_ok() {
        state.lock().unwrap().requests[index].status = status;
    }
    let _ = stream.shutdown().await;
}

/// The request's path and body (by Content-Length); `None` if the peer went away.
async fn read_request(stream: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
    let length = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length").then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Some((path, buf[head_end..head_end + length].to_vec()))
}

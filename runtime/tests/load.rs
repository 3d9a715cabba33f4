//! A steady run: 10,000 calls through one client against a keep-alive
//! server on 127.0.0.1 keep the process's resident memory flat (no growth
//! per call: nothing kept per request, no task left behind). Its own test
//! binary, so no other test allocates in the same process meanwhile.

mod common;

use std::convert::Infallible;

use common::*;
use pasarela_runtime::{Client, ClientBuilder, Request};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Answers every request on every connection with a small JSON body,
/// keeping connections open.
async fn keep_alive_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16 * 1024];
                let mut pending = Vec::new();
                loop {
                    while let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
                        pending.drain(..end + 4);
                        let body = b"{\"id\": 1, \"status\": \"paid\"}";
                        let head = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                            body.len()
                        );
                        if socket.write_all(head.as_bytes()).await.is_err()
                            || socket.write_all(body).await.is_err()
                        {
                            return;
                        }
                    }
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => pending.extend_from_slice(&buf[..n]),
                    }
                }
            });
        }
    });
    url
}

/// Resident memory of this process in bytes (Linux), if readable.
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

async fn run(client: &Client, calls: usize) {
    let concurrency = 32;
    let per_task = calls / concurrency;
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move {
                for _ in 0..per_task {
                    let mut req = Request::new(&GET_OPEN);
                    req.path_param("id", "7");
                    let resp = c.send::<Infallible>(req).await.expect("call");
                    assert_eq!(resp.status(), 200);
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("task");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_calls_keep_memory_flat() {
    let url = keep_alive_server().await;
    let client = ClientBuilder::new(&API)
        .base_url(url)
        .build()
        .expect("client");
    // Warm up: connection pool, allocator arenas, lazily built state.
    run(&client, 2_000).await;
    let Some(before) = resident_bytes() else {
        println!("skipped: /proc/self/statm is not readable here");
        return;
    };
    run(&client, 10_000).await;
    let after = resident_bytes().unwrap_or(before);
    let growth = after.saturating_sub(before);
    println!(
        "resident memory: {} KiB before, {} KiB after 10,000 calls (+{} KiB)",
        before / 1024,
        after / 1024,
        growth / 1024
    );
    // Anything kept per call would show: 10,000 × even 1 KiB is 10 MiB.
    assert!(growth < 4 * 1024 * 1024, "grew by {} KiB", growth / 1024);
}

//! HTTPS against a local server whose self-signed certificate is generated
//! at test time (no key is committed): trusted through
//! `add_root_certificate_pem` it works; untrusted it fails with a clear
//! transport error, before anything is sent; a certificate that is not PEM
//! is refused when the client is built.

mod common;

use std::convert::Infallible;
use std::sync::Arc;

use common::*;
use pasarela_runtime::{BuildError, ClientBuilder, Error, Request};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;

/// Starts an HTTPS server on 127.0.0.1 answering every request with
/// `{"id": 1}`; returns its base URL and the certificate's PEM.
async fn https_server() -> (String, String) {
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).expect("cert");
    let pem = cert.cert.pem();
    let der = CertificateDer::from(cert.cert.der().to_vec());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.key_pair.serialize_der()));
    let config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![der], key)
        .expect("server config");
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("https://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(socket).await else {
                    return;
                };
                let mut buf = vec![0u8; 8192];
                let mut seen = Vec::new();
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
                let body = b"{\"id\": 1}";
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = tls.write_all(head.as_bytes()).await;
                let _ = tls.write_all(body).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (url, pem)
}

fn get() -> Request {
    let mut req = Request::new(&GET_OPEN);
    req.path_param("id", "1");
    req
}

#[tokio::test]
async fn a_trusted_self_signed_certificate_works() {
    let (url, pem) = https_server().await;
    let client = ClientBuilder::new(&API)
        .base_url(&url)
        .add_root_certificate_pem(pem)
        .build()
        .expect("client");
    let resp = client.send::<Infallible>(get()).await.expect("HTTPS call");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text_lossy(), "{\"id\": 1}");
}

#[tokio::test]
async fn an_untrusted_certificate_fails_clearly_and_is_not_retried_as_sent() {
    let (url, _) = https_server().await;
    let client = ClientBuilder::new(&API)
        .base_url(&url)
        .retry_policy(fast_retry(2))
        .build()
        .expect("client");
    let err = client
        .send::<Infallible>(get())
        .await
        .expect_err("untrusted");
    match &err {
        Error::Transport { message, .. } => assert!(
            message.to_lowercase().contains("certificate"),
            "the message says why: {message}"
        ),
        other => panic!("expected a transport error before sending: {other:?}"),
    }
    // A money-moving call meets the same: the request never left, so the
    // outcome is known (nothing happened).
    let mut pay = Request::new(&PAY_OPEN);
    pay.json_body(&serde_json::json!({})).expect("body");
    let err = client.send::<Infallible>(pay).await.expect_err("untrusted");
    assert!(!matches!(err, Error::OutcomeUnknown { .. }), "{err:?}");
}

#[test]
fn a_certificate_that_is_not_pem_is_refused_at_build_time() {
    let err = ClientBuilder::new(&API)
        .base_url("https://127.0.0.1:1")
        .add_root_certificate_pem("not a certificate")
        .build()
        .expect_err("bad PEM");
    assert!(
        matches!(err, BuildError::InvalidCertificate { index: 0, .. }),
        "{err:?}"
    );
}

//! The control API under `/__sandbox/`, for tests in any language:
//!
//! | request | effect |
//! |---|---|
//! | `GET /__sandbox/requests` | the request log (JSON list of [`LoggedRequest`](super::LoggedRequest)) |
//! | `DELETE /__sandbox/requests` | empties the log |
//! | `POST /__sandbox/faults` `{"status": 503, "times": 2}` | the next 2 requests are answered 503 |
//! | `POST /__sandbox/faults` `{"delay_ms": 500, "times": 1}` | the next request waits 500 ms |
//! | `POST /__sandbox/faults` `{"reset": 1}` | the next request's connection is closed unanswered |
//! | `DELETE /__sandbox/faults` | no more faults |

use std::sync::Mutex;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Method, Response};
use serde_json::{json, Value as Json};

use super::{json_response, lock, problem, Faults, State};

/// Answers a control request (`rest` is the path after `/__sandbox/`).
pub(super) fn handle(
    method: &Method,
    rest: &str,
    body: &[u8],
    state: &Mutex<State>,
) -> Response<Full<Bytes>> {
    let mut st = lock(state);
    match (method.as_str(), rest.trim_end_matches('/')) {
        ("GET", "requests") => {
            let log = serde_json::to_value(&st.log).unwrap_or(Json::Null);
            json_response(200, "application/json", &log)
        }
        ("DELETE", "requests") => {
            st.log.clear();
            json_response(200, "application/json", &json!({"cleared": true}))
        }
        ("POST", "faults") => {
            let Ok(doc) = serde_json::from_slice::<Json>(body) else {
                return problem(
                    400,
                    "not a fault",
                    &["send a JSON object such as {\"status\": 503, \"times\": 1}"],
                );
            };
            let times = doc.get("times").and_then(Json::as_u64).unwrap_or(1) as usize;
            let mut set = false;
            if let Some(status) = doc.get("status").and_then(Json::as_u64) {
                let Ok(status) = u16::try_from(status) else {
                    return problem(400, "not a fault", &["`status` must be an HTTP status"]);
                };
                st.faults.status = Some((status, times));
                set = true;
            }
            if let Some(ms) = doc.get("delay_ms").and_then(Json::as_u64) {
                st.faults.delay = Some((Duration::from_millis(ms), times));
                set = true;
            }
            if let Some(n) = doc.get("reset").and_then(Json::as_u64) {
                st.faults.reset = n as usize;
                set = true;
            }
            if !set {
                return problem(
                    400,
                    "not a fault",
                    &["give `status`, `delay_ms` or `reset`"],
                );
            }
            json_response(200, "application/json", &json!({"scripted": true}))
        }
        ("DELETE", "faults") => {
            st.faults = Faults::default();
            json_response(200, "application/json", &json!({"cleared": true}))
        }
        _ => problem(
            404,
            "not found",
            &["the control API has /__sandbox/requests and /__sandbox/faults"],
        ),
    }
}

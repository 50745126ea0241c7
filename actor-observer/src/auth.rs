//! The token every request carries, as `?token=` or `Authorization: Bearer`.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::time::SystemTime;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::api;

/// 128 random bits, hex: std's `RandomState` is seeded from the operating system's randomness.
pub(crate) fn random_token() -> String {
    let now = SystemTime::now();
    let a = RandomState::new().hash_one(now);
    let b = RandomState::new().hash_one((now, a));
    format!("{a:016x}{b:016x}")
}

/// Lets a request through only with the right token.
pub(crate) async fn require_token(
    State(state): State<api::State>,
    request: Request,
    next: Next,
) -> Response {
    let from_query = request.uri().query().and_then(|q| {
        q.split('&')
            .find_map(|pair| pair.strip_prefix("token="))
            .map(str::to_owned)
    });
    let from_header = request
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    let given = from_header.or(from_query);
    match given {
        Some(given) if same(given.as_bytes(), state.token().as_bytes()) => next.run(request).await,
        _ => (StatusCode::UNAUTHORIZED, "missing or wrong token\n").into_response(),
    }
}

/// Compares without stopping at the first difference.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
